"""Run a whole gateway as a process for the crash tests: uvicorn on 127.0.0.1, SQLite in a
given directory, the three department simulators in-process (no ports of their own).

    python -m tests.reliability.launcher --data-dir DIR --port PORT

The process is meant to be killed (SIGKILL) and started again on the same directory.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import httpx
import uvicorn

from connectors.simulators import SIMULATORS
from gateway.app import Overrides, create_app
from gateway.audit.log import sequencer as sequencer_module
from tests.harness import SIM_URLS, RoutingTransport, test_settings

LEASE_S = 2.0


class ShortLease(sequencer_module.SqliteLease):
    """The sequencer lease, 2 s instead of 10 s: a killed holder's lease runs out sooner, so
    the restarted process takes over within the test's patience."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs["lease_s"] = LEASE_S
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()

    sequencer_module.SqliteLease = ShortLease  # type: ignore[misc]
    simulators = {httpx.URL(SIM_URLS[name]).host: factory() for name, factory in SIMULATORS.items()}
    app = create_app(
        test_settings(
            args.data_dir,
            view_limit_per_user=1_000_000,
            view_limit_per_citizen=1_000_000,
        ),
        overrides=Overrides(http_client=httpx.AsyncClient(transport=RoutingTransport(simulators))),
    )
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
