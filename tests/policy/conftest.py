from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.policy import RegorusEngine
from tests.policy.opa_oracle import OpaOracle

POLICIES_DIR = Path(__file__).resolve().parents[2] / "policies"


@pytest.fixture(scope="session")
def policies_dir() -> Path:
    return POLICIES_DIR


@pytest.fixture
def regorus_engine(policies_dir: Path) -> RegorusEngine:
    # Function scope: the engine is bound to the thread that creates it, and
    # parsing the bundle takes a few milliseconds.
    return RegorusEngine(policies_dir)


@pytest.fixture(scope="session")
def opa_oracle(policies_dir: Path) -> Iterator[OpaOracle]:
    oracle = OpaOracle(policies_dir)
    yield oracle
    oracle.close()
