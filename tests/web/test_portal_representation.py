"""The portal for a representative (issue 14 item 4): pick whom to act for, see and withdraw
their consents within the authority; the represented citizen's pages show who acted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from gateway.devtools.demo_representatives import DEMO_REPRESENTATIVE
from gateway.devtools.demo_users import DEMO_TEAM
from tests.harness import Harness, demo_cpr
from tests.web.webclient import csrf_of, web_login


async def portal_client(gw: Harness, username: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(transport=gw.client._transport, base_url="http://testserver")
    await web_login(client, username)
    return client


async def test_representative_picks_whom_to_act_for_and_withdraws(gw: Harness) -> None:
    until = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    body = {
        "cpr": demo_cpr(0),
        "purpose": "tvaerfagligt_team",
        "categories": ["health.wellbeing"],
        "recipient_departments": ["jobcenter"],
        "valid_until": until,
        "collection_method": "citizen_portal",
    }
    created = await gw.client.post(
        "/v1/consents", json=body, headers=await gw.auth(DEMO_REPRESENTATIVE)
    )
    assert created.status_code == 201, created.text
    consent_id = created.json()["consent"]["consent_id"]
    # The citizen's own consent for a purpose the fuldmagt does not cover: not on the page.
    own = await gw.client.post(
        "/v1/consents",
        json={
            **body,
            "purpose": "cti_overgang",
            "categories": ["jobcenter.benefit"],
            "recipient_departments": ["social"],
        },
        headers=await gw.citizen_auth(demo_cpr(0)),
    )
    assert own.status_code == 201, own.text
    own_id = own.json()["consent"]["consent_id"]

    rep = await portal_client(gw, DEMO_REPRESENTATIVE)
    try:
        overview = await rep.get("/portal")
        assert overview.status_code == 200
        assert 'data-testid="represented-card"' in overview.text
        assert "/portal/represented/DF-DEMO-0001" in overview.text
        assert "/portal/represented/VM-DEMO-0002" in overview.text
        assert "DF-DEMO-0003" not in overview.text  # expired: not offered
        for cpr in (demo_cpr(0), demo_cpr(1), demo_cpr(3)):
            assert cpr not in overview.text
        page = await rep.get("/portal/represented/DF-DEMO-0001")
        assert page.status_code == 200
        assert f"/consents/{consent_id}/withdraw" in page.text
        assert own_id not in page.text
        assert (await rep.get("/portal/represented/DF-DEMO-0003")).status_code == 404
        # Withdrawing the consent the fuldmagt does not cover: 404, it stays active.
        refused = await rep.post(
            f"/portal/represented/DF-DEMO-0001/consents/{own_id}/withdraw",
            data={"csrf_token": csrf_of(page.text)},
        )
        assert refused.status_code == 404
        done = await rep.post(
            f"/portal/represented/DF-DEMO-0001/consents/{consent_id}/withdraw",
            data={"csrf_token": csrf_of(page.text)},
        )
        assert done.status_code == 303, done.text
    finally:
        await rep.aclose()

    mine = await gw.client.get("/v1/me/consents", headers=await gw.citizen_auth(demo_cpr(0)))
    status = {c["consent_id"]: c["status"] for c in mine.json()["items"]}
    assert status == {consent_id: "withdrawn", own_id: "active"}

    citizen = await portal_client(gw, "borger-1")
    try:
        consent_page = await citizen.get(f"/portal/consents/{consent_id}")
        assert 'data-testid="granted-by"' in consent_page.text
        assert 'data-testid="withdrawn-by"' in consent_page.text
        assert "DF-DEMO-0001" in consent_page.text
        log = await citizen.get("/portal/log")
        assert log.status_code == 200
        assert log.text.count('data-testid="log-representative"') >= 2  # gave and withdrew
        assert "din fuldmægtig (fuldmagt DF-DEMO-0001, gyldig til" in log.text
    finally:
        await citizen.aclose()


async def test_meeting_scope_is_shown_to_the_citizen(gw: Harness) -> None:
    created = await gw.client.post(
        "/v1/consents",
        json={
            "cpr": demo_cpr(1),
            "purpose": "tvaerfagligt_team",
            "categories": ["health.wellbeing"],
            "recipient_departments": ["jobcenter"],
            "scope": {"teams": [DEMO_TEAM], "label": "Rundbordssamtale 10. december"},
            "collection_method": "citizen_portal",
        },
        headers=await gw.citizen_auth(demo_cpr(1)),
    )
    assert created.status_code == 201, created.text
    citizen = await portal_client(gw, "borger-2")
    try:
        page = await citizen.get(f"/portal/consents/{created.json()['consent']['consent_id']}")
        assert "Gælder kun for" in page.text
        assert "Rundbordssamtale 10. december: team: tvaerfagligt-team-nord" in page.text
    finally:
        await citizen.aclose()
