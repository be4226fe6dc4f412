"""Signed policy bundles: ``.signatures.json`` in OPA's bundle-signing format.

``tvaers policy sign`` writes ``policies/.signatures.json``: one JWT (RS256) whose ``files``
claim lists every bundle file with its SHA-256 (JSON files hashed in normalised form: keys
sorted, no whitespace, as OPA does), plus ``keyid``. OPA verifies it when its bundle config
names a ``signing.keyid`` (deploy/kubernetes/opa-config.yaml); the gateway verifies the same
file at start-up when ``TVAERS_POLICY_BUNDLE_KEY_FILE`` is set, whichever engine it uses, and
refuses to start on a missing, tampered, extra or unsigned file (fail closed).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from gateway.policy.types import PolicyEngineError

SIGNATURES_FILE = ".signatures.json"
ALGORITHM = "RS256"
DEFAULT_KEY_ID = "tvaers-policy"


class BundleSignatureError(PolicyEngineError):
    """The policy bundle is unsigned, or its signature or file hashes do not match."""


def bundle_files(policies_dir: Path) -> list[str]:
    """The files a bundle is built from: everything but tests and the signature file."""
    names = []
    for path in sorted(policies_dir.rglob("*")):
        if not path.is_file():
            continue
        name = path.relative_to(policies_dir).as_posix()
        if name == SIGNATURES_FILE or name.endswith("_test.rego"):
            continue
        if any(part.startswith(".") for part in name.split("/")) and name != ".manifest":
            continue
        names.append(name)
    return names


def file_hash(path: Path) -> str:
    data = path.read_bytes()
    if path.suffix == ".json" or path.name == ".manifest":
        normalised = json.dumps(
            json.loads(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        data = normalised.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def manifest_of(policies_dir: Path) -> list[dict[str, str]]:
    return [
        {"name": name, "hash": file_hash(policies_dir / name), "algorithm": "SHA-256"}
        for name in bundle_files(policies_dir)
    ]


def sign_bundle(policies_dir: Path, private_key_pem: bytes, *, keyid: str = DEFAULT_KEY_ID) -> Path:
    """Write ``.signatures.json`` for ``policies_dir``; return its path."""
    key = RSAKey.import_key(private_key_pem)
    claims: dict[str, Any] = {"files": manifest_of(policies_dir), "keyid": keyid}
    token = jwt.encode({"alg": ALGORITHM, "kid": keyid}, claims, key, algorithms=[ALGORITHM])
    target = policies_dir / SIGNATURES_FILE
    target.write_text(json.dumps({"signatures": [token]}, indent=2) + "\n", encoding="utf-8")
    return target


def verify_bundle(policies_dir: Path, public_key_pem: bytes, *, keyid: str = DEFAULT_KEY_ID) -> int:
    """Check ``.signatures.json`` against the key and the files; return how many it covers."""
    target = policies_dir / SIGNATURES_FILE
    if not target.is_file():
        raise BundleSignatureError(f"policy bundle is not signed: {SIGNATURES_FILE} is missing")
    try:
        signatures = json.loads(target.read_text(encoding="utf-8"))["signatures"]
        if not isinstance(signatures, list) or len(signatures) != 1:
            raise BundleSignatureError("policy bundle must carry exactly one signature")
        key = RSAKey.import_key(public_key_pem)
        token = jwt.decode(signatures[0], key, algorithms=[ALGORITHM])
    except BundleSignatureError:
        raise
    except (JoseError, ValueError, KeyError, TypeError) as exc:
        raise BundleSignatureError(
            f"policy bundle signature does not verify: {type(exc).__name__}"
        ) from exc
    if token.claims.get("keyid", keyid) != keyid:
        raise BundleSignatureError("policy bundle is signed with another key id")
    signed = {f["name"]: f for f in token.claims.get("files", [])}
    actual = {f["name"]: f for f in manifest_of(policies_dir)}
    if set(signed) != set(actual):
        extra = sorted(set(actual) - set(signed))
        missing = sorted(set(signed) - set(actual))
        raise BundleSignatureError(f"policy bundle files differ: unsigned {extra}, gone {missing}")
    for name, entry in actual.items():
        if signed[name].get("hash") != entry["hash"]:
            raise BundleSignatureError(f"policy bundle file {name} changed after signing")
    return len(actual)
