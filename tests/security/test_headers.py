"""Security headers on every response; no-store on personal data; HSTS only over https."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from gateway.app import create_app
from tests.harness import Harness, demo_cpr, running_gateway
from tests.harness import test_settings as gateway_settings
from tests.web.webclient import web_login_steps


async def test_security_headers_on_api_responses(gw: Harness) -> None:
    response = await gw.client.post(
        "/v1/views",
        json={"cpr": demo_cpr(0), "purpose": "tvaerfagligt_team"},
        headers=await gw.auth("sagsbehandler-jobcenter"),
    )
    assert response.status_code == 200
    headers = response.headers
    assert headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "unsafe-inline" not in headers["content-security-policy"]
    assert headers["cache-control"] == "no-store"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-request-id"]
    assert "strict-transport-security" not in headers  # plain http here


async def test_errors_carry_the_headers_too(gw: Harness) -> None:
    response = await gw.client.get("/v1/catalogue")
    assert response.status_code == 401
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.usefixtures("database_url")
async def test_hsts_over_https(tmp_path: Path) -> None:
    async with (
        running_gateway(tmp_path) as gw,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=gw.app), base_url="https://testserver"
        ) as client,
    ):
        response = await client.get("/healthz")
    assert response.status_code == 200
    assert "max-age=" in response.headers["strict-transport-security"]


# --------------------------------------------------------------------------- web pages, https

PERSONAL_PAGES = ("/portal", "/portal/log", "/staff", "/staff/dpo")


async def test_web_pages_with_personal_data_over_https(tmp_path: Path) -> None:
    """Every page that shows personal data: HSTS, no-store, CSP, nosniff; the session cookie
    is Secure, HttpOnly and SameSite=Lax. The login's callback (it sets the cookie) is
    no-store too. A gateway of its own: its public URL is https (which makes cookies Secure).
    """
    settings = gateway_settings(tmp_path).model_copy(update={"public_url": "https://testserver"})
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        for username, pages in PAGES_BY_USER:
            async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as c:
                callback, _ = await web_login_steps(c, username)
                assert callback.headers["cache-control"] == "no-store"
                cookie = callback.headers["set-cookie"].lower()
                assert "secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie
                for path in pages:
                    response = await c.get(path)
                    assert response.status_code == 200, path
                    assert_page_headers(response, path)
                    assert "max-age=" in response.headers["strict-transport-security"], path
    assert set(PERSONAL_PAGES) == {p for _, ps in PAGES_BY_USER for p in ps}


PAGES_BY_USER = (("borger-1", ("/portal", "/portal/log")), ("dpo", ("/staff", "/staff/dpo")))


def assert_page_headers(response: httpx.Response, path: str) -> None:
    headers = response.headers
    assert headers["cache-control"] == "no-store", path
    assert headers["x-content-type-options"] == "nosniff", path
    assert "frame-ancestors 'none'" in headers["content-security-policy"], path
    assert "unsafe-inline" not in headers["content-security-policy"], path
    assert headers["referrer-policy"] == "no-referrer", path


async def test_refused_bodies_carry_the_headers_too(gw: Harness) -> None:
    limit = gw.services.settings.max_body_bytes
    response = await gw.client.post(
        "/v1/views", content=b"{" * (limit + 1), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


@pytest.mark.usefixtures("database_url")
async def test_hsts_behind_a_tls_terminating_proxy(tmp_path: Path) -> None:
    """The proxy speaks http to the gateway; the https public URL still earns HSTS."""
    async with running_gateway(tmp_path, public_url="https://tvaers.kommune.example") as gw:
        response = await gw.client.get("/healthz")  # plain http, as from the proxy
    assert response.status_code == 200
    assert "max-age=" in response.headers["strict-transport-security"]
