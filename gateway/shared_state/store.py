"""``SharedState``: builds limiters and the job store on the configured backend."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.shared_state.jobs import DatabaseJobStore, JobStore, MemoryJobStore
from gateway.shared_state.limits import DatabaseLimiter, Limiter, MemoryLimiter


class SharedState:
    """One per process: limiters by scope name, and the job store."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession] | None, *, in_database: bool
    ) -> None:
        if in_database and sessions is None:
            raise ValueError("database-backed shared state needs the database's sessions")
        self.in_database = in_database
        self._sessions = sessions
        self._limiters: dict[str, Limiter] = {}
        self.jobs: JobStore = (
            DatabaseJobStore(sessions) if in_database and sessions else MemoryJobStore()
        )

    def limiter(self, scope: str, *, limit: int, window_s: float) -> Limiter:
        """The limiter for ``scope`` (the same object for the same scope)."""
        found = self._limiters.get(scope)
        if found is None:
            if self.in_database and self._sessions is not None:
                found = DatabaseLimiter(self._sessions, scope=scope, limit=limit, window_s=window_s)
            else:
                found = MemoryLimiter(limit=limit, window_s=window_s)
            self._limiters[scope] = found
        return found
