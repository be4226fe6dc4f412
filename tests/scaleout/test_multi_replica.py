"""Three gateway processes on one real PostgreSQL behind a real nginx, under concurrent views,
consents and withdrawals; one replica is SIGKILLed mid-load and started again.

The replicas start together on an empty database (the migration race of issue 17). Afterwards:
at most one process held the sequencer's advisory lock at any sample, the per-user view limit
held across replicas, every answered request has its audit entries, a withdrawal through one
replica is effective on the others at once, and ``tvaers audit verify full`` accepts an export.

PostgreSQL-only (it is the production profile); nginx comes from Debian (``make nginx``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from connectors.simulators.seed import citizens
from gateway.audit.log.sequencer import ADVISORY_LOCK_KEY
from gateway.auth.devidp import DevIdentityProvider
from gateway.config import Settings
from gateway.devtools.demo_users import demo_users
from gateway.keys import load_checked_keys
from gateway.web.config import WebSettings
from tests.db.backends import BACKENDS
from tests.db.postgres import PostgresForTests
from tests.harness import SIM_URLS

pytestmark = pytest.mark.skipif(
    "postgres" not in BACKENDS, reason="the multi-replica test runs on PostgreSQL"
)

REPO = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
NGINX_PRESENT = Path(NGINX).exists()
VIEWS_PER_USER = 25  # the per-user limit during the test (one fixed window)
PURPOSE = "tvaerfagligt_team"
# Ordinary data: staff may record the consent themselves (special categories need the citizen).
CATEGORIES = ["social.services"]
LOAD_USERS = ["sagsbehandler-jobcenter", "koordinator-jobcenter"]
LIMIT_USER = "sagsbehandler-social"
CITIZENS = [c.cpr for c in citizens()[:3]]  # seeded in the simulators


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Replica:
    name: str
    port: int
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    def start(self) -> None:
        self.starts += 1
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.scaleout.replica", "--port", str(self.port)],
                cwd=REPO,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    async def wait_ready(self, *, timeout_s: float = 90.0) -> None:
        deadline = time.monotonic() + timeout_s
        async with httpx.AsyncClient(timeout=2.0) as client:
            while time.monotonic() < deadline:
                assert self.process is not None
                if self.process.poll() is not None:
                    raise AssertionError(
                        f"{self.name} exited with {self.process.returncode}:\n"
                        + self.log.read_text(errors="replace")[-3000:]
                    )
                with contextlib.suppress(httpx.HTTPError):
                    if (
                        await client.get(f"http://127.0.0.1:{self.port}/readyz")
                    ).status_code == 200:
                        return
                await asyncio.sleep(0.2)
        raise AssertionError(f"{self.name} not ready in {timeout_s}s")


@dataclass
class Nginx:
    directory: Path
    port: int
    upstreams: list[int]
    process: subprocess.Popen[bytes] | None = None

    def config(self) -> str:
        servers = "\n".join(
            f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=2s;" for p in self.upstreams
        )
        d = self.directory
        user = "user root;\n" if os.geteuid() == 0 else ""
        return f"""{user}worker_processes 1;
