from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.harness import Harness, running_gateway

# Runs database-backed tests once on SQLite and once on PostgreSQL (see tests/db/backends.py);
# prints the security matrices at the end of the run (tests/security/report.py).
pytest_plugins = ["tests.db.backends", "tests.security.report"]


@pytest.fixture
async def gw(tmp_path: Path, database_url: str) -> AsyncIterator[Harness]:
    """A running gateway with simulators; runs on SQLite and on PostgreSQL ([sqlite]/[postgres])."""
    async with running_gateway(tmp_path, database_url=database_url) as harness:
        yield harness
