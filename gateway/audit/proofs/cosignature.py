"""C2SP tlog-cosignature/v1 (Ed25519): witness cosignatures on checkpoints.

Format (https://c2sp.org/tlog-cosignature), checked against the published vectors in
``tests/audit/test_cosignature.py``:

* a cosignature is a signed-note signature line ``— <witness name> <base64(key id ‖
  timestamp ‖ signature)>``: key id 4 bytes, timestamp 8 bytes big-endian (POSIX seconds),
  Ed25519 signature 64 bytes;
* key id = first 4 bytes of ``SHA-256(name ‖ 0x0A ‖ 0x04 ‖ 32-byte public key)``;
* the signed message is ``cosignature/v1\\ntime <timestamp>\\n`` followed by the whole
  checkpoint body (the note text, ending in ``\\n``);
* verifier key (vkey) ``<name>+<8 hex key id>+<base64(0x04 ‖ public key)>``. A plain
  Ed25519 note key (type 0x01) of the same key is accepted and re-typed, as Go does.

No database, no network: the offline verifier uses this module.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from gateway.audit.proofs.notes import (
    ALG_ED25519,
    SIG_PREFIX,
    InvalidNoteSignature,
    MalformedNote,
    _b64decode,
    _valid_name,
    parse_note,
)

ALG_COSIGNATURE_V1 = 0x04
COSIGNATURE_SIZE = 4 + 8 + 64
MAX_TIMESTAMP = 2**63 - 1


def cosigner_key_id(name: str, public_key: bytes) -> int:
    """The C2SP key id of an Ed25519 cosigner key named ``name`` (type 0x04)."""
    digest = hashlib.sha256(
        name.encode("utf-8") + b"\n" + bytes([ALG_COSIGNATURE_V1]) + public_key
    ).digest()
    return int.from_bytes(digest[:4], "big")


def cosigned_message(checkpoint_text: str, timestamp: int) -> bytes:
    """The bytes a cosignature/v1 signs: header, time line, the checkpoint body."""
    return f"cosignature/v1\ntime {timestamp}\n".encode() + checkpoint_text.encode("utf-8")


@dataclass(frozen=True, slots=True)
class CosignatureVerifier:
    """A witness's public key: name, key id (type 0x04) and raw Ed25519 key."""

    name: str
    key_id: int
    public_key: bytes = field(repr=False)

    @classmethod
    def from_public_key(cls, name: str, public_key: bytes) -> CosignatureVerifier:
        """Build from a witness name and a raw 32-byte public key."""
        if not _valid_name(name):
            raise MalformedNote("key names must be non-empty without spaces or '+'")
        if len(public_key) != 32:
            raise MalformedNote("Ed25519 public keys are 32 bytes")
        return cls(name, cosigner_key_id(name, public_key), public_key)

    @classmethod
    def parse(cls, text: str) -> CosignatureVerifier:
        """Parse a vkey ``<name>+<hex id>+<base64(0x04 ‖ key)>`` (or a 0x01 note key)."""
        parts = text.strip().split("+", 2)
        if len(parts) != 3 or not re.fullmatch(r"[0-9a-f]{8}", parts[1]):
            raise MalformedNote("witness key must be <name>+<8 hex>+<base64 key>")
        name, hex_id, b64 = parts
        raw = _b64decode(b64)
        if len(raw) != 33 or raw[0] not in (ALG_COSIGNATURE_V1, ALG_ED25519):
            raise MalformedNote("witness key is not an Ed25519 cosignature key")
        verifier = cls.from_public_key(name, raw[1:])
        if raw[0] == ALG_COSIGNATURE_V1 and verifier.key_id != int(hex_id, 16):
            raise MalformedNote("witness key id does not match the key")
        if raw[0] == ALG_ED25519:  # a note key: its id is computed with 0x01
            digest = hashlib.sha256(name.encode() + b"\n" + raw).digest()
            if int.from_bytes(digest[:4], "big") != int(hex_id, 16):
                raise MalformedNote("witness key id does not match the key")
        return verifier

    def __str__(self) -> str:
        key = base64.b64encode(bytes([ALG_COSIGNATURE_V1]) + self.public_key).decode("ascii")
        return f"{self.name}+{self.key_id:08x}+{key}"

    def verify(self, checkpoint_text: str, timestamp: int, signature: bytes) -> bool:
        """Whether ``signature`` cosigns ``checkpoint_text`` at ``timestamp``."""
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(
                signature, cosigned_message(checkpoint_text, timestamp)
            )
        except InvalidSignature:
            return False
        return True


