"""SQL for audit entries."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.audit.entries.models import AuditEntryRow
from gateway.audit.entries.schemas import AuditEvent


def row_from_event(event: AuditEvent) -> AuditEntryRow:
    return AuditEntryRow(**values_from_event(event))


def values_from_event(event: AuditEvent) -> dict[str, Any]:
    """The column values of ``event``'s row (``seq`` and the leaf are set later)."""
    body = event.leaf_bytes().decode("utf-8")
    return dict(
        event_id=event.event_id,
        recorded_at=datetime.fromisoformat(event.time.replace("Z", "+00:00")),
        phase=event.phase,
        action=event.action,
        outcome=event.outcome,
        request_id=event.request_id,
        actor_id=event.actor.user_id,
        actor_department=event.actor.department,
        purpose=event.purpose,
        basis_kinds=",".join(sorted({b.kind for b in event.bases})) or None,
        citizen_pseudonym=event.citizen.pseudonym if event.citizen else None,
        body=body,
    )


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, events: Sequence[AuditEvent]) -> None:
        self._session.add_all([row_from_event(e) for e in events])

    async def insert(self, events: Sequence[AuditEvent]) -> None:
        """``add`` as one Core ``INSERT`` (executemany), without the ORM's unit of work: the
        group commit's hot path (issue 16). The rows are not loaded into the session."""
        table = AuditEntryRow.__table__
        assert isinstance(table, Table)
        await self._session.execute(insert(table), [values_from_event(e) for e in events])

    async def search(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        actor_id: str | None = None,
        department: str | None = None,
        purpose: str | None = None,
        outcome: str | None = None,
        basis_kind: str | None = None,
        pseudonyms: Sequence[str] | None = None,
        before: int | None = None,
        limit: int = 100,
    ) -> list[AuditEntryRow]:
        query: Select[tuple[AuditEntryRow]] = select(AuditEntryRow)
        if since is not None:
            query = query.where(AuditEntryRow.recorded_at >= since)
        if until is not None:
            query = query.where(AuditEntryRow.recorded_at < until)
        if actor_id:
            query = query.where(AuditEntryRow.actor_id == actor_id)
        if department:
            query = query.where(AuditEntryRow.actor_department == department)
        if purpose:
            query = query.where(AuditEntryRow.purpose == purpose)
        if outcome:
            query = query.where(AuditEntryRow.outcome == outcome)
        if basis_kind:
            query = query.where(AuditEntryRow.basis_kinds.contains(basis_kind))
        if pseudonyms is not None:
            query = query.where(AuditEntryRow.citizen_pseudonym.in_(list(pseudonyms)))
        if before is not None:
            query = query.where(AuditEntryRow.seq < before)
        query = query.order_by(AuditEntryRow.seq.desc()).limit(limit)
        return list((await self._session.scalars(query)).all())  # type: ignore[arg-type]


def entry_dict(row: AuditEntryRow) -> dict[str, object]:
    if row.body is None:
        return {"purged": True, "event_id": row.event_id}
    loaded = json.loads(row.body)
    assert isinstance(loaded, dict)
    return loaded
