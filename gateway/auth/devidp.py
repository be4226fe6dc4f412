"""Development identity provider: seeded demo users and tokens, for the embedded profile only.

Enabled only when ``TVAERS_ENV`` is ``development`` or ``test``. It is a real token issuer
(RS256 with a persisted key, a JWKS and an OIDC discovery document), so the gateway validates
its tokens exactly as it validates a production provider's.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Request
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from pydantic import BaseModel, Field

from gateway.errors import NotFound

TOKEN_LIFETIME_S = 3600


@dataclass(frozen=True)
class DemoUser:
    username: str
    name: str
    kind: Literal["employee", "citizen"]
    department: str | None = None
    roles: tuple[str, ...] = ()
    cpr: str | None = field(default=None, repr=False)


def demo_users() -> list[DemoUser]:
    """The seeded demo users: employees of each department, a DPO, and three citizens.

    The citizens are the first synthetic citizens of the department simulators, so their data
    exists in all three systems.
    """
    from connectors.simulators.seed import citizens

    employees = [
        DemoUser("sagsbehandler-jobcenter", "Mette Sørensen", "employee", "jobcenter", ("caseworker",)),
        DemoUser("koordinator-jobcenter", "Jonas Ærø-Hansen", "employee", "jobcenter", ("coordinator",)),
        DemoUser("sagsbehandler-social", "Birgitte Løkke", "employee", "social", ("caseworker",)),
        DemoUser("cti-social", "Ahmed Østergaard", "employee", "social", ("support_worker",)),
        DemoUser("sundhed", "Lise Bjørn", "employee", "health", ("health_professional",)),
        DemoUser("dpo", "Dorthe Ågård", "employee", "administration", ("dpo",)),
    ]
    people = [
        DemoUser(
            f"borger-{i + 1}",
            f"{c.given_name} {c.family_name}",
            "citizen",
            cpr=c.cpr,
        )
        for i, c in enumerate(citizens()[:3])
    ]
    return employees + people


class TokenRequest(BaseModel):
    username: str = Field(min_length=1, max_length=100)


class DemoUserRead(BaseModel):
    username: str
    name: str
    kind: Literal["employee", "citizen"]
    department: str | None
    roles: list[str]
    cpr: str | None = Field(None, description="Synthetic CPR of a demo citizen (never real)")


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int


class DevIdentityProvider:
    """Issues RS256 tokens for the demo users; its key persists in the data directory."""

    def __init__(self, *, key_path: Path, issuer: str, audience: str) -> None:
        if key_path.exists():
            self._key = RSAKey.import_key(json.loads(key_path.read_text(encoding="utf-8")))
        else:
            self._key = RSAKey.generate_key(2048, parameters={"kid": uuid.uuid4().hex[:16]})
            key_path.parent.mkdir(parents=True, exist_ok=True)
            key_path.write_text(json.dumps(self._key.as_dict(private=True)), encoding="utf-8")
            key_path.chmod(0o600)
        self.issuer = issuer
        self.audience = audience
        self.users = {u.username: u for u in demo_users()}

    def jwks(self) -> dict[str, Any]:
        public = self._key.as_dict(private=False)
        public.update({"use": "sig", "alg": "RS256"})
        return {"keys": [public]}

    def key_set(self) -> KeySet:
        return KeySet.import_key_set(self.jwks())  # type: ignore[arg-type]

    def issue(self, username: str, *, lifetime_s: int = TOKEN_LIFETIME_S) -> str:
        user = self.users.get(username)
        if user is None:
            raise NotFound("Ukendt demobruger / unknown demo user", code="unknown_user")
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": user.username,
            "name": user.name,
            "kind": user.kind,
            "iat": now,
            "nbf": now,
            "exp": now + lifetime_s,
            "azp": "tvaers-dev",
            "jti": uuid.uuid4().hex,
        }
        if user.kind == "employee":
            claims["department"] = user.department
            claims["roles"] = list(user.roles)
        else:
            claims["cpr"] = user.cpr
        header = {"alg": "RS256", "kid": self._key.kid, "typ": "JWT"}
        return jwt.encode(header, claims, self._key, algorithms=["RS256"])


def dev_idp_router() -> APIRouter:
    router = APIRouter(tags=["development identity provider"])

    def idp(request: Request) -> DevIdentityProvider:
        provider = request.app.state.services.dev_idp
        assert isinstance(provider, DevIdentityProvider)
        return provider

    @router.get("/.well-known/openid-configuration")
    async def openid_configuration(request: Request) -> dict[str, Any]:
        """OIDC discovery document of the development identity provider."""
        provider = idp(request)
        return {
            "issuer": provider.issuer,
            "jwks_uri": f"{provider.issuer}/jwks",
            "token_endpoint": f"{provider.issuer}/dev/token",
            "id_token_signing_alg_values_supported": ["RS256"],
            "subject_types_supported": ["public"],
            "response_types_supported": ["code"],
        }

    @router.get("/jwks")
    async def jwks(request: Request) -> dict[str, Any]:
        """Public keys that validate the development provider's tokens."""
        return idp(request).jwks()

    @router.get("/dev/users", response_model=list[DemoUserRead])
    async def list_users(request: Request) -> list[DemoUserRead]:
        """Seeded demo users. Citizens' CPR numbers are synthetic."""
        return [
            DemoUserRead(
                username=u.username,
                name=u.name,
                kind=u.kind,
                department=u.department,
                roles=list(u.roles),
                cpr=u.cpr,
            )
            for u in idp(request).users.values()
        ]

    @router.post("/dev/token", response_model=TokenResponse, responses={404: {"description": "Unknown demo user"}})
    async def issue_token(request: Request, body: TokenRequest) -> TokenResponse:
        """Issue a one-hour bearer token for a demo user."""
        return TokenResponse(access_token=idp(request).issue(body.username), expires_in=TOKEN_LIFETIME_S)

    return router
