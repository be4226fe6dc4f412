"""Reference connector for the jobcenter case system (REST/JSON)."""

import httpx

from connectors.jobcenter.client import JobcenterConnector
from connectors.jobcenter.manifest import MANIFEST
from connectors.sdk.types import Connector, ConnectorSettings


def create(settings: ConnectorSettings, client: httpx.AsyncClient) -> Connector:
    """Entry point ``tvaers.connectors: jobcenter``; ``base_url`` is the system's root URL."""
    return JobcenterConnector(settings, client)


__all__ = ["MANIFEST", "JobcenterConnector", "create"]
