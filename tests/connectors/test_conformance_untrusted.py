"""Issue 13, finding 4 and 5: the conformance kit treats department systems as untrusted.

A connector that hands over another patient's resources (a server that ignores its patient
search parameter), follows a paging link to another patient's search, or reads an answer
past its size cap must fail the kit; the reference health connector passes the same checks.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from connectors import health
from connectors.sdk import ConnectorManifest, ConnectorSettings, FetchRequest, FetchResult, Record
from connectors.sdk.conformance import ConformanceFixture, ConformanceReport
from connectors.sdk.testing import ConformanceKit, conformance_kit  # noqa: F401  (fixture)
from connectors.sdk.types import ConnectorUnavailable

CPR = "0101901111"
BASE = "http://fhir.kit.test/fhir"
CPR_SYSTEM = "urn:oid:1.2.208.176.1.2"
_MANIFEST = ConnectorManifest(
    name="naive", department="health", categories={"health.contact": frozenset({"name"})}
)


def _bundle(resources: list[dict[str, Any]], next_url: str | None = None) -> dict[str, Any]:
    links = [{"relation": "next", "url": next_url}] if next_url else []
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "link": links,
        "entry": [{"resource": r, "search": {"mode": "match"}} for r in resources],
    }


def _team(team_id: str, name: str) -> dict[str, Any]:
    return {
        "resourceType": "CareTeam",
        "id": team_id,
        "name": name,
        "subject": {"reference": "Patient/p1"},
    }


def _fhir_system(request: httpx.Request) -> httpx.Response:
    """A small FHIR server: one patient (p1) with two care teams over two pages."""
    path = request.url.path
    if path.endswith("/Patient/_search"):
        form = parse_qs(request.content.decode())
        if form.get("identifier") != [f"{CPR_SYSTEM}|{CPR}"]:
            return httpx.Response(200, json=_bundle([]))
        patient = {
            "resourceType": "Patient",
            "id": "p1",
            "identifier": [{"system": CPR_SYSTEM, "value": CPR}],
        }
        return httpx.Response(200, json=_bundle([patient]))
    if path.endswith("/CareTeam"):
        if request.url.params.get("_page") == "2":
            return httpx.Response(200, json=_bundle([_team("t2", "Genoptræning Syd")]))
        following = str(request.url.copy_merge_params({"_page": "2"}))
        return httpx.Response(200, json=_bundle([_team("t1", "Sundhedscenter Nord")], following))
    return httpx.Response(200, json=_bundle([]))


def _fixture() -> ConformanceFixture:
    return ConformanceFixture(
        base_url=BASE, system=lambda: httpx.MockTransport(_fhir_system), cpr=CPR
    )


class _NaiveFhir:
    """Trusts the server: every CareTeam in every page is the citizen's; follows any link."""

    manifest = _MANIFEST

    def __init__(self, settings: ConnectorSettings, client: httpx.AsyncClient) -> None:
        self.settings = settings
        self.client = client

    async def fetch(self, request: FetchRequest) -> FetchResult:
        try:
            found = await self.client.post(
                f"{BASE}/Patient/_search", data={"identifier": f"{CPR_SYSTEM}|{request.cpr}"}
            )
            entries = found.json().get("entry") or []
            if not entries:
                return FetchResult([], datetime.now(UTC), "naive")
            patient = entries[0]["resource"]["id"]
            url: str | None = f"{BASE}/CareTeam?subject=Patient/{patient}"
            records: list[Record] = []
            while url is not None:
                body = (await self.client.get(url)).json()
                records += [
                    Record("health.contact", {"name": e["resource"]["name"]})
                    for e in body.get("entry") or []
                ]
                url = next(
                    (k["url"] for k in body.get("link") or [] if k["relation"] == "next"), None
                )
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            raise ConnectorUnavailable("naive: broken answer") from exc
        return FetchResult(records, datetime.now(UTC), "naive")


class _ChecksPatientOnly(_NaiveFhir):
    """Drops other patients' resources, but still follows any paging link."""

    async def fetch(self, request: FetchRequest) -> FetchResult:
        result = await super().fetch(request)
        own = [r for r in result.records if "foreign" not in str(r.data)]
        return FetchResult(own, result.retrieved_at, result.source_system)


class _OwnCap(_NaiveFhir):
    """Caps answers at 2 MB of its own choosing, ignoring ``max_response_bytes``."""

    async def fetch(self, request: FetchRequest) -> FetchResult:
        async with self.client.stream("POST", f"{BASE}/Patient/_search", data={}) as response:
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > 2 * 1024 * 1024:
                    raise ConnectorUnavailable("naive: too large")
        return FetchResult([], datetime.now(UTC), "naive")


def _rows(report: ConformanceReport) -> dict[str, tuple[bool, str]]:
    return {r.name: (r.passed, r.detail) for r in report.results}


@pytest.mark.parametrize(
    ("factory", "check", "message"),
    [
        (_NaiveFhir, "foreign_patient", "another patient's resources"),
        (_ChecksPatientOnly, "foreign_paging_link", "paging link(s) to another patient's search"),
        (_OwnCap, "size_cap", "cap the body while it streams"),
    ],
)
async def test_connectors_that_trust_the_system_fail_the_kit(
    conformance_kit: ConformanceKit,  # noqa: F811
    factory: Any,
    check: str,
    message: str,
) -> None:
    report = await conformance_kit.run(factory, _fixture(), name="naive")
    passed, detail = _rows(report)[check]
    assert not passed, report.table()
    assert message in detail


async def test_the_health_connector_passes_the_same_attacks(
    conformance_kit: ConformanceKit,  # noqa: F811
) -> None:
    report = await conformance_kit.run(health.create, _fixture(), name="health")
    rows = _rows(report)
    for check in ("good_response", "foreign_patient", "foreign_paging_link", "size_cap"):
        passed, detail = rows[check]
        assert passed, report.table()
        assert "not applicable" not in detail
