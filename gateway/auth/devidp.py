"""Development identity provider: seeded demo users and tokens, for the embedded profile only.

Enabled only when ``TVAERS_ENV`` is ``development`` or ``test``. It is a real token issuer
(RS256 with a persisted key, a JWKS and an OIDC discovery document), so the gateway validates
its tokens exactly as it validates a production provider's.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import secrets
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Request
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from pydantic import BaseModel, Field

from gateway.errors import NotFound
from gateway.text import Text

TOKEN_LIFETIME_S = 3600
CODE_LIFETIME_S = 60


@dataclass(frozen=True)
class DemoUser:
    username: str
    name: str
    kind: Literal["employee", "citizen"]
    department: str | None = None
    roles: tuple[str, ...] = ()
    cpr: str | None = field(default=None, repr=False)
    teams: tuple[str, ...] = ()


class TokenRequest(BaseModel):
    username: str = Field(min_length=1, max_length=100)


class DemoUserRead(BaseModel):
    username: str
    name: str
    kind: Literal["employee", "citizen"]
    department: str | None
    roles: list[str]
    cpr: str | None = Field(None, description="Synthetic CPR of a demo citizen (never real)")
    teams: list[str] = Field(default_factory=list, description="Team ids in the token's claim")


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 (a token type, not a secret)
    expires_in: int


@dataclass(frozen=True)
class PendingCode:
    """An authorization code waiting to be exchanged (single use, one minute)."""

    username: str
    client_id: str
    redirect_uri: str
    code_challenge: str
    nonce: str | None
    expires_at: float


@functools.lru_cache(maxsize=8)
def _import_key(text: str) -> RSAKey:
    """Parse a stored key once per process: importing checks the RSA key, ~40 ms of CPU, and
    a provider restarted on the same data directory (every test builds one) reads the same
    file again."""
    return RSAKey.import_key(json.loads(text))


class DevIdentityProvider:
    """Issues RS256 tokens for the demo users; its key persists in the data directory.

    Besides ``/dev/token`` (a token for a named demo user, for scripts and tests) it speaks
    OAuth 2.0 authorization code with PKCE (S256 only), so the web pages log in exactly as they
    would against a production OIDC provider.
    """

    def __init__(
        self,
        *,
        key_path: Path,
        issuer: str,
        audience: str,
        users: Iterable[DemoUser],
        team_claim: str = "tvaers_teams",
    ) -> None:
        if key_path.exists():
            self._key = _import_key(key_path.read_text(encoding="utf-8"))
        else:
            self._key = RSAKey.generate_key(2048, parameters={"kid": uuid.uuid4().hex[:16]})
            key_path.parent.mkdir(parents=True, exist_ok=True)
            key_path.write_text(json.dumps(self._key.as_dict(private=True)), encoding="utf-8")
            key_path.chmod(0o600)
        self._key_set: KeySet | None = None
        self.issuer = issuer
        self.audience = audience
        self.users = {u.username: u for u in users}
        self.team_claim = team_claim
        self._codes: dict[str, PendingCode] = {}

    def new_code(
        self,
        username: str,
        *,
        client_id: str,
        redirect_uri: str,
        code_challenge: str,
        nonce: str | None,
    ) -> str:
        if username not in self.users:
            raise NotFound(
                Text(da="Ukendt demobruger", en="unknown demo user"), code="unknown_user"
            )
        now = time.time()
        self._codes = {c: p for c, p in self._codes.items() if p.expires_at > now}
        code = secrets.token_urlsafe(32)
        self._codes[code] = PendingCode(
            username=username,
            client_id=client_id,
            redirect_uri=redirect_uri,
            code_challenge=code_challenge,
            nonce=nonce,
            expires_at=now + CODE_LIFETIME_S,
        )
        return code

    def redeem(
        self, code: str, *, client_id: str, redirect_uri: str, code_verifier: str
    ) -> PendingCode | None:
        """The pending code if everything matches (RFC 6749 4.1.3, RFC 7636 4.6); single use."""
        pending = self._codes.pop(code, None)
        if pending is None or pending.expires_at < time.time():
            return None
        digest = hashlib.sha256(code_verifier.encode("ascii")).digest()
        challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
        if (
            pending.client_id != client_id
            or pending.redirect_uri != redirect_uri
            or not secrets.compare_digest(challenge, pending.code_challenge)
        ):
            return None
        return pending

    def id_token(self, pending: PendingCode, *, lifetime_s: int = TOKEN_LIFETIME_S) -> str:
        """An OIDC ID token for the client (audience = client id, with the login's nonce)."""
        user = self.users[pending.username]
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": pending.client_id,
            "sub": user.username,
            "name": user.name,
            "kind": user.kind,
            "iat": now,
            "auth_time": now,
            "exp": now + lifetime_s,
        }
        if pending.nonce:
            claims["nonce"] = pending.nonce
        header = {"alg": "RS256", "kid": self._key.kid, "typ": "JWT"}
        return jwt.encode(header, claims, self._key, algorithms=["RS256"])

    def jwks(self) -> dict[str, Any]:
        public = self._key.as_dict(private=False)
        public.update({"use": "sig", "alg": "RS256"})
        return {"keys": [public]}

    def key_set(self) -> KeySet:
        # The key is fixed for the provider's life; importing it on every token check cost
        # about a millisecond of CPU per request.
        if self._key_set is None:
            self._key_set = KeySet.import_key_set(self.jwks())  # type: ignore[arg-type]
        return self._key_set

    def issue(self, username: str, *, lifetime_s: int = TOKEN_LIFETIME_S) -> str:
        user = self.users.get(username)
        if user is None:
            raise NotFound(
                Text(da="Ukendt demobruger", en="unknown demo user"), code="unknown_user"
            )
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
            if user.teams and self.team_claim:
                claims[self.team_claim] = list(user.teams)
        else:
            claims["cpr"] = user.cpr
        # RFC 9068: an access token says so in its header, so it is never taken for an ID token.
        header = {"alg": "RS256", "kid": self._key.kid, "typ": "at+jwt"}
        return jwt.encode(header, claims, self._key, algorithms=["RS256"])


