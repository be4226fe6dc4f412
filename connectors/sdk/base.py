"""``BaseConnector``: what every department connector needs, written once.

A subclass implements ``read(request, categories)`` and calls ``get_json`` /
``post_json`` / ``post_form``. The base class gives it:

- one time budget per fetch (``settings.timeout_s``) that bounds every request,
  retry and page, enforced with ``asyncio.timeout``;
- retries of idempotent reads with exponential backoff, for
  ``ConnectorUnavailable`` only, bounded in count and inside the budget;
- a size cap on every answer (``settings.max_response_bytes``), enforced while the
  body streams in, so an oversized answer is cut off before it is buffered;
- JSON decoding of large bodies and validation of many records in a worker thread, so
  one big answer never blocks the event loop (other requests, ``/healthz``) and the
  time budget can still cut the fetch off;
- translation of every httpx error, status and broken body into
  ``ConnectorUnavailable`` / ``ConnectorRejected`` (messages never quote the
  system's body, which could echo a CPR);
- validation of the returned records against the manifest: fields not declared
  are dropped and counted, records of undeclared or ungranted categories are
  dropped and counted, values that are not plain JSON are dropped, and every
  record is trimmed to the granted fields.
"""

from __future__ import annotations

import asyncio
import json
import logging
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx

from connectors.sdk.types import (
    ConnectorError,
    ConnectorManifest,
    ConnectorRejected,
    ConnectorSettings,
    ConnectorUnavailable,
    FetchRequest,
    FetchResult,
    Record,
    Shape,
)

logger = logging.getLogger(__name__)
T = TypeVar("T")

# Deadline of the fetch running in this task; a ContextVar so one connector
# instance can serve concurrent fetches.
_deadline: ContextVar[float] = ContextVar("tvaers_connector_deadline")
_RETRIABLE_4XX = frozenset({408, 425, 429})
#: Bodies above this size are decoded in a worker thread, not on the event loop.
OFFLOAD_BYTES = 64 * 1024
#: Record lists longer than this are validated in a worker thread.
OFFLOAD_RECORDS = 500


class ResponseTooLarge(ConnectorUnavailable):
    """The system's answer exceeded the connector's ``max_response_bytes``."""


