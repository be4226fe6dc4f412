"""Per-request observability: request metrics by route template, a server span, and the
request id bound into every log line written while the request runs.

Installed inside ``GatewayMiddleware`` so the request id already exists.
"""

from __future__ import annotations

import time

import structlog
from opentelemetry import propagate, trace
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.observability.metrics import HTTP_REQUEST_SECONDS, HTTP_REQUESTS
from gateway.observability.tracing import Tracing, reset_tracer, use_tracer

UNMATCHED = "unmatched"


def route_template(scope: Scope) -> str:
    """The matched route's template (``/v1/consents/{consent_id}/withdraw``), never the path."""
    route = scope.get("route")
    template = getattr(route, "path", None)
    return template if isinstance(template, str) and template else UNMATCHED


class ObservabilityMiddleware:
    """Counts and times requests, traces them, and binds ``request_id`` for the logs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method: str = scope.get("method", "GET")
        request_id = str((scope.get("state") or {}).get("request_id", ""))
        tracing = getattr(getattr(scope.get("app"), "state", None), "tracing", None)
        tracer = tracing.tracer if isinstance(tracing, Tracing) else trace.NoOpTracer()
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}
        status = 500
        started = time.perf_counter()

        async def send_recording_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        token = use_tracer(tracer)
        try:
            with (
                structlog.contextvars.bound_contextvars(request_id=request_id),
                tracer.start_as_current_span(
                    method,
                    context=propagate.extract(headers),
                    kind=trace.SpanKind.SERVER,
                    attributes={"http.request.method": method, "tvaers.request_id": request_id},
                    record_exception=False,
                    set_status_on_exception=False,
                ) as server_span,
            ):
                try:
                    await self.app(scope, receive, send_recording_status)
                finally:
                    route = route_template(scope)
                    server_span.update_name(f"{method} {route}")
                    server_span.set_attribute("http.route", route)
                    server_span.set_attribute("http.response.status_code", status)
                    if status >= 500:
                        server_span.set_status(trace.StatusCode.ERROR)
                    HTTP_REQUESTS.labels(method, route, str(status)).inc()
                    HTTP_REQUEST_SECONDS.labels(method, route).observe(
                        time.perf_counter() - started
                    )
        finally:
            reset_tracer(token)
