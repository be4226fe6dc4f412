"""``/readyz`` and ``/metrics`` (``/healthz``, liveness, is in ``gateway.app``)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from gateway.audit.log.dependencies import witnessing
from gateway.audit.log.witnessing import WitnessGap, witness_gaps
from gateway.dependencies import RuntimeDep
from gateway.observability.metrics import (
    AUDIT_LAG_SECONDS,
    AUDIT_STATE_UP,
    AUDIT_TREE_SIZE,
    AUDIT_UNSEQUENCED,
    AUDIT_WITNESS_COSIGNED_SIZE,
    AUDIT_WITNESS_GAP,
    REGISTRY,
)
from gateway.observability.readiness import Check, Readiness, check_readiness
from gateway.observability.repository import ObservabilityRepository
from gateway.problems import problem_response
from gateway.runtime import Runtime

logger = logging.getLogger("tvaers.observability")

router = APIRouter(tags=["operations"])


@router.get(
    "/readyz",
    responses={503: {"description": "Not ready: database, policy engine or sequencer down"}},
)
async def readyz(request: Request, svc: RuntimeDep) -> JSONResponse:
    """Readiness: database, policy engine and audit sequencer (critical), and each connector.

    `ready` and `degraded` (a department system is down) answer 200; `not_ready` answers 503.
    """
    report = await check_readiness(
        sessions=svc.sessions,
        policy=svc.policy,
        # The lifespan keeps the sequencer on the app (gateway.audit.log.lifecycle).
        sequencer=getattr(request.app.state, "audit_sequencer", None),
        connectors={name: _health_url(svc, name) for name in sorted(svc.registry.connectors)},
        http=svc.http,
        timeout_s=svc.settings.readiness_timeout_s,
    )
    report = Readiness({**report.checks, **await _witness_checks(request, svc)})
    body = report.as_dict()
    if report.ready:
        return JSONResponse(body)
    # Not ready is an error like any other: a problem document, the checks as an extension.
    return problem_response(
        request,
        code="not_ready",
        status=503,
        detail_da="Database, politikmotor eller sekvenser er nede",
        detail_en="Database, policy engine or sequencer down",
        headers={"Retry-After": "5"},
        extensions={"checks": body["checks"]},
    )


async def _witness_checks(request: Request, svc: Runtime) -> dict[str, Check]:
    """One non-critical check per witness: a witness that is down delays cosigning only."""
    try:
        gaps = await witness_gaps(svc.sessions, witnessing(request))
    except Exception as exc:  # the database check above already reports the cause
        return {"audit_witnesses": Check("down", False, type(exc).__name__)}
    return {f"witness:{g.name}": _witness_check(g) for g in gaps}


def _witness_check(gap: WitnessGap) -> Check:
    detail = (
        f"cosigned up to size {gap.cosigned_size or 0} of {gap.latest_size} "
        f"({gap.gap} entries not yet witnessed)"
    )
    if gap.gap > 0 and gap.last_error is not None:
        return Check("down", False, f"{detail}; last attempt: {gap.last_error}")
    return Check("ok", False, detail)


@router.get("/metrics", response_class=Response)
async def metrics(request: Request, svc: RuntimeDep) -> Response:
    """Prometheus metrics (text exposition format). Scrape from the internal network only."""
    await refresh_audit_gauges(svc)
    try:
        for gap in await witness_gaps(svc.sessions, witnessing(request)):
            AUDIT_WITNESS_COSIGNED_SIZE.labels(witness=gap.name).set(gap.cosigned_size or 0)
            AUDIT_WITNESS_GAP.labels(witness=gap.name).set(gap.gap)
    except Exception as exc:  # a scrape must still answer
        logger.warning("witness gauges not refreshed: %s", type(exc).__name__)
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


async def refresh_audit_gauges(svc: Runtime) -> None:
    """Read the sequencer's progress from the database into the audit gauges."""
    try:
        async with svc.sessions() as session:
            progress = await ObservabilityRepository(session).audit_progress()
    except Exception as exc:  # a scrape must still answer; the gauge says the read failed
        logger.warning("audit gauges not refreshed: %s", type(exc).__name__)
        AUDIT_STATE_UP.set(0)
        return
    AUDIT_STATE_UP.set(1)
    AUDIT_TREE_SIZE.set(progress.tree_size)
    AUDIT_UNSEQUENCED.set(progress.unsequenced)
    oldest = progress.oldest_unsequenced_at
    AUDIT_LAG_SECONDS.set(max(0.0, (svc.clock() - oldest).total_seconds()) if oldest else 0.0)


def _health_url(svc: Runtime, name: str) -> str | None:
    url = svc.settings.connectors.get(name, {}).get("health_url")
    return str(url) if url else None
