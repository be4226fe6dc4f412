"""The DPO's view of the audit log: filters, charts, anomalies with explanations, CSV export.

Charts and anomaly rules work on slim rows (``AccessFact``) of shared-view outcomes, one per
request, in Python: days and working hours are Europe/Copenhagen, which SQLite and PostgreSQL
cannot bucket the same way in SQL. The number of rows read is capped
(``Settings.analytics_max_rows``); the result says when the cap cut the range short.
Thresholds come from ``Settings`` (``TVAERS_ANOMALY_*``), never from code.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.audit.console.anomalies import (
    COPENHAGEN,
    Anomaly,
    AnomalyThresholds,
    detect_anomalies,
    local_day,
)
from gateway.audit.console.repository import (
    AccessFact,
    AnalyticsRepository,
    AuditFilter,
    OutcomeFilter,
)
from gateway.audit.entries.models import AuditEntryRow
from gateway.audit.entries.schemas import Actor, AuditEvent, CitizenRef
from gateway.auth.principal import Principal
from gateway.config import Settings
from gateway.cpr import normalise_cpr
from gateway.keys import Pseudonymiser

DEFAULT_RANGE_DAYS = 30
MAX_CHART_DAYS = 92
TOP_USERS = 10


class AuditQuery(BaseModel):
    """The DPO's filter. The citizen is a CPR typed by the DPO: it travels in a body only."""

    model_config = ConfigDict(extra="forbid")

    since: datetime | None = Field(None, description="From (inclusive); default 30 days ago")
    until: datetime | None = Field(None, description="Until (exclusive); default end of today")
    department: str | None = Field(None, max_length=64)
    actor: str | None = Field(None, max_length=200, description="User id")
    purpose: str | None = Field(None, max_length=64)
    outcome: OutcomeFilter | None = None
    basis_kind: Literal["consent", "statute", "own_department"] | None = None
    cpr: str | None = Field(None, min_length=10, max_length=11, description="Citizen's CPR")
    accesses_only: bool = Field(True, description="Only shared-view outcomes (one per request)")

    def to_filter(self, pseudonymiser: Pseudonymiser) -> AuditFilter:
        """The repository filter; a CPR becomes its pseudonym under every HMAC key."""
        return AuditFilter(
            since=self.since,
            until=self.until,
            department=self.department or None,
            actor_id=self.actor or None,
            purpose=self.purpose or None,
            outcome=self.outcome,
            basis_kind=self.basis_kind,
            pseudonyms=citizen_pseudonyms(self.cpr, pseudonymiser) if self.cpr else None,
            accesses_only=self.accesses_only,
        )


def dpo_event(
    principal: Principal,
    *,
    action: str,
    request_id: str,
    pseudonymiser: Pseudonymiser,
    cpr: str | None,
    counts: dict[str, int],
) -> AuditEvent:
    """The audit entry for a DPO's own search or export (the DPO is audited too)."""
    citizen = None
    if cpr:
        key_id = pseudonymiser.current_key_id
        pseudonym = pseudonymiser.pseudonym(normalise_cpr(cpr), key_id=key_id)
        citizen = CitizenRef(pseudonym=pseudonym, key_id=key_id)
    return AuditEvent(
        phase="event",
        action=action,
        outcome="success",
        request_id=request_id,
        actor=Actor.of(principal),
        citizen=citizen,
        record_counts=counts,
    )


class TopUser(BaseModel):
    actor_id: str
    department: str | None
    distinct_citizens: int
    accesses: int


class ChartData(BaseModel):
    """Series for the console's charts; ``days`` are Copenhagen dates (ISO)."""

    days: list[str]
    by_department: dict[str, list[int]]
    by_purpose: dict[str, list[int]]
    denial_rate: list[float | None]
    withheld_rate: list[float | None]
    top_users: list[TopUser]
    total: int
    truncated: bool


def citizen_pseudonyms(cpr: str, pseudonymiser: Pseudonymiser) -> tuple[str, ...]:
    """The citizen's pseudonym under every HMAC key (a key rotation must not hide entries)."""
    return tuple(sorted(pseudonymiser.all_pseudonyms(normalise_cpr(cpr)).values()))


def default_range(now: datetime) -> tuple[datetime, datetime]:
    """The last ``DEFAULT_RANGE_DAYS`` Copenhagen days up to and including today."""
    today = local_day(now)
    start = datetime.combine(today - timedelta(days=DEFAULT_RANGE_DAYS - 1), datetime.min.time())
    end = datetime.combine(today + timedelta(days=1), datetime.min.time())
    return start.replace(tzinfo=COPENHAGEN).astimezone(UTC), end.replace(
        tzinfo=COPENHAGEN
    ).astimezone(UTC)


