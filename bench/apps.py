"""ASGI factories the harness runs under uvicorn (``uvicorn --factory bench.apps:<name>``).

- ``passthrough``: the baseline. A plain async proxy that makes the same connector calls as a
  Tværs view (same connector code, same pooled httpx client settings, same simulators) and
  returns what they answer — no token check, consent lookup, policy, audit or minimisation.
  The difference between it and the gateway is the cost of safety.
- ``floor``: the floor of issue 16 (see ``floor``): the same connector calls with aiohttp and
  two durable SQLite commits, nothing else.
- ``gateway_replay``: the real gateway whose HTTP client answers connector calls from a cache
  of responses recorded from in-process simulators. It measures what the gateway itself
  can do when department systems cost nothing (no simulator CPU on this 2-core machine).
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from connectors.sdk import FetchRequest
from gateway.catalogue.models import Catalogue
from gateway.config import Settings
from gateway.registry import load_connectors

REPLAY_URLS = {
    "jobcenter": "http://jobcenter.replay",
    "social": "http://social.replay",
    "health": "http://health.replay/fhir",
}


def connector_client(limit: int = 200) -> httpx.AsyncClient:
    """The gateway's own outbound client (httpx over aiohttp, keep-alive = max connections):
    the baseline makes its connector calls exactly as the gateway does. (It used to build a
    plain httpx client, whose anyio pool cost ~10x the CPU per call and failed under c=16.)"""
    try:
        from gateway.http_client import outbound_client
    except ImportError:  # the gateway's client moved: the same transport, built here
        from httpx_aiohttp import AiohttpTransport

        limits = httpx.Limits(max_connections=limit, max_keepalive_connections=limit)
        return httpx.AsyncClient(
            transport=AiohttpTransport(limits=limits),
            timeout=httpx.Timeout(2.0),
            limits=limits,
        )
    return outbound_client(timeout_s=2.0, max_connections=limit)


def passthrough() -> FastAPI:
    """The baseline proxy. ``POST /view`` with ``{"cpr", "categories": {connector: [cat]}}``."""
    settings = Settings()
    catalogue = Catalogue.load(settings.policies_dir)
    client = connector_client()
    registry = load_connectors(
        settings.connectors,
        client=client,
        catalogue=catalogue,
        default_timeout_s=settings.connector_timeout_s,
    )
    app = FastAPI(title="pass-through baseline (benchmark only)")

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    answered = {"views": 0}

    @app.get("/_stats")
    async def stats() -> dict[str, int]:
        """Views answered so far (the harness counts with it)."""
        return answered

    @app.post("/view")
    async def view(request: Request) -> JSONResponse:
        body = await request.json()
        wanted: dict[str, list[str]] = body["categories"]
        names = sorted(wanted)
        results = await asyncio.gather(
            *(
                registry.connectors[name].fetch(
                    FetchRequest(
                        cpr=body["cpr"],
                        categories={
                            c: registry.connectors[name].manifest.categories[c]
                            for c in wanted[name]
                        },
                        purpose="benchmark",
                        correlation_id="bench",
                    )
                )
                for name in names
            )
        )
        answered["views"] += 1
        return JSONResponse(
            {
                name: [{"category": r.category, "data": dict(r.data)} for r in result.records]
                for name, result in zip(names, results, strict=True)
            }
        )

    return app


class ReplayTransport(httpx.AsyncBaseTransport):
    """Answers each distinct request once from an in-process simulator, then from a cache.

    The simulators are deterministic (seeded), so a cached answer is the answer.
    """

    def __init__(self) -> None:
        from connectors.simulators import SIMULATORS

        apps = {name: factory() for name, factory in SIMULATORS.items()}
        for app in apps.values():
            app.state.simulator.replace(
                app.state.simulator.config.model_copy(update={"page_size": 100})
            )
        self._apps = {
            httpx.URL(REPLAY_URLS[name]).host: httpx.ASGITransport(app=app)
            for name, app in apps.items()
        }
        self._cache: dict[tuple[str, str, bytes], tuple[int, list[tuple[bytes, bytes]], bytes]] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        key = (request.method, str(request.url), body)
        cached = self._cache.get(key)
        if cached is None:
            response = await self._apps[request.url.host].handle_async_request(request)
            content = await response.aread()
            headers = [(k, v) for k, v in response.headers.raw if k.lower() != b"content-length"]
            cached = (response.status_code, headers, content)
            self._cache[key] = cached
        status, headers, content = cached
        return httpx.Response(status, headers=headers, content=content, request=request)


def gateway_replay() -> FastAPI:
    """The gateway with department systems answered from the replay cache."""
    from gateway.app import Overrides, create_app  # here: the proxy and floor do not need it

    base = Settings()
    connectors = {name: {"base_url": url} for name, url in REPLAY_URLS.items()}
    settings = base.model_copy(update={"connectors": connectors})
    client = httpx.AsyncClient(transport=ReplayTransport(), timeout=httpx.Timeout(2.0))
    return create_app(settings, overrides=Overrides(http_client=client))


def floor() -> Callable[..., Awaitable[None]]:
    """The floor (issue 16): a bare ASGI app that, per ``POST /view``, makes the same connector
    calls as a Tværs view with the fastest client measured (aiohttp, ``bench/client_bench.py``),
    decodes the JSON answers and makes two durable SQLite commits (WAL, ``synchronous=FULL``,
    like the gateway's audit intent and outcome). No framework, no safety: the cost of this
    I/O shape in CPython. The calls are recorded once at start-up from the real connectors
    (``BENCH_CPR``, ``BENCH_CATEGORIES``, ``TVAERS_CONNECTORS``) and replayed as is.
    """
    import aiohttp

    from bench.client_bench import Call, Recorder

    settings = Settings()
    cpr = os.environ["BENCH_CPR"]
    # The categories a gateway view is granted: {connector: [category]}.
    wanted: dict[str, list[str]] = json.loads(os.environ["BENCH_CATEGORIES"])
    db_path = Path(os.environ.get("BENCH_FLOOR_DB", str(settings.data_dir / "floor.db")))
    calls: list[Call] = []
    state: dict[str, Any] = {}

    async def record() -> None:
        for attempt in range(3):  # a loaded machine may time out the first try
            try:
                await record_once()
                return
            except Exception:
                if attempt == 2:
                    raise
                await asyncio.sleep(1)

    async def record_once() -> None:
        calls.clear()
        recorder = Recorder(httpx.AsyncHTTPTransport())
        async with httpx.AsyncClient(transport=recorder, timeout=10.0) as client:
            registry = load_connectors(
                settings.connectors,
                client=client,
                catalogue=Catalogue.load(settings.policies_dir),
                default_timeout_s=10.0,
            )
            await asyncio.gather(
                *(
                    registry.connectors[name].fetch(
                        FetchRequest(
                            cpr=cpr,
                            categories={
                                c: registry.connectors[name].manifest.categories[c]
                                for c in categories
                            },
                            purpose="benchmark",
                            correlation_id="bench",
                        )
                    )
                    for name, categories in wanted.items()
                )
            )
        calls.extend(recorder.calls)

    def open_db() -> sqlite3.Connection:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("CREATE TABLE IF NOT EXISTS entries (id INTEGER PRIMARY KEY, body BLOB)")
        return conn

    def commit(conn: sqlite3.Connection, body: bytes) -> None:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO entries (body) VALUES (?)", (body,))
        conn.execute("COMMIT")

    # One connection, one writer thread: commits run one after another, off the event loop.
    writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="floor-db")

    async def view() -> bytes:
        session: aiohttp.ClientSession = state["session"]
        db = state["db"]
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(writer, commit, db, b"intent")

        async def one(call: Call) -> Any:
            method, url, body, headers = call
            async with session.request(method, url, data=body or None, headers=headers) as r:
                return json.loads(await r.read())

        answers = await asyncio.gather(*(one(call) for call in calls))
        await loop.run_in_executor(writer, commit, db, b"outcome")
        return json.dumps({"answers": len(answers)}).encode()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    try:
                        await record()
                        state["session"] = aiohttp.ClientSession(
                            connector=aiohttp.TCPConnector(limit=200)
                        )
                        state["db"] = open_db()
                    except Exception as exc:  # fail loudly, not as an app without lifespan
                        await send({"type": "lifespan.startup.failed", "message": repr(exc)})
                        return
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await state["session"].close()
                    state["db"].close()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        more = True
        while more:  # drain the request body
            more = (await receive()).get("more_body", False)
        if scope["path"] == "/view":
            body = await view()
            state["views"] = state.get("views", 0) + 1
        elif scope["path"] == "/_stats":  # views answered so far (the harness counts with it)
            body = json.dumps({"views": state.get("views", 0)}).encode()
        else:
            body = b'{"status": "ok"}'
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})

    return app
