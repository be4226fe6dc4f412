"""Alembic migrations go up and down on both backends, and the result matches the models."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

import gateway.models  # noqa: F401  (registers every table on Base.metadata)
from gateway.db import MIGRATIONS_DIR, Base, create_engine, downgrade, migrate
from tests.db.postgres import PostgresForTests


@pytest.fixture
async def empty_engine(
    db_backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[AsyncEngine]:
    """An engine on a database with no tables at all (not the migrated template)."""
    if db_backend == "sqlite":
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
        yield engine
        await engine.dispose()
        return
    server: PostgresForTests = request.getfixturevalue("postgres_server")
    name = await server.create_database(template=None)
    engine = create_engine(server.url(name))
    try:
        yield engine
    finally:
        await engine.dispose()
        await server.drop_database(name)


def _drift(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "compare_server_default": True}
    )
    diff: list[Any] = compare_metadata(context, Base.metadata)
    return diff


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


def _revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def test_upgrade_downgrade_upgrade_without_drift(empty_engine: AsyncEngine) -> None:
    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    model_tables = set(Base.metadata.tables)

    await migrate(empty_engine)
    async with empty_engine.connect() as conn:
        assert await conn.run_sync(_revision) == head
        assert await conn.run_sync(_tables) == model_tables
        assert await conn.run_sync(_drift) == []

    await downgrade(empty_engine, revision="base")
    async with empty_engine.connect() as conn:
        assert await conn.run_sync(_revision) is None
        assert await conn.run_sync(_tables) == set()

    await migrate(empty_engine)
    async with empty_engine.connect() as conn:
        assert await conn.run_sync(_revision) == head
        assert await conn.run_sync(_drift) == []


async def test_every_revision_steps_down_and_up(empty_engine: AsyncEngine) -> None:
    """Each migration's downgrade undoes exactly its upgrade (walked one revision at a time)."""
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    revisions = [r.revision for r in reversed(list(script.walk_revisions()))]
    seen: list[set[str]] = []
    for revision in revisions:
        await migrate(empty_engine, revision=revision)
        async with empty_engine.connect() as conn:
            seen.append(await conn.run_sync(_tables))
    for index in range(len(revisions) - 1, -1, -1):
        target = revisions[index - 1] if index > 0 else "base"
        await downgrade(empty_engine, revision=target)
        async with empty_engine.connect() as conn:
            expected = seen[index - 1] if index > 0 else set()
            assert await conn.run_sync(_tables) == expected, f"downgrade from {revisions[index]}"


def test_drift_check_can_fail() -> None:
    """The comparison is not vacuous: a column missing from the database is reported."""
    from sqlalchemy import create_engine as create_sync_engine

    engine = create_sync_engine("sqlite://")
    with engine.begin() as conn:
        Base.metadata.create_all(conn)
        conn.exec_driver_sql("ALTER TABLE consents DROP COLUMN evidence_ref")
        diff = _drift(conn)
    assert any(d[0] == "add_column" and d[3].name == "evidence_ref" for d in diff), diff
