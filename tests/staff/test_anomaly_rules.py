"""Anomaly rules as pure functions: each fires at its threshold and not below it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gateway.audit.console.anomalies import AnomalyThresholds, detect_anomalies
from gateway.audit.console.repository import AccessFact
from gateway.config import Settings

MONDAY_NOON = datetime(2026, 11, 16, 11, 0, tzinfo=UTC)  # 12:00 in Copenhagen


def fact(
    n: int, at: datetime, *, actor: str = "a", citizen: str | None = None, outcome: str = "granted"
) -> AccessFact:
    return AccessFact(
        seq=n,
        recorded_at=at,
        actor_id=actor,
        department="jobcenter",
        purpose="tvaerfagligt_team",
        outcome=outcome,
        citizen=citizen or f"c{n}",
        withheld=False,
        no_consent_denial=False,
    )


def thresholds(**overrides: object) -> AnomalyThresholds:
    return AnomalyThresholds.from_settings(Settings(**overrides))  # type: ignore[arg-type]


def kinds(facts: list[AccessFact], t: AnomalyThresholds, since: datetime) -> set[str]:
    return {a.kind for a in detect_anomalies(facts, t, since=since)}


def test_many_citizens_fires_at_the_threshold_within_the_window() -> None:
    t = thresholds(anomaly_distinct_citizens=5, anomaly_window_minutes=60)
    four = [fact(n, MONDAY_NOON + timedelta(minutes=n)) for n in range(4)]
    assert "many_citizens" not in kinds(four, t, MONDAY_NOON)
    five = [fact(n, MONDAY_NOON + timedelta(minutes=n)) for n in range(5)]
    assert "many_citizens" in kinds(five, t, MONDAY_NOON)
    spread = [fact(n, MONDAY_NOON + timedelta(minutes=20 * n)) for n in range(5)]
    assert "many_citizens" not in kinds(spread, t, MONDAY_NOON)


def test_off_hours_uses_copenhagen_time_and_weekends() -> None:
    t = thresholds(anomaly_off_hours_min=2)
    # 16:30 UTC is 17:30 in Copenhagen in November (inside 07-18): not off hours.
    evening = [
        fact(n, MONDAY_NOON.replace(hour=16, minute=30) + timedelta(minutes=n)) for n in range(3)
    ]
    assert "off_hours" not in kinds(evening, t, MONDAY_NOON)
    late = [
        fact(n, MONDAY_NOON.replace(hour=17, minute=30) + timedelta(minutes=n)) for n in range(3)
    ]
    assert "off_hours" in kinds(late, t, MONDAY_NOON)
    saturday = MONDAY_NOON - timedelta(days=2)
    weekend = [fact(n, saturday + timedelta(minutes=n)) for n in range(3)]
    assert "off_hours" in kinds(weekend, t, saturday)
    assert "off_hours" not in kinds(
        weekend, thresholds(anomaly_work_days=[0, 1, 2, 3, 4, 5]), saturday
    )


def test_repeated_denials_count_only_within_the_window() -> None:
    t = thresholds(anomaly_denials=3, anomaly_denial_window_hours=1)
    close = [fact(n, MONDAY_NOON + timedelta(minutes=n), outcome="denied") for n in range(3)]
    assert "repeated_denials" in kinds(close, t, MONDAY_NOON)
    apart = [fact(n, MONDAY_NOON + timedelta(hours=2 * n), outcome="denied") for n in range(3)]
    assert "repeated_denials" not in kinds(apart, t, MONDAY_NOON)


def test_spike_against_the_users_own_baseline() -> None:
    t = thresholds(anomaly_spike_factor=3.0, anomaly_spike_min=10, anomaly_baseline_days=7)
    start = MONDAY_NOON - timedelta(days=7)
    history = [fact(n, start + timedelta(days=d, minutes=n)) for d in range(7) for n in range(4)]
    normal_day = [fact(100 + n, MONDAY_NOON + timedelta(minutes=n)) for n in range(11)]
    assert "spike" not in kinds(history + normal_day, t, MONDAY_NOON)  # 11 < 3 x 4
    busy_day = [fact(100 + n, MONDAY_NOON + timedelta(minutes=n)) for n in range(12)]
    found = detect_anomalies(history + busy_day, t, since=MONDAY_NOON)
    spike = next(a for a in found if a.kind == "spike")
    assert spike.count == 12
    assert "3.0 gange" in spike.explanation.da
    # A colleague's history is not this user's baseline.
    other = [
        fact(n, start + timedelta(days=d, minutes=n), actor="b") for d in range(7) for n in range(4)
    ]
    assert "spike" not in kinds(other + busy_day, t, MONDAY_NOON)
