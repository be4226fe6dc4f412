"""Reference connector for the social services case system (REST/JSON)."""

import httpx

from connectors.sdk.types import Connector, ConnectorSettings
from connectors.social.client import SocialConnector
from connectors.social.manifest import MANIFEST


def create(settings: ConnectorSettings, client: httpx.AsyncClient) -> Connector:
    """Entry point ``tvaers.connectors: social``; ``base_url`` is the system's root URL."""
    return SocialConnector(settings, client)


__all__ = ["MANIFEST", "SocialConnector", "create"]
