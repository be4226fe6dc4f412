"""Database engines and the request session: the one place that commits.

SQLite (WAL, ``synchronous=FULL`` so a commit is durable) is the embedded default;
PostgreSQL (asyncpg) is the production store. Migrations are Alembic's and run at
start-up (or once, by ``tvaers db upgrade``); on PostgreSQL they are serialised by a
transaction-scoped advisory lock, so replicas starting together on a fresh database take
turns instead of racing to create the same tables.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import DateTime, event, text
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# The largest integer SQL can bind (BIGINT). Endpoints bound their integer parameters by it:
# larger ones fail in the driver (SQLite OverflowError, PostgreSQL DataError) as a 500.
MAX_SQL_INTEGER = 2**63 - 1


class Base(DeclarativeBase):
    pass


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite has no timezone type)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# Taken by every migration run on PostgreSQL (distinct from the sequencer's key).
MIGRATION_LOCK_KEY = 0x7476_6165_7273_6D67  # "tvaersmg"
DEFAULT_POOL_SIZE = 20
DEFAULT_MAX_OVERFLOW = 20


def create_engine(
    url: str,
    *,
    pool_size: int = DEFAULT_POOL_SIZE,
    max_overflow: int = DEFAULT_MAX_OVERFLOW,
) -> AsyncEngine:
    """An engine with a bounded pool: at most ``pool_size + max_overflow`` connections.

    On PostgreSQL that bound, times the replicas, must stay below the server's
    ``max_connections`` (README "Deploy" counts them).
    """
    if url.startswith("sqlite"):
        # SQLite connections are cheap; the pool bounds concurrent requests, not the server.
        engine = create_async_engine(
            url, connect_args={"timeout": 30}, pool_size=pool_size, max_overflow=max_overflow
        )

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_async_engine(
        url, pool_size=pool_size, max_overflow=max_overflow, pool_pre_ping=True
    )


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config(connection: Connection) -> Config:
    """Alembic configuration that runs on ``connection`` (see ``migrations/env.py``).

    No ``sqlalchemy.url`` is set: Alembic's config is a ConfigParser, and a URL with a
    percent-encoded part (a Unix socket path, a password) breaks its interpolation.
    """
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


@functools.cache
def head_revision() -> str | None:
    """The newest migration's id (the scripts are read once per process)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def _upgrade(connection: Connection, revision: str) -> None:
    if revision == "head":
        from alembic.migration import MigrationContext

        # A restart on a current schema (every start but the first) need not load the scripts.
        current = MigrationContext.configure(connection).get_current_revision()
        if current is not None and current == head_revision():
            return
    command.upgrade(alembic_config(connection), revision)


def _downgrade(connection: Connection, revision: str) -> None:
    command.downgrade(alembic_config(connection), revision)


async def migrate(engine: AsyncEngine, *, revision: str = "head") -> None:
    """Apply Alembic migrations up to ``revision`` on ``engine``."""
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Held until this transaction ends: a second replica waits here, then finds the
            # schema current and does nothing (PostgreSQL's DDL is transactional).
            await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
        await conn.run_sync(_upgrade, revision)


class SchemaNotCurrent(RuntimeError):
    """The database is not at the newest migration (``tvaers db upgrade`` has not run)."""


def _current_and_head(connection: Connection) -> tuple[str | None, str | None]:
    from alembic.migration import MigrationContext

    current = MigrationContext.configure(connection).get_current_revision()
    return current, head_revision()


async def require_current_schema(engine: AsyncEngine) -> None:
    """Refuse to start on a schema that is behind (when replicas do not migrate)."""
    async with engine.connect() as conn:
        current, head = await conn.run_sync(_current_and_head)
    if current != head:
        raise SchemaNotCurrent(
            f"database schema is at {current or 'nothing'}, the gateway needs {head}: "
            "run `tvaers db upgrade` first"
        )


async def downgrade(engine: AsyncEngine, *, revision: str = "base") -> None:
    """Revert Alembic migrations down to ``revision`` (``base`` drops every table)."""
    async with engine.begin() as conn:
        await conn.run_sync(_downgrade, revision)


async def session_scope(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """Yield a session that commits when the request succeeds and rolls back otherwise."""
    async with factory() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
