"""The DPO console lists break-glass episodes for review and records verdicts and anomaly
triage from the page (both audited); open vs handled anomalies are shown."""

from __future__ import annotations

import re

from tests.harness import Harness
from tests.staff.conftest import demo_cpr
from tests.web.webclient import csrf_of, web_login


async def test_dpo_reviews_an_episode_and_triages_an_anomaly_on_the_page(gw: Harness) -> None:
    emergency = await gw.client.post(
        "/v1/views",
        json={
            "cpr": demo_cpr(0),
            "purpose": "noedadgang",
            "justification": "Borgeren er fundet bevidstløs; akut behov for kontakt.",
        },
        headers=await gw.auth("koordinator-jobcenter"),
    )
    assert emergency.status_code == 200
    seeded = await gw.client.post("/v1/audit/demo/snooping-pattern", headers=await gw.auth("dpo"))
    assert seeded.status_code == 201

    page = await web_login(gw.client, "dpo", next_path="/staff/dpo/break-glass")
    assert page.status_code == 200
    assert "bevidstløs" in page.text and 'data-testid="episode"' in page.text
    (episode_id,) = re.findall(r'data-episode="([0-9a-f-]{36})"', page.text)
    csrf = csrf_of(page.text)
    saved = await gw.client.post(
        f"/staff/dpo/break-glass/{episode_id}/review",
        data={"csrf_token": csrf, "verdict": "justified", "note": "Akut, set i journalen."},
    )
    assert saved.status_code == 303
    after = await gw.client.get("/staff/dpo/break-glass")
    assert 'data-testid="no-pending"' in after.text
    assert 'data-verdict="justified"' in after.text

    console = await gw.client.get("/staff/dpo")
    forms = re.findall(r'action="/staff/dpo/anomalies/([0-9a-f]{32})/triage"', console.text)
    assert forms, "open anomalies offer a triage form"
    fields = dict(
        re.findall(r'name="(kind|actor_id|first_seen)" value="([^"]*)"', console.text)[:3]
    )
    triaged = await gw.client.post(
        f"/staff/dpo/anomalies/{forms[0]}/triage",
        data={"csrf_token": csrf, **fields, "status": "dismissed", "note": "Kendt mønster."},
    )
    assert triaged.status_code == 303, triaged.text
    console = await gw.client.get("/staff/dpo")
    assert 'data-testid="anomaly-handled"' in console.text

    actions = [
        item["entry"]["action"]
        for item in (await gw.client.get("/v1/audit/entries", headers=await gw.auth("dpo"))).json()[
            "items"
        ]
    ]
    assert "break_glass.review" in actions and "anomaly.triage" in actions