daemon off;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 512; }}
http {{
  access_log off;
  client_body_temp_path {d}/body;
  proxy_temp_path {d}/proxy;
  fastcgi_temp_path {d}/fastcgi;
  uwsgi_temp_path {d}/uwsgi;
  scgi_temp_path {d}/scgi;
  upstream gateways {{
{servers}
  }}
  server {{
    listen 127.0.0.1:{self.port};
    location / {{
      proxy_pass http://gateways;
      # No upstream keep-alive: a connection uvicorn closes while idle would answer a reused
      # (non-retried) POST with 502.
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_next_upstream error timeout;
      add_header X-Upstream $upstream_addr always;
    }}
  }}
}}
"""

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        conf = self.directory / "nginx.conf"
        conf.write_text(self.config())
        check = subprocess.run([NGINX, "-t", "-c", str(conf)], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        self.process = subprocess.Popen(
            [NGINX, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


@dataclass
class Record:
    """What the load saw: answered views by request id, outcomes by status."""

    views: dict[str, int] = field(default_factory=dict)  # request id -> status
    statuses: dict[int, int] = field(default_factory=dict)
    upstreams: dict[str, int] = field(default_factory=dict)

    def note(self, response: httpx.Response) -> None:
        self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
        upstream = response.headers.get("x-upstream", "")
        for addr in upstream.split(","):
            port = addr.strip().rsplit(":", 1)[-1]
            self.upstreams[port] = self.upstreams.get(port, 0) + 1


@dataclass
class LockSampler:
    """Samples ``pg_locks``: how many sessions hold the sequencer's advisory lock."""

    server: PostgresForTests
    database: str
    samples: list[int] = field(default_factory=list)

    async def run(self, stop: asyncio.Event) -> None:
        conn = await self.server.admin()
        try:
            oid = await conn.fetchval(
                "SELECT oid FROM pg_database WHERE datname = $1", self.database
            )
            while not stop.is_set():
                held = await conn.fetchval(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                    "AND database = $1 AND classid = $2 AND objid = $3 AND objsubid = 1",
                    oid,
                    ADVISORY_LOCK_KEY >> 32,
                    ADVISORY_LOCK_KEY & 0xFFFF_FFFF,
                )
                self.samples.append(int(held))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=0.05)
        finally:
            await conn.close()


@pytest.fixture
async def fresh_database(postgres_server: PostgresForTests) -> AsyncIterator[str]:
    """An empty database: the replicas migrate it themselves, all at once."""
    name = await postgres_server.create_database(template=None)
    try:
        yield name
    finally:
        await postgres_server.drop_database(name)


def prepare_keys(data_dir: Path, settings: Settings) -> None:
    """Development keys generated once, before the replicas share them."""
    load_checked_keys(settings)
    DevIdentityProvider(
        key_path=settings.keys_dir / "dev-idp-key.json",
        issuer=settings.effective_issuer,
        audience=settings.oidc_audience,
        users=demo_users(),
    )
    WebSettings().effective_session_secret(keys_dir=settings.keys_dir, allow_generate=True)


def consent_body(cpr: str) -> dict[str, object]:
    until = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0).isoformat()
    return {
        "cpr": cpr,
        "purpose": PURPOSE,
        "categories": CATEGORIES,
        "recipient_departments": ["jobcenter"],
        "valid_until": until,
        "collection_method": "written_form",
        "evidence_ref": "Samtykkeerklæring j.nr. 2026-0042",
    }


WITHDRAW = {"via": "written_form", "evidence_ref": "Tilbagekaldelse j.nr. 2026-0043"}


def granted(response: httpx.Response) -> set[str]:
    assert response.status_code == 200, response.text
    return {s["category"] for s in response.json()["sections"] if s["status"] == "granted"}


