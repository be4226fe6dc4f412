"""Durable appends through the gateway's ``AuditWriter`` (group commit), SQLite and PostgreSQL.

One writer calling ``append`` in a loop (each call waits for its own commit), then
``writers`` concurrent callers (as concurrent requests would): entries per second, and the
p50/p99 time a caller waits for its durable commit.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.audit.entries.schemas import Actor, AuditEvent, CategoryOutcome, CitizenRef
from gateway.audit.entries.service import AuditWriter
from gateway.db import create_engine, make_sessionmaker, migrate


def entry(n: int) -> AuditEvent:
    return AuditEvent(
        phase="intent",
        action="view.read",
        outcome="permitted",
        request_id=f"00000000-0000-4000-8000-{n:012d}",
        actor=Actor(
            user_id="sagsbehandler-jobcenter",
            kind="employee",
            department="jobcenter",
            roles=["caseworker"],
        ),
        purpose="tvaerfagligt_team",
        citizen=CitizenRef(pseudonym="p" * 43, key_id="k1"),
        categories=CategoryOutcome(
            requested=["health.wellbeing", "social.services"],
            granted=["health.wellbeing", "social.services"],
        ),
        decision_id=f"00000000-0000-4000-9000-{n:012d}",
        policy_version="bench",
    )


async def _appends(
    writer: AuditWriter, *, writers: int, seconds: float, max_calls: int
) -> dict[str, Any]:
    waits: list[float] = []
    counter = 0
    deadline = time.perf_counter() + seconds

    async def one() -> None:
        nonlocal counter
        while time.perf_counter() < deadline and counter < max_calls:
            counter += 1
            started = time.perf_counter()
            await writer.append([entry(counter)])
            waits.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(writers)))
    elapsed = time.perf_counter() - started
    waits.sort()
    return {
        "writers": writers,
        "entries": len(waits),
        "entries_per_s": round(len(waits) / elapsed, 1),
        "p50_ms": round(waits[len(waits) // 2] * 1000, 3),
        "p99_ms": round(waits[min(len(waits) - 1, int(len(waits) * 0.99))] * 1000, 3),
    }


async def measure(
    engine: AsyncEngine, *, seconds: float, max_calls: int, writers: int
) -> dict[str, Any]:
    writer = AuditWriter(make_sessionmaker(engine))
    await _appends(writer, writers=1, seconds=min(0.5, seconds), max_calls=50)  # warm-up
    return {
        "single": await _appends(writer, writers=1, seconds=seconds, max_calls=max_calls),
        "concurrent": await _appends(writer, writers=writers, seconds=seconds, max_calls=max_calls),
    }


async def sqlite_appends(
    path: str, *, seconds: float, max_calls: int, writers: int
) -> dict[str, Any]:
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        await migrate(engine)
        return await measure(engine, seconds=seconds, max_calls=max_calls, writers=writers)
    finally:
        await engine.dispose()


async def url_appends(url: str, *, seconds: float, max_calls: int, writers: int) -> dict[str, Any]:
    engine = create_engine(url)
    try:
        return await measure(engine, seconds=seconds, max_calls=max_calls, writers=writers)
    finally:
        await engine.dispose()
