"""Simulator of a social services case system: REST/JSON with Danish field names.

The citizen is found by CPR in a POST body (``/api/borger/soeg``) and then
addressed by an opaque ``sags_id``. Measures (``foranstaltninger``) and substance
treatment (``misbrugsbehandlinger``, serviceloven § 101) are separate, paged
resources, so a connector asks only for what was granted.
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
from connectors.simulators.seed import SocialData, citizen_by_cpr, citizens

DEPARTMENT = "social"


class BorgerSoegning(CprBody):
    """Search body: the CPR travels here, never in the URL."""


def create_app(config: SimulatorConfig | None = None) -> FastAPI:
    """The social services simulator as an ASGI app."""
    app = create_simulator_app(
        title="Socialforvaltningens fagsystem",
        description="Foranstaltninger efter serviceloven, misbrugsbehandling og kontaktperson.",
        config=config,
    )
    records: dict[str, SocialData] = {
        opaque_id(DEPARTMENT, c.index): c.social for c in citizens() if c.social is not None
    }

    def paged(items: list[dict[str, Any]], cursor: str | None) -> dict[str, Any] | JSONResponse:
        offset = decode_cursor(cursor)
        if offset is None:
            return json_error_response(400, "Ugyldig cursor")
        chunk, following = page(items, offset, app.state.simulator.config.page_size)
        return {
            "data": chunk,
            "next": encode_cursor(following) if following is not None else None,
        }

    @app.post("/api/borger/soeg", response_model=None)
    async def find_citizen(body: BorgerSoegning) -> dict[str, Any] | JSONResponse:
        """Find borgerens sag på CPR-nummer (i body). Svarer 404, hvis der ikke er en sag."""
        citizen = citizen_by_cpr(body.cpr)
        if citizen is None or citizen.social is None:
            return json_error_response(404, "Ingen sag fundet")
        return {"sags_id": opaque_id(DEPARTMENT, citizen.index)}

    @app.get("/api/borger/{sags_id}/foranstaltninger", response_model=None)
    async def measures(
        sags_id: str, cursor: Annotated[str | None, Query()] = None
    ) -> dict[str, Any] | JSONResponse:
        """Foranstaltninger efter serviceloven, sidevis; følg ``next``."""
        data = records.get(sags_id)
        if data is None:
            return json_error_response(404, "Ingen sag fundet")
        items = [
            {
                "foranstaltning": m.measure,
                "hjemmel": m.provision,
                "leverandoer": m.provider,
                "bevilget_fra": m.start.isoformat(),
                "bevilget_til": m.end.isoformat() if m.end else None,
                "timer_ugentligt": m.hours_per_week,
                "journalnotat": "Fortroligt notat — må ikke deles",
            }
            for m in data.measures
        ]
        return paged(items, cursor)

    @app.get("/api/borger/{sags_id}/misbrugsbehandlinger", response_model=None)
    async def substance(
        sags_id: str, cursor: Annotated[str | None, Query()] = None
    ) -> dict[str, Any] | JSONResponse:
        """Misbrugsbehandling efter serviceloven § 101, sidevis; følg ``next``."""
        data = records.get(sags_id)
        if data is None:
            return json_error_response(404, "Ingen sag fundet")
        items = [
            {
                "behandlingsform": t.kind,
                "rusmiddel": t.substance,
                "startdato": t.start.isoformat(),
                "status": t.status,
                "behandlingssted": t.provider,
                "hjemmel": "Serviceloven § 101",
            }
            for t in data.substance_treatments
        ]
        return paged(items, cursor)

    @app.get("/api/borger/{sags_id}/kontaktperson", response_model=None)
    async def contact(sags_id: str) -> dict[str, Any] | JSONResponse:
        """Borgerens sagsbehandler i socialforvaltningen."""
        data = records.get(sags_id)
        if data is None:
            return json_error_response(404, "Ingen sag fundet")
        return {
            "navn": data.contact.name,
            "afdeling": data.contact.unit,
            "telefon": data.contact.phone,
            "mail": data.contact.email,
        }

    return app
