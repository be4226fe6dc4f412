"""Fixtures: each reference connector wired in-process to its simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from connectors import health, jobcenter, social
from connectors.sdk import Connector, ConnectorSettings, FetchRequest
from connectors.simulators import SIMULATORS, SimulatorConfig

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


@pytest.fixture
async def wire() -> AsyncIterator[Callable[..., Wired]]:
    clients: list[httpx.AsyncClient] = []

    def make(
        department: str, *, config: SimulatorConfig | None = None, timeout_s: float = 5.0
    ) -> Wired:
        app = SIMULATORS[department](config)
        asgi = httpx.ASGITransport(app=app)
        wired = Wired(connector=None, app=app)  # type: ignore[arg-type]

        async def record(request: httpx.Request) -> httpx.Response:
            wired.requests.append(request)
            return await asgi.handle_async_request(request)

        client = httpx.AsyncClient(transport=httpx.MockTransport(record))
        clients.append(client)
        settings = ConnectorSettings(
            name=department, base_url=BASE_URLS[department], timeout_s=timeout_s
        )
        wired.connector = FACTORIES[department](settings, client)
        return wired

    yield make
    for client in clients:
        await client.aclose()
