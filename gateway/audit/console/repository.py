"""SQL for the DPO console: filtered search, slim facts for charts and anomalies, export rows.

Only portable SQL (SQLite and PostgreSQL): time bucketing in Europe/Copenhagen and the
anomaly rules run in Python over the slim rows (``analytics.py``), because the two databases
disagree on time-zone functions. Filters on what happened inside an entry use the canonical
JSON body: keys are sorted and there is no white space, so ``"withheld":["`` appears exactly
when the entry's withheld list is non-empty.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from sqlalchemy import ColumnElement, Select, and_, case, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.audit.entries.models import AuditCheckpointRow, AuditEntryRow

OutcomeFilter = Literal["granted", "withheld", "unavailable", "denied"]
OUTCOME_FILTERS: tuple[OutcomeFilter, ...] = ("granted", "withheld", "unavailable", "denied")
VIEW_ACTION = "view.read"
CONSENT_CREATE = "consent.create"

_WITHHELD = '"withheld":["'
_UNAVAILABLE = '"unavailable":["'
_NO_CONSENT = '"consent_ids":[]'
_CONSENT_MISSING = '"consent_missing"'


@dataclass(frozen=True, slots=True)
class ConsentTrailFact:
    """A consent recorded (``recorded``) or used as the basis of a shared view, by whom."""

    seq: int
    recorded_at: datetime
    actor_id: str
    department: str | None
    recorded: bool
    consent_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """What the DPO asked for. ``pseudonyms`` is the citizen under every HMAC key, or None.

    ``accesses_only`` keeps one entry per shared-view request (its outcome); otherwise every
    entry (intents, consent events, DPO searches) is included.
    """

    since: datetime | None = None
    until: datetime | None = None
    department: str | None = None
    actor_id: str | None = None
    purpose: str | None = None
    outcome: OutcomeFilter | None = None
    basis_kind: str | None = None
    pseudonyms: tuple[str, ...] | None = None
    accesses_only: bool = True


@dataclass(frozen=True, slots=True)
class AccessFact:
    """One shared-view outcome, reduced to what charts and anomaly rules need."""

    seq: int
    recorded_at: datetime
    actor_id: str
    department: str | None
    purpose: str | None
    outcome: str
    citizen: str | None
    withheld: bool
    no_consent_denial: bool


def _conditions(flt: AuditFilter) -> list[ColumnElement[bool]]:
    row = AuditEntryRow
    found: list[ColumnElement[bool]] = []
    if flt.accesses_only:
        found += [row.phase == "outcome", row.action == VIEW_ACTION]
    if flt.since is not None:
        found.append(row.recorded_at >= flt.since)
    if flt.until is not None:
        found.append(row.recorded_at < flt.until)
    if flt.department:
        found.append(row.actor_department == flt.department)
    if flt.actor_id:
        found.append(row.actor_id == flt.actor_id)
    if flt.purpose:
        found.append(row.purpose == flt.purpose)
    if flt.basis_kind:
        found.append(row.basis_kinds.contains(flt.basis_kind, autoescape=True))
    if flt.pseudonyms is not None:
        found.append(row.citizen_pseudonym.in_(list(flt.pseudonyms)) if flt.pseudonyms else false())
    if flt.outcome == "granted":
        found.append(row.outcome.in_(["granted", "partial"]))
    elif flt.outcome == "denied":
        found.append(row.outcome == "denied")
    elif flt.outcome == "withheld":
        found.append(row.body.contains(_WITHHELD, autoescape=True))
    elif flt.outcome == "unavailable":
        found.append(
            or_(row.outcome == "unavailable", row.body.contains(_UNAVAILABLE, autoescape=True))
        )
    return found


class AnalyticsRepository:
    """Read-only queries over ``audit_entries`` for the DPO console."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def _query(self, flt: AuditFilter) -> Select[AuditEntryRow]:
        return select(AuditEntryRow).where(*_conditions(flt))

    async def search(
        self, flt: AuditFilter, *, before: int | None = None, limit: int = 100
    ) -> list[AuditEntryRow]:
        """Matching entries, newest first; ``before`` is the keyset cursor (a ``seq``)."""
        query = self._query(flt)
        if before is not None:
            query = query.where(AuditEntryRow.seq < before)
        query = query.order_by(AuditEntryRow.seq.desc()).limit(limit)
        return list((await self._session.scalars(query)).all())

    async def count(self, flt: AuditFilter) -> int:
        query = select(func.count()).select_from(AuditEntryRow).where(*_conditions(flt))
        return int((await self._session.scalar(query)) or 0)

    async def stream(self, flt: AuditFilter, *, batch: int = 1000) -> AsyncIterator[AuditEntryRow]:
        """Every matching entry, oldest first, in keyset batches (for CSV export)."""
        after = 0
        while True:
            query = (
                self._query(flt)
                .where(AuditEntryRow.seq > after)
                .order_by(AuditEntryRow.seq)
                .limit(batch)
            )
            rows = list((await self._session.scalars(query)).all())
            for row in rows:
                yield row
            if len(rows) < batch:
                return
            after = rows[-1].seq

    async def access_facts(self, flt: AuditFilter, *, limit: int) -> list[AccessFact]:
        """Slim rows of shared-view outcomes (``accesses_only`` is implied), oldest first."""
        row = AuditEntryRow
        conditions = _conditions(replace(flt, accesses_only=True))
        withheld = case((row.body.contains(_WITHHELD, autoescape=True), True), else_=False)
        no_consent = case(
            (
                and_(
                    row.body.contains(_CONSENT_MISSING, autoescape=True),
                    row.body.contains(_NO_CONSENT, autoescape=True),
                ),
                True,
            ),
            else_=False,
        )
        query = (
            select(
                row.seq,
                row.recorded_at,
                row.actor_id,
                row.actor_department,
                row.purpose,
                row.outcome,
                row.citizen_pseudonym,
                withheld,
                no_consent,
            )
            .where(*conditions)
            .order_by(row.seq.desc())
            .limit(limit)
        )
        result = await self._session.execute(query)
        facts = [
            AccessFact(
                seq=r[0],
                recorded_at=r[1],
                actor_id=r[2],
                department=r[3],
                purpose=r[4],
                outcome=r[5],
                citizen=r[6],
                withheld=bool(r[7]),
                no_consent_denial=bool(r[8]),
            )
            for r in result.all()
        ]
        facts.reverse()
        return facts

    async def consent_trail(self, flt: AuditFilter, *, limit: int) -> list[ConsentTrailFact]:
        """Consents recorded (``consent.create``) and shared views that used a consent as
        basis, oldest first: what the "recorded and used by the same person" rule reads."""
        row = AuditEntryRow
        conditions = _conditions(replace(flt, accesses_only=False))
        uses = and_(
            row.phase == "outcome",
            row.action == VIEW_ACTION,
            row.basis_kinds.contains("consent", autoescape=True),
        )
        created = and_(row.action == CONSENT_CREATE, row.outcome == "success")
        query = (
            select(
                row.seq, row.recorded_at, row.actor_id, row.actor_department, row.action, row.body
            )
            .where(*conditions, or_(uses, created))
            .order_by(row.seq.desc())
            .limit(limit)
        )
        found = []
        for seq, at, actor, department, action, body in (await self._session.execute(query)).all():
            try:
                ids = json.loads(body or "{}").get("consent_ids") or []
            except ValueError:
                ids = []
            found.append(
                ConsentTrailFact(
                    seq=seq,
                    recorded_at=at,
                    actor_id=actor,
                    department=department,
                    recorded=action == CONSENT_CREATE,
                    consent_ids=tuple(str(i) for i in ids),
                )
            )
        found.reverse()
        return found

    async def distinct_values(self) -> dict[str, list[str]]:
        """Users, departments and purposes seen in the log, for the filter form's choices."""
        row = AuditEntryRow
        found: dict[str, list[str]] = {}
        for name, column in (
            ("actors", row.actor_id),
            ("departments", row.actor_department),
            ("purposes", row.purpose),
        ):
            query = select(column).where(column.is_not(None)).distinct().order_by(column)
            found[name] = [str(v) for v in (await self._session.scalars(query)).all()]
        return found

    async def matching_leaf_indexes(self, flt: AuditFilter, *, size: int) -> set[int]:
        """The leaf index of every matching entry below ``size`` (a filtered export)."""
        query = select(AuditEntryRow.leaf_index).where(
            *_conditions(flt), AuditEntryRow.leaf_index < size
        )
        return {int(i) for i in (await self._session.scalars(query)).all() if i is not None}

    async def previous_checkpoint(self, size: int) -> AuditCheckpointRow | None:
        """The checkpoint just before tree size ``size`` (for the consistency check)."""
        query = (
            select(AuditCheckpointRow)
            .where(AuditCheckpointRow.size < size)
            .order_by(AuditCheckpointRow.size.desc())
            .limit(1)
        )
        return await self._session.scalar(query)
