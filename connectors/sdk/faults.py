"""Transports for the conformance kit: a recorded system and a fault injector.

The kit never needs to know a connector's API. It gives the connector an
``httpx.AsyncClient`` whose transport is a ``FaultTransport`` wrapped around a
*good system*: a simulator (ASGI), a live system (``--against URL``) or a
``RecordedSystem`` that replays one recorded good exchange per request. The
fault transport then breaks that system's answers in one controlled way.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import httpx

EXTRA_FIELD = "tvaers_conformance_extra"


class Fault(StrEnum):
    """One way a department system can misbehave."""

    NONE = "none"
    STATUS = "status"  # every answer is ``status`` (4xx or 5xx)
    FIRST_FAILS = "first_fails"  # the first ``failures`` answers are 503, then good ones
    MALFORMED = "malformed"  # HTTP 200 with a truncated JSON body
    TIMEOUT = "timeout"  # the transport raises ``httpx.ReadTimeout``
    HANG = "hang"  # the system never answers; only the connector's budget ends the wait
    EXTRA_FIELDS = "extra_fields"  # every JSON object gains an undeclared field
    # A server that ignores its search parameters: every searchset also holds another
    # patient's copy of each resource (FHIR ``subject``/``patient`` rewritten).
    FOREIGN_PATIENT = "foreign_patient"
    # Every searchset page links ``next`` to another patient's search on the same server.
    FOREIGN_NEXT = "foreign_next"
    # Every answer is an endless HTTP 200 stream without Content-Length.
    OVERSIZED = "oversized"


#: The patient id the kit's foreign resources and links name.
FOREIGN_PATIENT_ID = "tvaers-kit-foreign"
PATIENT_ELEMENTS = ("subject", "patient")


# How much of an endless answer the OVERSIZED system streams before it hangs up (bytes).
ENDLESS_LIMIT = 8 * 1024 * 1024


class FaultTransport(httpx.AsyncBaseTransport):
    """Wraps a good system's transport and injects one ``Fault``; records every request."""

    def __init__(
        self,
        system: httpx.AsyncBaseTransport,
        *,
        fault: Fault = Fault.NONE,
        status: int = 500,
        failures: int = 1,
        extra_value: str = "",
    ) -> None:
        self.system = system
        self.fault = fault
        self.status = status
        self.failures = failures
        self.extra_value = extra_value
        self.requests: list[httpx.Request] = []
        self.streamed = 0  # bytes of an OVERSIZED body handed to the connector
        self.injected = 0  # answers FOREIGN_PATIENT / FOREIGN_NEXT actually changed

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        fault = self.fault
        if fault is Fault.STATUS:
            return httpx.Response(self.status, json={"error": "injected by the conformance kit"})
        if fault is Fault.FIRST_FAILS and len(self.requests) <= self.failures:
            return httpx.Response(503, json={"error": "injected transient failure"})
        if fault is Fault.MALFORMED:
            return httpx.Response(
                200, content=b'{"truncated": [{"by": "the kit"', headers=_JSON_HEADERS
            )
        if fault is Fault.TIMEOUT:
            raise httpx.ReadTimeout("injected read timeout", request=request)
        if fault is Fault.HANG:
            # Wait for ever; cancellation (the connector's budget) is the only way out.
            await asyncio.Event().wait()
        if fault is Fault.OVERSIZED:
            return httpx.Response(
                200, headers=_JSON_HEADERS, content=self._endless(request), request=request
            )
        response = await self.system.handle_async_request(request)
        if fault not in (Fault.EXTRA_FIELDS, Fault.FOREIGN_PATIENT, Fault.FOREIGN_NEXT):
            return response
        content = await response.aread()
        try:
            body = json.loads(content)
        except ValueError:
            return _copy(response, content)
        if fault is Fault.FOREIGN_PATIENT:
            changed = _with_foreign_entries(body)
        elif fault is Fault.FOREIGN_NEXT:
            changed = _with_foreign_next(body, request.url)
        else:
            changed = _with_extra(body, self.extra_value)
        self.injected += changed is not body
        return _copy(response, json.dumps(changed).encode())

    async def _endless(self, request: httpx.Request) -> AsyncIterator[bytes]:
        chunk = b" " * 65536
        # The consumer must stop reading; ``streamed`` says how far it went. A connector that
        # does not has failed the check long before ENDLESS_LIMIT: the "system" then hangs up,
        # instead of streaming spaces at full speed until the connector's budget runs out.
        while self.streamed < ENDLESS_LIMIT:
            self.streamed += len(chunk)
            yield chunk
            await asyncio.sleep(0)
        raise httpx.ReadError(
            "the conformance kit hung up on a reader that never stopped", request=request
        )

    async def aclose(self) -> None:
        await self.system.aclose()


_JSON_HEADERS = {"content-type": "application/json"}