async def off_loop(function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Run CPU-heavy ``function`` in a worker thread, so the event loop keeps serving."""
    return await asyncio.to_thread(function, *args, **kwargs)


@dataclass(frozen=True, slots=True)
class CheckedFetchResult(FetchResult):
    """A ``FetchResult`` with the validation report.

    ``dropped_records`` counts records per category that were dropped because
    the category is not declared in the manifest or not granted;
    ``dropped_fields`` counts ``<category>.<field>`` values dropped because the
    field is undeclared or its value is not plain JSON.
    """

    dropped_records: Mapping[str, int] = field(default_factory=dict)
    dropped_fields: Mapping[str, int] = field(default_factory=dict)


def is_json_value(value: Any) -> bool:
    """True for values that survive ``json.dumps`` unchanged in meaning."""
    if value is None or isinstance(value, str | bool | int):
        return True
    if isinstance(value, float):
        return value == value and value not in (float("inf"), float("-inf"))
    if isinstance(value, list | tuple):
        return all(is_json_value(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and is_json_value(v) for k, v in value.items())
    return False


def is_scalar(value: Any) -> bool:
    """A plain JSON scalar: string, boolean, integer, finite float or null."""
    if value is None or isinstance(value, str | bool | int):
        return True
    return isinstance(value, float) and is_json_value(value)


_DROP = object()


def shape_value(value: Any, shape: Shape | None) -> Any:
    """``value`` minimised to ``shape`` (None: a scalar), or ``_DROP`` when it does not fit.

    Objects keep only their declared keys, recursively; a list holds objects of the shape.
    So an undeclared nested note or identifier never rides along inside an allowed field.
    """
    if shape is None:
        return value if is_scalar(value) else _DROP
    if isinstance(value, list | tuple):
        items = [shape_value(item, shape) for item in value]
        if any(item is _DROP for item in items):
            return _DROP
        return items
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            return _DROP
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key in shape:
                kept = shape_value(item, shape[key])
                if kept is _DROP:
                    return _DROP
                out[key] = kept
        return out
    return _DROP


def field_value(
    manifest_structured: Mapping[str, Shape], category: str, name: str, value: Any
) -> Any:
    """A field's value as its declaration allows, or ``DROPPED``."""
    return shape_value(value, manifest_structured.get(f"{category}.{name}"))


DROPPED = _DROP


def validate_records(
    records: list[Record],
    *,
    manifest: ConnectorManifest,
    granted: Mapping[str, frozenset[str]],
) -> tuple[list[Record], Counter[str], Counter[str]]:
    """Keep only declared, granted categories and fields; scalars unless declared structured
    (then minimised to the declared shape, recursively)."""
    kept: list[Record] = []
    dropped_records: Counter[str] = Counter()
    dropped_fields: Counter[str] = Counter()
    for record in records:
        declared = manifest.categories.get(record.category)
        allowed = granted.get(record.category)
        if declared is None or allowed is None:
            dropped_records[record.category] += 1
            continue
        data: dict[str, Any] = {}
        for name, value in record.data.items():
            shaped = (
                field_value(manifest.structured, record.category, name, value)
                if name in declared and is_json_value(value)
                else DROPPED
            )
            if shaped is DROPPED:
                dropped_fields[f"{record.category}.{name}"] += 1
            elif name in allowed:
                data[name] = shaped
        kept.append(Record(category=record.category, data=data))
    return kept, dropped_records, dropped_fields


# A mapping function of a connector: one system object → catalogue field names.
RecordMapper = Callable[[dict[str, Any]], dict[str, Any]]


class BaseConnector(ABC):
    """Base of the reference connectors; see the module docstring for what it adds."""

    manifest: ConnectorManifest

    def __init__(
        self,
        settings: ConnectorSettings,
        client: httpx.AsyncClient,
        *,
        max_attempts: int = 3,
        backoff_s: float = 0.05,
        max_pages: int = 200,
    ) -> None:
        self.settings = settings
        self.client = client
        self.base_url = settings.base_url.rstrip("/")
        self.max_attempts = max(1, max_attempts)
        self.backoff_s = backoff_s
        self.max_pages = max_pages

    @property
    def system(self) -> str:
        return self.manifest.system_title or self.manifest.name

    async def fetch(self, request: FetchRequest) -> FetchResult:
        """Read the granted categories this connector serves; see ``Connector.fetch``."""
        granted = {
            category: frozenset(fields) & self.manifest.categories[category]
            for category, fields in request.categories.items()
            if category in self.manifest.categories
        }
        if not granted:
            return CheckedFetchResult(records=[], retrieved_at=_now(), source_system=self.system)
        loop = asyncio.get_running_loop()
        token = _deadline.set(loop.time() + self.settings.timeout_s)
        try:
            async with asyncio.timeout(self.settings.timeout_s):
                raw = await self.read(request, granted)
        except TimeoutError as exc:
            raise ConnectorUnavailable(
                f"{self.manifest.name}: no answer within {self.settings.timeout_s:g} s"
            ) from exc
        except ConnectorError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            # The body parsed but had the wrong shape: treat like a broken body.
            raise ConnectorUnavailable(
                f"{self.manifest.name}: unexpected response shape ({type(exc).__name__})"
            ) from exc
        finally:
            _deadline.reset(token)
        if len(raw) > OFFLOAD_RECORDS:
            checked = await off_loop(validate_records, raw, manifest=self.manifest, granted=granted)
        else:
            checked = validate_records(raw, manifest=self.manifest, granted=granted)
        records, dropped_records, dropped_fields = checked
        if dropped_records or dropped_fields:
            logger.warning(
                "connector dropped undeclared data",
                extra={
                    "connector": self.manifest.name,
                    "correlation_id": request.correlation_id,
                    "dropped_records": dict(dropped_records),
                    "dropped_fields": dict(dropped_fields),
                },
            )
        return CheckedFetchResult(
            records=records,
            retrieved_at=_now(),
            source_system=self.system,
            dropped_records=dict(dropped_records),
            dropped_fields=dict(dropped_fields),
        )

    @abstractmethod
    async def read(
        self, request: FetchRequest, categories: Mapping[str, frozenset[str]]
    ) -> list[Record]:
        """Ask the system for exactly ``categories`` and map to catalogue field names.

        Return an empty list for an unknown citizen. Raise ``ConnectorError`` for
        anything else; shape errors (KeyError, TypeError, ValueError) are mapped
        to ``ConnectorUnavailable`` by the caller.
        """

    # -- HTTP helpers -------------------------------------------------------

    def url(self, path_or_url: str) -> str:
        """Absolute URL for a path, or a checked absolute URL from the system (paging links)."""
        if "://" not in path_or_url:
            return f"{self.base_url}/{path_or_url.lstrip('/')}"
        mine, theirs = urlsplit(self.base_url), urlsplit(path_or_url)
        # Never follow a link off the configured system: it would carry our request elsewhere.
        if (mine.scheme, mine.netloc) != (theirs.scheme, theirs.netloc):
            raise ConnectorUnavailable(f"{self.manifest.name}: paging link leaves the system")
        return path_or_url

    async def get_json(
        self, path: str, *, params: Mapping[str, str] | None = None, not_found_ok: bool = False
    ) -> Any:
        """GET and decode JSON; None on 404 when ``not_found_ok``."""
        return await self._request("GET", path, params=params, not_found_ok=not_found_ok)

    async def post_json(
        self, path: str, body: Mapping[str, Any], *, not_found_ok: bool = False
    ) -> Any:
        """POST a JSON body (an idempotent lookup) and decode the JSON answer."""
        return await self._request("POST", path, json_body=body, not_found_ok=not_found_ok)

    async def post_form(
        self, path: str, form: Mapping[str, str], *, not_found_ok: bool = False
    ) -> Any:
        """POST a form body (e.g. FHIR search by POST) and decode the JSON answer."""
        return await self._request("POST", path, form=form, not_found_ok=not_found_ok)

    async def collect_pages(
        self,
        path: str,
        *,
        items_key: str,
        cursor_param: str = "cursor",
        next_key: str = "next",
    ) -> list[Any] | None:
        """All items of a cursor-paged list resource; None when the list is 404."""
        items: list[Any] = []
        cursor: str | None = None
        for _ in range(self.max_pages):
            params = {cursor_param: cursor} if cursor else None
            body = await self.get_json(path, params=params, not_found_ok=True)
            if body is None and cursor is None:
                return None
            if body is None:
                # Half a list must never pass as the whole list.
                raise ConnectorUnavailable(f"{self.manifest.name}: a follow-up page vanished")
            items.extend(body[items_key])
            cursor = body.get(next_key)
            if not cursor:
                return items
        raise ConnectorUnavailable(f"{self.manifest.name}: more than {self.max_pages} pages")

    async def get_one(self, path: str, convert: RecordMapper) -> list[dict[str, Any]]:
        """One object mapped by ``convert``, as a list; empty when the system answers 404."""
        body = await self.get_json(path, not_found_ok=True)
        return [] if body is None else [convert(body)]

    async def get_list(
        self, path: str, convert: RecordMapper, *, items_key: str, next_key: str = "next"
    ) -> list[dict[str, Any]]:
        """Every item of a cursor-paged list mapped by ``convert``; empty when it is 404."""
        items = await self.collect_pages(path, items_key=items_key, next_key=next_key)
        return [convert(item) for item in items or []]

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: Mapping[str, Any] | None = None,
        form: Mapping[str, str] | None = None,
        not_found_ok: bool,
    ) -> Any:
        url = self.url(path)
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._once(
                    method, url, params=params, json_body=json_body, form=form,
                    not_found_ok=not_found_ok,
                )  # fmt: skip
            except ResponseTooLarge:
                raise  # the same answer again would be just as large
            except ConnectorUnavailable:
                delay = self.backoff_s * (2 ** (attempt - 1))
                if attempt >= self.max_attempts or delay >= self._remaining():
                    raise
                logger.info(
                    "connector retrying read",
                    extra={"connector": self.manifest.name, "attempt": attempt},
                )
                await asyncio.sleep(delay)

    async def _once(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None,
        json_body: Mapping[str, Any] | None,
        form: Mapping[str, str] | None,
        not_found_ok: bool,
    ) -> Any:
        name = self.manifest.name
        remaining = self._remaining()
        if remaining <= 0:
            raise ConnectorUnavailable(f"{name}: time budget spent")
        try:
            request = self.client.build_request(
                method,
                url,
                params=dict(params) if params else None,
                json=dict(json_body) if json_body is not None else None,
                data=dict(form) if form is not None else None,
                headers={"Accept": "application/json, application/fhir+json"},
                timeout=remaining,
            )
            response = await self.client.send(request, stream=True)
            try:
                content = await self._read_capped(response)
            finally:
                await response.aclose()
            # The decoded body as a plain response, for ``error_detail``.
            response = httpx.Response(
                response.status_code,
                headers=[
                    (k, v)
                    for k, v in response.headers.multi_items()
                    if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")
                ],
                content=content,
                request=request,
            )
        except httpx.TimeoutException as exc:
            raise ConnectorUnavailable(f"{name}: request timed out") from exc
        except httpx.HTTPError as exc:
            raise ConnectorUnavailable(f"{name}: transport error ({type(exc).__name__})") from exc
        status = response.status_code
        if status == 404 and not_found_ok:
            return None
        if status >= 500 or status in _RETRIABLE_4XX or 300 <= status < 400:
            # Redirects are not followed: a system that moved is unavailable until reconfigured.
            detail = self.error_detail(response)
            raise ConnectorUnavailable(f"{name}: system answered HTTP {status}{detail}")
        if status >= 400:
            detail = self.error_detail(response)
            raise ConnectorRejected(f"{name}: system refused the request (HTTP {status}{detail})")
        try:
            if len(content) > OFFLOAD_BYTES:
                return await off_loop(json.loads, content)
            return json.loads(content)
        except ValueError as exc:
            raise ConnectorUnavailable(f"{name}: malformed response body") from exc

    async def _read_capped(self, response: httpx.Response) -> bytes:
        """The body, at most ``max_response_bytes``: the cap holds before buffering (a
        declared length is refused at once; a streamed body is cut off when it passes)."""
        cap = self.settings.max_response_bytes
        name = self.manifest.name
        declared = response.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > cap:
            raise ResponseTooLarge(f"{name}: answer larger than {cap} bytes")
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > cap:
                raise ResponseTooLarge(f"{name}: answer larger than {cap} bytes")
            chunks.append(chunk)
        content = b"".join(chunks)
        response._content = content  # so error_detail() may still read it
        return content

    def error_detail(self, response: httpx.Response) -> str:
        """Extra words for an error message from an error response, e.g. ``", code-invalid"``.

        Override to name the system's error codes. Never quote free text from
        the body: a system may echo the request, and so the CPR.
        """
        return ""

    def _remaining(self) -> float:
        deadline = _deadline.get(None)
        if deadline is None:
            return self.settings.timeout_s
        return deadline - asyncio.get_running_loop().time()


async def gather_records(
    categories: Sequence[str], reads: Sequence[Awaitable[list[dict[str, Any]]]]
) -> list[Record]:
    """Run one read per category in parallel and label the results.

    Every read finishes (or fails) before this returns, so nothing keeps running
    after the fetch; the first failure, in category order, is raised.
    """
    results = await asyncio.gather(*reads, return_exceptions=True)
    records: list[Record] = []
    for category, result in zip(categories, results, strict=True):
        if isinstance(result, BaseException):
            raise result
        records.extend(Record(category=category, data=data) for data in result)
    return records


def _now() -> datetime:
    return datetime.now(UTC)
