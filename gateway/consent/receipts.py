"""Signed consent receipts: a compact JWS (Ed25519, RFC 9864) over an ISO/IEC TS 27560-style record.

Receipts name no CPR number: a receipt may be forwarded, and the consent id identifies
the record for the municipality.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from joserfc import jws
from joserfc.jwk import OKPKey

from gateway.audit.proofs.canonical import canonical_json


class ReceiptSigner:
    def __init__(self, key: Ed25519PrivateKey, *, issuer: str) -> None:
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        self._key = OKPKey.import_key(pem)
        self._kid = self._key.thumbprint()[:16]
        self.issuer = issuer

    def sign(self, record: dict[str, Any]) -> str:
        header = {"alg": "Ed25519", "kid": self._kid, "typ": "consent-receipt+jws"}
        payload = canonical_json({"iss": self.issuer, **record})
        return jws.serialize_compact(header, payload, self._key, algorithms=["Ed25519"])

    def jwks(self) -> dict[str, Any]:
        public = self._key.as_dict(private=False)
        public.update({"kid": self._kid, "use": "sig", "alg": "Ed25519"})
        return {"keys": [public]}
