"""One full verification in a fresh process, as ``tvaers audit verify full --jobs N`` runs it.

``python -m bench.verify_run EXPORT_DIR JOBS`` prints one JSON line: wall seconds, entries,
and CPU seconds of this process and of its worker processes. A fresh process has no other
threads, so ``verify_export`` forks its workers (a process with threads would have to spawn
them, and each spawned worker would re-import the caller's main module first).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

from gateway.audit.proofs.verify import verify_export


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    export, jobs = Path(sys.argv[1]), int(sys.argv[2])
    own, children = _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = verify_export(export, jobs=jobs)
    elapsed = time.perf_counter() - started
    if not result.ok:
        raise SystemExit(f"verification failed: {result.failure}")
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "entries": result.entries,
                "main_process_cpu_seconds": _cpu(resource.RUSAGE_SELF) - own,
                "workers_cpu_seconds": _cpu(resource.RUSAGE_CHILDREN) - children,
            }
        )
    )


if __name__ == "__main__":
    main()
