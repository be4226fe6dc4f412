"""The DPO console's JSON API: filtered search, charts, anomalies and exports (DPO only).

Every endpoint takes the filter as a POST body, because the filter may hold a citizen's CPR
(CPR numbers never go in a URL). A search or export by citizen is itself audited, in the
same transaction as the read.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from gateway.audit.analytics import AuditAnalytics, AuditQuery, ChartData, dpo_event
from gateway.audit.analytics_export import csv_export
from gateway.audit.anomalies import Anomaly
from gateway.audit.repository import AuditRepository, entry_dict
from gateway.audit.schemas import AuditEntryRead
from gateway.auth.dependencies import DpoPrincipal
from gateway.errors import ERROR_RESPONSES
from gateway.services import RequestIdDep, ServicesDep, SessionDep

router = APIRouter(prefix="/v1/audit", tags=["audit (DPO console)"])
_ERRORS: dict[int | str, dict[str, Any]] = {k: ERROR_RESPONSES[k] for k in (401, 403, 422)}


class ConsoleSearch(AuditQuery):
    """A filter plus paging: ``before`` is the ``seq`` cursor from the previous page."""

    model_config = ConfigDict(extra="forbid")
    before: int | None = Field(None, ge=1)
    limit: int = Field(50, ge=1, le=1000)


class ConsolePage(BaseModel):
    items: list[AuditEntryRead]
    total: int = Field(description="How many entries match the filter in all")
    next_cursor: int | None = Field(None, description="Pass as `before` for older entries")


class AnomalyReport(BaseModel):
    since: datetime
    until: datetime
    anomalies: list[Anomaly]


@router.post("/console/entries", response_model=ConsolePage, responses=_ERRORS)
async def console_entries(
    body: ConsoleSearch,
    principal: DpoPrincipal,
    session: SessionDep,
    svc: ServicesDep,
    request_id: RequestIdDep,
) -> ConsolePage:
    """Audit entries matching the filter, newest first.

    Outcome filter: `granted` (something was released), `withheld` (some category was
    refused), `unavailable` (a department system did not answer), `denied` (the whole
    request was refused). `cpr` matches the citizen's pseudonym under every HMAC key.
    """
    flt = body.to_filter(svc.keys.pseudonymiser)
    analytics = AuditAnalytics(session, settings=svc.settings)
    rows = await analytics.search(flt, before=body.before, limit=body.limit)
    total = await analytics.count(flt)
    if body.cpr:
        AuditRepository(session).add(
            [
                dpo_event(
                    principal,
                    action="audit.search_citizen",
                    request_id=request_id,
                    pseudonymiser=svc.keys.pseudonymiser,
                    cpr=body.cpr,
                    counts={"entries": total},
                )
            ]
        )
    items = [AuditEntryRead(seq=r.seq, leaf_index=r.leaf_index, entry=entry_dict(r)) for r in rows]
    return ConsolePage(
        items=items,
        total=total,
        next_cursor=rows[-1].seq if len(rows) == body.limit else None,
    )


@router.post("/console/charts", response_model=ChartData, responses=_ERRORS)
async def console_charts(
    body: AuditQuery, principal: DpoPrincipal, session: SessionDep, svc: ServicesDep
) -> ChartData:
    """Accesses per day by department and by purpose, denial and withheld rates per day, and
    the users who saw the most distinct citizens (days in Europe/Copenhagen)."""
    analytics = AuditAnalytics(session, settings=svc.settings)
    return await analytics.charts(body.to_filter(svc.keys.pseudonymiser), now=svc.clock())


@router.post("/console/anomalies", response_model=AnomalyReport, responses=_ERRORS)
async def console_anomalies(
    body: AuditQuery, principal: DpoPrincipal, session: SessionDep, svc: ServicesDep
) -> AnomalyReport:
    """Anomalies in the filter's time range, each with the numbers and a plain explanation.

    Rules: many distinct citizens in a short window, access outside working hours, repeated
    denials, look-ups of citizens without consent, and spikes against the user's own
    baseline. Thresholds are configuration (`TVAERS_ANOMALY_*`).
    """
    analytics = AuditAnalytics(session, settings=svc.settings)
    flt = body.to_filter(svc.keys.pseudonymiser)
    since, until = analytics.time_range(flt, now=svc.clock())
    found = await analytics.anomalies(flt, now=svc.clock())
    return AnomalyReport(since=since, until=until, anomalies=found)


@router.post(
    "/exports/csv",
    response_class=StreamingResponse,
    responses={**_ERRORS, 200: {"content": {"text/csv": {}}}},
)
async def export_csv(
    body: AuditQuery,
    principal: DpoPrincipal,
    session: SessionDep,
    svc: ServicesDep,
    request_id: RequestIdDep,
) -> StreamingResponse:
    """The filtered entries as CSV for Excel: `;`-separated, UTF-8 with BOM (oldest first)."""
    flt = body.to_filter(svc.keys.pseudonymiser)
    total = await AuditAnalytics(session, settings=svc.settings).count(flt)
    AuditRepository(session).add(
        [
            dpo_event(
                principal,
                action="audit.export_csv",
                request_id=request_id,
                pseudonymiser=svc.keys.pseudonymiser,
                cpr=body.cpr,
                counts={"entries": total},
            )
        ]
    )

    async def stream() -> AsyncIterator[bytes]:
        # The request's session is closed once the handler returns; streaming needs its own.
        async with svc.sessions() as own:
            async for chunk in csv_export(own, flt):
                yield chunk

    return StreamingResponse(
        stream(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="tvaers-revisionslog.csv"'},
    )
