"""The DPO console's JSON API: filtered search, charts, anomalies and exports (DPO only).

Every endpoint takes the filter as a POST body, because the filter may hold a citizen's CPR
(CPR numbers never go in a URL). A search or export by citizen is itself audited, in the
same transaction as the read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from gateway.audit.console.analytics import AuditAnalytics, AuditQuery, ChartData
from gateway.audit.console.anomalies import Anomaly
from gateway.audit.console.dependencies import DpoConsoleServiceDep
from gateway.audit.console.downloads import csv_response, signed_zip_response
from gateway.audit.console.integrity import (
    IntegrityStatus,
    VerifyJobRead,
    VerifyJobs,
    integrity_status,
    witnessed_notes,
)
from gateway.audit.console.triage import AnomalyTriageService
from gateway.audit.entries.repository import entry_dict
from gateway.audit.entries.schemas import AuditEntryRead
from gateway.audit.log.dependencies import WitnessClientsDep
from gateway.audit.log.lifecycle import audit_signer
from gateway.audit.proofs.notes import NoteVerifier
from gateway.auth.dependencies import DpoPrincipal
from gateway.db import MAX_SQL_INTEGER
from gateway.dependencies import CorrelationIdDep, RuntimeDep, SessionDep
from gateway.errors import ERROR_RESPONSES
from gateway.runtime import Runtime, runtime_of

router = APIRouter(prefix="/v1/audit", tags=["audit (DPO console)"])
_ERRORS: dict[int | str, dict[str, Any]] = {k: ERROR_RESPONSES[k] for k in (401, 403, 422)}


class ConsoleSearch(AuditQuery):
    """A filter plus paging: ``before`` is the ``seq`` cursor from the previous page."""

    model_config = ConfigDict(extra="forbid")
    before: int | None = Field(None, ge=1, le=MAX_SQL_INTEGER)
    limit: int = Field(50, ge=1, le=1000)


class ConsolePage(BaseModel):
    items: list[AuditEntryRead]
    total: int = Field(description="How many entries match the filter in all")
    next_cursor: int | None = Field(None, description="Pass as `before` for older entries")


class AnomalyReport(BaseModel):
    since: datetime
    until: datetime
    anomalies: list[Anomaly]
    open: int = Field(0, description="Anomalies no DPO has triaged yet")
    handled: int = Field(0, description="Anomalies marked investigated or dismissed")


def log_verifier(svc: Runtime) -> NoteVerifier:
    """The verifier key of the log's checkpoints."""
    return audit_signer(svc.settings.audit_origin, svc.keys.audit_key).verifier()


@router.post("/console/entries", response_model=ConsolePage, responses=_ERRORS)
async def console_entries(
    body: ConsoleSearch,
    principal: DpoPrincipal,
    console: DpoConsoleServiceDep,
    correlation_id: CorrelationIdDep,
) -> ConsolePage:
    """Audit entries matching the filter, newest first.

    Outcome filter: `granted` (something was released), `withheld` (some category was
    refused), `unavailable` (a department system did not answer), `denied` (the whole
    request was refused). `cpr` matches the citizen's pseudonym under every HMAC key.
    """
    rows, total = await console.page(
        body, principal, before=body.before, limit=body.limit, correlation_id=correlation_id
    )
    items = [AuditEntryRead(seq=r.seq, leaf_index=r.leaf_index, entry=entry_dict(r)) for r in rows]
    return ConsolePage(
        items=items,
        total=total,
        next_cursor=rows[-1].seq if len(rows) == body.limit else None,
    )


@router.post("/console/charts", response_model=ChartData, responses=_ERRORS)
async def console_charts(
    body: AuditQuery, principal: DpoPrincipal, session: SessionDep, svc: RuntimeDep
) -> ChartData:
    """Accesses per day by department and by purpose, denial and withheld rates per day, and
    the users who saw the most distinct citizens (days in Europe/Copenhagen)."""
    analytics = AuditAnalytics(session, settings=svc.settings)
    return await analytics.charts(body.to_filter(svc.keys.pseudonymiser), now=svc.clock())


