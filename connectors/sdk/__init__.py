"""Connector SDK: the contract every department connector implements."""

from connectors.sdk.base import BaseConnector, CheckedFetchResult
from connectors.sdk.types import (
    Connector,
    ConnectorError,
    ConnectorManifest,
    ConnectorRejected,
    ConnectorSettings,
    ConnectorUnavailable,
    FetchRequest,
    FetchResult,
    Record,
)

ENTRY_POINT_GROUP = "tvaers.connectors"

__all__ = [
    "ENTRY_POINT_GROUP",
    "BaseConnector",
    "CheckedFetchResult",
    "Connector",
    "ConnectorError",
    "ConnectorManifest",
    "ConnectorRejected",
    "ConnectorSettings",
    "ConnectorUnavailable",
    "FetchRequest",
    "FetchResult",
    "Record",
]
