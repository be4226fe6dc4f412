"""Health mapping of the FHIR shapes real servers use: value[x], components, KL WHO-5, _include."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from connectors import health
from connectors.health.kl import WHO5_ITEMS, WHO5_QUESTIONNAIRE, answer_coding
from connectors.sdk import ConnectorSettings, FetchRequest
from tests.connectors.test_connectors_base import of_patient

CPR = "0101700009"
WHO5 = {"coding": [{"system": "http://snomed.info/sct", "code": "1144665009"}]}


def _bundle(matches: list[dict[str, Any]], included: list[dict[str, Any]] = ()) -> dict[str, Any]:  # type: ignore[assignment]
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": of_patient(r), "search": {"mode": "match"}} for r in matches]
        + [{"resource": of_patient(r), "search": {"mode": "include"}} for r in included],
    }


async def _fetch(searches: dict[str, dict[str, Any]], category: str) -> list[dict[str, Any]]:
    seen: list[httpx.Request] = []

    def system(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("/Patient/_search"):
            patient = {
                "resourceType": "Patient",
                "id": "p1",
                "identifier": [
                    {"system": "http://hospital.example/mrn", "value": "42"},
                    {"system": "urn:oid:1.2.208.176.1.2", "value": CPR},
                ],
            }
            return httpx.Response(200, json=_bundle([patient]))
        return httpx.Response(
            200, json=searches.get(request.url.path.rsplit("/", 1)[-1], _bundle([]))
        )

    settings = ConnectorSettings(name="health", base_url="http://fhir.test/fhir")
    async with httpx.AsyncClient(transport=httpx.MockTransport(system)) as client:
        result = await health.create(settings, client).fetch(
            FetchRequest(
                cpr=CPR,
                categories={category: health.MANIFEST.categories[category]},
                purpose="t",
                correlation_id="c",
            )
        )
    assert all(CPR not in str(r.url) for r in seen)
    return [dict(r.data) for r in result.records]


def _observation(day: int, **value: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "status": "final",
        "code": WHO5,
        "effectiveDateTime": f"2026-01-0{day}",
        **value,
    }


async def test_observation_value_shapes() -> None:
    items = [{"code": {"coding": [{"code": name}]}, "valueInteger": 3} for name in WHO5_ITEMS]
    observations = [
        _observation(1, valueQuantity={"value": 64, "unit": "%"}),
        _observation(2, valueInteger=11),
        _observation(3, component=items),
        _observation(4, valueCodeableConcept={"text": "ukendt"}),  # no number: skipped
    ]
    got = await _fetch({"Observation": _bundle(observations)}, "health.wellbeing")
    assert got == [
        {"date": "2026-01-01", "score": 64, "raw_score": 16},
        {"date": "2026-01-02", "score": 44, "raw_score": 11},
        {"date": "2026-01-03", "score": 60, "raw_score": 15},
    ]


def _kl_response(values: list[int], **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": WHO5_QUESTIONNAIRE,
        "status": "completed",
        "authored": "2026-02-01",
        "extension": [{"url": "http://kl.dk/x/findingInformer", "valueString": "Borger"}],
        "item": [
            {"linkId": item, "answer": [{"valueCoding": answer_coding(item, value)}]}
            for item, value in zip(WHO5_ITEMS, values, strict=False)
        ],
        **extra,
    }


async def test_kl_who5_questionnaire_response() -> None:
    complete = _kl_response([5, 3, 5, 5, 5])  # the KL example: WHO-5AnswerMark
    incomplete = _kl_response([5, 3, 5])
    phq9 = {**_kl_response([1, 1, 1, 1, 1]), "questionnaire": "http://example.org/phq-9"}
    got = await _fetch(
        {"QuestionnaireResponse": _bundle([complete, incomplete, phq9])}, "health.wellbeing"
    )
    assert got == [{"date": "2026-02-01", "score": 92, "raw_score": 23}]


async def test_include_fills_names_and_diagnoses() -> None:
    team = {
        "resourceType": "CareTeam",
        "id": "t1",
        "name": "Sundhedscenter Nord",
        "participant": [{"member": {"reference": "Practitioner/pr1"}}],
        "telecom": [{"system": "phone", "value": "+45 11 22 33 44"}],
    }
    practitioner = {
        "resourceType": "Practitioner",
        "id": "pr1",
        "name": [{"family": "Ærøe", "given": ["Åse"]}],
    }
    got = await _fetch({"CareTeam": _bundle([team], [practitioner])}, "health.contact")
    assert got == [
        {
            "name": "Åse Ærøe",
            "unit": "Sundhedscenter Nord",
            "phone": "+45 11 22 33 44",
            "email": None,
        }
    ]
    plan = {
        "resourceType": "CarePlan",
        "id": "cp1",
        "status": "active",
        "intent": "plan",
        "category": [{"coding": [{"system": "http://snomed.info/sct", "code": "52052004"}]}],
        "subject": {"reference": "Patient/p1"},
        "addresses": [{"reference": "Condition/c1"}],
    }
    condition = {
        "resourceType": "Condition",
        "id": "c1",
        "subject": {"reference": "Patient/p1"},
        "code": {"text": "Apopleksi"},
    }
    rehab = await _fetch({"CarePlan": _bundle([plan], [condition])}, "health.rehabilitation")
    assert [r["diagnosis"] for r in rehab] == ["Apopleksi"]


@pytest.mark.parametrize(
    "unknown", [{"resourceType": "DeviceUsage", "id": "x"}, {"resourceType": "Nonsense"}]
)
async def test_unknown_resource_types_are_skipped(unknown: dict[str, Any]) -> None:
    got = await _fetch(
        {"Observation": _bundle([unknown, _observation(1, valueInteger=20)])}, "health.wellbeing"
    )
    assert got == [{"date": "2026-01-01", "score": 80, "raw_score": 20}]
