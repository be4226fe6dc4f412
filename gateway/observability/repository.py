"""SQL for readiness and the audit gauges."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.audit.entries.models import AuditEntryRow


@dataclass(frozen=True)
class AuditProgress:
    """How far the sequencer has come: tree size and what waits to be sequenced."""

    tree_size: int
    unsequenced: int
    oldest_unsequenced_at: datetime | None


class ObservabilityRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def ping(self) -> None:
        """One round trip to the database."""
        await self._session.execute(text("SELECT 1"))

    async def audit_progress(self) -> AuditProgress:
        """Read with index-backed queries only, so a scrape stays cheap on a large log.

        The tree's last leaf is found through the unique ``leaf_index`` index; what waits is
        counted in the primary-key range after that leaf's row (the sequencer takes rows in
        commit order).
        """
        last_leaf = await self._session.scalar(select(func.max(AuditEntryRow.leaf_index)))
        after_seq = 0
        if last_leaf is not None:
            found = await self._session.scalar(
                select(AuditEntryRow.seq).where(AuditEntryRow.leaf_index == last_leaf)
            )
            after_seq = int(found or 0)
        waiting = (
            await self._session.execute(
                select(func.count(), func.min(AuditEntryRow.recorded_at)).where(
                    AuditEntryRow.seq > after_seq, AuditEntryRow.leaf_index.is_(None)
                )
            )
        ).one()
        return AuditProgress(
            tree_size=0 if last_leaf is None else int(last_leaf) + 1,
            unsequenced=int(waiting[0]),
            oldest_unsequenced_at=waiting[1],
        )
