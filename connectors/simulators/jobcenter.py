"""Simulator of a jobcenter case system: REST/JSON with Danish field names.

The citizen is looked up by CPR in a POST body (``/api/v1/borgere/opslag``) and
then addressed by an opaque ``borger_id``. Activities are paged with ``next``
cursors. Responses carry internal fields (``sagsnummer``, ``intern_note``) that a
connector must not pass on.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, Query
from fastapi.responses import JSONResponse

from connectors.simulators._common import (
    CprBody,
    SimulatorConfig,
    create_simulator_app,
    decode_cursor,
    encode_cursor,
    json_error_response,
    opaque_id,
    page,
)
from connectors.simulators.seed import JobcenterData, citizen_by_cpr, citizens

DEPARTMENT = "jobcenter"


class BorgerOpslag(CprBody):
    """Lookup body: the CPR travels here, never in the URL."""


def _not_found() -> JSONResponse:
    return json_error_response(404, "Borger ikke fundet")


def create_app(config: SimulatorConfig | None = None) -> FastAPI:
    """The jobcenter simulator as an ASGI app."""
    app = create_simulator_app(
        title="Jobcentrets sagssystem",
        description="Ydelser, målgrupper, planer, aktiviteter og sagsbehandlere.",
        config=config,
    )
    records: dict[str, tuple[int, JobcenterData]] = {
        opaque_id(DEPARTMENT, c.index): (c.index, c.jobcenter)
        for c in citizens()
        if c.jobcenter is not None
    }

    def lookup(borger_id: str) -> tuple[int, JobcenterData] | None:
        return records.get(borger_id)

    @app.post("/api/v1/borgere/opslag", response_model=None)
    async def find_citizen(body: BorgerOpslag) -> dict[str, Any] | JSONResponse:
        """Slå en borger op på CPR-nummer (i body). Svarer 404, hvis borgeren ikke kendes."""
        citizen = citizen_by_cpr(body.cpr)
        if citizen is None or citizen.jobcenter is None:
            return _not_found()
        return {"borger_id": opaque_id(DEPARTMENT, citizen.index), "aktiv_sag": True}

    @app.get("/api/v1/borgere/{borger_id}/ydelse", response_model=None)
    async def benefit(borger_id: str) -> dict[str, Any] | JSONResponse:
        """Borgerens forsørgelsesgrundlag (ydelse) og målgruppe."""
        found = lookup(borger_id)
        if found is None:
            return _not_found()
        index, data = found
        return {
            "ydelse": data.benefit_type,
            "maalgruppe": data.target_group,
            "startdato": data.since.isoformat(),
            "satsniveau": data.amount_band,
            "sagsnummer": f"JC-{2026000 + index}",
        }

    @app.get("/api/v1/borgere/{borger_id}/plan", response_model=None)
    async def plan(borger_id: str) -> dict[str, Any] | JSONResponse:
        """Borgerens plan med mål og delmål."""
        found = lookup(borger_id)
        if found is None:
            return _not_found()
        _, data = found
        return {
            "plantype": data.plan.plan_type,
            "maal": data.plan.goal,
            "delmaal": [{"tekst": s.text, "status": s.status} for s in data.plan.steps],
            "senest_opdateret": data.plan.updated.isoformat(),
            "intern_note": "Intern bemærkning — må ikke deles",
        }

    @app.get("/api/v1/borgere/{borger_id}/aktiviteter", response_model=None)
    async def activities(
        borger_id: str,
        cursor: Annotated[str | None, Query()] = None,
    ) -> dict[str, Any] | JSONResponse:
        """Beskæftigelsesrettede aktiviteter, sidevis; følg ``next`` for næste side."""
        found = lookup(borger_id)
        offset = decode_cursor(cursor)
        if offset is None:
            return json_error_response(400, "Ugyldig cursor")
        if found is None:
            return _not_found()
        _, data = found
        items = [
            {
                "aktivitet": a.kind,
                "arbejdssted": a.workplace or None,
                "startdato": a.start.isoformat(),
                "slutdato": a.end.isoformat() if a.end else None,
                "timer_pr_uge": a.hours_per_week,
                "mentor": a.mentor,
                "tilbudsnummer": f"T{number:04d}",
            }
            for number, a in enumerate(data.activities)
        ]
        chunk, following = page(items, offset, app.state.simulator.config.page_size)
        next_cursor = encode_cursor(following) if following is not None else None
        return {"elementer": chunk, "antal_i_alt": len(items), "next": next_cursor}

    @app.get("/api/v1/borgere/{borger_id}/sagsbehandler", response_model=None)
    async def caseworker(borger_id: str) -> dict[str, Any] | JSONResponse:
        """Borgerens sagsbehandler i jobcentret."""
        found = lookup(borger_id)
        if found is None:
            return _not_found()
        _, data = found
        contact = data.contact
        return {
            "navn": contact.name,
            "enhed": contact.unit,
            "telefon": contact.phone,
            "email": contact.email,
            "medarbejder_initialer": "".join(part[0] for part in contact.name.split()),
        }

    return app
