"""pytest plugin: the conformance kit as fixtures, for any connector's own tests.

Enable it in the top-level ``conftest.py`` of your connector project::

    pytest_plugins = ["connectors.sdk.testing"]

then::

    async def test_conformance(conformance_kit: ConformanceKit) -> None:
        report = await conformance_kit.run(create, conformance_fixture())
        report.assert_passed()  # fails with the pass/fail table

``fault_client`` gives an ``httpx.AsyncClient`` over a ``FaultTransport`` for
hand-written tests of one fault. Every client is closed after the test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.sdk.conformance import (
    ConformanceFixture,
    ConformanceReport,
    Factory,
    load_catalogue,
    run_conformance,
)
from connectors.sdk.faults import Fault, FaultTransport

__all__ = [
    "ConformanceFixture",
    "ConformanceKit",
    "ConformanceReport",
    "Fault",
    "FaultTransport",
    "conformance_kit",
    "fault_client",
]


@dataclass(frozen=True)
class ConformanceKit:
    """Runs the kit with one catalogue; ``run`` returns the report, ``assert_passed`` fails."""

    catalogue: dict[str, Any]

    async def run(
        self,
        factory: Factory,
        fixture: ConformanceFixture,
        *,
        name: str = "",
        concurrency: int = 16,
    ) -> ConformanceReport:
        return await run_conformance(
            factory, fixture, name=name, catalogue=self.catalogue, concurrency=concurrency
        )


@pytest.fixture
def conformance_kit(request: pytest.FixtureRequest) -> ConformanceKit:
    """The kit over the catalogue at ``$TVAERS_POLICIES_DIR`` (default: the repository's)."""
    path = getattr(request.module, "CONFORMANCE_CATALOGUE", None)
    return ConformanceKit(catalogue=load_catalogue(Path(path) if path else None))


FaultClientFactory = Callable[..., tuple[httpx.AsyncClient, FaultTransport]]


@pytest.fixture
async def fault_client() -> AsyncIterator[FaultClientFactory]:
    """``make(system_transport, fault=Fault.STATUS, status=503)`` → (client, transport)."""
    clients: list[httpx.AsyncClient] = []

    def make(
        system: httpx.AsyncBaseTransport, *, fault: Fault = Fault.NONE, **kw: Any
    ) -> tuple[httpx.AsyncClient, FaultTransport]:
        transport = FaultTransport(system, fault=fault, **kw)
        client = httpx.AsyncClient(transport=transport)
        clients.append(client)
        return client, transport

    yield make
    for client in clients:
        await client.aclose()
