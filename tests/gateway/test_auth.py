"""Bearer-token validation: audience, expiry, issuer, alg=none, HS/RS confusion."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

from joserfc import jwt
from joserfc.jwk import RSAKey

from tests.harness import Harness


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def claims(gw: Harness, **override: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {
        "iss": gw.services.settings.effective_issuer,
        "aud": gw.services.settings.oidc_audience,
        "sub": "sagsbehandler-jobcenter",
        "kind": "employee",
        "department": "jobcenter",
        "roles": ["caseworker"],
        "iat": now,
        "exp": now + 600,
    }
    base.update(override)
    return base


def at_header(gw: Harness) -> dict[str, Any]:
    """The JOSE header of an RFC 9068 access token signed with the provider's key."""
    return {"alg": "RS256", "kid": dev_key(gw).kid, "typ": "at+jwt"}


def dev_key(gw: Harness) -> RSAKey:
    idp = gw.services.dev_idp
    assert idp is not None
    return idp._key  # the provider's own signing key, to forge otherwise-valid tokens


async def status_with(gw: Harness, token: str) -> int:
    response = await gw.client.get("/v1/catalogue", headers={"Authorization": f"Bearer {token}"})
    return response.status_code


async def test_valid_token_is_accepted(gw: Harness) -> None:
    token = jwt.encode(at_header(gw), claims(gw), dev_key(gw))
    assert await status_with(gw, token) == 200


async def test_token_for_another_audience_is_refused(gw: Harness) -> None:
    token = jwt.encode(
        at_header(gw),
        claims(gw, aud="other-app"),
        dev_key(gw),
    )
    assert await status_with(gw, token) == 401


async def test_expired_token_is_refused(gw: Harness) -> None:
    past = int(time.time()) - 3600
    token = jwt.encode(
        at_header(gw),
        claims(gw, iat=past - 600, exp=past),
        dev_key(gw),
    )
    assert await status_with(gw, token) == 401


async def test_foreign_issuer_is_refused(gw: Harness) -> None:
    token = jwt.encode(
        at_header(gw),
        claims(gw, iss="https://evil.example"),
        dev_key(gw),
    )
    assert await status_with(gw, token) == 401


async def test_token_signed_by_another_key_is_refused(gw: Harness) -> None:
    other = RSAKey.generate_key(2048, parameters={"kid": dev_key(gw).kid})
    token = jwt.encode(at_header(gw), claims(gw), other)
    assert await status_with(gw, token) == 401


async def test_alg_none_is_refused(gw: Harness) -> None:
    token = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims(gw))}."
    assert await status_with(gw, token) == 401


async def test_hmac_signed_with_the_public_key_is_refused(gw: Harness) -> None:
    # Built by hand: joserfc itself refuses to use a public key as an HMAC secret.
    public_pem = dev_key(gw).as_pem(private=False)
    signing_input = f"{b64({'alg': 'HS256', 'kid': dev_key(gw).kid})}.{b64(claims(gw))}"
    mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    token = f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
    assert await status_with(gw, token) == 401


async def test_garbage_and_missing_tokens(gw: Harness) -> None:
    assert await status_with(gw, "not.a.token") == 401
    response = await gw.client.get("/v1/catalogue")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["code"] == "not_authenticated"


async def test_citizen_token_without_cpr_is_refused(gw: Harness) -> None:
    token = jwt.encode(
        at_header(gw),
        claims(gw, kind="citizen", sub="borger-x", department=None, roles=None),
        dev_key(gw),
    )
    assert await status_with(gw, token) == 401


async def test_citizen_cpr_claim_is_normalised_and_validated(gw: Harness) -> None:
    from tests.harness import demo_cpr

    cpr = demo_cpr(0)
    await gw.record_consent(cpr)
    dashed = jwt.encode(
        at_header(gw),
        claims(gw, kind="citizen", sub="borger-1", cpr=f"{cpr[:6]}-{cpr[6:]}"),
        dev_key(gw),
    )
    plain = await gw.client.get("/v1/me/consents", headers=await gw.auth("borger-1"))
    with_dash = await gw.client.get(
        "/v1/me/consents", headers={"Authorization": f"Bearer {dashed}"}
    )
    assert with_dash.status_code == plain.status_code == 200
    assert with_dash.json() == plain.json()
    assert len(plain.json()["items"]) == 1
    invalid = jwt.encode(
        at_header(gw),
        claims(gw, kind="citizen", sub="borger-x", cpr="3213991234"),
        dev_key(gw),
    )
    assert await status_with(gw, invalid) == 401
