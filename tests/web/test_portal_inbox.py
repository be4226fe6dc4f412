"""The portal inbox shows the citizen's notices (Danish first, English on request) and offers
the citizen's own copy; another citizen sees none of it."""

from __future__ import annotations

import httpx

from tests.harness import Harness, demo_cpr
from tests.web.webclient import web_login


async def citizen_client(gw: Harness, username: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(transport=gw.client._transport, base_url="http://testserver")
    await web_login(client, username)
    return client


async def test_a_break_glass_notice_is_in_the_portal_inbox(gw: Harness) -> None:
    view = await gw.client.post(
        "/v1/views",
        json={
            "cpr": demo_cpr(0),
            "purpose": "noedadgang",
            "justification": "Borgeren er fundet bevidstløs; akut behov for kontakt.",
        },
        headers=await gw.auth("koordinator-jobcenter"),
    )
    assert view.status_code == 200
    mine = await citizen_client(gw, "borger-1")
    try:
        page = await mine.get("/portal/inbox")
        assert page.status_code == 200
        assert 'data-kind="break_glass"' in page.text
        assert "nødadgang" in page.text and "Indbakke" in page.text
        assert demo_cpr(0) not in page.text
        copy = await mine.get("/portal/export")
        assert copy.status_code == 200 and "Din kopi" in copy.text
        english = await mine.get("/portal/inbox", headers={"Accept-Language": "en"})
        assert english.status_code == 200
    finally:
        await mine.aclose()
    theirs = await citizen_client(gw, "borger-2")
    try:
        page = await theirs.get("/portal/inbox")
        assert 'data-kind="break_glass"' not in page.text
        assert 'data-testid="inbox-empty"' in page.text
    finally:
        await theirs.aclose()
