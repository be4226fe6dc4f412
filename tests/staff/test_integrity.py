"""Integrity panel, "verify now" and the signed export of a filtered result."""

from __future__ import annotations

import asyncio
import io
import json
import zipfile
from pathlib import Path

from sqlalchemy import update
from typer.testing import CliRunner

from gateway.audit.entries.models import AuditEntryRow
from gateway.cli import app as cli_app
from tests.harness import Harness
from tests.staff.conftest import demo_cpr, view


async def flush(gw: Harness) -> None:
    await gw.app.state.audit_sequencer.flush()


async def poll(gw: Harness, job_id: str) -> dict:  # type: ignore[type-arg]
    for _ in range(500):
        response = await gw.client.get(
            f"/v1/audit/integrity/verify/{job_id}", headers=await gw.auth("dpo")
        )
        body = response.json()
        if body["phase"] in ("done", "failed"):
            return body  # type: ignore[no-any-return]
        await asyncio.sleep(0.02)
    raise AssertionError("verification did not finish")


async def test_integrity_refused_to_everyone_but_the_dpo(gw: Harness) -> None:
    assert (await gw.client.get("/v1/audit/integrity")).status_code == 401
    for user in ("sagsbehandler-jobcenter", "borger-1"):
        headers = await gw.auth(user)
        assert (await gw.client.get("/v1/audit/integrity", headers=headers)).status_code == 403
        started = await gw.client.post("/v1/audit/integrity/verify", headers=headers)
        assert started.status_code == 403
        signed = await gw.client.post("/v1/audit/exports/signed", json={}, headers=headers)
        assert signed.status_code == 403


async def test_integrity_panel_checks_signature_and_consistency(gw: Harness) -> None:
    await view(gw, demo_cpr(0))
    await flush(gw)
    await view(gw, demo_cpr(1))
    await flush(gw)
    status = (await gw.client.get("/v1/audit/integrity", headers=await gw.auth("dpo"))).json()
    assert status["signature"] == "ok"
    assert status["consistency"] == "ok"
    assert status["latest"]["size"] >= 4
    assert status["previous_size"] is not None
    assert status["previous_size"] < status["latest"]["size"]


async def test_verify_now_passes_then_detects_an_edited_row(gw: Harness) -> None:
    await view(gw, demo_cpr(0))
    await view(gw, demo_cpr(1))
    await flush(gw)
    headers = await gw.auth("dpo")
    started = await gw.client.post("/v1/audit/integrity/verify", headers=headers)
    assert started.status_code == 202
    verdict = await poll(gw, started.json()["job_id"])
    assert verdict["ok"] is True, verdict["error"]
    assert verdict["percent"] == 100
    assert verdict["entries"] == verdict["verified_size"] >= 4
    # Someone with database access edits an entry: the signed checkpoint no longer matches.
    async with gw.services.sessions() as session:
        row = await session.get(AuditEntryRow, 1)
        assert row is not None
        assert row.body is not None
        tampered = row.body.replace('"view.read"', '"view.reed"')
        await session.execute(
            update(AuditEntryRow).where(AuditEntryRow.seq == 1).values(body=tampered)
        )
        await session.commit()
    again = await gw.client.post("/v1/audit/integrity/verify", headers=headers)
    failed = await poll(gw, again.json()["job_id"])
    assert failed["ok"] is False
    assert failed["phase"] == "failed"
    assert failed["failure_index"] == 0


async def test_signed_export_of_one_citizen_verifies_offline(gw: Harness, tmp_path: Path) -> None:
    cpr = demo_cpr(0)
    await gw.record_consent(cpr, categories=["social.services"])
    mine = await view(gw, cpr)
    await view(gw, demo_cpr(1))
    await flush(gw)
    response = await gw.client.post(
        "/v1/audit/exports/signed", json={"cpr": cpr}, headers=await gw.auth("dpo")
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        archive.extractall(tmp_path)
    export = tmp_path / "tvaers-audit-export"
    lines = (export / "entries.jsonl").read_text(encoding="utf-8").splitlines()
    embedded = [json.loads(line)["entry"] for line in lines if '"entry":' in line]
    assert [e["request_id"] for e in embedded] == [mine["request_id"]]
    assert len(lines) >= 5  # the other entries are there, by hash only
    assert cpr not in response.content.decode("latin-1")
    selection = json.loads((export / "selection.json").read_text(encoding="utf-8"))
    assert selection["selected_entries"] == 1
    assert "cpr" not in selection["filter"]
    key = (await gw.client.get("/v1/audit/public-key")).json()["verifier_key"]
    result = CliRunner().invoke(
        cli_app, ["audit", "verify", "full", "--export", str(export), "--key", key]
    )
    assert result.exit_code == 0, result.output
    # Changing the one embedded entry is detected.
    lines = [line.replace("sagsbehandler-jobcenter", "sagsbehandler-jobcentre") for line in lines]
    (export / "entries.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    tampered = CliRunner().invoke(
        cli_app, ["audit", "verify", "full", "--export", str(export), "--key", key]
    )
    assert tampered.exit_code == 1


async def test_signed_export_before_any_checkpoint_is_a_conflict(gw: Harness) -> None:
    response = await gw.client.post(
        "/v1/audit/exports/signed", json={}, headers=await gw.auth("dpo")
    )
    # A fresh log may already hold the empty checkpoint; either way the answer is clear.
    assert response.status_code in (200, 409)
