"""Key material: data encryption (AES-256-GCM), CPR pseudonyms (HMAC-SHA256), signing keys.

Every key has an id that is stored next to what it protects, so keys can rotate: new data uses
the current key, old data stays readable with the old one, and DPO search and consent lookup
compute the pseudonym under every HMAC key. See ``docs/keys.md``.

Each key comes from an environment variable (``TVAERS_DATA_KEYS`` …, the file's content), a
file (``TVAERS_DATA_KEY_FILE`` …) or, in development only, the development key directory under
the data directory, where missing keys are generated on first run and marked
``"development": true`` (signing keys: a marker line before the PEM block). Outside
development a missing or unreadable key stops start-up; in production a development key does.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

if TYPE_CHECKING:
    from gateway.config import Settings

DEV_PEM_MARKER = "tvaers development key: generated on first run, never for production"
DATA_KEYS_FILE = "data-keys.json"
PSEUDONYM_KEYS_FILE = "pseudonym-keys.json"
AUDIT_KEY_FILE = "audit-signing.pem"
RECEIPT_KEY_FILE = "receipt-signing.pem"
_KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")  # stored in String(32) columns


class KeyConfigurationError(RuntimeError):
    """A configured key is missing, unreadable or malformed. Start-up must stop."""


class DecryptionError(RuntimeError):
    """Ciphertext could not be decrypted (wrong key, tampered, unknown key id)."""


@dataclass(frozen=True)
class SymmetricKeyRing:
    """Named 32-byte keys, one of them current. File (or environment) format, JSON::

    {"current": "k2", "keys": {"k1": "<base64>", "k2": "<base64>"}, "development": false}
    """

    current: str
    keys: dict[str, bytes]
    development: bool = False

    @classmethod
    def parse(cls, text: str, *, origin: str) -> SymmetricKeyRing:
        """Parse a ring; ``origin`` names the file or variable in error messages."""
        try:
            raw = json.loads(text)
            keys = {str(k): base64.b64decode(v, validate=True) for k, v in raw["keys"].items()}
            current = str(raw["current"])
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            # The exception text never quotes key material: json errors give positions only.
            raise KeyConfigurationError(
                f"cannot read key ring {origin}: {type(exc).__name__}"
            ) from exc
        if current not in keys or any(len(k) != 32 for k in keys.values()):
            raise KeyConfigurationError(f"key ring {origin}: current key missing or not 32 bytes")
        if not all(_KEY_ID.match(k) for k in keys):
            raise KeyConfigurationError(f"key ring {origin}: key ids must match {_KEY_ID.pattern}")
        return cls(current=current, keys=keys, development=raw.get("development", False) is True)

    @classmethod
    def load(cls, path: Path) -> SymmetricKeyRing:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise KeyConfigurationError(f"cannot read key ring {path}: {exc.strerror}") from exc
        return cls.parse(text, origin=str(path))

    @classmethod
    def new(cls, *, development: bool, key_id: str = "k1") -> SymmetricKeyRing:
        return cls(current=key_id, keys={key_id: secrets.token_bytes(32)}, development=development)

    @classmethod
    def generate(cls, path: Path, *, development: bool) -> SymmetricKeyRing:
        """Write a new one-key ring to ``path`` (0600; refuses to overwrite)."""
        ring = cls.new(development=development)
        write_private(path, ring.to_json().encode())
        return ring

    def to_json(self) -> str:
        return json.dumps(
            {
                "current": self.current,
                "keys": {k: base64.b64encode(v).decode() for k, v in self.keys.items()},
                "development": self.development,
            },
            indent=2,
        )

    def rotated(self, *, key_id: str | None = None, activate: bool = True) -> SymmetricKeyRing:
        """A ring with a new random key, current unless ``activate`` is false (staged).

        Every old key is kept, so what they protect stays readable and findable.
        """
        new_id = key_id or _next_key_id(self.keys)
        if new_id in self.keys:
            raise KeyConfigurationError(f"key id {new_id} already in the ring")
        if not _KEY_ID.match(new_id):
            raise KeyConfigurationError(f"key ids must match {_KEY_ID.pattern}")
        keys = {**self.keys, new_id: secrets.token_bytes(32)}
        current = new_id if activate else self.current
        return SymmetricKeyRing(current=current, keys=keys, development=self.development)

    def activated(self, key_id: str) -> SymmetricKeyRing:
        """The same ring with ``key_id`` (already in it) as the current key."""
        if key_id not in self.keys:
            raise KeyConfigurationError(f"key id {key_id} is not in the ring")
        return SymmetricKeyRing(current=key_id, keys=self.keys, development=self.development)


def _next_key_id(existing: dict[str, bytes]) -> str:
    numbers = [int(k[1:]) for k in existing if re.fullmatch(r"k\d+", k)]
    return f"k{max(numbers, default=0) + 1}"


class DataCipher:
    """AES-256-GCM for personal data at rest (the CPR column). Returns (key id, blob)."""

    def __init__(self, ring: SymmetricKeyRing) -> None:
        self._ring = ring

    @property
    def current_key_id(self) -> str:
        return self._ring.current

    def encrypt(self, plaintext: bytes, *, aad: bytes = b"") -> tuple[str, bytes]:
        nonce = secrets.token_bytes(12)
        blob = nonce + AESGCM(self._ring.keys[self._ring.current]).encrypt(nonce, plaintext, aad)
        return self._ring.current, blob

    def decrypt(self, key_id: str, blob: bytes, *, aad: bytes = b"") -> bytes:
        key = self._ring.keys.get(key_id)
        if key is None:
            raise DecryptionError("unknown data key id")
        try:
            return AESGCM(key).decrypt(blob[:12], blob[12:], aad)
        except InvalidTag as exc:
            raise DecryptionError("ciphertext failed authentication") from exc


class Pseudonymiser:
    """Keyed HMAC-SHA256 pseudonyms for CPR numbers. The key id travels with each pseudonym."""

    def __init__(self, ring: SymmetricKeyRing) -> None:
        self._ring = ring

    @property
    def current_key_id(self) -> str:
        return self._ring.current

    def pseudonym(self, cpr: str, *, key_id: str | None = None) -> str:
        key = self._ring.keys[key_id or self._ring.current]
        return hmac.new(key, cpr.encode("ascii"), hashlib.sha256).hexdigest()

    def all_pseudonyms(self, cpr: str) -> dict[str, str]:
        """Pseudonym under every known key, for searching across a key rotation."""
        return {kid: self.pseudonym(cpr, key_id=kid) for kid in self._ring.keys}


# --------------------------------------------------------------------------- signing keys


def parse_ed25519(pem: bytes, *, origin: str) -> tuple[Ed25519PrivateKey, bool]:
    """Load an Ed25519 PKCS#8 PEM; return the key and whether it is marked development."""
    begin = pem.find(b"-----BEGIN")
    development = begin > 0 and DEV_PEM_MARKER.encode() in pem[:begin]
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise KeyConfigurationError(f"cannot read signing key {origin}: not a PEM key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyConfigurationError(f"signing key {origin} is not an Ed25519 key")
    return key, development


def load_ed25519(path: Path) -> Ed25519PrivateKey:
    return _read_signing(path)[0]


def _read_signing(path: Path) -> tuple[Ed25519PrivateKey, bool]:
    try:
        pem = path.read_bytes()
    except OSError as exc:
        raise KeyConfigurationError(f"cannot read signing key {path}: {exc.strerror}") from exc
    return parse_ed25519(pem, origin=str(path))


def ed25519_pem(key: Ed25519PrivateKey, *, development: bool) -> bytes:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return (DEV_PEM_MARKER + "\n").encode() + pem if development else pem


def generate_ed25519(path: Path, *, development: bool = True) -> Ed25519PrivateKey:
    """Write a new Ed25519 key to ``path`` (0600; refuses to overwrite)."""
    key = Ed25519PrivateKey.generate()
    write_private(path, ed25519_pem(key, development=development))
    return key


# --------------------------------------------------------------------------- files


def write_private(path: Path, content: bytes) -> None:
    """Create ``path`` readable by its owner only (0600); never overwrite an existing key."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)


def replace_private(path: Path, content: bytes) -> None:
    """Atomically replace ``path`` with ``content`` at 0600 (a crash leaves old or new)."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------- loading


@dataclass(frozen=True)
class KeyMaterial:
    cipher: DataCipher
    pseudonymiser: Pseudonymiser
    receipt_key: Ed25519PrivateKey
    audit_key: Ed25519PrivateKey
    development_keys: tuple[str, ...] = field(default=())
    """Human-readable names of keys that are development keys (empty in a real deployment)."""

    @property
    def development(self) -> bool:
        return bool(self.development_keys)


@dataclass(frozen=True)
class KeySource:
    """Where one key comes from, in order: inline value (environment), file, dev directory."""

    label: str
    inline: str | None
    inline_var: str
    file: Path | None
    file_var: str
    default_path: Path

    @property
    def in_dev_dir(self) -> bool:
        """The key is read from the development key directory (by default or configured)."""
        path = self.file or self.default_path
        return path.resolve().parent == self.default_path.resolve().parent


def _inline_text(value: str) -> str:
    # A PEM in a one-line environment variable (docker env files) arrives with literal "\n".
    return value.replace("\\n", "\n") if "\n" not in value else value


def _ring(source: KeySource, *, allow_generate: bool) -> tuple[SymmetricKeyRing, bool]:
    """The ring and whether it counts as a development key."""
    if source.inline:
        ring = SymmetricKeyRing.parse(source.inline, origin=source.inline_var)
        return ring, ring.development
    path = source.file or source.default_path
    if source.file is None and not path.exists():
        if not allow_generate:
            raise KeyConfigurationError(
                f"{source.label}: no key configured (set {source.file_var} or "
                f"{source.inline_var}; `tvaers keys generate` makes them)"
            )
        return SymmetricKeyRing.generate(path, development=True), True
    ring = SymmetricKeyRing.load(path)
    return ring, ring.development or source.in_dev_dir


def _signing(source: KeySource, *, allow_generate: bool) -> tuple[Ed25519PrivateKey, bool]:
    if source.inline:
        return parse_ed25519(_inline_text(source.inline).encode(), origin=source.inline_var)
    path = source.file or source.default_path
    if source.file is None and not path.exists():
        if not allow_generate:
            raise KeyConfigurationError(
                f"{source.label}: no key configured (set {source.file_var} or "
                f"{source.inline_var}; `tvaers keys generate` makes them)"
            )
        return generate_ed25519(path, development=True), True
    key, development = _read_signing(path)
    return key, development or source.in_dev_dir


def load_keys(
    *,
    keys_dir: Path,
    data_key_file: Path | None = None,
    pseudonym_key_file: Path | None = None,
    receipt_key_file: Path | None = None,
    audit_key_file: Path | None = None,
    data_keys: str | None = None,
    pseudonym_keys: str | None = None,
    receipt_key: str | None = None,
    audit_key: str | None = None,
    allow_generate: bool,
) -> KeyMaterial:
    """Load every key (inline value, else file, else ``keys_dir``); generate missing ones there.

    A key from ``keys_dir`` (the development directory) always counts as a development key,
    whatever its file says; so does one whose file is marked development.
    """
    data = KeySource(
        "data encryption keys", data_keys, "TVAERS_DATA_KEYS",
        data_key_file, "TVAERS_DATA_KEY_FILE", keys_dir / DATA_KEYS_FILE,
    )  # fmt: skip
    pseudonym = KeySource(
        "pseudonym (HMAC) keys", pseudonym_keys, "TVAERS_PSEUDONYM_KEYS",
        pseudonym_key_file, "TVAERS_PSEUDONYM_KEY_FILE", keys_dir / PSEUDONYM_KEYS_FILE,
    )  # fmt: skip
    receipt = KeySource(
        "receipt signing key", receipt_key, "TVAERS_RECEIPT_KEY",
        receipt_key_file, "TVAERS_RECEIPT_KEY_FILE", keys_dir / RECEIPT_KEY_FILE,
    )  # fmt: skip
    audit = KeySource(
        "audit signing key", audit_key, "TVAERS_AUDIT_KEY",
        audit_key_file, "TVAERS_AUDIT_KEY_FILE", keys_dir / AUDIT_KEY_FILE,
    )  # fmt: skip
    data_ring, data_dev = _ring(data, allow_generate=allow_generate)
    pseudonym_ring, pseudonym_dev = _ring(pseudonym, allow_generate=allow_generate)
    receipt_signing, receipt_dev = _signing(receipt, allow_generate=allow_generate)
    audit_signing, audit_dev = _signing(audit, allow_generate=allow_generate)
    flagged = (
        (data, data_dev),
        (pseudonym, pseudonym_dev),
        (receipt, receipt_dev),
        (audit, audit_dev),
    )
    return KeyMaterial(
        cipher=DataCipher(data_ring),
        pseudonymiser=Pseudonymiser(pseudonym_ring),
        receipt_key=receipt_signing,
        audit_key=audit_signing,
        development_keys=tuple(_describe(source) for source, dev in flagged if dev),
    )


def _describe(source: KeySource) -> str:
    if source.inline:
        return f"{source.label} ({source.inline_var} is marked development)"
    if source.in_dev_dir:
        where = source.default_path.parent
        return f"{source.label} (read from the development key directory {where})"
    return f"{source.label} ({source.file} is marked development)"


def load_keys_for(settings: Settings) -> KeyMaterial:
    """Load the keys ``settings`` names; generate development keys outside production."""

    def secret(value: Any) -> str | None:
        return value.get_secret_value() if value is not None else None

    return load_keys(
        keys_dir=settings.keys_dir,
        data_key_file=settings.data_key_file,
        pseudonym_key_file=settings.pseudonym_key_file,
        receipt_key_file=settings.receipt_key_file,
        audit_key_file=settings.audit_key_file,
        data_keys=secret(settings.data_keys),
        pseudonym_keys=secret(settings.pseudonym_keys),
        receipt_key=secret(settings.receipt_key),
        audit_key=secret(settings.audit_key),
        allow_generate=settings.env != "production",
    )


def load_checked_keys(settings: Settings) -> KeyMaterial:
    """Load keys and refuse an unsafe production start (``UnsafeConfiguration``).

    Settings problems are reported together with a key that cannot load, so an operator sees
    every reason at once.
    """
    from gateway.config import UnsafeConfiguration

    problems = settings.production_problems()
    try:
        keys = load_keys_for(settings)
    except KeyConfigurationError as exc:
        if problems:
            raise UnsafeConfiguration([*problems, str(exc)]) from exc
        raise
    settings.refuse_unsafe_production(development_keys=keys.development_keys)
    return keys
