"""OpenTelemetry tracing: off unless configured (``TVAERS_TRACING_EXPORTER``).

Each app owns its tracer provider (no process-global provider), so tests and several apps in one
process stay apart. The request middleware puts the app's tracer in a context variable; the view
orchestrator's spans and the instrumented connector HTTP client use it from there.

Span attributes are chosen here, never copied from requests: route templates, status codes,
outcomes, engine and connector names, the request id. Connector HTTP spans carry the URL, which
never holds a CPR number (connectors send it in request bodies only).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Literal

import httpx
from opentelemetry import trace
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)
from opentelemetry.util.types import AttributeValue

from gateway import __version__

TracingExporter = Literal["none", "console", "otlp"]
SERVICE_NAME = "tvaers-gateway"

_NO_OP = trace.NoOpTracer()
_current_tracer: ContextVar[trace.Tracer] = ContextVar("tvaers_tracer", default=_NO_OP)


class Tracing:
    """The app's tracer provider (or none: tracing off) and its tracer."""

    def __init__(self, provider: TracerProvider | None) -> None:
        self.provider = provider
        self.tracer: trace.Tracer = provider.get_tracer("tvaers.gateway") if provider else _NO_OP

    @classmethod
    def configure(
        cls,
        exporter_name: TracingExporter,
        *,
        otlp_endpoint: str = "",
        exporter: SpanExporter | None = None,
    ) -> Tracing:
        """Build from settings; ``exporter`` (tests) wins and is exported synchronously."""
        if exporter is None and exporter_name == "none":
            return cls(None)
        provider = TracerProvider(
            resource=Resource.create({"service.name": SERVICE_NAME, "service.version": __version__})
        )
        if exporter is not None:
            provider.add_span_processor(SimpleSpanProcessor(exporter))
        elif exporter_name == "console":
            provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
        else:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            # Empty endpoint: the exporter reads OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT itself.
            otlp = OTLPSpanExporter(endpoint=otlp_endpoint or None)
            provider.add_span_processor(BatchSpanProcessor(otlp))
        return cls(provider)

    @property
    def enabled(self) -> bool:
        return self.provider is not None

    def instrument(self, client: httpx.AsyncClient) -> None:
        """Trace the connectors' HTTP calls and propagate the trace context to departments."""
        if self.provider is not None:
            HTTPXClientInstrumentor.instrument_client(client, tracer_provider=self.provider)

    def uninstrument(self, client: httpx.AsyncClient) -> None:
        if self.provider is not None:
            HTTPXClientInstrumentor.uninstrument_client(client)

    def shutdown(self) -> None:
        """Flush and stop exporting."""
        if self.provider is not None:
            self.provider.shutdown()


def use_tracer(tracer: trace.Tracer) -> object:
    """Make ``tracer`` current for this request; returns a token for ``reset_tracer``."""
    return _current_tracer.set(tracer)


def reset_tracer(token: object) -> None:
    _current_tracer.reset(token)  # type: ignore[arg-type]


@contextmanager
def span(name: str, attributes: Mapping[str, AttributeValue] | None = None) -> Iterator[trace.Span]:
    """A child span of the current one, with the current request's tracer (no-op when off).

    Exceptions are not recorded with their messages: a span holds only attributes set here.
    """
    tracer = _current_tracer.get()
    with tracer.start_as_current_span(
        name, attributes=attributes, record_exception=False, set_status_on_exception=False
    ) as current:
        try:
            yield current
        except BaseException as exc:
            current.set_status(trace.StatusCode.ERROR, type(exc).__name__)
            raise
