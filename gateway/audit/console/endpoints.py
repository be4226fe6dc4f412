"""The DPO console's JSON API: filtered search, charts, anomalies and exports (DPO only).

Every endpoint takes the filter as a POST body, because the filter may hold a citizen's CPR
(CPR numbers never go in a URL). A search or export by citizen is itself audited, in the
same transaction as the read.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.audit.console.analytics import AuditAnalytics, AuditQuery, ChartData, dpo_event
from gateway.audit.console.anomalies import Anomaly
from gateway.audit.console.demo_patterns import seed_snooping_pattern
from gateway.audit.console.export import csv_export
from gateway.audit.console.integrity import (
    IntegrityStatus,
    VerifyJobRead,
    VerifyJobs,
    integrity_status,
    signed_export_zip,
)
from gateway.audit.entries.repository import AuditRepository, entry_dict
from gateway.audit.entries.schemas import AuditEntryRead
from gateway.audit.log.lifecycle import audit_signer
from gateway.audit.proofs.notes import NoteVerifier
from gateway.auth.dependencies import DpoPrincipal
from gateway.auth.principal import Principal
from gateway.db import MAX_SQL_INTEGER
from gateway.errors import ERROR_RESPONSES, NotFound
from gateway.services import RequestIdDep, Services, ServicesDep, SessionDep, services

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


def log_verifier(svc: Services) -> NoteVerifier:
    """The verifier key of the log's checkpoints."""
    return audit_signer(svc.settings.audit_origin, svc.keys.audit_key).verifier()


def describe(body: AuditQuery) -> dict[str, object]:
    """The filter as written into an export, with the CPR replaced by a remark."""
    described = body.model_dump(mode="json", exclude_none=True, exclude={"cpr"})
    if body.cpr:
        described["citizen"] = "én borger, matchet på pseudonym / one citizen, by pseudonym"
    return described


def record_dpo_action(
    principal: Principal,
    *,
    session: AsyncSession,
    svc: Services,
    action: str,
    request_id: str,
    cpr: str | None,
    counts: dict[str, int],
) -> None:
    """Audit the DPO's own search or export, in the same transaction as the read."""
    AuditRepository(session).add(
        [
            dpo_event(
                principal,
                action=action,
                request_id=request_id,
                pseudonymiser=svc.keys.pseudonymiser,
                cpr=cpr,
                counts=counts,
            )
        ]
    )


def record_citizen_search(
    query: AuditQuery,
    principal: Principal,
    *,
    session: AsyncSession,
    svc: Services,
    request_id: str,
    total: int,
) -> None:
    """A search by citizen is itself audited (API and console); other searches are not."""
    if query.cpr:
        record_dpo_action(
            principal,
            session=session,
            svc=svc,
            action="audit.search_citizen",
            request_id=request_id,
            cpr=query.cpr,
            counts={"entries": total},
        )


