"""Simulator of a jobcenter case system: REST/JSON with Danish field names.

The citizen is looked up by CPR in a POST body (``/api/v1/borgere/opslag``) and
then addressed by an opaque ``borger_id``. Activities are paged with ``next``
cursors. Responses carry internal fields (``sagsnummer``, ``intern_note``) that a
connector must not pass on. Sick leave (``sygemelding``), the rehabilitation plan's
preparatory part and the rehabilitation team's recommendation answer 404 when the
citizen has none.
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
        description="Ydelser, målgrupper, planer, aktiviteter, sygemeldinger, "
        "rehabiliteringsplaner og sagsbehandlere.",
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

    @app.get("/api/v1/borgere/{borger_id}/sygemelding", response_model=None)
    async def sick_leave(borger_id: str) -> dict[str, Any] | JSONResponse:
        """Aktuel sygemelding med visitationskategori; 404, hvis borgeren ikke er sygemeldt."""
        found = lookup(borger_id)
        if found is None or found[1].sick_leave is None:
            return json_error_response(404, "Ingen sygemelding")
        index, data = found
        sick = data.sick_leave
        assert sick is not None
        return {
            "visitationskategori": sick.category,
            "foerste_fravaersdag": sick.first_day.isoformat(),
            "forventet_raskmelding": sick.expected_return.isoformat()
            if sick.expected_return
            else None,
            "ansaettelsesforhold": sick.employment,
            "delvis_sygemelding": sick.partial,
            "laegeerklaering": {"oplysninger": sick.medical_note, "blanket": "LÆ 265"},
            "sagsnummer": f"SD-{2026000 + index}",
        }

    @app.get("/api/v1/borgere/{borger_id}/rehabiliteringsplan", response_model=None)
    async def rehabilitation_plan(borger_id: str) -> dict[str, Any] | JSONResponse:
        """Rehabiliteringsplanens forberedende del. 404, hvis der ikke er en plan."""
        found = lookup(borger_id)
        if found is None or found[1].rehabilitation_plan is None:
            return json_error_response(404, "Ingen rehabiliteringsplan")
        plan = found[1].rehabilitation_plan
        assert plan is not None
        return {
            "forberedende_del": {
                "mine_maal": plan.goal,
                "uddannelse": plan.education,
                "beskaeftigelse": plan.employment,
                "sociale_forhold": plan.social,
                "helbredsforhold": plan.health,
            },
            "senest_opdateret": plan.updated.isoformat(),
            "intern_note": "Intern bemærkning — må ikke deles",
        }

    @app.get("/api/v1/borgere/{borger_id}/rehabiliteringsteam/indstilling", response_model=None)
    async def recommendation(borger_id: str) -> dict[str, Any] | JSONResponse:
        """Rehabiliteringsteamets seneste indstilling. 404, hvis sagen ikke har været i teamet."""
        found = lookup(borger_id)
        if found is None or found[1].recommendation is None:
            return json_error_response(404, "Ingen indstilling")
        rec = found[1].recommendation
        assert rec is not None
        return {
            "moededato": rec.meeting_date.isoformat(),
            "indstilling": rec.recommendation,
            "anbefalede_indsatser": list(rec.efforts),
            "varighed": rec.duration,
            "borgerens_bemaerkninger": rec.citizen_remarks,
            "teamets_droeftelse": "Referat fra teammødet — må ikke deles",
        }

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
