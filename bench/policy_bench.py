"""Policy decision latency: embedded regorus and real OPA in-process.

A realistic shared view: a jobcenter caseworker asks for the seven categories
of the ``tvaerfagligt_team`` purpose, with 1, 10, 100 and 1,000 of the
citizen's consents in the input (each covers the four health and social
categories, so every category is granted: three from the caseworker's own
department, four on consent). The same with two categories withheld (consents
cover two of the four; every fifth is a wider one, withdrawn), so that the
denial rules run. Reported per engine and consent count: median and p99 in
milliseconds of

- ``regorus``: ``RegorusEngine.evaluate`` (input to JSON, evaluation, answer
  parsed and validated into a ``Decision``), what a view request pays;
- ``regorus_withheld``: the same with two categories withheld;
- ``regorus_eval``: ``RegorusEngine.evaluate_raw`` (no validation);
- ``opa_inprocess``: the same document on OPA's Go library
  (``opa-golib-python-bindings``), if installed.

Run: ``python bench/policy_bench.py [--quick]``; writes
``bench/results/policy.json``. Targets (issues 8, 16): regorus p50 <= 0.2 ms, also
at 10 consents with two categories withheld.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a plain script from anywhere
    sys.path.insert(0, str(REPO))

from gateway.policy import (  # noqa: E402
    ConsentFacts,
    RegorusEngine,
    build_policy_input,
    load_policy_data,
    policy_modules,
)

POLICIES_DIR = REPO / "policies"
RESULTS = REPO / "bench" / "results" / "policy.json"
PURPOSE = "tvaerfagligt_team"
CONSENT_COUNTS = (1, 10, 100)
#: The growth table (issue 16): 1 to 1,000 consents, all granted and with two withheld.
GROWTH_COUNTS = (1, 10, 100, 1000)
TARGET_P50_MS = 0.2
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


ALL_CONSENTED = ("health.contact", "health.wellbeing", "social.contact", "social.services")
#: The denial case: consents cover two of the four consent-based categories, so two are withheld.
PARTLY_CONSENTED = ("health.contact", "social.contact")


def view_input(consents: int, *, withheld: bool = False) -> dict[str, Any]:
    """The policy input of a seven-category team view with ``consents`` consents.

    With ``withheld``, every consent covers only two of the four consent-based categories and
    every fifth one is an earlier, wider consent now withdrawn: two categories are refused, so
    the denial rules run against every consent (the case whose cost grew with unmet categories
    x consents).
    """
    facts = [
        ConsentFacts(
            consent_id=f"c-{number:04d}",
            purpose=PURPOSE,
            status="withdrawn" if withheld and number % 5 == 4 else "active",
            categories=PARTLY_CONSENTED if withheld and number % 5 != 4 else ALL_CONSENTED,
            source_departments=("health", "social"),
            recipient_departments=("jobcenter",),
            valid_from=NOW - timedelta(days=30),
            valid_until=NOW + timedelta(days=30 + number),
        )
        for number in range(consents)
    ]
    catalogue = load_policy_data(POLICIES_DIR)["catalogue"]
    return build_policy_input(
        subject_user_id="bench-user",
        subject_department="jobcenter",
        subject_roles=["caseworker"],
        purpose=PURPOSE,
        citizen_pseudonym="hmac:k1:bench",
        categories=list(catalogue["purposes"][PURPOSE]["categories"]),
        consents=facts,
        now=NOW,
    )


def measure(call: Callable[[], object], *, seconds: float, max_runs: int) -> dict[str, float]:
    """Median and p99 (ms) of ``call``, after a short warm-up, bounded in time."""
    for _ in range(min(20, max_runs)):  # a smoke run (max_runs of a few) stays short
        call()
    samples: list[float] = []
    deadline = time.perf_counter() + seconds
    while len(samples) < max_runs and (len(samples) < 50 or time.perf_counter() < deadline):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {
        "p50_ms": round(statistics.median(samples), 4),
        "p99_ms": round(samples[min(len(samples) - 1, int(len(samples) * 0.99))], 4),
        "runs": len(samples),
    }


def opa_engine() -> Any | None:
    try:
        from opa_bindings import OpaEngine
    except ImportError:
        return None
    engine = OpaEngine()
    for module in policy_modules(POLICIES_DIR):
        engine.add_policy(module.relative_to(POLICIES_DIR).as_posix(), module.read_text("utf-8"))
    engine.add_data(load_policy_data(POLICIES_DIR))
    return engine


def run(*, seconds: float, max_runs: int) -> dict[str, Any]:
    regorus = RegorusEngine(POLICIES_DIR)
    opa = opa_engine()
    results: dict[str, dict[str, Any]] = {
        "regorus": {},
        "regorus_withheld": {},
        "regorus_eval": {},
        "opa_inprocess": {},
    }
    for consents in GROWTH_COUNTS:
        key = str(consents)
        for withheld in (False, True):
            policy_input = view_input(consents, withheld=withheld)
            decision = regorus.evaluate(policy_input)
            if withheld:
                assert len(decision.denials) == 2, "the denial case withholds two categories"
                engine = "regorus_withheld"
            else:
                assert len(decision.grants) == 7, "the bench view must grant all seven categories"
                engine = "regorus"
            figures = measure(
                lambda x=policy_input: regorus.evaluate(x), seconds=seconds, max_runs=max_runs
            )
            figures["denial_codes"] = sorted({d.code for d in decision.denials})
            results[engine][key] = figures
        if consents not in CONSENT_COUNTS:
            continue
        policy_input = view_input(consents)
        calls: dict[str, Callable[[], object]] = {
            "regorus_eval": lambda x=policy_input: regorus.evaluate_raw(x),
        }
        if opa is not None:
            calls["opa_inprocess"] = lambda x=policy_input: opa.eval_document("tvaers.decision", x)
        for engine, call in calls.items():
            results[engine][key] = measure(call, seconds=seconds, max_runs=max_runs)
    if opa is not None:
        opa.close()
    else:
        results["opa_inprocess"] = {"skipped": "opa-golib-python-bindings not installed"}
    p50 = results["regorus"]["1"]["p50_ms"]
    p50_denials = results["regorus_withheld"]["10"]["p50_ms"]
    return {
        "benchmark": "policy",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "view": {"purpose": PURPOSE, "categories": 7, "consents": list(GROWTH_COUNTS)},
        "results": results,
        "target": {
            "metric": "regorus p50, 1 consent",
            "p50_ms_max": TARGET_P50_MS,
            "measured_p50_ms": p50,
            "met": p50 <= TARGET_P50_MS,
        },
        "target_denials": {
            "metric": "regorus p50, 10 consents, two categories withheld",
            "p50_ms_max": TARGET_P50_MS,
            "measured_p50_ms": p50_denials,
            "met": p50_denials <= TARGET_P50_MS,
        },
    }


def main(argv: list[str] | None = None) -> int:
    """Measure, write ``bench/results/policy.json`` and print a summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few hundred runs (smoke test)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    report = run(seconds=0.3 if args.quick else 3.0, max_runs=300 if args.quick else 20000)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    for engine, by_count in report["results"].items():
        for consents, figures in by_count.items():
            if isinstance(figures, dict):
                print(
                    f"{engine:14s} {consents:>3s} consents  "
                    f"p50 {figures['p50_ms']:.3f} ms  p99 {figures['p99_ms']:.3f} ms"
                )
    print(f"target regorus p50 <= {TARGET_P50_MS} ms: {report['target']['met']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
