"""Test kit: wire a reference connector in-process to its simulator."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from connectors import health, jobcenter, social
from connectors.sdk import Connector, FetchRequest

BASE_URLS = {
    "jobcenter": "http://jobcenter.sim.test",
    "social": "http://social.sim.test",
    "health": "http://health.sim.test/fhir",
}
FACTORIES = {"jobcenter": jobcenter.create, "social": social.create, "health": health.create}
DEPARTMENTS = tuple(FACTORIES)


@dataclass
class Wired:
    """A connector, the simulator app behind it and every request it sent."""

    connector: Connector
    app: Any
    requests: list[httpx.Request] = field(default_factory=list)


def request_for(cpr: str, categories: dict[str, frozenset[str]]) -> FetchRequest:
    return FetchRequest(cpr=cpr, categories=categories, purpose="test", correlation_id="corr-1")
