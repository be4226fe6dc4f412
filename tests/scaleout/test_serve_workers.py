"""``tvaers serve --workers 2`` on each database: two worker processes behind one port that
behave as replicas — one sequencer, every audited request sequenced exactly once, tokens from
one worker good on the other (issue 16 item 4)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from connectors.simulators.seed import citizens
from gateway.audit.log.sequencer import ADVISORY_LOCK_KEY
from gateway.config import Settings
from gateway.db import create_engine

REPO = Path(__file__).resolve().parents[2]
VIEWS = 24


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def workers_of(pid: int) -> set[int]:
    """The supervisor's worker processes (not multiprocessing's resource tracker)."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            for child in (task / "children").read_text().split():
                command = Path(f"/proc/{child}/cmdline").read_bytes()
                if b"spawn_main" in command:
                    found.add(int(child))
    return found


def log_text(log: Path) -> str:
    return log.read_text(errors="replace")


def tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:]


def start_serve(port: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "gateway.cli", "serve", "--workers", "2", "--port", str(port)],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


async def wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    async with httpx.AsyncClient(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(tail(log))
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(url + "/readyz")).status_code == 200:
                    return
            await asyncio.sleep(0.2)
    raise AssertionError("gateway workers not ready:\n" + tail(log))


async def sequencer_lock_holders(engine: AsyncEngine, database_url: str) -> int:
    """How many holders the sequencer's lock has now (PostgreSQL: granted advisory locks on
    the log's key; SQLite: unexpired lease rows with a holder)."""
    async with engine.connect() as conn:
        if database_url.startswith("postgresql"):
            found = await conn.scalar(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                    "AND classid = :high AND objid = :low AND database = "
                    "(SELECT oid FROM pg_database WHERE datname = current_database())"
                ),
                {"high": ADVISORY_LOCK_KEY >> 32, "low": ADVISORY_LOCK_KEY & 0xFFFFFFFF},
            )
        else:
            found = await conn.scalar(
                text(
                    "SELECT count(*) FROM audit_sequencer_lease WHERE holder IS NOT NULL "
                    "AND expires_at > :now"
                ),
                {"now": datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")},
            )
    return int(found or 0)


@pytest.mark.slow
async def test_two_workers_share_one_sequencer(tmp_path: Path, database_url: str) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    env = {
        **os.environ,
        "TVAERS_ENV": "test",
        "TVAERS_DATA_DIR": str(tmp_path / "data"),
        "TVAERS_DATABASE_URL": database_url,
        # No department system answers: sections are `unavailable`, every view is audited.
        "TVAERS_CONNECTORS": json.dumps(
            {"jobcenter": {"base_url": f"http://127.0.0.1:{free_port()}", "timeout_s": 0.5}}
        ),
        "TVAERS_VIEW_LIMIT_PER_USER": "100000",
        "TVAERS_VIEW_LIMIT_PER_CITIZEN": "100000",
    }
    process = start_serve(port, env, log)
    try:
        await wait_ready(url, process, log)
        workers = workers_of(process.pid)
        assert len(workers) == 2, workers

        cpr = citizens()[0].cpr
        # A fresh connection per request, so the kernel spreads them over both workers.
        async with httpx.AsyncClient(
            base_url=url, timeout=30.0, limits=httpx.Limits(max_keepalive_connections=0)
        ) as client:
            token = await client.post("/dev/token", json={"username": "sagsbehandler-jobcenter"})
            headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
            answers = await asyncio.gather(
                *(
                    client.post(
                        "/v1/views",
                        json={"cpr": cpr, "purpose": "tvaerfagligt_team"},
                        headers=headers,
                    )
                    for _ in range(VIEWS)
                )
            )
        # A token issued by whichever worker answered /dev/token is good on both.
        assert [a.status_code for a in answers] == [200] * VIEWS, answers[0].text

        settings = Settings(data_dir=tmp_path / "data", database_url=database_url)
        engine = create_engine(settings.effective_database_url)
        try:
            deadline = time.monotonic() + 60
            while True:
                async with engine.connect() as conn:
                    rows = (
                        await conn.execute(
                            text("SELECT leaf_index FROM audit_entries WHERE action = 'view.read'")
                        )
                    ).all()
                    leaves = sorted(r[0] for r in rows if r[0] is not None)
                    total = (
                        await conn.execute(text("SELECT count(*) FROM audit_entries"))
                    ).scalar_one()
                    sequenced = (
                        await conn.execute(
                            text("SELECT leaf_index FROM audit_entries ORDER BY leaf_index")
                        )
                    ).all()
                if len(rows) == 2 * VIEWS and len(leaves) == len(rows):
                    break
                assert time.monotonic() < deadline, f"{len(leaves)} of {len(rows)} sequenced"
                await asyncio.sleep(0.3)
            # Every entry sequenced once, without gaps: one sequencer wrote the log.
            assert [r[0] for r in sequenced] == list(range(total))
            # And one sequencer holds the log's lock while both workers run — the other
            # stands by, it does not sequence (or sign checkpoints) on the side.
            assert await sequencer_lock_holders(engine, database_url) == 1
        finally:
            await engine.dispose()
        logged = log_text(log)
        assert logged.count("audit sequencer leadership taken") == 1, logged[-3000:]
        assert workers_of(process.pid) == workers  # no worker died on the way
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
