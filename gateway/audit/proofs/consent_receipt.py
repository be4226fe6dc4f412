"""Offline verification of consent and withdrawal receipts (no database, no network).

A receipt is a compact JWS (Ed25519, ``typ: consent-receipt+jws``) over the canonical JSON of
an ISO/IEC TS 27560-style consent record (``gateway/consent/receipts.py``). Verification needs
only the public key set from ``GET /v1/consents/receipt-keys`` (saved to a file) and, to check
the notice, the notice text itself (``GET /v1/consent-notices/{version}``).

A receipt verifies only if its signature holds under a key in the set *and* it carries what
a citizen or an inspector must be able to rely on: the notice's SHA-256, the fields granted
per category, the controller and the lawful basis. Receipts issued before format 2 lack them
and are reported as such.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

CONSENT_FORMATS = frozenset({"tvaers-consent-receipt/2"})
WITHDRAWAL_FORMATS = frozenset({"tvaers-withdrawal-receipt/1"})
TYP = "consent-receipt+jws"


class ReceiptInvalid(Exception):
    """The receipt does not verify; the message says why (Danish / English)."""


@dataclass(frozen=True, slots=True)
class VerifiedReceipt:
    kind: str  # "consent" or "withdrawal"
    key_id: str
    record: dict[str, Any]

    @property
    def notice_sha256(self) -> str:
        return str(self.record["notice"]["sha256"])


def _b64(part: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ReceiptInvalid("ugyldig base64url / invalid base64url") from exc


def _keys(jwks: dict[str, Any]) -> dict[str, Ed25519PublicKey]:
    found: dict[str, Ed25519PublicKey] = {}
    for key in jwks.get("keys", []):
        if key.get("kty") == "OKP" and key.get("crv") == "Ed25519" and "x" in key:
            found[str(key.get("kid", ""))] = Ed25519PublicKey.from_public_bytes(_b64(key["x"]))
    if not found:
        raise ReceiptInvalid("ingen Ed25519-nøgler i nøglesættet / no Ed25519 keys in the set")
    return found


def _require(record: dict[str, Any], kind: str) -> None:
    missing = []
    notice = record.get("notice")
    if not isinstance(notice, dict) or not isinstance(notice.get("sha256"), str):
        missing.append("notice.sha256")
    controller = record.get("controller")
    if not isinstance(controller, dict) or not controller.get("name"):
        missing.append("controller")
    if not isinstance(record.get("lawful_basis"), list) or not record["lawful_basis"]:
        missing.append("lawful_basis")
    if kind == "consent":
        fields = record.get("granted_fields")
        if not isinstance(fields, dict) or set(fields) != set(record.get("pii_categories", [])):
            missing.append("granted_fields")
    else:
        for name in ("consent_id", "withdrawn_at", "evidence_ref", "consent_receipt_sha256"):
            if not record.get(name):
                missing.append(name)
    if missing:
        raise ReceiptInvalid(f"kvitteringen mangler / the receipt lacks: {', '.join(missing)}")


def verify_consent_receipt(
    receipt: str, jwks: dict[str, Any], *, notice_text: bytes | None = None
) -> VerifiedReceipt:
    """Verify a consent or withdrawal receipt against ``jwks``; raise ``ReceiptInvalid``.

    With ``notice_text`` (the exact bytes of the notice), also check that it is the text the
    receipt names by SHA-256.
    """
    parts = receipt.strip().split(".")
    if len(parts) != 3:
        raise ReceiptInvalid("ikke en kompakt JWS / not a compact JWS")
    try:
        header = json.loads(_b64(parts[0]))
        record = json.loads(_b64(parts[1]))
    except ValueError as exc:
        raise ReceiptInvalid("ugyldig JSON / invalid JSON") from exc
    if not isinstance(header, dict) or not isinstance(record, dict):
        raise ReceiptInvalid("ugyldig JWS / invalid JWS")
    if header.get("alg") != "Ed25519" or header.get("typ") != TYP:
        raise ReceiptInvalid("forkert algoritme eller type / wrong algorithm or type")
    keys = _keys(jwks)
    kid = str(header.get("kid", ""))
    key = keys.get(kid)
    if key is None:
        raise ReceiptInvalid("ukendt nøgle / unknown key id")
    try:
        key.verify(_b64(parts[2]), f"{parts[0]}.{parts[1]}".encode("ascii"))
    except InvalidSignature as exc:
        raise ReceiptInvalid("signaturen passer ikke / signature does not verify") from exc
    kind = record.get("receipt_type")
    fmt = record.get("receipt_format")
    if not (
        (kind == "consent" and fmt in CONSENT_FORMATS)
        or (kind == "withdrawal" and fmt in WITHDRAWAL_FORMATS)
    ):
        raise ReceiptInvalid(f"ukendt kvitteringsformat / unknown receipt format: {kind!r} {fmt!r}")
    _require(record, str(kind))
    if notice_text is not None and (
        hashlib.sha256(notice_text).hexdigest() != record["notice"]["sha256"]
    ):
        raise ReceiptInvalid(
            "samtykketeksten er ikke den, kvitteringen nævner / the notice text is not "
            "the one the receipt names"
        )
    return VerifiedReceipt(kind=str(kind), key_id=kid, record=record)
