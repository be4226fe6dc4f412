"""OPA's own ``decision_id`` is recorded in the view's audit entries, so an OPA decision-log
line can be joined to the audit log; the embedded engine has none and records none."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from gateway.app import Overrides
from gateway.audit.entries.models import AuditEntryRow
from gateway.policy import OpaServerEngine
from tests.harness import Harness, demo_cpr, running_gateway
from tests.policy.conftest import RunningOpa


async def view_entries(gw: Harness) -> list[dict[str, object]]:
    cpr = demo_cpr(0)
    await gw.record_consent(cpr)
    response = await gw.client.post(
        "/v1/views",
        json={"cpr": cpr, "purpose": "tvaerfagligt_team"},
        headers=await gw.auth("sagsbehandler-jobcenter"),
    )
    assert response.status_code == 200, response.text
    async with gw.services.sessions() as session:
        rows = await session.scalars(
            select(AuditEntryRow).where(AuditEntryRow.action == "view.read")
        )
        return [json.loads(row.body or "{}") for row in rows]


async def test_opa_decision_id_is_in_the_audit_entries(
    tmp_path: Path, opa_rest: RunningOpa, opa_engine: OpaServerEngine
) -> None:
    async with running_gateway(tmp_path, overrides=Overrides(policy=opa_engine)) as gw:
        entries = await view_entries(gw)
    issued = opa_rest.server.decision_ids[-1]
    assert [e["phase"] for e in entries] == ["intent", "outcome"]
    assert all(e["opa_decision_id"] == issued for e in entries)
    assert all(e["decision_id"] != issued for e in entries)  # the gateway's own id stays


async def test_without_decision_logs_nothing_is_invented(
    tmp_path: Path, opa_rest: RunningOpa, opa_engine: OpaServerEngine
) -> None:
    opa_rest.server.decision_logging = False
    try:
        async with running_gateway(tmp_path, overrides=Overrides(policy=opa_engine)) as gw:
            entries = await view_entries(gw)
    finally:
        opa_rest.server.decision_logging = True
    assert entries and all("opa_decision_id" not in e for e in entries)


async def test_the_embedded_engine_records_no_opa_decision_id(tmp_path: Path) -> None:
    async with running_gateway(tmp_path) as gw:
        entries = await view_entries(gw)
    assert entries and all("opa_decision_id" not in e for e in entries)
