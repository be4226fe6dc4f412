"""Key material: data encryption (AES-256-GCM), CPR pseudonyms (HMAC-SHA256), signing keys.

Every key has an id that is stored next to what it protects, so keys can rotate: new data uses
the current key, old data stays readable with the old one, and DPO search computes the
pseudonym under every HMAC key. In development, missing key files are generated on first run
under the data directory (never committed); outside development a missing or unreadable key
stops start-up.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class KeyConfigurationError(RuntimeError):
    """A configured key is missing, unreadable or malformed. Start-up must stop."""


class DecryptionError(RuntimeError):
    """Ciphertext could not be decrypted (wrong key, tampered, unknown key id)."""


@dataclass(frozen=True)
class SymmetricKeyRing:
    """Named symmetric keys, one of them current. File format (JSON)::

    {"current": "k1", "keys": {"k1": "<base64 32 bytes>"}, "development": true}
    """

    current: str
    keys: dict[str, bytes]
    development: bool = False

    @classmethod
    def load(cls, path: Path) -> SymmetricKeyRing:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            keys = {str(k): base64.b64decode(v, validate=True) for k, v in raw["keys"].items()}
            current = str(raw["current"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise KeyConfigurationError(f"cannot read key ring {path}: {exc}") from exc
        if current not in keys or any(len(k) != 32 for k in keys.values()):
            raise KeyConfigurationError(f"key ring {path}: current key missing or not 32 bytes")
        return cls(current=current, keys=keys, development=bool(raw.get("development", False)))

    @classmethod
    def generate(cls, path: Path, *, development: bool) -> SymmetricKeyRing:
        ring = cls(current="k1", keys={"k1": secrets.token_bytes(32)}, development=development)
        _write_private(
            path,
            json.dumps(
                {
                    "current": ring.current,
                    "keys": {k: base64.b64encode(v).decode() for k, v in ring.keys.items()},
                    "development": development,
                }
            ).encode(),
        )
        return ring


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


def load_ed25519(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise KeyConfigurationError(f"cannot read signing key {path}: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyConfigurationError(f"signing key {path} is not an Ed25519 key")
    return key


def generate_ed25519(path: Path) -> Ed25519PrivateKey:
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _write_private(path, pem)
    return key


def _write_private(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)


@dataclass(frozen=True)
class KeyMaterial:
    cipher: DataCipher
    pseudonymiser: Pseudonymiser
    receipt_key: Ed25519PrivateKey
    audit_key: Ed25519PrivateKey
    development: bool


def load_keys(
    *,
    keys_dir: Path,
    data_key_file: Path | None,
    pseudonym_key_file: Path | None,
    receipt_key_file: Path | None,
    audit_key_file: Path | None,
    allow_generate: bool,
) -> KeyMaterial:
    """Load every key; in development generate missing ones under ``keys_dir``."""
    generated = False

    def ring(configured: Path | None, default_name: str) -> SymmetricKeyRing:
        nonlocal generated
        path = configured or keys_dir / default_name
        if path.exists() or configured is not None:
            return SymmetricKeyRing.load(path)
        if not allow_generate:
            raise KeyConfigurationError(f"key file {path} missing (set TVAERS_*_KEY_FILE)")
        generated = True
        return SymmetricKeyRing.generate(path, development=True)

    def signing(configured: Path | None, default_name: str) -> Ed25519PrivateKey:
        nonlocal generated
        path = configured or keys_dir / default_name
        if path.exists() or configured is not None:
            return load_ed25519(path)
        if not allow_generate:
            raise KeyConfigurationError(f"signing key {path} missing (set TVAERS_*_KEY_FILE)")
        generated = True
        return generate_ed25519(path)

    data_ring = ring(data_key_file, "data-keys.json")
    pseudonym_ring = ring(pseudonym_key_file, "pseudonym-keys.json")
    receipt = signing(receipt_key_file, "receipt-signing.pem")
    audit = signing(audit_key_file, "audit-signing.pem")
    return KeyMaterial(
        cipher=DataCipher(data_ring),
        pseudonymiser=Pseudonymiser(pseudonym_ring),
        receipt_key=receipt,
        audit_key=audit,
        development=generated or data_ring.development or pseudonym_ring.development,
    )
