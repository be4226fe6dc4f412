"""Measure the orchestrator's calls: one metric and one span per policy decision and connector.

Used by ``gateway.views.service`` as ``with observe_policy(engine) as call: ...`` and
``call.outcome = ...``; an exception leaves the outcome ``error``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from gateway.observability.metrics import (
    CONNECTOR_FETCH_SECONDS,
    POLICY_DECISION_SECONDS,
    POLICY_DECISIONS,
    VIEWS,
)
from gateway.observability.tracing import span


@dataclass
class CallOutcome:
    """What the caller reports about its call; stays ``error`` if the call raised."""

    outcome: str = "error"


@contextmanager
def observe_policy(engine: str) -> Iterator[CallOutcome]:
    """Time one policy decision and count it by outcome (permitted, denied, error)."""
    call = CallOutcome()
    started = time.perf_counter()
    with span("policy.decide", {"tvaers.policy.engine": engine}) as current:
        try:
            yield call
        finally:
            POLICY_DECISION_SECONDS.labels(engine).observe(time.perf_counter() - started)
            POLICY_DECISIONS.labels(engine, call.outcome).inc()
            current.set_attribute("tvaers.outcome", call.outcome)


@contextmanager
def observe_connector(connector: str) -> Iterator[CallOutcome]:
    """Time one connector fetch by outcome (ok, timeout, unavailable, rejected, error)."""
    call = CallOutcome()
    started = time.perf_counter()
    with span("connector.fetch", {"tvaers.connector": connector}) as current:
        try:
            yield call
        finally:
            CONNECTOR_FETCH_SECONDS.labels(connector, call.outcome).observe(
                time.perf_counter() - started
            )
            current.set_attribute("tvaers.outcome", call.outcome)


def record_view(outcome: str) -> None:
    """Count one shared view by its audited outcome."""
    VIEWS.labels(outcome).inc()
