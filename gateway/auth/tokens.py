"""Bearer-token validation against a JWKS (joserfc, the JOSE core behind authlib).

Checks: signature with a key from the issuer's JWKS, algorithm in an allow-list of
asymmetric algorithms (so ``alg=none`` and HS256-signed-with-the-public-key are refused),
issuer, audience, expiry and not-before with a small leeway; the JOSE ``typ`` header, when
the provider sets one, must name an access token (RFC 9068 ``at+jwt``), so an ID token or
another signed JWT of the same provider is not taken for one; and the token's lifetime
(``exp`` - ``iat``, or ``exp`` - now) must not exceed a configured maximum.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from gateway.auth.claims import ClaimMapping
from gateway.auth.principal import Principal
from gateway.errors import NotAuthenticated
from gateway.text import Text

ASYMMETRIC_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "Ed25519"})

KeySetSource = Callable[[bool], Awaitable[KeySet]]


class RemoteJwks:
    """Fetches and caches a JWKS; refetches (at most every 30 s) when a key id is unknown."""

    def __init__(self, url: str, client: httpx.AsyncClient, *, ttl_s: float = 300.0) -> None:
        self._url = url
        self._client = client
        self._ttl_s = ttl_s
        self._keys: KeySet | None = None
        self._fetched_at = 0.0

    async def __call__(self, refresh: bool) -> KeySet:
        now = time.monotonic()
        stale = now - self._fetched_at > self._ttl_s
        may_refresh = now - self._fetched_at > 30.0
        if self._keys is None or stale or (refresh and may_refresh):
            try:
                response = await self._client.get(self._url, timeout=5.0)
                response.raise_for_status()
                self._keys = KeySet.import_key_set(response.json())
            except (httpx.HTTPError, ValueError, JoseError) as exc:
                if self._keys is None:
                    raise NotAuthenticated("Identity provider keys unavailable") from exc
            self._fetched_at = now
        assert self._keys is not None
        return self._keys


class TokenValidator:
    """Turns a bearer token into a ``Principal`` or raises ``NotAuthenticated``."""

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        algorithms: list[str],
        keys: KeySetSource,
        leeway_s: int = 30,
        access_token_typ: str = "at+jwt",  # noqa: S107 (a media type, not a secret)
        max_lifetime_s: int = 24 * 3600,
        claims: ClaimMapping | None = None,
    ) -> None:
        unsafe = set(algorithms) - ASYMMETRIC_ALGORITHMS
        if unsafe:
            raise ValueError(f"algorithms not allowed for bearer tokens: {sorted(unsafe)}")
        self._issuer = issuer
        self._audience = audience
        self._algorithms = list(algorithms)
        self._keys = keys
        self._typ = _media_type(access_token_typ) if access_token_typ else None
        self._max_lifetime_s = max_lifetime_s
        self._leeway_s = leeway_s
        self.claims = claims or ClaimMapping()
        self._claims = jwt.JWTClaimsRegistry(
            leeway=leeway_s,
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": audience},
            exp={"essential": True},
            sub={"essential": True},
        )

    async def validate(self, token: str) -> Principal:
        claims = await self._decode(token)
        return self.claims.principal(claims)

    async def _decode(self, token: str) -> dict[str, Any]:
        for refresh in (False, True):
            keys = await self._keys(refresh)
            try:
                decoded = jwt.decode(token, keys, algorithms=self._algorithms)
            except (JoseError, ValueError) as exc:
                if refresh or "kid" not in str(exc).lower():
                    raise NotAuthenticated(Text(da="Ugyldigt token", en="invalid token")) from exc
                continue
            try:
                self._claims.validate(decoded.claims)
            except JoseError as exc:
                raise NotAuthenticated(
                    Text(da=f"Token afvist: {exc.error}", en=f"token rejected: {exc.error}")
                ) from exc
            self._check_typ(decoded.header)
            self._check_lifetime(decoded.claims)
            return dict(decoded.claims)
        raise NotAuthenticated(Text(da="Ugyldigt token", en="invalid token"))  # pragma: no cover

    def _check_typ(self, header: dict[str, Any]) -> None:
        typ = header.get("typ")
        if self._typ is None or typ is None:
            return
        if not isinstance(typ, str) or _media_type(typ) != self._typ:
            raise NotAuthenticated(
                Text(da="Token afvist: ikke et adgangstoken (typ)", en="not an access token (typ)")
            )

    def _check_lifetime(self, claims: dict[str, Any]) -> None:
        exp = claims.get("exp")
        iat = claims.get("iat")
        now = time.time()
        # An ``iat`` in the future must not stretch the window: count from now then.
        has_iat = isinstance(iat, int | float) and not isinstance(iat, bool)
        start = min(float(iat), now) if has_iat else now  # type: ignore[arg-type]
        if not isinstance(exp, int | float) or isinstance(exp, bool):
            raise NotAuthenticated(Text(da="Token afvist: exp", en="token rejected: exp"))
        if exp - start > self._max_lifetime_s + self._leeway_s:
            raise NotAuthenticated(
                Text(
                    da="Token afvist: levetiden er for lang",
                    en="token lifetime exceeds the maximum",
                )
            )


def _media_type(typ: str) -> str:
    """``typ`` compared as RFC 7515 says: case-insensitive, ``application/`` optional."""
    lowered = typ.strip().lower()
    return lowered.removeprefix("application/")


def principal_from_claims(
    claims: dict[str, Any],
    mapping: ClaimMapping | None = None,
    *,
    team_claim: str | None = None,
) -> Principal:
    """The principal of validated claims, read with ``mapping`` (the default claim names);
    ``team_claim`` overrides the mapping's team claim."""
    mapping = mapping or ClaimMapping()
    if team_claim is not None:
        mapping = replace(mapping, teams=team_claim)
    return mapping.principal(claims)
