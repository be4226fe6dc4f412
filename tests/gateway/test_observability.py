"""Liveness, readiness, Prometheus metrics, OpenTelemetry spans and JSON logs — and that no CPR
number reaches any of them after a full flow (invariant 5)."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import generate_latest

from gateway.app import Overrides
from gateway.logging import CPR_PATTERN, CprRedactingFilter
from gateway.observability.logs import configure_structlog, json_formatter
from gateway.observability.metrics import REGISTRY
from gateway.observability.readiness import check_readiness
from gateway.policy.types import Decision, PolicyEngineError
from tests.harness import Harness, demo_cpr, running_gateway


class UnhealthyPolicy:
    name = "unhealthy"

    async def decide(self, policy_input: dict[str, Any]) -> Decision:
        raise PolicyEngineError("down")

    async def healthy(self) -> bool:
        return False

    async def aclose(self) -> None:
        return None


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in Prometheus text output, or None."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        metric, _, value = line.rpartition(" ")
        metric_name, _, rest = metric.partition("{")
        if metric_name != name:
            continue
        found = ",".join(sorted(rest.rstrip("}").split(","))) if rest else ""
        if found == wanted:
            return float(value)
    return None


def total(text: str, name: str, **labels: str) -> float:
    """The sum of every sample of ``name`` whose labels include ``labels``."""
    found = 0.0
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        metric, _, value = line.rpartition(" ")
        metric_name, _, rest = metric.partition("{")
        have = set(rest.rstrip("}").split(",")) if rest else set()
        if metric_name == name and {f'{k}="{v}"' for k, v in labels.items()} <= have:
            found += float(value)
    return found


# ------------------------------------------------------------------------ liveness, readiness


async def test_healthz_answers_without_checking_anything(gw: Harness) -> None:
    response = await gw.client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_checks_database_policy_sequencer_and_lists_connectors(gw: Harness) -> None:
    response = await gw.client.get("/readyz")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready"
    checks = body["checks"]
    for name in ("database", "policy_engine", "audit_sequencer"):
        assert checks[name] == {"status": "ok", "critical": True, "detail": ""}, name
    for name in ("jobcenter", "social", "health"):
        assert checks[f"connector:{name}"]["status"] == "not_probed"
        assert checks[f"connector:{name}"]["critical"] is False


async def test_readyz_is_503_when_the_policy_engine_is_down(gw: Harness) -> None:
    gw.services.policy = UnhealthyPolicy()
    response = await gw.client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "not_ready"
    assert body["type"] == "urn:tvaers:problem:not_ready"
    assert body["checks"]["policy_engine"]["status"] == "down"
    assert body["checks"]["database"]["status"] == "ok"


async def test_readyz_is_503_when_the_sequencer_has_stopped(gw: Harness) -> None:
    await gw.app.state.audit_sequencer.stop()
    response = await gw.client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["audit_sequencer"]["status"] == "down"


async def test_a_department_that_is_down_degrades_but_keeps_the_gateway_ready(
    gw: Harness,
) -> None:
    def department(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200 if request.url.host == "jobcenter.sim" else 503)

    async with httpx.AsyncClient(transport=httpx.MockTransport(department)) as http:
        report = await check_readiness(
            sessions=gw.services.sessions,
            policy=gw.services.policy,
            sequencer=gw.app.state.audit_sequencer,
            connectors={
                "jobcenter": "http://jobcenter.sim/healthz",
                "social": "http://social.sim/healthz",
                "health": None,
            },
            http=http,
            timeout_s=1.0,
        )
    assert report.ready and report.status == "degraded"
    assert report.checks["connector:jobcenter"].status == "ok"
    assert report.checks["connector:social"].status == "down"
    assert report.checks["connector:health"].status == "not_probed"


async def test_a_probe_that_cannot_connect_is_down_with_its_error_type_only(gw: Harness) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused: http://user:secret@jobcenter.sim", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as http:
        report = await check_readiness(
            sessions=gw.services.sessions,
            policy=gw.services.policy,
            sequencer=None,
            connectors={"jobcenter": "http://jobcenter.sim/healthz"},
            http=http,
            timeout_s=1.0,
        )
    assert report.checks["connector:jobcenter"].detail == "ConnectError"
    assert "secret" not in json.dumps(report.as_dict())
    assert report.checks["audit_sequencer"].status == "not_running"


# ---------------------------------------------------------------------------------- metrics


async def test_metrics_count_requests_by_route_template_never_by_path(gw: Harness) -> None:
    cpr = demo_cpr(0)
    consent = await gw.record_consent(cpr)
    consent_id = consent["consent"]["consent_id"]
    headers = await gw.auth("sagsbehandler-jobcenter")
    before = generate_latest(REGISTRY).decode()
    withdraw = "/v1/consents/{consent_id}/withdraw"
    counted = sample(
        before, "tvaers_http_requests_total", method="POST", route=withdraw, status="200"
    )
    response = await gw.client.post(
        f"/v1/consents/{consent_id}/withdraw", json={"evidence_ref": "brev"}, headers=headers
    )
    assert response.status_code == 200
    await gw.client.get(f"/no/such/{consent_id}")
    text = (await gw.client.get("/metrics")).text
    after = sample(text, "tvaers_http_requests_total", method="POST", route=withdraw, status="200")
    assert after == (counted or 0) + 1
    assert consent_id not in text, "a raw path reached the metrics"
    assert sample(text, "tvaers_http_requests_total", method="GET", route="unmatched", status="404")


async def test_metrics_count_decisions_views_and_time_connectors(gw: Harness) -> None:
    cpr = demo_cpr(1)
    await gw.record_consent(cpr, categories=["health.wellbeing", "social.services"])
    engine = gw.services.policy.name
    before = generate_latest(REGISTRY).decode()
    response = await gw.client.post(
        "/v1/views",
        json={"cpr": cpr, "purpose": "tvaerfagligt_team"},
        headers=await gw.auth("sagsbehandler-jobcenter"),
    )
    assert response.status_code == 200
    after = (await gw.client.get("/metrics")).text

    def grew(name: str, **labels: str) -> float:
        return total(after, name, **labels) - total(before, name, **labels)

    assert grew("tvaers_policy_decisions_total", engine=engine, outcome="permitted") == 1
    assert grew("tvaers_policy_decision_duration_seconds_count", engine=engine) == 1
    # One fetch per department asked, whatever its outcome (a slow machine may time out).
    for connector in ("health", "social"):
        assert grew("tvaers_connector_fetch_duration_seconds_count", connector=connector) == 1
    assert grew("tvaers_views_total") == 1


async def test_metrics_report_the_sequencer_tree_size_and_audit_lag(gw: Harness) -> None:
    sequencer = gw.app.state.audit_sequencer
    await gw.record_consent(demo_cpr(2))
    await sequencer.flush()
    text = (await gw.client.get("/metrics")).text
    async with gw.services.engine.connect() as conn:
        rows = (await conn.exec_driver_sql("SELECT count(*) FROM audit_entries")).scalar_one()
    assert rows > 0
    assert sample(text, "tvaers_audit_tree_size") == rows
    assert sample(text, "tvaers_audit_unsequenced_entries") == 0
    assert sample(text, "tvaers_audit_lag_seconds") == 0
    assert sample(text, "tvaers_audit_state_up") == 1

    await sequencer.stop()  # nothing sequences now: the next entry waits and the lag shows it
    await gw.record_consent(demo_cpr(2), purpose="tvaerfagligt_team", days=30)
    text = (await gw.client.get("/metrics")).text
    assert (sample(text, "tvaers_audit_unsequenced_entries") or 0) >= 1
    assert (sample(text, "tvaers_audit_lag_seconds") or 0) >= 0
    assert sample(text, "tvaers_audit_tree_size") == rows


# --------------------------------------------------------------------------------- tracing


async def test_tracing_is_off_by_default(gw: Harness) -> None:
    assert gw.app.state.tracing.enabled is False


@pytest.fixture
async def traced(tmp_path: Path) -> AsyncIterator[tuple[Harness, InMemorySpanExporter]]:
    exporter = InMemorySpanExporter()
    async with running_gateway(tmp_path, overrides=Overrides(span_exporter=exporter)) as gw:
        yield gw, exporter


@pytest.mark.usefixtures("database_url")
async def test_a_view_is_one_trace_across_gateway_policy_and_connector_calls(
    traced: tuple[Harness, InMemorySpanExporter],
) -> None:
    gw, exporter = traced
    cpr = demo_cpr(0)
    await gw.record_consent(cpr, categories=["health.wellbeing", "social.services"])
    headers = await gw.auth("sagsbehandler-jobcenter")  # its /dev/token call is not the view's
    exporter.clear()
    response = await gw.client.post(
        "/v1/views", json={"cpr": cpr, "purpose": "tvaerfagligt_team"}, headers=headers
    )
    assert response.status_code == 200
    spans = exporter.get_finished_spans()
    by_name: dict[str, list[ReadableSpan]] = {}
    for s in spans:
        by_name.setdefault(s.name, []).append(s)
    (server,) = by_name["POST /v1/views"]
    assert server.attributes is not None
    assert server.attributes["http.route"] == "/v1/views"
    assert server.attributes["tvaers.request_id"] == response.headers["x-request-id"]
    (policy,) = by_name["policy.decide"]
    fetches = {str((s.attributes or {})["tvaers.connector"]): s for s in by_name["connector.fetch"]}
    assert {"social", "health"} <= set(fetches)
    trace_id = server.context.trace_id
    assert all(s.context.trace_id == trace_id for s in spans)
    assert policy.parent is not None and policy.parent.span_id == server.context.span_id
    http_spans = [s for s in spans if s.kind.name == "CLIENT"]
    assert http_spans, "the connectors' HTTP calls are traced"
    fetch_ids = {s.context.span_id for s in fetches.values()}
    assert all(s.parent is not None and s.parent.span_id in fetch_ids for s in http_spans)


# ------------------------------------------------------------------------------------- logs


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    """The production log set-up (JSON formatter + CPR filter) on a handler we can read."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(json_formatter())
    handler.addFilter(CprRedactingFilter())
    root = logging.getLogger()
    previous = root.level
    configure_structlog()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