async def test_three_replicas_behind_nginx_survive_a_sigkill(
    postgres_server: PostgresForTests, fresh_database: str, tmp_path: Path
) -> None:
    assert NGINX_PRESENT, "nginx is missing: run `make nginx` (Debian's nginx)"
    lb_port = free_port()
    public_url = f"http://127.0.0.1:{lb_port}"
    data_dir = tmp_path / "data"
    database_url = postgres_server.url(fresh_database)
    window_start = int(time.time()) // 3600
    overrides = {
        "env": "test",
        "data_dir": str(data_dir),
        "database_url": database_url,
        "public_url": public_url,
        "view_limit_per_user": str(VIEWS_PER_USER),
        "view_limit_per_citizen": "100000",
        "view_limit_window_s": "3600",
        "db_pool_size": "5",
        "db_max_overflow": "5",
        "forwarded_allow_ips": "127.0.0.1",
        "connectors": json.dumps(
            {name: {"base_url": url, "timeout_s": 5.0} for name, url in SIM_URLS.items()}
        ),
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith("TVAERS_")}
    env.update({f"TVAERS_{k.upper()}": v for k, v in overrides.items()})
    settings = Settings(**{k: v for k, v in overrides.items()})  # type: ignore[arg-type]
    prepare_keys(data_dir, settings)

    replicas = [
        Replica(name, free_port(), env, tmp_path / f"{name}.log") for name in ("a", "b", "c")
    ]
    nginx = Nginx(tmp_path / "nginx", lb_port, [r.port for r in replicas])
    stop_sampling = asyncio.Event()
    sampler = LockSampler(postgres_server, fresh_database)
    sampling: asyncio.Task[None] | None = None
    try:
        for replica in replicas:  # all at once, on an empty database
            replica.start()
        await asyncio.gather(*(r.wait_ready() for r in replicas))
        nginx.start()
        sampling = asyncio.create_task(sampler.run(stop_sampling))
        record = Record()

        async with httpx.AsyncClient(base_url=public_url, timeout=20.0) as lb:
            for _ in range(50):  # nginx is up when it answers
                with contextlib.suppress(httpx.HTTPError):
                    if (await lb.get("/healthz")).status_code == 200:
                        break
                await asyncio.sleep(0.1)
            tokens = {}
            for user in [*LOAD_USERS, LIMIT_USER]:
                r = await lb.post("/dev/token", json={"username": user})
                assert r.status_code == 200, r.text
                tokens[user] = {"Authorization": f"Bearer {r.json()['access_token']}"}

            async def view(user: str, cpr: str) -> httpx.Response:
                r = await lb.post(
                    "/v1/views", json={"cpr": cpr, "purpose": PURPOSE}, headers=tokens[user]
                )
                record.note(r)
                if r.status_code < 500:
                    record.views[r.headers["x-request-id"]] = r.status_code
                return r

            async def consent_cycle(cpr: str) -> None:
                user = LOAD_USERS[0]
                r = await lb.post("/v1/consents", json=consent_body(cpr), headers=tokens[user])
                record.note(r)
                if r.status_code != 201:
                    assert r.status_code in (200, 502), r.text
                    return
                consent_id = r.json()["consent"]["consent_id"]
                r = await lb.post(
                    f"/v1/consents/{consent_id}/withdraw", json=WITHDRAW, headers=tokens[user]
                )
                record.note(r)
                assert r.status_code in (200, 502), r.text

            async def load(rounds: int) -> None:
                jobs: list[Coroutine[Any, Any, object]] = []
                for i in range(rounds):
                    cpr = CITIZENS[i % len(CITIZENS)]
                    jobs.append(view(LOAD_USERS[i % 2], cpr))
                    if i % 3 == 0:
                        jobs.append(consent_cycle(cpr))
                random.shuffle(jobs)
                gate = asyncio.Semaphore(6)

                async def gated(job: Coroutine[Any, Any, object]) -> None:
                    async with gate:
                        await job

                await asyncio.gather(*(gated(j) for j in jobs))

            # Load, a SIGKILL in the middle of it, more load, a restart, more load.
            first = asyncio.create_task(load(16))
            await asyncio.sleep(0.5)
            victim = replicas[1]
            victim.kill()
            await first
            await load(8)
            victim.start()
            await victim.wait_ready()
            await load(12)
            served_after = dict(record.upstreams)
            assert served_after.get(str(victim.port), 0) > 0, record.upstreams

            # nginx takes a replica out for fail_timeout (2 s) after one failed request, and the
            # restarted one may just have failed one: wait (bounded) until nginx hands requests
            # to all three again, so that the spread below measures the limit, not that window.
            deadline = time.monotonic() + 15
            while True:
                answered = set()
                for _ in range(9):
                    probe = await lb.get("/healthz")
                    answered.add(probe.headers.get("x-upstream", "").rsplit(":", 1)[-1])
                if len(answered) == 3 or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.5)

            # The per-user limit holds across replicas: LIMIT_USER's views go round-robin.
            before = dict(record.upstreams)
            limited = await asyncio.gather(
                *(view(LIMIT_USER, CITIZENS[0]) for _ in range(VIEWS_PER_USER + 10))
            )
            codes = [r.status_code for r in limited]
            spread = {port for port, n in record.upstreams.items() if n > before.get(port, 0)}
            assert len(spread) == 3, record.upstreams  # every replica answered some of them
            if int(time.time()) // 3600 == window_start:  # one fixed window throughout
                assert codes.count(429) == 10, Counter(codes)
                assert codes.count(200) == VIEWS_PER_USER, Counter(codes)

            # A withdrawal through one replica is effective on every other one at once.
            user = LOAD_USERS[1]
            cpr = CITIZENS[1]
            direct = [
                httpx.AsyncClient(base_url=f"http://127.0.0.1:{r.port}", timeout=20.0)
                for r in replicas
            ]
            try:
                r = await direct[0].post(
                    "/v1/consents", json=consent_body(cpr), headers=tokens[user]
                )
                assert r.status_code == 201, r.text
                consent_id = r.json()["consent"]["consent_id"]
                body = {"cpr": cpr, "purpose": PURPOSE}
                for client in direct:
                    seen = await client.post("/v1/views", json=body, headers=tokens[user])
                    assert set(CATEGORIES) <= granted(seen), seen.text[:1500]
                r = await direct[2].post(
                    f"/v1/consents/{consent_id}/withdraw", json=WITHDRAW, headers=tokens[user]
                )
                assert r.status_code == 200, r.text
                for client in direct:
                    seen = await client.post("/v1/views", json=body, headers=tokens[user])
                    assert not set(CATEGORIES) & granted(seen)
            finally:
                for client in direct:
                    await client.aclose()

        # Every answered view is in the log, and the sequencer catches up with all of it.
        conn = await asyncpg.connect(
            host=postgres_server.socket_dir, user=postgres_server.user, database=fresh_database
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                pending = await conn.fetchval(
                    "SELECT count(*) FROM audit_entries WHERE leaf_index IS NULL"
                )
                total = await conn.fetchval("SELECT count(*) FROM audit_entries")
                signed = await conn.fetchval("SELECT coalesce(max(size), 0) FROM audit_checkpoints")
                if pending == 0 and signed == total:
                    break
                assert time.monotonic() < deadline, (pending, total, signed)
                await asyncio.sleep(0.2)
            rows = await conn.fetch(
                "SELECT request_id, outcome FROM audit_entries WHERE action = 'view.read' "
                "AND phase = 'outcome'"
            )
        finally:
            await conn.close()
        outcomes: dict[str, str] = {row["request_id"]: row["outcome"] for row in rows}
        missing = [rid for rid in record.views if rid not in outcomes]
        assert not missing, f"{len(missing)} answered views have no audit outcome"
        for rid, status in record.views.items():
            assert (status == 429) == (outcomes[rid] == "rate_limited"), (rid, status)

        stop_sampling.set()
        await sampling
        sampling = None
        assert max(sampler.samples) == 1, "no replica ever led"
        assert all(n <= 1 for n in sampler.samples), "two sequencers held the lock at once"
        leaderships = sum(
            r.log.read_text(errors="replace").count("audit sequencer leadership taken")
            for r in replicas
        )
        assert leaderships >= 1

        # The offline verifier accepts the log the three replicas (and the killed one) wrote.
        export = tmp_path / "export"
        tvaers = str(Path(sys.executable).parent / "tvaers")
        done = await asyncio.to_thread(
            subprocess.run,
            [tvaers, "audit", "export", "--out", str(export), "--no-progress"],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        key = await asyncio.to_thread(
            subprocess.run,
            [tvaers, "audit", "public-key"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert key.returncode == 0, key.stderr
        verified = await asyncio.to_thread(
            subprocess.run,
            [
                tvaers,
                "audit",
                "verify",
                "full",
                "--export",
                str(export),
                "--key",
                key.stdout.strip(),
                "--jobs",
                "1",
                "--no-progress",
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert verified.returncode == 0, verified.stdout + verified.stderr
        assert f"{total} entries" in verified.stdout
    finally:
        stop_sampling.set()
        if sampling is not None:
            with contextlib.suppress(BaseException):
                await sampling
        nginx.stop()
        for replica in replicas:
            replica.kill()
