"""Measurements over HTTP: overhead vs a pass-through proxy, fan-out, capacity, memory.

Simulators, the gateway and the baseline proxy each run as a uvicorn subprocess on 127.0.0.1;
the load generator is another process. All share this machine's two cores, as they would on
one small server.
"""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.loadgen import load
from bench.servers import Server, running, spawn, start, wait_healthy
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


@dataclass(frozen=True)
class HttpPlan:
    """How long and how wide the HTTP runs are (full run vs smoke)."""

    latencies_ms: tuple[int, ...] = (0, 20)
    concurrencies: tuple[int, ...] = (1, 16, 64)
    warmup_s: float = 2.0
    measure_s: float = 8.0
    fanout_latencies_ms: tuple[tuple[str, int], ...] = (
        ("jobcenter", 20),
        ("social", 50),
        ("health", 100),
    )
    fanout_s: float = 5.0
    max_requests: int = 200_000
    use_wrk: bool = True


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
    plan: HttpPlan,
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


def measure_pair(
    gateway: Server,
    proxy: Server,
    sims: dict[str, Server],
    *,
    view: tuple[dict[str, str], dict[str, Any]],
    proxy_body: dict[str, Any],
    concurrency: int,
    plan: HttpPlan,
    flip: bool,
) -> dict[str, Any]:
    """Tværs and the proxy at one concurrency, one after the other (order alternates)."""
    headers, body = view
    runs = [
        ("tvaers", gateway, "/v1/views", body, headers),
        ("passthrough", proxy, "/view", proxy_body, {}),
    ]
    if flip:
        runs.reverse()
    out: dict[str, Any] = {}
    for name, server, path, payload, hdrs in runs:
        settle([server, *sims.values()])
        _run(server, path, payload, hdrs, concurrency=concurrency, seconds=plan.warmup_s, plan=plan)
        settle([server, *sims.values()])
        cpu_before = {s.name: s.cpu_seconds() for s in [server, *sims.values()]}
        result = _run(
            server, path, payload, hdrs, concurrency=concurrency, seconds=plan.measure_s, plan=plan
        )
        used = {s.name: s.cpu_seconds() - cpu_before[s.name] for s in [server, *sims.values()]}
        done = max(1, result["requests"])
        result["cpu_ms_per_request"] = {k: round(v * 1000 / done, 3) for k, v in used.items()}
        out[name] = result
    t, p = out["tvaers"], out["passthrough"]
    out["throughput_ratio"] = round(t["rps"] / p["rps"], 3) if p["rps"] else None
    out["p50_added_ms"] = round(t["p50_ms"] - p["p50_ms"], 3)
    out["p99_added_ms"] = round(t["p99_ms"] - p["p99_ms"], 3)
    return out


def run_http(plan: HttpPlan, *, log_dir: Path) -> dict[str, Any]:
    """Measurements 1 (overhead), 2 (fan-out), the SQLite capacity figure and 6 (memory)."""
    results: dict[str, Any] = {"plan": plan.__dict__ | {}}
    servers: list[Server] = []
    with running(servers), tempfile.TemporaryDirectory(prefix="tvaers-bench-") as tmp:
        # All start at once (start-up is mostly imports); then each is waited for.
        sims = {
            name: spawn(f"sim-{name}", f"connectors.simulators.{name}:create_app", log_dir=log_dir)
            for name in SIM_PATHS
        }
        servers.extend(sims.values())
        env = gateway_env(Path(tmp) / "gw", sims)
        gateway = spawn("gateway", "gateway.app:create_app", env=env, log_dir=log_dir)
        servers.append(gateway)
        proxy = spawn("passthrough", "bench.apps:passthrough", env=env, log_dir=log_dir)
        servers.append(proxy)
        replay_env = gateway_env(Path(tmp) / "replay", sims)
        replay = spawn(
            "gateway-replay", "bench.apps:gateway_replay", env=replay_env, log_dir=log_dir
        )
        servers.append(replay)
        for server in servers:
            wait_healthy(server)
        results["gateway_idle_rss_kib"] = gateway.rss_kib()["VmRSS"]
        set_latency(sims, {})
        headers, body, granted = prepare_gateway(gateway)
        proxy_body = {"cpr": body["cpr"], "categories": granted}
        results["granted_categories"] = granted

        overhead: list[dict[str, Any]] = []
        flip = False
        for latency in plan.latencies_ms:
            set_latency(sims, dict.fromkeys(SIM_PATHS, latency))
            for concurrency in plan.concurrencies:
                pair = measure_pair(
                    gateway,
                    proxy,
                    sims,
                    view=(headers, body),
                    proxy_body=proxy_body,
                    concurrency=concurrency,
                    plan=plan,
                    flip=flip,
                )
                flip = not flip
                overhead.append(
                    {"simulator_latency_ms": latency, "concurrency": concurrency, **pair}
                )
        results["overhead"] = overhead

        latencies = dict(plan.fanout_latencies_ms)
        set_latency(sims, latencies)
        alone: dict[str, float] = {}
        everyone = [gateway, proxy, *sims.values()]
        for name in latencies:
            settle(everyone)
            only = {"cpr": body["cpr"], "categories": {name: granted[name]}}
            alone[name] = _run(
                proxy, "/view", only, {}, concurrency=1, seconds=plan.fanout_s, plan=plan
            )["p50_ms"]
        settle(everyone)
        view = _run(
            gateway, "/v1/views", body, headers, concurrency=1, seconds=plan.fanout_s, plan=plan
        )
        slowest = max(alone.values())
        results["fanout"] = {
            "simulator_latency_ms": latencies,
            "connector_alone_p50_ms": alone,
            "slowest_connector_p50_ms": slowest,
            "sum_of_connectors_p50_ms": round(sum(alone.values()), 3),
            "view_p50_ms": view["p50_ms"],
            "view_p99_ms": view["p99_ms"],
            "view_minus_slowest_ms": round(view["p50_ms"] - slowest, 3),
        }
        set_latency(sims, {})
        results["gateway_peak_rss_kib"] = gateway.rss_kib()["VmHWM"]
        results["passthrough_peak_rss_kib"] = proxy.rss_kib()["VmHWM"]

        # Capacity of the gateway alone: durable SQLite audit, department answers replayed.
        r_headers, r_body, _ = prepare_gateway(replay)
        settle(everyone)
        _run(
            replay, "/v1/views", r_body, r_headers, concurrency=16, seconds=plan.warmup_s, plan=plan
        )
        settle([replay])
        cpu0 = replay.cpu_seconds()
        capacity = _run(
            replay,
            "/v1/views",
            r_body,
            r_headers,
            concurrency=16,
            seconds=plan.measure_s,
            plan=plan,
        )
        capacity["cpu_ms_per_request"] = round(
            (replay.cpu_seconds() - cpu0) * 1000 / max(1, capacity["requests"]), 3
        )
        capacity["peak_rss_kib"] = replay.rss_kib()["VmHWM"]
        results["capacity_replay_c16"] = capacity
        results["audit_rows_written"] = _count_audit_rows(Path(tmp) / "replay" / "tvaers.db")
    return results


def _count_audit_rows(db: Path) -> int:
    import sqlite3

    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT count(*) FROM audit_entries").fetchone()
    return int(row[0])


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
