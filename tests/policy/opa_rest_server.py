"""An OPA-REST-compatible test server backed by real OPA, in-process.

There is no ``opa`` binary on these machines, so ``OpaServerEngine`` is tested
against this: a small Starlette app that serves the subset of OPA's REST API
the gateway uses, evaluating with ``opa-golib-python-bindings`` (OPA's Go
library). It loads ``policies/`` the way ``opa run --server --bundle policies``
does: the non-test modules, ``catalogue/data.json`` as ``data.catalogue`` and
the revision from ``policies/.manifest``.

Served:
- ``POST /v1/data/{path}``: ``{"input": ...}`` → ``{"result": ...}``, or ``{}``
  when the document is undefined; ``?provenance=true`` adds
  ``{"provenance": {"version", "bundles": {name: {"revision"}}}}``.
- ``GET /health``: 200 ``{}`` once the bundle is loaded.

Fault knobs (``OpaRestServer.delay_s``, ``.fail_status``) make it slow or
broken for the fail-closed tests.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import uvicorn
from opa_bindings import OpaEngine, OpaError, OpaUndefinedError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from gateway.policy.files import load_policy_data, policy_modules

BUNDLE_NAME = "tvaers"
OPA_VERSION = "1.20.0"  # what opa-golib-python-bindings 0.4.4 embeds


def manifest_revision(policies_dir: Path) -> str:
    """The bundle revision in ``policies/.manifest``."""
    manifest = json.loads((policies_dir / ".manifest").read_text(encoding="utf-8"))
    revision = manifest["revision"]
    assert isinstance(revision, str)
    return revision


class OpaRestServer:
    """The ASGI app and its knobs.

    ``revision`` defaults to the manifest's; setting it to ``None`` afterwards
    serves the policies as if loaded without a bundle (no revision).
    """

    def __init__(self, policies_dir: Path, *, revision: str | None = None) -> None:
        self.revision: str | None = revision or manifest_revision(policies_dir)
        self.delay_s = 0.0
        self.fail_status: int | None = None
        # OPA adds a "decision_id" to each answer when decision logging is on (as deployed).
        self.decision_logging = True
        self.decision_ids: list[str] = []
        self.requests = 0
        self._engine = OpaEngine()
        for module in policy_modules(policies_dir):
            self._engine.add_policy(
                module.relative_to(policies_dir).as_posix(), module.read_text(encoding="utf-8")
            )
        self._engine.add_data(load_policy_data(policies_dir))
        self.app = Starlette(
            routes=[
                Route("/v1/data/{path:path}", self._data, methods=["POST"]),
                Route("/health", self._health, methods=["GET"]),
            ]
        )

    async def _faults(self) -> JSONResponse | None:
        self.requests += 1
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.fail_status is not None:
            return JSONResponse(
                {"code": "internal_error", "message": "injected fault"},
                status_code=self.fail_status,
            )
        return None

    async def _data(self, request: Request) -> JSONResponse:
        fault = await self._faults()
        if fault is not None:
            return fault
        body = await request.json()
        document = request.path_params["path"].strip("/").replace("/", ".")
        response: dict[str, Any] = {}
        try:
            response["result"] = self._engine.eval_document(document, body.get("input"))
        except OpaUndefinedError:
            pass  # OPA answers 200 without "result" for an undefined document
        except OpaError as exc:
            return JSONResponse({"code": "internal_error", "message": exc.message}, status_code=500)
        if request.query_params.get("provenance", "").lower() == "true":
            provenance: dict[str, Any] = {"version": OPA_VERSION}
            if self.revision is not None:
                provenance["bundles"] = {BUNDLE_NAME: {"revision": self.revision}}
            response["provenance"] = provenance
        if self.decision_logging:
            decision_id = str(uuid.uuid4())
            self.decision_ids.append(decision_id)
            response["decision_id"] = decision_id
        return JSONResponse(response)

    async def _health(self, request: Request) -> JSONResponse:
        fault = await self._faults()
        return fault or JSONResponse({})

    def close(self) -> None:
        self._engine.close()


def free_port() -> int:
    """A 127.0.0.1 port nothing listens on (for the unreachable-OPA tests)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


class ServerThread:
    """Runs an ASGI app with uvicorn on a free 127.0.0.1 port, in a thread.

    ``AsyncOpaClient`` speaks aiohttp and takes no injectable transport, so
    the REST path is tested over a real socket.
    """

    def __init__(self, app: Any) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ServerThread:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("test OPA server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()
