"""One audit sequencer in its own process, for the multi-process test.

``python -m tests.db.sequencer_worker URL KEY_FILE ORIGIN LEASE_S`` runs the real
``Sequencer`` with the lock the gateway would use (PostgreSQL advisory lock, SQLite lease) and
prints a JSON line whenever its leadership changes. It runs until it is killed.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from gateway.audit.notes import NoteSigner
from gateway.audit.sequencer import PostgresAdvisoryLock, Sequencer, SqliteLease, create_log_engine
from gateway.db import make_sessionmaker
from gateway.keys import load_ed25519


async def run(url: str, key_file: Path, origin: str, lease_s: float) -> None:
    engine = create_log_engine(url)
    lock = (
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
    shown: bool | None = None
    while True:
        if sequencer.is_leader != shown:
            shown = sequencer.is_leader
            sys.stdout.write(json.dumps({"leader": shown}) + "\n")
            sys.stdout.flush()
        await asyncio.sleep(0.02)


if __name__ == "__main__":
    asyncio.run(run(sys.argv[1], Path(sys.argv[2]), sys.argv[3], float(sys.argv[4])))
