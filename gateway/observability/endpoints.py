"""``/readyz`` and ``/metrics`` (``/healthz``, liveness, is in ``gateway.app``)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from gateway.dependencies import RuntimeDep
from gateway.observability.metrics import (
    AUDIT_LAG_SECONDS,
    AUDIT_STATE_UP,
    AUDIT_TREE_SIZE,
    AUDIT_UNSEQUENCED,
    REGISTRY,
)
from gateway.observability.readiness import check_readiness
from gateway.observability.repository import ObservabilityRepository
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
    return JSONResponse(report.as_dict(), status_code=200 if report.ready else 503)


@router.get("/metrics", response_class=Response)
async def metrics(svc: RuntimeDep) -> Response:
    """Prometheus metrics (text exposition format). Scrape from the internal network only."""
    await refresh_audit_gauges(svc)
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
