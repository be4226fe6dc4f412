"""The benchmark harness: ``python -m bench.run [--smoke]``.

Runs every measurement, writes ``bench/results/<name>.json`` and rewrites ``bench/README.md``.
``--smoke`` uses tiny counts and durations (for ``make test``): it proves the harness works
and produces numbers, not that they are good.

Each section (views, http, policy, audit, postgres) runs in a child process of its own
(``python -m bench.run --section NAME``, its own process group) with a time limit: a section
that hangs is stopped (its process group, with every server it started), a section that fails
is run once more if the run's time allows, and a section that fails twice is written to the
results and the README as failed — never dropped. The whole run is bounded by ``--budget``
(20 minutes for ``make bench``); progress is printed per section.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
AUDIT_SCRIPT = BENCH / "audit_bench.py"
RUN_BUDGET_S = 19 * 60  # make bench must finish in 20 minutes; the scale data fills the rest


@dataclass(frozen=True)
class Section:
    """One part of the run: its result keys and time limits (full run, smoke)."""

    name: str
    title: str
    keys: tuple[str, ...]
    limit_s: float
    smoke_limit_s: float
    reserve_s: float  # time kept for it while the sections before it run (full run)


# In run order. The scale section (postgres) comes last and takes whatever time is left.
SECTIONS = (
    Section("views", "views (floor, proxy, 1 and 2 workers, fan-out)", ("views",), 360, 180, 150),
    Section(
        "policy", "policy (granted and withheld, 1 to 1,000 consents)", ("policy",), 90, 60, 45
    ),
    Section(
        "audit",
        "audit log (appends, sequencer, verification)",
        ("audit", "audit_writer"),
        300,
        90,
        90,
    ),
    Section(
        "postgres",
        "PostgreSQL (appends, growth to 10M entries)",
        ("scale", "audit_writer"),
        600,
        150,
        360,
    ),
)
BY_NAME = {s.name: s for s in SECTIONS}


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def audit_script(*, smoke: bool, results_dir: Path, timeout_s: float) -> dict[str, Any]:
    """Run ``bench/audit_bench.py`` (sequencer, checkpoints, verification, proofs).

    Contract: it honours ``BENCH_SMOKE=1`` (tiny counts) and writes ``results/audit.json``.
    """
    written = results_dir / "audit.json"
    env = {
        **os.environ,
        "BENCH_SMOKE": "1" if smoke else "0",
        "PYTHONPATH": str(REPO),
        "BENCH_AUDIT_RESULTS": str(written),
    }
    written.unlink(missing_ok=True)
    subprocess.run(
        [sys.executable, str(AUDIT_SCRIPT)],
        cwd=REPO,
        env=env,
        timeout=timeout_s,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    found: dict[str, Any] = json.loads(written.read_text(encoding="utf-8"))
    return found


def insert_budget(deadline: float, *, stages_left: int = 1) -> float:
    """Seconds left for inserting audit rows: rebuilding the indexes (and ANALYZE) takes
    about the insert time again, and the queries and the view about a minute per stage."""
    return max(20.0, (deadline - time.monotonic() - 60.0 * stages_left) / 2.2)


def postgres_results(
    *, smoke: bool, deadline: float, save: Callable[[dict[str, Any]], None] = lambda _: None
) -> dict[str, Any]:
    """PostgreSQL appends and the scale queries, on one embedded server."""
    from bench import scale
    from bench.audit_writer_bench import url_appends
    from bench.http_bench import scale_view
    from bench.pg import postgres
    from tests.db.postgres import run_isolated

    with postgres() as server:
        url = server.url(run_isolated(server.create_database))
        seconds = 0.5 if smoke else 5.0
        appends = asyncio.run(url_appends(url, seconds=seconds, max_calls=100_000, writers=16))
        log("  PostgreSQL appends done; generating the audit log")
        # Growth with log size (issue 16): the same database grows through 10k, 1M and 10M
        # audit entries; at each size the view and the queries are timed again.
        database = run_isolated(server.create_database)
        url = server.url(database)
        stages = (200, 1_000) if smoke else (10_000, 1_000_000, 10_000_000)
        consents = 400 if smoke else 1_000_000
        found: dict[str, Any] = {"stages": []}
        done = 0
        for number, size in enumerate(stages):
            last = number == len(stages) - 1
            data = scale.generate(
                server,
                database,
                consents=consents,
                entries=size,
                budget_s=20 if smoke else insert_budget(deadline, stages_left=len(stages) - number),
                chunk=1_000 if smoke else 500_000,
                start=done,
                final=stages[-1],
            )
            done = data["entries_generated"]
            stage: dict[str, Any] = {"entries_target": size, "data": data}
            # Other work on the machine slows the queries too: its load is kept beside them.
            stage["loadavg"] = " ".join(Path("/proc/loadavg").read_text().split()[:3])
            stage["queries"] = scale.queries(
                url, citizens=data["citizens"], samples=(5 if smoke else 200) if last else 20
            )
            # A failure here is reported in the table; the next size still runs.
            for attempt in range(2):
                try:
                    stage["queries"]["view_http"] = scale_view(url, seconds=0.5 if smoke else 5.0)
                    break
                except Exception as exc:
                    stage["queries"]["view_http"] = {"error": f"{type(exc).__name__}: {exc}"}
                    log(f"  view at {done:,} entries failed (attempt {attempt + 1}): {exc}")
            found["stages"].append(stage)
            # What is measured so far survives if the section is stopped in the next stage.
            found["data"], found["queries"] = stage["data"], stage["queries"]
            save({"scale": found, "audit_writer": {"postgresql": appends}})
            log(f"  {done:,} audit entries: {json.dumps(stage['queries'])[:300]}")
            if done < size:  # the time budget ran out: the larger sizes are not reached
                break
        found["data"] = found["stages"][-1]["data"]
        found["queries"] = found["stages"][-1]["queries"]
    return {"scale": found, "audit_writer": {"postgresql": appends}}


def section_results(
    name: str,
    *,
    smoke: bool,
    results_dir: Path,
    deadline: float,
    save: Callable[[dict[str, Any]], None] = lambda _: None,
) -> dict[str, Any]:
    """Run one section in this process; returns its results by key. ``save`` keeps partial
    results of a long section (they are reported if it is stopped before the end)."""
    log_dir = Path(tempfile.mkdtemp(prefix=f"tvaers-bench-{name}-"))
    found = _section_results(
        name, smoke=smoke, results_dir=results_dir, deadline=deadline, save=save, log_dir=log_dir
    )
    shutil.rmtree(log_dir, ignore_errors=True)  # kept only when the section fails
    return found


def _section_results(
    name: str,
    *,
    smoke: bool,
    results_dir: Path,
    deadline: float,
    save: Callable[[dict[str, Any]], None],
    log_dir: Path,
) -> dict[str, Any]:
    use_wrk = not smoke and shutil.which("wrk") is not None
    if smoke:
        from bench import http_bench

        http_bench.SETTLE_POLL_S = 0.1
    if name == "views":
        from bench.views_bench import ViewsPlan, run_views

        views_plan = (
            ViewsPlan(
                concurrency=4,
                warmup_s=0.2,
                measure_s=0.5,
                rounds=1,
                fanout_s=0.3,
                max_requests=500,
                use_wrk=False,
                start_two_workers_early=True,
            )
            if smoke
            else ViewsPlan(use_wrk=use_wrk)
        )
        generator = "wrk" if views_plan.use_wrk else "python-httpx"

        def save_views(found: dict[str, Any]) -> None:
            save({"views": {**found, "generator": generator}})

        views = run_views(views_plan, log_dir=log_dir, save=save_views)
        views["generator"] = generator
        return {"views": views}
    if name == "policy":
        from bench import policy_bench

        return {
            "policy": policy_bench.run(
                seconds=0.05 if smoke else 3.0, max_runs=3 if smoke else 20_000
            )
        }
    if name == "audit":
        from bench.audit_writer_bench import sqlite_appends

        with tempfile.TemporaryDirectory() as tmp:
            sqlite = asyncio.run(
                sqlite_appends(
                    str(Path(tmp) / "a.db"),
                    seconds=0.5 if smoke else 5.0,
                    max_calls=100_000,
                    writers=16,
                )
            )
        timeout_s = max(30.0, deadline - time.monotonic() - 5)
        audit = audit_script(smoke=smoke, results_dir=results_dir, timeout_s=timeout_s)
        return {"audit": audit, "audit_writer": {"sqlite": sqlite}}
    if name == "postgres":
        return postgres_results(smoke=smoke, deadline=deadline, save=save)
    raise ValueError(f"unknown section {name}")


def section_main(args: argparse.Namespace) -> int:
    """``--section NAME``: run it here and write ``<results>/.section-NAME.json``."""
    out = args.results / f".section-{args.section}.json"
    partial = args.results / f".section-{args.section}.partial.json"
    out.unlink(missing_ok=True)
    partial.unlink(missing_ok=True)
    deadline = time.monotonic() + (args.deadline - time.time())

    def save(found: dict[str, Any]) -> None:
        partial.write_text(json.dumps(found, indent=2) + "\n", encoding="utf-8")

    try:
        found = section_results(
            args.section, smoke=args.smoke, results_dir=args.results, deadline=deadline, save=save
        )
    except BaseException:
        logs = sorted(Path(tempfile.gettempdir()).glob(f"tvaers-bench-{args.section}-*"))
        log(f"{args.section}: failed; the servers' logs are kept in {logs[-1] if logs else '?'}")
        raise
    out.write_text(json.dumps(found, indent=2) + "\n", encoding="utf-8")
    partial.unlink(missing_ok=True)
    return 0


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """Stop a section's child and every process it started (its own process group)."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=15)
    time.sleep(0.5)  # its servers stop on SIGTERM too
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def run_child(
    section: Section, *, smoke: bool, results_dir: Path, limit_s: float
) -> tuple[dict[str, Any] | None, str]:
    """One attempt at a section in a child process; (results, "") or (None, why)."""
    out = results_dir / f".section-{section.name}.json"
    out.unlink(missing_ok=True)
    deadline = time.time() + limit_s  # wall clock: the child's monotonic clock may differ
    command = [
        sys.executable,
        "-m",
        "bench.run",
        "--section",
        section.name,
        "--results",
        str(results_dir),
        "--deadline",
        str(deadline),
        *(["--smoke"] if smoke else []),
    ]
    process = subprocess.Popen(
        command,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        start_new_session=True,
    )
    try:
        code = process.wait(timeout=limit_s + 20)
    except subprocess.TimeoutExpired:
        stop_group(process)
        return None, f"timed out after {limit_s + 20:.0f} s (stopped)"
    finally:
        stop_group(process)
    if code != 0 or not out.exists():
        return None, f"exited with status {code}"
    return read_section(out), ""


