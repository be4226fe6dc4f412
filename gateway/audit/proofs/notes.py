"""C2SP signed notes with Ed25519, and C2SP tlog-checkpoint bodies.

Formats (https://c2sp.org/signed-note, https://c2sp.org/tlog-checkpoint), as
implemented by Go's ``golang.org/x/mod/sumdb/note`` whose test vectors the tests use:

* a note is UTF-8 text ending in ``\\n``, a blank line, then one or more lines
  ``— <key name> <base64(4-byte key id ‖ signature)>\\n`` (em dash U+2014, space);
* key id = first 4 bytes (big-endian uint32) of
  ``SHA-256(name ‖ 0x0A ‖ 0x01 ‖ 32-byte Ed25519 public key)``;
* verifier key ``<name>+<8 hex key id>+<base64(0x01 ‖ public key)>``;
  signer key ``PRIVATE+KEY+<name>+<8 hex key id>+<base64(0x01 ‖ 32-byte seed)>``;
* a checkpoint body is ``<origin>\\n<decimal size>\\n<base64 root>\\n`` plus
  optional non-empty extension lines.

Parsing is strict: anything the Go implementation would call a "malformed
note" is refused, so a note that verifies here verifies there too.
"""

from __future__ import annotations

import base64
import binascii
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

ALG_ED25519 = 0x01
SIG_PREFIX = "\u2014 "  # em dash and space open every signature line
MAX_SIGNATURES = 100  # Go's limit; the spec asks for at least 16
_HASH_SIZE = 32


class NoteError(ValueError):
    """Base class for note and checkpoint problems."""


class MalformedNote(NoteError):
    """The text is not a well-formed signed note, key or checkpoint."""


class UnverifiedNote(NoteError):
    """No signature on the note is from a known key (unknown key or wrong name)."""


class InvalidNoteSignature(NoteError):
    """A signature from a known key does not verify: the text or signature was altered."""


def _valid_name(name: str) -> bool:
    return bool(name) and "+" not in name and not any(c.isspace() for c in name)


def key_id(name: str, public_key: bytes) -> int:
    """Return the C2SP key id of an Ed25519 key named ``name``."""
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([ALG_ED25519]) + public_key)
    return int.from_bytes(digest.digest()[:4], "big")


