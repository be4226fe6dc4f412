"""One audit sequencer in its own process, for the multi-process test.

``python -m tests.db.sequencer_worker URL KEY_FILE ORIGIN LEASE_S`` runs the real
``Sequencer`` with the lock the gateway would use (PostgreSQL advisory lock, SQLite lease) and
prints a JSON line with its first lock attempt's result and each change after it. It runs
until it is killed.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from gateway.audit.log.sequencer import (
    PostgresAdvisoryLock,
    Sequencer,
    SequencerLock,
    SqliteLease,
    create_log_engine,
)
from gateway.audit.proofs.notes import NoteSigner
from gateway.db import make_sessionmaker
from gateway.keys import load_ed25519


class ReportingLock:
    """The real lock; prints the first acquire result and every change after it."""

    def __init__(self, inner: SequencerLock) -> None:
        self._inner = inner
        self._last: bool | None = None

    async def acquire(self) -> bool:
        held = await self._inner.acquire()
        if held != self._last:
            self._last = held
            sys.stdout.write(json.dumps({"leader": held}) + "\n")
            sys.stdout.flush()
        return held

    async def release(self) -> None:
        await self._inner.release()


async def run(url: str, key_file: Path, origin: str, lease_s: float) -> None:
    engine = create_log_engine(url)
    lock = ReportingLock(
        PostgresAdvisoryLock(engine)
        if engine.dialect.name == "postgresql"
        else SqliteLease(make_sessionmaker(engine), lease_s=lease_s)
    )
    sequencer = Sequencer(
        engine,
        signer=NoteSigner(origin, load_ed25519(key_file)),
        origin=origin,
        lock=lock,
        interval_s=0.05,
        checkpoint_every_s=0.2,
    )
    sequencer.start()
    await asyncio.Event().wait()  # until killed


if __name__ == "__main__":
    asyncio.run(run(sys.argv[1], Path(sys.argv[2]), sys.argv[3], float(sys.argv[4])))
