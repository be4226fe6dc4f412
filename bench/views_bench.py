"""Issue 16's view measurements: the floor ratio, views/s on 1 and 2 workers, fan-out.

Processes (all on 127.0.0.1, each started here and stopped by its pid): the three department
simulators (uvicorn), the floor app (``bench.apps:floor``), the pass-through proxy
(``bench.apps:passthrough``) and the gateway as operators run it (``tvaers serve --workers N``,
N = 1, then 2 on a fresh data directory). The load generator is wrk (or the Python one).

For every run, CPU seconds are read from ``/proc`` for each process tree before and after:
CPU per view is reported per process (gateway vs each simulator), so the simulators' share of
the two cores is accounted for separately. A view counts as a success only if its audit
outcome entry says ``granted`` (read from the gateway's database after the run): degraded
views (``partial``/``unavailable`` sections), refusals and HTTP errors are counted apart.
The three targets of one concurrency are measured one right after the other, in rotating
order, ``rounds`` times; the medians are reported, with the load average at each run.
"""

from __future__ import annotations

import json
import os
import sqlite3
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.http_bench import (
    SIM_PATHS,
    _run,
    gateway_env,
    prepare_gateway,
    set_latency,
    settle,
)
from bench.servers import Server, running, spawn, spawn_serve, wait_healthy

CORES = os.cpu_count() or 2


@dataclass(frozen=True)
class ViewsPlan:
    concurrency: int = 16
    warmup_s: float = 2.0
    measure_s: float = 8.0
    rounds: int = 3
    fanout_s: float = 5.0
    fanout_latencies_ms: tuple[tuple[str, int], ...] = (
        ("jobcenter", 20),
        ("social", 50),
        ("health", 100),
    )
    max_requests: int = 200_000
    use_wrk: bool = True
    # Smoke only: start the two-worker gateway with the others (its start-up overlaps theirs;
    # idle beside the one-worker runs it would disturb them, so full runs start it later).
    start_two_workers_early: bool = False


def view_outcomes(db: Path) -> Counter[str]:
    """Outcome audit entries of shared views so far, by outcome (granted, partial, ...)."""
    if not db.exists():
        return Counter()
    with sqlite3.connect(db, timeout=30) as conn:
        rows = conn.execute(
            "SELECT outcome, count(*) FROM audit_entries "
            "WHERE action = 'view.read' AND phase = 'outcome' GROUP BY outcome"
        ).fetchall()
    return Counter({str(outcome): int(n) for outcome, n in rows})


def progress(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}]   views: {message}", flush=True)


def served(server: Server) -> int:
    """Views the floor app or the proxy has answered so far (their ``/_stats``)."""
    response = httpx.get(server.url + "/_stats", timeout=30)
    response.raise_for_status()
    return int(response.json()["views"])


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def measure(
    target: Server,
    path: str,
    body: dict[str, Any],
    headers: dict[str, str],
    sims: dict[str, Server],
    plan: ViewsPlan,
    *,
    audit_db: Path | None = None,
) -> dict[str, Any]:
    """One closed-loop run with CPU per process tree and (for the gateway) audited outcomes."""
    watched = [target, *sims.values()]
    settle(watched)
    _run(
        target, path, body, headers, concurrency=plan.concurrency, seconds=plan.warmup_s, plan=plan
    )
    settle(watched)
    before_cpu = {s.name: s.cpu_seconds() for s in watched}
    before = view_outcomes(audit_db) if audit_db else Counter()
    served_before = None if audit_db else served(target)
    load_before = loadavg()
    result = _run(
        target, path, body, headers, concurrency=plan.concurrency, seconds=plan.measure_s, plan=plan
    )
    settle([target])  # answers still in flight finish (and are audited) before counting
    used = {s.name: s.cpu_seconds() - before_cpu[s.name] for s in watched}
    answered = max(1, result["requests"])
    result["loadavg"] = load_before
    if audit_db is not None:
        after = view_outcomes(audit_db)
        outcomes = {k: after[k] - before.get(k, 0) for k in after}
        result["audited_outcomes"] = outcomes
        good = outcomes.get("granted", 0)
        # Views still in flight when the generator stopped are answered and audited after
        # (settle waits for them) but never counted by it: CPU per view divides by every
        # audited view, views/s counts only answers the generator received.
        result["audited_granted"] = good
        result["successes"] = min(good, result["requests"])
        result["degraded"] = sum(v for k, v in outcomes.items() if k != "granted")
        answered = max(1, good)
    else:
        # Answered by the app (in-flight ones included, as for the gateway's audited views);
        # an exception in the proxy is a 500, counted by the generator as an error.
        done = served(target) - (served_before or 0)
        result["successes"] = min(done, result["requests"])
        result["degraded"] = 0
        answered = max(1, done)
    result["success_per_s"] = round(result["successes"] / result["duration_s"], 1)
    result["cpu_ms_per_view"] = {k: round(v * 1000 / answered, 3) for k, v in used.items()}
    result["cpu_s"] = {k: round(v, 3) for k, v in used.items()}
    return result


