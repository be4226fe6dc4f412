"""A seeded snooping pattern for the demo and tests: one user, many citizens, at night.

It writes ordinary audit entries (intent and outcome of shared-view requests) through the
durable ``AuditWriter``, so they are sequenced, checkpointed and verifiable like any other
entry. Each carries ``reason="synthetic_demo_pattern"`` so nobody mistakes them for real
traffic. Citizens are the seeded synthetic citizens of the simulators (never real CPRs).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from connectors.simulators.seed import citizens
from gateway.audit.console.anomalies import COPENHAGEN
from gateway.audit.entries.schemas import (
    Actor,
    AuditEvent,
    BasisRef,
    CategoryOutcome,
    CitizenRef,
    format_time,
)
from gateway.audit.entries.service import AuditWriter
from gateway.keys import Pseudonymiser

SNOOPER = "vikar-jobcenter"
SYNTHETIC_REASON = "synthetic_demo_pattern"
PURPOSE = "tvaerfagligt_team"
FOREIGN = ["health.contact", "health.wellbeing", "social.contact", "social.services"]
OWN = ["jobcenter.benefit", "jobcenter.contact", "jobcenter.plan"]


@dataclass(frozen=True, slots=True)
class SnoopingPattern:
    """What was written: the user, how many citizens, and when (UTC)."""

    actor_id: str
    citizens: int
    first: datetime
    last: datetime
    entries: int


def night_before(now: datetime) -> datetime:
    """02:10 Copenhagen time on the most recent night before ``now`` (outside working hours)."""
    local = now.astimezone(COPENHAGEN)
    day: date = local.date() if local.time() >= time(3, 0) else local.date() - timedelta(days=1)
    return datetime.combine(day, time(2, 10), tzinfo=COPENHAGEN).astimezone(UTC)


async def seed_snooping_pattern(
    audit: AuditWriter,
    pseudonymiser: Pseudonymiser,
    *,
    now: datetime,
    count: int = 24,
    actor_id: str = SNOOPER,
    spacing: timedelta = timedelta(seconds=75),
) -> SnoopingPattern:
    """Write ``count`` look-ups of distinct citizens by one jobcenter user, at night.

    Every look-up asks for the interdisciplinary team purpose without any consent, so other
    departments' categories are withheld (``consent_missing``); every third also tries a
    purpose the user's role may not use and is denied outright. That trips the rules for many
    citizens in a short window, off-hours access, no-consent look-ups and repeated denials.
    """
    # Skip the demo trio (borger-1..3): their "Min log" stays about the demo's own story.
    people = citizens()[3:]
    count = min(count, len(people))
    start = night_before(now)
    actor = Actor(user_id=actor_id, kind="employee", department="jobcenter", roles=["caseworker"])
    key_id = pseudonymiser.current_key_id
    events: list[AuditEvent] = []
    for n, person in enumerate(people[:count]):
        at = format_time(start + spacing * n)
        denied = n % 3 == 2
        purpose = "ressourceforloeb_koordinering" if denied else PURPOSE
        requested = sorted(OWN + FOREIGN)
        common = {
            "action": "view.read",
            "request_id": str(uuid.uuid4()),
            "actor": actor,
            "purpose": purpose,
            "citizen": CitizenRef(pseudonym=pseudonymiser.pseudonym(person.cpr), key_id=key_id),
            "decision_id": str(uuid.uuid4()),
            "policy_version": "synthetic",
            "reason": SYNTHETIC_REASON,
            "time": at,
        }
        if denied:
            codes = dict.fromkeys(requested, "role_not_allowed")
            granted: list[str] = []
        else:
            codes = dict.fromkeys(FOREIGN, "consent_missing")
            granted = list(OWN)
        bases = (
            []
            if denied
            else [BasisRef(category=c, kind="own_department", ref="jobcenter") for c in OWN]
        )
        cats = CategoryOutcome(requested=requested, granted=granted, withheld=sorted(codes))
        events.append(
            AuditEvent(
                phase="intent",
                outcome="denied" if denied else "permitted",
                categories=cats,
                denial_codes=codes,
                bases=bases,
                **common,
            )
        )
        events.append(
            AuditEvent(
                phase="outcome",
                outcome="denied" if denied else "partial",
                categories=cats,
                denial_codes=codes,
                bases=bases,
                source_systems=[] if denied else ["Jobcentrets sagssystem"],
                record_counts={} if denied else {c: 1 for c in OWN},
                **common,
            )
        )
    await audit.append(events)
    return SnoopingPattern(
        actor_id=actor_id,
        citizens=count,
        first=start,
        last=start + spacing * (count - 1),
        entries=len(events),
    )
