"""DPO anomaly rule (issue 14): a consent recorded and used by the same person within minutes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from gateway.audit.console.anomalies import AnomalyThresholds, consent_self_use
from gateway.audit.console.repository import ConsentTrailFact
from gateway.config import Settings
from tests.harness import Harness, demo_cpr

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def fact(seq: int, minutes: float, actor: str, *, recorded: bool, ids: tuple[str, ...]) -> Any:
    return ConsentTrailFact(
        seq=seq,
        recorded_at=T0 + timedelta(minutes=minutes),
        actor_id=actor,
        department="jobcenter",
        recorded=recorded,
        consent_ids=ids,
    )


THRESHOLDS = AnomalyThresholds.from_settings(Settings(anomaly_self_use_minutes=30))


def test_the_rule_flags_only_the_recorder_using_it_within_the_window() -> None:
    trail = [
        fact(1, 0, "mette", recorded=True, ids=("c1",)),
        fact(2, 5, "mette", recorded=False, ids=("c1", "other")),  # own, quickly: flagged
        fact(3, 6, "mette", recorded=False, ids=("c1",)),  # same consent again: counted once
        fact(4, 0, "jonas", recorded=True, ids=("c2",)),
        fact(5, 3, "birgitte", recorded=False, ids=("c2",)),  # someone else used it: fine
        fact(6, 0, "lise", recorded=True, ids=("c3",)),
        fact(7, 45, "lise", recorded=False, ids=("c3",)),  # after the window: fine
    ]
    found = consent_self_use(trail, THRESHOLDS, since=T0 - timedelta(days=1))
    assert [(a.kind, a.actor_id, a.count) for a in found] == [("consent_self_use", "mette", 1)]
    assert "30 minutter" in found[0].explanation.da
    assert consent_self_use(trail, THRESHOLDS, since=T0 + timedelta(hours=1)) == []


async def test_the_dpo_console_shows_a_consent_recorded_and_used_at_once(gw: Harness) -> None:
    cpr = demo_cpr(0)
    worker = await gw.auth("sagsbehandler-jobcenter")
    body = {
        "cpr": cpr,
        "purpose": "tvaerfagligt_team",
        "categories": ["social.services"],
        "recipient_departments": ["jobcenter"],
        "valid_until": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
        "collection_method": "written_form",
        "evidence_ref": "blanket",
    }
    dpo = await gw.auth("dpo")

    async def self_use() -> list[dict[str, Any]]:
        report = await gw.client.post("/v1/audit/console/anomalies", json={}, headers=dpo)
        assert report.status_code == 200, report.text
        return [a for a in report.json()["anomalies"] if a["kind"] == "consent_self_use"]

    # Recorded by the coordinator, used by the caseworker: not this pattern.
    made = await gw.client.post(
        "/v1/consents", json=body, headers=await gw.auth("koordinator-jobcenter")
    )
    assert made.status_code == 201
    seen = await gw.client.post(
        "/v1/views", json={"cpr": cpr, "purpose": "tvaerfagligt_team"}, headers=worker
    )
    assert seen.status_code == 200
    assert await self_use() == []
    # Recorded and used by the caseworker within minutes.
    await gw.client.post(
        f"/v1/consents/{made.json()['consent']['consent_id']}/withdraw",
        json={"evidence_ref": "ny"},
        headers=worker,
    )
    mine = await gw.client.post("/v1/consents", json=body, headers=worker)
    assert mine.status_code == 201
    seen = await gw.client.post(
        "/v1/views", json={"cpr": cpr, "purpose": "tvaerfagligt_team"}, headers=worker
    )
    sections = {s["category"]: s for s in seen.json()["sections"]}
    assert sections["social.services"]["basis"]["ref"] == mine.json()["consent"]["consent_id"]
    found = await self_use()
    assert [(a["actor_id"], a["count"]) for a in found] == [("sagsbehandler-jobcenter", 1)]
