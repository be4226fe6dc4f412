"""The health connector against every published FHIR file in tests/data/fhir.

The files are served by ``FhirFileServer`` through ``httpx.MockTransport`` as a
lenient FHIR server would: paged searchsets (the two published HAPI pages
included), ``_include``, an R5-only resource type, Synthea patients with five
identifiers plus a CPR, 84 Synthea Observations (``valueQuantity``,
``valueCodeableConcept``, components), the KL planned intervention, the HL7
EpisodeOfCare, the US Core PHQ-9 QuestionnaireResponse and the HL7
OperationOutcome.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx
import pytest
from fhir_file_server import BASE, DATA, FhirFileServer

from connectors import health
from connectors.sdk import ConnectorRejected, ConnectorSettings, ConnectorUnavailable, FetchRequest

LIZ, CLEMENTE, MARK, EXAMPLE = "0101700001", "0101700002", "0101700003", "0101700004"
CPRS = {
    "Patient/ee9f8dd8-72d2-4769-8020-89e504b1504b": LIZ,  # Synthea, has a CarePlan
    "Patient/d78af07c-9cb9-4f31-9b11-c45a28f2eec8": CLEMENTE,  # Synthea, 48 Observations
    "Patient/Mark": MARK,  # the KL CarePlan's subject
    "Patient/example": EXAMPLE,  # the EpisodeOfCare's and the PHQ-9 response's subject
}
# A municipality configures the codes its server uses; these are the files' codes.
OPTIONS = {
    "rehabilitation_category": "http://snomed.info/sct|787301000000101",
    "rehabilitation_episode_type": (
        "http://terminology.hl7.org/CodeSystem/episodeofcare-type|hacc"
    ),
    # The KL example is home nursing (sårbehandling); named here only to prove that
    # KL's PlannedIntervention shape (code in activity.detail) maps.
    "rehabilitation_activity_codes": ["http://kl.dk/fhir/common/caresocial/CodeSystem/FSIII|G1.39"],
}


async def _fetch(server: FhirFileServer, cpr: str) -> dict[str, list[dict[str, Any]]]:
    settings = ConnectorSettings(name="health", base_url=BASE, timeout_s=10, options=OPTIONS)
    async with httpx.AsyncClient(transport=httpx.MockTransport(server)) as client:
        connector = health.create(settings, client)
        result = await connector.fetch(
            FetchRequest(
                cpr=cpr,
                categories=dict(health.MANIFEST.categories),
                purpose="test",
                correlation_id="real-fhir",
            )
        )
    grouped: dict[str, list[dict[str, Any]]] = {}
    for record in result.records:
        grouped.setdefault(record.category, []).append(dict(record.data))
    return grouped


def _searches(server: FhirFileServer) -> Mapping[str, int]:
    counts: dict[str, int] = {}
    for request in server.requests:
        key = request.url.path if "_getpages" not in request.url.params else "page"
        counts[key] = counts.get(key, 0) + 1
    return counts


async def test_every_file_is_read_and_mapped() -> None:
    server = FhirFileServer(CPRS)
    files = sorted(p.name for p in DATA.glob("*.json"))
    assert len(files) == 8
    got = {cpr: await _fetch(server, cpr) for cpr in (LIZ, CLEMENTE, MARK, EXAMPLE)}
    assert got[LIZ] == {
        "health.rehabilitation": [
            {
                "kind": "Surgery care management",
                "status": "afsluttet",
                "start": "2012-09-29T20:37:06+00:00",
                "end": "2012-10-13T20:37:06+00:00",
                "focus": None,
                "diagnosis": None,
            }
        ]
    }
    # 48 Observations, none of them WHO-5: all parsed, all skipped, no error.
    assert got[CLEMENTE] == {}
    assert got[MARK] == {
        "health.rehabilitation": [
            {
                "kind": "Sårbehandling",
                "status": "i gang",
                "start": "2020-05-30",
                "end": None,
                "focus": "Tryksår på venstre ben skal tilses og behandles dagligt. "
                "Vigtigt at tjekke for infektion",
                "diagnosis": None,
            }
        ]
    }
    # The EpisodeOfCare maps; the PHQ-9 response is not WHO-5 and is skipped.
    assert got[EXAMPLE] == {
        "health.rehabilitation": [
            {
                "kind": "Home and Community Care",
                "status": "i gang",
                "start": "2014-09-01",
                "end": None,
                "focus": None,
                "diagnosis": None,
            }
        ]
    }
    counts = _searches(server)
    # Every lookup walked the two published pages and the server's third.
    assert counts["/Patient/_search"] == 4
    assert counts["page"] >= 4 * 2 + 1
    # One WHO-5 and one AUDIT Observation search per citizen; no file holds an AUDIT score,
    # and no CarePlan, EpisodeOfCare or ServiceRequest in them carries the local codes of the
    # referral, alcohol treatment or work-status categories, so those stay empty.
    observation_pages = [r for r in server.requests if r.url.path == "/Observation"]
    assert len(observation_pages) == 8


async def test_paging_carries_every_observation_through_the_connector() -> None:
    """With the WHO-5 code set to a Synthea code, 3 pain scores cross 10 pages intact."""
    server = FhirFileServer(CPRS)
    settings = ConnectorSettings(
        name="health",
        base_url=BASE,
        timeout_s=10,
        options={"who5_code": "http://loinc.org|72514-3"},
    )
    async with httpx.AsyncClient(transport=httpx.MockTransport(server)) as client:
        result = await health.create(settings, client).fetch(
            FetchRequest(
                cpr=LIZ,
                categories={"health.wellbeing": frozenset({"date", "score", "raw_score"})},
                purpose="test",
                correlation_id="c",
            )
        )
    liz = json.loads((DATA / "synthea-r4-Liz_Conn-transaction.json").read_text("utf-8"))
    pain = sorted(
        (e["resource"]["effectiveDateTime"], e["resource"]["valueQuantity"]["value"])
        for e in liz["entry"]
        if e["resource"]["resourceType"] == "Observation"
        and e["resource"]["code"]["coding"][0]["code"] == "72514-3"
    )
    assert len(pain) == 3
    assert [(r.data["date"], r.data["score"]) for r in result.records] == pain


async def test_unknown_citizen_is_empty_after_all_pages() -> None:
    server = FhirFileServer(CPRS)
    assert await _fetch(server, "0101010000") == {}
    assert _searches(server)["page"] == 2


@pytest.mark.parametrize(
    ("status", "error"),
    [(400, ConnectorRejected), (422, ConnectorRejected), (500, ConnectorUnavailable)],
)
async def test_operation_outcome_file_becomes_a_clear_error(
    status: int, error: type[Exception]
) -> None:
    server = FhirFileServer(CPRS)
    server.fail_with = (status, json.loads((DATA / "operationoutcome-example.json").read_text()))
    with pytest.raises(error) as caught:
        await _fetch(server, LIZ)
    assert "code-invalid" in str(caught.value)
    assert LIZ not in str(caught.value)
    assert "Acme" not in str(caught.value)  # diagnostics text is never quoted


async def test_operation_outcome_inside_a_200_bundle_is_rejected() -> None:
    outcome = json.loads((DATA / "operationoutcome-example.json").read_text())
    server = FhirFileServer(CPRS)
    original = server._start_paging

    def with_outcome(entries: list[dict[str, Any]]) -> httpx.Response:
        return original([*entries, {"resource": outcome, "search": {"mode": "outcome"}}])

    server._start_paging = with_outcome  # type: ignore[method-assign]
    with pytest.raises(ConnectorRejected, match="code-invalid"):
        await _fetch(server, LIZ)


async def test_transient_operation_outcome_is_unavailable() -> None:
    outcome = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "throttled", "diagnostics": "slow down"}],
    }
    server = FhirFileServer(CPRS)
    server.fail_with = (200, outcome)
    with pytest.raises(ConnectorUnavailable, match="throttled"):
        await _fetch(server, LIZ)
