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
- ``GET /fhir/Observation?subject=Patient/<id>&code=http://loinc.org|75624-7``: AUDIT
  alcohol screenings (total score 0-40 as ``valueInteger``, the WHO zone as interpretation).
- ``GET /fhir/ServiceRequest?subject=Patient/<id>&category=<system>|who5-referral``:
  referrals to a health offer after a low WHO-5 score.
- ``GET /fhir/EpisodeOfCare?patient=Patient/<id>&type=<system>|alcohol-treatment``:
  alcohol treatment (sundhedsloven § 141).
- ``GET /fhir/CarePlan?subject=Patient/<id>&category=<system>|work-status``: a course whose
  status the jobcentre follows during sick leave (newest ``note`` = status for work).

Lists are searchset Bundles paged with ``link[next]`` (``_page``); unknown search
parameters (``_include``) are ignored, as lenient servers do. CarePlan categories are
SNOMED CT 52052004 (rehabilitation therapy) and 169443000 (preventive procedure); the
referral, alcohol treatment and work-status codes are local (``LOCAL_CATEGORIES``), as a
municipality's own server would have them.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import FastAPI, Form, Query, Request
from fastapi.responses import JSONResponse

from connectors.health.kl import (
    WHO5_ITEM_TEXT,
    WHO5_ITEMS,
    WHO5_QUESTIONNAIRE,
    answer_coding,
)
from connectors.health.manifest import (
    ALCOHOL_TREATMENT_TYPE,
    AUDIT_CODE,
    REFERRAL_CATEGORY,
    WORK_STATUS_CATEGORY,
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
_REFERRAL_STATUS = {
    "aktiv": "active",
    "afsluttet": "completed",
    "annulleret": "revoked",
    "sat på pause": "on-hold",
}
_TREATMENT_STATUS = {
    "venter": "waitlist",
    "i behandling": "active",
    "afsluttet": "finished",
    "afbrudt": "cancelled",
}
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


def _coding(system_code: str, display: str | None = None) -> dict[str, Any]:
    system, _, code = system_code.rpartition("|")
    return {"system": system, "code": code, **({"display": display} if display else {})}


def _audit_observations(pid: str, data: HealthData) -> list[dict[str, Any]]:
    """AUDIT screenings: a survey Observation with the LOINC total score."""
    return [
        {
            "resourceType": "Observation",
            "id": f"audit-{pid[:8]}-{n}",
            "status": "final",
            "category": [
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                            "code": "survey",
                        }
                    ]
                }
            ],
            "code": {"coding": [_coding(AUDIT_CODE, "Total score [AUDIT]")], "text": "AUDIT"},
            "subject": {"reference": f"Patient/{pid}"},
            "effectiveDateTime": screening.date.isoformat(),
            "valueInteger": screening.score,
            "interpretation": [{"text": screening.risk_level}],
        }
        for n, screening in enumerate(data.alcohol_screenings)
    ]


def _referrals(pid: str, data: HealthData) -> list[dict[str, Any]]:
    """Referrals to a health offer after WHO-5 screening, as ServiceRequests."""
    return [
        {
            "resourceType": "ServiceRequest",
            "id": f"ref-{pid[:8]}-{n}",
            "status": _REFERRAL_STATUS[referral.status],
            "intent": "order",
            "category": [
                {
                    "coding": [_coding(REFERRAL_CATEGORY)],
                    "text": "Henvisning efter trivselsscreening",
                }
            ],
            "code": {"text": referral.offer},
            "subject": {"reference": f"Patient/{pid}"},
            "authoredOn": referral.date.isoformat(),
            "reasonCode": [{"text": referral.reason}],
        }
        for n, referral in enumerate(data.referrals)
    ]


def _alcohol_episodes(pid: str, data: HealthData) -> list[dict[str, Any]]:
    """Alcohol treatment under the health act, as EpisodeOfCare."""
    return [
        {
            "resourceType": "EpisodeOfCare",
            "id": f"alc-{pid[:8]}-{n}",
            "status": _TREATMENT_STATUS[treatment.status],
            "type": [{"coding": [_coding(ALCOHOL_TREATMENT_TYPE)], "text": treatment.kind}],
            "patient": {"reference": f"Patient/{pid}"},
            "managingOrganization": {"display": treatment.provider},
            "period": {"start": treatment.start.isoformat()},
        }
        for n, treatment in enumerate(data.alcohol_treatments)
    ]


