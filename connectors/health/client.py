"""The health connector: FHIR R4 REST, Patient found by CPR via search by POST.

Each category is one or more FHIR searches, every one followed through its
``link[next]`` pages, with ``_include`` for the resources a mapping needs
(conditions for a diagnosis, practitioners for a name). Resources are filtered
again on our side, because servers ignore search parameters they do not support: every
resource must name the matched Patient, and paging links must stay on the same search
(``connectors/health/scope.py``). Bundles are parsed off the event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx

from connectors.health import mapping
from connectors.health.fhir import SearchPage, outcome_codes, read_bundle
from connectors.health.kl import WHO5_QUESTIONNAIRE
from connectors.health.manifest import (
    ALCOHOL_SCREENING,
    ALCOHOL_TREATMENT,
    ALCOHOL_TREATMENT_TYPE,
    AUDIT_CODE,
    CONTACT,
    CPR_SYSTEM,
    MANIFEST,
    PREVENTION,
    PREVENTION_CATEGORY,
    REFERRAL,
    REFERRAL_CATEGORY,
    REHABILITATION,
    REHABILITATION_CATEGORY,
    WELLBEING,
    WHO5_CODE,
    WORK_STATUS,
    WORK_STATUS_CATEGORY,
)
from connectors.health.scope import check_next_link, own_included, own_matches
from connectors.sdk.base import BaseConnector, gather_records, off_loop
from connectors.sdk.types import ConnectorRejected, ConnectorUnavailable, FetchRequest, Record

Convert = Callable[[Any, Mapping[str, Any]], dict[str, Any] | None]


class HealthConnector(BaseConnector):
    """Reads WHO-5 scores, rehabilitation and prevention plans, referrals after WHO-5
    screening, AUDIT alcohol screenings, alcohol treatment, the status of a course for the
    jobcentre, and the contact person.

    ``settings.base_url`` is the FHIR base (e.g. ``https://fhir.example/fhir``).
    ``settings.options`` may override the codes searched by (each ``system|code``):
    ``who5_code``, ``rehabilitation_category``, ``rehabilitation_episode_type``,
    ``prevention_category``, ``audit_code``, ``referral_category``,
    ``alcohol_treatment_type``, ``work_status_category``, and
    ``rehabilitation_activity_codes`` (a list, for KL planned interventions whose code
    sits in ``CarePlan.activity.detail.code``).
    """

    manifest = MANIFEST

    def _option(self, key: str, default: str) -> str:
        return str(self.settings.options.get(key, default))

    def error_detail(self, response: httpx.Response) -> str:
        """The OperationOutcome's issue codes (never its text, which may echo the search)."""
        try:
            codes = outcome_codes(response.json())
        except ValueError:
            return ""
        return f", OperationOutcome {', '.join(codes)}" if codes else ""

    async def read(
        self, request: FetchRequest, categories: Mapping[str, frozenset[str]]
    ) -> list[Record]:
        patient_id = await self._patient_id(request.cpr)
        if patient_id is None:
            return []
        subject = f"Patient/{patient_id}"
        readers: dict[str, Callable[[], Awaitable[list[dict[str, Any]]]]] = {
            WELLBEING: lambda: self._wellbeing(subject),
            REHABILITATION: lambda: self._rehabilitation(subject),
            PREVENTION: lambda: self._search(
                "CarePlan",
                {"subject": subject, "category": self._prevention},
                lambda r, _: (
                    mapping.prevention(r)
                    if mapping.has_code(r.category, self._prevention)
                    else None
                ),
            ),
            CONTACT: lambda: self._search(
                "CareTeam",
                {"subject": subject, "_include": "CareTeam:participant"},
                mapping.contact,
            ),
            REFERRAL: lambda: self._coded_search(
                "ServiceRequest",
                {"subject": subject},
                ("category", "referral_category", REFERRAL_CATEGORY),
                lambda r, code, _: (
                    mapping.referral(r) if mapping.has_code(r.category, code) else None
                ),
            ),
            ALCOHOL_SCREENING: lambda: self._coded_search(
                "Observation",
                {"subject": subject},
                ("code", "audit_code", AUDIT_CODE),
                lambda r, code, _: mapping.alcohol_screening(r, audit_code=code),
            ),
            ALCOHOL_TREATMENT: lambda: self._coded_search(
                "EpisodeOfCare",
                {"patient": subject},
                ("type", "alcohol_treatment_type", ALCOHOL_TREATMENT_TYPE),
                lambda r, code, _: (
                    mapping.alcohol_treatment(r) if mapping.has_code(r.type or [], code) else None
                ),
            ),
            WORK_STATUS: lambda: self._coded_search(
                "CarePlan",
                {"subject": subject, "_include": "CarePlan:condition"},
                ("category", "work_status_category", WORK_STATUS_CATEGORY),
                lambda r, code, included: (
                    mapping.work_status(r, included) if mapping.has_code(r.category, code) else None
                ),
            ),
        }
        wanted = [c for c in readers if c in categories]
        return await gather_records(wanted, [readers[c]() for c in wanted])

    async def _coded_search(
        self,
        resource_type: str,
        params: Mapping[str, str],
        code: tuple[str, str, str],
        convert: Callable[[Any, str, Mapping[str, Any]], dict[str, Any] | None],
    ) -> list[dict[str, Any]]:
        """Search by one code: ``code`` is (search parameter, option that overrides the code,
        default ``system|code``). ``convert`` checks each resource for the code again, because
        servers ignore search parameters they do not support."""
        parameter, option, default = code
        wanted = self._option(option, default)
        return await self._search(
            resource_type,
            {**params, parameter: wanted},
            lambda resource, included: convert(resource, wanted, included),
        )

    @property
    def _prevention(self) -> str:
        return self._option("prevention_category", PREVENTION_CATEGORY)

    async def _wellbeing(self, subject: str) -> list[dict[str, Any]]:
        # KL records WHO-5 as a QuestionnaireResponse; other servers keep a total-score
        # Observation. Read both: a server has one or the other for a given measurement.
        who5 = self._option("who5_code", WHO5_CODE)
        observations, responses = await asyncio.gather(
            self._search(
                "Observation",
                {"subject": subject, "code": who5},
                lambda r, _: mapping.wellbeing(r, who5_code=who5),
            ),
            self._search(
                "QuestionnaireResponse",
                {"subject": subject, "questionnaire": WHO5_QUESTIONNAIRE},
                lambda r, _: mapping.wellbeing_response(r),
            ),
        )
        return sorted(observations + responses, key=lambda item: str(item["date"]))

    async def _rehabilitation(self, subject: str) -> list[dict[str, Any]]:
        category = self._option("rehabilitation_category", REHABILITATION_CATEGORY)
        episode_type = self._option("rehabilitation_episode_type", REHABILITATION_CATEGORY)
        activity_codes = [
            str(c) for c in self.settings.options.get("rehabilitation_activity_codes", [])
        ]

        def plan(resource: Any, included: Mapping[str, Any]) -> dict[str, Any] | None:
            by_category = mapping.has_code(resource.category, category)
            by_activity = any(
                mapping.has_code(a.detail.code, code)
                for a in resource.activity or []
                if a.detail is not None and a.detail.code is not None
                for code in activity_codes
            )
            return (
                mapping.rehabilitation(resource, included) if by_category or by_activity else None
            )

        def episode(resource: Any, included: Mapping[str, Any]) -> dict[str, Any] | None:
            if not mapping.has_code(resource.type or [], episode_type):
                return None
            return mapping.rehabilitation_episode(resource, included)

        searches = [
            self._search(
                "CarePlan",
                {"subject": subject, "category": category, "_include": "CarePlan:condition"},
                plan,
                keyed=True,
            ),
            self._search(
                "EpisodeOfCare",
                {"patient": subject, "type": episode_type, "_include": "EpisodeOfCare:condition"},
                episode,
                keyed=True,
            ),
        ]
        if activity_codes:
            searches.append(
                self._search(
                    "CarePlan",
                    {"subject": subject, "activity-code": ",".join(activity_codes)},
                    plan,
                    keyed=True,
                )
            )
        seen: dict[str, dict[str, Any]] = {}
        for found in await asyncio.gather(*searches):
            for item in found:
                seen.setdefault(item.pop("_key"), item)
        return list(seen.values())

    async def _patient_id(self, cpr: str) -> str | None:
        # FHIR search by POST: the CPR travels in the form body, not the URL.
        body = await self.post_form("/Patient/_search", {"identifier": f"{CPR_SYSTEM}|{cpr}"})
        first = await off_loop(read_bundle, body, system=self.manifest.name)
        matched: set[str] = set()
        for page in await self._pages(first, ("Patient", "Patient/_search"), patient=None):
            for resource in page.matches:
                # Keep only a Patient whose identifiers really hold this CPR: a server that
                # ignores the identifier parameter answers with other people.
                if resource.get_resource_type() == "Patient" and any(
                    i.system == CPR_SYSTEM and i.value == cpr for i in resource.identifier or []
                ):
                    matched.add(str(resource.id))
        if len(matched) > 1:
            raise ConnectorRejected(f"{self.manifest.name}: identifier matched several patients")
        return next(iter(matched), None)

    async def _pages(
        self, first: SearchPage, resource_types: tuple[str, ...], *, patient: str | None
    ) -> list[SearchPage]:
        pages = [first]
        while pages[-1].next_url is not None:
            if len(pages) >= self.max_pages:
                raise ConnectorUnavailable(
                    f"{self.manifest.name}: more than {self.max_pages} pages"
                )
            next_url = pages[-1].next_url
            check_next_link(
                next_url,
                base_url=self.base_url,
                resource_types=resource_types,
                patient=patient,
                system=self.manifest.name,
            )
            body = await self.get_json(next_url)
            pages.append(await off_loop(read_bundle, body, system=self.manifest.name))
        return pages

    async def _search(
        self,
        resource_type: str,
        params: Mapping[str, str],
        convert: Convert,
        *,
        keyed: bool = False,
    ) -> list[dict[str, Any]]:
        patient = params.get("subject") or params.get("patient")
        assert patient is not None, "every search names the matched Patient"
        body = await self.get_json(f"/{resource_type}", params=params)
        first = await off_loop(read_bundle, body, system=self.manifest.name)
        pages = await self._pages(first, (resource_type,), patient=patient)
        # Parsing and mapping thousands of resources is CPU work: off the event loop.
        return await off_loop(
            self._convert, pages, resource_type, convert, patient=patient, keyed=keyed
        )

    def _convert(
        self,
        pages: list[SearchPage],
        resource_type: str,
        convert: Convert,
        *,
        patient: str,
        keyed: bool,
    ) -> list[dict[str, Any]]:
        included: dict[str, Any] = {}
        for page in pages:
            included.update(page.included)
        # A server that ignores the patient parameter answers with other people's resources:
        # only those naming the matched Patient (and includes that name no other) are used.
        included = own_included(included, patient=patient, base_url=self.base_url)
        out: list[dict[str, Any]] = []
        for page in pages:
            matches = [r for r in page.matches if r.get_resource_type() == resource_type]
            for resource in own_matches(matches, patient=patient, base_url=self.base_url):
                converted = convert(resource, included)
                if converted is not None:
                    if keyed:
                        converted["_key"] = f"{resource_type}/{resource.id}"
                    out.append(converted)
        return out
