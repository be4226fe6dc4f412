"""The benchmark harness runs end to end and produces numbers (``make bench-smoke``).

No timing is asserted: speed goals live in ``bench/README.md``, measured by ``make bench``.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


@pytest.mark.slow
def test_bench_smoke_runs_and_writes_figures(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.run",
            "--smoke",
            "--results",
            str(tmp_path),
            "--readme",
            str(readme),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=400,  # its sections run side by side, each bounded; the run stops by 240 s
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]

    policy = json.loads((tmp_path / "policy.json").read_text())
    assert all(is_number(policy["results"]["regorus"][n]["p50_ms"]) for n in ("1", "10", "100"))

    writer = json.loads((tmp_path / "audit_writer.json").read_text())
    for backend in ("sqlite", "postgresql"):
        assert writer[backend]["concurrent"]["entries"] > 0

    scale = json.loads((tmp_path / "scale.json").read_text())
    assert scale["data"]["entries_generated"] > 0
    assert all(is_number(q["p95_ms"]) for q in scale["queries"].values())

    text = readme.read_text(encoding="utf-8")
    assert "| figure | measured | target | met |" in text
    assert "nproc: " in text
    assert "Policy decision, regorus, 1 consents" in text

    # Issue 16: the floor, 1 and 2 workers, audited outcomes, growth tables.
    views = json.loads((tmp_path / "views.json").read_text())
    assert is_number(views["floor_ratio"]) and views["floor_ratio"] > 0
    for block in (views["one_worker"], views["two_workers"]):
        gateway = block["gateway"]
        # Counted from the audit log: views fully granted, degraded ones apart.
        assert gateway["successes_per_s"] > 0
        assert isinstance(gateway["degraded"], int) and gateway["degraded"] >= 0
        assert is_number(gateway["cpu_ms_per_view"]) and gateway["cpu_ms_per_view"] > 0
        assert is_number(gateway["simulators_cpu_ms_per_view"])
    assert views["one_worker"]["floor"]["successes_per_s"] > 0
    # The pass-through proxy is a fair baseline: its requests succeed (same outbound client).
    proxy = views["one_worker"]["passthrough"]
    assert proxy["successes_per_s"] > 0 and proxy["errors"] == 0
    assert views["gateway_peak_rss_kib"] >= views["gateway_idle_rss_kib"] > 0
    # Every section ran once, in its own bounded child process, and none failed.
    sections = json.loads((tmp_path / "sections.json").read_text())
    assert sorted(sections) == ["audit", "policy", "postgres", "views"]
    assert not any(s["failed"] for s in sections.values()), sections
    assert is_number(views["fanout"]["view_minus_slowest_ms"])
    withheld = policy["results"]["regorus_withheld"]
    assert all(is_number(withheld[n]["p50_ms"]) for n in ("1", "10", "100", "1000"))
    assert [len(s["queries"]) > 0 for s in scale["stages"]] == [True] * len(scale["stages"])
    assert "## Issue 16 goals" in text
    assert "Gateway CPU per view vs the floor app" in text
    assert "Audited views/s, 2 workers" in text
    assert "### Growth with consents" in text
    assert "### Growth with audit entries" in text