def _morning(day: date) -> str:
    return f"{day.isoformat()}T09:00:00+01:00"


def _work_status_plans(pid: str, data: HealthData) -> list[dict[str, Any]]:
    """A course whose status the jobcentre follows; the newest note is the status for work."""
    plans = []
    for n, status in enumerate(data.work_status):
        period = {"start": (status.updated - timedelta(days=60)).isoformat()}
        if status.expected_end:
            period["end"] = status.expected_end.isoformat()
        plans.append(
            {
                "resourceType": "CarePlan",
                "id": f"work-{pid[:8]}-{n}",
                "status": _REHAB_STATUS[status.status],
                "intent": "plan",
                "category": [
                    {
                        "coding": [_coding(WORK_STATUS_CATEGORY)],
                        "text": "Status til jobcentret",
                    }
                ],
                "title": status.course,
                "subject": {"reference": f"Patient/{pid}"},
                "period": period,
                "addresses": [{"display": status.diagnosis}],
                "note": [
                    {
                        "time": _morning(status.updated - timedelta(days=30)),
                        "text": "Forløbet er startet.",
                    },
                    {"time": _morning(status.updated), "text": status.work_note},
                ],
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
        description="HL7 FHIR R4: Patient, QuestionnaireResponse (WHO-5), Observation (AUDIT), "
        "ServiceRequest, EpisodeOfCare, CarePlan og CareTeam.",
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

    def code_matches(wanted: str | None, system_code: str) -> bool:
        # Token search: "system|code", "|code" or "code"; no parameter matches everything.
        if not wanted:
            return True
        system, _, code = system_code.rpartition("|")
        asked_system, bar, asked_code = wanted.rpartition("|")
        return asked_code == code and (not bar or not asked_system or asked_system == system)

    @app.get("/fhir/Observation")
    async def observations(
        request: Request,
        subject: Annotated[str | None, Query()] = None,
        code: Annotated[str | None, Query()] = None,
    ) -> JSONResponse:
        """AUDIT-screeninger; WHO-5 ligger som QuestionnaireResponse (som hos KL)."""
        if subject is None:
            return missing("subject")
        data = subject_data(subject)
        pid = subject.rpartition("/")[2]
        found = _audit_observations(pid, data) if data and code_matches(code, AUDIT_CODE) else []
        return _fhir(_bundle(request, found, page_size()))

    @app.get("/fhir/ServiceRequest")
    async def service_requests(
        request: Request,
        subject: Annotated[str | None, Query()] = None,
        category: Annotated[str | None, Query()] = None,
    ) -> JSONResponse:
        """Henvisninger efter trivselsscreening (WHO-5)."""
        if subject is None:
            return missing("subject")
        data = subject_data(subject)
        pid = subject.rpartition("/")[2]
        wanted = code_matches(category, REFERRAL_CATEGORY)
        found = _referrals(pid, data) if data and wanted else []
        return _fhir(_bundle(request, found, page_size()))

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
        request: Request,
        patient: Annotated[str | None, Query()] = None,
        type_: Annotated[str | None, Query(alias="type")] = None,
    ) -> JSONResponse:
        """Alkoholbehandling (sundhedsloven § 141); genoptræning føres som CarePlan."""
        if patient is None:
            return missing("patient")
        data = subject_data(patient)
        pid = patient.rpartition("/")[2]
        wanted = code_matches(type_, ALCOHOL_TREATMENT_TYPE)
        found = _alcohol_episodes(pid, data) if data and wanted else []
        return _fhir(_bundle(request, found, page_size()))

    @app.get("/fhir/CarePlan")
    async def care_plans(
        request: Request,
        subject: Annotated[str | None, Query()] = None,
        category: Annotated[str | None, Query()] = None,
    ) -> JSONResponse:
        """Genoptrænings-, forebyggelses- og statusplaner for en patient (searchset, sidevis)."""
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
            if code_matches(category, WORK_STATUS_CATEGORY):
                found += _work_status_plans(pid, data)
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
