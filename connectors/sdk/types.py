"""The connector contract: manifest, request, result and errors.

A connector adapts one department system. The gateway owns the HTTP client and
passes it in; the connector never creates its own, so tests can hand it an
``httpx.AsyncClient`` over ``httpx.MockTransport``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeAlias, runtime_checkable

#: The entry-point group the gateway loads connector factories from.
ENTRY_POINT_GROUP = "tvaers.connectors"


#: The shape of a structured field: each allowed key → its own shape, or None for a scalar.
#: A structured value is an object of this shape or a list of such objects.
Shape: TypeAlias = Mapping[str, "Shape | None"]


@dataclass(frozen=True, slots=True)
class ConnectorManifest:
    """What a connector serves.

    ``categories`` maps each catalogue category id (``<department>.<name>``) to
    the field names the connector can return for it. Every name must exist in
    the catalogue (``policies/catalogue/data.json``); the gateway checks this at
    start-up and refuses to start otherwise.
    """

    name: str
    department: str
    categories: Mapping[str, frozenset[str]]
    system_title: str = ""
    version: str = "1"
    structured: Mapping[str, Shape] = field(default_factory=dict)
    """Fields whose values are objects (or lists of objects), keyed ``<category>.<field>``,
    with their shape. Every other field is a scalar (string, number, boolean or null): a
    nested value there is dropped, and a structured value keeps only its declared keys."""


@dataclass(frozen=True, slots=True)
class FetchRequest:
    """One call from the gateway to a connector.

    ``cpr`` is the citizen's CPR number. It must only travel in request bodies
    or headers to the department system, never in a URL, a log line or an
    exception message. ``categories`` holds only the categories the policy
    granted, each with the granted field names.
    """

    cpr: str = field(repr=False)
    categories: Mapping[str, frozenset[str]]
    purpose: str
    correlation_id: str


@dataclass(frozen=True, slots=True)
class Record:
    """One record of one category, as plain JSON-compatible data.

    ``data`` uses the catalogue's field names (``{"score": 64, "date": "2026-01-05"}``)
    and holds only granted, declared fields; ``BaseConnector`` enforces both.
    """

    category: str
    data: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What a connector returns: records (possibly none) and when it read them.

    ``retrieved_at`` is time-zone aware (UTC); ``source_system`` is the title shown
    to caseworkers as the section's source, e.g. "Jobcentrets sagssystem".
    """

    records: list[Record]
    retrieved_at: datetime
    source_system: str


class ConnectorError(Exception):
    """Base of every error a connector may raise. Messages never hold a CPR."""

    retriable: bool = False


class ConnectorUnavailable(ConnectorError):
    """The system did not answer usefully (timeout, 5xx, broken body). Retriable."""

    retriable = True


class ConnectorRejected(ConnectorError):
    """The system refused the request (4xx, OperationOutcome error). Never retried."""

    retriable = False


@runtime_checkable
class Connector(Protocol):
    """A department-system adapter.

    Implementations are created by a factory registered under the entry-point
    group ``tvaers.connectors``::

        def create(settings: ConnectorSettings, client: httpx.AsyncClient) -> Connector

    and registered in the connector project's ``pyproject.toml``::

        [project.entry-points."tvaers.connectors"]
        probe = "tvaers_probe:create"

    One instance serves concurrent fetches, so keep per-request state local.
    Subclass ``BaseConnector`` rather than implementing this from scratch; check
    either with ``tvaers connector check NAME``.
    """

    manifest: ConnectorManifest

    async def fetch(self, request: FetchRequest) -> FetchResult:
        """Read the granted categories for one citizen.

        Returns an empty ``records`` list when the citizen is unknown to the
        system. Raises ``ConnectorUnavailable`` or ``ConnectorRejected``; never
        an httpx exception.
        """
        ...


@dataclass(frozen=True, slots=True)
class ConnectorSettings:
    """Configuration the gateway hands a connector factory.

    Built from one entry of ``TVAERS_CONNECTORS`` (``{"probe": {"base_url": ...,
    "timeout_s": 2.0, "max_response_bytes": 4194304, "options": {...}}}``).
    ``timeout_s`` is the budget for one whole fetch: every request, retry and page.
    """

    name: str
    base_url: str
    timeout_s: float = 2.0
    options: Mapping[str, Any] = field(default_factory=dict)
    max_response_bytes: int = 4 * 1024 * 1024
    """Largest body one answer of the system may have (``max_response_bytes`` in
    ``TVAERS_CONNECTORS``). Enforced while streaming: a bigger answer is cut off before it
    is buffered, and the fetch is ``unavailable``."""
