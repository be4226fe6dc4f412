"""Security headers on every response; no-store on personal data; HSTS only over https."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.harness import Harness, demo_cpr, running_gateway


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
