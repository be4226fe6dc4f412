"""Offline verification of checkpoints, proofs, receipts and full exports.

Needs no database and no network: everything is checked against a verifier key
the auditor trusts and the files in front of them. Failures carry a code, a
Danish and an English text, and — where the failure is about entries — the
first leaf index that could not be verified.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass

from gateway.audit.proofs.cosignature import Cosignature, CosignatureVerifier, verify_cosignatures
from gateway.audit.proofs.export_format import (
    ExportFormatError,
    parse_receipt,
)
from gateway.audit.proofs.merkle import ProofError, leaf_hash, verify_consistency
from gateway.audit.proofs.merkle import verify_inclusion as _verify_inclusion
from gateway.audit.proofs.notes import Checkpoint, NoteError, NoteVerifier, open_checkpoint
from gateway.audit.proofs.verify_result import (
    Failure,
    ProgressCallback,
    VerificationFailed,
    _fail,
    load_verifier,
)

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


def load_witnesses(keys: Sequence[str | CosignatureVerifier]) -> list[CosignatureVerifier]:
    """Parse witness verifier keys (``<name>+<hex id>+<base64(0x04 ‖ key)>``)."""
    witnesses = []
    for key in keys:
        if isinstance(key, CosignatureVerifier):
            witnesses.append(key)
            continue
        try:
            witnesses.append(CosignatureVerifier.parse(key))
        except NoteError as exc:
            raise _fail(
                "bad_witness_key", "Vidnenøglen er ugyldig.", f"Invalid witness key: {exc}"
            ) from exc
    return witnesses


def check_quorum(
    note: str | bytes, witnesses: Sequence[CosignatureVerifier], quorum: int, *, size: int
) -> list[Cosignature]:
    """The valid cosignatures on ``note``; fails when fewer than ``quorum``, naming ``size``."""
    try:
        found = verify_cosignatures(note, witnesses)
    except NoteError as exc:
        raise _fail(
            "cosignature",
            f"Checkpointet i størrelse {size} har en ugyldig medsignatur.",
            f"The checkpoint of size {size} carries an invalid cosignature: {exc}",
            size,
        ) from exc
    if len(found) < quorum:
        raise _fail(
            "witness_quorum",
            f"Checkpointet i størrelse {size} har {len(found)} af {quorum} krævede gyldige "
            "medsignaturer fra vidner.",
            f"The checkpoint of size {size} has {len(found)} of the {quorum} required valid "
            "witness cosignatures.",
            size,
        )
    return found


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
    receipt_text: str,
    entry: bytes,
    key: str | NoteVerifier,
    *,
    origin: str | None = None,
    witnesses: Sequence[CosignatureVerifier] = (),
    quorum: int = 0,
) -> ReceiptCheck:
    """Verify a tlog-proof receipt for ``entry`` (the exact logged bytes).

    With ``quorum`` > 0 the receipt's checkpoint must carry that many valid cosignatures
    from ``witnesses``.
    """
    try:
        receipt = parse_receipt(receipt_text)
    except ExportFormatError as exc:
        raise _fail("malformed", "Kvitteringen er ikke læselig.", f"Bad receipt: {exc}") from exc
    checkpoint = verify_checkpoint_note(receipt.checkpoint_note, key, origin=origin)
    if quorum > 0:
        check_quorum(receipt.checkpoint_note, witnesses, quorum, size=checkpoint.size)
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


# Full-export verification lives in verify_full.py; re-exported here as the public API.
from gateway.audit.proofs.verify_full import (  # noqa: E402
    ExportVerification,
    verify_export,
)
from gateway.audit.proofs.verify_scan import is_canonical as _is_canonical  # noqa: E402

__all__ = [
    "ExportVerification",
    "Failure",
    "ProgressCallback",
    "ReceiptCheck",
    "VerificationFailed",
    "_is_canonical",
    "check_quorum",
    "load_entry_bytes",
    "load_verifier",
    "load_witnesses",
    "parse_proof_file",
    "verify_checkpoint_consistency",
    "verify_checkpoint_note",
    "verify_export",
    "verify_receipt",
]
