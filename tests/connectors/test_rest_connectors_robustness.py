"""Jobcenter and social connectors: partial data, latency and every simulator fault mode."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from connector_testkit import Wired, request_for

from connectors import jobcenter, social
from connectors.sdk import ConnectorSettings, ConnectorUnavailable
from connectors.simulators import SimulatorConfig
from connectors.simulators.seed import citizens

Wire = Callable[..., Wired]
MANIFESTS = {"jobcenter": jobcenter.MANIFEST, "social": social.MANIFEST}


@pytest.mark.parametrize("department", ["jobcenter", "social"])
async def test_latency_within_budget_still_answers(wire: Wire, department: str) -> None:
    wired = wire(department, config=SimulatorConfig(latency_ms=20, page_size=1), timeout_s=5)
    result = await wired.connector.fetch(
        request_for(citizens()[0].cpr, dict(MANIFESTS[department].categories))
    )
    assert result.records


@pytest.mark.parametrize("department", ["jobcenter", "social"])
async def test_latency_beyond_budget_is_unavailable(wire: Wire, department: str) -> None:
    wired = wire(department, config=SimulatorConfig(latency_ms=2_000), timeout_s=0.2)
    with pytest.raises(ConnectorUnavailable):
        await wired.connector.fetch(
            request_for(citizens()[0].cpr, dict(MANIFESTS[department].categories))
        )


@pytest.mark.parametrize("department", ["jobcenter", "social"])
async def test_a_fault_on_some_requests_is_retried_to_a_full_answer(
    wire: Wire, department: str
) -> None:
    clean = wire(department)
    full = await clean.connector.fetch(
        request_for(citizens()[0].cpr, dict(MANIFESTS[department].categories))
    )
    # Seeded: with rate 0.3 some requests fail and the retries get through.
    config = SimulatorConfig(fault="error500", fault_rate=0.3, seed=2)
    flaky = wire(department, config=config)
    result = await flaky.connector.fetch(
        request_for(citizens()[0].cpr, dict(MANIFESTS[department].categories))
    )
    assert sorted(map(repr, result.records)) == sorted(map(repr, full.records))
    # Some requests failed and were asked again.
    assert len(flaky.requests) > len(clean.requests)


async def test_jobcenter_partial_data_missing_resources_are_absent_not_errors() -> None:
    """A citizen with a benefit but no plan (404) and an empty activity list."""

    def system(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/opslag"):
            return httpx.Response(200, json={"borger_id": "b1"})
        if path.endswith("/ydelse"):
            return httpx.Response(200, json={"ydelse": "kontanthjælp", "startdato": "2025-01-01"})
        if path.endswith("/aktiviteter"):
            return httpx.Response(200, json={"elementer": [], "next": None})
        return httpx.Response(404, json={"fejl": "ikke fundet"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(system)) as client:
        connector = jobcenter.create(ConnectorSettings(name="j", base_url="http://j.test"), client)
        result = await connector.fetch(
            request_for(citizens()[0].cpr, dict(jobcenter.MANIFEST.categories))
        )
    assert [(r.category, dict(r.data)) for r in result.records] == [
        (
            "jobcenter.benefit",
            {
                "benefit_type": "kontanthjælp",
                "target_group": None,
                "since": "2025-01-01",
                "amount_band": None,
            },
        )
    ]


async def test_social_follows_every_page_and_keeps_order() -> None:
    pages = {None: ("c1", ["a", "b"]), "c1": ("c2", ["c"]), "c2": (None, ["d"])}

    def system(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/soeg"):
            return httpx.Response(200, json={"sags_id": "s1"})
        following, names = pages[request.url.params.get("cursor")]
        data = [{"foranstaltning": n, "journalnotat": "fortroligt"} for n in names]
        return httpx.Response(200, json={"data": data, "next": following})

    async with httpx.AsyncClient(transport=httpx.MockTransport(system)) as client:
        connector = social.create(ConnectorSettings(name="s", base_url="http://s.test"), client)
        result = await connector.fetch(
            request_for(citizens()[0].cpr, {"social.services": frozenset({"measure"})})
        )
    assert [r.data["measure"] for r in result.records] == ["a", "b", "c", "d"]
