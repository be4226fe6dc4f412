"""Pytest plugin: run every database-backed test on SQLite and on PostgreSQL.

Request ``database_url`` (or the ``gw`` gateway fixture, which does) and the test is collected
twice, as ``test_x[sqlite]`` and ``test_x[postgres]``. ``TVAERS_TEST_BACKENDS=sqlite`` (or
``postgres``) narrows a local run; ``make test`` runs both and the summary counts each.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import AsyncIterator, Iterator

import pytest

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
    try:
        yield server.url(name)
    finally:
        await server.drop_database(name)


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
    counts = Counter(final.values())
    terminalreporter.section("tests per database backend")
    for backend, label in (("sqlite", "sqlite"), ("postgres", "postgres"), ("none", "no database")):
        parts = [f"{n} {o}" for o in _OUTCOMES if (n := counts[(backend, o)])]
        if parts:
            terminalreporter.write_line(f"{label:>12}: {', '.join(parts)}")
