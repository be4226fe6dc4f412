"""Issue 13, findings 4-6 at the connector: department systems are untrusted input.

Another patient's FHIR resources (a server that ignores ``subject``), a paging link to
another patient's search, a 6.6 MB searchset, and nested values in scalar fields.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from connectors import health
from connectors.jobcenter.manifest import MANIFEST as JOBCENTER
from connectors.sdk import ConnectorSettings, FetchRequest, Record
from connectors.sdk.base import validate_records
from connectors.sdk.types import ConnectorUnavailable
from gateway.views.minimise import minimise

CPR = "0101700009"
BASE = "http://fhir.test/fhir"
WHO5 = {"coding": [{"system": "http://snomed.info/sct", "code": "1144665009"}]}


def _observation(n: int, patient: str, score: int) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": f"o{n}",
        "status": "final",
        "code": WHO5,
        "subject": {"reference": patient},
        "effectiveDateTime": f"2026-01-{n % 28 + 1:02d}",
        "valueInteger": score,
    }


def _bundle(resources: list[dict[str, Any]], next_url: str | None = None) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "link": [{"relation": "next", "url": next_url}] if next_url else [],
        "entry": [{"resource": r, "search": {"mode": "match"}} for r in resources],
    }


def _server(observations: Any, seen: list[httpx.Request]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("/Patient/_search"):
            patient = {
                "resourceType": "Patient",
                "id": "p1",
                "identifier": [{"system": "urn:oid:1.2.208.176.1.2", "value": CPR}],
            }
            return httpx.Response(200, json=_bundle([patient]))
        if request.url.path.endswith("/Observation"):
            return observations(request)
        return httpx.Response(200, json=_bundle([]))

    return httpx.MockTransport(handle)


async def _wellbeing(transport: httpx.MockTransport, **settings: Any) -> list[dict[str, Any]]:
    config = ConnectorSettings(name="health", base_url=BASE, **settings)
    async with httpx.AsyncClient(transport=transport) as client:
        result = await health.create(config, client).fetch(
            FetchRequest(
                cpr=CPR,
                categories={"health.wellbeing": frozenset({"date", "score", "raw_score"})},
                purpose="t",
                correlation_id="c",
            )
        )
    return [dict(r.data) for r in result.records]


async def test_f4_a_server_that_ignores_subject_cannot_add_other_patients() -> None:
    seen: list[httpx.Request] = []
    mixed = [
        _observation(1, "Patient/p1", 10),
        _observation(2, "Patient/p2", 20),  # another patient
        _observation(3, f"{BASE}/Patient/p1/_history/3", 12),  # ours, absolute + versioned
        _observation(4, "http://evil.test/fhir/Patient/p1", 25),  # another server's p1
        {**_observation(5, "Patient/p1", 5), "subject": None},  # names nobody
    ]
    got = await _wellbeing(_server(lambda r: httpx.Response(200, json=_bundle(mixed)), seen))
    assert sorted(g["raw_score"] for g in got) == [10, 12]


@pytest.mark.parametrize(
    "link",
    [
        f"{BASE}/Observation?subject=Patient/p2&_page=2",  # another patient
        f"{BASE}/Condition?subject=Patient/p1&_page=2",  # another resource type
        "http://fhir.test/other/Observation?subject=Patient/p1&_page=2",  # another base path
        "http://evil.test/fhir/Observation?subject=Patient/p1",  # another host
    ],
)
async def test_f4_foreign_paging_links_are_not_followed(link: str) -> None:
    seen: list[httpx.Request] = []

    def observations(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("_page"):
            return httpx.Response(200, json=_bundle([_observation(9, "Patient/p2", 25)]))
        return httpx.Response(200, json=_bundle([_observation(1, "Patient/p1", 10)], link))

    with pytest.raises(ConnectorUnavailable, match="paging link"):
        await _wellbeing(_server(observations, seen))
    assert not any(str(r.url) == link for r in seen)


async def test_f4_own_paging_links_are_followed() -> None:
    seen: list[httpx.Request] = []

    def observations(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("_page") == "2":
            return httpx.Response(200, json=_bundle([_observation(2, "Patient/p1", 11)]))
        following = str(request.url.copy_merge_params({"_page": "2"}))
        return httpx.Response(200, json=_bundle([_observation(1, "Patient/p1", 10)], following))

    got = await _wellbeing(_server(observations, seen))
    assert sorted(g["raw_score"] for g in got) == [10, 11]


async def test_f5_a_6_6_mb_searchset_is_cut_off_at_the_size_cap_while_streaming() -> None:
    big = _bundle([_observation(n, "Patient/p1", n % 26) for n in range(20_000)])
    body = httpx.Response(200, json=big).content
    assert len(body) > 4 * 1024 * 1024  # the attack: more than the default cap
    streamed: list[int] = []

    async def chunks() -> Any:
        for start in range(0, len(body), 65536):
            streamed.append(65536)
            yield body[start : start + 65536]

    def observations(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=chunks(), headers={"content-type": "application/json"})

    with pytest.raises(ConnectorUnavailable, match="larger than"):
        await _wellbeing(_server(observations, []), max_response_bytes=1024 * 1024)
    assert sum(streamed) <= 1024 * 1024 + 65536  # stopped reading at the cap
    with pytest.raises(ConnectorUnavailable, match="larger than"):  # the default cap too
        await _wellbeing(_server(lambda r: httpx.Response(200, content=body), []))


NESTED = {"intern_note": "Ring til mig", "cpr": CPR}


def test_f6_nested_values_in_scalar_fields_are_dropped_and_structures_minimised() -> None:
    record = Record("jobcenter.benefit", {"benefit_type": "kontanthjælp", "target_group": NESTED})
    plan = Record(
        "jobcenter.plan",
        {"goal": "Job", "steps": [{"text": "Praktik", "status": "i gang", **NESTED}]},
    )
    granted = {
        "jobcenter.benefit": frozenset({"benefit_type", "target_group"}),
        "jobcenter.plan": frozenset({"goal", "steps"}),
    }
    kept, _, dropped = validate_records([record, plan], manifest=JOBCENTER, granted=granted)
    assert dict(kept[0].data) == {"benefit_type": "kontanthjælp"}
    assert dict(kept[1].data)["steps"] == [{"text": "Praktik", "status": "i gang"}]
    assert dropped["jobcenter.benefit.target_group"] == 1
    # The gateway's last gate does the same for a connector that skips BaseConnector.
    out = minimise([record, plan], granted, JOBCENTER.structured)
    assert out["jobcenter.benefit"] == [{"benefit_type": "kontanthjælp"}]
    assert out["jobcenter.plan"][0]["steps"] == [{"text": "Praktik", "status": "i gang"}]
    assert CPR not in str(out)
