"""The conformance kit: run one connector through every way a system can fail.

``run_conformance(factory, fixture)`` builds the connector several times, each
time over a ``FaultTransport`` around the fixture's good system, and returns a
``ConformanceReport`` (a pass/fail row per check). The same checks back the CLI
(``tvaers connector check NAME``) and the pytest plugin
(``connectors.sdk.testing``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx

from connectors.sdk.base import CheckedFetchResult
from connectors.sdk.faults import (
    EXTRA_FIELD,
    FOREIGN_PATIENT_ID,
    Fault,
    FaultTransport,
    RecordedSystem,
    load_recording,
)
from connectors.sdk.types import (
    Connector,
    ConnectorError,
    ConnectorManifest,
    ConnectorRejected,
    ConnectorSettings,
    ConnectorUnavailable,
    FetchRequest,
    FetchResult,
)

Factory = Callable[[ConnectorSettings, httpx.AsyncClient], Connector]
UNKNOWN_CPR = "0101010000"
CHECK_CEILING_S = 15.0


@dataclass(frozen=True, slots=True)
class ConformanceFixture:
    """How the kit reaches a good department system for one connector.

    ``system`` builds a fresh transport for the good system (a simulator over
    ``httpx.ASGITransport``, a ``RecordedSystem`` or a real network transport);
    ``cpr`` is a synthetic citizen that system knows and ``unknown_cpr`` one it
    does not. ``options`` become ``ConnectorSettings.options``.
    """

    base_url: str
    system: Callable[[], httpx.AsyncBaseTransport]
    cpr: str = field(repr=False)
    unknown_cpr: str = field(default=UNKNOWN_CPR, repr=False)
    options: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""

    @classmethod
    def from_recording(cls, path: Path, **overrides: Any) -> ConformanceFixture:
        """A fixture that replays a recording file (see ``connectors.sdk.faults``)."""
        data = load_recording(path)
        system = RecordedSystem.from_json(data)
        return cls(
            base_url=str(data["base_url"]),
            system=lambda: system,
            cpr=str(data["cpr"]),
            options=dict(data.get("options") or {}),
            description=f"recording {path.name}",
            **overrides,
        )

    def against(self, url: str) -> ConformanceFixture:
        """The same fixture, pointed at a live system instead of its recorded one."""
        return replace(
            self,
            base_url=url,
            system=httpx.AsyncHTTPTransport,
            description=f"live system at {url}",
        )


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One row of the report."""

    name: str
    passed: bool
    detail: str


@dataclass
class ConformanceReport:
    """Every check's result for one connector."""

    connector: str
    system: str
    results: list[CheckResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.results) and all(r.passed for r in self.results)

    def failures(self) -> list[CheckResult]:
        return [r for r in self.results if not r.passed]

    def table(self) -> str:
        """The pass/fail table the CLI prints."""
        width = max(len(r.name) for r in self.results) if self.results else 5
        lines = [
            f"Conformance: {self.connector} — {self.system}",
            f"  {'check'.ljust(width)}  result  detail",
        ]
        for r in self.results:
            mark = "PASS" if r.passed else "FAIL"
            lines.append(f"  {r.name.ljust(width)}  {mark:<6}  {r.detail}")
        failed = len(self.failures())
        lines.append(f"{len(self.results) - failed} passed, {failed} failed")
        return "\n".join(lines)

    def assert_passed(self) -> None:
        """Raise ``AssertionError`` with the table when any check failed."""
        if not self.passed:
            raise AssertionError("conformance failed:\n" + self.table())


class CheckFailed(Exception):
    """A check's verdict, with the message the developer sees."""


def default_catalogue_path() -> Path:
    """``$TVAERS_POLICIES_DIR/catalogue/data.json``, else the repository's catalogue."""
    policies = os.environ.get("TVAERS_POLICIES_DIR")
    root = Path(policies) if policies else Path(__file__).resolve().parents[2] / "policies"
    return root / "catalogue" / "data.json"


