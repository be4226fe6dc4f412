"""The outbox worker: claims due deliveries, sends them, records the result.

At least once and idempotent: a delivery is claimed (``claimed_until``) in a committed
transaction before it is sent, marked ``sent`` only by a guarded update (``status =
'pending'``), and never picked again once ``sent``. A crash between sending and marking
resends with the same message id, which the receiver drops. Failures back off
exponentially; after ``max_attempts`` (or a permanent refusal) a delivery is ``dead`` and
listed for the operator (``tvaers notices dead``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.consent.models import CitizenRow
from gateway.keys import DataCipher
from gateway.notices.channels import (
    DeliveryFailed,
    DeliveryRejected,
    NoticeChannel,
    OutgoingNotice,
)
from gateway.notices.models import NoticeContactRow, NoticeDeliveryRow, NoticeRow

logger = logging.getLogger("tvaers.notices")

EMAIL_AAD = b"notice.email"
CPR_AAD = b"citizen.cpr"
MAX_BACKOFF = timedelta(hours=1)


@dataclass
class WorkerRun:
    """What one pass did."""

    sent: int = 0
    retried: int = 0
    dead: int = 0


class NoticeWorker:
    """Delivers due outbox rows through ``channels`` (by channel name)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        channels: Mapping[str, NoticeChannel],
        cipher: DataCipher,
        clock: Callable[[], datetime],
        max_attempts: int = 8,
        backoff_s: float = 30.0,
        lease_s: float = 120.0,
        batch: int = 20,
    ) -> None:
        self._sessions = sessions
        self._channels = dict(channels)
        self._cipher = cipher
        self._clock = clock
        self._max_attempts = max_attempts
        self._backoff = timedelta(seconds=backoff_s)
        self._lease = timedelta(seconds=lease_s)
        self._batch = batch

    def backoff(self, attempts: int) -> timedelta:
        """Delay before attempt ``attempts + 1``: doubling, capped at an hour."""
        delay: timedelta = self._backoff * (2 ** max(attempts - 1, 0))
        return min(delay, MAX_BACKOFF)

    async def run_once(self) -> WorkerRun:
        """Claim and deliver every due delivery (up to ``batch``); return the counts."""
        run = WorkerRun()
        for delivery_id in await self._claim():
            await self._deliver(delivery_id, run)
        return run

    async def _claim(self) -> list[str]:
        now = self._clock()
        async with self._sessions() as session:
            due = list(
                await session.scalars(
                    select(NoticeDeliveryRow.delivery_id)
                    .where(
                        NoticeDeliveryRow.status == "pending",
                        NoticeDeliveryRow.next_attempt_at <= now,
                        or_(
                            NoticeDeliveryRow.claimed_until.is_(None),
                            NoticeDeliveryRow.claimed_until < now,
                        ),
                        NoticeDeliveryRow.channel.in_(sorted(self._channels)),
                    )
                    .order_by(NoticeDeliveryRow.next_attempt_at)
                    .limit(self._batch)
                )
            )
            claimed: list[str] = []
            for delivery_id in due:
                # Compare-and-set: another worker (replica) may have claimed it meanwhile.
                result = await session.execute(
                    update(NoticeDeliveryRow)
                    .where(
                        NoticeDeliveryRow.delivery_id == delivery_id,
                        NoticeDeliveryRow.status == "pending",
                        or_(
                            NoticeDeliveryRow.claimed_until.is_(None),
                            NoticeDeliveryRow.claimed_until < now,
                        ),
                    )
                    .values(claimed_until=now + self._lease)
                )
                if getattr(result, "rowcount", 0) == 1:
                    claimed.append(delivery_id)
            await session.commit()
        return claimed

    async def _deliver(self, delivery_id: str, run: WorkerRun) -> None:
        async with self._sessions() as session:
            delivery = await session.get(NoticeDeliveryRow, delivery_id)
            if delivery is None or delivery.status != "pending":
                return
            notice = await session.get(NoticeRow, delivery.notice_id)
            assert notice is not None
            recipient = await self._recipient(session, delivery.channel, notice.citizen_pseudonym)
            channel = self._channels[delivery.channel]
        error: str | None = None
        permanent = False
        if recipient is None:
            error, permanent = "no_address", True
        else:
            try:
                await channel.send(
                    OutgoingNotice(
                        message_id=delivery.delivery_id,
                        kind=notice.kind,
                        recipient=recipient,
                        subject_da=notice.subject_da,
                        subject_en=notice.subject_en,
                        body_da=notice.body_da,
                        body_en=notice.body_en,
                        created_at=notice.created_at,
                    )
                )
            except DeliveryRejected as exc:
                error, permanent = str(exc)[:300], True
            except DeliveryFailed as exc:
                error = str(exc)[:300]
            except Exception as exc:  # a buggy channel must not stop the worker
                logger.error("notice channel %s failed: %s", delivery.channel, type(exc).__name__)
                error = type(exc).__name__
        await self._record(delivery, error=error, permanent=permanent, run=run)

    async def _record(
        self, delivery: NoticeDeliveryRow, *, error: str | None, permanent: bool, run: WorkerRun
    ) -> None:
        now = self._clock()
        attempts = delivery.attempts + 1
        if error is None:
            values: dict[str, object] = {
                "status": "sent",
                "attempts": attempts,
                "sent_at": now,
                "claimed_until": None,
                "last_error": None,
            }
            run.sent += 1
        elif permanent or attempts >= self._max_attempts:
            values = {"status": "dead", "attempts": attempts, "last_error": error}
            run.dead += 1
            logger.warning("notice delivery %s dead: %s", delivery.delivery_id, error)
        else:
            values = {
                "attempts": attempts,
                "last_error": error,
                "claimed_until": None,
                "next_attempt_at": now + self.backoff(attempts),
            }
            run.retried += 1
        async with self._sessions() as session:
            await session.execute(
                update(NoticeDeliveryRow)
                .where(
                    NoticeDeliveryRow.delivery_id == delivery.delivery_id,
                    NoticeDeliveryRow.status == "pending",
                )
                .values(**values)
            )
            await session.commit()

    async def _recipient(self, session: AsyncSession, channel: str, pseudonym: str) -> str | None:
        if channel == "email":
            contact = await session.get(NoticeContactRow, pseudonym)
            if contact is None:
                return None
            return self._cipher.decrypt(
                contact.email_key_id, contact.email_ciphertext, aad=EMAIL_AAD
            ).decode("utf-8")
        if channel == "digital_post":
            citizen = await session.get(CitizenRow, pseudonym)
            if citizen is None:
                return None
            return self._cipher.decrypt(
                citizen.cpr_key_id, citizen.cpr_ciphertext, aad=CPR_AAD
            ).decode("ascii")
        return None
