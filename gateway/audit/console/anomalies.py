"""Anomaly rules for the DPO console, each with a plain Danish and English explanation.

Every rule looks at one user's shared-view outcomes (``AccessFact``) and compares one number
with a threshold from configuration (``Settings.anomaly_*`` → ``AnomalyThresholds``).
Working hours and days are Europe/Copenhagen.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, model_validator

from gateway.audit.console.repository import AccessFact, ConsentTrailFact
from gateway.config import Settings

COPENHAGEN = ZoneInfo("Europe/Copenhagen")

AnomalyKind = Literal[
    "many_citizens", "off_hours", "repeated_denials", "no_consent", "spike", "consent_self_use"
]


class Localized(BaseModel):
    da: str
    en: str


class AnomalyTriage(BaseModel):
    """The DPO's handling of an anomaly (``gateway.audit.console.triage``)."""

    status: Literal["investigated", "dismissed"]
    note: str
    decided_by: str
    decided_at: datetime


def anomaly_key(kind: str, actor_id: str, first_seen: datetime) -> str:
    """A stable id: rule, user and the Copenhagen day it started (the window may slide)."""
    text = f"{kind}\x1f{actor_id}\x1f{local_day(first_seen).isoformat()}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class Anomaly(BaseModel):
    """A pattern worth a DPO's look, with the numbers behind it and a plain explanation."""

    anomaly_id: str = Field("", description="Stable id for triage (rule, user, first day)")
    triage: AnomalyTriage | None = Field(None, description="The DPO's triage; none = open")

    kind: AnomalyKind
    severity: Literal["high", "medium"]
    actor_id: str
    department: str | None
    count: int = Field(description="The number the threshold was compared with")
    threshold: float
    first_seen: datetime
    last_seen: datetime
    title: Localized
    explanation: Localized

    @model_validator(mode="after")
    def _with_id(self) -> Anomaly:
        if not self.anomaly_id:
            self.anomaly_id = anomaly_key(self.kind, self.actor_id, self.first_seen)
        return self


@dataclass(frozen=True, slots=True)
class AnomalyThresholds:
    """Anomaly thresholds; built from ``Settings`` so they are configuration, not code."""

    window: timedelta
    distinct_citizens: int
    work_start_hour: int
    work_end_hour: int
    work_days: frozenset[int]
    off_hours_min: int
    denials: int
    denial_window: timedelta
    no_consent_citizens: int
    spike_factor: float
    spike_min: int
    baseline_days: int
    self_use_window: timedelta = timedelta(minutes=30)

    @classmethod
    def from_settings(cls, settings: Settings) -> AnomalyThresholds:
        return cls(
            window=timedelta(minutes=settings.anomaly_window_minutes),
            distinct_citizens=settings.anomaly_distinct_citizens,
            work_start_hour=settings.anomaly_work_start_hour,
            work_end_hour=settings.anomaly_work_end_hour,
            work_days=frozenset(settings.anomaly_work_days),
            off_hours_min=settings.anomaly_off_hours_min,
            denials=settings.anomaly_denials,
            denial_window=timedelta(hours=settings.anomaly_denial_window_hours),
            no_consent_citizens=settings.anomaly_no_consent_citizens,
            spike_factor=settings.anomaly_spike_factor,
            spike_min=settings.anomaly_spike_min,
            baseline_days=settings.anomaly_baseline_days,
            self_use_window=timedelta(minutes=settings.anomaly_self_use_minutes),
        )

    def is_working_time(self, moment: datetime) -> bool:
        local = moment.astimezone(COPENHAGEN)
        return (
            local.weekday() in self.work_days
            and self.work_start_hour <= local.hour < self.work_end_hour
        )


def local_text(moment: datetime) -> str:
    """Danish date and time in Copenhagen, e.g. ``22.11.2026 kl. 02:14``."""
    return moment.astimezone(COPENHAGEN).strftime("%d.%m.%Y kl. %H:%M")


