"""Shared state as two replicas see it: one rate-limit window, one set of jobs; and migrations
that several replicas start at once on an empty PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.db import MIGRATIONS_DIR, create_engine, make_sessionmaker, migrate
from gateway.ratelimit import RateLimited
from gateway.shared_state import SharedState
from gateway.shared_state.jobs import DatabaseJobStore
from gateway.shared_state.limits import DatabaseLimiter
from tests.db.backends import BACKENDS
from tests.db.postgres import PostgresForTests
from tests.harness import Harness, demo_cpr, running_gateway


@pytest.fixture
async def sessions(
    database_url: str, tmp_path: Path
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    url = database_url or f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"
    engine = create_engine(url)
    if not database_url:
        await migrate(engine)
    try:
        yield make_sessionmaker(engine)
    finally:
        await engine.dispose()


async def test_two_replicas_count_one_window(sessions: async_sessionmaker[AsyncSession]) -> None:
    a = SharedState(sessions, in_database=True).limiter("view-user", limit=3, window_s=60)
    b = SharedState(sessions, in_database=True).limiter("view-user", limit=3, window_s=60)
    await a.hit("user-1")
    await b.hit("user-1")
    await a.hit("user-1")
    with pytest.raises(RateLimited):
        await b.hit("user-1")  # the fourth hit, on the other replica
    await b.hit("user-2")  # another key has its own window
    other_scope = SharedState(sessions, in_database=True).limiter("web-login", limit=3, window_s=60)
    await other_scope.hit("user-1")  # and another scope too


async def test_limiter_stores_no_key_in_clear(sessions: async_sessionmaker[AsyncSession]) -> None:
    limiter = DatabaseLimiter(sessions, scope="web-login", limit=5, window_s=60)
    await limiter.hit("login:203.0.113.7")
    async with sessions() as session:
        keys = (await session.execute(text("SELECT key_hash FROM rate_windows"))).scalars().all()
    assert len(keys) == 1 and "203.0.113.7" not in keys[0] and len(keys[0]) == 64


async def test_a_new_window_starts_over(sessions: async_sessionmaker[AsyncSession]) -> None:
    now = [1_000_020.0]
    limiter = DatabaseLimiter(sessions, scope="s", limit=1, window_s=60, clock=lambda: now[0])
    await limiter.hit("k")
    with pytest.raises(RateLimited):
        await limiter.hit("k")
    now[0] += 60
    await limiter.hit("k")


async def test_jobs_are_seen_by_every_replica(sessions: async_sessionmaker[AsyncSession]) -> None:
    a, b = DatabaseJobStore(sessions), DatabaseJobStore(sessions)
    now = datetime.now(UTC)
    job, created = await a.start("audit-verify", job_id="a" * 32, state={"p": 1}, now=now)
    assert created
    again, created = await b.start("audit-verify", job_id="b" * 32, state={"p": 0}, now=now)
    assert not created and again.job_id == job.job_id  # one running job per kind
    await a.publish(job.job_id, state={"p": 50}, running=True, now=now)
    seen = await b.get(job.job_id, now=now)
    assert seen is not None and seen.state == {"p": 50} and seen.running
    # The replica running it dies: no more updates; the job turns stale and a new one may start.
    later = now + timedelta(minutes=5)
    stale = await b.get(job.job_id, now=later)
    assert stale is not None and stale.stale and not stale.running
    fresh, created = await b.start("audit-verify", job_id="c" * 32, state={}, now=later)
    assert created and fresh.job_id == "c" * 32
    assert await b.get("d" * 32, now=later) is None


@pytest.mark.skipif("postgres" not in BACKENDS, reason="PostgreSQL-only")
async def test_replicas_migrating_together_take_turns(postgres_server: PostgresForTests) -> None:
    """Three start-up migrations at once on an empty database: none fails."""
    name = await postgres_server.create_database(template=None)
    engines = [create_engine(postgres_server.url(name)) for _ in range(3)]
    try:
        results = await asyncio.gather(*(migrate(e) for e in engines), return_exceptions=True)
        assert [r for r in results if isinstance(r, BaseException)] == []
        async with engines[0].connect() as conn:
            version = await conn.scalar(text("SELECT version_num FROM alembic_version"))
        # The newest migration, whichever it is (branches add theirs; the lead re-chains).
        head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
        assert head is not None and version == head
    finally:
        for engine in engines:
            await engine.dispose()
        await postgres_server.drop_database(name)


@pytest.mark.skipif("postgres" not in BACKENDS, reason="PostgreSQL-only")
async def test_consent_action_limit_holds_across_two_replicas(
    postgres_server: PostgresForTests, tmp_path: Path
) -> None:
    """Two gateways on one PostgreSQL (the shared state in it, as `auto` picks there): an
    employee who spends the consent-action window on replica A is refused by replica B too."""
    name = await postgres_server.create_database()
    url = postgres_server.url(name)
    limits = {"consent_action_limit_per_user": 4, "consent_action_limit_window_s": 3600}
    try:
        async with (
            running_gateway(tmp_path, database_url=url, **limits) as a,
            running_gateway(tmp_path, database_url=url, **limits) as b,
        ):
            assert a.services.shared.in_database and b.services.shared.in_database
            window = int(time.time()) // 3600
            worker = "sagsbehandler-jobcenter"

            async def record(gw: Harness, who: str, index: int) -> int:
                body = {
                    "cpr": demo_cpr(index),
                    "purpose": "tvaerfagligt_team",
                    "categories": ["social.services"],
                    "recipient_departments": ["jobcenter"],
                    "valid_until": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
                    "collection_method": "written_form",
                    "evidence_ref": "journal/2026/7",
                }
                r = await gw.client.post("/v1/consents", json=body, headers=await gw.auth(who))
                return r.status_code

            codes = [await record(gw, worker, i) for i, gw in enumerate([a, b, a, b, a, b])]
            if int(time.time()) // 3600 == window:  # one fixed window throughout
                # Four in all, not four per replica: the fifth (on A) and sixth (on B) are 429.
                assert codes == [201, 201, 201, 201, 429, 429], codes
            # Another employee has a window of their own, on either replica.
            assert await record(b, "sagsbehandler-social", 0) == 201
    finally:
        await postgres_server.drop_database(name)
