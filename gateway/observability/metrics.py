"""Prometheus metrics of the gateway, in one registry of its own.

Labels are bounded sets only: route templates (never raw paths), status codes, outcomes,
engine and connector names. Nothing about a citizen is ever a label.
"""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
)

REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)
GCCollector(registry=REGISTRY)

# Policy decisions take well under a millisecond embedded and a few over the network (OPA).
_FAST_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)
# Department systems answer in tens to hundreds of milliseconds; the deadline is ~2 s.
_CONNECTOR_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0)

HTTP_REQUESTS = Counter(
    "tvaers_http_requests",
    "HTTP requests by method, route template and status code.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
HTTP_REQUEST_SECONDS = Histogram(
    "tvaers_http_request_duration_seconds",
    "HTTP request duration by method and route template.",
    ["method", "route"],
    registry=REGISTRY,
)
POLICY_DECISIONS = Counter(
    "tvaers_policy_decisions",
    "Policy decisions by engine and outcome (permitted, denied, error).",
    ["engine", "outcome"],
    registry=REGISTRY,
)
POLICY_DECISION_SECONDS = Histogram(
    "tvaers_policy_decision_duration_seconds",
    "Time to obtain one policy decision.",
    ["engine"],
    buckets=_FAST_BUCKETS,
    registry=REGISTRY,
)
VIEWS = Counter(
    "tvaers_views",
    "Shared views by outcome (granted, partial, unavailable, denied, error).",
    ["outcome"],
    registry=REGISTRY,
)
CONNECTOR_FETCH_SECONDS = Histogram(
    "tvaers_connector_fetch_duration_seconds",
    "Connector fetch duration by connector and outcome (ok, timeout, unavailable, rejected).",
    ["connector", "outcome"],
    buckets=_CONNECTOR_BUCKETS,
    registry=REGISTRY,
)
AUDIT_UNSEQUENCED = Gauge(
    "tvaers_audit_unsequenced_entries",
    "Committed audit entries not yet in the Merkle tree (read at scrape time).",
    registry=REGISTRY,
)
AUDIT_LAG_SECONDS = Gauge(
    "tvaers_audit_lag_seconds",
    "Age of the oldest audit entry not yet in the Merkle tree; 0 when none is waiting.",
    registry=REGISTRY,
)
AUDIT_TREE_SIZE = Gauge(
    "tvaers_audit_tree_size",
    "Entries in the audit log's Merkle tree (read at scrape time).",
    registry=REGISTRY,
)
AUDIT_STATE_UP = Gauge(
    "tvaers_audit_state_up",
    "1 if the audit gauges were read from the database at this scrape, else 0.",
    registry=REGISTRY,
)
AUDIT_WITNESS_COSIGNED_SIZE = Gauge(
    "tvaers_audit_witness_cosigned_size",
    "Largest audit checkpoint size each configured witness has cosigned (read at scrape time).",
    ["witness"],
    registry=REGISTRY,
)
AUDIT_WITNESS_GAP = Gauge(
    "tvaers_audit_witness_gap_entries",
    "Entries in the newest checkpoint that a witness has not cosigned yet (0: up to date).",
    ["witness"],
    registry=REGISTRY,
)
