"""Reference connector for the health department's FHIR R4 server."""

import httpx

from connectors.health.client import HealthConnector
from connectors.health.manifest import MANIFEST
from connectors.sdk.conformance import ConformanceFixture
from connectors.sdk.types import Connector, ConnectorSettings


def create(settings: ConnectorSettings, client: httpx.AsyncClient) -> Connector:
    """Entry point ``tvaers.connectors: health``; ``base_url`` is the FHIR base URL."""
    return HealthConnector(settings, client)


def conformance_fixture() -> ConformanceFixture:
    """The conformance kit's good system for this connector: the health simulator, in-process."""
    from connectors.simulators.fixtures import simulator_fixture

    return simulator_fixture("health")


__all__ = ["MANIFEST", "HealthConnector", "conformance_fixture", "create"]