# --------------------------------------------------------------------------- charts


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def build_charts(
    facts: Iterable[AccessFact], *, since: datetime, until: datetime, truncated: bool
) -> ChartData:
    """Accesses per day by department and purpose, denial rate, top users by citizens."""
    first = local_day(since)
    last = local_day(until - timedelta(microseconds=1))
    if (last - first).days >= MAX_CHART_DAYS:
        first = last - timedelta(days=MAX_CHART_DAYS - 1)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    slot = {d: n for n, d in enumerate(days)}
    by_department: dict[str, list[int]] = defaultdict(lambda: [0] * len(days))
    by_purpose: dict[str, list[int]] = defaultdict(lambda: [0] * len(days))
    totals = [0] * len(days)
    denied = [0] * len(days)
    withheld = [0] * len(days)
    citizens: dict[str, set[str]] = defaultdict(set)
    accesses: Counter[str] = Counter()
    departments: dict[str, str | None] = {}
    total = 0
    for fact in facts:
        n = slot.get(local_day(fact.recorded_at))
        if n is None:
            continue
        total += 1
        by_department[fact.department or "-"][n] += 1
        by_purpose[fact.purpose or "-"][n] += 1
        totals[n] += 1
        denied[n] += fact.outcome == "denied"
        withheld[n] += fact.withheld
        accesses[fact.actor_id] += 1
        departments[fact.actor_id] = fact.department
        if fact.citizen:
            citizens[fact.actor_id].add(fact.citizen)
    top = sorted(accesses, key=lambda a: (-len(citizens[a]), -accesses[a], a))[:TOP_USERS]
    return ChartData(
        days=[d.isoformat() for d in days],
        by_department=dict(sorted(by_department.items())),
        by_purpose=dict(sorted(by_purpose.items())),
        denial_rate=[_rate(d, t) for d, t in zip(denied, totals, strict=True)],
        withheld_rate=[_rate(w, t) for w, t in zip(withheld, totals, strict=True)],
        top_users=[
            TopUser(
                actor_id=a,
                department=departments[a],
                distinct_citizens=len(citizens[a]),
                accesses=accesses[a],
            )
            for a in top
        ],
        total=total,
        truncated=truncated,
    )


# --------------------------------------------------------------------------- service


class AuditAnalytics:
    """The DPO console's queries; read-only (the caller audits the DPO's own searches)."""

    def __init__(self, session: AsyncSession, *, settings: Settings) -> None:
        self._repo = AnalyticsRepository(session)
        self._settings = settings
        self.thresholds = AnomalyThresholds.from_settings(settings)

    async def search(
        self, flt: AuditFilter, *, before: int | None = None, limit: int = 50
    ) -> list[AuditEntryRow]:
        """Matching entries, newest first."""
        return await self._repo.search(flt, before=before, limit=limit)

    async def count(self, flt: AuditFilter) -> int:
        return await self._repo.count(flt)

    async def choices(self) -> dict[str, list[str]]:
        """Values seen in the log, for the filter form."""
        return await self._repo.distinct_values()

    async def charts(self, flt: AuditFilter, *, now: datetime) -> ChartData:
        """Chart series over the filter's time range (default: the last 30 days)."""
        since, until = _range(flt, now)
        limit = self._settings.analytics_max_rows
        facts = await self._repo.access_facts(replace(flt, since=since, until=until), limit=limit)
        return build_charts(facts, since=since, until=until, truncated=len(facts) >= limit)

    def time_range(self, flt: AuditFilter, *, now: datetime) -> tuple[datetime, datetime]:
        """The filter's time range, defaulting to the last 30 Copenhagen days."""
        return _range(flt, now)

    async def anomalies(self, flt: AuditFilter, *, now: datetime) -> list[Anomaly]:
        """Anomalies in the filter's time range, department and user.

        Outcome, basis, purpose and citizen filters are ignored on purpose: the rules need a
        user's whole behaviour (a denial rule cannot see denials through an outcome filter).
        History before the range feeds the spike baseline.
        """
        since, until = _range(flt, now)
        history_from = since - timedelta(days=self.thresholds.baseline_days)
        scope = AuditFilter(
            since=history_from, until=until, department=flt.department, actor_id=flt.actor_id
        )
        facts = await self._repo.access_facts(scope, limit=self._settings.analytics_max_rows)
        trail = await self._repo.consent_trail(
            replace(scope, since=since - self.thresholds.self_use_window),
            limit=self._settings.analytics_max_rows,
        )
        return detect_anomalies(facts, self.thresholds, since=since, consent_trail=trail)


def _range(flt: AuditFilter, now: datetime) -> tuple[datetime, datetime]:
    start, end = default_range(now)
    return flt.since or start, flt.until or end
