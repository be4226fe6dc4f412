"""Caseworker follow-up: one pending request per citizen × purpose × caseworker, "Mine
anmodninger" with the citizens' answers, and the caseload's consents that expire soon."""

from __future__ import annotations

import re

import httpx

from tests.harness import Harness, demo_cpr
from tests.web.test_consent_requests import citizen_client, create_request, request_body
from tests.web.webclient import csrf_of, web_login


async def staff_client(gw: Harness, username: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(transport=gw.client._transport, base_url="http://testserver")
    await web_login(client, username, next_path="/staff")
    return client


async def test_asking_again_returns_the_pending_request(gw: Harness) -> None:
    headers = await gw.auth("sagsbehandler-jobcenter")
    first = await gw.client.post(
        "/v1/consent-requests", json=request_body(demo_cpr(0)), headers=headers
    )
    again = await gw.client.post(
        "/v1/consent-requests", json=request_body(demo_cpr(0)), headers=headers
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["request_id"] == first.json()["request_id"]
    listed = await gw.client.get("/v1/consent-requests", headers=headers)
    assert [r["request_id"] for r in listed.json()] == [first.json()["request_id"]]
    # Another caseworker, another citizen or another purpose is a request of its own.
    other = await gw.client.post(
        "/v1/consent-requests",
        json=request_body(demo_cpr(0)),
        headers=await gw.auth("koordinator-jobcenter"),
    )
    assert other.status_code == 201 and other.json()["request_id"] != first.json()["request_id"]
    second_citizen = await gw.client.post(
        "/v1/consent-requests", json=request_body(demo_cpr(1)), headers=headers
    )
    assert second_citizen.status_code == 201


async def test_an_answered_request_can_be_followed_by_a_new_one(gw: Harness) -> None:
    request_id = await create_request(gw, demo_cpr(0))
    citizen = await citizen_client(gw, "borger-1")
    page = await citizen.get(f"/portal/requests/{request_id}")
    await citizen.post(
        f"/portal/requests/{request_id}/decline", data={"csrf_token": csrf_of(page.text)}
    )
    await citizen.aclose()
    again = await gw.client.post(
        "/v1/consent-requests",
        json=request_body(demo_cpr(0)),
        headers=await gw.auth("sagsbehandler-jobcenter"),
    )
    assert again.status_code == 201 and again.json()["request_id"] != request_id


async def test_my_requests_page_shows_mine_the_teams_and_the_answers(gw: Harness) -> None:
    mine = await create_request(gw, demo_cpr(0))
    teams = await create_request(gw, demo_cpr(1), username="koordinator-jobcenter")
    citizen = await citizen_client(gw, "borger-1")
    page = await citizen.get(f"/portal/requests/{mine}")
    await citizen.post(f"/portal/requests/{mine}/decline", data={"csrf_token": csrf_of(page.text)})
    await citizen.aclose()

    staff = await staff_client(gw, "sagsbehandler-jobcenter")
    response = await staff.get("/staff/requests")
    await staff.aclose()
    assert response.status_code == 200
    text = response.text
    my_table = text.split('data-testid="my-requests"')[1].split("</table>")[0]
    team_table = text.split('data-testid="team-requests"')[1].split("</table>")[0]
    assert mine in my_table and 'data-status="declined"' in my_table and "Afslået" in my_table
    assert teams in team_table and 'data-status="pending"' in team_table
    assert "Afventer svar" in team_table and teams not in my_table
    # Readable names, never raw ids, and no CPR number on the page.
    assert "Afklaring i tværfagligt team" in my_table and "tvaerfagligt_team" not in my_table
    assert demo_cpr(0) not in text and demo_cpr(1) not in text

    # A caseworker of another department sees none of them.
    social = await staff_client(gw, "sagsbehandler-social")
    other = (await social.get("/staff/requests")).text
    await social.aclose()
    assert mine not in other and teams not in other


async def test_caseload_lists_consents_expiring_within_30_days(gw: Harness) -> None:
    soon = (await gw.record_consent(demo_cpr(0), days=10))["consent"]["consent_id"]
    later = (await gw.record_consent(demo_cpr(1), days=60))["consent"]["consent_id"]
    elsewhere = (
        await gw.record_consent(
            demo_cpr(2),
            days=5,
            recipients=["social"],
            categories=["jobcenter.benefit"],
            username="sagsbehandler-social",
        )
    )["consent"]["consent_id"]
    staff = await staff_client(gw, "sagsbehandler-jobcenter")
    page = (await staff.get("/staff/requests")).text
    expiring = re.findall(r'data-testid="expiring-row" data-consent-id="([^"]+)"', page)
    assert expiring == [soon]
    assert later not in page and elsewhere not in page
    assert demo_cpr(0) not in page and f"{demo_cpr(0)[:6]}-****" in page
    # "Vis overblik" opens the shared view by the opaque token, never by the number.
    token = re.search(r'name="token" value="([^"]+)"', page)
    assert token is not None
    opened = await staff.post(
        "/staff/overview/open",
        data={
            "csrf_token": csrf_of(page),
            "token": token.group(1),
            "purpose": "tvaerfagligt_team",
        },
    )
    await staff.aclose()
    assert opened.status_code == 200 and 'data-testid="overview-result"' in opened.text
