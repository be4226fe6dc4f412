"""A whole gateway in-process: SQLite in a temp dir or the test's PostgreSQL database
(``tests/db/backends.py``), simulators over ASGI, dev identity provider.

Nothing listens on a port: the gateway's HTTP client routes each simulator host to its ASGI app.

Every test gets its own gateway and its own empty database, but what is the same for every
gateway is made once per test process: a new SQLite database is a copy of a migrated template
(as PostgreSQL's are, ``tests/db/postgres.py``), and the ``gw`` fixture's data directory starts
with the development identity provider's key (an RSA key costs up to 0.2 s to generate), and
the three simulator apps a finished gateway used serve the next one (their config reset).
"""

from __future__ import annotations

import asyncio
import atexit
import hashlib
import shutil
import tempfile
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from connectors.simulators import SIMULATORS, SimulatorConfig
from connectors.simulators.seed import citizens
from gateway.app import Overrides, create_app
from gateway.auth.devidp import DevIdentityProvider
from gateway.config import Settings
from gateway.db import create_engine, migrate
from gateway.runtime import Runtime
from tests.db.current import current_database_url

SIM_URLS = {
    "jobcenter": "http://jobcenter.sim",
    "social": "http://social.sim",
    "health": "http://health.sim/fhir",
}


class RoutingTransport(httpx.AsyncBaseTransport):
    """Sends each request to the ASGI app registered for its host."""

    def __init__(self, apps: dict[str, FastAPI]) -> None:
        self._transports = {host: httpx.ASGITransport(app=app) for host, app in apps.items()}
        self.requested_urls: list[str] = []

    def route(self, host: str, app: Any) -> None:
        """Serve ``host`` by ``app`` from now on (e.g. a witness that starts)."""
        self._transports[host] = httpx.ASGITransport(app=app)

    def unroute(self, host: str) -> None:
        """``host`` refuses connections from now on (e.g. a witness that stopped)."""
        self._transports.pop(host, None)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requested_urls.append(str(request.url))
        transport = self._transports.get(request.url.host)
        if transport is None:
            raise httpx.ConnectError(f"no simulator for {request.url.host}", request=request)
        return await transport.handle_async_request(request)


