"""Run the gateway and the three simulators on free 127.0.0.1 ports for the browser tests.

``python -m tests.e2e.serve DATA_DIR`` prints one JSON line ``{"base_url": ...}`` when every
server answers, then serves until terminated.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
from pathlib import Path

import uvicorn

from connectors.simulators import SIMULATORS
from gateway.app import create_app
from gateway.config import Settings

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


async def serve(data_dir: Path) -> None:
    ports = {name: free_port() for name in SIMULATORS}
    urls = {
        "jobcenter": f"http://{HOST}:{ports['jobcenter']}",
        "social": f"http://{HOST}:{ports['social']}",
        "health": f"http://{HOST}:{ports['health']}/fhir",
    }
    port = free_port()
    settings = Settings(
        env="test",
        data_dir=data_dir,
        host=HOST,
        port=port,
        connectors={name: {"base_url": url, "timeout_s": 5.0} for name, url in urls.items()},
    )
    servers = [
        uvicorn.Server(uvicorn.Config(SIMULATORS[name](), host=HOST, port=p, log_level="warning"))
        for name, p in ports.items()
    ]
    servers.append(
        uvicorn.Server(
            uvicorn.Config(create_app(settings), host=HOST, port=port, log_level="warning")
        )
    )
    tasks = [asyncio.create_task(s.serve()) for s in servers]
    while not all(s.started for s in servers):
        if any(t.done() for t in tasks):
            raise SystemExit("a server failed to start")
        await asyncio.sleep(0.05)
    simulators = {name: f"http://{HOST}:{p}" for name, p in ports.items()}
    print(
        json.dumps({"base_url": settings.effective_public_url, "simulators": simulators}),
        flush=True,
    )
    await asyncio.gather(*tasks)


if __name__ == "__main__":
    asyncio.run(serve(Path(sys.argv[1])))
