"""Pytest plugin: run every database-backed test on SQLite and on PostgreSQL.

A test is collected twice, as ``test_x[sqlite]`` and ``test_x[postgres]``, when it requests
``database_url`` (the ``gw`` fixture does), or when it — or a function-scoped fixture or helper
it calls — builds a gateway with ``tests.harness.running_gateway``: that then uses the test's
database unless given ``database_url=`` explicitly. Such a test that opens the SQLite file
itself (``sqlite3``) stays SQLite-only and is listed in the summary; one that is
SQLite-specific in another way is marked ``@pytest.mark.sqlite_only``.

``TVAERS_TEST_BACKENDS=sqlite`` (or ``postgres``) narrows a local run; ``make test`` runs both
and the terminal summary counts each.
"""

from __future__ import annotations

import os
import types
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from tests.db.current import set_current_database_url
from tests.db.postgres import PostgresForTests

BACKENDS = tuple(
    name.strip()
    for name in os.environ.get("TVAERS_TEST_BACKENDS", "sqlite,postgres").split(",")
    if name.strip()
)
_KNOWN = {"sqlite", "postgres"}
if not BACKENDS or set(BACKENDS) - _KNOWN:
    raise pytest.UsageError(f"TVAERS_TEST_BACKENDS must name some of {sorted(_KNOWN)}")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresForTests]:
    """One real PostgreSQL server for the session (started only if a test needs it)."""
    server = PostgresForTests.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=BACKENDS)
def db_backend(request: pytest.FixtureRequest) -> str:
    """``sqlite`` or ``postgres``: the test runs once per backend."""
    backend: str = request.param
    return backend


@pytest.fixture
async def database_url(db_backend: str, request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """A fresh, migrated database for this test.

    ``""`` for SQLite means the gateway's default: a file in its data directory (the test's
    ``tmp_path``). For PostgreSQL, a new database cloned from the migrated template, dropped
    afterwards.
    """
    if db_backend == "sqlite":
        yield ""
        return
    server: PostgresForTests = request.getfixturevalue("postgres_server")
    name = await server.create_database()
    url = server.url(name)
    set_current_database_url(url)
    try:
        yield url
    finally:
        set_current_database_url("")
        await server.drop_database(name)


# --------------------------------------------------------------------------- auto-parametrise

_BUILDER = "running_gateway"
# Tests that open the SQLite file themselves (``sqlite3``) are SQLite-specific as written.
_SQLITE_FILE = "sqlite3"
_seen: dict[tuple[int, str], bool] = {}
sqlite_file_tests: list[str] = []


def _code_names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _code_names(const)
    return names


def _refers_to(func: Callable[..., Any], target: str) -> bool:
    """Whether ``func`` uses the global ``target``, directly or through test helpers."""
    func = getattr(func, "__wrapped__", func)
    code = getattr(func, "__code__", None)
    if code is None:
        return False
    key = (id(code), target)
    if key in _seen:
        return _seen[key]
    _seen[key] = False  # recursion guard
    names = _code_names(code)
    found = target in names
    if not found:
        module_globals: dict[str, Any] = getattr(func, "__globals__", {})
        for name in names:
            helper = module_globals.get(name)
            if (
                isinstance(helper, types.FunctionType)
                and helper.__module__.startswith("tests.")
                and _refers_to(helper, target)
            ):
                found = True
                break
    _seen[key] = found
    return found


def _test_refers_to(metafunc: pytest.Metafunc, target: str) -> bool:
    return _refers_to(metafunc.function, target) or any(
        defs[-1].scope == "function" and _refers_to(defs[-1].func, target)
        for name in metafunc.fixturenames
        if (defs := metafunc._arg2fixturedefs.get(name))
    )


@pytest.hookimpl(tryfirst=True)
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "db_backend" in metafunc.fixturenames:
        return
    if metafunc.definition.get_closest_marker("sqlite_only") is not None:
        return
    if not _test_refers_to(metafunc, _BUILDER):
        return
    if _test_refers_to(metafunc, _SQLITE_FILE):
        sqlite_file_tests.append(metafunc.definition.nodeid)
        return
    # As if the test had requested ``database_url``: pytest then parametrises ``db_backend``.
    manager = metafunc.definition.session._fixturemanager
    for name in ("database_url", "db_backend"):
        defs = manager.getfixturedefs(name, metafunc.definition)
        assert defs, name
        metafunc.fixturenames.append(name)
        metafunc._arg2fixturedefs[name] = defs


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only(reason): SQLite-specific by design; not run on PostgreSQL"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "db_backend" in callspec.params:
            item.user_properties.append(("db_backend", callspec.params["db_backend"]))


_OUTCOMES = ("passed", "failed", "error", "skipped", "xfailed", "xpassed")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    final: dict[str, tuple[str, str]] = {}
    for outcome in _OUTCOMES:
        for report in terminalreporter.stats.get(outcome, []):
            if outcome == "passed" and report.when != "call":
                continue
            backend = dict(getattr(report, "user_properties", [])).get("db_backend", "none")
            # A failure in teardown overrides the pass of the call phase: later wins.
            final[report.nodeid] = (str(backend), outcome)
    if not final:
        return
    if sqlite_file_tests:
        terminalreporter.section("SQLite only: these tests open the SQLite file directly")
        for nodeid in sqlite_file_tests:
            terminalreporter.write_line(f"  {nodeid}")
    counts = Counter(final.values())
    terminalreporter.section("tests per database backend")
    for backend, label in (("sqlite", "sqlite"), ("postgres", "postgres"), ("none", "no database")):
        parts = [f"{n} {o}" for o in _OUTCOMES if (n := counts[(backend, o)])]
        if parts:
            terminalreporter.write_line(f"{label:>12}: {', '.join(parts)}")
