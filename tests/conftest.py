from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.harness import Harness, running_gateway


@pytest.fixture
async def gw(tmp_path: Path) -> AsyncIterator[Harness]:
    """A running gateway with simulators, on SQLite in a temporary directory."""
    async with running_gateway(tmp_path) as harness:
        yield harness
