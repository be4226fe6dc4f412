"""Helpers for the HTTP measurements (``bench/views_bench.py``) and the view timed on the
scaled PostgreSQL database (``scale_view``).

Simulators, the gateway and the baseline proxy each run as a uvicorn subprocess on 127.0.0.1;
the load generator is another process. All share this machine's two cores, as they would on
one small server.
"""

from __future__ import annotations

import json
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import httpx

from bench.loadgen import load
from bench.servers import Server, running, start
from connectors.simulators.seed import citizens

PURPOSE = "tvaerfagligt_team"
USER = "sagsbehandler-jobcenter"
SIM_PATHS = {"jobcenter": "", "social": "", "health": "/fhir"}
# The per-user and per-citizen view limits (abuse controls, 120 and 60 a minute) would turn a
# load test into a test of the 429 path; they are raised, and their check still runs.
UNLIMITED = {
    "TVAERS_VIEW_LIMIT_PER_USER": "100000000",
    "TVAERS_VIEW_LIMIT_PER_CITIZEN": "100000000",
}


class LoadPlan(Protocol):
    """What a closed-loop run needs from a plan (``bench.views_bench.ViewsPlan``)."""

    max_requests: int
    use_wrk: bool


def gateway_env(data_dir: Path, sims: dict[str, Server]) -> dict[str, str]:
    connectors = {
        name: {"base_url": sims[name].url + SIM_PATHS[name], "timeout_s": 2.0} for name in sims
    }
    return {
        "TVAERS_ENV": "test",
        "TVAERS_DATA_DIR": str(data_dir),
        "TVAERS_DATABASE_URL": "",
        "TVAERS_CONNECTORS": json.dumps(connectors),
        **UNLIMITED,
    }


def set_latency(sims: dict[str, Server], latencies: dict[str, int]) -> None:
    for name, server in sims.items():
        response = httpx.put(
            server.url + "/_simulator/config",
            json={"latency_ms": latencies.get(name, 0), "page_size": 100},
        )
        response.raise_for_status()


def prepare_gateway(gateway: Server) -> tuple[dict[str, str], dict[str, Any], dict[str, list[str]]]:
    """Token, one recorded consent, the view body and the categories a view is granted."""
    token = httpx.post(gateway.url + "/dev/token", json={"username": USER}, timeout=60).json()[
        "access_token"
    ]
    headers = {"Authorization": f"Bearer {token}"}
    cpr = citizens()[0].cpr
    consent = {
        "cpr": cpr,
        "purpose": PURPOSE,
        # Every category of the purpose that needs consent: a normal view is fully granted,
        # so an audited outcome other than `granted` means a degraded view.
        "categories": ["health.contact", "health.wellbeing", "social.contact", "social.services"],
        "recipient_departments": ["jobcenter"],
        "valid_until": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
        "collection_method": "citizen_portal",
    }
    # Health data needs the citizen's own consent (issue 13): borger-1 is citizens()[0].
    citizen = httpx.post(
        gateway.url + "/dev/token", json={"username": "borger-1"}, timeout=60
    ).json()
    response = httpx.post(
        gateway.url + "/v1/consents",
        json=consent,
        headers={"Authorization": f"Bearer {citizen['access_token']}"},
        timeout=60,
    )
    response.raise_for_status()
    body = {"cpr": cpr, "purpose": PURPOSE}
    # The categories the policy grants (granted or, on a cold or loaded machine, unavailable
    # for now); a few tries until every department answered, so the run starts warm.
    granted: dict[str, list[str]] = {}
    for _ in range(5):
        view = httpx.post(gateway.url + "/v1/views", json=body, headers=headers, timeout=60)
        view.raise_for_status()
        sections = view.json()["sections"]
        granted = {}
        for section in sections:
            if section["status"] in ("granted", "unavailable"):
                granted.setdefault(section["department"], []).append(section["category"])
        if all(section["status"] != "unavailable" for section in sections):
            break
    return headers, body, granted


SETTLE_POLL_S = 0.5  # the smoke run polls faster (bench/run.py)


def settle(servers: list[Server], *, limit_s: float = 60.0) -> None:
    """Wait until the servers are idle: a closed-loop run that ended (or timed out) can leave
    requests still being worked on, which would slow down the next measurement."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        before = sum(s.cpu_seconds() for s in servers)
        time.sleep(SETTLE_POLL_S)
        # Idle: under 10% of a core over the poll interval.
        if sum(s.cpu_seconds() for s in servers) - before < 0.1 * SETTLE_POLL_S:
            return


def _run(
    server: Server,
    path: str,
    body: dict[str, Any],
    headers: dict[str, str],
    *,
    concurrency: int,
    seconds: float,
    plan: LoadPlan,
) -> dict[str, Any]:
    return load(
        server.url + path,
        body=body,
        headers=headers,
        concurrency=concurrency,
        duration_s=seconds,
        max_requests=plan.max_requests,
        use_wrk=plan.use_wrk,
    )


def scale_view(database_url: str, *, seconds: float) -> dict[str, Any]:
    """View latency (c=1) on a gateway process whose store is the scaled PostgreSQL database."""
    servers: list[Server] = []
    with running(servers), tempfile.TemporaryDirectory(prefix="tvaers-scale-") as tmp:
        env = {
            "TVAERS_ENV": "test",
            "TVAERS_DATA_DIR": tmp,
            "TVAERS_DATABASE_URL": database_url,
            **UNLIMITED,
        }
        gateway = start("gateway-scale", "bench.apps:gateway_replay", env=env, log_dir=Path(tmp))
        servers.append(gateway)
        headers, body, _ = prepare_gateway(gateway)
        result = load(
            gateway.url + "/v1/views",
            body=body,
            headers=headers,
            concurrency=1,
            duration_s=seconds,
            max_requests=100_000,
            use_wrk=False,
        )
        return {"n": result["requests"], "p50_ms": result["p50_ms"], "p95_ms": result["p95_ms"]}
