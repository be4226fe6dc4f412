"""Pytest plugin: run every database-backed test on SQLite and on PostgreSQL.

A test is collected twice, as ``test_x[sqlite]`` and ``test_x[postgres]``, when it requests
``database_url`` — directly, through the ``gw`` fixture, or with
``@pytest.mark.usefixtures("database_url")`` when it builds its own gateway with
``tests.harness.running_gateway`` (which then uses the test's database unless given
``database_url=`` explicitly). A test that is SQLite-specific by design (it opens the SQLite
file itself, say) is marked ``@pytest.mark.sqlite_only(reason=...)`` and counted on its own line.

``TVAERS_TEST_BACKENDS=sqlite`` (or ``postgres``) narrows a local run; ``make test`` runs both
and the terminal summary counts each.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING

import pytest

from tests.db.current import set_current_database_url

if TYPE_CHECKING:  # imported when a test needs the server (not in the xdist controller)
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
    from tests.db.postgres import PostgresForTests

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


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only(reason): SQLite-specific by design; not run on PostgreSQL"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Recorded in the report (it travels from xdist workers), so the summary can count it.
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "db_backend" in callspec.params:
            item.user_properties.append(("db_backend", callspec.params["db_backend"]))
        elif item.get_closest_marker("sqlite_only") is not None:
            item.user_properties.append(("db_backend", "sqlite_only"))


_OUTCOMES = ("passed", "failed", "error", "skipped", "xfailed", "xpassed")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    # Counted per report, like pytest's own summary line (schemathesis gives several items one
    # node id, so a dict by node id would undercount): the call phase's outcome, plus errors in
    # set-up or teardown.
    outcomes: list[tuple[str, str]] = []
    for outcome in _OUTCOMES:
        for report in terminalreporter.stats.get(outcome, []):
            phase_counts = report.when == "call" or outcome in ("error", "skipped")
            if not phase_counts:
                continue
            backend = dict(getattr(report, "user_properties", [])).get("db_backend", "none")
            outcomes.append((str(backend), outcome))
    if not outcomes:
        return
    counts = Counter(outcomes)
    terminalreporter.section("tests per database backend")
    for backend, label in (
        ("sqlite", "sqlite"),
        ("postgres", "postgres"),
        ("sqlite_only", "sqlite only"),
        ("none", "no database"),
    ):
        parts = [f"{n} {o}" for o in _OUTCOMES if (n := counts[(backend, o)])]
        if parts:
            terminalreporter.write_line(f"{label:>12}: {', '.join(parts)}")