def local_day(moment: datetime) -> date:
    return moment.astimezone(COPENHAGEN).date()


# --------------------------------------------------------------------------- anomalies


def _by_actor(facts: Iterable[AccessFact]) -> dict[str, list[AccessFact]]:
    grouped: dict[str, list[AccessFact]] = defaultdict(list)
    for fact in facts:
        grouped[fact.actor_id].append(fact)
    return grouped


def _many_citizens(actor: str, facts: list[AccessFact], t: AnomalyThresholds) -> Anomaly | None:
    """The largest number of distinct citizens one user saw within any window."""
    window: deque[AccessFact] = deque()
    seen: Counter[str] = Counter()
    best = 0
    best_span: tuple[datetime, datetime] | None = None
    for fact in facts:
        if not fact.citizen:
            continue
        window.append(fact)
        seen[fact.citizen] += 1
        while fact.recorded_at - window[0].recorded_at > t.window:
            old = window.popleft()
            assert old.citizen is not None
            seen[old.citizen] -= 1
            if not seen[old.citizen]:
                del seen[old.citizen]
        if len(seen) > best:
            best, best_span = len(seen), (window[0].recorded_at, fact.recorded_at)
    if best < t.distinct_citizens or best_span is None:
        return None
    minutes = int(t.window.total_seconds() // 60)
    return Anomaly(
        kind="many_citizens",
        severity="high",
        actor_id=actor,
        department=facts[-1].department,
        count=best,
        threshold=t.distinct_citizens,
        first_seen=best_span[0],
        last_seen=best_span[1],
        title=Localized(
            da="Mange forskellige borgere på kort tid", en="Many citizens in a short time"
        ),
        explanation=Localized(
            da=f"{actor} så {best} forskellige borgere inden for {minutes} minutter "
            f"({local_text(best_span[0])}–{local_text(best_span[1])}). Grænsen er "
            f"{t.distinct_citizens}. Undersøg, om brugeren arbejder med alle disse borgere.",
            en=f"{actor} viewed {best} different citizens within {minutes} minutes "
            f"({local_text(best_span[0])}–{local_text(best_span[1])}). The threshold is "
            f"{t.distinct_citizens}. Check whether the user works with all of these citizens.",
        ),
    )


def _off_hours(actor: str, facts: list[AccessFact], t: AnomalyThresholds) -> Anomaly | None:
    outside = [f for f in facts if not t.is_working_time(f.recorded_at)]
    if len(outside) < t.off_hours_min:
        return None
    citizens = len({f.citizen for f in outside if f.citizen})
    hours = f"{t.work_start_hour:02d}–{t.work_end_hour:02d}"
    first = local_text(outside[0].recorded_at)
    return Anomaly(
        kind="off_hours",
        severity="medium",
        actor_id=actor,
        department=outside[-1].department,
        count=len(outside),
        threshold=t.off_hours_min,
        first_seen=outside[0].recorded_at,
        last_seen=outside[-1].recorded_at,
        title=Localized(da="Opslag uden for arbejdstid", en="Access outside working hours"),
        explanation=Localized(
            da=f"{actor} lavede {len(outside)} opslag om {citizens} borgere uden for "
            f"arbejdstid (hverdage kl. {hours}, dansk tid), første {first}. "
            f"Grænsen er {t.off_hours_min}.",
            en=f"{actor} made {len(outside)} look-ups about {citizens} citizens outside working "
            f"hours (weekdays {hours}, Danish time), first at {first}. "
            f"The threshold is {t.off_hours_min}.",
        ),
    )


def _repeated_denials(actor: str, facts: list[AccessFact], t: AnomalyThresholds) -> Anomaly | None:
    denied = [f for f in facts if f.outcome == "denied"]
    window: deque[AccessFact] = deque()
    best = 0
    span: tuple[datetime, datetime] | None = None
    for fact in denied:
        window.append(fact)
        while fact.recorded_at - window[0].recorded_at > t.denial_window:
            window.popleft()
        if len(window) > best:
            best, span = len(window), (window[0].recorded_at, fact.recorded_at)
    if best < t.denials or span is None:
        return None
    hours = int(t.denial_window.total_seconds() // 3600)
    return Anomaly(
        kind="repeated_denials",
        severity="medium",
        actor_id=actor,
        department=denied[-1].department,
        count=best,
        threshold=t.denials,
        first_seen=span[0],
        last_seen=span[1],
        title=Localized(da="Gentagne afvisninger", en="Repeated denials"),
        explanation=Localized(
            da=f"{actor} fik {best} forespørgsler helt afvist inden for {hours} timer "
            f"(sidst {local_text(span[1])}). Det kan være forsøg på at se data uden "
            f"grundlag eller en forkert rolle. Grænsen er {t.denials}.",
            en=f"{actor} had {best} requests refused entirely within {hours} hours (last at "
            f"{local_text(span[1])}). This may be attempts to see data without a basis or a "
            f"wrong role. The threshold is {t.denials}.",
        ),
    )


def _no_consent(actor: str, facts: list[AccessFact], t: AnomalyThresholds) -> Anomaly | None:
    hits = [f for f in facts if f.no_consent_denial and f.citizen]
    citizens = {f.citizen for f in hits}
    if len(citizens) < t.no_consent_citizens:
        return None
    return Anomaly(
        kind="no_consent",
        severity="high",
        actor_id=actor,
        department=hits[-1].department,
        count=len(citizens),
        threshold=t.no_consent_citizens,
        first_seen=hits[0].recorded_at,
        last_seen=hits[-1].recorded_at,
        title=Localized(
            da="Opslag på borgere uden samtykke", en="Look-ups of citizens without consent"
        ),
        explanation=Localized(
            da=f"{actor} forsøgte at se data om {len(citizens)} borgere, som ikke har givet "
            f"samtykke til formålet; data fra andre forvaltninger blev afvist. Grænsen er "
            f"{t.no_consent_citizens}. Undersøg, om brugeren har en sag med borgerne.",
            en=f"{actor} tried to see data about {len(citizens)} citizens who have not "
            f"consented to the purpose; data from other departments was refused. The "
            f"threshold is {t.no_consent_citizens}. Check whether the user has a case with them.",
        ),
    )


def _spike(
    actor: str, facts: list[AccessFact], t: AnomalyThresholds, *, since: datetime
) -> Anomaly | None:
    per_day = Counter(local_day(f.recorded_at) for f in facts)
    first_day = min(per_day)
    worst: tuple[float, date, int, float] | None = None
    for day, count in sorted(per_day.items()):
        if day < local_day(since) or day == first_day or count < t.spike_min:
            continue
        history = [
            per_day.get(day - timedelta(days=n), 0)
            for n in range(1, t.baseline_days + 1)
            if day - timedelta(days=n) >= first_day
        ]
        baseline = sum(history) / len(history)
        ratio = count / max(baseline, 1.0)
        if ratio >= t.spike_factor and (worst is None or ratio > worst[0]):
            worst = (ratio, day, count, baseline)
    if worst is None:
        return None
    ratio, day, count, baseline = worst
    on_day = [f for f in facts if local_day(f.recorded_at) == day]
    return Anomaly(
        kind="spike",
        severity="medium",
        actor_id=actor,
        department=on_day[-1].department,
        count=count,
        threshold=t.spike_factor,
        first_seen=on_day[0].recorded_at,
        last_seen=on_day[-1].recorded_at,
        title=Localized(da="Pludselig stigning", en="Sudden spike"),
        explanation=Localized(
            da=f"{actor} lavede {count} opslag den {day:%d.%m.%Y}, {ratio:.1f} gange sit eget "
            f"gennemsnit på {baseline:.1f} om dagen (de forrige {t.baseline_days} dage). "
            f"Grænsen er {t.spike_factor:g} gange.",
            en=f"{actor} made {count} look-ups on {day:%d.%m.%Y}, {ratio:.1f} times their own "
            f"average of {baseline:.1f} a day (previous {t.baseline_days} days). The "
            f"threshold is {t.spike_factor:g} times.",
        ),
    )


def consent_self_use(
    trail: Iterable[ConsentTrailFact], t: AnomalyThresholds, *, since: datetime
) -> list[Anomaly]:
    """Consents a user recorded and then used as the basis of their own shared view within
    ``t.self_use_window``: the recorder is also the recipient, with nobody in between (a
    forged form or an oral consent nobody else heard). One anomaly per user."""
    recorded: dict[str, tuple[str, datetime]] = {}  # consent id → (recorder, when)
    hits: dict[str, list[tuple[datetime, datetime, str]]] = defaultdict(list)
    department: dict[str, str | None] = {}
    for fact in trail:
        if fact.recorded:
            for cid in fact.consent_ids:
                recorded[cid] = (fact.actor_id, fact.recorded_at)
            continue
        for cid in fact.consent_ids:
            found = recorded.get(cid)
            if found is None or found[0] != fact.actor_id:
                continue
            quick = timedelta(0) <= fact.recorded_at - found[1] <= t.self_use_window
            seen = {h[2] for h in hits.get(fact.actor_id, [])}
            if quick and fact.recorded_at >= since and cid not in seen:
                hits[fact.actor_id].append((found[1], fact.recorded_at, cid))
                department[fact.actor_id] = fact.department
    minutes = int(t.self_use_window.total_seconds() // 60)
    out = []
    for actor, uses in sorted(hits.items()):
        first = min(u[0] for u in uses)
        last = max(u[1] for u in uses)
        out.append(
            Anomaly(
                kind="consent_self_use",
                severity="high",
                actor_id=actor,
                department=department.get(actor),
                count=len(uses),
                threshold=minutes,
                first_seen=first,
                last_seen=last,
                title=Localized(
                    da="Samtykke registreret og brugt af samme person",
                    en="Consent recorded and used by the same person",
                ),
                explanation=Localized(
                    da=f"{actor} registrerede {len(uses)} samtykke(r) på borgerens vegne og "
                    f"brugte dem selv til at se data inden for {minutes} minutter "
                    f"(første {local_text(first)}). Ingen anden har set samtykket. Kontrollér "
                    "dokumentationen (evidence_ref) og spørg evt. borgeren.",
                    en=f"{actor} recorded {len(uses)} consent(s) on the citizen's behalf and "
                    f"used them to view data within {minutes} minutes (first "
                    f"{local_text(first)}). Nobody else has seen the consent. Check the "
                    "evidence (evidence_ref) and consider asking the citizen.",
                ),
            )
        )
    return out


def detect_anomalies(
    facts: Iterable[AccessFact],
    thresholds: AnomalyThresholds,
    *,
    since: datetime,
    consent_trail: Iterable[ConsentTrailFact] = (),
) -> list[Anomaly]:
    """Run every rule per user. ``facts`` may start before ``since`` to give a baseline."""
    found: list[Anomaly] = consent_self_use(consent_trail, thresholds, since=since)
    for actor, mine in sorted(_by_actor(facts).items()):
        in_range = [f for f in mine if f.recorded_at >= since]
        if not in_range:
            continue
        for rule in (_many_citizens, _off_hours, _repeated_denials, _no_consent):
            hit = rule(actor, in_range, thresholds)
            if hit is not None:
                found.append(hit)
        spike = _spike(actor, mine, thresholds, since=since)
        if spike is not None:
            found.append(spike)
    order = {"high": 0, "medium": 1}
    return sorted(found, key=lambda a: (order[a.severity], -a.last_seen.timestamp()))