async def csv_export_response(
    query: AuditQuery,
    principal: Principal,
    *,
    session: AsyncSession,
    svc: Services,
    request_id: str,
) -> StreamingResponse:
    """The CSV export of ``query`` (API and console): audited, then streamed."""
    flt = query.to_filter(svc.keys.pseudonymiser)
    total = await AuditAnalytics(session, settings=svc.settings).count(flt)
    record_dpo_action(
        principal,
        session=session,
        svc=svc,
        action="audit.export_csv",
        request_id=request_id,
        cpr=query.cpr,
        counts={"entries": total},
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


async def signed_export_response(
    query: AuditQuery,
    principal: Principal,
    *,
    session: AsyncSession,
    svc: Services,
    request_id: str,
) -> Response:
    """The signed export (zip) of ``query`` (API and console), audited."""
    content, summary = await signed_export_zip(
        svc.sessions,
        origin=svc.settings.audit_origin,
        selection=query.to_filter(svc.keys.pseudonymiser),
        description=describe(query),
    )
    record_dpo_action(
        principal,
        session=session,
        svc=svc,
        action="audit.export_signed",
        request_id=request_id,
        cpr=query.cpr,
        counts={"entries": summary.embedded, "tree_size": summary.tree_size},
    )
    return Response(
        content,
        media_type="application/zip",
        headers={"Content-Disposition": 'attachment; filename="tvaers-revisionslog-signeret.zip"'},
    )


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
    record_citizen_search(
        body, principal, session=session, svc=svc, request_id=request_id, total=total
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
    return await csv_export_response(
        body, principal, session=session, svc=svc, request_id=request_id
    )


@router.post(
    "/exports/signed",
    response_class=Response,
    responses={**_ERRORS, 200: {"content": {"application/zip": {}}}, 409: {}},
)
async def export_signed(
    body: AuditQuery,
    principal: DpoPrincipal,
    session: SessionDep,
    svc: ServicesDep,
    request_id: RequestIdDep,
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
    return await signed_export_response(
        body, principal, session=session, svc=svc, request_id=request_id
    )


@router.get("/integrity", response_model=IntegrityStatus, responses=_ERRORS)
async def integrity(
    principal: DpoPrincipal, session: SessionDep, svc: ServicesDep
) -> IntegrityStatus:
    """The newest checkpoint, whether its signature verifies, and whether it is consistent
    with the checkpoint before it (checked now, with a consistency proof)."""
    return await integrity_status(
        session, origin=svc.settings.audit_origin, verifier=log_verifier(svc), now=svc.clock()
    )


def verify_jobs(request: Request) -> VerifyJobs:
    """The verify-now jobs on the shared job store (created on first use)."""
    jobs = getattr(request.app.state, "dpo_verify_jobs", None)
    if not isinstance(jobs, VerifyJobs):
        svc = services(request)
        jobs = VerifyJobs(svc.shared.jobs, work_dir=svc.settings.effective_work_dir)
        request.app.state.dpo_verify_jobs = jobs
    return jobs


@router.post("/integrity/verify", response_model=VerifyJobRead, status_code=202, responses=_ERRORS)
async def start_verification(
    request: Request, principal: DpoPrincipal, svc: ServicesDep
) -> VerifyJobRead:
    """Start "verify now": export the whole log up to the newest checkpoint and run the
    offline verifier on it, on the server. Poll the returned job for progress."""
    return await verify_jobs(request).start(
        svc.sessions, origin=svc.settings.audit_origin, verifier=log_verifier(svc)
    )


@router.get("/integrity/verify/{job_id}", response_model=VerifyJobRead, responses=_ERRORS)
async def verification_status(
    request: Request,
    principal: DpoPrincipal,
    job_id: str = Path(pattern=r"^[0-9a-f]{32}$"),
) -> VerifyJobRead:
    """Progress and verdict of a "verify now" job."""
    return await verify_jobs(request).get(job_id)


class SnoopingPatternRead(BaseModel):
    actor_id: str
    citizens: int
    entries: int
    first: datetime
    last: datetime


@router.post(
    "/demo/snooping-pattern", status_code=201, response_model=SnoopingPatternRead, responses=_ERRORS
)
async def demo_snooping_pattern(principal: DpoPrincipal, svc: ServicesDep) -> SnoopingPatternRead:
    """Development and test only: write a synthetic snooping pattern into the audit log.

    One jobcenter user (`vikar-jobcenter`) looks up 24 distinct synthetic citizens at night
    without consent, a third of them with a purpose the role may not use, so the console's
    anomaly rules have something to show. Entries carry `reason: synthetic_demo_pattern`.
    Not available when `TVAERS_ENV=production` (404).
    """
    if svc.settings.env == "production":
        raise NotFound("Ikke tilgængelig i produktion / not available in production")
    pattern = await seed_snooping_pattern(svc.audit, svc.keys.pseudonymiser, now=svc.clock())
    return SnoopingPatternRead(
        actor_id=pattern.actor_id,
        citizens=pattern.citizens,
        entries=pattern.entries,
        first=pattern.first,
        last=pattern.last,
    )
