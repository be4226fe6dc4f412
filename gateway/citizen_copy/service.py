"""Gathers a citizen's copy (GDPR art. 15): consents, requests, access log, notices, episodes.

Every look-up is by the citizen's own pseudonyms (under every key), so nobody else's data can
be in it; the export itself is audited (``citizen.export``) in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.audit.entries.repository import AuditRepository
from gateway.audit.entries.schemas import Actor, AuditEvent, CitizenRef
from gateway.audit.log.schemas import AccessLogItem
from gateway.audit.log.service import AuditLogService
from gateway.auth.principal import Principal
from gateway.breakglass.repository import BreakGlassRepository
from gateway.catalogue.models import Catalogue
from gateway.consent.repository import ConsentRepository
from gateway.consent.requests_repository import ConsentRequestRepository
from gateway.consent.schemas import ConsentRead
from gateway.consent.service import consent_read
from gateway.notices.citizen import CitizenNotices
from gateway.notices.schemas import NoticeRead
from gateway.policy.types import LocalizedText

PAGE = 100


class ConsentCopy(BaseModel):
    consent: ConsentRead
    receipt: str = Field(description="The signed receipt (JWS) issued when it was given")
    notice_text: LocalizedText = Field(description="What the purpose says (catalogue text)")


class RequestCopy(BaseModel):
    request_id: str
    purpose: str
    categories: list[str]
    requested_by_department: str
    message: str
    status: str = Field(description="pending, approved or declined: your answer")
    created_at: datetime
    decided_at: datetime | None
    consent_id: str | None


class EpisodeCopy(BaseModel):
    """An emergency access to your data: which department, what, when, and the DPO's review."""

    episode_id: str
    department: str | None
    categories: list[str]
    opened_at: datetime
    expires_at: datetime
    review_status: str
    review_verdict: str | None


class CitizenCopy(BaseModel):
    """Everything Tværs holds about you (GDPR art. 15)."""

    generated_at: datetime
    controller: str
    consents: list[ConsentCopy]
    consent_requests: list[RequestCopy]
    access_log: list[AccessLogItem] = Field(description="Every audit entry, with its proof")
    verifier_key: str
    notices: list[NoticeRead]
    break_glass: list[EpisodeCopy]


class CitizenCopyService:
    def __init__(
        self,
        session: AsyncSession,
        *,
        logs: AuditLogService,
        catalogue: Catalogue,
        notices: CitizenNotices,
    ) -> None:
        self._session = session
        self._logs = logs
        self._catalogue = catalogue
        self._notices = notices

    async def export(
        self,
        principal: Principal,
        pseudonyms: Sequence[str],
        citizen: CitizenRef,
        *,
        now: datetime,
        request_id: str,
        receipt_base: str,
    ) -> CitizenCopy:
        mine = list(pseudonyms)
        consents = [
            ConsentCopy(
                consent=consent_read(row, now),
                receipt=row.receipt,
                notice_text=self._notice_text(row.purpose),
            )
            for row in await ConsentRepository(self._session).for_citizen(mine)
        ]
        requests = [
            RequestCopy(
                request_id=row.request_id,
                purpose=row.purpose,
                categories=list(row.categories),
                requested_by_department=row.requested_by_department,
                message=row.message,
                status=row.status,
                created_at=row.created_at,
                decided_at=row.decided_at,
                consent_id=row.consent_id,
            )
            for row in await ConsentRequestRepository(self._session).for_citizen(mine)
        ]
        entries: list[AccessLogItem] = []
        before: int | None = None
        verifier = ""
        while True:
            page = await self._logs.access_log(
                mine, before=before, limit=PAGE, receipt_base=receipt_base
            )
            entries.extend(page.items)
            verifier = page.verifier_key
            if page.next_cursor is None:
                break
            before = page.next_cursor
        episodes = [
            EpisodeCopy(
                episode_id=row.episode_id,
                department=row.actor_department,
                categories=list(row.categories),
                opened_at=row.opened_at,
                expires_at=row.expires_at,
                review_status=row.review_status,
                review_verdict=row.review_verdict,
            )
            for row in await BreakGlassRepository(self._session).for_citizen(mine)
        ]
        copy = CitizenCopy(
            generated_at=now,
            controller="Kommunen (demo)",
            consents=consents,
            consent_requests=requests,
            access_log=entries,
            verifier_key=verifier,
            notices=await self._notices.inbox(mine),
            break_glass=episodes,
        )
        counts: dict[str, Any] = {
            "consents": len(consents),
            "consent_requests": len(requests),
            "access_log": len(entries),
            "notices": len(copy.notices),
        }
        AuditRepository(self._session).add(
            [
                AuditEvent(
                    phase="event",
                    action="citizen.export",
                    outcome="success",
                    request_id=request_id,
                    actor=Actor.of(principal),
                    citizen=citizen,
                    record_counts=counts,
                )
            ]
        )
        return copy

    def _notice_text(self, purpose: str) -> LocalizedText:
        found = self._catalogue.purposes.get(purpose)
        if found is None:
            return LocalizedText(da=purpose, en=purpose)
        return LocalizedText(da=found.description.da, en=found.description.en)
