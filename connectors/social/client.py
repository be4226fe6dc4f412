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
            SERVICES: lambda: self.get_list(
                f"{case}/foranstaltninger", mapping.measure, items_key="data"
            ),
            # A separate resource, so substance treatment (special category) is
            # only ever requested when it was granted.
            SUBSTANCE: lambda: self.get_list(
                f"{case}/misbrugsbehandlinger", mapping.substance_treatment, items_key="data"
            ),
            CONTACT: lambda: self.get_one(f"{case}/kontaktperson", mapping.contact),
        }
        wanted = [c for c in readers if c in categories]
        return await gather_records(wanted, [readers[c]() for c in wanted])
