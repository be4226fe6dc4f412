"""The benchmark harness: ``python -m bench.run [--smoke]``.

Runs every measurement, writes ``bench/results/<name>.json`` and rewrites ``bench/README.md``.
``--smoke`` uses tiny counts and durations (for ``make test``): it proves the harness works
and produces numbers, not that they are good. A section that fails is recorded with its
error and the run goes on, so one broken part does not hide the others' figures; the exit
status is non-zero if any section failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import policy_bench
from bench.audit_writer_bench import sqlite_appends, url_appends
from bench.http_bench import HttpPlan, run_http
from bench.report import machine, write_readme
from bench.views_bench import ViewsPlan, run_views

BENCH = Path(__file__).resolve().parent
AUDIT_SCRIPT = BENCH / "audit_bench.py"
RUN_BUDGET_S = 19 * 60  # make bench must finish in 20 minutes; the scale data fills the rest


def _section(name: str, failures: list[str], work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    started = time.monotonic()
    print(f"[bench] {name} …", flush=True)
    try:
        found = work()
    except Exception as exc:
        traceback.print_exc()
        failures.append(name)
        found = {"error": f"{type(exc).__name__}: {exc}"}
    found["elapsed_s"] = round(time.monotonic() - started, 1)
    print(f"[bench] {name} done in {found['elapsed_s']} s", flush=True)
    return found


def audit_script(*, smoke: bool, results_dir: Path, timeout_s: float) -> dict[str, Any]:
    """Run ``bench/audit_bench.py`` (sequencer, checkpoints, verification, proofs) if present.

    Contract: it honours ``BENCH_SMOKE=1`` (tiny counts) and writes ``results/audit.json``.
    """
    if not AUDIT_SCRIPT.exists():
        return {"status": "bench/audit_bench.py not present yet"}
    env = {**os.environ, "BENCH_SMOKE": "1" if smoke else "0", "PYTHONPATH": str(BENCH.parent)}
    written = BENCH / "results" / "audit.json"  # the script's own, fixed output path
    elsewhere = results_dir.resolve() != written.parent.resolve()
    # A run into another directory (the smoke test) must not replace the committed figures.
    kept = written.read_bytes() if elsewhere and written.exists() else None
    try:
        subprocess.run(
            [sys.executable, str(AUDIT_SCRIPT)],
            cwd=BENCH.parent,
            env=env,
            timeout=timeout_s,
            check=True,
        )
        found: dict[str, Any] = json.loads(written.read_text(encoding="utf-8"))
        if elsewhere:
            shutil.copyfile(written, results_dir / "audit.json")
    finally:
        if kept is not None:
            written.write_bytes(kept)
    return found


def postgres_sections(
    *, smoke: bool, failures: list[str], deadline: float
) -> tuple[dict[str, Any], dict[str, Any]]:
    """PostgreSQL appends and the scale queries, on one embedded server."""
    from bench import scale
    from bench.http_bench import scale_view
    from bench.pg import postgres
    from tests.db.postgres import run_isolated

    appends: dict[str, Any] = {}
    scaled: dict[str, Any] = {}
    with postgres() as server:

        def do_appends() -> dict[str, Any]:
            url = server.url(run_isolated(server.create_database))
            seconds = 1.0 if smoke else 5.0
            return asyncio.run(url_appends(url, seconds=seconds, max_calls=100_000, writers=16))

        appends = _section("audit appends (PostgreSQL)", failures, do_appends)

        def do_scale() -> dict[str, Any]:
            # Growth with log size (issue 16): the same database grows through 10k, 1M and 10M
            # audit entries; at each size the view and the queries are timed again.
            database = run_isolated(server.create_database)
            url = server.url(database)
            stages = (2_000, 10_000, 20_000) if smoke else (10_000, 1_000_000, 10_000_000)
            consents = 2_000 if smoke else 1_000_000
            found: dict[str, Any] = {"stages": []}
            done = 0
            for number, size in enumerate(stages):
                last = number == len(stages) - 1
                data = scale.generate(
                    server,
                    database,
                    consents=consents,
                    entries=size,
                    budget_s=20
                    if smoke
                    else insert_budget(deadline, stages_left=len(stages) - number),
                    chunk=10_000 if smoke else 250_000,
                    start=done,
                    final=stages[-1],
                )
                done = data["entries_generated"]
                stage: dict[str, Any] = {"entries_target": size, "data": data}
                stage["queries"] = scale.queries(
                    url, citizens=data["citizens"], samples=(20 if smoke else 200) if last else 20
                )
                try:
                    stage["queries"]["view_http"] = scale_view(url, seconds=1.0 if smoke else 6.0)
                except Exception as exc:  # reported in the table; the next size still runs
                    stage["queries"]["view_http"] = {"error": f"{type(exc).__name__}: {exc}"}
                found["stages"].append(stage)
                if done < size:  # the time budget ran out: the larger sizes are not reached
                    break
            found["data"] = found["stages"][-1]["data"]
            found["queries"] = found["stages"][-1]["queries"]
            return found

        scaled = _section("scale (PostgreSQL)", failures, do_scale)
    return appends, scaled


def notes_for(results: dict[str, Any]) -> list[str]:
    """What a reader needs to weigh the figures."""
    load = results.get("machine", {}).get("loadavg_at_end", "?")
    return [
        f"Total run time {results.get('machine', {}).get('total_s')} s. Load average at the "
        f"end: {load} — other work on this machine competes for the same 2 cores and makes "
        "every figure worse; the side-by-side ratios are the most robust numbers.",
        "The simulators serve pages of 100 items in the benchmarks (their default of 2 exists "
        "to test paging); a view then makes 8 simulator calls: jobcenter 4 (lookup + 3 "
        "categories), social 2, health 2.",
        "Under overload a connector that times out makes its sections `unavailable` but the "
        "view still answers 200, while the proxy answers 500: compare error counts too "
        "(`bench/results/http.json`).",
        "Scale: rows are generated inside PostgreSQL within a time budget; the row counts "
        "actually generated are in the table. Generated entries count as already sequenced.",
        "`bench/policy_bench.py` (policy) and `bench/audit_bench.py` (audit log) are their "
        "owners' scripts; the harness runs them and folds in their JSON.",
    ]


def insert_budget(deadline: float, *, stages_left: int = 1) -> float:
    """Seconds left for inserting audit rows: rebuilding the indexes takes about 60% of the
    insert time again, and the queries and the view need about a minute per stage after that."""
    return max(30.0, (deadline - time.monotonic() - 60.0 * stages_left) / 1.6)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny counts, for make test")
    parser.add_argument("--results", type=Path, default=BENCH / "results")
    parser.add_argument("--readme", type=Path, default=BENCH / "README.md")
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        help="skip a section: views, http, policy, audit, postgres",
    )
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="rewrite the README from the results already in --results",
    )
    args = parser.parse_args()
    smoke: bool = args.smoke
    results_dir: Path = args.results
    results_dir.mkdir(parents=True, exist_ok=True)
    if args.report_only:
        stored = {p.stem: json.loads(p.read_text("utf-8")) for p in results_dir.glob("*.json")}
        write_readme(args.readme, stored, command="make bench", notes=notes_for(stored))
        return 0
    log_dir = Path(tempfile.mkdtemp(prefix="tvaers-bench-logs-"))
    started = time.monotonic()
    failures: list[str] = []
    results: dict[str, Any] = {}
    use_wrk = not smoke and shutil.which("wrk") is not None

    if "views" not in args.skip:
        views_plan = (
            ViewsPlan(
                concurrency=4,
                warmup_s=0.2,
                measure_s=1.0,
                rounds=1,
                fanout_s=0.5,
                max_requests=2_000,
                use_wrk=False,
            )
            if smoke
            else ViewsPlan(use_wrk=use_wrk)
        )
        results["views"] = _section(
            "views (floor, 1 and 2 workers, fan-out)",
            failures,
            lambda: run_views(views_plan, log_dir=log_dir),
        )
        results["views"]["generator"] = "wrk" if views_plan.use_wrk else "python-httpx"
    if "http" not in args.skip:
        plan = (
            HttpPlan(
                latencies_ms=(0,),
                concurrencies=(1, 16),
                warmup_s=0.2,
                measure_s=0.8,
                fanout_s=0.5,
                max_requests=2_000,
                use_wrk=False,
            )
            if smoke
            else HttpPlan(latencies_ms=(0,), concurrencies=(1, 16), use_wrk=use_wrk)
        )
        results["http"] = _section("http", failures, lambda: run_http(plan, log_dir=log_dir))
        results["http"]["generator"] = "wrk" if plan.use_wrk else "python-httpx"
    if "policy" not in args.skip:
        # bench/policy_bench.py is the policy engineer's script; its report is policy.json.
        results["policy"] = _section(
            "policy",
            failures,
            lambda: policy_bench.run(
                seconds=0.3 if smoke else 3.0, max_runs=300 if smoke else 20_000
            ),
        )
    if "audit" not in args.skip:
        with tempfile.TemporaryDirectory() as tmp:
            seconds = 1.0 if smoke else 5.0
            sqlite = _section(
                "audit appends (SQLite)",
                failures,
                lambda: asyncio.run(
                    sqlite_appends(
                        str(Path(tmp) / "a.db"), seconds=seconds, max_calls=100_000, writers=16
                    )
                ),
            )
        results["audit_writer"] = {"sqlite": sqlite}
        results["audit"] = _section(
            "audit (bench/audit_bench.py)",
            failures,
            lambda: audit_script(
                smoke=smoke, results_dir=results_dir, timeout_s=120 if smoke else 420
            ),
        )
    if "postgres" not in args.skip:
        deadline = started + RUN_BUDGET_S
        appends, scaled = postgres_sections(smoke=smoke, failures=failures, deadline=deadline)
        results.setdefault("audit_writer", {})["postgresql"] = appends
        results["scale"] = scaled

    results["machine"] = machine()
    results["total_s"] = round(time.monotonic() - started, 1)
    results["machine"]["total_s"] = results["total_s"]
    for name, value in results.items():
        if name != "audit" and isinstance(value, dict):  # audit.json is the script's own
            (results_dir / f"{name}.json").write_text(
                json.dumps(value, indent=2) + "\n", encoding="utf-8"
            )
    command = "make bench-smoke" if smoke else "make bench"
    notes = notes_for(results)
    if failures:
        notes.append(
            "Sections that failed (see results JSON for the error): " + ", ".join(failures)
        )
    write_readme(args.readme, results, command=command, notes=notes)
    print(f"[bench] wrote {results_dir} and {args.readme} in {results['total_s']} s", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
