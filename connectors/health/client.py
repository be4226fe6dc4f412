"""The health connector: FHIR R4 REST, Patient found by CPR via search by POST."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from connectors.health import mapping
from connectors.health.fhir import read_bundle
from connectors.health.manifest import (
    CONTACT,
    CPR_SYSTEM,
    MANIFEST,
    PREVENTION,
    PREVENTION_CATEGORY,
    REHABILITATION,
    REHABILITATION_CATEGORY,
    WELLBEING,
    WHO5_CODE,
)
from connectors.sdk.base import BaseConnector, gather_records
from connectors.sdk.types import ConnectorRejected, ConnectorUnavailable, FetchRequest, Record


class HealthConnector(BaseConnector):
    """Reads WHO-5 scores, rehabilitation and prevention plans and the contact person.

    ``settings.base_url`` is the FHIR base (e.g. ``https://fhir.example/fhir``).
    """

    manifest = MANIFEST

    @property
    def who5_code(self) -> str:
        return str(self.settings.options.get("who5_code", WHO5_CODE))

    async def read(
        self, request: FetchRequest, categories: Mapping[str, frozenset[str]]
    ) -> list[Record]:
        patient_id = await self._patient_id(request.cpr)
        if patient_id is None:
            return []
        subject = f"Patient/{patient_id}"
        options = self.settings.options
        rehab = str(options.get("rehabilitation_category", REHABILITATION_CATEGORY))
        prevent = str(options.get("prevention_category", PREVENTION_CATEGORY))
        readers: dict[str, Callable[[], Awaitable[list[dict[str, Any]]]]] = {
            WELLBEING: lambda: self._search(
                "Observation",
                {"subject": subject, "code": self.who5_code},
                lambda r: mapping.wellbeing(r, who5_code=self.who5_code),
            ),
            REHABILITATION: lambda: self._search(
                "CarePlan",
                {"subject": subject, "category": rehab},
                lambda r: (
                    mapping.rehabilitation(r) if mapping.has_code(r.category, rehab) else None
                ),
            ),
            PREVENTION: lambda: self._search(
                "CarePlan",
                {"subject": subject, "category": prevent},
                lambda r: mapping.prevention(r) if mapping.has_code(r.category, prevent) else None,
            ),
            CONTACT: lambda: self._search("CareTeam", {"subject": subject}, mapping.contact),
        }
        wanted = [c for c in readers if c in categories]
        return await gather_records(wanted, [readers[c]() for c in wanted])

    async def _patient_id(self, cpr: str) -> str | None:
        # FHIR search by POST: the CPR travels in the form body, not the URL.
        body = await self.post_form("/Patient/_search", {"identifier": f"{CPR_SYSTEM}|{cpr}"})
        resources, _ = read_bundle(body, system=self.manifest.name)
        patients = [r for r in resources if r.get_resource_type() == "Patient"]
        if len(patients) > 1:
            raise ConnectorRejected(f"{self.manifest.name}: identifier matched several patients")
        return str(patients[0].id) if patients else None

    async def _search(
        self,
        resource_type: str,
        params: Mapping[str, str],
        convert: Callable[[Any], dict[str, Any] | None],
    ) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        url: str | None = f"/{resource_type}"
        query: Mapping[str, str] | None = params
        for _ in range(self.max_pages):
            if url is None:
                return out
            body = await self.get_json(url, params=query)
            resources, url = read_bundle(body, system=self.manifest.name)
            query = None  # a next link already carries the whole search
            for resource in resources:
                if resource.get_resource_type() == resource_type:
                    converted = convert(resource)
                    if converted is not None:
                        out.append(converted)
        if url is not None:
            raise ConnectorUnavailable(f"{self.manifest.name}: more than {self.max_pages} pages")
        return out
