"""ASGI factories the harness runs under uvicorn (``uvicorn --factory bench.apps:<name>``).

- ``passthrough``: the baseline. A plain async proxy that makes the same connector calls as a
  Tværs view (same connector code, same pooled httpx client settings, same simulators) and
  returns what they answer — no token check, consent lookup, policy, audit or minimisation.
  The difference between it and the gateway is the cost of safety.
- ``gateway_replay``: the real gateway whose HTTP client answers connector calls from a cache
  of responses recorded from in-process simulators. It measures what the gateway itself
  can do when department systems cost nothing (no simulator CPU on this 2-core machine).
"""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from connectors.sdk import FetchRequest
from connectors.simulators import SIMULATORS
from gateway.app import Overrides, create_app
from gateway.catalogue.models import Catalogue
from gateway.config import Settings
from gateway.registry import load_connectors

REPLAY_URLS = {
    "jobcenter": "http://jobcenter.replay",
    "social": "http://social.replay",
    "health": "http://health.replay/fhir",
}


def connector_client(limit: int = 200) -> httpx.AsyncClient:
    """The pooled client both the gateway and the baseline use for department systems."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(2.0),
        limits=httpx.Limits(max_connections=limit, max_keepalive_connections=limit),
    )


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
    base = Settings()
    connectors = {name: {"base_url": url} for name, url in REPLAY_URLS.items()}
    settings = base.model_copy(update={"connectors": connectors})
    client = httpx.AsyncClient(transport=ReplayTransport(), timeout=httpx.Timeout(2.0))
    return create_app(settings, overrides=Overrides(http_client=client))
