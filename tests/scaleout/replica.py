"""One gateway replica for the multi-replica test: ``tvaers serve``'s settings from the
environment (``TVAERS_*``), with the three department simulators in-process.

    python -m tests.scaleout.replica --port PORT

Meant to be SIGKILLed and started again. Logs (with the sequencer's leadership lines) go to
stderr.
"""

from __future__ import annotations

import argparse
import logging

import httpx
import uvicorn

from connectors.simulators import SIMULATORS
from gateway.app import Overrides, create_app
from gateway.config import Settings
from tests.harness import SIM_URLS, RoutingTransport


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(created).3f %(name)s %(message)s")
    settings = Settings(port=args.port)
    simulators = {httpx.URL(SIM_URLS[name]).host: factory() for name, factory in SIMULATORS.items()}
    app = create_app(
        settings,
        overrides=Overrides(http_client=httpx.AsyncClient(transport=RoutingTransport(simulators))),
    )
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
        log_config=None,
        # As `tvaers serve`: only the configured proxies may name the client.
        proxy_headers=bool(settings.forwarded_allow_ips),
        forwarded_allow_ips=settings.forwarded_allow_ips or None,
    )


if __name__ == "__main__":
    main()
