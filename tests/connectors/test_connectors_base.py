"""BaseConnector behaviour with hand-made systems (httpx.MockTransport)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import httpx
import pytest
from connector_testkit import request_for

from connectors import health, jobcenter, social
from connectors.health.scope import PATIENT_ELEMENT
from connectors.sdk import (
    ENTRY_POINT_GROUP,
    ConnectorManifest,
    ConnectorRejected,
    ConnectorSettings,
    ConnectorUnavailable,
    FetchRequest,
    Record,
)
from connectors.sdk.base import BaseConnector, CheckedFetchResult
from connectors.simulators.seed import citizens

CATALOGUE = json.loads(
    (Path(__file__).parents[2] / "policies" / "catalogue" / "data.json").read_text("utf-8")
)
CPR = citizens()[0].cpr
Handler = Callable[[httpx.Request], httpx.Response]


def _client(handler: Handler) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


def _settings(base_url: str = "http://system.test", timeout_s: float = 5.0) -> ConnectorSettings:
    return ConnectorSettings(name="t", base_url=base_url, timeout_s=timeout_s)


@pytest.mark.parametrize("module", [jobcenter, social, health])
def test_manifest_matches_the_catalogue(module: Any) -> None:
    manifest: ConnectorManifest = module.MANIFEST
    catalogue = CATALOGUE["categories"]
    owned = {k for k, v in catalogue.items() if v["department"] == manifest.department}
    assert set(manifest.categories) == owned
    for category, fields in manifest.categories.items():
        assert fields == frozenset(catalogue[category]["fields"]), category


def test_entry_points_load_the_factories() -> None:
    found = {ep.name: ep.load() for ep in entry_points(group=ENTRY_POINT_GROUP)}
    assert found["jobcenter"] is jobcenter.create
    assert found["social"] is social.create
    assert found["health"] is health.create


class _Sloppy(BaseConnector):
    """A connector with a bug: it returns undeclared fields, categories and non-JSON values."""

    manifest = ConnectorManifest(
        name="sloppy",
        department="jobcenter",
        categories={"jobcenter.contact": frozenset({"name", "unit", "phone", "email"})},
    )

    async def read(
        self, request: FetchRequest, categories: Mapping[str, frozenset[str]]
    ) -> list[Record]:
        return [
            Record("jobcenter.contact", {"name": "Søren", "unit": "A", "cpr": request.cpr}),
            Record("jobcenter.contact", {"name": "Mette", "phone": object()}),
            Record("jobcenter.benefit", {"benefit_type": "kontanthjælp"}),
            Record("health.wellbeing", {"score": 40}),
        ]


async def test_base_drops_undeclared_fields_categories_and_non_json_values() -> None:
    async with _client(lambda r: httpx.Response(500)) as client:
        connector = _Sloppy(_settings(), client)
        result = await connector.fetch(
            request_for(CPR, {"jobcenter.contact": frozenset({"name", "phone"})})
        )
    assert [dict(r.data) for r in result.records] == [{"name": "Søren"}, {"name": "Mette"}]
    assert isinstance(result, CheckedFetchResult)
    assert result.dropped_records == {"jobcenter.benefit": 1, "health.wellbeing": 1}
    assert result.dropped_fields == {"jobcenter.contact.cpr": 1, "jobcenter.contact.phone": 1}


async def test_extra_fields_from_the_system_never_leave_the_connector() -> None:
    def system(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/opslag"):
            return httpx.Response(200, json={"borger_id": "b1"})
        return httpx.Response(
            200,
            json={
                "navn": "Søren Ærø-Hansen",
                "enhed": "Team 1",
                "telefon": "12",
                "email": "s@x",
                "cpr": CPR,
                "helbredsoplysninger": "hemmeligt",
            },
        )

    async with _client(system) as client:
        connector = jobcenter.create(_settings(), client)
        result = await connector.fetch(
            request_for(CPR, {"jobcenter.contact": frozenset({"name", "unit", "phone", "email"})})
        )
    assert len(result.records) == 1
    assert set(result.records[0].data) == {"name", "unit", "phone", "email"}
    assert CPR not in json.dumps([dict(r.data) for r in result.records])


async def test_unavailable_is_retried_then_succeeds() -> None:
    calls: list[str] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if len(calls) <= 2:
            return httpx.Response(503)
        if request.url.path.endswith("/soeg"):
            return httpx.Response(200, json={"sags_id": "s1"})
        return httpx.Response(200, json={"navn": "Kim", "afdeling": "A"})

    async with _client(flaky) as client:
        connector = social.create(_settings(), client)
        result = await connector.fetch(request_for(CPR, {"social.contact": frozenset({"name"})}))
    assert [dict(r.data) for r in result.records] == [{"name": "Kim"}]
    assert len(calls) == 4


async def test_transport_errors_become_unavailable() -> None:
    def broken(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async with _client(broken) as client:
        connector = social.create(_settings(), client)
        with pytest.raises(ConnectorUnavailable) as caught:
            await connector.fetch(request_for(CPR, {"social.contact": frozenset({"name"})}))
    assert isinstance(caught.value.__cause__, httpx.ConnectError)


@pytest.mark.parametrize("status", [400, 401, 403, 422])
async def test_client_errors_are_rejected_once(status: int) -> None:
    calls: list[int] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(status, json={"fejl": f"ugyldig cpr {CPR}"})

    async with _client(refuse) as client:
        connector = jobcenter.create(_settings(), client)
        with pytest.raises(ConnectorRejected) as caught:
            await connector.fetch(request_for(CPR, {"jobcenter.benefit": frozenset({"since"})}))
    assert len(calls) == 1
    assert CPR not in str(caught.value)


async def test_wrong_shape_is_unavailable() -> None:
    def odd(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"unexpected": True})

    async with _client(odd) as client:
        connector = jobcenter.create(_settings(), client)
        with pytest.raises(ConnectorUnavailable):
            await connector.fetch(request_for(CPR, {"jobcenter.benefit": frozenset({"since"})}))


async def test_vanished_follow_up_page_is_unavailable_not_partial() -> None:
    def system(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/opslag"):
            return httpx.Response(200, json={"borger_id": "b1"})
        if "cursor" in request.url.params:
            return httpx.Response(404)
        item = {"aktivitet": "mentor", "startdato": "2026-01-01"}
        return httpx.Response(200, json={"elementer": [item], "next": "c2"})

    async with _client(system) as client:
        connector = jobcenter.create(_settings(), client)
        with pytest.raises(ConnectorUnavailable):
            await connector.fetch(request_for(CPR, {"jobcenter.activities": frozenset({"kind"})}))


def of_patient(resource: dict[str, Any], patient: str = "Patient/p1") -> dict[str, Any]:
    """``resource`` naming ``patient`` as real servers do (the connector drops others)."""
    element = PATIENT_ELEMENT.get(str(resource.get("resourceType")))
    if element is None or element in resource:
        return resource
    return {**resource, element: {"reference": patient}}


def _bundle(resources: list[dict[str, Any]], next_url: str | None = None) -> dict[str, Any]:
    links = [{"relation": "self", "url": "http://fhir.test/fhir/x"}]
    if next_url:
        links.append({"relation": "next", "url": next_url})
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "link": links,
        "entry": [{"resource": of_patient(r)} for r in resources],
    }


def _fhir_system(searches: dict[str, Any]) -> Handler:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/Patient/_search"):
            patient = {
                "resourceType": "Patient",
                "id": "p1",
                "x-vendor-flag": True,
                "identifier": [{"system": "urn:oid:1.2.208.176.1.2", "value": CPR}],
            }
            return httpx.Response(200, json=_bundle([patient]))
        body = searches.get(request.url.path.rsplit("/", 1)[-1], _bundle([]))
        return httpx.Response(200, json=body)

    return handle


async def test_fhir_unknown_elements_and_resource_types_are_skipped() -> None:
    observation = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "1144665009"}]},
        "effectiveDateTime": "2026-05-01",
        "valueQuantity": {"value": 48, "vendorScale": "pct"},
        "vendorNote": "ukendt element",
    }
    unknown = {"resourceType": "VendorThing", "id": "v1"}
    other_code = {**observation, "code": {"coding": [{"code": "8302-2"}]}}
    searches = {"Observation": _bundle([observation, unknown, other_code])}
    async with _client(_fhir_system(searches)) as client:
        connector = health.create(_settings("http://fhir.test/fhir"), client)
        result = await connector.fetch(
            request_for(CPR, {"health.wellbeing": frozenset({"date", "score", "raw_score"})})
        )
    assert [dict(r.data) for r in result.records] == [
        {"date": "2026-05-01", "score": 48, "raw_score": 12}
    ]


async def test_fhir_operation_outcome_is_rejected() -> None:
    outcome = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "forbidden", "diagnostics": f"no access {CPR}"}],
    }
    async with _client(_fhir_system({"CareTeam": outcome})) as client:
        connector = health.create(_settings("http://fhir.test/fhir"), client)
        with pytest.raises(ConnectorRejected) as caught:
            await connector.fetch(request_for(CPR, {"health.contact": frozenset({"name"})}))
    assert "forbidden" in str(caught.value)
    assert CPR not in str(caught.value)


async def test_fhir_invalid_known_resource_is_unavailable() -> None:
    broken = {"resourceType": "CareTeam", "period": {"start": "not-a-date"}}
    async with _client(_fhir_system({"CareTeam": _bundle([broken])})) as client:
        connector = health.create(_settings("http://fhir.test/fhir"), client)
        with pytest.raises(ConnectorUnavailable):
            await connector.fetch(request_for(CPR, {"health.contact": frozenset({"name"})}))


async def test_fhir_next_link_off_the_system_is_not_followed() -> None:
    seen: list[str] = []
    page = _bundle([], next_url="http://elsewhere.test/fhir/CareTeam?_page=2")
    handler = _fhir_system({"CareTeam": page})

    def recording(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.host)
        return handler(request)

    async with _client(recording) as client:
        connector = health.create(_settings("http://fhir.test/fhir"), client)
        with pytest.raises(ConnectorUnavailable):
            await connector.fetch(request_for(CPR, {"health.contact": frozenset({"name"})}))
    assert set(seen) == {"fhir.test"}


async def test_several_patients_for_one_cpr_is_rejected() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        cpr = [{"system": "urn:oid:1.2.208.176.1.2", "value": CPR}]
        patients = [
            {"resourceType": "Patient", "id": "a", "identifier": cpr},
            {"resourceType": "Patient", "id": "b", "identifier": cpr},
        ]
        return httpx.Response(200, json=_bundle(patients))

    async with _client(handle) as client:
        connector = health.create(_settings("http://fhir.test/fhir"), client)
        with pytest.raises(ConnectorRejected):
            await connector.fetch(request_for(CPR, {"health.contact": frozenset({"name"})}))