def _copy(response: httpx.Response, content: bytes) -> httpx.Response:
    headers = {
        k: v
        for k, v in response.headers.items()
        if k.lower() not in ("content-length", "content-encoding", "transfer-encoding")
    }
    return httpx.Response(response.status_code, headers=headers, content=content)


def _is_searchset(body: Any) -> bool:
    return (
        isinstance(body, dict)
        and body.get("resourceType") == "Bundle"
        and body.get("type") == "searchset"
    )


def _with_foreign_entries(body: Any) -> Any:
    """The searchset plus a copy of each patient-naming resource, for another patient."""
    if not _is_searchset(body):
        return body
    foreign = []
    for entry in body.get("entry") or []:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            continue
        element = next((e for e in PATIENT_ELEMENTS if e in resource), None)
        if element is None or resource.get("resourceType") == "Patient":
            continue
        copy = {
            **resource,
            "id": f"{resource.get('id', 'x')}-foreign",
            element: {"reference": f"Patient/{FOREIGN_PATIENT_ID}"},
        }
        foreign.append({**entry, "resource": copy})
    if not foreign:
        return body
    return {**body, "entry": list(body.get("entry") or []) + foreign}


def _with_foreign_next(body: Any, url: httpx.URL) -> Any:
    """A first searchset page whose ``next`` link asks for another patient's resources."""
    if not _is_searchset(body) or FOREIGN_PATIENT_ID in str(url):
        return body
    links = [
        link
        for link in body.get("link") or []
        if not (isinstance(link, dict) and link.get("relation") == "next")
    ]
    target = url.copy_with(params={"subject": f"Patient/{FOREIGN_PATIENT_ID}", "_page": "2"})
    return {**body, "link": [*links, {"relation": "next", "url": str(target)}]}


def _with_extra(value: Any, extra: str) -> Any:
    if isinstance(value, dict):
        out = {k: _with_extra(v, extra) for k, v in value.items()}
        out[EXTRA_FIELD] = extra
        return out
    if isinstance(value, list):
        return [_with_extra(item, extra) for item in value]
    return value


@dataclass(frozen=True, slots=True)
class RecordedExchange:
    """One recorded request → response of a good system.

    A request matches when method and path are equal and every recorded
    ``query`` parameter has the recorded value. ``lookup`` marks the call that
    finds the citizen: it answers ``response`` only when the request carries the
    recording's CPR (in its body or headers) and ``unknown_citizen`` otherwise.
    """

    method: str
    path: str
    response: Mapping[str, Any]
    query: Mapping[str, str] = field(default_factory=dict)
    lookup: bool = False
    unknown_citizen: Mapping[str, Any] = field(
        default_factory=lambda: {"status": 404, "json": {"error": "not found"}}
    )


class RecordedSystem(httpx.AsyncBaseTransport):
    """Replays recorded exchanges; a request nobody recorded gets HTTP 404."""

    def __init__(self, exchanges: Sequence[RecordedExchange], *, cpr: str) -> None:
        # Most specific first, so a paged request finds its page before the first page.
        self.exchanges = sorted(exchanges, key=lambda e: -len(e.query))
        self._cpr = cpr

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RecordedSystem:
        exchanges = [
            RecordedExchange(
                method=str(e["method"]).upper(),
                path=str(e["path"]),
                response=e["response"],
                query=dict(e.get("query") or {}),
                lookup=bool(e.get("lookup", False)),
                unknown_citizen=e.get("unknown_citizen")
                or {"status": 404, "json": {"error": "not found"}},
            )
            for e in data["exchanges"]
        ]
        return cls(exchanges, cpr=str(data["cpr"]))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        content = await request.aread()
        for exchange in self.exchanges:
            if exchange.method != request.method or exchange.path != request.url.path:
                continue
            params = request.url.params
            if any(params.get(k) != v for k, v in exchange.query.items()):
                continue
            answer = exchange.response
            if exchange.lookup and not self._carries_cpr(request, content):
                answer = exchange.unknown_citizen
            return _answer(answer)
        return httpx.Response(404, json={"error": "no recorded exchange for this request"})

    def _carries_cpr(self, request: httpx.Request, content: bytes) -> bool:
        if self._cpr in content.decode("utf-8", errors="replace"):
            return True
        return any(self._cpr in value for value in request.headers.values())


def _answer(spec: Mapping[str, Any]) -> httpx.Response:
    status = int(spec.get("status", 200))
    if "json" in spec:
        headers = {"content-type": str(spec.get("content_type", "application/json"))}
        return httpx.Response(status, headers=headers, content=json.dumps(spec["json"]).encode())
    return httpx.Response(status, content=str(spec.get("text", "")).encode())


def load_recording(path: Path) -> dict[str, Any]:
    """A recording file: ``{"cpr", "base_url", "exchanges": [...]}`` (see ``RecordedExchange``)."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    for key in ("cpr", "base_url", "exchanges"):
        if key not in data:
            raise ValueError(f"{path}: recording has no {key!r}")
    return data