@dataclass
class Harness:
    app: FastAPI
    client: httpx.AsyncClient
    simulators: dict[str, FastAPI]
    transport: RoutingTransport
    data_dir: Path
    _tokens: dict[str, str] = field(default_factory=dict)

    @property
    def services(self) -> Runtime:
        svc = self.app.state.runtime
        assert isinstance(svc, Runtime)
        return svc

    async def token(self, username: str) -> str:
        if username not in self._tokens:
            response = await self.client.post("/dev/token", json={"username": username})
            response.raise_for_status()
            self._tokens[username] = response.json()["access_token"]
        return self._tokens[username]

    async def auth(self, username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {await self.token(username)}"}

    def set_simulator(self, department: str, **config: Any) -> None:
        self.simulators[department].state.simulator.replace(SimulatorConfig(**config))

    async def citizen_auth(self, cpr: str) -> dict[str, str]:
        """A bearer token of the citizen with ``cpr`` (added to the development IdP)."""
        from gateway.auth.devidp import DemoUser

        idp = self.services.dev_idp
        assert idp is not None
        # A username that does not hold the CPR: subjects reach audit entries and logs.
        username = "test-citizen-" + hashlib.sha256(cpr.encode()).hexdigest()[:10]
        idp.users.setdefault(username, DemoUser(username, "Test Borger", "citizen", cpr=cpr))
        return await self.auth(username)

    async def record_consent(
        self,
        cpr: str,
        *,
        purpose: str = "tvaerfagligt_team",
        categories: list[str] | None = None,
        recipients: list[str] | None = None,
        username: str | None = None,
        days: int = 90,
    ) -> dict[str, Any]:
        """Record a consent: by a caseworker (``written_form``), or — when no ``username`` is
        given and special-category data is asked for, which staff may not record alone
        (issue 13) — by the citizen in the portal (``citizen_portal``)."""
        categories = categories or ["health.wellbeing", "social.services"]
        special = {
            c for c in categories if self.services.catalogue.categories[c].sensitivity == "special"
        }
        body = {
            "cpr": cpr,
            "purpose": purpose,
            "categories": categories,
            "recipient_departments": recipients or ["jobcenter"],
            "valid_until": (datetime.now(UTC) + timedelta(days=days)).isoformat(),
            "collection_method": "written_form",
            "evidence_ref": "journal/2026/123",
        }
        if username is None and special:
            body["collection_method"] = "citizen_portal"
            del body["evidence_ref"]
            headers = await self.citizen_auth(cpr)
        else:
            headers = await self.auth(username or "sagsbehandler-jobcenter")
        response = await self.client.post("/v1/consents", json=body, headers=headers)
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result


def demo_cpr(index: int = 0) -> str:
    return citizens()[index].cpr


async def view(
    gw: Harness,
    cpr: str,
    purpose: str = "tvaerfagligt_team",
    user: str = "sagsbehandler-jobcenter",
    **extra: object,
) -> dict[str, Any]:
    """POST /v1/views as ``user`` and return the body (asserts a 200)."""
    response = await gw.client.post(
        "/v1/views", json={"cpr": cpr, "purpose": purpose, **extra}, headers=await gw.auth(user)
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def test_settings(data_dir: Path, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "env": "test",
        "data_dir": data_dir,
        "public_url": "http://testserver",
        "connectors": {name: {"base_url": url, "timeout_s": 3.0} for name, url in SIM_URLS.items()},
    }
    return Settings(**{**values, **extra})


@asynccontextmanager
async def running_gateway(
    data_dir: Path, *, overrides: Overrides | None = None, **settings: Any
) -> AsyncIterator[Harness]:
    simulators = _take_simulators()
    transport = RoutingTransport(
        {httpx.URL(SIM_URLS[name]).host: app for name, app in simulators.items()}
    )
    overrides = overrides or Overrides()
    if overrides.http_client is None:
        overrides.http_client = httpx.AsyncClient(transport=transport)
    # The running test's database (tests/db/backends.py): SQLite in data_dir, or PostgreSQL.
    settings.setdefault("database_url", current_database_url())
    config = test_settings(data_dir, **settings)
    await _start_from_sqlite_template(config)
    threads_before = set(threading.enumerate())
    app = create_app(config, overrides=overrides)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as client,
    ):
        yield Harness(
            app=app,
            client=client,
            simulators=simulators,
            transport=transport,
            data_dir=data_dir,
        )
    await overrides.http_client.aclose()
    await _database_threads_settled(threads_before)
    _idle_simulators.append(simulators)


async def _database_threads_settled(before: set[threading.Thread]) -> None:
    """Wait (briefly) for the SQLite driver threads this gateway started to finish.

    A query cancelled at shutdown (the sequencer's, say) still completes on aiosqlite's thread,
    which then hands its result to the test's event loop: if that loop has closed by then, the
    thread raises, and pytest blames whichever test runs next. The engine is disposed, so the
    threads end within moments.
    """
    started = [
        t
        for t in threading.enumerate()
        if t not in before and "_connection_worker_thread" in t.name
    ]
    for thread in started:
        await asyncio.to_thread(thread.join, 2.0)


# ------------------------------------------------------------------ made once per test process

# Simulator apps a finished gateway gave back. Their only state is the config a test may change
# (``Harness.set_simulator``, ``PUT /_simulator/config``), which is reset to the default when a
# set is taken again; a gateway inside another one's block gets a set of its own.
_idle_simulators: list[dict[str, FastAPI]] = []


def _take_simulators() -> dict[str, FastAPI]:
    if not _idle_simulators:
        return {name: factory() for name, factory in SIMULATORS.items()}
    simulators = _idle_simulators.pop()
    for app in simulators.values():
        app.state.simulator.replace(SimulatorConfig())
    return simulators


_process_dir: Path | None = None
_sqlite_template: Path | None = None
_dev_idp_key: Path | None = None


def _private_dir() -> Path:
    global _process_dir
    if _process_dir is None:
        _process_dir = Path(tempfile.mkdtemp(prefix="tvaers-test-process-"))
        atexit.register(shutil.rmtree, _process_dir, ignore_errors=True)
    return _process_dir


async def _start_from_sqlite_template(settings: Settings) -> None:
    """Put a copy of a migrated SQLite database where the gateway would create a new one.

    Only for a gateway on its default SQLite file that does not exist yet: the gateway still
    runs its migrations at start-up and finds nothing to do, exactly as on a restart.
    """
    global _sqlite_template
    if settings.database_url:
        return
    if _sqlite_template is None:
        template = _private_dir() / "template.db"
        engine = create_engine(f"sqlite+aiosqlite:///{template}")
        try:
            await migrate(engine)
        finally:
            await engine.dispose()  # the last connection checkpoints and removes the WAL
        _sqlite_template = template
    _copy_unless_present(
        _sqlite_template, Path(str(make_url(settings.effective_database_url).database))
    )


def _copy_unless_present(template: Path, target: Path) -> None:
    leftovers = [p.name for p in template.parent.glob(f"{template.name}-*")]
    assert not leftovers, f"the template must be one file, found {leftovers}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(template, target)


def seed_dev_idp_key(data_dir: Path) -> None:
    """Give a new data directory this process's development identity provider key.

    The provider loads a key it finds and generates one otherwise; every ``gw`` gateway of one
    test process thus signs with the same key (each still has its own data directory).
    """
    global _dev_idp_key
    if _dev_idp_key is None:
        key = _private_dir() / "keys" / "dev-idp-key.json"
        DevIdentityProvider(key_path=key, issuer="unused", audience="unused", users=())
        _dev_idp_key = key
    target = data_dir / "keys" / _dev_idp_key.name  # Settings.keys_dir
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)  # as the gateway makes it
        shutil.copyfile(_dev_idp_key, target)
        target.chmod(0o600)
