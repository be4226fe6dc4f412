"""Invariant 2: no data leaves unless intent and outcome are durably audited; failures → 503."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from gateway.audit.entries.models import AuditEntryRow
from gateway.audit.entries.schemas import AuditEvent
from gateway.audit.entries.service import AuditWriter
from gateway.policy.types import Decision, PolicyEngineError
from tests.harness import Harness, demo_cpr


async def entries(gw: Harness) -> list[dict[str, Any]]:
    async with gw.services.sessions() as session:
        rows = (await session.scalars(select(AuditEntryRow).order_by(AuditEntryRow.seq))).all()
    return [json.loads(r.body) for r in rows if r.body]


async def post_view(gw: Harness, cpr: str) -> Any:
    return await gw.client.post(
        "/v1/views",
        json={"cpr": cpr, "purpose": "tvaerfagligt_team"},
        headers=await gw.auth("sagsbehandler-jobcenter"),
    )


async def test_intent_then_outcome_are_committed_for_every_view(gw: Harness) -> None:
    cpr = demo_cpr(0)
    await gw.record_consent(cpr, categories=["health.wellbeing"])
    response = await post_view(gw, cpr)
    assert response.status_code == 200
    request_id = response.headers["x-request-id"]
    mine = [e for e in await entries(gw) if e["request_id"] == request_id]
    assert [e["phase"] for e in mine] == ["intent", "outcome"]
    intent, outcome = mine
    assert intent["categories"]["granted"] == outcome["categories"]["granted"]
    assert "health.wellbeing" in outcome["categories"]["granted"]
    assert outcome["record_counts"]["health.wellbeing"] >= 1
    assert outcome["consent_ids"] and outcome["policy_version"]
    assert (
        intent["decision_id"] == outcome["decision_id"] == response.headers["x-tvaers-decision-id"]
    )


async def test_denied_requests_are_audited_too(gw: Harness) -> None:
    response = await gw.client.post(
        "/v1/views",
        json={"cpr": demo_cpr(0), "purpose": "ukendt_formaal"},
        headers=await gw.auth("sagsbehandler-jobcenter"),
    )
    assert response.status_code == 200
    mine = [e for e in await entries(gw) if e["request_id"] == response.headers["x-request-id"]]
    assert [e["outcome"] for e in mine] == ["denied", "denied"]
    assert set(mine[1]["denial_codes"].values()) == {"unknown_purpose"}


class FailingWriter(AuditWriter):
    def __init__(self, inner: AuditWriter, *, fail_on_call: int) -> None:
        self.inner = inner
        self.calls = 0
        self.fail_on_call = fail_on_call

    async def append(self, events: Sequence[AuditEvent]) -> None:
        self.calls += 1
        if self.calls >= self.fail_on_call:
            raise RuntimeError("disk on fire")
        await self.inner.append(events)


async def test_audit_failure_on_intent_returns_503_and_calls_no_connector(gw: Harness) -> None:
    cpr = demo_cpr(0)
    await gw.record_consent(cpr, categories=["health.wellbeing"])
    gw.transport.requested_urls.clear()
    gw.services.audit = FailingWriter(gw.services.audit, fail_on_call=1)
    response = await post_view(gw, cpr)
    assert response.status_code == 503
    assert response.json()["code"] == "audit_unavailable"
    assert gw.transport.requested_urls == []
    assert "records" not in response.text


async def test_audit_failure_on_outcome_returns_no_data(gw: Harness) -> None:
    cpr = demo_cpr(0)
    await gw.record_consent(cpr, categories=["health.wellbeing"])
    gw.services.audit = FailingWriter(gw.services.audit, fail_on_call=2)
    response = await post_view(gw, cpr)
    assert response.status_code == 503
    assert "score" not in response.text and "records" not in response.text


class BrokenPolicy:
    name = "broken"

    async def decide(self, policy_input: dict[str, Any]) -> Decision:
        raise PolicyEngineError("engine crashed")

    async def healthy(self) -> bool:
        return False

    async def aclose(self) -> None:
        return None


async def test_policy_failure_returns_503_audited_and_no_connector_call(gw: Harness) -> None:
    gw.services.policy = BrokenPolicy()
    gw.transport.requested_urls.clear()
    response = await post_view(gw, demo_cpr(0))
    assert response.status_code == 503
    assert response.json()["code"] == "policy_unavailable"
    assert gw.transport.requested_urls == []
    mine = [e for e in await entries(gw) if e["request_id"] == response.headers["x-request-id"]]
    assert [(e["outcome"], e["reason"]) for e in mine] == [("error", "policy_unavailable")]


async def test_consent_store_failure_returns_503(gw: Harness) -> None:
    cpr = demo_cpr(0)
    await gw.record_consent(cpr, categories=["health.wellbeing"])
    async with gw.services.engine.begin() as conn:
        await conn.exec_driver_sql("ALTER TABLE consents RENAME TO consents_gone")
    gw.transport.requested_urls.clear()
    response = await post_view(gw, cpr)
    assert response.status_code == 503
    assert response.json()["code"] == "consent_store_unavailable"
    assert gw.transport.requested_urls == []
