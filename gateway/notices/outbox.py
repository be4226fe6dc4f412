"""The outbox: notices written in the caller's own transaction, with one delivery per channel.

A notice is written by whatever causes it (a consent recorded, a break-glass episode opened)
in the same database transaction, so either both commit or neither does. The worker
(``gateway.notices.worker``) delivers afterwards, at least once.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.config import Settings
from gateway.notices.models import NoticeContactRow, NoticeDeliveryRow, NoticeRow
from gateway.notices.texts import NoticeText

NOTICE_KINDS = (
    "break_glass",
    "consent_request",
    "consent_recorded",
    "consent_confirmed",
    "consent_expiring",
    "consent_withdrawn",
    "statute_disclosure",
)


def outside_channels(settings: Settings) -> tuple[str, ...]:
    """The configured channels beside the portal inbox (which is always on)."""
    channels: list[str] = []
    if settings.notice_smtp_host:
        channels.append("email")
    if settings.digital_post_url:
        channels.append("digital_post")
    return tuple(channels)


class NoticeOutbox:
    """Adds notices to ``session``; never commits (the caller's transaction does)."""

    def __init__(self, session: AsyncSession, *, channels: Sequence[str]) -> None:
        self._session = session
        self._channels = tuple(channels)

    async def enqueue(
        self,
        *,
        pseudonym: str,
        kind: str,
        dedupe_key: str,
        text: NoticeText,
        now: datetime,
        reference: str | None = None,
    ) -> NoticeRow | None:
        """Queue one notice unless one with ``dedupe_key`` exists; return it, or ``None``.

        E-mail is used only when the citizen gave an address; Digital Post reaches every
        citizen with a CPR, as NgDP does.
        """
        if kind not in NOTICE_KINDS:
            raise ValueError(f"unknown notice kind {kind!r}")
        existing = await self._session.scalar(
            select(NoticeRow.notice_id).where(NoticeRow.dedupe_key == dedupe_key)
        )
        if existing is not None:
            return None
        row = NoticeRow(
            notice_id=str(uuid.uuid4()),
            citizen_pseudonym=pseudonym,
            kind=kind,
            dedupe_key=dedupe_key,
            reference=reference,
            subject_da=text.subject_da,
            subject_en=text.subject_en,
            body_da=text.body_da,
            body_en=text.body_en,
            created_at=now,
        )
        self._session.add(row)
        await self._session.flush()  # the deliveries reference it (no ORM relationship orders them)
        for channel in self._channels:
            if channel == "email" and await self._session.get(NoticeContactRow, pseudonym) is None:
                continue
            self._session.add(
                NoticeDeliveryRow(
                    delivery_id=str(uuid.uuid4()),
                    notice_id=row.notice_id,
                    channel=channel,
                    status="pending",
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
        await self._session.flush()
        return row
