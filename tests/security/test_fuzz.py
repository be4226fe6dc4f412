"""Schemathesis against the OpenAPI schema, in-process over ASGI, with valid tokens.

Every operation is fuzzed with the principal that may use it (citizen for /v1/me, DPO for
/v1/audit, a caseworker otherwise): no 5xx, and responses match the schema.

One gateway serves the whole module. Schemathesis would start and stop the app's lifespan
for every operation (about two seconds each: migrations, policy engine, keys); instead a thin
wrapper answers schemathesis' lifespan messages itself and enters the real lifespan once, on
schemathesis' own event loop, where every request then runs. SQLite only: this is about input
handling, which does not depend on the database (the bounds found here are at the endpoints).
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.python import asgi as schemathesis_asgi
from starlette.types import Receive, Scope, Send

from connectors.simulators import SIMULATORS
from gateway.app import Overrides, create_app
from gateway.auth.devidp import DevIdentityProvider
from gateway.devtools.demo_users import demo_users
from tests.harness import SIM_URLS, RoutingTransport
from tests.harness import test_settings as gateway_settings

DATA_DIR = Path(tempfile.mkdtemp(prefix="tvaers-fuzz-"))
atexit.register(shutil.rmtree, DATA_DIR, ignore_errors=True)  # also when only collected
SETTINGS = gateway_settings(
    DATA_DIR,
    database_url="",  # SQLite in DATA_DIR, whatever test ran before
    view_limit_per_user=1_000_000,
    view_limit_per_citizen=1_000_000,
)
_simulators = {httpx.URL(SIM_URLS[name]).host: factory() for name, factory in SIMULATORS.items()}
HTTP = httpx.AsyncClient(transport=RoutingTransport(_simulators))
APP = create_app(SETTINGS, overrides=Overrides(http_client=HTTP))
# The same key file the app's development identity provider uses, so tokens validate.
IDP = DevIdentityProvider(
    key_path=SETTINGS.keys_dir / "dev-idp-key.json",
    issuer=SETTINGS.effective_issuer,
    audience=SETTINGS.oidc_audience,
    users=demo_users(),
)
TOKENS = {
    "citizen": IDP.issue("borger-1"),
    "dpo": IDP.issue("dpo"),
    "caseworker": IDP.issue("koordinator-jobcenter"),
}


class OneLifespan:
    """The app behind a lifespan that starts once and ends when :meth:`close` is awaited."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._context: AbstractAsyncContextManager[None] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                if self._context is None:
                    self._context = self.app.router.lifespan_context(self.app)
                    await self._context.__aenter__()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def close(self) -> None:
        context, self._context = self._context, None
        if context is not None:
            await context.__aexit__(None, None, None)


SHARED = OneLifespan(APP)
# Built from the app's own schema: no request (and no gateway start) at collection time.
schema = schemathesis.openapi.from_dict(json.loads(json.dumps(APP.openapi())))
schema.app = SHARED
schema.location = "/openapi.json"


@pytest.fixture(scope="module", autouse=True)
def _one_gateway() -> Iterator[None]:
    yield
    # The lifespan runs on schemathesis' event-loop thread; end it there.
    portal = schemathesis_asgi._get_portal()
    portal.call(SHARED.close)
    portal.call(HTTP.aclose)


def principal_for(path: str) -> str:
    if path.startswith("/v1/me"):
        return "citizen"
    if path.startswith("/v1/audit"):
        return "dpo"
    return "caseworker"


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors_and_schema_conformance(case: Case) -> None:
    token = TOKENS[principal_for(case.path)]
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"},
        checks=[
            schemathesis.checks.not_a_server_error,
            schemathesis.checks.response_schema_conformance,
        ],
    )
