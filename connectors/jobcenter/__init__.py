"""Reference connector for the jobcenter case system (REST/JSON)."""

import httpx

from connectors.jobcenter.client import JobcenterConnector
from connectors.jobcenter.manifest import MANIFEST
from connectors.sdk.conformance import ConformanceFixture
from connectors.sdk.types import Connector, ConnectorSettings


def create(settings: ConnectorSettings, client: httpx.AsyncClient) -> Connector:
    """Entry point ``tvaers.connectors: jobcenter``; ``base_url`` is the system's root URL."""
    return JobcenterConnector(settings, client)


def conformance_fixture() -> ConformanceFixture:
    """The conformance kit's good system for this connector: the jobcenter simulator, in-process."""
    from connectors.simulators.fixtures import simulator_fixture

    return simulator_fixture("jobcenter")


__all__ = ["MANIFEST", "JobcenterConnector", "conformance_fixture", "create"]
