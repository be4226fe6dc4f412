"""The witness's one decision: cosign a checkpoint, or refuse it (C2SP tlog-witness).

``add_checkpoint`` parses the request body (old size, consistency proof, empty line,
signed checkpoint), checks it in the order the specification gives and answers with the
cosignature line, or raises :class:`WitnessRefusal` carrying the HTTP status:

* 400 malformed body, or old size above the checkpoint's size;
* 404 the origin is not a log this witness follows;
* 403 no valid signature from the log's key (or a known key's signature fails);
* 409 old size is not the size this witness last cosigned (the body says which);
* 422 bad consistency proof, a non-empty proof from size 0, a size-0 checkpoint
  without the empty root, or the same size with a different root (a fork).
"""

from __future__ import annotations

import base64
import binascii
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from gateway.audit.proofs.cosignature import with_signatures
from gateway.audit.proofs.merkle import EMPTY_ROOT, ProofError, verify_consistency
from gateway.audit.proofs.notes import Checkpoint, NoteError, open_note, parse_note
from gateway.witness.config import WitnessConfig
from gateway.witness.storage import Witnessed, WitnessStore

MAX_PROOF_LINES = 63
_OLD_LINE = re.compile(r"old (0|[1-9][0-9]*)")


class WitnessRefusal(Exception):
    """The checkpoint is not cosigned; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str, *, held_size: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.held_size = held_size


@dataclass(frozen=True, slots=True)
class AddCheckpointRequest:
    """A parsed add-checkpoint body."""

    old_size: int
    proof: tuple[bytes, ...]
    note: str


def parse_add_checkpoint(body: bytes) -> AddCheckpointRequest:
    """Split an add-checkpoint body; :class:`WitnessRefusal` (400) if malformed."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise WitnessRefusal(400, "body is not UTF-8") from exc
    head, sep, note = text.partition("\n\n")
    if not sep:
        raise WitnessRefusal(400, "body needs an old size line, proof lines and an empty line")
    lines = head.split("\n")
    match = _OLD_LINE.fullmatch(lines[0])
    if match is None:
        raise WitnessRefusal(400, "first line must be 'old <size>'")
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise WitnessRefusal(400, f"more than {MAX_PROOF_LINES} consistency proof lines")
    proof = []
    for line in lines[1:]:
        try:
            value = base64.b64decode(line, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise WitnessRefusal(400, "proof lines must be base64 hashes") from exc
        if len(value) != 32:
            raise WitnessRefusal(400, "proof hashes must be 32 bytes")
        proof.append(value)
    return AddCheckpointRequest(int(match.group(1)), tuple(proof), note)


class WitnessService:
    """Cosigns consistent checkpoints of the configured logs; keeps the latest per log."""

    def __init__(
        self,
        config: WitnessConfig,
        store: WitnessStore,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self._store = store
        self._clock = clock

    def add_checkpoint(self, body: bytes) -> str:
        """Check a submission and return the cosignature line(s); see the module doc."""
        request = parse_add_checkpoint(body)
        try:
            checkpoint = Checkpoint.parse(parse_note(request.note).text)
        except NoteError as exc:
            raise WitnessRefusal(400, f"not a signed checkpoint: {exc}") from exc
        log = self.config.logs.get(checkpoint.origin)
        if log is None:
            raise WitnessRefusal(404, "unknown log origin")
        try:
            open_note(request.note, log.verifiers)
        except NoteError as exc:
            raise WitnessRefusal(403, f"checkpoint is not signed by the log's key: {exc}") from exc
        if request.old_size > checkpoint.size:
            raise WitnessRefusal(400, "old size is larger than the checkpoint size")
        if checkpoint.size == 0 and checkpoint.root_hash != EMPTY_ROOT:
            raise WitnessRefusal(422, "a checkpoint of size 0 must have the empty root")
        now = int(self._clock())
        cosignature: list[str] = []

        def decide(held: Witnessed | None) -> Witnessed:
            held_size = held.size if held is not None else 0
            if request.old_size != held_size:
                raise WitnessRefusal(409, "old size does not match", held_size=held_size)
            if held is None or request.old_size == 0:
                if request.proof:
                    raise WitnessRefusal(422, "the proof from size 0 must be empty")
            elif request.old_size == checkpoint.size:
                if held.root_hash != checkpoint.root_hash or request.proof:
                    raise WitnessRefusal(422, "same size, different root: the log forked")
            else:
                try:
                    verify_consistency(
                        held.size,
                        checkpoint.size,
                        held.root_hash,
                        checkpoint.root_hash,
                        request.proof,
                    )
                except ProofError as exc:
                    raise WitnessRefusal(422, f"consistency proof does not verify: {exc}") from exc
            line = self.config.cosigner.cosign(parse_note(request.note).text, max(now, 1))
            cosignature.append(line)
            return Witnessed(
                checkpoint.origin,
                checkpoint.size,
                checkpoint.root_hash,
                with_signatures(request.note, [line]),
                now,
            )

        try:
            self._store.update(checkpoint.origin, decide)
        except WitnessRefusal as refusal:
            if refusal.status == 422:  # validly signed but inconsistent: evidence, keep it
                self._store.record_refusal(
                    checkpoint.origin, 422, refusal.message, request.note, now
                )
            raise
        return cosignature[0]

    def latest(self, origin: str) -> Witnessed | None:
        """The newest cosigned checkpoint of ``origin`` (monitor retrieval)."""
        return self._store.get(origin)