class Cosigner:
    """A witness's Ed25519 cosigning key. Its repr never shows the private key."""

    __slots__ = ("_key", "key_id", "name")

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        if not _valid_name(name):
            raise MalformedNote("key names must be non-empty without spaces or '+'")
        self.name = name
        self._key = private_key
        raw = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.key_id = cosigner_key_id(name, raw)

    @classmethod
    def generate(cls, name: str) -> Cosigner:
        """A new random key named ``name``."""
        return cls(name, Ed25519PrivateKey.generate())

    @classmethod
    def parse(cls, text: str) -> Cosigner:
        """Parse ``PRIVATE+KEY+<name>+<hex id>+<base64(0x04 ‖ seed)>`` (0x01 accepted too)."""
        parts = text.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise MalformedNote("witness signer key must be PRIVATE+KEY+<name>+<hex>+<base64>")
        raw = _b64decode(parts[4])
        if len(raw) != 33 or raw[0] not in (ALG_COSIGNATURE_V1, ALG_ED25519):
            raise MalformedNote("witness signer key is not an Ed25519 key")
        return cls(parts[2], Ed25519PrivateKey.from_private_bytes(raw[1:]))

    def signer_key(self) -> str:
        """The ``PRIVATE+KEY+...`` string (a secret)."""
        seed = self._key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        b64 = base64.b64encode(bytes([ALG_COSIGNATURE_V1]) + seed).decode("ascii")
        return f"PRIVATE+KEY+{self.name}+{self.key_id:08x}+{b64}"

    def verifier(self) -> CosignatureVerifier:
        """The matching public key."""
        raw = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return CosignatureVerifier(self.name, self.key_id, raw)

    def cosign(self, checkpoint_text: str, timestamp: int) -> str:
        """Return the signature line (ending in ``\\n``) cosigning ``checkpoint_text``."""
        if not 0 < timestamp <= MAX_TIMESTAMP:
            raise ValueError("a cosignature/v1 timestamp is a positive 63-bit integer")
        signature = self._key.sign(cosigned_message(checkpoint_text, timestamp))
        blob = self.key_id.to_bytes(4, "big") + timestamp.to_bytes(8, "big") + signature
        return f"{SIG_PREFIX}{self.name} {base64.b64encode(blob).decode('ascii')}\n"

    def __repr__(self) -> str:
        return f"Cosigner(name={self.name!r}, key_id={self.key_id:08x})"


@dataclass(frozen=True, slots=True)
class Cosignature:
    """A verified cosignature: the witness, when it signed, and its signature line."""

    witness: CosignatureVerifier
    timestamp: int
    line: str


def cosignature_timestamp(b64: str) -> int:
    """The timestamp of a cosignature/v1 signature (base64 of the signature line)."""
    raw = _b64decode(b64)
    if len(raw) != COSIGNATURE_SIZE:
        raise MalformedNote("not a cosignature/v1 signature (wrong length)")
    return int.from_bytes(raw[4:12], "big")


def verify_cosignatures(
    note: str | bytes, witnesses: Iterable[CosignatureVerifier]
) -> list[Cosignature]:
    """Every valid cosignature on ``note`` from a trusted witness (one per witness).

    Lines from unknown keys are ignored; a line whose name and key id match a trusted
    witness but whose signature does not verify makes the note invalid
    (:class:`InvalidNoteSignature`), as signed-note requires.
    """
    parsed = parse_note(note)
    known = {(w.name, w.key_id): w for w in witnesses}
    found: dict[tuple[str, int], Cosignature] = {}
    for sig in parsed.signatures:
        witness = known.get((sig.name, sig.key_id))
        if witness is None:
            continue
        raw = _b64decode(sig.b64)
        timestamp = int.from_bytes(raw[4:12], "big") if len(raw) == COSIGNATURE_SIZE else 0
        if (
            len(raw) != COSIGNATURE_SIZE
            or not 0 < timestamp <= MAX_TIMESTAMP
            or not witness.verify(parsed.text, timestamp, raw[12:])
        ):
            raise InvalidNoteSignature(
                f"invalid cosignature from witness {sig.name}+{sig.key_id:08x}"
            )
        found.setdefault(
            (sig.name, sig.key_id),
            Cosignature(witness, timestamp, f"{SIG_PREFIX}{sig.name} {sig.b64}\n"),
        )
    return list(found.values())


def signature_lines(text: str) -> list[str]:
    """Split a block of signature lines (an add-checkpoint response) into lines."""
    lines = [line + "\n" for line in text.split("\n") if line]
    for line in lines:
        if not line.startswith(SIG_PREFIX):
            raise MalformedNote("signature lines must start with an em dash and a space")
    return lines


def with_signatures(note: str, lines: Sequence[str]) -> str:
    """``note`` with the extra signature ``lines`` appended (duplicates skipped)."""
    parsed = parse_note(note)
    present = {f"{SIG_PREFIX}{s.name} {s.b64}\n" for s in parsed.signatures}
    extra = [line for line in dict.fromkeys(lines) if line not in present]
    combined = note + "".join(extra)
    parse_note(combined)  # still well-formed (e.g. not beyond the signature limit)
    return combined
