"""Background jobs whose progress any replica can report (e.g. the DPO's "verify now").

The replica that runs a job publishes its state (JSON) every few hundred milliseconds; a
poll on any other replica reads it. A job whose replica died stops being refreshed and is
reported as stale after ``stale_after``, so a new one may start.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.shared_state.models import JobRow
from gateway.shared_state.repository import SharedStateRepository

KEEP_JOBS = 5


@dataclass(frozen=True)
class JobView:
    job_id: str
    kind: str
    running: bool
    stale: bool
    state: dict[str, Any]
    started_at: datetime
    updated_at: datetime


class JobStore(Protocol):
    async def start(
        self, kind: str, *, job_id: str, state: dict[str, Any], now: datetime
    ) -> tuple[JobView, bool]:
        """Create a running job, unless a live one of ``kind`` exists: (job, created)."""
        ...

    async def publish(
        self, job_id: str, *, state: dict[str, Any], running: bool, now: datetime
    ) -> None:
        """Replace the job's published state."""
        ...

    async def get(self, job_id: str, *, now: datetime) -> JobView | None:
        """The job as last published, or ``None``."""
        ...


def _view(row: JobRow, *, now: datetime, stale_after: timedelta) -> JobView:
    stale = row.running and row.updated_at < now - stale_after
    return JobView(
        job_id=row.job_id,
        kind=row.kind,
        running=row.running and not stale,
        stale=stale,
        state=json.loads(row.state),
        started_at=row.started_at,
        updated_at=row.updated_at,
    )


class MemoryJobStore:
    """This process's jobs (the embedded default)."""

    def __init__(self, *, stale_after: timedelta = timedelta(seconds=30)) -> None:
        self._rows: dict[str, JobRow] = {}
        self._stale_after = stale_after

    async def start(
        self, kind: str, *, job_id: str, state: dict[str, Any], now: datetime
    ) -> tuple[JobView, bool]:
        for row in self._rows.values():
            view = _view(row, now=now, stale_after=self._stale_after)
            if row.kind == kind and view.running:
                return view, False
        row = JobRow(
            job_id=job_id,
            kind=kind,
            running=True,
            state=json.dumps(state),
            started_at=now,
            updated_at=now,
        )
        self._rows[job_id] = row
        for old in sorted(self._rows.values(), key=lambda r: r.started_at)[:-KEEP_JOBS]:
            del self._rows[old.job_id]
        return _view(row, now=now, stale_after=self._stale_after), True

    async def publish(
        self, job_id: str, *, state: dict[str, Any], running: bool, now: datetime
    ) -> None:
        row = self._rows.get(job_id)
        if row is not None:
            row.state, row.running, row.updated_at = json.dumps(state), running, now

    async def get(self, job_id: str, *, now: datetime) -> JobView | None:
        row = self._rows.get(job_id)
        return None if row is None else _view(row, now=now, stale_after=self._stale_after)


class DatabaseJobStore:
    """Jobs in the gateway's database, visible to every replica."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        stale_after: timedelta = timedelta(seconds=30),
    ) -> None:
        self._sessions = sessions
        self._stale_after = stale_after

    async def start(
        self, kind: str, *, job_id: str, state: dict[str, Any], now: datetime
    ) -> tuple[JobView, bool]:
        async with self._sessions() as session, session.begin():
            repo = SharedStateRepository(session)
            await repo.lock_job_kind(kind)
            for row in await repo.running_jobs(kind):
                view = _view(row, now=now, stale_after=self._stale_after)
                if view.running:
                    return view, False
            row = JobRow(
                job_id=job_id,
                kind=kind,
                running=True,
                state=json.dumps(state),
                started_at=now,
                updated_at=now,
            )
            await repo.add_job(row)
            await repo.drop_old_jobs(kind, keep=KEEP_JOBS)
            return _view(row, now=now, stale_after=self._stale_after), True

    async def publish(
        self, job_id: str, *, state: dict[str, Any], running: bool, now: datetime
    ) -> None:
        async with self._sessions() as session, session.begin():
            await SharedStateRepository(session).publish_job(
                job_id, state=json.dumps(state), running=running, now=now
            )

    async def get(self, job_id: str, *, now: datetime) -> JobView | None:
        async with self._sessions() as session:
            row = await SharedStateRepository(session).job(job_id)
            return None if row is None else _view(row, now=now, stale_after=self._stale_after)
