"""Servers under test, each a uvicorn subprocess on 127.0.0.1 with a free port.

Every process is started by the harness, waited for on ``/healthz``, and stopped by its own
pid when the harness is done with it; nothing listens beyond the loopback address.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def process_tree(pid: int) -> list[int]:
    """``pid`` and its live descendants (from ``/proc/<pid>/task/*/children``)."""
    found = [pid]
    for current in found:
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{current}/task").iterdir():
                with contextlib.suppress(OSError):
                    found.extend(int(c) for c in (task / "children").read_text().split())
    return found


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return 0.0
    after = fields.rsplit(")", 1)[1].split()
    return (int(after[11]) + int(after[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Server:
    """A running uvicorn process."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def rss_kib(self) -> dict[str, int]:
        """Current and peak resident set size (``VmRSS``/``VmHWM``) from /proc, in KiB."""
        found: dict[str, int] = {}
        status = Path(f"/proc/{self.process.pid}/status").read_text(encoding="ascii")
        for line in status.splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(value.split()[0])
        return found

    def cpu_seconds(self) -> float:
        """User + system CPU time the process and its live descendants (e.g. the workers of
        ``tvaers serve --workers N``) have used so far."""
        return sum(process_cpu_seconds(pid) for pid in process_tree(self.process.pid))

    def pids(self) -> list[int]:
        return process_tree(self.process.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def spawn(
    name: str,
    app: str,
    *,
    env: Mapping[str, str] | None = None,
    log_dir: Path,
    health_path: str = "/healthz",
    port: int | None = None,
) -> Server:
    """Start ``uvicorn --factory <app>``; ``wait_healthy`` waits for it to answer."""
    port = port or free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        app,
        "--host",
        HOST,
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    return spawn_command(
        name, command, env=env, log_dir=log_dir, health_path=health_path, port=port
    )


def spawn_serve(
    name: str, *, workers: int, env: Mapping[str, str] | None = None, log_dir: Path
) -> Server:
    """Start ``tvaers serve --workers N`` (the gateway as operators run it)."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gateway.cli",
        "serve",
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    return spawn_command(name, command, env=env, log_dir=log_dir, port=port)


def spawn_command(
    name: str,
    command: list[str],
    *,
    env: Mapping[str, str] | None = None,
    log_dir: Path,
    port: int,
    health_path: str = "/healthz",
) -> Server:
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = Server(name=name, port=port, process=process, log_path=log_path)
    server.extra["health_path"] = health_path
    return server


def wait_healthy(server: Server, *, timeout_s: float = 120.0) -> Server:
    """Wait until the server's health path answers 200; stop it and raise if it never does."""
    name, process, log_path = server.name, server.process, server.log_path
    health_path = server.extra.get("health_path", "/healthz")
    deadline = time.monotonic() + timeout_s
    # One client for the whole wait: each new client builds an SSL context (~10 ms of CPU), and
    # this loop polls ten times a second while a server starts.
    with httpx.Client(timeout=1.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited at start-up:\n{log_path.read_text()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if client.get(server.url + health_path).status_code == 200:
                    return server
            time.sleep(0.1)
    server.stop()
    raise RuntimeError(
        f"{name} did not answer {health_path} with 200 within {timeout_s:.0f} s "
        f"(load average {' '.join(Path('/proc/loadavg').read_text().split()[:3])}); "
        f"its log ends:\n{log_path.read_text(errors='replace')[-1500:]}"
    )


@contextlib.contextmanager
def running(servers: list[Server]) -> Iterator[list[Server]]:
    """Stop every server in ``servers`` (also ones appended inside the block) on exit."""
    try:
        yield servers
    finally:
        for server in reversed(servers):
            server.stop()


def start(name: str, app: str, *, env: Mapping[str, str] | None = None, log_dir: Path) -> Server:
    """Spawn one server and wait for it."""
    return wait_healthy(spawn(name, app, env=env, log_dir=log_dir))