def provider_of(request: Request) -> DevIdentityProvider:
    """The running app's development identity provider."""
    provider = request.app.state.runtime.dev_idp
    assert isinstance(provider, DevIdentityProvider)
    return provider


def dev_idp_router() -> APIRouter:
    """Discovery, JWKS, ``/dev/users`` and ``/dev/token``. The login page
    (``/dev/authorize``) and its code exchange live in ``gateway.web.devidp_pages``."""
    router = APIRouter(tags=["development identity provider"])

    idp = provider_of

    @router.get("/.well-known/openid-configuration")
    async def openid_configuration(request: Request) -> dict[str, Any]:
        """OIDC discovery document of the development identity provider."""
        provider = idp(request)
        return {
            "issuer": provider.issuer,
            "jwks_uri": f"{provider.issuer}/jwks",
            "authorization_endpoint": f"{provider.issuer}/dev/authorize",
            "token_endpoint": f"{provider.issuer}/dev/oauth/token",
            "id_token_signing_alg_values_supported": ["RS256"],
            "subject_types_supported": ["public"],
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": ["openid", "profile"],
            "token_endpoint_auth_methods_supported": [
                "none",
                "client_secret_basic",
                "client_secret_post",
            ],
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
                teams=list(u.teams),
            )
            for u in idp(request).users.values()
        ]

    @router.post(
        "/dev/token",
        response_model=TokenResponse,
        responses={404: {"description": "Unknown demo user"}},
    )
    async def issue_token(request: Request, body: TokenRequest) -> TokenResponse:
        """Issue a one-hour bearer token for a demo user."""
        return TokenResponse(
            access_token=idp(request).issue(body.username), expires_in=TOKEN_LIFETIME_S
        )

    return router


def basic_client_id(header: str) -> str | None:
    if not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:]).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    return decoded.split(":", 1)[0] or None