def read_section(path: Path) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    path.unlink()
    return found


def partial_results(section: Section, results_dir: Path, error: str) -> dict[str, Any] | None:
    """What a stopped or failed section saved before it stopped, marked as partial."""
    path = results_dir / f".section-{section.name}.partial.json"
    if not path.exists():
        return None
    found = read_section(path)
    for value in found.values():
        if isinstance(value, dict):
            value["partial"] = f"the section stopped early ({error}); figures measured before"
    return found


def merge(results: dict[str, Any], found: dict[str, Any]) -> None:
    for key, value in found.items():
        if key == "audit_writer":  # filled by two sections (SQLite, PostgreSQL)
            results.setdefault(key, {}).update(value)
        else:
            results[key] = value


def failed_entry(section: Section, why: list[str], elapsed_s: float) -> dict[str, Any]:
    return {
        "failed": True,
        "section": section.name,
        "error": "; ".join(why),
        "attempts": len(why),
        "elapsed_s": round(elapsed_s, 1),
    }


def notes_for(results: dict[str, Any]) -> list[str]:
    """What a reader needs to weigh the figures."""
    load = results.get("machine", {}).get("loadavg_at_end", "?")
    notes = [
        f"Total run time {results.get('machine', {}).get('total_s')} s. Load average at the "
        f"end: {load} — other work on this machine competes for the same 2 cores and makes "
        "every figure worse; the side-by-side ratios are the most robust numbers.",
        "The simulators serve pages of 100 items in the benchmarks (their default of 2 exists "
        "to test paging); a view then makes 8 simulator calls: jobcenter 4 (lookup + 3 "
        "categories), social 2, health 2.",
        "The pass-through proxy and the gateway use the same outbound client "
        "(`gateway/http_client.py`: httpx over aiohttp); a proxy request that fails is a "
        "failed request, a gateway view with `unavailable` sections is degraded: neither "
        "counts as a success.",
        "Scale: rows are generated inside PostgreSQL (`INSERT … SELECT generate_series`, "
        "every index but the primary key dropped during the load and rebuilt after, "
        "`synchronous_commit=off` for the load only); the row counts actually generated are in "
        "the table. Generated entries count as already sequenced.",
        "`bench/policy_bench.py` (policy) and `bench/audit_bench.py` (audit log) are their "
        "owners' scripts; the harness runs them and folds in their JSON.",
    ]
    timing = results.get("sections", {})
    if timing:
        notes.append(
            "Sections (seconds, attempts): "
            + ", ".join(f"{k} {v['elapsed_s']} s ×{v['attempts']}" for k, v in timing.items())
        )
    retried = {k: v["earlier_failures"] for k, v in timing.items() if v.get("earlier_failures")}
    if retried:
        notes.append(
            "Sections that failed once and were run again (or kept what they had measured): "
            + "; ".join(f"{k}: {' / '.join(v)}" for k, v in retried.items())
        )
    failed = [k for k, v in timing.items() if v.get("failed")]
    if failed:
        notes.append(
            "**Sections that failed** (twice, or out of time; their error is in the tables "
            "above and in `bench/results/<name>.json`): " + ", ".join(failed)
        )
    return notes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny counts, for make test")
    parser.add_argument("--results", type=Path, default=BENCH / "results")
    parser.add_argument("--readme", type=Path, default=BENCH / "README.md")
    parser.add_argument(
        "--skip", action="append", default=[], help="skip a section: " + ", ".join(BY_NAME)
    )
    parser.add_argument(
        "--budget", type=float, default=None, help="seconds for the whole run (default 1140)"
    )
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="rewrite the README from the results already in --results",
    )
    parser.add_argument("--section", choices=list(BY_NAME), help=argparse.SUPPRESS)
    parser.add_argument("--deadline", type=float, default=0.0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    from bench.report import machine, write_readme

    results_dir: Path = args.results
    results_dir.mkdir(parents=True, exist_ok=True)
    if args.section:
        return section_main(args)
    if args.report_only:
        stored = {p.stem: json.loads(p.read_text("utf-8")) for p in results_dir.glob("*.json")}
        write_readme(args.readme, stored, command="make bench", notes=notes_for(stored))
        return 0
    smoke: bool = args.smoke
    budget = args.budget or (240.0 if smoke else RUN_BUDGET_S)
    started = time.monotonic()
    results: dict[str, Any] = {"sections": {}}
    todo = [s for s in SECTIONS if s.name not in args.skip]

    def limit_for(section: Section, attempt: int) -> tuple[float, str]:
        """This attempt's time limit, or 0 and why it cannot start."""
        spent = time.monotonic() - started
        if smoke:  # sections run side by side; each has its own small limit
            left = budget - spent
            limit = min(section.smoke_limit_s, left)
            return (limit, "") if limit >= 10 else (0.0, f"{max(0, left):.0f} s left in the run")
        # Time kept for the sections still to come, so one slow section cannot starve them.
        later = todo[todo.index(section) + 1 :]
        left = budget - spent - sum(s.reserve_s for s in later)
        limit = min(section.limit_s, left)
        if not later:  # the last section (the growth data) fills what is left
            limit = left
        return (limit, "") if limit >= 60 else (0.0, f"{max(0, left):.0f} s left in the run")

    def attempt_section(section: Section) -> tuple[dict[str, Any] | None, list[str], float]:
        began = time.monotonic()
        why: list[str] = []
        first_limit = 0.0
        for attempt in (1, 2):
            limit, cannot = limit_for(section, attempt)
            if not cannot and why and why[-1].endswith("(stopped)") and limit < first_limit:
                # It ran out of time once: a second try with less time would only repeat that.
                cannot = f"only {limit:.0f} s left for a section that needed over {first_limit:.0f}"
            if cannot:
                why.append(f"attempt {attempt}: not started, {cannot}")
                break
            first_limit = first_limit or limit
            log(f"{section.title}: attempt {attempt}, limit {limit:.0f} s …")
            found, error = run_child(section, smoke=smoke, results_dir=results_dir, limit_s=limit)
            if found is not None:
                log(f"{section.title}: done in {time.monotonic() - began:.0f} s")
                return found, why, time.monotonic() - began
            why.append(f"attempt {attempt}: {error}")
            log(f"{section.title}: FAILED ({error})")
            kept = partial_results(section, results_dir, error)
            if kept is not None:  # e.g. the growth table stopped at 1M: report what was done
                log(f"{section.title}: keeping the figures it measured before it stopped")
                return kept, why, time.monotonic() - began
        return None, why, time.monotonic() - began

    if smoke:  # no timing claims: every section at once, to keep make test short
        with ThreadPoolExecutor(max_workers=len(todo)) as pool:
            outcomes = list(pool.map(attempt_section, todo))
    else:
        outcomes = [attempt_section(section) for section in todo]
    for section, (found, why, elapsed) in zip(todo, outcomes, strict=True):
        if found is not None:
            merge(results, found)
            results["sections"][section.name] = {
                "elapsed_s": round(elapsed, 1),
                "attempts": len(why) + 1,
                "failed": False,
                "earlier_failures": why,
            }
        else:
            entry = failed_entry(section, why, elapsed)
            results["sections"][section.name] = entry
            for key in section.keys:
                if key == "audit_writer":
                    backend = "sqlite" if section.name == "audit" else "postgresql"
                    results.setdefault(key, {})[backend] = entry
                else:
                    results[key] = entry
            log(f"{section.title}: failed after {elapsed:.0f} s: {entry['error']}")
    results["machine"] = machine()
    results["total_s"] = round(time.monotonic() - started, 1)
    results["machine"]["total_s"] = results["total_s"]
    for name, value in results.items():
        if isinstance(value, dict) and name != "total_s":
            (results_dir / f"{name}.json").write_text(
                json.dumps(value, indent=2) + "\n", encoding="utf-8"
            )
    command = "make bench-smoke" if smoke else "make bench"
    write_readme(args.readme, results, command=command, notes=notes_for(results))
    failures = [k for k, v in results["sections"].items() if v.get("failed")]
    log(f"wrote {results_dir} and {args.readme} in {results['total_s']} s; failed: {failures}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
