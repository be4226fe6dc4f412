"""Rate limits: a per-process sliding window, or fixed windows counted in the database."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Protocol

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.errors import StoreUnavailable
from gateway.ratelimit import RateLimited, RateLimiter
from gateway.shared_state.repository import SharedStateRepository
from gateway.text import Text

MESSAGE = "For mange forsøg / too many attempts; prøv igen om lidt"


class Limiter(Protocol):
    """At most ``limit`` hits per window for each key."""

    limit: int

    async def hit(self, key: str) -> None:
        """Count one hit for ``key``; raise ``RateLimited`` when the window is full."""
        ...


class MemoryLimiter:
    """This process's sliding window (the embedded default)."""

    def __init__(self, *, limit: int, window_s: float) -> None:
        self.limit = limit
        self._window = RateLimiter(limit=limit, window_s=window_s)

    async def hit(self, key: str) -> None:
        self._window.hit(key)


class DatabaseLimiter:
    """Fixed windows counted by one atomic upsert, shared by every replica.

    A fixed window lets a caller spend up to twice the limit across a window boundary; the
    in-memory sliding window does not. Keys are hashed: no address or user id is stored.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        scope: str,
        limit: int,
        window_s: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.limit = limit
        self._sessions = sessions
        self._scope = scope
        self._window = max(1, int(window_s))
        self._clock = clock
        self._calls = 0

    async def hit(self, key: str) -> None:
        now = int(self._clock())
        start = now - now % self._window
        digest = hashlib.sha256(f"{self._scope}\0{key}".encode()).hexdigest()
        self._calls += 1
        try:
            async with self._sessions() as session, session.begin():
                repo = SharedStateRepository(session)
                hits = await repo.count_hit(
                    digest, window_start=start, expires_at=start + 2 * self._window
                )
                if self._calls % 256 == 0:  # keep the table small without a separate job
                    await repo.drop_expired_windows(now=now)
        except (SQLAlchemyError, OSError) as exc:
            # Fail closed: without the shared window nothing is served (driver messages can
            # carry parameters, so only our own text goes on).
            raise StoreUnavailable(
                Text(
                    da="Grænsen for forespørgsler kan ikke kontrolleres; intet udleveres",
                    en="the rate limit cannot be checked; nothing is released",
                ),
                code="rate_limit_store_unavailable",
            ) from exc
        if hits > self.limit:
            raise RateLimited(MESSAGE)
