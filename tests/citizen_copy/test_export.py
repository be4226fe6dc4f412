"""GDPR art. 15: a citizen's copy holds every consent, request and access-log entry of theirs,
and nothing of anybody else's; the export is itself audited. SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from gateway.audit.entries.models import AuditEntryRow
from gateway.consent.models import ConsentRequestRow, ConsentRow
from tests.audit.log_helpers import sequencer
from tests.harness import Harness, demo_cpr, view


async def ask(gw: Harness, cpr: str) -> str:
    response = await gw.client.post(
        "/v1/consent-requests",
        json={
            "cpr": cpr,
            "purpose": "tvaerfagligt_team",
            "categories": ["social.services"],
            "recipient_departments": ["jobcenter"],
            "valid_until": (gw.services.clock() + timedelta(days=30)).isoformat(),
            "message": "Må vi se dine sociale indsatser før mødet på torsdag?",
        },
        headers=await gw.auth("sagsbehandler-jobcenter"),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["request_id"])


async def traffic(gw: Harness, citizen: int) -> None:
    cpr = demo_cpr(citizen)
    await gw.record_consent(cpr, categories=["social.services"])  # staff-recorded: notified
    await gw.record_consent(cpr, purpose="helbredsafklaring", categories=["health.wellbeing"])
    await ask(gw, cpr)
    await view(gw, cpr)
    await view(gw, cpr, purpose="koordinering_kontakt", user="sagsbehandler-social")
    emergency = await gw.client.post(
        "/v1/views",
        json={
            "cpr": cpr,
            "purpose": "noedadgang",
            "justification": "Akut indlæggelse; behov for at kende borgerens kontaktpersoner.",
        },
        headers=await gw.auth("sundhed"),
    )
    assert emergency.status_code == 200


async def export(gw: Harness, citizen: str = "borger-1") -> dict[str, Any]:
    response = await gw.client.get("/v1/me/export", headers=await gw.auth(citizen))
    assert response.status_code == 200, response.text
    assert "attachment" in response.headers["content-disposition"]
    body: dict[str, Any] = response.json()
    return body


async def test_the_copy_holds_everything_of_the_citizen_and_nothing_else(gw: Harness) -> None:
    await traffic(gw, 0)
    await traffic(gw, 1)
    await sequencer(gw).flush()
    svc = gw.services
    mine = list(svc.keys.pseudonymiser.all_pseudonyms(demo_cpr(0)).values())
    theirs = list(svc.keys.pseudonymiser.all_pseudonyms(demo_cpr(1)).values())
    async with svc.sessions() as session:
        my_consents = set(
            await session.scalars(
                select(ConsentRow.consent_id).where(ConsentRow.citizen_pseudonym.in_(mine))
            )
        )
        my_requests = set(
            await session.scalars(
                select(ConsentRequestRow.request_id).where(
                    ConsentRequestRow.citizen_pseudonym.in_(mine)
                )
            )
        )
        my_entries = set(
            await session.scalars(
                select(AuditEntryRow.event_id).where(AuditEntryRow.citizen_pseudonym.in_(mine))
            )
        )
        other_ids = set(await session.scalars(select(ConsentRow.consent_id))) - my_consents
    assert len(my_consents) == 2 and len(my_requests) == 1 and len(my_entries) >= 8

    copy = await export(gw)
    assert {c["consent"]["consent_id"] for c in copy["consents"]} == my_consents
    assert all(c["receipt"].count(".") == 2 for c in copy["consents"])  # JWS receipts
    assert all(c["notice_text"]["da"] for c in copy["consents"])
    assert {r["request_id"] for r in copy["consent_requests"]} == my_requests
    assert {e["event_id"] for e in copy["access_log"]} == my_entries
    assert all(e["inclusion_proof"] is not None for e in copy["access_log"])  # sequenced
    assert {n["kind"] for n in copy["notices"]} >= {"break_glass", "consent_recorded"}
    assert len(copy["break_glass"]) == 1

    dumped = json.dumps(copy)
    for foreign in [*theirs, *other_ids, demo_cpr(1)]:
        assert foreign not in dumped
    assert demo_cpr(0) not in dumped  # not even the citizen's own CPR travels needlessly

    # The export is itself audited, and appears in the next copy.
    again = await export(gw)
    exports = [e for e in again["access_log"] if e["entry"]["action"] == "citizen.export"]
    assert exports and exports[0]["entry"]["record_counts"]["consents"] == 2


async def test_the_copy_as_a_printable_danish_page(gw: Harness) -> None:
    await traffic(gw, 0)
    response = await gw.client.get(
        "/v1/me/export", params={"format": "html"}, headers=await gw.auth("borger-1")
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert '<html lang="da">' in page
    assert "Din kopi af dine oplysninger" in page and "Nødadgang" in page
    assert "Trivsel (WHO-5)" in page and "Sundhedsforvaltningen" in page  # æøå intact
    assert "<script" not in page
    assert demo_cpr(0) not in page


async def test_another_citizen_gets_only_their_own_copy(gw: Harness) -> None:
    await traffic(gw, 0)
    copy = await export(gw, "borger-2")
    assert copy["consents"] == [] and copy["consent_requests"] == []
    assert copy["notices"] == [] and copy["break_glass"] == []
    assert {e["entry"]["action"] for e in copy["access_log"]} <= {"citizen.export"}
    staff = await gw.client.get("/v1/me/export", headers=await gw.auth("dpo"))
    assert staff.status_code == 403
