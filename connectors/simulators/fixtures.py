"""Conformance fixtures for the reference connectors: each department's simulator, in-process."""

from __future__ import annotations

import httpx

from connectors.sdk.conformance import ConformanceFixture
from connectors.simulators import SIMULATORS, SimulatorConfig
from connectors.simulators.seed import citizens

BASE_URLS = {
    "jobcenter": "http://jobcenter.sim.test",
    "social": "http://social.sim.test",
    "health": "http://health.sim.test/fhir",
}


def simulator_fixture(department: str) -> ConformanceFixture:
    """The simulator as the kit's good system; the first seeded citizen is the known one."""
    known = next(c for c in citizens() if getattr(c, department) is not None)

    def system() -> httpx.AsyncBaseTransport:
        # Page size 1: every list is paged, so paging is part of every check.
        return httpx.ASGITransport(app=SIMULATORS[department](SimulatorConfig(page_size=1)))

    return ConformanceFixture(
        base_url=BASE_URLS[department],
        system=system,
        cpr=known.cpr,
        description=f"{department} simulator (in-process)",
    )
