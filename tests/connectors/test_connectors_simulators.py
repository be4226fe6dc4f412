"""The simulators: labelled as simulators, configurable, CPR only in bodies, valid FHIR."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fhir.resources.R4B.bundle import Bundle

from connectors.health.kl import WHO5_QUESTIONNAIRE, answer_value
from connectors.health.manifest import (
    ALCOHOL_TREATMENT_TYPE,
    AUDIT_CODE,
    REFERRAL_CATEGORY,
    WORK_STATUS_CATEGORY,
)
from connectors.simulators import SIMULATOR_HEADER, SIMULATORS, SimulatorConfig
from connectors.simulators.seed import citizens

CPR_SYSTEM = "urn:oid:1.2.208.176.1.2"
WHO5 = WHO5_QUESTIONNAIRE


async def _client(department: str, config: SimulatorConfig | None = None) -> httpx.AsyncClient:
    app = SIMULATORS[department](config)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sim.test")


@pytest.fixture
async def health_client() -> AsyncIterator[httpx.AsyncClient]:
    async with await _client("health") as client:
        yield client


@pytest.mark.parametrize("department", sorted(SIMULATORS))
async def test_every_response_says_simulator(department: str) -> None:
    async with await _client(department) as client:
        for response in (
            await client.get("/healthz"),
            await client.get("/_simulator/config"),
            await client.get("/openapi.json"),
            await client.get("/does-not-exist"),
        ):
            assert response.headers[SIMULATOR_HEADER] == "true"
        assert "SIMULATOR" in (await client.get("/openapi.json")).json()["info"]["title"]
        assert (await client.get("/healthz")).json()["simulator"] is True


@pytest.mark.parametrize("department", sorted(SIMULATORS))
async def test_no_route_takes_a_cpr_in_the_url(department: str) -> None:
    async with await _client(department) as client:
        spec = (await client.get("/openapi.json")).json()
    for path, operations in spec["paths"].items():
        assert "cpr" not in path.lower()
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                assert "cpr" not in parameter["name"].lower(), path


@pytest.mark.parametrize("department", sorted(SIMULATORS))
async def test_config_round_trip_and_validation(department: str) -> None:
    async with await _client(department) as client:
        assert (await client.get("/_simulator/config")).json()["fault"] == "none"
        new = {"latency_ms": 5, "fault": "error500", "fault_rate": 0.5, "seed": 7, "page_size": 3}
        written = (await client.put("/_simulator/config", json=new)).json()
        read = (await client.get("/_simulator/config")).json()
        assert written == read
        assert read["fault"] == "error500"
        assert read["page_size"] == 3
        assert (await client.put("/_simulator/config", json={"fault": "boom"})).status_code == 422
        bad_rate = await client.put("/_simulator/config", json={"fault_rate": 2})
        assert bad_rate.status_code == 422


async def test_fault_rate_is_seeded_and_reproducible() -> None:
    outcomes = []
    for _ in range(2):
        config = SimulatorConfig(fault="error500", fault_rate=0.5, seed=42)
        async with await _client("jobcenter", config) as client:
            codes = []
            for _ in range(20):
                body = {"cpr": citizens()[0].cpr}
                codes.append((await client.post("/api/v1/borgere/opslag", json=body)).status_code)
        outcomes.append(codes)
    assert outcomes[0] == outcomes[1]
    assert set(outcomes[0]) == {200, 500}


async def _search(client: httpx.AsyncClient, cpr: str) -> dict[str, Any]:
    response = await client.post(
        "/fhir/Patient/_search", data={"identifier": f"{CPR_SYSTEM}|{cpr}"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/fhir+json")
    body: dict[str, Any] = response.json()
    return body


async def _all_pages(client: httpx.AsyncClient, path: str, params: dict[str, str]) -> list[Any]:
    bundles = []
    response = await client.get(path, params=params)
    while True:
        body = response.json()
        bundles.append(Bundle.model_validate(body))
        nxt = [link["url"] for link in body["link"] if link["relation"] == "next"]
        if not nxt:
            return bundles
        response = await client.get(nxt[0])


async def test_health_serves_valid_fhir_r4b(health_client: httpx.AsyncClient) -> None:
    checked = 0
    for citizen in citizens()[:12]:
        found = await _search(health_client, citizen.cpr)
        Bundle.model_validate(found)
        if citizen.health is None:
            assert found["total"] == 0
            continue
        patient_id = found["entry"][0]["resource"]["id"]
        assert citizen.cpr not in patient_id
        subject = f"Patient/{patient_id}"
        for path, params in (
            ("/fhir/QuestionnaireResponse", {"subject": subject, "questionnaire": WHO5}),
            ("/fhir/CarePlan", {"subject": subject}),
            ("/fhir/CareTeam", {"subject": subject}),
        ):
            bundles = await _all_pages(health_client, path, params)
            entries = [e for b in bundles for e in (b.entry or [])]
            assert len(entries) == bundles[0].total
            checked += len(entries)
        responses = await _all_pages(
            health_client, "/fhir/QuestionnaireResponse", {"subject": subject}
        )
        assert sum(len(b.entry or []) for b in responses) == len(citizen.health.who5)
    assert checked > 20


async def test_health_pages_kl_who5_responses_with_next_links(
    health_client: httpx.AsyncClient,
) -> None:
    zero = citizens()[0]
    assert zero.health is not None
    found = await _search(health_client, zero.cpr)
    subject = f"Patient/{found['entry'][0]['resource']['id']}"
    bundles = await _all_pages(health_client, "/fhir/QuestionnaireResponse", {"subject": subject})
    assert len(bundles) > 1
    responses = [e.resource for b in bundles for e in b.entry or []]
    assert {r.questionnaire for r in responses} == {WHO5}
    # KL's shape: five items by name, each a KLTools coding whose value adds up to the raw score.
    for response, point in zip(responses, zero.health.who5, strict=True):
        assert [i.linkId for i in response.item] == [
            "happy",
            "calm",
            "active",
            "rested",
            "interest",
        ]
        values = [answer_value(i.answer[0].valueCoding.code, None) for i in response.item]
        assert sum(values) == point.raw_score  # type: ignore[arg-type]
        assert all(i.answer[0].valueCoding.display.startswith("WHO-5 ") for i in response.item)


async def test_health_errors_are_operation_outcomes(health_client: httpx.AsyncClient) -> None:
    response = await health_client.get("/fhir/Observation")
    assert response.status_code == 400
    assert response.json()["resourceType"] == "OperationOutcome"
    await health_client.put("/_simulator/config", json={"fault": "error500"})
    failed = await health_client.post("/fhir/Patient/_search", data={"identifier": "x|y"})
    assert failed.status_code == 500
    assert failed.json()["resourceType"] == "OperationOutcome"


async def test_unknown_citizen_is_404_on_rest_and_empty_on_fhir(
    health_client: httpx.AsyncClient,
) -> None:
    async with await _client("jobcenter") as client:
        response = await client.post("/api/v1/borgere/opslag", json={"cpr": "0101010000"})
        assert response.status_code == 404
    async with await _client("social") as client:
        response = await client.post("/api/borger/soeg", json={"cpr": "0101010000"})
        assert response.status_code == 404
    assert (await _search(health_client, "0101010000"))["total"] == 0


@pytest.mark.parametrize(
    ("fault", "status"), [("error500", 500), ("malformed", 200), ("timeout", 504)]
)
async def test_fault_modes_at_the_simulator(fault: str, status: int) -> None:
    config = SimulatorConfig(fault=fault, timeout_s=0)  # type: ignore[arg-type]
    async with await _client("social", config) as client:
        response = await client.post("/api/borger/soeg", json={"cpr": citizens()[0].cpr})
        assert response.status_code == status
        if fault == "malformed":
            with pytest.raises(ValueError, match=r"Expecting|Unterminated"):
                response.json()
        # Control endpoints never fault, so a test can always switch faults off.
        assert (await client.get("/_simulator/config")).status_code == 200


async def test_partial_fault_fails_only_follow_up_pages() -> None:
    async with await _client("jobcenter", SimulatorConfig(fault="partial")) as client:
        found = await client.post("/api/v1/borgere/opslag", json={"cpr": citizens()[0].cpr})
        path = f"/api/v1/borgere/{found.json()['borger_id']}/aktiviteter"
        first = await client.get(path)
        assert first.status_code == 200
        assert first.json()["next"]
        second = await client.get(path, params={"cursor": first.json()["next"]})
        assert second.status_code == 503


async def test_health_serves_the_issue_14_resources_as_valid_fhir_r4b(
    health_client: httpx.AsyncClient,
) -> None:
    """AUDIT Observations, referral ServiceRequests, alcohol-treatment EpisodeOfCare and
    work-status CarePlans: strict R4B Bundles (no unknown element), one per seeded record."""
    counts = {"audit": 0, "referral": 0, "alcohol": 0, "work": 0}
    for citizen in citizens():
        if citizen.health is None:
            continue
        found = await _search(health_client, citizen.cpr)
        subject = f"Patient/{found['entry'][0]['resource']['id']}"
        searches = {
            "audit": ("/fhir/Observation", {"subject": subject, "code": AUDIT_CODE}),
            "referral": (
                "/fhir/ServiceRequest",
                {"subject": subject, "category": REFERRAL_CATEGORY},
            ),
            "alcohol": (
                "/fhir/EpisodeOfCare",
                {"patient": subject, "type": ALCOHOL_TREATMENT_TYPE},
            ),
            "work": ("/fhir/CarePlan", {"subject": subject, "category": WORK_STATUS_CATEGORY}),
        }
        expected = {
            "audit": len(citizen.health.alcohol_screenings),
            "referral": len(citizen.health.referrals),
            "alcohol": len(citizen.health.alcohol_treatments),
            "work": len(citizen.health.work_status),
        }
        for name, (path, params) in searches.items():
            bundles = await _all_pages(health_client, path, params)
            resources = [e.resource for b in bundles for e in b.entry or []]
            assert len(resources) == expected[name], (name, citizen.index)
            counts[name] += len(resources)
            for resource in resources:
                owner = resource.patient if name == "alcohol" else resource.subject
                assert owner.reference == subject
        # The WHO-5 code finds no AUDIT score: the code parameter is honoured.
        who5 = await _all_pages(
            health_client,
            "/fhir/Observation",
            {"subject": subject, "code": "http://snomed.info/sct|1144665009"},
        )
        assert not who5[0].entry
    assert all(count >= 3 for count in counts.values()), counts
