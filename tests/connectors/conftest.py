"""Fixtures: each reference connector wired in-process to its simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from connector_testkit import BASE_URLS, FACTORIES, Wired

from connectors.sdk import ConnectorSettings
from connectors.simulators import SIMULATORS, SimulatorConfig


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
