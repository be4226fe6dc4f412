"""SQL for break-glass episodes and the user's recent accesses around them."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.audit.entries.models import AuditEntryRow
from gateway.breakglass.models import BreakGlassEpisodeRow
from gateway.breakglass.schemas import RecentAccess


class BreakGlassRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def by_status(self, status: str, *, limit: int = 200) -> list[BreakGlassEpisodeRow]:
        rows = await self._session.scalars(
            select(BreakGlassEpisodeRow)
            .where(BreakGlassEpisodeRow.review_status == status)
            .order_by(BreakGlassEpisodeRow.opened_at.desc())
            .limit(limit)
        )
        return list(rows)

    async def get(
        self, episode_id: str, *, for_update: bool = False
    ) -> BreakGlassEpisodeRow | None:
        query = select(BreakGlassEpisodeRow).where(BreakGlassEpisodeRow.episode_id == episode_id)
        if for_update:
            query = query.with_for_update()
        found: BreakGlassEpisodeRow | None = await self._session.scalar(query)
        return found

    async def for_citizen(self, pseudonyms: list[str]) -> list[BreakGlassEpisodeRow]:
        rows = await self._session.scalars(
            select(BreakGlassEpisodeRow)
            .where(BreakGlassEpisodeRow.citizen_pseudonym.in_(pseudonyms))
            .order_by(BreakGlassEpisodeRow.opened_at)
        )
        return list(rows)

    async def recent_accesses(self, actor_id: str, *, around: datetime) -> RecentAccess:
        since = around - timedelta(days=7)
        views, citizens = (
            await self._session.execute(
                select(
                    func.count(AuditEntryRow.seq),
                    func.count(func.distinct(AuditEntryRow.citizen_pseudonym)),
                ).where(
                    AuditEntryRow.actor_id == actor_id,
                    AuditEntryRow.action == "view.read",
                    AuditEntryRow.phase == "outcome",
                    AuditEntryRow.recorded_at >= since,
                    AuditEntryRow.recorded_at <= around + timedelta(days=1),
                )
            )
        ).one()
        episodes = await self._session.scalar(
            select(func.count(BreakGlassEpisodeRow.episode_id)).where(
                BreakGlassEpisodeRow.actor_id == actor_id,
                BreakGlassEpisodeRow.opened_at >= around - timedelta(days=90),
            )
        )
        return RecentAccess(
            views=int(views or 0),
            distinct_citizens=int(citizens or 0),
            break_glass_episodes=int(episodes or 0),
        )
