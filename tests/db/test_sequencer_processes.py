"""Two gateway processes run the audit sequencer against one database: one leads at a time.

On PostgreSQL leadership is ``pg_try_advisory_lock`` on a dedicated connection, so a killed
leader's lock is released with its connection; on SQLite it is a lease that expires. Either
way the follower takes over and the log stays one consistent Merkle tree.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.audit.entries.models import AuditCheckpointRow, AuditEntryRow
from gateway.audit.entries.schemas import Actor, AuditEvent
from gateway.audit.entries.service import AuditWriter
from gateway.audit.proofs.merkle import leaf_hash, root_from_leaf_hashes
from gateway.audit.proofs.notes import NoteVerifier, open_checkpoint
from gateway.db import create_engine, make_sessionmaker, migrate
from gateway.keys import generate_ed25519

ORIGIN = "tvaers.test.kommune.dk/audit"
LEASE_S = 1.0
REPO = Path(__file__).resolve().parents[2]


@dataclass
class Worker:
    process: asyncio.subprocess.Process
    lines: list[dict[str, bool]] = field(default_factory=list)
    reader: asyncio.Task[None] | None = None

    async def read(self) -> None:
        assert self.process.stdout is not None
        async for raw in self.process.stdout:
            self.lines.append(json.loads(raw))

    def has_led(self) -> bool:
        return any(line["leader"] for line in self.lines)

    async def wait_leader(self, *, timeout_s: float) -> None:
        await self.wait_for(lambda: bool(self.lines) and self.lines[-1]["leader"], timeout_s)

    async def wait_tried(self, *, timeout_s: float) -> None:
        """Until the worker has tried the lock once (it is running)."""
        await self.wait_for(lambda: bool(self.lines), timeout_s)

    async def wait_for(self, done: Callable[[], bool], timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while not done():
            if self.process.returncode is not None:
                raise AssertionError(f"worker exited with {self.process.returncode}")
            if time.monotonic() > deadline:
                raise AssertionError(f"not reached within {timeout_s}s: {self.lines}")
            await asyncio.sleep(0.05)


async def spawn(url: str, key_file: Path) -> Worker:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.db.sequencer_worker",
        url,
        str(key_file),
        ORIGIN,
        str(LEASE_S),
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
    )
    worker = Worker(process)
    worker.reader = asyncio.create_task(worker.read())
    return worker


async def stop(worker: Worker) -> None:
    if worker.process.returncode is None:
        worker.process.kill()
        await worker.process.wait()
    if worker.reader is not None:
        await worker.reader


@pytest.fixture
async def log_engine(database_url: str, tmp_path: Path) -> AsyncIterator[tuple[str, AsyncEngine]]:
    url = database_url or f"sqlite+aiosqlite:///{tmp_path / 'tvaers.db'}"
    engine = create_engine(url)
    await migrate(engine)  # a no-op on the PostgreSQL template clone
    yield url, engine
    await engine.dispose()


async def append_entries(engine: AsyncEngine, count: int, *, batch: str) -> None:
    writer = AuditWriter(make_sessionmaker(engine))
    actor = Actor(user_id="sagsbehandler-jobcenter", kind="employee", department="jobcenter")
    for index in range(count):
        await writer.append(
            [
                AuditEvent(
                    phase="event",
                    action="test.sequencer",
                    outcome="success",
                    request_id=f"{batch}-{index}",
                    actor=actor,
                )
            ]
        )


async def wait_sequenced(engine: AsyncEngine, size: int, *, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    sessions = make_sessionmaker(engine)
    while True:
        async with sessions() as session:
            latest = await session.scalar(
                select(AuditCheckpointRow).order_by(AuditCheckpointRow.size.desc()).limit(1)
            )
        if latest is not None and latest.size >= size:
            return
        assert time.monotonic() < deadline, f"log stuck at {latest.size if latest else None}"
        await asyncio.sleep(0.05)


async def test_one_leader_at_a_time_and_failover(
    log_engine: tuple[str, AsyncEngine], tmp_path: Path
) -> None:
    url, engine = log_engine
    key = generate_ed25519(tmp_path / "audit.pem", development=False)
    first = await spawn(url, tmp_path / "audit.pem")
    second: Worker | None = None
    try:
        await first.wait_leader(timeout_s=30)
        second = await spawn(url, tmp_path / "audit.pem")
        await second.wait_tried(timeout_s=30)
        await append_entries(engine, 40, batch="a")
        await wait_sequenced(engine, 40)
        await asyncio.sleep(2 * LEASE_S)  # the follower has retried dozens of times by now
        assert not second.has_led(), "two leaders at once"

        first.process.kill()  # a crash: no unlock, no lease release
        await first.process.wait()
        await second.wait_leader(timeout_s=30)
        await append_entries(engine, 40, batch="b")
        await wait_sequenced(engine, 80)
    finally:
        await stop(first)
        if second is not None:
            await stop(second)

    async with make_sessionmaker(engine)() as session:
        query = select(AuditEntryRow).order_by(AuditEntryRow.leaf_index)
        rows = (await session.scalars(query)).all()
        latest = await session.scalar(
            select(AuditCheckpointRow).order_by(AuditCheckpointRow.size.desc()).limit(1)
        )
    assert [r.leaf_index for r in rows] == list(range(80)), "every entry once, no gaps"
    hashes = [leaf_hash(r.body.encode()) for r in rows if r.body is not None]
    assert [r.leaf_hash for r in rows] == hashes
    assert latest is not None and latest.size == 80
    assert latest.root_hash == root_from_leaf_hashes(hashes)
    verifier = NoteVerifier.from_public_key(ORIGIN, key.public_key().public_bytes_raw())
    checkpoint = open_checkpoint(latest.note, [verifier], origin=ORIGIN)
    assert (checkpoint.size, checkpoint.root_hash) == (80, latest.root_hash)
