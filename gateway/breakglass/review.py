"""The DPO's review of break-glass episodes (a service: audits in the request's session)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.audit.entries.repository import AuditRepository
from gateway.audit.entries.schemas import Actor, AuditEvent, BasisRef, CategoryOutcome, CitizenRef
from gateway.auth.principal import Principal
from gateway.breakglass.models import BreakGlassEpisodeRow
from gateway.breakglass.repository import BreakGlassRepository
from gateway.breakglass.schemas import EpisodeRead, EpisodeReview, ReviewStatus, Verdict
from gateway.errors import Conflict, NotFound


def _verdict(value: str | None) -> Verdict | None:
    if value == "justified":
        return "justified"
    if value == "unjustified":
        return "unjustified"
    return None


class BreakGlassReview:
    """Lists the queue and records verdicts; never commits (the request's session does)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._repo = BreakGlassRepository(session)

    async def queue(self, status: ReviewStatus) -> list[EpisodeRead]:
        rows = await self._repo.by_status(status)
        return [await self._read(row) for row in rows]

    async def review(
        self,
        episode_id: str,
        body: EpisodeReview,
        principal: Principal,
        *,
        now: datetime,
        request_id: str,
    ) -> EpisodeRead:
        """Record ``justified`` or ``unjustified`` with a note; audited in the same transaction.

        The note stays in the episode (it is free text); the audit entry names the episode,
        the verdict and the citizen's pseudonym.
        """
        row = await self._repo.get(episode_id, for_update=True)
        if row is None:
            raise NotFound("Nødadgangen findes ikke / episode not found")
        if row.review_status == "reviewed":
            raise Conflict("Nødadgangen er allerede gennemgået / already reviewed")
        row.review_status = "reviewed"
        row.review_verdict = body.verdict
        row.review_note = body.note
        row.reviewed_by = principal.subject
        row.reviewed_at = now
        AuditRepository(self._session).add(
            [
                AuditEvent(
                    phase="event",
                    action="break_glass.review",
                    outcome=body.verdict,
                    request_id=request_id,
                    actor=Actor.of(principal),
                    purpose=row.purpose,
                    citizen=CitizenRef(
                        pseudonym=row.citizen_pseudonym, key_id=row.pseudonym_key_id
                    ),
                    categories=CategoryOutcome(requested=list(row.categories)),
                    bases=[
                        BasisRef(category=c, kind="break_glass", ref=row.episode_id)
                        for c in row.categories
                    ],
                    reason=f"break_glass_{body.verdict}",
                )
            ]
        )
        return await self._read(row)

    async def _read(self, row: BreakGlassEpisodeRow) -> EpisodeRead:
        return EpisodeRead(
            episode_id=row.episode_id,
            actor_id=row.actor_id,
            actor_department=row.actor_department,
            actor_roles=list(row.actor_roles),
            purpose=row.purpose,
            justification=row.justification,
            opened_at=row.opened_at,
            expires_at=row.expires_at,
            categories=list(row.categories),
            views=row.views,
            review_status="reviewed" if row.review_status == "reviewed" else "pending",
            review_verdict=_verdict(row.review_verdict),
            review_note=row.review_note,
            reviewed_by=row.reviewed_by,
            reviewed_at=row.reviewed_at,
            recent=await self._repo.recent_accesses(row.actor_id, around=row.opened_at),
        )
