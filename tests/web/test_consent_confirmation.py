"""Issue 14 on the pages: the citizen sees and confirms staff-recorded consents in the portal,
is told controller, DPO, what a no means, withdrawal and retention before answering a request,
and a health professional confirms on the staff page. Pages and API share one service call."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import httpx

from tests.harness import Harness, demo_cpr
from tests.web.webclient import csrf_of, web_login


@asynccontextmanager
async def logged_in(
    gw: Harness, username: str, next_path: str = "/portal"
) -> AsyncIterator[httpx.AsyncClient]:
    transport = gw.client._transport
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        await web_login(client, username, next_path=next_path)
        yield client


async def pending_consent(gw: Harness) -> str:
    body = {
        "cpr": demo_cpr(0),  # borger-1
        "purpose": "helbredsafklaring",
        "categories": ["health.wellbeing"],
        "recipient_departments": ["jobcenter"],
        "valid_until": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
        "collection_method": "oral_recorded",
        "evidence_ref": "telefonnotat",
    }
    made = await gw.client.post(
        "/v1/consents", json=body, headers=await gw.auth("sagsbehandler-jobcenter")
    )
    assert made.status_code == 201, made.text
    assert made.json()["consent"]["status"] == "pending_confirmation"
    return str(made.json()["consent"]["consent_id"])


async def test_the_citizen_sees_and_confirms_a_staff_recorded_consent_in_the_portal(
    gw: Harness,
) -> None:
    consent_id = await pending_consent(gw)
    async with logged_in(gw, "borger-1") as citizen:
        overview = await citizen.get("/portal")
        assert 'data-testid="confirm-card"' in overview.text
        assert "Registreret af en medarbejder i Jobcenter (beskæftigelse)" in overview.text
        page = await citizen.get(f"/portal/consents/{consent_id}")
        assert "Venter på bekræftelse" in page.text
        assert 'data-testid="terms-dpo"' in page.text
        # Another citizen cannot confirm it.
        async with logged_in(gw, "borger-2") as other:
            theirs = await other.get("/portal")
            refused = await other.post(
                f"/portal/consents/{consent_id}/confirm", data={"csrf_token": csrf_of(theirs.text)}
            )
            assert refused.status_code == 404
        done = await citizen.post(
            f"/portal/consents/{consent_id}/confirm", data={"csrf_token": csrf_of(page.text)}
        )
        assert done.status_code == 303
        after = await citizen.get(f"/portal/consents/{consent_id}")
        assert "Samtykket er bekræftet" in after.text
        assert 'data-testid="confirm"' not in after.text
    mine = await gw.client.get("/v1/me/consents", headers=await gw.auth("borger-1"))
    assert {c["consent_id"]: c["status"] for c in mine.json()["items"]}[consent_id] == "active"


async def test_a_request_tells_controller_dpo_what_a_no_means_withdrawal_and_retention(
    gw: Harness,
) -> None:
    body = {
        "cpr": demo_cpr(0),
        "purpose": "tvaerfagligt_team",
        "categories": ["health.wellbeing"],
        "recipient_departments": ["jobcenter"],
        "valid_until": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
        "message": "Må vi?",
    }
    asked = await gw.client.post(
        "/v1/consent-requests", json=body, headers=await gw.auth("sagsbehandler-jobcenter")
    )
    assert asked.status_code == 201, asked.text
    settings = gw.services.settings
    async with logged_in(gw, "borger-1") as citizen:
        page = await citizen.get(f"/portal/requests/{asked.json()['request_id']}")
    text = page.text
    assert settings.controller_name in text and settings.dpo_contact in text
    assert "retssikkerhedsloven § 11 b" in text
    assert "Du kan trække samtykket tilbage når som helst" in text
    assert "Opbevaring" in text and "GDPR art. 9(2)(a)" in text
    assert 'data-testid="notice-text"' in text
    # The notice that tells the citizen of the request says the same.
    notices = await gw.client.get("/v1/me/notices", headers=await gw.auth("borger-1"))
    told = next(n for n in notices.json()["items"] if n["kind"] == "consent_request")
    for part in (settings.controller_name, settings.dpo_contact, "§ 11 b", "når som helst"):
        assert part in told["body"]["da"], part


async def test_a_health_professional_confirms_on_the_staff_page(gw: Harness) -> None:
    consent_id = await pending_consent(gw)
    async with logged_in(gw, "sagsbehandler-jobcenter", next_path="/staff") as caseworker:
        listing = await caseworker.get("/staff/confirmations")
        assert listing.status_code == 200 and consent_id not in listing.text  # not theirs
        refused = await caseworker.post(
            f"/staff/confirmations/{consent_id}",
            data={"csrf_token": csrf_of(listing.text), "evidence_ref": "mig selv"},
        )
        assert refused.status_code == 404
    async with logged_in(gw, "sundhed", next_path="/staff") as health:
        listing = await health.get("/staff/confirmations")
        assert f'data-consent-id="{consent_id}"' in listing.text
        assert demo_cpr(0)[:6] + "-****" in listing.text and demo_cpr(0) not in listing.text
        done = await health.post(
            f"/staff/confirmations/{consent_id}",
            data={"csrf_token": csrf_of(listing.text), "evidence_ref": "journalnotat 7"},
        )
        assert done.status_code == 303
        after = await health.get("/staff/confirmations")
        assert consent_id not in after.text
    mine = await gw.client.get("/v1/me/consents", headers=await gw.auth("borger-1"))
    found = {c["consent_id"]: c for c in mine.json()["items"]}[consent_id]
    assert found["status"] == "active" and found["history"][-1]["by"] == "sundhed"
