"""Connector HTTP clients side by side: CPU per view for the same connector calls.

The three department simulators run as uvicorn processes on 127.0.0.1 (their CPU is not
counted here); this process makes a view's connector calls (jobcenter 4, social 2, health 2,
pages of 100 items) ``views`` times, ``concurrency`` views at a time, with each client:

- ``httpx_default``: httpx as the gateway configured it before issue 16 (200 connections,
  50 kept alive), through the real connectors;
- ``httpx_tuned``: httpx with keep-alive = max connections, through the real connectors;
- ``httpx_aiohttp``: httpx with the ``httpx-aiohttp`` transport (aiohttp underneath), through
  the real connectors — keeps the httpx seam, so connectors stay testable with MockTransport;
- ``aiohttp_raw``: aiohttp alone making the same requests (recorded from one connector view)
  and decoding the JSON, with no connector code: the floor for this I/O shape.

Reported per client: CPU ms of this process per view (user + system), views/s, and errors.
Run: ``python -m bench.client_bench [--views N]``; the harness folds it into ``http.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport

from bench.servers import Server, running, spawn, wait_healthy
from connectors.sdk import FetchRequest
from connectors.simulators.seed import citizens
from gateway.catalogue.models import Catalogue
from gateway.config import Settings
from gateway.registry import ConnectorRegistry, load_connectors

SIM_PATHS = {"jobcenter": "", "social": "", "health": "/fhir"}
CATEGORIES = {
    "jobcenter": ["jobcenter.benefit", "jobcenter.contact", "jobcenter.plan"],
    "social": ["social.contact", "social.services"],
    "health": ["health.contact", "health.wellbeing"],
}


def start_simulators(log_dir: Path) -> dict[str, Server]:
    sims = {
        name: spawn(f"sim-{name}", f"connectors.simulators.{name}:create_app", log_dir=log_dir)
        for name in SIM_PATHS
    }
    for server in sims.values():
        wait_healthy(server)
    for server in sims.values():
        httpx.put(
            server.url + "/_simulator/config", json={"latency_ms": 0, "page_size": 100}
        ).raise_for_status()
    return sims


def registry_for(sims: dict[str, Server], client: httpx.AsyncClient) -> ConnectorRegistry:
    settings = Settings()
    configured = {name: {"base_url": sims[name].url + SIM_PATHS[name]} for name in sims}
    return load_connectors(
        configured,
        client=client,
        catalogue=Catalogue.load(settings.policies_dir),
        default_timeout_s=5.0,
    )


def connector_view(registry: ConnectorRegistry, cpr: str) -> Callable[[], Awaitable[int]]:
    async def view() -> int:
        results = await asyncio.gather(
            *(
                registry.connectors[name].fetch(
                    FetchRequest(
                        cpr=cpr,
                        categories={
                            c: registry.connectors[name].manifest.categories[c] for c in cats
                        },
                        purpose="benchmark",
                        correlation_id="bench",
                    )
                )
                for name, cats in CATEGORIES.items()
                if name in registry.connectors
            )
        )
        return sum(len(r.records) for r in results)

    return view


Call = tuple[str, str, bytes, dict[str, str]]


class Recorder(httpx.AsyncBaseTransport):
    """Records the requests one connector view makes (to replay them with aiohttp alone)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.calls: list[Call] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        headers = {
            k: v for k, v in request.headers.items() if k.lower() in ("accept", "content-type")
        }
        self.calls.append((request.method, str(request.url), body, headers))
        return await self.inner.handle_async_request(request)


async def record_calls(sims: dict[str, Server], cpr: str) -> list[Call]:
    recorder = Recorder(httpx.AsyncHTTPTransport())
    async with httpx.AsyncClient(transport=recorder) as client:
        await connector_view(registry_for(sims, client), cpr)()
    return recorder.calls


