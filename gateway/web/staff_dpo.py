"""DPO console (``/staff/dpo``): search, charts, anomalies, exports and the integrity panel.

DPO only (``WebDpo``). The filter is a POST form because it may hold a CPR; after the first
search the citizen is carried by an encrypted token (``staff_view.citizen_token``), so the
number is never written back into the page. Queries, anomaly rules and exports are the same
code as the JSON API in ``gateway/audit/console/endpoints.py``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.audit.console.analytics import AuditAnalytics, AuditQuery
from gateway.audit.console.anomalies import COPENHAGEN, Anomaly
from gateway.audit.console.dependencies import DpoConsoleServiceDep
from gateway.audit.console.downloads import csv_response, signed_zip_response
from gateway.audit.console.endpoints import log_verifier, verify_jobs
from gateway.audit.console.integrity import integrity_status, witnessed_notes
from gateway.audit.console.labels import department_label
from gateway.audit.console.triage import AnomalyTriageService
from gateway.audit.entries.repository import entry_dict
from gateway.audit.log.dependencies import witness_clients
from gateway.auth.principal import Principal
from gateway.db import MAX_SQL_INTEGER
from gateway.dependencies import CorrelationIdDep, RuntimeDep, SessionDep
from gateway.errors import InvalidRequest
from gateway.runtime import Runtime
from gateway.text import Text
from gateway.web.i18n import request_lang
from gateway.web.script_json import escape_script_json
from gateway.web.security import WebDpo
from gateway.web.staff_view import citizen_from_token, citizen_token
from gateway.web.templating import render

router = APIRouter(prefix="/dpo", include_in_schema=False)

_FIELDS = ("department", "actor", "purpose", "outcome", "basis_kind")


_DANISH_DAY = re.compile(r"^(\d{1,2})[-./](\d{1,2})[-./](\d{4})$")


def _day(value: str | None) -> date | None:
    """A day typed the Danish way (``31.12.2026``, ``31-12-2026``) or as ISO 8601 (what the
    DKFDS date picker sends once it has run)."""
    if not value:
        return None
    try:
        danish = _DANISH_DAY.match(value)
        if danish:
            return date(int(danish[3]), int(danish[2]), int(danish[1]))
        return date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidRequest(
            Text(da="Ugyldig dato (dd.mm.åååå)", en="invalid date (dd.mm.yyyy)")
        ) from exc


def danish_day(day: date) -> str:
    return f"{day.day:02d}.{day.month:02d}.{day.year}"


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=COPENHAGEN).astimezone(UTC)


async def _read_filter(
    request: Request, svc: Runtime, principal: Principal
) -> tuple[AuditQuery, dict[str, Any]]:
    """The form as an ``AuditQuery`` and the values to put back into the form."""
    form = await request.form() if request.method == "POST" else {}
    values: dict[str, Any] = {
        k: str(form.get(k) or "").strip() for k in (*_FIELDS, "since", "until")
    }
    values["all_events"] = form.get("all_events") == "1"
    cpr = str(form.get("cpr") or "").strip() or None
    token = str(form.get("citizen") or "") or None
    if cpr is None and token and form.get("clear_citizen") != "1":
        cpr = citizen_from_token(svc.keys.cipher, token, principal)
    since, until = _day(values["since"]), _day(values["until"])
    # Put the days back the Danish way, whichever way they came (the date picker sends ISO).
    values["since"] = danish_day(since) if since else ""
    values["until"] = danish_day(until) if until else ""
    try:
        query = AuditQuery(
            since=_midnight(since) if since else None,
            until=_midnight(until + timedelta(days=1)) if until else None,
            cpr=cpr,
            accesses_only=not values["all_events"],
            **{k: values[k] or None for k in _FIELDS},
        )
    except ValidationError as exc:
        raise InvalidRequest(Text(da="Ugyldigt filter", en="invalid filter")) from exc
    values["citizen"] = citizen_token(svc.keys.cipher, cpr, principal) if cpr else ""
    return query, values


def _before(request: Request, form: Any) -> int | None:
    raw = str(form.get("before") or "") if form else ""
    # isdigit() alone accepts "²" (int() then raises) and any length (the driver then fails).
    if not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_SQL_INTEGER:
        return None
    return int(raw)


async def _with_triage(session: AsyncSession, anomalies: list[Anomaly]) -> list[Anomaly]:
    await AnomalyTriageService(session).attach(anomalies)
    return anomalies


@router.api_route("", methods=["GET", "POST"])
async def console(
    request: Request,
    principal: WebDpo,
    svc: RuntimeDep,
    session: SessionDep,
    console_service: DpoConsoleServiceDep,
    correlation_id: CorrelationIdDep,
) -> Response:
    """The whole console for a filter (default: the last 30 days, look-ups only)."""
    query, values = await _read_filter(request, svc, principal)
    form = await request.form() if request.method == "POST" else None
    analytics = AuditAnalytics(session, settings=svc.settings)
    flt = query.to_filter(svc.keys.pseudonymiser)
    now = svc.clock()
    since, until = analytics.time_range(flt, now=now)
    if not values["since"]:
        values["since"] = danish_day(since.astimezone(COPENHAGEN).date())
    if not values["until"]:
        values["until"] = danish_day((until.astimezone(COPENHAGEN) - timedelta(days=1)).date())
    rows, total = await console_service.page(
        query, principal, before=_before(request, form), limit=50, correlation_id=correlation_id
    )
    charts = await analytics.charts(flt, now=now)
    lang = request_lang(request)
    catalogue = svc.catalogue
    # Series named in the reader's language (ids stay in the JSON API).
    charts.by_department = {
        department_label(catalogue, d, lang): v for d, v in charts.by_department.items()
    }
    charts.by_purpose = {
        (catalogue.purposes[p].title.get(lang) if p in catalogue.purposes else p): v
        for p, v in charts.by_purpose.items()
    }
    return render(
        request,
        "staff/dpo.html",
        {
            "values": values,
            "choices": await analytics.choices(),
            "catalogue": svc.catalogue,
            "dept_label": lambda d: department_label(catalogue, d, lang),
            "entries": [(r, entry_dict(r)) for r in rows],
            "total": total,
            "next_cursor": rows[-1].seq if len(rows) == 50 else None,
            "anomalies": await _with_triage(session, await analytics.anomalies(flt, now=now)),
            "charts": charts,
            "series_department": charts.by_department,
            "series_purpose": charts.by_purpose,
            "charts_json": escape_script_json(charts.model_dump_json()),
            "integrity": await integrity_status(
                session,
                origin=svc.settings.audit_origin,
                verifier=log_verifier(svc),
                now=now,
                witnesses=witness_clients(request),
                quorum=svc.settings.witness_quorum,
            ),
            "nav_current": "dpo",
        },
    )


@router.post("/export.csv")
async def export_csv(
    request: Request,
    principal: WebDpo,
    svc: RuntimeDep,
    console_service: DpoConsoleServiceDep,
    correlation_id: CorrelationIdDep,
) -> Response:
    """The filtered entries as CSV (semicolon-separated, UTF-8 with BOM)."""
    query, _ = await _read_filter(request, svc, principal)
    stream = await console_service.csv_export(query, principal, correlation_id=correlation_id)
    return csv_response(stream)


@router.post("/export.zip")
async def export_signed(
    request: Request,
    principal: WebDpo,
    svc: RuntimeDep,
    console_service: DpoConsoleServiceDep,
    correlation_id: CorrelationIdDep,
) -> Response:
    """The filtered entries as a signed export that ``tvaers audit verify full`` accepts."""
    query, _ = await _read_filter(request, svc, principal)
    content, _ = await console_service.signed_export(
        query, principal, correlation_id=correlation_id
    )
    return signed_zip_response(content)


@router.post("/verify")
async def start_verify(
    request: Request, principal: WebDpo, svc: RuntimeDep, session: SessionDep
) -> Response:
    """Start "verify now" and return the progress panel (it polls itself while running)."""
    trusted = await witnessed_notes(
        session,
        witness_clients(request),
        origin=svc.settings.audit_origin,
        verifier=log_verifier(svc),
    )
    job = await verify_jobs(request).start(
        svc.sessions, origin=svc.settings.audit_origin, verifier=log_verifier(svc), trusted=trusted
    )
    return render(request, "staff/_verify.html", {"job": job})


@router.get("/verify/{job_id}")
async def verify_progress(
    request: Request, principal: WebDpo, job_id: str = Path(pattern=r"^[0-9a-f]{32}$")
) -> Response:
    """The progress panel of a "verify now" job."""
    return render(request, "staff/_verify.html", {"job": await verify_jobs(request).get(job_id)})
