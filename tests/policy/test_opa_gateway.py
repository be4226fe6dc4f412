"""The gateway on the OPA server engine: same views, and fail closed when OPA is gone or slow."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from gateway.app import Overrides
from gateway.audit.entries.models import AuditEntryRow
from gateway.policy import OpaServerEngine
from tests.harness import Harness, demo_cpr, running_gateway
from tests.policy.conftest import RunningOpa
from tests.policy.opa_rest_server import free_port


async def audit_entries(gw: Harness, request_id: str) -> list[dict[str, Any]]:
    async with gw.services.sessions() as session:
        rows = (await session.scalars(select(AuditEntryRow).order_by(AuditEntryRow.seq))).all()
    entries = [json.loads(row.body) for row in rows if row.body]
    return [entry for entry in entries if entry["request_id"] == request_id]


async def post_view(gw: Harness) -> Any:
    return await gw.client.post(
        "/v1/views",
        json={"cpr": demo_cpr(0), "purpose": "tvaerfagligt_team"},
        headers=await gw.auth("sagsbehandler-jobcenter"),
    )


@pytest.mark.usefixtures("database_url")
async def test_view_through_opa_reports_the_bundle_revision(
    tmp_path: Path, opa_rest: RunningOpa
) -> None:
    opa_rest.server.revision = "bundle-rev-42"
    async with running_gateway(tmp_path, policy_engine="opa", opa_url=opa_rest.url) as gw:
        assert isinstance(gw.services.policy, OpaServerEngine)
        await gw.record_consent(demo_cpr(0), categories=["health.wellbeing"])
        response = await post_view(gw)
        assert response.status_code == 200, response.text
        mine = await audit_entries(gw, response.headers["x-request-id"])
        assert [entry["phase"] for entry in mine] == ["intent", "outcome"]
        assert {entry["policy_version"] for entry in mine} == {"bundle-rev-42"}
        # The intent records what the policy granted, before any connector runs.
        assert "health.wellbeing" in mine[0]["categories"]["granted"]


async def assert_fails_closed(gw: Harness) -> None:
    await gw.record_consent(demo_cpr(0), categories=["health.wellbeing"])
    gw.transport.requested_urls.clear()
    response = await post_view(gw)
    assert response.status_code == 503
    assert response.json()["error"] == "policy_unavailable"
    assert "records" not in response.text
    assert gw.transport.requested_urls == []  # no connector was called
    mine = await audit_entries(gw, response.headers["x-request-id"])
    assert [(entry["outcome"], entry["reason"]) for entry in mine] == [
        ("error", "policy_unavailable")
    ]


@pytest.mark.usefixtures("database_url")
async def test_unreachable_opa_gives_503_audited_and_no_connector_call(tmp_path: Path) -> None:
    engine = OpaServerEngine(f"http://127.0.0.1:{free_port()}", timeout_s=1.0)
    try:
        async with running_gateway(tmp_path, overrides=Overrides(policy=engine)) as gw:
            await assert_fails_closed(gw)
    finally:
        await engine.aclose()


@pytest.mark.parametrize("fault", ["slow", "error"])
@pytest.mark.usefixtures("database_url")
async def test_slow_or_failing_opa_gives_503_audited_and_no_connector_call(
    tmp_path: Path, opa_rest: RunningOpa, fault: str
) -> None:
    if fault == "slow":
        opa_rest.server.delay_s = 2.0
    else:
        opa_rest.server.fail_status = 500
    async with running_gateway(
        tmp_path, policy_engine="opa", opa_url=opa_rest.url, opa_timeout_s=0.2
    ) as gw:
        await assert_fails_closed(gw)
