"""Every kind of caller, as HTTP clients: real users and forged or broken tokens.

Each principal has two ways in: ``api`` (a bearer token, no cookies) and ``web`` (the session
cookie from the real login flow through the development identity provider). Attackers have no
session: on web routes they send their forged bearer token with an anonymous session, and
must be treated exactly like anonymous visitors.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from joserfc import jwt
from joserfc.jwk import RSAKey

from tests.harness import Harness
from tests.web.webclient import csrf_of, web_login


@dataclass(frozen=True)
class PrincipalKind:
    """One column of the authorization matrix."""

    key: str
    label: str
    username: str | None = None  # a demo user who logs in for real
    attack: str | None = None  # how the bearer token is forged or broken


PRINCIPALS: tuple[PrincipalKind, ...] = (
    PrincipalKind("anon", "anonymous"),
    PrincipalKind("cit_a", "citizen A (borger-1)", username="borger-1"),
    PrincipalKind("cit_b", "citizen B (borger-2)", username="borger-2"),
    PrincipalKind("job_cw", "jobcenter caseworker", username="sagsbehandler-jobcenter"),
    PrincipalKind("job_co", "jobcenter coordinator", username="koordinator-jobcenter"),
    PrincipalKind("soc_cw", "social caseworker", username="sagsbehandler-social"),
    PrincipalKind("soc_sw", "social support worker (CTI)", username="cti-social"),
    PrincipalKind("hea_hp", "health professional", username="sundhed"),
    PrincipalKind("dpo", "DPO", username="dpo"),
    PrincipalKind("foreign", "DPO claims, foreign issuer + key", attack="foreign"),
    PrincipalKind("expired", "DPO token, expired an hour ago", attack="expired"),
    PrincipalKind("none", "DPO claims, alg=none", attack="none"),
    PrincipalKind("hs256", "DPO claims, HS256 keyed with our public key", attack="hs256"),
)
KEYS = tuple(p.key for p in PRINCIPALS)
ATTACKERS = tuple(p.key for p in PRINCIPALS if p.attack)
CITIZENS = ("cit_a", "cit_b")
EMPLOYEES = ("job_cw", "job_co", "soc_cw", "soc_sw", "hea_hp", "dpo")
UNAUTHENTICATED = ("anon", *ATTACKERS)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64json(data: dict[str, Any]) -> str:
    return _b64(json.dumps(data).encode())


def dpo_claims(gw: Harness, **override: Any) -> dict[str, Any]:
    """What a stolen or forged DPO token would claim: the most powerful employee."""
    now = int(time.time())
    claims = {
        "iss": gw.services.settings.effective_issuer,
        "aud": gw.services.settings.oidc_audience,
        "sub": "dpo",
        "name": "Dorthe Ågård",
        "kind": "employee",
        "department": "administration",
        "roles": ["dpo"],
        "iat": now,
        "exp": now + 600,
    }
    claims.update(override)
    return claims


def forged_token(gw: Harness, attack: str) -> str:
    """A bearer token for one attack; each must be refused."""
    idp = gw.services.dev_idp
    assert idp is not None
    real_key: RSAKey = idp._key  # the provider's own key: forgeries differ in one way only
    if attack == "foreign":
        foreign = RSAKey.generate_key(2048, parameters={"kid": "foreign-1"})
        claims = dpo_claims(gw, iss="https://idp.example.org")
        return jwt.encode({"alg": "RS256", "kid": "foreign-1", "typ": "at+jwt"}, claims, foreign)
    if attack == "expired":
        past = int(time.time()) - 3600
        claims = dpo_claims(gw, iat=past - 600, exp=past)
        return jwt.encode({"alg": "RS256", "kid": real_key.kid, "typ": "at+jwt"}, claims, real_key)
    if attack == "none":
        return f"{_b64json({'alg': 'none', 'typ': 'JWT'})}.{_b64json(dpo_claims(gw))}."
    if attack == "hs256":
        # By hand: joserfc itself refuses to use a public key as an HMAC secret.
        signing_input = f"{_b64json({'alg': 'HS256', 'kid': real_key.kid})}." + _b64json(
            dpo_claims(gw)
        )
        public_pem = real_key.as_pem(private=False)
        mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
        return f"{signing_input}.{_b64(mac)}"
    raise ValueError(attack)


@dataclass
class Caller:
    """One principal's two clients and its CSRF token for unsafe web requests."""

    kind: PrincipalKind
    api: httpx.AsyncClient
    web: httpx.AsyncClient
    csrf: str


def _client(gw: Harness, headers: dict[str, str] | None = None) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=gw.app),
        base_url="http://testserver",
        headers=headers,
    )


@asynccontextmanager
async def callers(gw: Harness) -> AsyncIterator[dict[str, Caller]]:
    """A :class:`Caller` for every principal kind, logged in where it is a real user."""
    async with AsyncExitStack() as stack:
        found: dict[str, Caller] = {}
        for kind in PRINCIPALS:
            headers: dict[str, str] = {}
            if kind.username is not None:
                headers = {"Authorization": f"Bearer {await gw.token(kind.username)}"}
            elif kind.attack is not None:
                headers = {"Authorization": f"Bearer {forged_token(gw, kind.attack)}"}
            api = await stack.enter_async_context(_client(gw, headers))
            # Web: a real session for real users; attackers keep their bearer token on an
            # anonymous session (it must not count there).
            web = await stack.enter_async_context(
                _client(gw, headers if kind.attack is not None else None)
            )
            if kind.username is not None:
                page = await web_login(web, kind.username)
            else:
                page = await web.get("/")
            assert page.status_code == 200, (kind.key, page.status_code)
            found[kind.key] = Caller(kind=kind, api=api, web=web, csrf=csrf_of(page.text))
        yield found