def load_catalogue(path: Path | None = None) -> dict[str, Any]:
    """The catalogue JSON (departments, categories with their fields)."""
    data: dict[str, Any] = json.loads((path or default_catalogue_path()).read_text("utf-8"))
    return data


class _CaptureLogs(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        # Message, arguments and every ``extra`` value: a CPR may hide in any of them.
        self.texts.append(f"{record.getMessage()} {record.__dict__!r}")


@dataclass
class _Context:
    factory: Factory
    fixture: ConformanceFixture
    catalogue: dict[str, Any]
    concurrency: int
    budget_s: float
    manifest: ConnectorManifest | None = None
    baseline: list[tuple[str, str]] | None = None
    transports: list[FaultTransport] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    clients: list[httpx.AsyncClient] = field(default_factory=list)

    def build(
        self,
        fault: Fault = Fault.NONE,
        *,
        timeout_s: float | None = None,
        max_response_bytes: int | None = None,
        **kw: Any,
    ) -> Connector:
        transport = FaultTransport(
            self.fixture.system(), fault=fault, extra_value=self.fixture.cpr, **kw
        )
        self.transports.append(transport)
        client = httpx.AsyncClient(transport=transport)
        self.clients.append(client)
        settings = ConnectorSettings(
            name="conformance",
            base_url=self.fixture.base_url,
            timeout_s=timeout_s or self.budget_s,
            options=dict(self.fixture.options),
            **({"max_response_bytes": max_response_bytes} if max_response_bytes else {}),
        )
        return self.factory(settings, client)

    def request(
        self, cpr: str, categories: Mapping[str, frozenset[str]] | None = None
    ) -> FetchRequest:
        assert self.manifest is not None
        granted = categories if categories is not None else dict(self.manifest.categories)
        return FetchRequest(
            cpr=cpr, categories=granted, purpose="conformance", correlation_id="kit"
        )

    async def expect_error(
        self, connector: Connector, kind: type[ConnectorError]
    ) -> ConnectorError:
        try:
            result = await connector.fetch(self.request(self.fixture.cpr))
        except ConnectorError as exc:
            self.errors.append(f"{exc} {exc!r}")
            if not isinstance(exc, kind):
                raise CheckFailed(f"raised {type(exc).__name__}, expected {kind.__name__}") from exc
            return exc
        except httpx.HTTPError as exc:
            raise CheckFailed(f"leaked {type(exc).__name__}: map it to {kind.__name__}") from exc
        raise CheckFailed(f"returned {len(result.records)} record(s), expected {kind.__name__}")


def _normal(result: FetchResult) -> list[tuple[str, str]]:
    return sorted((r.category, json.dumps(r.data, sort_keys=True)) for r in result.records)


def _needs_baseline(ctx: _Context) -> list[tuple[str, str]]:
    if not ctx.baseline:
        raise CheckFailed("not run: needs a passing good_response")
    return ctx.baseline


async def check_manifest(ctx: _Context) -> str:
    connector = ctx.build()
    manifest = getattr(connector, "manifest", None)
    if not isinstance(manifest, ConnectorManifest):
        raise CheckFailed("the connector has no ConnectorManifest in .manifest")
    if not isinstance(connector, Connector) or not asyncio.iscoroutinefunction(connector.fetch):
        raise CheckFailed("the connector does not implement Connector (async fetch)")
    ctx.manifest = manifest
    categories = ctx.catalogue["categories"]
    if manifest.department not in ctx.catalogue["departments"]:
        raise CheckFailed(f"department {manifest.department!r} is not in the catalogue")
    if not manifest.categories:
        raise CheckFailed("the manifest declares no categories")
    for category, fields in manifest.categories.items():
        spec = categories.get(category)
        if spec is None:
            raise CheckFailed(f"category {category!r} is not in the catalogue")
        if spec["department"] != manifest.department:
            raise CheckFailed(f"category {category!r} belongs to {spec['department']!r}")
        unknown = sorted(set(fields) - set(spec["fields"]))
        if unknown:
            raise CheckFailed(f"{category}: fields {unknown} are not declared in the catalogue")
        if not fields:
            raise CheckFailed(f"{category}: no fields declared")
    count = sum(len(f) for f in manifest.categories.values())
    return f"{len(manifest.categories)} categories, {count} fields, all in the catalogue"


def _check_records(
    ctx: _Context, result: FetchResult, granted: Mapping[str, frozenset[str]]
) -> None:
    for record in result.records:
        allowed = granted.get(record.category)
        if allowed is None:
            raise CheckFailed(f"returned a record of ungranted category {record.category!r}")
        extra = sorted(set(record.data) - allowed)
        if extra:
            raise CheckFailed(f"returned undeclared field(s) {extra} in {record.category}")
    dropped = getattr(result, "dropped_fields", None)
    if isinstance(result, CheckedFetchResult) and dropped:
        names = sorted(dropped)
        raise CheckFailed(
            f"mapping returns undeclared field(s) {names} (BaseConnector dropped them): "
            "declare them in the manifest and catalogue, or stop returning them"
        )
    if ctx.fixture.cpr in json.dumps([dict(r.data) for r in result.records], default=str):
        raise CheckFailed("a returned record contains the CPR")


async def check_good_response(ctx: _Context) -> str:
    connector = ctx.build()
    result = await connector.fetch(ctx.request(ctx.fixture.cpr))
    if not isinstance(result, FetchResult):
        raise CheckFailed(f"fetch returned {type(result).__name__}, not FetchResult")
    assert ctx.manifest is not None
    _check_records(ctx, result, ctx.manifest.categories)
    if not result.records:
        raise CheckFailed("no records for the fixture's known citizen: check the fixture")
    if result.retrieved_at.tzinfo is None:
        raise CheckFailed("retrieved_at has no time zone")
    ctx.baseline = _normal(result)
    categories = sorted({r.category for r in result.records})
    return f"{len(result.records)} records in {', '.join(categories)}"


async def check_granted_fields_only(ctx: _Context) -> str:
    baseline = _needs_baseline(ctx)
    category = baseline[0][0]
    assert ctx.manifest is not None
    field_name = sorted(ctx.manifest.categories[category])[0]
    granted = {category: frozenset({field_name})}
    result = await ctx.build().fetch(ctx.request(ctx.fixture.cpr, granted))
    _check_records(ctx, result, granted)
    if not result.records:
        raise CheckFailed(f"granting only {category}.{field_name} returned nothing")
    return f"only {category}.{field_name} came back when only it was granted"


async def check_missing_citizen(ctx: _Context) -> str:
    result = await ctx.build().fetch(ctx.request(ctx.fixture.unknown_cpr))
    if result.records:
        raise CheckFailed(f"an unknown citizen gave {len(result.records)} record(s)")
    return "unknown citizen → empty result, no error"


async def check_undeclared_fields(ctx: _Context) -> str:
    baseline = _needs_baseline(ctx)
    connector = ctx.build(Fault.EXTRA_FIELDS)
    assert ctx.manifest is not None
    result = await connector.fetch(ctx.request(ctx.fixture.cpr))
    _check_records(ctx, result, ctx.manifest.categories)
    if any(EXTRA_FIELD in r.data for r in result.records):
        raise CheckFailed(f"passed the system's undeclared field {EXTRA_FIELD!r} on")
    if _normal(result) != baseline:
        raise CheckFailed("extra fields from the system changed the mapped records")
    return "extra fields in every JSON object were dropped"


async def check_http_4xx(ctx: _Context) -> str:
    connector = ctx.build(Fault.STATUS, status=400)
    await ctx.expect_error(connector, ConnectorRejected)
    sent = ctx.transports[-1].requests
    keys = [(r.method, str(r.url), r.content) for r in sent]
    if len(keys) != len(set(keys)):
        raise CheckFailed("a rejected (4xx) request was retried")
    return f"HTTP 400 → ConnectorRejected, not retried ({len(sent)} request(s))"


async def check_http_5xx(ctx: _Context) -> str:
    connector = ctx.build(Fault.STATUS, status=500)
    error = await ctx.expect_error(connector, ConnectorUnavailable)
    if not error.retriable:
        raise CheckFailed("ConnectorUnavailable must be retriable")
    sent = len(ctx.transports[-1].requests)
    if sent > 10:
        raise CheckFailed(f"{sent} requests against a failing system: bound the retries")
    return f"HTTP 500 → ConnectorUnavailable after {sent} request(s)"


async def check_transient_5xx(ctx: _Context) -> str:
    baseline = _needs_baseline(ctx)
    result = await ctx.build(Fault.FIRST_FAILS, failures=1).fetch(ctx.request(ctx.fixture.cpr))
    if _normal(result) != baseline:
        raise CheckFailed("after one 503 and a retry the records differ")
    return "one 503, retried with backoff, then the full result"


async def check_malformed_json(ctx: _Context) -> str:
    await ctx.expect_error(ctx.build(Fault.MALFORMED), ConnectorUnavailable)
    return "truncated JSON → ConnectorUnavailable"


async def check_timeout(ctx: _Context) -> str:
    await ctx.expect_error(ctx.build(Fault.TIMEOUT), ConnectorUnavailable)
    return "transport timeout → ConnectorUnavailable"


async def check_slow_response(ctx: _Context) -> str:
    budget = 0.25
    ceiling = budget + 1.0
    connector = ctx.build(Fault.HANG, timeout_s=budget)
    try:
        async with asyncio.timeout(ceiling):
            await ctx.expect_error(connector, ConnectorUnavailable)
    except TimeoutError as exc:
        raise CheckFailed(
            f"still waiting after {ceiling:g} s on a system that never answers, although "
            f"settings.timeout_s is {budget:g} s: the connector ignores its time budget"
        ) from exc
    return f"a system that never answers → ConnectorUnavailable within its {budget:g} s budget"


async def check_concurrency(ctx: _Context) -> str:
    baseline = _needs_baseline(ctx)
    connector = ctx.build()
    cprs = [
        ctx.fixture.cpr if n % 2 == 0 else ctx.fixture.unknown_cpr for n in range(ctx.concurrency)
    ]
    results = await asyncio.gather(*(connector.fetch(ctx.request(cpr)) for cpr in cprs))
    for cpr, result in zip(cprs, results, strict=True):
        want = baseline if cpr == ctx.fixture.cpr else []
        if _normal(result) != want:
            raise CheckFailed("parallel fetches mixed up or lost records")
    return f"{ctx.concurrency} parallel fetches on one instance, each got its own result"


async def check_foreign_patient(ctx: _Context) -> str:
    baseline = _needs_baseline(ctx)
    connector = ctx.build(Fault.FOREIGN_PATIENT)
    result = await connector.fetch(ctx.request(ctx.fixture.cpr))
    transport = ctx.transports[-1]
    if not transport.injected:
        return "not applicable: the system's answers hold no searchset naming a patient"
    if _normal(result) != baseline:
        raise CheckFailed(
            "a server that ignores its patient search parameter added another patient's "
            "resources, and the connector returned them: check each resource's subject/patient"
        )
    return f"another patient's resources in {transport.injected} answer(s) were dropped"


async def check_foreign_paging_link(ctx: _Context) -> str:
    connector = ctx.build(Fault.FOREIGN_NEXT)
    try:
        await connector.fetch(ctx.request(ctx.fixture.cpr))
    except ConnectorUnavailable as exc:
        ctx.errors.append(f"{exc} {exc!r}")
    transport = ctx.transports[-1]
    if not transport.injected:
        return "not applicable: the system's answers hold no searchset with paging links"
    followed = [r for r in transport.requests if FOREIGN_PATIENT_ID in str(r.url)]
    if followed:
        raise CheckFailed(
            f"followed {len(followed)} paging link(s) to another patient's search: keep "
            "paging links on the same base path, resource type and patient"
        )
    return f"{transport.injected} paging link(s) to another patient's search were refused"


async def check_size_cap(ctx: _Context) -> str:
    cap = 256 * 1024
    connector = ctx.build(Fault.OVERSIZED, max_response_bytes=cap)
    await ctx.expect_error(connector, ConnectorUnavailable)
    transport = ctx.transports[-1]
    streamed = transport.streamed // max(1, len(transport.requests))
    # One chunk beyond the cap may be in flight when the connector stops reading.
    if streamed > cap + 2 * 65536:
        raise CheckFailed(
            f"read {streamed} bytes of an endless answer although max_response_bytes is {cap}: "
            "cap the body while it streams"
        )
    return f"an endless answer was cut off after {streamed} bytes per request (cap {cap})"


CHECKS: dict[str, Callable[[_Context], Awaitable[str]]] = {
    "manifest": check_manifest,
    "good_response": check_good_response,
    "granted_fields_only": check_granted_fields_only,
    "missing_citizen": check_missing_citizen,
    "undeclared_fields": check_undeclared_fields,
    "http_4xx": check_http_4xx,
    "http_5xx": check_http_5xx,
    "transient_5xx": check_transient_5xx,
    "malformed_json": check_malformed_json,
    "timeout": check_timeout,
    "slow_response": check_slow_response,
    "concurrency": check_concurrency,
    "foreign_patient": check_foreign_patient,
    "foreign_paging_link": check_foreign_paging_link,
    "size_cap": check_size_cap,
}


async def run_conformance(
    factory: Factory,
    fixture: ConformanceFixture,
    *,
    name: str = "",
    catalogue: Mapping[str, Any] | None = None,
    concurrency: int = 16,
    budget_s: float = 5.0,
) -> ConformanceReport:
    """Run every check against the connector built by ``factory``; never raises for a failure."""
    ctx = _Context(
        factory=factory,
        fixture=fixture,
        catalogue=dict(catalogue) if catalogue is not None else load_catalogue(),
        concurrency=concurrency,
        budget_s=budget_s,
    )
    report = ConformanceReport(
        connector=name or getattr(factory, "__module__", "connector"),
        system=fixture.description or fixture.base_url,
    )
    capture = _CaptureLogs()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(capture)
    root.setLevel(logging.DEBUG)
    try:
        for check_name, check in CHECKS.items():
            report.results.append(await _run_one(check_name, check, ctx))
            if check_name == "manifest" and not report.results[-1].passed:
                break
    finally:
        root.removeHandler(capture)
        root.setLevel(old_level)
        for client in ctx.clients:
            await client.aclose()
    if ctx.manifest is not None:
        report.results.append(_no_cpr_leaks(ctx, capture.texts))
    return report


async def _run_one(
    name: str, check: Callable[[_Context], Awaitable[str]], ctx: _Context
) -> CheckResult:
    try:
        async with asyncio.timeout(CHECK_CEILING_S):
            return CheckResult(name, True, await check(ctx))
    except CheckFailed as exc:
        return CheckResult(name, False, str(exc))
    except TimeoutError:
        return CheckResult(name, False, f"did not finish within {CHECK_CEILING_S:g} s")
    except ConnectorError as exc:
        ctx.errors.append(f"{exc} {exc!r}")
        return CheckResult(name, False, f"unexpected {type(exc).__name__}: {exc}")
    except Exception as exc:  # a broken connector may raise anything; report it, do not crash
        return CheckResult(name, False, f"crashed with {type(exc).__name__}: {exc}")


def _no_cpr_leaks(ctx: _Context, logs: list[str]) -> CheckResult:
    cprs = {ctx.fixture.cpr, ctx.fixture.unknown_cpr}
    cprs |= {f"{c[:6]}-{c[6:]}" for c in list(cprs) if len(c) == 10}
    urls = [str(r.url) for t in ctx.transports for r in t.requests]
    where = [
        (kind, text)
        for kind, texts in (("log line", logs), ("URL", urls), ("error message", ctx.errors))
        for text in texts
        if any(cpr in text for cpr in cprs)
    ]
    if where:
        kinds = sorted({kind for kind, _ in where})
        return CheckResult("no_cpr_leaks", False, f"a CPR appeared in: {', '.join(kinds)}")
    return CheckResult(
        "no_cpr_leaks",
        True,
        f"no CPR in {len(logs)} log lines, {len(urls)} URLs, {len(ctx.errors)} error messages",
    )
