"""Connector SDK: the contract every department connector implements."""

from connectors.sdk.base import BaseConnector, CheckedFetchResult
from connectors.sdk.types import (
    ENTRY_POINT_GROUP,
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
