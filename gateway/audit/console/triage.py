"""Anomaly triage: the DPO marks an anomaly investigated or dismissed, with a note (audited)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.audit.console.anomalies import Anomaly, AnomalyKind, AnomalyTriage, anomaly_key
from gateway.audit.console.triage_models import AnomalyTriageRow
from gateway.audit.entries.repository import AuditRepository
from gateway.audit.entries.schemas import Actor, AuditEvent
from gateway.auth.principal import Principal
from gateway.errors import InvalidRequest


class TriageCreate(BaseModel):
    """Which anomaly (as the console listed it) and what the DPO decided."""

    model_config = ConfigDict(extra="forbid")
    kind: AnomalyKind
    actor_id: str = Field(min_length=1, max_length=200)
    first_seen: datetime
    status: Literal["investigated", "dismissed"]
    note: str = Field(min_length=1, max_length=2000)


class AnomalyTriageService:
    """Reads and records triage in the request's session; never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def attach(self, anomalies: Sequence[Anomaly]) -> None:
        """Fill in each anomaly's ``triage`` (none means still open)."""
        ids = [a.anomaly_id for a in anomalies]
        if not ids:
            return
        rows = await self._session.scalars(
            select(AnomalyTriageRow).where(AnomalyTriageRow.anomaly_id.in_(ids))
        )
        found = {row.anomaly_id: row for row in rows}
        for anomaly in anomalies:
            row = found.get(anomaly.anomaly_id)
            if row is not None:
                anomaly.triage = _read(row)

    async def triage(
        self,
        anomaly_id: str,
        body: TriageCreate,
        principal: Principal,
        *,
        now: datetime,
        request_id: str,
    ) -> AnomalyTriage:
        """Record (or update) the triage; the audit entry commits with it."""
        if anomaly_key(body.kind, body.actor_id, body.first_seen) != anomaly_id:
            raise InvalidRequest(
                "Afvigelsen svarer ikke til id'et / the anomaly does not match its id",
                code="anomaly_mismatch",
            )
        row = await self._session.get(AnomalyTriageRow, anomaly_id)
        if row is None:
            row = AnomalyTriageRow(anomaly_id=anomaly_id, kind=body.kind, actor_id=body.actor_id)
            self._session.add(row)
        row.status = body.status
        row.note = body.note
        row.decided_by = principal.subject
        row.decided_at = now
        AuditRepository(self._session).add(
            [
                AuditEvent(
                    phase="event",
                    action="anomaly.triage",
                    outcome=body.status,
                    request_id=request_id,
                    actor=Actor.of(principal),
                    reason=f"{body.kind}:{anomaly_id}",
                )
            ]
        )
        return _read(row)


def _read(row: AnomalyTriageRow) -> AnomalyTriage:
    status: Literal["investigated", "dismissed"] = (
        "investigated" if row.status == "investigated" else "dismissed"
    )
    return AnomalyTriage(
        status=status, note=row.note, decided_by=row.decided_by, decided_at=row.decided_at
    )
