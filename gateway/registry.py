"""Connector registry: loads configured connectors by entry point; any failure stops start-up.

The opposite of a loader that logs a broken plug-in and carries on: a configured connector
that cannot be imported, built or checked against the catalogue raises ``ConnectorLoadError``.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import httpx

from connectors.sdk import ENTRY_POINT_GROUP, Connector, ConnectorSettings
from gateway.catalogue.models import Catalogue


class ConnectorLoadError(RuntimeError):
    """A configured connector failed to load. Start-up must stop."""


@dataclass(frozen=True)
class ConnectorRegistry:
    connectors: Mapping[str, Connector]
    by_category: Mapping[str, str]
    timeouts: Mapping[str, float]
    #: Connectors configured with ``"simulator": true``: their sections say "(simulator)".
    simulated: frozenset[str] = frozenset()

    def connector_for(self, category: str) -> tuple[str, Connector] | None:
        name = self.by_category.get(category)
        if name is None:
            return None
        return name, self.connectors[name]


@functools.lru_cache(maxsize=4)
def _installed(_path: tuple[str, ...]) -> dict[str, EntryPoint]:
    """The installed connector entry points (reading every package's metadata takes ~10 ms;
    read again only when the import path changes)."""
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def load_connectors(
    configured: Mapping[str, Mapping[str, Any]],
    *,
    client: httpx.AsyncClient,
    catalogue: Catalogue,
    default_timeout_s: float,
) -> ConnectorRegistry:
    available = _installed(tuple(sys.path))
    connectors: dict[str, Connector] = {}
    by_category: dict[str, str] = {}
    timeouts: dict[str, float] = {}
    simulated: set[str] = set()
    for name, options in configured.items():
        ep = available.get(name)
        if ep is None:
            raise ConnectorLoadError(
                f"connector {name!r} is configured but no entry point "
                f"{ENTRY_POINT_GROUP}:{name} is installed"
            )
        try:
            factory = ep.load()
            base_url = httpx.URL(str(options["base_url"]))
            if base_url.scheme not in ("http", "https") or not base_url.host:
                # Would only fail at request time, as "unavailable" forever: refuse it now.
                raise ValueError(f"base_url must be an http(s) URL, not {str(base_url)!r}")
            settings = ConnectorSettings(
                name=name,
                base_url=str(options["base_url"]),
                timeout_s=float(options.get("timeout_s", default_timeout_s)),
                options=dict(options.get("options", {})),
                **(
                    {"max_response_bytes": int(options["max_response_bytes"])}
                    if "max_response_bytes" in options
                    else {}
                ),
            )
            connector = factory(settings, client)
        except Exception as exc:
            raise ConnectorLoadError(f"connector {name!r} failed to load: {exc}") from exc
        if not isinstance(connector, Connector):
            raise ConnectorLoadError(f"connector {name!r} does not implement the protocol")
        check_manifest(name, connector, catalogue)
        for category in connector.manifest.categories:
            if category in by_category:
                raise ConnectorLoadError(
                    f"category {category} served by both {by_category[category]} and {name}"
                )
            by_category[category] = name
        connectors[name] = connector
        timeouts[name] = settings.timeout_s
        marker = options.get("simulator", False)
        if not isinstance(marker, bool):
            raise ConnectorLoadError(f"connector {name!r}: simulator must be true or false")
        if marker:
            simulated.add(name)
    return ConnectorRegistry(
        connectors=connectors,
        by_category=by_category,
        timeouts=timeouts,
        simulated=frozenset(simulated),
    )


def check_manifest(name: str, connector: Connector, catalogue: Catalogue) -> None:
    manifest = connector.manifest
    if manifest.department not in catalogue.departments:
        raise ConnectorLoadError(f"connector {name!r}: unknown department {manifest.department}")
    for category, fields in manifest.categories.items():
        spec = catalogue.categories.get(category)
        if spec is None or spec.department != manifest.department:
            raise ConnectorLoadError(f"connector {name!r}: category {category} not in catalogue")
        unknown = set(fields) - set(spec.fields)
        if unknown:
            raise ConnectorLoadError(
                f"connector {name!r}: undeclared fields {sorted(unknown)} in {category}"
            )
