from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from gateway.policy import OpaServerEngine, RegorusEngine
from tests.policy.opa_oracle import OpaOracle
from tests.policy.opa_rest_server import OpaRestServer, ServerThread

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


@dataclass
class RunningOpa:
    server: OpaRestServer
    url: str


@pytest.fixture(scope="session")
def opa_rest_session(policies_dir: Path) -> Iterator[RunningOpa]:
    """One OPA-REST test server on a free 127.0.0.1 port for the whole session."""
    server = OpaRestServer(policies_dir)
    with ServerThread(server.app) as thread:
        yield RunningOpa(server, thread.url)
    server.close()


@pytest.fixture
def opa_rest(opa_rest_session: RunningOpa, policies_dir: Path) -> Iterator[RunningOpa]:
    """The session server, with its fault knobs and revision reset after each test."""
    server = opa_rest_session.server
    revision = server.revision
    yield opa_rest_session
    server.delay_s, server.fail_status, server.revision = 0.0, None, revision


@pytest.fixture
async def opa_engine(opa_rest: RunningOpa) -> AsyncIterator[OpaServerEngine]:
    # Function scope: the client's HTTP session belongs to the test's event loop.
    engine = OpaServerEngine(opa_rest.url, timeout_s=2.0)
    yield engine
    await engine.aclose()