def _median(runs: list[dict[str, Any]], key: str, sub: str | None = None) -> float:
    values = [r[key][sub] if sub else r[key] for r in runs]
    return round(statistics.median(values), 3)


def summarise(runs: list[dict[str, Any]], name: str, sims: dict[str, Server]) -> dict[str, Any]:
    sim_names = [s.name for s in sims.values()]
    own = _median(runs, "cpu_ms_per_view", name)
    sims_cpu = round(
        statistics.median(sum(r["cpu_ms_per_view"][n] for n in sim_names) for r in runs), 3
    )
    return {
        "runs": runs,
        "cpu_ms_per_view": own,
        "simulators_cpu_ms_per_view": sims_cpu,
        "successes_per_s": _median(runs, "success_per_s"),
        "p50_ms": _median(runs, "p50_ms"),
        "p99_ms": _median(runs, "p99_ms"),
        "degraded": sum(r["degraded"] for r in runs),
        "errors": sum(r["errors"] for r in runs),
        # What this process tree alone could do with every core of the machine: the
        # simulators' and the load generator's CPU subtracted (they would be elsewhere).
        "cpu_bound_views_per_s": round(CORES * 1000 / own, 1) if own else None,
    }


def run_views(
    plan: ViewsPlan, *, log_dir: Path, save: Callable[[dict[str, Any]], None] = lambda _: None
) -> dict[str, Any]:
    """Everything above; ``save`` gets the figures so far after each part (kept if the
    section is stopped later)."""
    results: dict[str, Any] = {"plan": dict(plan.__dict__), "cores": CORES}
    servers: list[Server] = []
    with running(servers), tempfile.TemporaryDirectory(prefix="tvaers-views-") as tmp:
        sims = {
            name: spawn(f"sim-{name}", f"connectors.simulators.{name}:create_app", log_dir=log_dir)
            for name in SIM_PATHS
        }
        servers.extend(sims.values())
        data1 = Path(tmp) / "gw1"
        gw1 = spawn_serve("gateway", workers=1, env=gateway_env(data1, sims), log_dir=log_dir)
        servers.append(gw1)
        proxy = spawn(
            "passthrough",
            "bench.apps:passthrough",
            env=gateway_env(Path(tmp) / "proxy", sims),
            log_dir=log_dir,
        )
        servers.append(proxy)
        early: tuple[Path, Server] | None = None
        if plan.start_two_workers_early:
            data2 = Path(tmp) / "gw2-early"
            early = (
                data2,
                spawn_serve("gateway2", workers=2, env=gateway_env(data2, sims), log_dir=log_dir),
            )
            servers.append(early[1])
        for server in servers:
            wait_healthy(server)
        progress("simulators, gateway (1 worker) and proxy started")
        set_latency(sims, {})
        results["gateway_idle_rss_kib"] = gw1.rss_kib()["VmRSS"]
        headers, body, granted = prepare_gateway(gw1)
        results["granted_categories"] = granted
        floor_env = {
            **gateway_env(Path(tmp) / "floor", sims),
            "BENCH_CPR": body["cpr"],
            "BENCH_CATEGORIES": json.dumps(granted),
        }
        floor = wait_healthy(spawn("floor", "bench.apps:floor", env=floor_env, log_dir=log_dir))
        servers.append(floor)
        progress("floor started; measuring floor, proxy and gateway")
        proxy_body = {"cpr": body["cpr"], "categories": granted}

        targets: dict[str, tuple[Server, str, dict[str, Any], dict[str, str], Path | None]] = {
            "floor": (floor, "/view", proxy_body, {}, None),
            "passthrough": (proxy, "/view", proxy_body, {}, None),
            "gateway": (gw1, "/v1/views", body, headers, data1 / "tvaers.db"),
        }
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in targets}
        order = list(targets)
        for round_ in range(plan.rounds):
            for name in order[round_ % 3 :] + order[: round_ % 3]:
                server, path, payload, hdrs, db = targets[name]
                runs[name].append(measure(server, path, payload, hdrs, sims, plan, audit_db=db))
        figures = {name: summarise(r, targets[name][0].name, sims) for name, r in runs.items()}
        results["one_worker"] = figures
        floor_cpu = figures["floor"]["cpu_ms_per_view"]
        results["floor_ratio"] = (
            round(figures["gateway"]["cpu_ms_per_view"] / floor_cpu, 2) if floor_cpu else None
        )
        results["floor_ratio_per_round"] = [
            round(g["cpu_ms_per_view"]["gateway"] / f["cpu_ms_per_view"]["floor"], 2)
            for g, f in zip(runs["gateway"], runs["floor"], strict=True)
            if f["cpu_ms_per_view"]["floor"]
        ]

        progress(f"floor ratio {results['floor_ratio']}; measuring fan-out")
        # Fan-out with slow departments: the view against the slowest connector alone.
        latencies = dict(plan.fanout_latencies_ms)
        set_latency(sims, latencies)
        alone: dict[str, float] = {}
        for name in latencies:
            settle([proxy, *sims.values()])
            only = {"cpr": body["cpr"], "categories": {name: granted[name]}}
            alone[name] = _run(
                proxy, "/view", only, {}, concurrency=1, seconds=plan.fanout_s, plan=plan
            )["p50_ms"]
        settle([gw1, *sims.values()])
        view = _run(
            gw1, "/v1/views", body, headers, concurrency=1, seconds=plan.fanout_s, plan=plan
        )
        slowest = max(alone.values())
        results["fanout"] = {
            "simulator_latency_ms": latencies,
            "connector_alone_p50_ms": alone,
            "slowest_connector_p50_ms": slowest,
            "view_p50_ms": view["p50_ms"],
            "view_minus_slowest_ms": round(view["p50_ms"] - slowest, 3),
            "loadavg": loadavg(),
        }
        set_latency(sims, {})
        results["gateway_peak_rss_kib"] = gw1.rss_kib()["VmHWM"]
        results["passthrough_peak_rss_kib"] = proxy.rss_kib()["VmHWM"]
        gw1.stop()
        proxy.stop()

        save(results)
        progress("measuring 2 workers")
        # Two workers, a fresh data directory (and database), the same view. A failure here
        # (e.g. a worker that never becomes healthy) is retried once on a fresh directory,
        # then reported as this part's error; the one-worker figures above stand.
        for attempt in (1, 2):
            try:
                # The first try reuses the one-worker gateway's (stopped) data directory: its
                # database is migrated and its keys exist, so the workers start sooner.
                data2 = data1 if attempt == 1 else Path(tmp) / "gw2"
                if attempt == 1 and early is not None:
                    data2, started = early
                else:
                    started = None
                results["two_workers"] = two_workers(
                    data2, sims, floor, proxy_body, plan, log_dir, servers, started=started
                )
                break
            except Exception as exc:
                results["two_workers"] = {
                    "error": f"attempt {attempt}: {type(exc).__name__}: {exc}"
                }
                print(f"[bench] two workers failed (attempt {attempt}): {exc}", flush=True)
    results["loadavg_at_end"] = loadavg()
    return results


def two_workers(
    data2: Path,
    sims: dict[str, Server],
    floor: Server,
    proxy_body: dict[str, Any],
    plan: ViewsPlan,
    log_dir: Path,
    servers: list[Server],
    *,
    started: Server | None = None,
) -> dict[str, Any]:
    gw2 = started or spawn_serve(
        "gateway2", workers=2, env=gateway_env(data2, sims), log_dir=log_dir
    )
    if started is None:
        servers.append(gw2)
    try:
        wait_healthy(gw2, timeout_s=120)
        progress("2 workers started")
        headers2, body2, _ = prepare_gateway(gw2)
        two: list[dict[str, Any]] = []
        one_more: list[dict[str, Any]] = []
        for _ in range(max(1, plan.rounds - 1)):
            two.append(
                measure(gw2, "/v1/views", body2, headers2, sims, plan, audit_db=data2 / "tvaers.db")
            )
            one_more.append(measure(floor, "/view", proxy_body, {}, sims, plan))
        return {
            "gateway": summarise(two, "gateway2", sims),
            "floor": summarise(one_more, "floor", sims),
        }
    finally:
        gw2.stop()
