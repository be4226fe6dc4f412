"""The citizen's side of notices: the portal inbox and the e-mail address for notices."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.audit.entries.repository import AuditRepository
from gateway.audit.entries.schemas import Actor, AuditEvent, CitizenRef
from gateway.auth.principal import Principal
from gateway.cpr import normalise_cpr
from gateway.keys import DataCipher, Pseudonymiser
from gateway.notices.models import NoticeContactRow, NoticeDeliveryRow, NoticeRow
from gateway.notices.schemas import DeliveryRead, NoticeRead
from gateway.notices.worker import EMAIL_AAD
from gateway.policy.types import LocalizedText


class CitizenNotices:
    """Reads a citizen's notices and sets their address; never commits."""

    def __init__(self, session: AsyncSession, *, cipher: DataCipher) -> None:
        self._session = session
        self._cipher = cipher

    async def inbox(self, pseudonyms: Sequence[str], *, limit: int = 500) -> list[NoticeRead]:
        """The citizen's notices, newest first, with each outside delivery's state."""
        rows = list(
            await self._session.scalars(
                select(NoticeRow)
                .where(NoticeRow.citizen_pseudonym.in_(list(pseudonyms)))
                .order_by(NoticeRow.created_at.desc(), NoticeRow.notice_id)
                .limit(limit)
            )
        )
        deliveries: dict[str, list[DeliveryRead]] = {}
        if rows:
            found = await self._session.scalars(
                select(NoticeDeliveryRow)
                .where(NoticeDeliveryRow.notice_id.in_([r.notice_id for r in rows]))
                .order_by(NoticeDeliveryRow.channel)
            )
            for d in found:
                deliveries.setdefault(d.notice_id, []).append(
                    DeliveryRead(
                        channel=d.channel, status=d.status, attempts=d.attempts, sent_at=d.sent_at
                    )
                )
        return [
            NoticeRead(
                notice_id=r.notice_id,
                kind=r.kind,
                subject=LocalizedText(da=r.subject_da, en=r.subject_en),
                body=LocalizedText(da=r.body_da, en=r.body_en),
                created_at=r.created_at,
                deliveries=deliveries.get(r.notice_id, []),
            )
            for r in rows
        ]

    async def set_email(
        self,
        principal: Principal,
        email: str | None,
        *,
        pseudonymiser: Pseudonymiser,
        now: datetime,
        request_id: str,
    ) -> bool:
        """Store (encrypted) or remove the citizen's e-mail address; audited, without it."""
        assert principal.cpr is not None
        key_id = pseudonymiser.current_key_id
        pseudonym = pseudonymiser.pseudonym(normalise_cpr(principal.cpr), key_id=key_id)
        AuditRepository(self._session).add(
            [
                AuditEvent(
                    phase="event",
                    action="notice.preferences",
                    outcome="success",
                    request_id=request_id,
                    actor=Actor.of(principal),
                    citizen=CitizenRef(pseudonym=pseudonym, key_id=key_id),
                    reason="email_set" if email else "email_removed",
                )
            ]
        )
        if email is None:
            await self._session.execute(
                delete(NoticeContactRow).where(NoticeContactRow.citizen_pseudonym == pseudonym)
            )
            return False
        key_id, blob = self._cipher.encrypt(email.encode("utf-8"), aad=EMAIL_AAD)
        row = await self._session.get(NoticeContactRow, pseudonym)
        if row is None:
            self._session.add(
                NoticeContactRow(
                    citizen_pseudonym=pseudonym,
                    email_ciphertext=blob,
                    email_key_id=key_id,
                    updated_at=now,
                )
            )
        else:
            row.email_ciphertext = blob
            row.email_key_id = key_id
            row.updated_at = now
        return True
