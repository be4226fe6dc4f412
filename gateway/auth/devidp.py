"""Development identity provider: seeded demo users and tokens, for the embedded profile only.

Enabled only when ``TVAERS_ENV`` is ``development`` or ``test``. It is a real token issuer
(RS256 with a persisted key, a JWKS and an OIDC discovery document), so the gateway validates
its tokens exactly as it validates a production provider's.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from pydantic import BaseModel, Field

from gateway.errors import NotFound

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


def demo_users() -> list[DemoUser]:
    """The seeded demo users: employees of each department, a DPO, and three citizens.

    The citizens are the first synthetic citizens of the department simulators, so their data
    exists in all three systems.
    """
    from connectors.simulators.seed import citizens

    employees = [
        DemoUser(
            "sagsbehandler-jobcenter", "Mette Sørensen", "employee", "jobcenter", ("caseworker",)
        ),
        DemoUser(
            "koordinator-jobcenter", "Jonas Ærø-Hansen", "employee", "jobcenter", ("coordinator",)
        ),
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


class DevIdentityProvider:
    """Issues RS256 tokens for the demo users; its key persists in the data directory.

    Besides ``/dev/token`` (a token for a named demo user, for scripts and tests) it speaks
    OAuth 2.0 authorization code with PKCE (S256 only), so the web pages log in exactly as they
    would against a production OIDC provider.
    """

    def __init__(self, *, key_path: Path, issuer: str, audience: str) -> None:
        if key_path.exists():
            self._key = RSAKey.import_key(json.loads(key_path.read_text(encoding="utf-8")))
        else:
            self._key = RSAKey.generate_key(2048, parameters={"kid": uuid.uuid4().hex[:16]})
            key_path.parent.mkdir(parents=True, exist_ok=True)
            key_path.write_text(json.dumps(self._key.as_dict(private=True)), encoding="utf-8")
            key_path.chmod(0o600)
        self._key_set: KeySet | None = None
        self.issuer = issuer
        self.audience = audience
        self.users = {u.username: u for u in demo_users()}
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
            raise NotFound("Ukendt demobruger / unknown demo user", code="unknown_user")
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
        # RFC 9068: an access token says so in its header, so it is never taken for an ID token.
        header = {"alg": "RS256", "kid": self._key.kid, "typ": "at+jwt"}
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

    add_authorization_code_routes(router, idp)
    return router


def _redirect_allowed(provider: DevIdentityProvider, redirect_uri: str) -> bool:
    # Only back to this gateway: the development provider must not become an open redirector.
    return redirect_uri.startswith(provider.issuer.rstrip("/") + "/")


def add_authorization_code_routes(router: APIRouter, idp: Any) -> None:
    """``/dev/authorize`` (a page to choose a demo user) and ``/dev/oauth/token`` (code + PKCE)."""
    from gateway.web.security import CsrfProtected
    from gateway.web.state import limit_login
    from gateway.web.templating import render

    @router.get("/dev/authorize", include_in_schema=False)
    async def authorize(
        request: Request,
        response_type: str,
        client_id: str,
        redirect_uri: str,
        code_challenge: str,
        state: str = "",
        nonce: str | None = None,
        code_challenge_method: str = "plain",
        scope: str = "",
    ) -> Response:
        """Choose a demo user (the stand-in for MitID or the municipality's employee login)."""
        provider = idp(request)
        if (
            response_type != "code"
            or code_challenge_method != "S256"
            or not _redirect_allowed(provider, redirect_uri)
        ):
            return render(
                request, "error.html", {"message_key": "error.400", "status": 400}, status_code=400
            )
        users = list(provider.users.values())
        return render(
            request,
            "devidp/authorize.html",
            {
                "citizens": [u for u in users if u.kind == "citizen"],
                "employees": [u for u in users if u.kind == "employee"],
                "params": {
                    "client_id": client_id,
                    "redirect_uri": redirect_uri,
                    "code_challenge": code_challenge,
                    "state": state,
                    "nonce": nonce or "",
                },
            },
        )

    @router.post(
        "/dev/authorize",
        include_in_schema=False,
        dependencies=[CsrfProtected, Depends(limit_login)],
    )
    async def authorize_choose(
        request: Request,
        username: Annotated[str, Form(max_length=100)],
        client_id: Annotated[str, Form(max_length=200)],
        redirect_uri: Annotated[str, Form(max_length=1000)],
        code_challenge: Annotated[str, Form(min_length=43, max_length=128)],
        state: Annotated[str, Form(max_length=500)] = "",
        nonce: Annotated[str, Form(max_length=500)] = "",
    ) -> Response:
        provider = idp(request)
        if not _redirect_allowed(provider, redirect_uri):
            return render(
                request, "error.html", {"message_key": "error.400", "status": 400}, status_code=400
            )
        code = provider.new_code(
            username,
            client_id=client_id,
            redirect_uri=redirect_uri,
            code_challenge=code_challenge,
            nonce=nonce or None,
        )
        query = urlencode({"code": code, "state": state})
        return RedirectResponse(f"{redirect_uri}?{query}", status_code=303)

    @router.post("/dev/oauth/token", tags=["development identity provider"])
    async def oauth_token(
        request: Request,
        grant_type: Annotated[str, Form()],
        code: Annotated[str, Form()],
        redirect_uri: Annotated[str, Form()],
        code_verifier: Annotated[str, Form(min_length=43, max_length=128)],
        client_id: Annotated[str | None, Form()] = None,
    ) -> Response:
        """OAuth 2.0 token endpoint: authorization code + PKCE (S256) → access and ID token."""
        if client_id is None:  # client_secret_basic: the id is in the Authorization header
            client_id = _basic_client_id(request.headers.get("authorization", ""))
        provider = idp(request)
        if grant_type != "authorization_code":
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        pending = provider.redeem(
            code, client_id=client_id or "", redirect_uri=redirect_uri, code_verifier=code_verifier
        )
        if pending is None:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        return JSONResponse(
            {
                "access_token": provider.issue(pending.username),
                "id_token": provider.id_token(pending),
                "token_type": "Bearer",
                "expires_in": TOKEN_LIFETIME_S,
                "scope": "openid profile",
            },
            headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
        )


def _basic_client_id(header: str) -> str | None:
    if not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:]).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    return decoded.split(":", 1)[0] or None
