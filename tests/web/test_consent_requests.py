"""Consent requests end to end over HTTP: caseworker asks, citizen answers in the portal."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.harness import Harness, demo_cpr, running_gateway
from tests.web.webclient import csrf_of, web_login


def request_body(cpr: str, **changes: Any) -> dict[str, Any]:
    body = {
        "cpr": cpr,
        "purpose": "tvaerfagligt_team",
        "categories": ["health.wellbeing", "social.services"],
        "recipient_departments": ["jobcenter"],
        "valid_until": (datetime.now(UTC) + timedelta(days=90)).isoformat(),
        "message": "Vi vil gerne forberede mødet med dig. Må vi se disse oplysninger?",
    }
    body.update(changes)
    return body


async def create_request(gw: Harness, cpr: str, username: str = "sagsbehandler-jobcenter") -> str:
    response = await gw.client.post(
        "/v1/consent-requests", json=request_body(cpr), headers=await gw.auth(username)
    )
    assert response.status_code == 201, response.text
    assert "cpr" not in response.json()
    return str(response.json()["request_id"])


async def citizen_client(gw: Harness, username: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(transport=gw.client._transport, base_url="http://testserver")
    await web_login(client, username)
    return client


async def test_request_is_validated_like_a_consent(gw: Harness) -> None:
    headers = await gw.auth("sagsbehandler-jobcenter")
    too_long = request_body(
        demo_cpr(0), valid_until=(datetime.now(UTC) + timedelta(days=4000)).isoformat()
    )
    response = await gw.client.post("/v1/consent-requests", json=too_long, headers=headers)
    assert response.status_code == 422
    assert response.json()["error"] == "validity_too_long"
    outside = request_body(demo_cpr(0), categories=["social.substance_treatment"])
    response = await gw.client.post("/v1/consent-requests", json=outside, headers=headers)
    assert response.json()["error"] == "category_not_in_purpose"


async def test_citizen_cannot_create_requests(gw: Harness) -> None:
    response = await gw.client.post(
        "/v1/consent-requests", json=request_body(demo_cpr(0)), headers=await gw.auth("borger-1")
    )
    assert response.status_code == 403


async def test_approve_creates_a_portal_consent_and_caseworker_sees_it(gw: Harness) -> None:
    request_id = await create_request(gw, demo_cpr(0))
    citizen = await citizen_client(gw, "borger-1")
    overview = await citizen.get("/portal")
    assert f"/portal/requests/{request_id}" in overview.text
    page = await citizen.get(f"/portal/requests/{request_id}")
    assert "Må vi se disse oplysninger?" in page.text
    approved = await citizen.post(
        f"/portal/requests/{request_id}/approve", data={"csrf_token": csrf_of(page.text)}
    )
    assert approved.status_code == 303
    consent_id = approved.headers["location"].rsplit("/", 1)[1]
    seen = await gw.client.get(
        f"/v1/consent-requests/{request_id}", headers=await gw.auth("sagsbehandler-jobcenter")
    )
    assert seen.json()["status"] == "approved"
    assert seen.json()["consent_id"] == consent_id
    mine = await gw.client.get("/v1/me/consents", headers=await gw.auth("borger-1"))
    item = next(i for i in mine.json()["items"] if i["consent_id"] == consent_id)
    assert item["collection_method"] == "citizen_portal"
    assert item["categories"] == ["health.wellbeing", "social.services"]
    # Same department sees it; another department does not.
    other = await gw.client.get(
        f"/v1/consent-requests/{request_id}", headers=await gw.auth("sagsbehandler-social")
    )
    assert other.status_code == 404
    colleague = await gw.client.get(
        f"/v1/consent-requests/{request_id}", headers=await gw.auth("koordinator-jobcenter")
    )
    assert colleague.status_code == 200
    again = await citizen.post(
        f"/portal/requests/{request_id}/approve", data={"csrf_token": csrf_of(page.text)}
    )
    assert again.status_code == 409
    await citizen.aclose()


async def test_decline_is_visible_to_the_caseworker_and_audited(gw: Harness) -> None:
    request_id = await create_request(gw, demo_cpr(0))
    citizen = await citizen_client(gw, "borger-1")
    page = await citizen.get(f"/portal/requests/{request_id}")
    declined = await citizen.post(
        f"/portal/requests/{request_id}/decline", data={"csrf_token": csrf_of(page.text)}
    )
    assert declined.status_code == 303
    seen = await gw.client.get(
        f"/v1/consent-requests/{request_id}", headers=await gw.auth("sagsbehandler-jobcenter")
    )
    assert seen.json()["status"] == "declined" and seen.json()["consent_id"] is None
    mine = await gw.client.get("/v1/me/consents", headers=await gw.auth("borger-1"))
    assert mine.json()["items"] == []
    log = await citizen.get("/portal/log")
    assert 'data-action="consent_request.decline"' in log.text
    assert 'data-action="consent_request.create"' in log.text
    await citizen.aclose()


async def test_another_citizen_cannot_see_or_answer(gw: Harness) -> None:
    request_id = await create_request(gw, demo_cpr(0))
    consent = await gw.record_consent(demo_cpr(0))
    consent_id = consent["consent"]["consent_id"]
    intruder = await citizen_client(gw, "borger-2")
    overview = await intruder.get("/portal")
    assert request_id not in overview.text and consent_id not in overview.text
    for path in (
        f"/portal/requests/{request_id}",
        f"/portal/consents/{consent_id}",
        f"/portal/consents/{consent_id}/revoke",
        f"/portal/consents/{consent_id}/receipt.jws",
        f"/portal/consents/{consent_id}/print",
    ):
        assert (await intruder.get(path)).status_code == 404, path
    token = csrf_of(overview.text)
    for path in (
        f"/portal/requests/{request_id}/approve",
        f"/portal/requests/{request_id}/decline",
        f"/portal/consents/{consent_id}/revoke",
    ):
        assert (await intruder.post(path, data={"csrf_token": token})).status_code == 404, path
    mine = await gw.client.get("/v1/me/consents", headers=await gw.auth("borger-1"))
    assert mine.json()["items"][0]["status"] == "active"
    await intruder.aclose()


async def test_revoke_needs_csrf_and_then_takes_effect(gw: Harness) -> None:
    consent = await gw.record_consent(demo_cpr(0))
    consent_id = consent["consent"]["consent_id"]
    citizen = await citizen_client(gw, "borger-1")
    confirm = await citizen.get(f"/portal/consents/{consent_id}/revoke")
    assert 'data-testid="revoke-confirm"' in confirm.text
    refused = await citizen.post(f"/portal/consents/{consent_id}/revoke", data={})
    assert refused.status_code == 403
    done = await citizen.post(
        f"/portal/consents/{consent_id}/revoke", data={"csrf_token": csrf_of(confirm.text)}
    )
    assert done.status_code == 303
    page = await citizen.get(done.headers["location"])
    assert 'data-testid="flash"' in page.text and "Tilbagekaldt" in page.text
    view = await gw.client.post(
        "/v1/views",
        json={"cpr": demo_cpr(0), "purpose": "tvaerfagligt_team"},
        headers=await gw.auth("sagsbehandler-jobcenter"),
    )
    statuses = {s["category"]: s["status"] for s in view.json()["sections"]}
    assert statuses["health.wellbeing"] == "withheld"
    await citizen.aclose()


async def test_receipts_download_and_print(gw: Harness) -> None:
    consent = await gw.record_consent(demo_cpr(0))
    consent_id = consent["consent"]["consent_id"]
    citizen = await citizen_client(gw, "borger-1")
    jws = await citizen.get(f"/portal/consents/{consent_id}/receipt.jws")
    assert jws.text == consent["receipt"]
    assert "attachment" in jws.headers["content-disposition"]
    printed = await citizen.get(f"/portal/consents/{consent_id}/print")
    assert consent["receipt"] in printed.text
    assert re.search(r"\d{1,2}\. \w+ \d{4} kl\. \d{2}\.\d{2}", printed.text)
    await citizen.aclose()


@pytest.mark.usefixtures("database_url")
async def test_consent_actions_are_rate_limited(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TVAERS_WEB_ACTION_RATE_LIMIT", "1")
    async with running_gateway(tmp_path) as gw:
        consent = await gw.record_consent(demo_cpr(0))
        consent_id = consent["consent"]["consent_id"]
        citizen = await citizen_client(gw, "borger-1")
        page = await citizen.get(f"/portal/consents/{consent_id}/revoke")
        data = {"csrf_token": csrf_of(page.text)}
        first = await citizen.post(f"/portal/consents/{consent_id}/revoke", data=data)
        assert first.status_code == 303
        second = await citizen.post(f"/portal/consents/{consent_id}/revoke", data=data)
        assert second.status_code == 429
        assert "Vent et minut" in second.text
        await citizen.aclose()


@pytest.mark.usefixtures("database_url")
async def test_login_is_rate_limited(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TVAERS_WEB_LOGIN_RATE_LIMIT", "2")
    async with running_gateway(tmp_path) as gw:
        assert (await gw.client.get("/auth/login")).status_code == 302
        assert (await gw.client.get("/auth/login")).status_code == 302
        assert (await gw.client.get("/auth/login")).status_code == 429
