from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests import route_cache

if TYPE_CHECKING:  # imported in the fixture: the xdist controller never builds a gateway
    from tests.harness import Harness

# FastAPI's per-app route analysis, shared between the gateways the tests build (route_cache.py).
route_cache.install()

# Fewer garbage collections. Every test builds and drops a gateway, whose objects live long
# enough to reach the oldest generation; with the default thresholds a test process ran a full
# collection every few tests over a heap of a million objects (the whole suite is imported), about
# 18 % of its CPU. Collections still run (a few per hundred tests), the heap stays the same size
# (~300 MB), and what was imported and collected before the first test is frozen out of them.
gc.set_threshold(10_000, 20, 20)


def pytest_collection_finish(session: pytest.Session) -> None:
    gc.collect()
    gc.freeze()


# Runs database-backed tests once on SQLite and once on PostgreSQL (see tests/db/backends.py);
# prints the security matrices at the end of the run (tests/security/report.py).
pytest_plugins = ["tests.db.backends", "tests.security.report"]


@pytest.fixture
async def gw(tmp_path: Path, database_url: str) -> AsyncIterator[Harness]:
    """A running gateway with simulators; runs on SQLite and on PostgreSQL ([sqlite]/[postgres])."""
    from tests.harness import running_gateway, seed_dev_idp_key

    seed_dev_idp_key(tmp_path)
    async with running_gateway(tmp_path, database_url=database_url) as harness:
        yield harness


# The longest tests start first, so that under pytest-xdist (`make test` runs `-n 3`) none of
# them is left running alone at the end of the run. Order does not change what a test checks.
SLOW_FIRST = (
    "tests/bench/test_bench_smoke.py",
    "tests/e2e/",
    "tests/reliability/test_crash_safety.py",
    "tests/security/test_revocation_race.py",
    "tests/connectors/test_conformance_kit.py",
    "tests/gateway/test_demo.py",
    "tests/db/test_sequencer_processes.py",
    "tests/policy/test_rego_units.py",
    "tests/security/test_authorization_matrix.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        for position, prefix in enumerate(SLOW_FIRST):
            if item.nodeid.startswith(prefix):
                return position
        return len(SLOW_FIRST)

    items.sort(key=rank)  # stable: the order within each group is kept
