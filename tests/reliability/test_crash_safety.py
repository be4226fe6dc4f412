"""Crash safety: SIGKILL the gateway mid-load, start it again, three times over.

A real process (``tests/reliability/launcher.py``: uvicorn on 127.0.0.1, SQLite in a temp
directory) serves concurrent shared views; the test kills it with SIGKILL while requests are
in flight, restarts it on the same directory, and after every cycle checks:

* every view response the client received with data has its intent and outcome entries
  (invariant 2: nothing released without a durable audit trail);
* no outcome entry exists without its intent;
* the sequencer resumes: every committed entry gets a leaf index and a signed checkpoint
  covers the whole log, including the entries written before the kill;

and at the end ``tvaers audit export`` + ``tvaers audit verify full`` accept the log.

SQLite only, by design: the crash-consistency of one embedded database file is what is
under test (the PostgreSQL sequencer's failover is ``tests/db/test_sequencer_processes.py``).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from typer.testing import CliRunner

from gateway.audit.entries.models import AuditEntryRow
from gateway.cli import app as cli_app
from gateway.db import create_engine, make_sessionmaker
from tests.harness import demo_cpr

ROOT = Path(__file__).resolve().parents[2]
CYCLES = 3
CONCURRENCY = 12  # requests in flight at any time: bounded, on 127.0.0.1 only
KILL_AFTER = 40  # responses received in a cycle before the SIGKILL
CITIZENS = 3


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Gateway:
    """One launcher process; ``kill`` is SIGKILL, nothing gets to clean up."""

    def __init__(self, data_dir: Path, port: int) -> None:
        self.data_dir = data_dir
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen[bytes] | None = None
        data_dir.mkdir(parents=True, exist_ok=True)
        # A file, not a pipe: a pipe nobody reads fills up and stalls the server.
        self.log_path = data_dir.parent / "gateway.log"
        self.log = self.log_path.open("ab")

    async def start(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "TVAERS_ENV": "test"}
        self.process = subprocess.Popen(  # noqa: ASYNC220 (Popen returns at once)
            [sys.executable, "-m", "tests.reliability.launcher", "--data-dir", str(self.data_dir),
             "--port", str(self.port)],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=self.log,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        async with httpx.AsyncClient(base_url=self.url) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    stderr = self.log_path.read_text(errors="replace")[-2000:]
                    raise AssertionError(f"gateway exited at start-up: {stderr}")
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError("gateway did not start within 60 s")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.kill()
        self.log.close()


async def token(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    response = await client.post("/dev/token", json={"username": username})
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def has_data(body: dict[str, Any]) -> bool:
    return any(s["status"] == "granted" and s.get("records") for s in body.get("sections", []))


async def load_until_killed(gateway: Gateway, released: list[str]) -> tuple[int, int]:
    """Concurrent views until ``KILL_AFTER`` answers came back, then SIGKILL mid-flight.

    Returns (answers received, requests cut off by the kill).
    """
    received = cut_off = 0
    killed = asyncio.Event()
    async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as client:
        headers = await token(client, "sagsbehandler-jobcenter")

        async def worker(number: int) -> None:
            nonlocal received, cut_off
            i = number
            while not killed.is_set():
                body = {"cpr": demo_cpr(i % CITIZENS), "purpose": "tvaerfagligt_team"}
                i += CONCURRENCY
                try:
                    response = await client.post("/v1/views", json=body, headers=headers)
                except httpx.TransportError:
                    cut_off += 1  # the process died under this request: nothing received
                    return
                assert response.status_code == 200, response.text
                if has_data(response.json()):
                    released.append(response.headers["x-request-id"])
                received += 1
                if received >= KILL_AFTER and not killed.is_set():
                    killed.set()
                    gateway.kill()

        await asyncio.gather(*(worker(n) for n in range(CONCURRENCY)))
    return received, cut_off


async def audit_rows(data_dir: Path) -> list[AuditEntryRow]:
    engine = create_engine(f"sqlite+aiosqlite:///{data_dir / 'tvaers.db'}")
    try:
        async with make_sessionmaker(engine)() as session:
            return list(
                (await session.scalars(select(AuditEntryRow).order_by(AuditEntryRow.seq))).all()
            )
    finally:
        await engine.dispose()


async def wait_until_sequenced(gateway: Gateway, *, at_least: int) -> int:
    """Until a signed checkpoint covers every committed entry; return the tree size."""
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient(base_url=gateway.url) as client:
        while time.monotonic() < deadline:
            rows = await audit_rows(gateway.data_dir)
            checkpoint = await client.get("/v1/audit/checkpoint")
            size = checkpoint.json()["size"] if checkpoint.status_code == 200 else 0
            if (
                len(rows) >= at_least
                and all(r.leaf_index is not None for r in rows)
                and size == len(rows)
            ):
                return size
            await asyncio.sleep(0.2)
    raise AssertionError("the sequencer did not resume after the restart")


def check_entries(rows: list[AuditEntryRow], released: list[str]) -> None:
    bodies = [json.loads(r.body) for r in rows if r.body]
    views = [b for b in bodies if b["action"] == "view.read"]
    for request_id in released:
        phases = sorted(b["phase"] for b in views if b["request_id"] == request_id)
        assert phases == ["intent", "outcome"], f"released {request_id} with entries {phases}"
    intents = {b["decision_id"] for b in views if b["phase"] == "intent"}
    orphans = [
        b["request_id"]
        for b in views
        if b["phase"] == "outcome" and b.get("decision_id") and b["decision_id"] not in intents
    ]
    assert orphans == [], "outcome entries without their intent"
    # Intents without an outcome are the requests the kill cut off: allowed (over-recording).
    indexes = sorted(r.leaf_index for r in rows if r.leaf_index is not None)
    assert indexes == list(range(len(rows))), "leaf indexes with gaps or repeats"


def export_and_verify(data_dir: Path, out: Path) -> None:
    env = {"TVAERS_DATA_DIR": str(data_dir), "TVAERS_ENV": "test"}
    runner = CliRunner()
    exported = runner.invoke(
        cli_app, ["audit", "export", "--out", str(out), "--no-progress"], env=env
    )
    assert exported.exit_code == 0, exported.output
    key = runner.invoke(cli_app, ["audit", "public-key"], env=env)
    assert key.exit_code == 0, key.output
    args = ["audit", "verify", "full", "--export", str(out), "--key", key.stdout.strip()]
    verified = runner.invoke(cli_app, [*args, "--jobs", "1", "--no-progress"], env=env)
    assert verified.exit_code == 0, verified.output


async def test_sigkill_mid_load_loses_no_audit_entry(tmp_path: Path) -> None:
    gateway = Gateway(tmp_path / "data", free_port())
    released: list[str] = []
    try:
        await gateway.start()
        async with httpx.AsyncClient(base_url=gateway.url) as client:
            worker = await token(client, "sagsbehandler-jobcenter")
            for i in range(CITIZENS):
                consent = {
                    "cpr": demo_cpr(i),
                    "purpose": "tvaerfagligt_team",
                    "categories": ["social.services"],
                    "recipient_departments": ["jobcenter"],
                    "valid_until": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
                    "collection_method": "written_form",
                    "evidence_ref": "crash-test",
                }
                response = await client.post("/v1/consents", json=consent, headers=worker)
                assert response.status_code == 201, response.text
        size = 0
        for cycle in range(CYCLES):
            received, cut_off = await load_until_killed(gateway, released)
            assert received >= KILL_AFTER, f"cycle {cycle}: only {received} answers"
            assert cut_off > 0, f"cycle {cycle}: no request was in flight at the kill"
            await gateway.start()
            # Resumes: what was committed before the kill gets sequenced and signed now.
            rows_before = len(await audit_rows(gateway.data_dir))
            new_size = await wait_until_sequenced(gateway, at_least=rows_before)
            assert new_size > size, f"cycle {cycle}: the tree did not grow"
            size = new_size
            check_entries(await audit_rows(gateway.data_dir), released)
        assert len(released) >= CYCLES * KILL_AFTER // 2, "too few views returned data"
        # The last restarted process sequences what it writes itself, too.
        async with httpx.AsyncClient(base_url=gateway.url) as client:
            body = {"cpr": demo_cpr(0), "purpose": "tvaerfagligt_team"}
            worker = await token(client, "sagsbehandler-jobcenter")
            response = await client.post("/v1/views", json=body, headers=worker)
            assert response.status_code == 200 and has_data(response.json())
            released.append(response.headers["x-request-id"])
        assert await wait_until_sequenced(gateway, at_least=size + 2) > size
        check_entries(await audit_rows(gateway.data_dir), released)
        gateway.stop()
        await asyncio.to_thread(export_and_verify, gateway.data_dir, tmp_path / "export")
    finally:
        gateway.stop()
