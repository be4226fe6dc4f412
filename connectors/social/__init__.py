"""Reference connector for the social services case system (REST/JSON)."""

import httpx

from connectors.sdk.conformance import ConformanceFixture
from connectors.sdk.types import Connector, ConnectorSettings
from connectors.social.client import SocialConnector
from connectors.social.manifest import MANIFEST


def create(settings: ConnectorSettings, client: httpx.AsyncClient) -> Connector:
    """Entry point ``tvaers.connectors: social``; ``base_url`` is the system's root URL."""
    return SocialConnector(settings, client)


def conformance_fixture() -> ConformanceFixture:
    """The conformance kit's good system for this connector: the social simulator, in-process."""
    from connectors.simulators.fixtures import simulator_fixture

    return simulator_fixture("social")


__all__ = ["MANIFEST", "SocialConnector", "conformance_fixture", "create"]
