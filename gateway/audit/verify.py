"""Offline verification of checkpoints, proofs, receipts and full exports.

Needs no database and no network: everything is checked against a verifier key
the auditor trusts and the files in front of them. Failures carry a code, a
Danish and an English text, and — where the failure is about entries — the
first leaf index that could not be verified.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gateway.audit.canonical import NonCanonicalValue
from gateway.audit.export_format import (
    CHECKPOINTS_DIR,
    ENTRIES_FILE,
    ENTRY_KEY,
    LEAF_HASH_KEY,
    LINE_PREFIX,
    MANIFEST_FILE,
    ExportFormatError,
    Manifest,
    checkpoint_size_from_filename,
    parse_receipt,
)
from gateway.audit.merkle import EMPTY_ROOT, ProofError, leaf_hash, verify_consistency
from gateway.audit.merkle import verify_inclusion as _verify_inclusion
from gateway.audit.notes import Checkpoint, NoteError, NoteVerifier, open_checkpoint

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


# --------------------------------------------------------------------------- single artefacts


def verify_checkpoint_note(
    note: str | bytes, key: str | NoteVerifier, *, origin: str | None = None
) -> Checkpoint:
    """Verify a signed checkpoint note against ``key`` and return the checkpoint."""
    verifier = load_verifier(key)
    try:
        return open_checkpoint(note, [verifier], origin=origin)
    except NoteError as exc:
        raise _fail(
            "checkpoint_signature",
            "Checkpointet er ikke gyldigt signeret med nøglen.",
            f"Checkpoint does not verify: {exc}",
        ) from exc


def parse_proof_file(text: str) -> list[bytes]:
    """Read proof hashes: JSON with a ``proof`` list of base64, or one base64 per line."""
    stripped = text.strip()
    items: object
    if stripped.startswith("{"):
        try:
            items = json.loads(stripped).get("proof")
        except (ValueError, AttributeError) as exc:
            raise ExportFormatError("proof file is not valid JSON") from exc
    else:
        items = [line for line in stripped.split("\n") if line.strip()]
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise ExportFormatError("proof must be a list of base64 hashes")
    hashes = []
    for item in items:
        try:
            value = base64.b64decode(item.strip(), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ExportFormatError("proof hash is not valid base64") from exc
        if len(value) != 32:
            raise ExportFormatError("proof hashes must be 32 bytes")
        hashes.append(value)
    return hashes


def verify_checkpoint_consistency(old: Checkpoint, new: Checkpoint, proof: Sequence[bytes]) -> None:
    """Check that ``new`` extends ``old`` (same origin, consistency proof holds)."""
    if old.origin != new.origin:
        raise _fail(
            "origin_mismatch",
            "De to checkpoints er fra forskellige logge.",
            "The two checkpoints are from different logs.",
        )
    try:
        verify_consistency(old.size, new.size, old.root_hash, new.root_hash, proof)
    except ProofError as exc:
        raise _fail(
            "consistency",
            f"Loggen i størrelse {new.size} er ikke en udvidelse af størrelse {old.size}.",
            f"The log at size {new.size} does not extend size {old.size}: {exc}",
            old.size,
        ) from exc


def load_entry_bytes(data: bytes) -> bytes:
    """Return the exact entry bytes from an entry file.

    Accepts the raw canonical JSON (one trailing newline tolerated) or an item of
    ``/v1/me/access-log`` (an object with ``leaf_index`` and base64 ``leaf``).
    """
    try:
        parsed = json.loads(data)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict) and "leaf_index" in parsed and isinstance(parsed.get("leaf"), str):
        try:
            return base64.b64decode(parsed["leaf"], validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ExportFormatError("access-log item has an invalid leaf") from exc
    return data[:-1] if data.endswith(b"\n") else data


@dataclass(frozen=True, slots=True)
class ReceiptCheck:
    """A verified receipt: the entry is at ``index`` in the checkpointed tree."""

    index: int
    checkpoint: Checkpoint


def verify_receipt(
    receipt_text: str, entry: bytes, key: str | NoteVerifier, *, origin: str | None = None
) -> ReceiptCheck:
    """Verify a tlog-proof receipt for ``entry`` (the exact logged bytes)."""
    try:
        receipt = parse_receipt(receipt_text)
    except ExportFormatError as exc:
        raise _fail("malformed", "Kvitteringen er ikke læselig.", f"Bad receipt: {exc}") from exc
    checkpoint = verify_checkpoint_note(receipt.checkpoint_note, key, origin=origin)
    try:
        _verify_inclusion(
            receipt.index, checkpoint.size, leaf_hash(entry), receipt.proof, checkpoint.root_hash
        )
    except ProofError as exc:
        raise _fail(
            "inclusion",
            f"Posten findes ikke på indeks {receipt.index} i den signerede log.",
            f"The entry is not at index {receipt.index} of the signed log: {exc}",
            receipt.index,
        ) from exc
    return ReceiptCheck(receipt.index, checkpoint)


# --------------------------------------------------------------------------- full export


@dataclass(frozen=True, slots=True)
class ExportVerification:
    """The verdict on a full export."""

    ok: bool
    entries: int = 0
    purged: int = 0
    checkpoints: int = 0
    verified_size: int = 0
    verifier_key: str = ""
    key_from_export: bool = False
    failure: Failure | None = None
    warnings: tuple[str, ...] = field(default=())


def _reject_number(text: str) -> object:
    raise NonCanonicalValue(f"{text} is not allowed in canonical JSON")


_loads = json.JSONDecoder(parse_float=_reject_number, parse_constant=_reject_number).decode
_dumps = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
).encode


def _is_canonical(entry: bytes) -> bool:
    """Return whether ``entry`` is exactly ``canonical_json`` of its own parse.

    Equivalent to ``canonical_json(json.loads(entry)) == entry`` (a test holds
    the two together) but about twice as fast: floats and NaN are refused while
    parsing, so the recursive type walk of ``canonical_json`` is not needed.
    """
    try:
        return _dumps(_loads(entry.decode("utf-8"))).encode("utf-8") == entry
    except ValueError:  # not UTF-8, not JSON, or a float/NaN
        return False


def _load_checkpoints(
    directory: Path, verifier: NoteVerifier, origin: str, extra: Sequence[str]
) -> tuple[dict[int, bytes], Failure | None]:
    roots: dict[int, bytes] = {}
    checkpoint_dir = directory / CHECKPOINTS_DIR
    notes: list[tuple[str, int | None, bytes]] = []
    if checkpoint_dir.is_dir():
        for path in sorted(checkpoint_dir.iterdir()):
            notes.append((path.name, checkpoint_size_from_filename(path.name), path.read_bytes()))
    notes.extend((f"--checkpoint #{n + 1}", None, t.encode()) for n, t in enumerate(extra))
    previous_good = 0
    for name, claimed_size, text in sorted(notes, key=lambda n: n[1] or 0):
        try:
            checkpoint = open_checkpoint(text, [verifier], origin=origin)
        except NoteError as exc:
            # Entries since the last good checkpoint are what a forged checkpoint could hide.
            return roots, Failure(
                "checkpoint_signature",
                f"Checkpoint {name} er ikke gyldigt signeret med nøglen ({exc}).",
                f"Checkpoint {name} is not validly signed by the key ({exc}).",
                previous_good,
            )
        if name.endswith(".note") and claimed_size != checkpoint.size:
            return roots, Failure(
                "checkpoint_name",
                f"Checkpoint-filen {name} indeholder størrelse {checkpoint.size}.",
                f"Checkpoint file {name} holds size {checkpoint.size}.",
                previous_good,
            )
        if roots.get(checkpoint.size, checkpoint.root_hash) != checkpoint.root_hash:
            return roots, Failure(
                "checkpoint_fork",
                f"To signerede checkpoints for størrelse {checkpoint.size} er forskellige.",
                f"Two signed checkpoints for size {checkpoint.size} differ (a fork).",
                previous_good,
            )
        roots[checkpoint.size] = checkpoint.root_hash
        previous_good = checkpoint.size
    return roots, None


def verify_export(
    directory: str | os.PathLike[str],
    *,
    key: str | NoteVerifier | None = None,
    trusted_checkpoints: Sequence[str] = (),
    check_canonical: bool = True,
    progress: ProgressCallback | None = None,
    progress_every: int = 1 << 16,
) -> ExportVerification:
    """Verify an export directory end to end and return the verdict.

    Recomputes the Merkle root while streaming ``entries.jsonl``; every signed
    checkpoint must verify with the key and match the recomputed root at its
    size; indexes must run 0, 1, 2, … without gaps; every entry must be covered
    by a checkpoint; with ``check_canonical`` every entry body must be canonical
    JSON. ``key`` is the verifier key the auditor trusts; without it the key in
    the manifest is used and the result says so. ``trusted_checkpoints`` are
    checkpoint notes obtained independently (e.g. published), which the export
    must contain.
    """
    directory = Path(directory)
    try:
        manifest = Manifest.from_json((directory / MANIFEST_FILE).read_bytes())
    except (OSError, ExportFormatError) as exc:
        return ExportVerification(
            ok=False,
            failure=Failure(
                "manifest", "Eksportens manifest mangler eller er ugyldigt.", f"Manifest: {exc}"
            ),
        )
    try:
        verifier = load_verifier(key if key is not None else manifest.verifier_key)
    except VerificationFailed as exc:
        return ExportVerification(ok=False, failure=exc.failure)
    key_text = str(verifier)
    if key is not None and manifest.verifier_key != key_text:
        return ExportVerification(
            ok=False,
            verifier_key=key_text,
            failure=Failure(
                "key_mismatch",
                "Eksporten angiver en anden nøgle end den, du stoler på.",
                "The export names a different key than the one you trust.",
            ),
        )
    roots, failure = _load_checkpoints(directory, verifier, manifest.origin, trusted_checkpoints)
    total = manifest.entries
    sizes = sorted(roots)
    if failure is None and sizes and sizes[0] == 0 and roots[0] != EMPTY_ROOT:
        failure = Failure("root_mismatch", "Tomt træ med forkert rod.", "Empty tree root.", 0)

    # The hot loop: locals only, no per-entry objects beyond the hashes themselves.
    sha256 = hashlib.sha256
    b64decode = binascii.a2b_base64
    prefix_len = len(LINE_PREFIX)
    entry_key_len = len(ENTRY_KEY)
    hash_key_len = len(LEAF_HASH_KEY)
    frontier: list[bytes] = []
    index = 0
    purged = 0
    verified_size = 0
    pending = iter([s for s in sizes if s > 0])
    next_cp = next(pending, -1)
    next_progress = progress_every
    handle = None
    if failure is None:
        try:
            handle = open(directory / ENTRIES_FILE, "rb")  # noqa: SIM115
        except OSError:
            failure = Failure(
                "missing_entries", "entries.jsonl mangler.", "entries.jsonl is missing.", 0
            )
    if handle is not None:
        with handle:
            for line in handle:
                bad = None
                comma = line.find(b",", prefix_len)
                if comma < 0 or not line.startswith(LINE_PREFIX) or not line.endswith(b"}\n"):
                    bad = "malformed"
                elif line[prefix_len:comma] != b"%d" % index:
                    bad = "index"
                elif line.startswith(ENTRY_KEY, comma):
                    entry = line[comma + entry_key_len : -2]
                    if check_canonical and not _is_canonical(entry):
                        bad = "canonical"
                    h = sha256(b"\x00" + entry).digest()
                elif line.startswith(LEAF_HASH_KEY, comma) and line.endswith(b'"}\n'):
                    try:
                        h = b64decode(line[comma + hash_key_len : -3], strict_mode=True)
                    except binascii.Error:
                        h = b""
                    if len(h) != 32:
                        bad = "malformed"
                    purged += 1
                else:
                    bad = "malformed"
                if bad is not None:
                    failure = _line_failure(bad, index, line)
                    break
                # Append to the compact range: merge while the new leaf closes a subtree.
                n = index
                while n & 1:
                    h = sha256(b"\x01" + frontier.pop() + h).digest()
                    n >>= 1
                frontier.append(h)
                index += 1
                if index == next_cp:
                    root = frontier[-1]
                    for left in reversed(frontier[:-1]):
                        root = sha256(b"\x01" + left + root).digest()
                    if root != roots[index]:
                        failure = Failure(
                            "root_mismatch",
                            f"Posterne stemmer ikke med det signerede checkpoint for størrelse "
                            f"{index}; første fejl ligger ved indeks {verified_size} eller senere "
                            f"(før {index}).",
                            f"Entries do not match the signed checkpoint at size {index}; the "
                            f"first bad entry is at index {verified_size} or later (before "
                            f"{index}).",
                            verified_size,
                        )
                        break
                    verified_size = index
                    next_cp = next(pending, -1)
                if progress is not None and index >= next_progress:
                    progress(index, total)
                    next_progress += progress_every
    if progress is not None:
        progress(index, total)
    if failure is None:
        failure = _tail_failure(index, total, sizes, verified_size)
    warnings: tuple[str, ...] = ("key_from_export",) if key is None else ()
    return ExportVerification(
        ok=failure is None,
        entries=index,
        purged=purged,
        checkpoints=len(sizes),
        verified_size=verified_size,
        failure=failure,
        warnings=warnings,
        verifier_key=key_text,
        key_from_export=key is None,
    )


def _line_failure(kind: str, index: int, line: bytes) -> Failure:
    if kind == "index":
        return Failure(
            "index",
            f"Linjen for indeks {index} mangler eller står i forkert rækkefølge.",
            f"The line for index {index} is missing or out of order.",
            index,
        )
    if kind == "canonical":
        return Failure(
            "canonical",
            f"Posten på indeks {index} er ikke kanonisk JSON.",
            f"The entry at index {index} is not canonical JSON.",
            index,
        )
    if not line.endswith(b"\n"):
        return Failure(
            "truncated",
            f"Eksporten er afkortet ved indeks {index}.",
            f"The export is truncated at index {index}.",
            index,
        )
    return Failure(
        "malformed",
        f"Linjen for indeks {index} er ikke i eksportformatet.",
        f"The line for index {index} is not in the export format.",
        index,
    )


def _tail_failure(
    count: int, total: int, sizes: Sequence[int], verified_size: int
) -> Failure | None:
    largest = sizes[-1] if sizes else 0
    if count < max(total, largest):
        return Failure(
            "truncated",
            f"Eksporten er afkortet: posterne slutter ved indeks {count}, men der skulle "
            f"være {max(total, largest)}.",
            f"The export is truncated: entries stop at index {count}, expected "
            f"{max(total, largest)}.",
            count,
        )
    if count > total:
        return Failure(
            "extra_entries",
            f"Der er flere poster ({count}) end manifestet angiver ({total}).",
            f"There are more entries ({count}) than the manifest states ({total}).",
            total,
        )
    if count > verified_size:
        return Failure(
            "unsigned_tail",
            f"Poster fra indeks {verified_size} er ikke dækket af et signeret checkpoint.",
            f"Entries from index {verified_size} are not covered by a signed checkpoint.",
            verified_size,
        )
    return None
