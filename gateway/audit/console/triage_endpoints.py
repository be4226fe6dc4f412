"""``POST /v1/audit/anomalies/{anomaly_id}/triage``: the DPO handles an anomaly (audited)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from gateway.audit.console.anomalies import AnomalyTriage
from gateway.audit.console.triage import AnomalyTriageService, TriageCreate
from gateway.auth.dependencies import DpoPrincipal
from gateway.dependencies import CorrelationIdDep, RuntimeDep, SessionDep
from gateway.errors import ERROR_RESPONSES

router = APIRouter(prefix="/v1/audit", tags=["audit (DPO console)"])
_ERRORS: dict[int | str, dict[str, Any]] = {k: ERROR_RESPONSES[k] for k in (401, 403, 422)}


@router.post("/anomalies/{anomaly_id}/triage", response_model=AnomalyTriage, responses=_ERRORS)
async def triage_anomaly(
    body: TriageCreate,
    principal: DpoPrincipal,
    session: SessionDep,
    svc: RuntimeDep,
    request_id: CorrelationIdDep,
    anomaly_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")],
) -> AnomalyTriage:
    """Mark an anomaly `investigated` or `dismissed` with a note; the console then lists it
    as handled. Audited (`anomaly.triage`) in the same transaction."""
    return await AnomalyTriageService(session).triage(
        anomaly_id, body, principal, now=svc.clock(), request_id=request_id
    )