def _b64decode(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MalformedNote("invalid base64") from exc


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


# --------------------------------------------------------------------------- keys


@dataclass(frozen=True, slots=True)
class NoteVerifier:
    """An Ed25519 note verifier key: name, key id and public key."""

    name: str
    key_id: int
    public_key: bytes = field(repr=False)

    @classmethod
    def from_public_key(cls, name: str, public_key: bytes) -> NoteVerifier:
        """Build a verifier from a key name and a raw 32-byte public key."""
        if not _valid_name(name):
            raise MalformedNote("key names must be non-empty without spaces or '+'")
        if len(public_key) != 32:
            raise MalformedNote("Ed25519 public keys are 32 bytes")
        return cls(name, key_id(name, public_key), public_key)

    @classmethod
    def parse(cls, text: str) -> NoteVerifier:
        """Parse ``<name>+<hex key id>+<base64(0x01 ‖ public key)>``."""
        parts = text.strip().split("+", 2)  # base64 may itself contain '+'
        if len(parts) != 3 or not re.fullmatch(r"[0-9a-f]{8}", parts[1]):
            raise MalformedNote("verifier key must be <name>+<8 hex>+<base64 key>")
        name, hex_id, b64 = parts
        raw = _b64decode(b64)
        if len(raw) != 33 or raw[0] != ALG_ED25519:
            raise MalformedNote("verifier key is not an Ed25519 key")
        verifier = cls.from_public_key(name, raw[1:])
        if verifier.key_id != int(hex_id, 16):
            raise MalformedNote("verifier key id does not match the key")
        return verifier

    def __str__(self) -> str:
        """The verifier key string, as published and as ``parse`` reads it."""
        key = base64.b64encode(bytes([ALG_ED25519]) + self.public_key).decode("ascii")
        return f"{self.name}+{self.key_id:08x}+{key}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Return whether ``signature`` (without the key id) signs ``message``."""
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True


class NoteSigner:
    """An Ed25519 note signing key. Its repr never shows the private key."""

    __slots__ = ("_key", "key_id", "name")

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        if not _valid_name(name):
            raise MalformedNote("key names must be non-empty without spaces or '+'")
        self.name = name
        self._key = private_key
        self.key_id = key_id(name, _raw_public(private_key.public_key()))

    @classmethod
    def generate(cls, name: str) -> NoteSigner:
        """Create a new random key named ``name``."""
        return cls(name, Ed25519PrivateKey.generate())

    @classmethod
    def parse(cls, text: str) -> NoteSigner:
        """Parse Go's ``PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 ‖ seed)>``."""
        parts = text.strip().split("+", 4)  # base64 may itself contain '+'
        if (
            len(parts) != 5
            or parts[:2] != ["PRIVATE", "KEY"]
            or not re.fullmatch(r"[0-9a-f]{8}", parts[3])
        ):
            raise MalformedNote("signer key must be PRIVATE+KEY+<name>+<8 hex>+<base64>")
        raw = _b64decode(parts[4])
        if len(raw) != 33 or raw[0] != ALG_ED25519:
            raise MalformedNote("signer key is not an Ed25519 key")
        signer = cls(parts[2], Ed25519PrivateKey.from_private_bytes(raw[1:]))
        if signer.key_id != int(parts[3], 16):
            raise MalformedNote("signer key id does not match the key")
        return signer

    def signer_key(self) -> str:
        """Return the ``PRIVATE+KEY+...`` string (a secret: store it like one)."""
        seed = self._key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        b64 = base64.b64encode(bytes([ALG_ED25519]) + seed).decode("ascii")
        return f"PRIVATE+KEY+{self.name}+{self.key_id:08x}+{b64}"

    def verifier(self) -> NoteVerifier:
        """Return the matching verifier."""
        return NoteVerifier(self.name, self.key_id, _raw_public(self._key.public_key()))

    def sign(self, message: bytes) -> bytes:
        """Return the raw Ed25519 signature of ``message``."""
        return self._key.sign(message)

    def __repr__(self) -> str:
        return f"NoteSigner(name={self.name!r}, key_id={self.key_id:08x})"


# --------------------------------------------------------------------------- notes


@dataclass(frozen=True, slots=True)
class NoteSignature:
    """One signature line: key name, key id and the base64 of (key id ‖ signature)."""

    name: str
    key_id: int
    b64: str


@dataclass(frozen=True, slots=True)
class Note:
    """A parsed note: the signed text and its signature lines."""

    text: str
    signatures: tuple[NoteSignature, ...]
    verified: tuple[NoteSignature, ...] = ()


def _check_chars(text: str) -> None:
    for ch in text:
        if ch < " " and ch != "\n":
            raise MalformedNote("notes must not contain control characters")


def parse_note(data: str | bytes) -> Note:
    """Split a signed note into text and signatures without verifying them."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedNote("notes must be UTF-8") from exc
    _check_chars(data)
    split = data.rfind("\n\n")
    if split < 0 or not data.endswith("\n"):
        raise MalformedNote("a note needs text, a blank line and signature lines")
    text, sig_block = data[: split + 1], data[split + 2 :]
    signatures: list[NoteSignature] = []
    for line in sig_block.split("\n")[:-1]:
        if not line.startswith(SIG_PREFIX):
            raise MalformedNote("signature lines must start with an em dash and a space")
        name, sep, b64 = line[len(SIG_PREFIX) :].partition(" ")
        if not sep or not _valid_name(name) or not b64 or " " in b64:
            raise MalformedNote("signature line must be '— <name> <base64>'")
        raw = _b64decode(b64)
        if len(raw) < 5:
            raise MalformedNote("signature is too short")
        signatures.append(NoteSignature(name, int.from_bytes(raw[:4], "big"), b64))
        if len(signatures) > MAX_SIGNATURES:
            raise MalformedNote("too many signatures")
    if not signatures:
        raise MalformedNote("a note needs at least one signature")
    return Note(text, tuple(signatures))


def sign_note(text: str, *signers: NoteSigner) -> str:
    """Sign ``text`` (which must end in a newline) and return the signed note."""
    _check_chars(text)
    if not text.endswith("\n"):
        raise MalformedNote("note text must end in a newline")
    if not signers:
        raise ValueError("at least one signer is needed")
    message = text.encode("utf-8")
    lines = []
    for signer in signers:
        sig = signer.key_id.to_bytes(4, "big") + signer.sign(message)
        lines.append(f"{SIG_PREFIX}{signer.name} {base64.b64encode(sig).decode('ascii')}\n")
    return text + "\n" + "".join(lines)


def open_note(data: str | bytes, verifiers: Iterable[NoteVerifier]) -> Note:
    """Parse and verify a note against trusted keys (C2SP signed-note rules).

    Signatures from unknown keys (name or key id not trusted) are ignored; a
    signature from a known key that fails rejects the whole note; at least one
    must verify.
    """
    note = parse_note(data)
    known: dict[tuple[str, int], NoteVerifier] = {}
    for v in verifiers:
        known[(v.name, v.key_id)] = v
    message = note.text.encode("utf-8")
    verified: list[NoteSignature] = []
    for sig in note.signatures:
        verifier = known.get((sig.name, sig.key_id))
        if verifier is None:
            continue
        if not verifier.verify(message, _b64decode(sig.b64)[4:]):
            raise InvalidNoteSignature(f"invalid signature for key {sig.name}+{sig.key_id:08x}")
        verified.append(sig)
    if not verified:
        raise UnverifiedNote("note has no signature from a trusted key")
    return Note(note.text, note.signatures, tuple(verified))


# --------------------------------------------------------------------------- checkpoints

_DECIMAL = re.compile(r"0|[1-9][0-9]*")


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A C2SP tlog-checkpoint body: origin, tree size, root hash, extension lines."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def to_text(self) -> str:
        """Return the note text (each line ending in ``\\n``)."""
        if not self.origin or "\n" in self.origin:
            raise MalformedNote("origin must be one non-empty line")
        if self.size < 0 or len(self.root_hash) != _HASH_SIZE:
            raise MalformedNote("checkpoint needs a size >= 0 and a 32-byte root")
        for ext in self.extensions:
            if not ext or "\n" in ext:
                raise MalformedNote("extension lines must be non-empty single lines")
        lines = [
            self.origin,
            str(self.size),
            base64.b64encode(self.root_hash).decode("ascii"),
            *self.extensions,
        ]
        return "".join(line + "\n" for line in lines)

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Parse a checkpoint note text strictly."""
        if not text.endswith("\n"):
            raise MalformedNote("checkpoint text must end in a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3 or any(not line for line in lines):
            raise MalformedNote("checkpoint needs origin, size and root on non-empty lines")
        origin, size_text, root_text, *extensions = lines
        if not _DECIMAL.fullmatch(size_text):
            raise MalformedNote("checkpoint size must be decimal without leading zeros")
        root = _b64decode(root_text)
        if len(root) != _HASH_SIZE or base64.b64encode(root).decode("ascii") != root_text:
            raise MalformedNote("checkpoint root must be the base64 of 32 bytes")
        return cls(origin, int(size_text), root, tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, *signers: NoteSigner) -> str:
    """Return ``checkpoint`` as a signed note."""
    return sign_note(checkpoint.to_text(), *signers)


def open_checkpoint(
    data: str | bytes, verifiers: Sequence[NoteVerifier], *, origin: str | None = None
) -> Checkpoint:
    """Verify a signed checkpoint note and return the checkpoint.

    ``origin``, when given, must equal the checkpoint's origin line, so a
    checkpoint of another log signed by the same key is refused.
    """
    note = open_note(data, verifiers)
    checkpoint = Checkpoint.parse(note.text)
    if origin is not None and checkpoint.origin != origin:
        raise MalformedNote(f"checkpoint origin {checkpoint.origin!r} is not {origin!r}")
    return checkpoint
