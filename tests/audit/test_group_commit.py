"""AuditWriter group commit: batching keeps "returned ⇒ durably committed" and fail-closed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from gateway.audit.entries.models import AuditEntryRow
from gateway.audit.entries.schemas import Actor, AuditEvent
from gateway.audit.entries.service import AuditWriter
from gateway.db import create_engine, make_sessionmaker, migrate
from gateway.errors import AuditUnavailable


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    found = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'audit.db'}")
    await migrate(found)
    yield found
    await found.dispose()


def event(request_id: str, phase: str = "intent") -> AuditEvent:
    return AuditEvent(
        phase=phase,  # type: ignore[arg-type]
        action="view.read",
        outcome="permitted",
        request_id=request_id,
        actor=Actor(user_id="bench", kind="employee", department="jobcenter"),
    )


class CountingWriter(AuditWriter):
    """Records each transaction's entries; can be told to fail."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], **kwargs: int) -> None:
        super().__init__(sessions, **kwargs)
        self.transactions: list[list[str]] = []
        self.fail = False

    async def _commit(self, events: list[AuditEvent]) -> None:
        self.transactions.append([e.request_id for e in events])
        await asyncio.sleep(0.01)  # a slow fsync, so callers pile up behind it
        if self.fail:
            raise OSError("disk full")
        await super()._commit(events)


async def committed_request_ids(sessions: async_sessionmaker[AsyncSession]) -> set[str]:
    async with sessions() as session:
        return set((await session.scalars(select(AuditEntryRow.request_id))).all())


async def test_concurrent_callers_share_transactions_and_each_returns_after_its_commit(
    engine: AsyncEngine,
) -> None:
    sessions = make_sessionmaker(engine)
    writer = CountingWriter(sessions)
    seen_after_return: dict[str, bool] = {}

    async def one(n: int) -> None:
        await writer.append([event(f"r{n}"), event(f"r{n}", "outcome")])
        # Read through a separate session: the caller's entries must already be committed.
        seen_after_return[f"r{n}"] = f"r{n}" in await committed_request_ids(sessions)

    await asyncio.gather(*(one(n) for n in range(40)))

    assert seen_after_return == {f"r{n}": True for n in range(40)}
    assert len(writer.transactions) < 40  # batched: fewer transactions than callers
    for transaction in writer.transactions:  # a call's two entries never straddle transactions
        for request_id in set(transaction):
            assert transaction.count(request_id) == 2
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(AuditEntryRow)) == 80


async def test_a_failed_transaction_fails_every_caller_in_it_and_commits_nothing(
    engine: AsyncEngine,
) -> None:
    sessions = make_sessionmaker(engine)
    writer = CountingWriter(sessions)
    writer.fail = True

    results = await asyncio.gather(
        *(writer.append([event(f"f{n}")]) for n in range(20)), return_exceptions=True
    )

    assert all(isinstance(r, AuditUnavailable) for r in results)
    assert await committed_request_ids(sessions) == set()

    writer.fail = False  # the writer recovers for later callers
    await writer.append([event("later")])
    assert await committed_request_ids(sessions) == {"later"}


async def test_batches_are_bounded_but_never_split_a_call(engine: AsyncEngine) -> None:
    writer = CountingWriter(make_sessionmaker(engine), max_batch_entries=4)

    await asyncio.gather(*(writer.append([event(f"b{n}")] * 1) for n in range(10)))
    await writer.append([event("big") for _ in range(6)])

    assert all(len(t) <= 4 for t in writer.transactions[:-1])
    assert writer.transactions[-1] == ["big"] * 6


async def test_cancelled_writer_fails_waiting_callers_closed(engine: AsyncEngine) -> None:
    writer = CountingWriter(make_sessionmaker(engine))
    waiting = [asyncio.create_task(writer.append([event(f"c{n}")])) for n in range(5)]
    await asyncio.sleep(0)  # the flusher has started its first (slow) commit
    assert writer._flusher is not None
    writer._flusher.cancel()

    results = await asyncio.gather(*waiting, return_exceptions=True)

    assert all(isinstance(r, AuditUnavailable) for r in results)