async def drive(
    view: Callable[[], Awaitable[int]], *, views: int, concurrency: int
) -> dict[str, Any]:
    for _ in range(min(20, views)):  # warm up: connections open, code paths hot
        await view()
    errors = 0
    remaining = views

    async def worker() -> None:
        nonlocal errors, remaining
        while remaining > 0:
            remaining -= 1
            try:
                await view()
            except Exception:
                errors += 1

    cpu0, wall0 = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return {
        "views": views,
        "errors": errors,
        "cpu_ms_per_view": round(cpu * 1000 / views, 3),
        "views_per_s": round(views / wall, 1),
    }


async def measure_all(
    sims: dict[str, Server], *, views: int, concurrency: int, rounds: int
) -> dict[str, Any]:
    cpr = citizens()[0].cpr
    calls = await record_calls(sims, cpr)
    limits_default = httpx.Limits(max_connections=200, max_keepalive_connections=50)
    limits_tuned = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    figures: dict[str, list[dict[str, Any]]] = {}

    async def with_httpx(name: str, client: httpx.AsyncClient) -> None:
        async with client:
            view = connector_view(registry_for(sims, client), cpr)
            result = await drive(view, views=views, concurrency=concurrency)
        figures.setdefault(name, []).append(result)

    async def with_aiohttp() -> None:
        connector = aiohttp.TCPConnector(limit=200)
        async with aiohttp.ClientSession(connector=connector) as session:

            async def one(method: str, url: str, body: bytes, headers: dict[str, str]) -> Any:
                async with session.request(
                    method, url, data=body or None, headers=headers
                ) as response:
                    return json.loads(await response.read())

            async def view() -> int:
                answers = await asyncio.gather(*(one(*call) for call in calls))
                return len(answers)

            result = await drive(view, views=views, concurrency=concurrency)
        figures.setdefault("aiohttp_raw", []).append(result)

    # Rounds interleave the clients, so a burst of load from other work hits them all alike.
    for _ in range(rounds):
        await with_httpx("httpx_default", httpx.AsyncClient(limits=limits_default))
        await with_httpx("httpx_tuned", httpx.AsyncClient(limits=limits_tuned))
        await with_httpx(
            "httpx_aiohttp",
            httpx.AsyncClient(transport=AiohttpTransport(limits=limits_tuned)),
        )
        await with_aiohttp()
    summary: dict[str, Any] = {
        "calls_per_view": len(calls),
        "concurrency": concurrency,
        "rounds": rounds,
        "clients": {},
    }
    for name, runs in figures.items():
        cpu = sorted(r["cpu_ms_per_view"] for r in runs)
        summary["clients"][name] = {
            "cpu_ms_per_view_median": cpu[len(cpu) // 2],
            "views_per_s_median": sorted(r["views_per_s"] for r in runs)[len(runs) // 2],
            "errors": sum(r["errors"] for r in runs),
            "runs": runs,
        }
    floor = summary["clients"]["aiohttp_raw"]["cpu_ms_per_view_median"]
    for entry in summary["clients"].values():
        entry["ratio_to_aiohttp_raw"] = round(entry["cpu_ms_per_view_median"] / floor, 2)
    summary["loadavg"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return summary


def run(
    *, views: int, concurrency: int = 4, rounds: int = 3, log_dir: Path | None = None
) -> dict[str, Any]:
    servers: list[Server] = []
    with running(servers), tempfile.TemporaryDirectory(prefix="tvaers-client-") as tmp:
        sims = start_simulators(log_dir or Path(tmp))
        servers.extend(sims.values())
        return asyncio.run(measure_all(sims, views=views, concurrency=concurrency, rounds=rounds))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--views", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    found = run(views=args.views, concurrency=args.concurrency, rounds=args.rounds)
    for name, entry in found["clients"].items():
        print(
            f"{name:14s} {entry['cpu_ms_per_view_median']:7.2f} ms CPU/view  "
            f"x{entry['ratio_to_aiohttp_raw']:.2f}  {entry['views_per_s_median']:7.1f} views/s  "
            f"errors {entry['errors']}"
        )
    print(f"calls per view {found['calls_per_view']}; load average {found['loadavg']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
