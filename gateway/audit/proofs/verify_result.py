"""What the verifiers return: a failure with a code, Danish and English text and an index."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from gateway.audit.proofs.notes import NoteError, NoteVerifier

ProgressCallback = Callable[[int, int], None]
"""Called as ``progress(entries_done, entries_total)`` while verifying an export."""


@dataclass(frozen=True, slots=True)
class Failure:
    """Why verification failed. ``index`` is the first leaf index not verified, if any."""

    code: str
    message_da: str
    message_en: str
    index: int | None = None


class VerificationFailed(Exception):
    """Raised by the single-artefact checks; carries a :class:`Failure`."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.message_en)
        self.failure = failure


def _fail(code: str, da: str, en: str, index: int | None = None) -> VerificationFailed:
    return VerificationFailed(Failure(code, da, en, index))


def load_verifier(key: str | NoteVerifier) -> NoteVerifier:
    """Parse a verifier key string (or pass a verifier through)."""
    if isinstance(key, NoteVerifier):
        return key
    try:
        return NoteVerifier.parse(key)
    except NoteError as exc:
        raise _fail(
            "bad_key", "Verifikationsnøglen er ugyldig.", f"Invalid verifier key: {exc}"
        ) from exc
