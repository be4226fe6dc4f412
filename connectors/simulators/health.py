"""Simulator of a municipal health FHIR server (HL7 FHIR R4 JSON).

- ``POST /fhir/Patient/_search`` with form body ``identifier=urn:oid:1.2.208.176.1.2|<cpr>``
  (search by POST keeps the CPR out of the URL) returns a searchset Bundle with the
  Patient and its opaque logical id.
- ``GET /fhir/QuestionnaireResponse?subject=Patient/<id>&questionnaire=<canonical>``: WHO-5,
  shaped as the KL implementation guide shapes it (``KLToolsCareWHO-5``: five items
  ``happy``…``interest`` answered with KLTools codes; no total-score resource).
- ``GET /fhir/CarePlan?subject=Patient/<id>&category=<system>|<code>``: rehabilitation
  (genoptræning, sundhedsloven § 140) and KRAM prevention offers.
- ``GET /fhir/CareTeam?subject=Patient/<id>``: the citizen's contact person.
- ``GET /fhir/Observation`` and ``GET /fhir/EpisodeOfCare``: supported, always empty here.

Lists are searchset Bundles paged with ``link[next]`` (``_page``); unknown search
parameters (``_include``) are ignored, as lenient servers do. CarePlan categories are
SNOMED CT 52052004 (rehabilitation therapy) and 169443000 (preventive procedure).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, Form, Query, Request
from fastapi.responses import JSONResponse

from connectors.health.kl import (
    WHO5_ITEM_TEXT,
    WHO5_ITEMS,
    WHO5_QUESTIONNAIRE,
    answer_coding,
)
from connectors.simulators._common import SimulatorConfig, create_simulator_app, opaque_id, page
from connectors.simulators.seed import HealthData, SyntheticCitizen, citizen_by_cpr, citizens

DEPARTMENT = "health"
FHIR_JSON = "application/fhir+json"
CPR_SYSTEM = "urn:oid:1.2.208.176.1.2"
SNOMED = "http://snomed.info/sct"
WHO5_CODE = "1144665009"
REHAB_CATEGORY = "52052004"
PREVENTION_CATEGORY = "169443000"
LOCAL_CODES = "http://tvaers.example/fhir/simulator/CodeSystem/who5"
KL_QR_PROFILE = "http://kl.dk/fhir/tools/care/StructureDefinition/KLToolsQuestionnaireResponse"
_REHAB_STATUS = {"i gang": "active", "afsluttet": "completed", "planlagt": "draft"}
# KRAM participation → (CarePlan.status, activity.detail.status)
_PREVENTION_STATUS = {
    "tilbudt": ("active", "not-started"),
    "deltager": ("active", "in-progress"),
    "gennemført": ("completed", "completed"),
    "afbrudt": ("revoked", "stopped"),
    "takket nej": ("revoked", "cancelled"),
}


def operation_outcome(status: int, message: str) -> tuple[dict[str, Any], str]:
    """FHIR error body."""
    code = {400: "invalid", 404: "not-found", 500: "exception", 503: "transient"}.get(
        status, "timeout" if status == 504 else "processing"
    )
    body = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": message}],
    }
    return body, FHIR_JSON


def _fhir(body: dict[str, Any], status: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status, media_type=FHIR_JSON)


def _bundle(request: Request, resources: list[dict[str, Any]], page_size: int) -> dict[str, Any]:
    try:
        offset = max(0, int(request.query_params.get("_page", "0")))
        count = max(1, min(100, int(request.query_params.get("_count", str(page_size)))))
    except ValueError:
        offset, count = 0, page_size
    chunk, following = page(resources, offset, count)
    links = [{"relation": "self", "url": str(request.url)}]
    if following is not None:
        links.append(
            {"relation": "next", "url": str(request.url.include_query_params(_page=following))}
        )
    base = str(request.base_url).rstrip("/") + "/fhir"
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "link": links,
        "entry": [
            {
                "fullUrl": f"{base}/{r['resourceType']}/{r['id']}",
                "resource": r,
                "search": {"mode": "match"},
            }
            for r in chunk
        ],
    }


def _patient(citizen: SyntheticCitizen, pid: str) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "id": pid,
        "meta": {"tag": [{"system": LOCAL_CODES, "code": "synthetic"}]},
        "identifier": [{"system": CPR_SYSTEM, "value": citizen.cpr}],
        "name": [{"family": citizen.family_name, "given": [citizen.given_name]}],
        "gender": citizen.gender,
        "birthDate": citizen.birth_date.isoformat(),
    }


def _item_values(raw_score: int) -> list[int]:
    """Five WHO-5 item answers (0-5 each) that add up to ``raw_score``."""
    base, extra = divmod(raw_score, len(WHO5_ITEMS))
    return [base + (1 if n < extra else 0) for n in range(len(WHO5_ITEMS))]


def _who5_responses(pid: str, data: HealthData) -> list[dict[str, Any]]:
    """WHO-5 as KL records it: a QuestionnaireResponse with five coded item answers."""
    return [
        {
            "resourceType": "QuestionnaireResponse",
            "id": f"who5-{pid[:8]}-{n}",
            "meta": {"profile": [KL_QR_PROFILE]},
            "questionnaire": WHO5_QUESTIONNAIRE,
            "status": "completed",
            "subject": {"reference": f"Patient/{pid}"},
            "authored": point.date.isoformat(),
            "item": [
                {
                    "linkId": item,
                    "text": WHO5_ITEM_TEXT[item],
                    "answer": [{"valueCoding": answer_coding(item, value)}],
                }
                for item, value in zip(WHO5_ITEMS, _item_values(point.raw_score), strict=True)
            ],
        }
        for n, point in enumerate(data.who5)
    ]


def _rehab_plans(pid: str, data: HealthData) -> list[dict[str, Any]]:
    plans = []
    for n, episode in enumerate(data.rehabilitation):
        period = {"start": episode.start.isoformat()}
        if episode.end:
            period["end"] = episode.end.isoformat()
        plans.append(
            {
                "resourceType": "CarePlan",
                "id": f"rehab-{pid[:8]}-{n}",
                "status": _REHAB_STATUS[episode.status],
                "intent": "plan",
                "category": [
                    {
                        "coding": [{"system": SNOMED, "code": REHAB_CATEGORY}],
                        "text": "Genoptræning og rehabilitering",
                    }
                ],
                "title": episode.kind,
                "description": episode.focus,
                "subject": {"reference": f"Patient/{pid}"},
                "period": period,
                "addresses": [{"display": episode.diagnosis}],
            }
        )
    return plans


def _prevention_plans(pid: str, data: HealthData) -> list[dict[str, Any]]:
    plans = []
    for n, offer in enumerate(data.prevention):
        plan_status, activity_status = _PREVENTION_STATUS[offer.status]
        plans.append(
            {
                "resourceType": "CarePlan",
                "id": f"kram-{pid[:8]}-{n}",
                "status": plan_status,
                "intent": "proposal",
                "category": [
                    {
                        "coding": [{"system": SNOMED, "code": PREVENTION_CATEGORY}],
                        "text": "Forebyggelse (KRAM)",
                    }
                ],
                "title": offer.offer,
                "subject": {"reference": f"Patient/{pid}"},
                "created": offer.date.isoformat(),
                "activity": [{"detail": {"status": activity_status, "description": offer.offer}}],
            }
        )
    return plans


def _care_team(pid: str, data: HealthData) -> dict[str, Any]:
    contact = data.contact
    return {
        "resourceType": "CareTeam",
        "id": f"team-{pid[:8]}",
        "status": "active",
        "name": contact.unit,
        "subject": {"reference": f"Patient/{pid}"},
        "participant": [{"role": [{"text": "Kontaktperson"}], "member": {"display": contact.name}}],
        "telecom": [
            {"system": "phone", "value": contact.phone, "use": "work"},
            {"system": "email", "value": contact.email, "use": "work"},
        ],
    }


def create_app(config: SimulatorConfig | None = None) -> FastAPI:
    """The health FHIR server simulator as an ASGI app."""
    app = create_simulator_app(
        title="Sundhedsforvaltningens FHIR-server",
        description="HL7 FHIR R4: Patient, Observation (WHO-5), CarePlan og CareTeam.",
        config=config,
        error_body=operation_outcome,
        continuation_params=frozenset({"_page"}),
        media_type=FHIR_JSON,
    )
    by_pid: dict[str, HealthData] = {
        opaque_id(DEPARTMENT, c.index): c.health for c in citizens() if c.health is not None
    }

    def subject_data(reference: str | None) -> HealthData | None:
        _, _, pid = (reference or "").rpartition("Patient/")
        return by_pid.get(pid)

    def page_size() -> int:
        return int(app.state.simulator.config.page_size)

    def missing(name: str) -> JSONResponse:
        body, _ = operation_outcome(400, f"Søgeparameteren '{name}' mangler")
        return _fhir(body, 400)

    @app.post("/fhir/Patient/_search")
    async def patient_search(request: Request, identifier: Annotated[str, Form()]) -> JSONResponse:
        """Søg patient på CPR-identifier (form body), så CPR aldrig står i URL'en."""
        system, _, value = identifier.partition("|")
        citizen = citizen_by_cpr(value) if system == CPR_SYSTEM else None
        found = []
        if citizen is not None and citizen.health is not None:
            found.append(_patient(citizen, opaque_id(DEPARTMENT, citizen.index)))
        return _fhir(_bundle(request, found, page_size()))

    @app.get("/fhir/Observation")
    async def observations(
        request: Request, subject: Annotated[str | None, Query()] = None
    ) -> JSONResponse:
        """Observationer: ingen her; WHO-5 ligger som QuestionnaireResponse (som hos KL)."""
        if subject is None:
            return missing("subject")
        return _fhir(_bundle(request, [], page_size()))

    @app.get("/fhir/QuestionnaireResponse")
    async def questionnaire_responses(
        request: Request,
        subject: Annotated[str | None, Query()] = None,
        questionnaire: Annotated[str | None, Query()] = None,
    ) -> JSONResponse:
        """WHO-5-besvarelser efter KL's spørgeskema (searchset, sidevis)."""
        if subject is None:
            return missing("subject")
        data = subject_data(subject)
        pid = subject.rpartition("/")[2]
        found = _who5_responses(pid, data) if data else []
        if questionnaire and questionnaire.partition("|")[0] != WHO5_QUESTIONNAIRE:
            found = []
        return _fhir(_bundle(request, found, page_size()))

    @app.get("/fhir/EpisodeOfCare")
    async def episodes(
        request: Request, patient: Annotated[str | None, Query()] = None
    ) -> JSONResponse:
        """Forløb: simulatoren fører genoptræning som CarePlan, så listen er tom."""
        if patient is None:
            return missing("patient")
        return _fhir(_bundle(request, [], page_size()))

    @app.get("/fhir/CarePlan")
    async def care_plans(
        request: Request,
        subject: Annotated[str | None, Query()] = None,
        category: Annotated[str | None, Query()] = None,
    ) -> JSONResponse:
        """Genoptrænings- og forebyggelsesplaner for en patient (searchset, sidevis)."""
        if subject is None:
            return missing("subject")
        data = subject_data(subject)
        pid = subject.rpartition("/")[2]
        found: list[dict[str, Any]] = []
        wanted = (category or "").rpartition("|")[2]
        if data is not None:
            if wanted in ("", REHAB_CATEGORY):
                found += _rehab_plans(pid, data)
            if wanted in ("", PREVENTION_CATEGORY):
                found += _prevention_plans(pid, data)
        return _fhir(_bundle(request, found, page_size()))

    @app.get("/fhir/CareTeam")
    async def care_teams(
        request: Request, subject: Annotated[str | None, Query()] = None
    ) -> JSONResponse:
        """Patientens kontaktperson i sundhedsforvaltningen."""
        if subject is None:
            return missing("subject")
        data = subject_data(subject)
        found = [_care_team(subject.rpartition("/")[2], data)] if data else []
        return _fhir(_bundle(request, found, page_size()))

    return app