async def test_json_logs_carry_the_request_id(gw: Harness, json_logs: io.StringIO) -> None:
    cpr = demo_cpr(0)
    await gw.record_consent(cpr, categories=["health.wellbeing"])
    gw.set_simulator("health", fault="error500")
    response = await gw.client.post(
        "/v1/views",
        json={"cpr": cpr, "purpose": "tvaerfagligt_team"},
        headers=await gw.auth("sagsbehandler-jobcenter"),
    )
    lines = [json.loads(line) for line in json_logs.getvalue().splitlines()]
    mine = [line for line in lines if line.get("request_id") == response.headers["x-request-id"]]
    warning = [line for line in mine if line["logger"] == "tvaers.views"]
    assert warning, lines
    assert warning[0]["level"] == "warning" and "health" in warning[0]["event"]
    assert {"timestamp", "level", "logger", "event", "request_id"} <= set(warning[0])


def test_the_json_formatter_masks_a_cpr_in_any_field() -> None:
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "looked up %s", ("0101701234",), None
    )
    line = json.loads(json_formatter().format(record))
    assert line["event"] == "looked up [CPR]"


# ------------------------------------------------------------------ no CPR anywhere, end to end


@pytest.mark.usefixtures("database_url")
async def test_no_cpr_reaches_logs_metrics_or_spans_after_a_full_flow(
    tmp_path: Path, json_logs: io.StringIO
) -> None:
    exporter = InMemorySpanExporter()
    cpr = demo_cpr(0)
    async with running_gateway(tmp_path, overrides=Overrides(span_exporter=exporter)) as gw:
        staff = await gw.auth("sagsbehandler-jobcenter")
        consent = await gw.record_consent(cpr, categories=["health.wellbeing", "social.services"])
        view = {"cpr": cpr, "purpose": "tvaerfagligt_team"}
        assert (await gw.client.post("/v1/views", json=view, headers=staff)).status_code == 200
        search = await gw.client.post("/v1/consents/search", json={"cpr": cpr}, headers=staff)
        assert search.status_code == 200
        citizen = await gw.client.get("/v1/me/consents", headers=await gw.auth("borger-1"))
        assert citizen.status_code == 200
        gw.set_simulator("health", fault="error500")
        assert (await gw.client.post("/v1/views", json=view, headers=staff)).status_code == 200
        withdrawn = await gw.client.post(
            f"/v1/consents/{consent['consent']['consent_id']}/withdraw",
            json={"evidence_ref": "brev"},
            headers=staff,
        )
        assert withdrawn.status_code == 200
        assert (await gw.client.post("/v1/views", json=view, headers=staff)).status_code == 200
        dpo = await gw.auth("dpo")
        audit = await gw.client.post("/v1/audit/search", json={"cpr": cpr}, headers=dpo)
        assert audit.status_code == 200 and audit.json()["items"]
        await gw.app.state.audit_sequencer.flush()
        metrics = (await gw.client.get("/metrics")).text
        readiness = (await gw.client.get("/readyz")).text
        spans = exporter.get_finished_spans()

    assert spans and json_logs.getvalue() and "tvaers_http_requests_total" in metrics
    forms = [cpr, f"{cpr[:6]}-{cpr[6:]}"]
    span_text = "\n".join(_span_text(s) for s in spans)
    for where, text in [
        ("logs", json_logs.getvalue()),
        ("metrics", metrics),
        ("readiness", readiness),
        ("spans", span_text),
    ]:
        for form in forms:
            assert form not in text, f"a CPR number reached the {where}"
    # Beyond the one citizen: nothing CPR-shaped at all (request and trace ids set aside).
    without_ids = re.sub(
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "", span_text
    )
    assert not CPR_PATTERN.search(without_ids), "something CPR-shaped in the spans"


def _span_text(span: ReadableSpan) -> str:
    parts: list[Any] = [span.name, dict(span.attributes or {}), span.status.description]
    parts += [(e.name, dict(e.attributes or {})) for e in span.events]
    parts += [dict(link.attributes or {}) for link in span.links]
    return json.dumps(parts, default=str, ensure_ascii=False)
