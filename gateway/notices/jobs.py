"""Scheduled notice jobs (consent expiry) and the operator's dead-letter operations."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.catalogue.models import Catalogue
from gateway.consent.models import ConsentRow
from gateway.notices import texts
from gateway.notices.models import NoticeDeliveryRow, NoticeRow
from gateway.notices.outbox import NoticeOutbox

logger = logging.getLogger("tvaers.notices")


async def notify_expiring_consents(
    sessions: async_sessionmaker[AsyncSession],
    *,
    catalogue: Catalogue,
    channels: Sequence[str],
    now: datetime,
    within_days: int = 30,
) -> int:
    """Queue one notice per active consent that expires within ``within_days``.

    Once per consent, however often the job runs: the notice's ``dedupe_key`` is
    ``consent_expiring:<consent id>`` (unique in the table, so two replicas running the job
    at once cannot both queue it; the loser's transaction rolls back and queues nothing).
    """
    horizon = now + timedelta(days=within_days)
    queued = 0
    async with sessions() as session:
        rows = list(
            await session.scalars(
                select(ConsentRow).where(
                    ConsentRow.status == "active",
                    ConsentRow.valid_until > now,
                    ConsentRow.valid_until <= horizon,
                )
            )
        )
        outbox = NoticeOutbox(session, channels=channels)
        for row in rows:
            notice = await outbox.enqueue(
                pseudonym=row.citizen_pseudonym,
                kind="consent_expiring",
                dedupe_key=f"consent_expiring:{row.consent_id}",
                reference=row.consent_id,
                text=texts.consent_expiring(
                    catalogue, purpose=row.purpose, valid_until=row.valid_until
                ),
                now=now,
            )
            queued += notice is not None
        try:
            await session.commit()
        except IntegrityError:
            await session.rollback()
            logger.info("consent-expiry job raced another run; it queues the notices")
            return 0
    return queued


async def dead_letters(session: AsyncSession) -> list[tuple[NoticeDeliveryRow, NoticeRow]]:
    """Deliveries that gave up, newest first, with their notice."""
    result = await session.execute(
        select(NoticeDeliveryRow, NoticeRow)
        .join(NoticeRow, NoticeRow.notice_id == NoticeDeliveryRow.notice_id)
        .where(NoticeDeliveryRow.status == "dead")
        .order_by(NoticeDeliveryRow.created_at.desc())
    )
    return [(row[0], row[1]) for row in result]


async def retry_dead(session: AsyncSession, delivery_id: str, *, now: datetime) -> bool:
    """Put a dead delivery back in the queue (same message id); False if it is not dead."""
    result = await session.execute(
        update(NoticeDeliveryRow)
        .where(NoticeDeliveryRow.delivery_id == delivery_id, NoticeDeliveryRow.status == "dead")
        .values(status="pending", attempts=0, next_attempt_at=now, claimed_until=None)
    )
    return getattr(result, "rowcount", 0) == 1
