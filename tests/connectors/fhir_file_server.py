"""A small FHIR server over the published files in ``tests/data/fhir``, for httpx.MockTransport.

It behaves like a lenient real server: transaction bundles are stored as a server
stores them (``urn:uuid`` references rewritten to ``Type/id``); searches filter by
``subject``/``patient`` only and ignore other parameters (so the connector must
filter); results are paged HAPI-style (``?_getpages=…&_getpagesoffset=…``) and
``_include`` adds the referenced resources with ``search.mode = include``. The
Patient search answers with the two published searchset pages first (other
people, three per page), then a page of its own with the match.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx

DATA = Path(__file__).parents[1] / "data" / "fhir"
BASE = "https://example.com"
CPR_SYSTEM = "urn:oid:1.2.208.176.1.2"
PAGE_SIZE = 5
# A resource type of FHIR R5 that R4B does not know: a newer server may return it.
R5_ONLY = {"resourceType": "DeviceUsage", "id": "r5", "status": "active"}
_INCLUDES = {
    "CarePlan:condition": lambda r: [a.get("reference") for a in r.get("addresses") or []],
    "EpisodeOfCare:condition": lambda r: [
        (d.get("condition") or {}).get("reference") for d in r.get("diagnosis") or []
    ],
    "CareTeam:participant": lambda r: [
        (p.get("member") or {}).get("reference") for p in r.get("participant") or []
    ],
}


def _load(name: str) -> Any:
    return json.loads((DATA / name).read_text("utf-8"))


class FhirFileServer:
    """Holds every resource from the files; ``cprs`` gives patients a CPR identifier."""

    def __init__(self, cprs: Mapping[str, str]) -> None:
        self.resources: dict[str, dict[str, Any]] = {}
        self.requests: list[httpx.Request] = []
        self.fail_with: tuple[int, Any] | None = None
        for path in sorted(DATA.glob("*.json")):
            body = _load(path.name)
            if body.get("type") == "transaction":
                self._store_transaction(body)
            elif body["resourceType"] != "Bundle":
                self.resources[f"{body['resourceType']}/{body['id']}"] = body
        for reference, cpr in cprs.items():
            patient = self.resources.setdefault(
                reference, {"resourceType": "Patient", "id": reference.split("/")[1]}
            )
            # One more identifier beside the Synthea ones (MR, SSN, DL, passport…).
            patient.setdefault("identifier", []).append({"system": CPR_SYSTEM, "value": cpr})
        self._pages: dict[str, list[dict[str, Any]]] = {}

    def _store_transaction(self, bundle: dict[str, Any]) -> None:
        renames = {}
        for entry in bundle["entry"]:
            resource = entry["resource"]
            renames[entry["fullUrl"]] = f"{resource['resourceType']}/{resource['id']}"
        text = json.dumps([e["resource"] for e in bundle["entry"]])
        for full_url, reference in renames.items():
            text = text.replace(f'"{full_url}"', f'"{reference}"')
        for resource in json.loads(text):
            self.resources[f"{resource['resourceType']}/{resource['id']}"] = resource

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.fail_with is not None:
            status, body = self.fail_with
            return httpx.Response(status, json=body)
        params = {k: v[-1] for k, v in parse_qs(request.url.query.decode()).items()}
        if "_getpages" in params:
            return self._page(params["_getpages"], int(params["_getpagesoffset"]))
        resource_type = request.url.path.strip("/").split("/")[0]
        if request.method == "POST" and request.url.path == "/Patient/_search":
            form = {k: v[-1] for k, v in parse_qs(request.content.decode()).items()}
            return self._patient_search(form.get("identifier", ""))
        matches = [
            r
            for r in self.resources.values()
            if r["resourceType"] == resource_type and self._about(r, params)
        ]
        include = params.get("_include")
        included = []
        if include in _INCLUDES:
            refs = {ref for r in matches for ref in _INCLUDES[include](r) if ref}
            included = [self.resources[ref] for ref in sorted(refs) if ref in self.resources]
        entries = [{"resource": r, "search": {"mode": "match"}} for r in matches]
        entries += [{"resource": r, "search": {"mode": "include"}} for r in included]
        entries.append({"resource": R5_ONLY, "search": {"mode": "match"}})
        return self._start_paging(entries)

    @staticmethod
    def _about(resource: dict[str, Any], params: Mapping[str, str]) -> bool:
        wanted = params.get("subject") or params.get("patient")
        held = (resource.get("subject") or resource.get("patient") or {}).get("reference")
        return wanted is None or wanted == held

    def _patient_search(self, identifier: str) -> httpx.Response:
        system, _, value = identifier.partition("|")
        found = [
            r
            for r in self.resources.values()
            if r["resourceType"] == "Patient"
            and any(
                i.get("system") == system and i.get("value") == value
                for i in r.get("identifier") or []
            )
        ]
        page_one = _load("search-results-page-1.json")
        page_two = _load("search-results-page-2.json")
        # The published pages link to page 3 at offset 6: serve our match there.
        third = re.search(r"_getpagesoffset=(\d+)", _next(page_two) or "")
        assert third is not None
        self._pages[_token(page_one)] = [
            {"offset": 3, "body": page_two},
            {
                "offset": int(third.group(1)),
                "body": _searchset([{"resource": r, "search": {"mode": "match"}} for r in found]),
            },
        ]
        return httpx.Response(200, json=page_one)

    def _start_paging(self, entries: list[dict[str, Any]]) -> httpx.Response:
        token = uuid.uuid4().hex
        chunks = [entries[n : n + PAGE_SIZE] for n in range(0, len(entries), PAGE_SIZE)] or [[]]
        bodies = []
        for number, chunk in enumerate(chunks):
            following = (number + 1) * PAGE_SIZE if number + 1 < len(chunks) else None
            bodies.append(_searchset(chunk, token=token, next_offset=following, total=len(entries)))
        self._pages[token] = [
            {"offset": n * PAGE_SIZE, "body": b} for n, b in enumerate(bodies) if n > 0
        ]
        return httpx.Response(200, json=bodies[0])

    def _page(self, token: str, offset: int) -> httpx.Response:
        for page in self._pages.get(token, []):
            if page["offset"] == offset:
                return httpx.Response(200, json=page["body"])
        return httpx.Response(410, json=_load("operationoutcome-example.json"))


def _next(body: dict[str, Any]) -> str | None:
    return next((link["url"] for link in body.get("link", []) if link["relation"] == "next"), None)


def _token(body: dict[str, Any]) -> str:
    found = re.search(r"_getpages=([^&]+)", _next(body) or "")
    assert found is not None
    return found.group(1)


def _searchset(
    entries: list[dict[str, Any]],
    *,
    token: str = "",
    next_offset: int | None = None,
    total: int | None = None,
) -> dict[str, Any]:
    links = [{"relation": "self", "url": f"{BASE}/"}]
    if next_offset is not None:
        links.append(
            {
                "relation": "next",
                "url": f"{BASE}/?_getpages={token}&_getpagesoffset={next_offset}"
                f"&_count={PAGE_SIZE}&_bundletype=searchset",
            }
        )
    body: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset", "link": links}
    if total is not None:
        body["total"] = total
    body["entry"] = entries
    return body
