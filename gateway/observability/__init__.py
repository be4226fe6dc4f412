"""Observability: liveness and readiness, Prometheus metrics, OpenTelemetry traces, JSON logs.

Modules are imported directly (``gateway.observability.calls`` etc.): this package imports
nothing itself, so the view orchestrator can use it without an import cycle.
"""
