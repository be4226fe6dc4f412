"""Web login: OIDC authorization code + PKCE against the development provider, session, logout."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlsplit

from tests.harness import Harness, demo_cpr
from tests.web.webclient import csrf_of, web_login, web_login_steps


async def test_citizen_logs_in_with_code_and_pkce(gw: Harness) -> None:
    start = await gw.client.get("/auth/login", params={"next": "/portal"})
    query = parse_qs(urlsplit(start.headers["location"]).query)
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) >= 43
    assert query["nonce"] and query["state"]
    page = await web_login(gw.client, "borger-1")
    assert page.status_code == 200
    assert "Mine samtykker" in page.text


async def test_session_cookie_flags(gw: Harness) -> None:
    callback, _ = await web_login_steps(gw.client, "borger-1")
    header = callback.headers.get("set-cookie", "").lower()
    assert "httponly" in header and "samesite=lax" in header
    assert "secure" not in header  # plain http in tests; https_only follows the public URL
    value = gw.client.cookies["tvaers_session"]
    payload = base64.b64decode(value.split(".")[0] + "==").decode()
    assert demo_cpr(0) not in payload and demo_cpr(0).replace("-", "") not in payload
    assert '"cpr"' in payload  # present, but only encrypted


async def test_portal_requires_login(gw: Harness) -> None:
    response = await gw.client.get("/portal")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/auth/login?next=/portal")


async def test_logout_ends_the_session(gw: Harness) -> None:
    page = await web_login(gw.client, "borger-1")
    out = await gw.client.post("/auth/logout", data={"csrf_token": csrf_of(page.text)})
    assert out.status_code == 200
    assert (await gw.client.get("/portal")).status_code == 303


async def test_logout_without_csrf_is_refused(gw: Harness) -> None:
    await web_login(gw.client, "borger-1")
    out = await gw.client.post("/auth/logout", data={})
    assert out.status_code == 403
    assert (await gw.client.get("/portal")).status_code == 200


async def test_token_endpoint_refuses_wrong_verifier(gw: Harness) -> None:
    provider = gw.services.dev_idp
    assert provider is not None
    code = provider.new_code(
        "borger-1",
        client_id="tvaers-web",
        redirect_uri="http://testserver/auth/callback",
        code_challenge="x" * 43,
        nonce=None,
    )
    response = await gw.client.post(
        "/dev/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": "http://testserver/auth/callback",
            "client_id": "tvaers-web",
            "code_verifier": "y" * 43,
        },
    )
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_grant"}


async def test_authorize_refuses_foreign_redirect(gw: Harness) -> None:
    response = await gw.client.get(
        "/dev/authorize",
        params={
            "response_type": "code",
            "client_id": "tvaers-web",
            "redirect_uri": "https://evil.example/cb",
            "code_challenge": "x" * 43,
            "code_challenge_method": "S256",
        },
    )
    assert response.status_code == 400


async def test_language_switch_persists(gw: Harness) -> None:
    front = await gw.client.get("/")
    assert '<html lang="da">' in front.text
    switched = await gw.client.post(
        "/lang", data={"lang": "en", "next": "/", "csrf_token": csrf_of(front.text)}
    )
    assert switched.status_code == 303
    again = await gw.client.get("/")
    assert '<html lang="en">' in again.text
    assert "Log in as a citizen" in again.text


async def test_next_cannot_leave_the_site(gw: Harness) -> None:
    await gw.client.get("/auth/login", params={"next": "//evil.example/x"})
    page = await web_login(gw.client, "borger-1", next_path="https://evil.example")
    assert page.url.path == "/portal"
