"""All SQL of the shared state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.shared_state.models import JobRow, RateWindowRow


class SharedStateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def count_hit(self, key_hash: str, *, window_start: int, expires_at: int) -> int:
        """Add one hit to the key's window atomically; return the window's hits so far."""
        dialect = self._session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        values = insert(RateWindowRow).values(
            key_hash=key_hash, window_start=window_start, hits=1, expires_at=expires_at
        )
        upsert = values.on_conflict_do_update(
            index_elements=[RateWindowRow.key_hash, RateWindowRow.window_start],
            set_={"hits": RateWindowRow.hits + 1},
        ).returning(RateWindowRow.hits)
        hits = await self._session.scalar(upsert)
        assert hits is not None
        return int(hits)

    async def drop_expired_windows(self, *, now: int) -> None:
        await self._session.execute(delete(RateWindowRow).where(RateWindowRow.expires_at < now))

    async def add_job(self, row: JobRow) -> None:
        self._session.add(row)
        await self._session.flush()

    async def job(self, job_id: str) -> JobRow | None:
        return await self._session.get(JobRow, job_id)

    async def running_jobs(self, kind: str) -> list[JobRow]:
        found = await self._session.scalars(
            select(JobRow).where(JobRow.kind == kind, JobRow.running.is_(True))
        )
        return list(found)

    async def publish_job(self, job_id: str, *, state: str, running: bool, now: datetime) -> None:
        await self._session.execute(
            update(JobRow)
            .where(JobRow.job_id == job_id)
            .values(state=state, running=running, updated_at=now)
        )

    async def drop_old_jobs(self, kind: str, *, keep: int) -> None:
        newest = select(JobRow.job_id).where(JobRow.kind == kind)
        newest = newest.order_by(JobRow.started_at.desc()).limit(keep)
        await self._session.execute(
            delete(JobRow).where(JobRow.kind == kind, JobRow.job_id.not_in(newest))
        )

    async def lock_job_kind(self, kind: str) -> None:
        """Serialise job starts of one kind until this transaction ends (PostgreSQL)."""
        if self._session.get_bind().dialect.name == "postgresql":
            await self._session.execute(
                text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"tvaers-job:{kind}"}
            )
