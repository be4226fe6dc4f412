"""Helpers for the transparency-log tests: demo traffic, the CLI, direct database edits."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from typer.testing import CliRunner, Result

from gateway.audit.log.sequencer import Sequencer
from gateway.cli import app as cli_app
from tests.harness import Harness, demo_cpr


def sequencer(gw: Harness) -> Sequencer:
    found = gw.app.state.audit_sequencer
    assert isinstance(found, Sequencer)
    return found


async def demo_traffic(gw: Harness, *, citizen: int = 0) -> None:
    """What the demo's curl commands do: consent, view, withdraw, view again; plus a
    citizen reading their log and a DPO searching by citizen."""
    cpr = demo_cpr(citizen)
    worker = await gw.auth("sagsbehandler-jobcenter")
    consent = await gw.record_consent(cpr)
    view = {"cpr": cpr, "purpose": "tvaerfagligt_team"}
    response = await gw.client.post("/v1/views", json=view, headers=worker)
    assert response.status_code == 200, response.text
    consent_id = consent["consent"]["consent_id"]
    response = await gw.client.post(
        f"/v1/consents/{consent_id}/withdraw",
        json={"via": "written_form", "evidence_ref": "Tilbagekaldelse j.nr. 2026-0043"},
        headers=worker,
    )
    assert response.status_code == 200, response.text
    response = await gw.client.post("/v1/views", json=view, headers=worker)
    assert response.status_code == 200, response.text
    response = await gw.client.post(
        "/v1/audit/search", json={"cpr": cpr}, headers=await gw.auth("dpo")
    )
    assert response.status_code == 200, response.text


def cli(data_dir: Path, *args: str) -> Result:
    """Run ``tvaers`` with the gateway's configuration pointing at ``data_dir``."""
    env = {"TVAERS_DATA_DIR": str(data_dir), "TVAERS_ENV": "test"}
    return CliRunner().invoke(cli_app, list(args), env=env)


def public_key(data_dir: Path) -> str:
    result = cli(data_dir, "audit", "public-key")
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def export_and_verify(data_dir: Path, out: Path, *extra: str) -> Result:
    exported = cli(data_dir, "audit", "export", "--out", str(out), "--no-progress")
    assert exported.exit_code == 0, exported.output
    key = public_key(data_dir)
    return cli(data_dir, "audit", "verify", "full", "--export", str(out), "--key", key, *extra)


def db(data_dir: Path) -> sqlite3.Connection:
    return sqlite3.connect(data_dir / "tvaers.db", timeout=30)


def execute(data_dir: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with db(data_dir) as conn:
        return list(conn.execute(sql, params).fetchall())
