"""Fault-injection matrix: each dependency × each way it fails → what the caller gets.

Invariant 2 under faults. For every row: with the fault active, a caseworker asks for the
shared view of a citizen who consented (or records a consent); the answer must be the row's
expected outcome — a clear 503 with nothing released and no department system asked, or a
200 whose failed department shows as ``unavailable``, or a 200 whose audit entries wait for
the sequencer. Then the fault heals, and for every row: a new view works, every view that
returned data has its intent and outcome entries, no outcome exists without its intent, the
sequencer catches up, and ``tvaers audit export`` + ``tvaers audit verify full`` accept the
log (except where the fault is a forged signature, which verification must catch).

The table prints at the end of the run and is kept in ``docs/security-tests.md``.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import pytest
from sqlalchemy import select
from typer.testing import CliRunner, Result

from gateway.audit.entries.models import AuditEntryRow
from gateway.cli import app as cli_app
from gateway.consent.models import ConsentRow
from gateway.views import service as view_service
from tests.harness import Harness, demo_cpr, running_gateway
from tests.reliability import faults
from tests.reliability.faults import Injection, sequencer_of
from tests.security.report import check_or_write_doc, markdown_table, publish

Check = Literal["refused", "sections", "deferred", "detected", "not_recorded"]

HANG_DEADLINE_S = 1.0


@dataclass(frozen=True)
class Fault:
    dependency: str
    mode: str
    injection: str  # how the fault is made (documentation)
    inject: Injection
    check: Check
    outcome: str  # what the caller must get (documentation)
    error: str | None = None
    unavailable: tuple[str, ...] = ()
    departments_asked: bool = False  # the fault strikes after the fan-out


REFUSED = "503 `{error}`; no department asked; no data; an error entry where the store works"
SECTIONS = "200; {dept} sections `unavailable` with a reason, the others granted"
DEFERRED = "200 with data (entries are durable); sequenced and signed after recovery"

FAULTS: tuple[Fault, ...] = (
    Fault(
        "consent store", "raises", "driver I/O error on reading consents",
        faults.consent_store_raises, "refused", REFUSED, "consent_store_unavailable",
    ),
    Fault(
        "consent store", "hangs", "read never returns (deadline 1 s in the test)",
        faults.consent_store_hangs, "refused", REFUSED, "consent_store_unavailable",
    ),
    Fault(
        "consent store", "garbage", "a consent row's categories hold `42`",
        faults.consent_store_garbage, "refused", REFUSED, "consent_store_unavailable",
    ),
    Fault(
        "consent store", "disk full", "ENOSPC when recording a consent",
        faults.consent_store_disk_full, "not_recorded",
        "503 `store_unavailable`; the consent is not stored", "store_unavailable",
    ),
    Fault(
        "audit store", "raises", "driver I/O error on writing the intent",
        faults.audit_store_raises, "refused", REFUSED, "audit_unavailable",
    ),
    Fault(
        "audit store", "raises", "the outcome's commit fails (departments already answered)",
        faults.audit_outcome_raises, "refused", "503 `audit_unavailable`; no data",
        "audit_unavailable", departments_asked=True,
    ),
    Fault(
        "audit store", "hangs", "append never returns (deadline 1 s in the test)",
        faults.audit_store_hangs, "refused", REFUSED, "audit_unavailable",
    ),
    Fault(
        "audit store", "disk full", "ENOSPC from the driver on every audit insert",
        faults.audit_store_disk_full, "refused", REFUSED, "audit_unavailable",
    ),
    Fault(
        "database", "read-only", "every connection read-only (`query_only` / READ ONLY)",
        faults.database_read_only, "refused", REFUSED, "audit_unavailable",
    ),
    Fault(
        "policy engine", "raises", "the native engine raises",
        faults.policy_raises, "refused", REFUSED, "policy_unavailable",
    ),
    Fault(
        "policy engine", "hangs", "decide never returns (deadline 1 s in the test)",
        faults.policy_hangs, "refused", REFUSED, "policy_unavailable",
    ),
    Fault(
        "policy engine", "garbage", 'answers `{"allow": true, "grants": "*"}`',
        faults.policy_garbage, "refused", REFUSED, "policy_unavailable",
    ),
    Fault(
        "sequencer", "raises", "driver I/O error on every sequencer write",
        faults.sequencer_raises, "deferred", DEFERRED,
    ),
    Fault(
        "sequencer", "hangs", "its batch never starts",
        faults.sequencer_hangs, "deferred", DEFERRED,
    ),
    Fault(
        "sequencer", "disk full", "ENOSPC on every sequencer write",
        faults.sequencer_disk_full, "deferred", DEFERRED,
    ),
    Fault(
        "audit signing key", "raises", "signing a checkpoint raises",
        faults.audit_key_raises, "deferred", DEFERRED,
    ),
    Fault(
        "audit signing key", "garbage", "checkpoints signed with 64 zero bytes",
        faults.audit_key_garbage, "detected",
        "200; `verify full` refuses the log (bad signature): forgery is detected",
    ),
    Fault(
        "receipt signing key", "raises", "signing a consent receipt raises",
        faults.receipt_key_raises, "not_recorded",
        "503 `store_unavailable`; the consent is not stored", "store_unavailable",
    ),
    *(
        Fault(
            f"{dept} connector", mode, how, faults.simulator_fault(dept, **config),
            "sections", SECTIONS.format(dept=dept), unavailable=(dept,),
        )
        for dept in ("jobcenter", "social", "health")
        for mode, how, config in (
            ("raises", "HTTP 500 from the system", {"fault": "error500"}),
            (
                "hangs",
                "no answer for 5 s (timeout 1 s)",
                {"fault": "timeout", "timeout_s": 5.0},
            ),
            ("garbage", "truncated JSON with HTTP 200", {"fault": "malformed"}),
        )
    ),
)  # fmt: skip


def fault_table() -> str:
    rows = [
        (f.dependency, f.mode, f.injection, f.outcome.format(error=f.error, dept=""))
        for f in FAULTS
    ]
    header = ["dependency", "failure", "injected as", "the caller gets (then: log verifies)"]
    return markdown_table(header, rows)


def test_fault_table_is_documented() -> None:
    table = fault_table()
    publish("fault-injection matrix (dependency × failure → outcome)", table)
    check_or_write_doc("fault-matrix", table)


# --------------------------------------------------------------------------- the scenario


async def audit_entries(gw: Harness) -> list[dict[str, Any]]:
    async with gw.services.sessions() as session:
        rows = (await session.scalars(select(AuditEntryRow).order_by(AuditEntryRow.seq))).all()
    return [json.loads(r.body) for r in rows if r.body]


async def view(gw: Harness, cpr: str) -> Any:
    return await gw.client.post(
        "/v1/views",
        json={"cpr": cpr, "purpose": "tvaerfagligt_team"},
        headers=await gw.auth("sagsbehandler-jobcenter"),
    )


def cli(gw: Harness, *args: str) -> Result:
    settings = gw.services.settings
    env = {
        "TVAERS_DATA_DIR": str(settings.data_dir),
        "TVAERS_DATABASE_URL": settings.database_url,
        "TVAERS_ENV": "test",
    }
    return CliRunner().invoke(cli_app, list(args), env=env)


def export_and_verify(gw: Harness, out: Path) -> Result:
    exported = cli(gw, "audit", "export", "--out", str(out), "--no-progress")
    assert exported.exit_code == 0, exported.output
    key = cli(gw, "audit", "public-key")
    assert key.exit_code == 0, key.output
    return cli(
        gw, "audit", "verify", "full", "--export", str(out), "--key", key.stdout.strip(),
        "--jobs", "1", "--no-progress",
    )  # fmt: skip


async def record_consent(gw: Harness, cpr: str) -> Any:
    return await gw.client.post(
        "/v1/consents",
        json={
            "cpr": cpr,
            "purpose": "tvaerfagligt_team",
            "categories": ["social.services"],
            "recipient_departments": ["jobcenter"],
            "valid_until": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
            "collection_method": "written_form",
            "evidence_ref": "fault-matrix",
        },
        headers=await gw.auth("sagsbehandler-jobcenter"),
    )


async def consent_count(gw: Harness) -> int:
    async with gw.services.sessions() as session:
        return len((await session.scalars(select(ConsentRow.consent_id))).all())


async def during_fault(gw: Harness, fault: Fault, cpr: str) -> list[str]:
    """Exercise the gateway under the fault; return request ids of views that gave data."""
    if fault.check == "not_recorded":
        before = await consent_count(gw)
        response = await record_consent(gw, cpr)
        assert response.status_code == 503, response.text
        assert response.json()["code"] == fault.error
        assert await consent_count(gw) == before, "a consent was stored despite the 503"
        return []
    gw.transport.requested_urls.clear()
    response = await view(gw, cpr)
    if fault.check == "refused":
        assert response.status_code == 503, response.text
        assert response.json()["code"] == fault.error
        assert "records" not in response.text
        if not fault.departments_asked:
            assert gw.transport.requested_urls == [], "a department was asked"
        return []
    assert response.status_code == 200, response.text
    sections = {s["category"]: s for s in response.json()["sections"]}
    for category, section in sections.items():
        department = category.split(".", 1)[0]
        if section["status"] == "withheld":
            continue
        if department in fault.unavailable:
            assert section["status"] == "unavailable", section
            assert section.get("records") in (None, [])
            assert section["reason"]["code"] in ("timeout", "unavailable", "rejected")
        else:
            assert section["status"] == "granted", section
    assert any(s["status"] == "granted" for s in sections.values())
    if fault.check == "deferred":
        assert await sequencer_of(gw).needs_work(), "entries were sequenced despite the fault"
    return [response.headers["x-request-id"]]


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f"{f.dependency}-{f.mode}-{f.check}")
@pytest.mark.usefixtures("database_url")
async def test_fault(fault: Fault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with running_gateway(tmp_path / "gw") as gw:
        cpr = demo_cpr(0)
        consent = await gw.record_consent(cpr)  # health.wellbeing, social.services
        assert consent["consent"]["status"] == "active"
        released: list[str] = []
        ok = await view(gw, cpr)
        assert ok.status_code == 200
        released.append(ok.headers["x-request-id"])
        await sequencer_of(gw).flush()

        with pytest.MonkeyPatch.context() as mp:
            if fault.mode == "hangs":
                # Short deadlines while the fault lasts: a hang takes a second, not ten.
                monkeypatch.setattr(view_service, "STORE_TIMEOUT_S", HANG_DEADLINE_S)
                monkeypatch.setattr(view_service, "POLICY_TIMEOUT_S", HANG_DEADLINE_S)
            async with fault.inject(gw, mp):
                released += await during_fault(gw, fault, cpr)
            monkeypatch.undo()

        # Healed: the gateway serves again, and nothing that was released is unaccounted for.
        again = await view(gw, cpr)
        assert again.status_code == 200, again.text
        released.append(again.headers["x-request-id"])
        if fault.check == "not_recorded":
            assert (await record_consent(gw, cpr)).status_code == 201
        await sequencer_of(gw).flush()
        entries = await audit_entries(gw)
        views = [e for e in entries if e["action"] == "view.read"]
        for request_id in released:
            phases = sorted(e["phase"] for e in views if e["request_id"] == request_id)
            assert phases == ["intent", "outcome"], (request_id, phases)
        intents = {e["decision_id"] for e in views if e["phase"] == "intent"}
        for outcome in (e for e in views if e["phase"] == "outcome" and e.get("decision_id")):
            assert outcome["decision_id"] in intents, "an outcome without its intent"
        if fault.check == "refused" and fault.error != "audit_unavailable":
            reasons = [e.get("reason") for e in views if e["outcome"] == "error"]
            assert fault.error in reasons, "no audit attempt for the refused request"

        result = await asyncio.to_thread(export_and_verify, gw, tmp_path / "export")
        if fault.check == "detected":
            assert result.exit_code != 0, result.output
            assert "signature" in result.output.lower(), result.output
        else:
            assert result.exit_code == 0, result.output
