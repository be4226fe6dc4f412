"""A section that fails is reported as failed in ``bench/README.md``, never dropped."""

from __future__ import annotations

from pathlib import Path

from bench.report import write_readme
from bench.run import SECTIONS, failed_entry, notes_for

MACHINE = {"cpu": "test", "nproc": "2", "loadavg_at_end": "0 0 0", "total_s": 1.0}


def test_failed_sections_show_in_the_goals_and_growth_tables(tmp_path: Path) -> None:
    by_name = {s.name: s for s in SECTIONS}
    views = failed_entry(by_name["views"], ["attempt 1: timed out", "attempt 2: status 1"], 3.0)
    scale = failed_entry(by_name["postgres"], ["attempt 1: exited with status 1"], 2.0)
    results = {
        "machine": MACHINE,
        "views": views,
        "scale": scale,
        "sections": {"views": views, "postgres": scale},
    }
    readme = tmp_path / "README.md"
    write_readme(readme, results, command="make bench", notes=notes_for(results))
    text = readme.read_text(encoding="utf-8")
    for goal in (
        "Gateway CPU per view vs the floor app",
        "Audited views/s, 1 worker",
        "Audited views/s, 2 workers",
        "Fan-out: view p50 minus slowest connector alone",
    ):
        row = next(line for line in text.splitlines() if line.startswith(f"| {goal}"))
        assert "**failed**" in row and "attempt 2: status 1" in row
    assert "### Growth with audit entries\n\n**Failed**" in text
    assert "**Sections that failed**" in text and "views, postgres" in text


def test_a_failed_two_worker_part_is_reported_beside_the_one_worker_figures(
    tmp_path: Path,
) -> None:
    run = {"loadavg": "1 1 1", "cpu_ms_per_view": {}}
    block = {
        "runs": [run],
        "cpu_ms_per_view": 10.0,
        "simulators_cpu_ms_per_view": 5.0,
        "successes_per_s": 50.0,
        "p50_ms": 20.0,
        "p99_ms": 40.0,
        "degraded": 0,
        "errors": 0,
        "cpu_bound_views_per_s": 200.0,
    }
    views = {
        "plan": {"concurrency": 16},
        "cores": 2,
        "one_worker": {"gateway": block, "floor": block, "passthrough": block},
        "floor_ratio": 1.0,
        "two_workers": {"error": "attempt 2: RuntimeError: gateway2 did not answer /healthz"},
    }
    readme = tmp_path / "README.md"
    write_readme(readme, {"machine": MACHINE, "views": views}, command="make bench", notes=[])
    text = readme.read_text(encoding="utf-8")
    one = next(line for line in text.splitlines() if "Audited views/s, 1 worker" in line)
    two = next(line for line in text.splitlines() if "Audited views/s, 2 workers" in line)
    assert "| 200.0 |" in one
    assert "**failed**" in two and "did not answer /healthz" in two


def test_a_views_section_stopped_before_two_workers_says_so(tmp_path: Path) -> None:
    views = {"plan": {"concurrency": 16}, "cores": 2, "partial": "the section stopped early"}
    readme = tmp_path / "README.md"
    write_readme(readme, {"machine": MACHINE, "views": views}, command="make bench", notes=[])
    text = readme.read_text(encoding="utf-8")
    for label in ("1 worker", "2 workers"):
        row = next(line for line in text.splitlines() if f"Audited views/s, {label}" in line)
        assert "**failed**" in row and "stopped early" in row


def test_a_stopped_section_takes_the_servers_it_started_with_it(tmp_path: Path) -> None:
    """A section is stopped as a process group: the servers it started stop too."""
    import subprocess
    import sys
    import time

    from bench.run import stop_group

    pid_file = tmp_path / "grandchild.pid"
    script = (
        "import subprocess, sys, time; "
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)']); "
        f"open({str(pid_file)!r}, 'w').write(str(p.pid)); time.sleep(600)"
    )
    child = subprocess.Popen([sys.executable, "-c", script], start_new_session=True)
    deadline = time.monotonic() + 30
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    grandchild = int(pid_file.read_text())
    stop_group(child)
    assert child.poll() is not None
    deadline = time.monotonic() + 10
    while Path(f"/proc/{grandchild}").exists():
        status = Path(f"/proc/{grandchild}/status").read_text()
        if "State:\tZ" in status:  # gone, waiting for its (dead) parent's reaper
            break
        assert time.monotonic() < deadline, "the grandchild survived"
        time.sleep(0.05)
