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
    VerifyJob,
    VerifyJobs,
    integrity_status,
)
from gateway.audit.entries.repository import entry_dict
from gateway.audit.entries.schemas import AuditEntryRead
from gateway.audit.log.lifecycle import audit_signer
from gateway.audit.proofs.notes import NoteVerifier
from gateway.auth.dependencies import DpoPrincipal
from gateway.db import MAX_SQL_INTEGER
from gateway.dependencies import CorrelationIdDep, RuntimeDep, SessionDep
from gateway.errors import ERROR_RESPONSES
from gateway.runtime import Runtime

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
    principal: DpoPrincipal, session: SessionDep, svc: RuntimeDep
) -> IntegrityStatus:
    """The newest checkpoint, whether its signature verifies, and whether it is consistent
    with the checkpoint before it (checked now, with a consistency proof)."""
    return await integrity_status(
        session, origin=svc.settings.audit_origin, verifier=log_verifier(svc), now=svc.clock()
    )


class VerifyJobRead(BaseModel):
    job_id: str
    phase: str
    percent: int
    done: int
    total: int
    ok: bool | None
    entries: int | None
    verified_size: int | None
    failure_da: str | None
    failure_en: str | None
    failure_index: int | None
    error: str | None
    started_at: datetime
    finished_at: datetime | None


def job_read(job: VerifyJob) -> VerifyJobRead:
    result = job.result
    failure = result.failure if result is not None else None
    return VerifyJobRead(
        job_id=job.job_id,
        phase=job.phase,
        percent=job.percent,
        done=job.done,
        total=job.total,
        ok=None if result is None else result.ok,
        entries=None if result is None else result.entries,
        verified_size=None if result is None else result.verified_size,
        failure_da=failure.message_da if failure else None,
        failure_en=failure.message_en if failure else None,
        failure_index=failure.index if failure else None,
        error=job.error,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )


def verify_jobs(request: Request) -> VerifyJobs:
    """This process's verify-now jobs (created on first use)."""
    jobs = getattr(request.app.state, "dpo_verify_jobs", None)
    if not isinstance(jobs, VerifyJobs):
        jobs = VerifyJobs()
        request.app.state.dpo_verify_jobs = jobs
    return jobs


@router.post("/integrity/verify", response_model=VerifyJobRead, status_code=202, responses=_ERRORS)
async def start_verification(
    request: Request, principal: DpoPrincipal, svc: RuntimeDep
) -> VerifyJobRead:
    """Start "verify now": export the whole log up to the newest checkpoint and run the
    offline verifier on it, on the server. Poll the returned job for progress."""
    job = verify_jobs(request).start(
        svc.sessions, origin=svc.settings.audit_origin, verifier=log_verifier(svc)
    )
    return job_read(job)


@router.get("/integrity/verify/{job_id}", response_model=VerifyJobRead, responses=_ERRORS)
async def verification_status(
    request: Request,
    principal: DpoPrincipal,
    job_id: str = Path(pattern=r"^[0-9a-f]{32}$"),
) -> VerifyJobRead:
    """Progress and verdict of a "verify now" job."""
    return job_read(verify_jobs(request).get(job_id))
