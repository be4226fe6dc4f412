"""The jobcenter connector: REST/JSON case system, CPR only in a POST body."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from connectors.jobcenter import mapping
from connectors.jobcenter.manifest import (
    ACTIVITIES,
    BENEFIT,
    CONTACT,
    MANIFEST,
    PLAN,
    RECOMMENDATION,
    REHABILITATION_PLAN,
    SICK_LEAVE,
)
from connectors.sdk.base import BaseConnector, gather_records
from connectors.sdk.types import FetchRequest, Record

API = "/api/v1/borgere"


class JobcenterConnector(BaseConnector):
    """Reads benefit, plan, activities, sick leave, rehabilitation plan and team recommendation,
    and the caseworker from the jobcenter system."""

    manifest = MANIFEST

    async def read(
        self, request: FetchRequest, categories: Mapping[str, frozenset[str]]
    ) -> list[Record]:
        found = await self.post_json(f"{API}/opslag", {"cpr": request.cpr}, not_found_ok=True)
        if found is None:
            return []
        citizen = f"{API}/{found['borger_id']}"
        readers: dict[str, Callable[[], Awaitable[list[dict[str, Any]]]]] = {
            BENEFIT: lambda: self.get_one(f"{citizen}/ydelse", mapping.benefit),
            PLAN: lambda: self.get_one(f"{citizen}/plan", mapping.plan),
            ACTIVITIES: lambda: self.get_list(
                f"{citizen}/aktiviteter", mapping.activity, items_key="elementer"
            ),
            CONTACT: lambda: self.get_one(f"{citizen}/sagsbehandler", mapping.contact),
            SICK_LEAVE: lambda: self.get_one(f"{citizen}/sygemelding", mapping.sick_leave),
            REHABILITATION_PLAN: lambda: self.get_one(
                f"{citizen}/rehabiliteringsplan", mapping.rehabilitation_plan
            ),
            RECOMMENDATION: lambda: self.get_one(
                f"{citizen}/rehabiliteringsteam/indstilling", mapping.recommendation
            ),
        }
        # Only the granted categories are asked for, in parallel.
        wanted = [c for c in readers if c in categories]
        return await gather_records(wanted, [readers[c]() for c in wanted])
