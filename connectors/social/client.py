"""The social services connector: REST/JSON case system, CPR only in a POST body."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from connectors.sdk.base import BaseConnector, gather_records
from connectors.sdk.types import FetchRequest, Record
from connectors.social import mapping
from connectors.social.manifest import CONTACT, MANIFEST, SERVICES, SUBSTANCE

API = "/api/borger"


class SocialConnector(BaseConnector):
    """Reads serviceloven measures, substance treatment and caseworker."""

    manifest = MANIFEST

    async def read(
        self, request: FetchRequest, categories: Mapping[str, frozenset[str]]
    ) -> list[Record]:
        found = await self.post_json(f"{API}/soeg", {"cpr": request.cpr}, not_found_ok=True)
        if found is None:
            return []
        case = f"{API}/{found['sags_id']}"
        readers: dict[str, Callable[[], Awaitable[list[dict[str, Any]]]]] = {
            SERVICES: lambda: self._many(f"{case}/foranstaltninger", mapping.measure),
            # A separate resource, so substance treatment (special category) is
            # only ever requested when it was granted.
            SUBSTANCE: lambda: self._many(
                f"{case}/misbrugsbehandlinger", mapping.substance_treatment
            ),
            CONTACT: lambda: self._contact(f"{case}/kontaktperson"),
        }
        wanted = [c for c in readers if c in categories]
        return await gather_records(wanted, [readers[c]() for c in wanted])

    async def _many(
        self, path: str, convert: Callable[[dict[str, Any]], dict[str, Any]]
    ) -> list[dict[str, Any]]:
        items = await self.collect_pages(path, items_key="data")
        return [convert(item) for item in items or []]

    async def _contact(self, path: str) -> list[dict[str, Any]]:
        body = await self.get_json(path, not_found_ok=True)
        return [] if body is None else [mapping.contact(body)]