@router.post("/console/anomalies", response_model=AnomalyReport, responses=_ERRORS)
async def console_anomalies(
    body: AuditQuery, principal: DpoPrincipal, session: SessionDep, svc: RuntimeDep
) -> AnomalyReport:
    """Anomalies in the filter's time range, each with the numbers and a plain explanation.

    Rules: many distinct citizens in a short window, access outside working hours, repeated
    denials, look-ups of citizens without consent, spikes against the user's own
    baseline, and a consent recorded and used by the same person within minutes. Thresholds
    are configuration (`TVAERS_ANOMALY_*`).
    """
    analytics = AuditAnalytics(session, settings=svc.settings)
    flt = body.to_filter(svc.keys.pseudonymiser)
    since, until = analytics.time_range(flt, now=svc.clock())
    found = await analytics.anomalies(flt, now=svc.clock())
    await AnomalyTriageService(session).attach(found)
    handled = sum(a.triage is not None for a in found)
    return AnomalyReport(
        since=since, until=until, anomalies=found, open=len(found) - handled, handled=handled
    )


@router.post(
    "/exports/csv",
    response_class=StreamingResponse,
    responses={**_ERRORS, 200: {"content": {"text/csv": {}}}},
)
async def export_csv(
    body: AuditQuery,
    principal: DpoPrincipal,
    console: DpoConsoleServiceDep,
    correlation_id: CorrelationIdDep,
) -> StreamingResponse:
    """The filtered entries as CSV for Excel: `;`-separated, UTF-8 with BOM (oldest first)."""
    return csv_response(await console.csv_export(body, principal, correlation_id=correlation_id))


@router.post(
    "/exports/signed",
    response_class=Response,
    responses={**_ERRORS, 200: {"content": {"application/zip": {}}}, 409: {}},
)
async def export_signed(
    body: AuditQuery,
    principal: DpoPrincipal,
    console: DpoConsoleServiceDep,
    correlation_id: CorrelationIdDep,
) -> Response:
    """The filtered entries as a signed export (zip) that `tvaers audit verify full` accepts.

    The zip holds the export directory format of `tvaers audit export`: `manifest.json`,
    `entries.jsonl` (JSON lines, up to the newest signed checkpoint), `checkpoints/` and
    `leaf_hashes.bin` (stored leaf hashes, an untrusted hint that names a changed entry).
    Entries outside the filter are present by leaf hash only, like purged entries, so the
    verifier recomputes the signed root while only the selected entries are readable.
    `selection.json` describes the filter. Unzip and run
    `tvaers audit verify full --export tvaers-audit-export --key <published key>`.
    """
    content, _ = await console.signed_export(body, principal, correlation_id=correlation_id)
    return signed_zip_response(content)


@router.get("/integrity", response_model=IntegrityStatus, responses=_ERRORS)
async def integrity(
    principal: DpoPrincipal, session: SessionDep, svc: RuntimeDep, witnesses: WitnessClientsDep
) -> IntegrityStatus:
    """The newest checkpoint, whether its signature verifies, whether it is consistent
    with the checkpoint before it (checked now, with a consistency proof), and the log
    against the newest checkpoint each witness cosigned (fetched from the witnesses)."""
    return await integrity_status(
        session,
        origin=svc.settings.audit_origin,
        verifier=log_verifier(svc),
        now=svc.clock(),
        witnesses=witnesses,
        quorum=svc.settings.witness_quorum,
    )


def verify_jobs(request: Request) -> VerifyJobs:
    """The verify-now jobs on the shared job store (created on first use)."""
    jobs = getattr(request.app.state, "dpo_verify_jobs", None)
    if not isinstance(jobs, VerifyJobs):
        runtime = runtime_of(request)
        jobs = VerifyJobs(runtime.shared.jobs, work_dir=runtime.settings.effective_work_dir)
        request.app.state.dpo_verify_jobs = jobs
    return jobs


@router.post("/integrity/verify", response_model=VerifyJobRead, status_code=202, responses=_ERRORS)
async def start_verification(
    request: Request,
    principal: DpoPrincipal,
    svc: RuntimeDep,
    session: SessionDep,
    witnesses: WitnessClientsDep,
) -> VerifyJobRead:
    """Start "verify now": export the whole log up to the newest checkpoint and run the
    offline verifier on it, on the server, against the checkpoints the witnesses cosigned
    (a log whose tail was deleted fails). Poll the returned job for progress."""
    trusted = await witnessed_notes(
        session, witnesses, origin=svc.settings.audit_origin, verifier=log_verifier(svc)
    )
    return await verify_jobs(request).start(
        svc.sessions, origin=svc.settings.audit_origin, verifier=log_verifier(svc), trusted=trusted
    )


@router.get("/integrity/verify/{job_id}", response_model=VerifyJobRead, responses=_ERRORS)
async def verification_status(
    request: Request,
    principal: DpoPrincipal,
    job_id: str = Path(pattern=r"^[0-9a-f]{32}$"),
) -> VerifyJobRead:
    """Progress and verdict of a "verify now" job."""
    return await verify_jobs(request).get(job_id)
