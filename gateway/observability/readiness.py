"""Readiness: can this replica serve requests now?

Critical (any failure → 503, the load balancer stops sending traffic here): the database, the
policy engine, and the audit sequencer when one runs in this process. Department systems are
reported but never make the gateway unready: a department that is down only makes its own
sections ``unavailable``, and an unready gateway would also stop citizens from withdrawing
consent. A connector is probed only when its configuration names a ``health_url`` (a cheap GET,
2xx = up); otherwise "configured and loaded" is all that can be said (``not_probed``), because
the connector protocol has no health method and real department systems have no common one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.observability.repository import ObservabilityRepository
from gateway.policy.types import PolicyEngine

CheckStatus = Literal["ok", "down", "not_probed", "not_running"]


@runtime_checkable
class SequencerProbe(Protocol):
    """A sequencer that can say itself whether it is healthy (preferred when present)."""

    async def healthy(self) -> bool:
        """Whether the sequencer is running (or correctly standing by for another leader)."""
        ...


async def sequencer_alive(sequencer: object) -> bool:
    """Whether this process's sequencer task runs (as leader or waiting for the lock).

    Uses ``healthy()`` when the sequencer has one, else its background ``task``: the task
    survives every step failure by design, so a finished task means the sequencer is gone.
    """
    if isinstance(sequencer, SequencerProbe):
        return await sequencer.healthy()
    task = getattr(sequencer, "task", None)
    return isinstance(task, asyncio.Task) and not task.done()


@dataclass(frozen=True)
class Check:
    status: CheckStatus
    critical: bool
    detail: str = ""


@dataclass(frozen=True)
class Readiness:
    checks: dict[str, Check]

    @property
    def ready(self) -> bool:
        return all(c.status != "down" for c in self.checks.values() if c.critical)

    @property
    def status(self) -> Literal["ready", "degraded", "not_ready"]:
        if not self.ready:
            return "not_ready"
        if any(c.status == "down" for c in self.checks.values()):
            return "degraded"
        return "ready"

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "checks": {
                name: {"status": c.status, "critical": c.critical, "detail": c.detail}
                for name, c in sorted(self.checks.items())
            },
        }


async def check_readiness(
    *,
    sessions: async_sessionmaker[AsyncSession],
    policy: PolicyEngine,
    sequencer: object | None,
    connectors: dict[str, str | None],
    http: httpx.AsyncClient,
    timeout_s: float,
) -> Readiness:
    """Run every check concurrently, each within ``timeout_s``.

    ``connectors`` maps each loaded connector to its ``health_url`` (or ``None``).
    """

    async def database() -> None:
        async with sessions() as session:
            await ObservabilityRepository(session).ping()

    async def policy_engine() -> bool:
        return await policy.healthy()

    names = ["database", "policy_engine"]
    probes: list[Awaitable[object]] = [database(), policy_engine()]
    if sequencer is not None:
        names.append("audit_sequencer")
        probes.append(sequencer_alive(sequencer))
    probed = {name: url for name, url in connectors.items() if url}
    for name, url in sorted(probed.items()):
        names.append(f"connector:{name}")
        probes.append(_probe_url(http, url, timeout_s))
    results = await asyncio.gather(
        *(asyncio.wait_for(p, timeout=timeout_s) for p in probes), return_exceptions=True
    )
    checks: dict[str, Check] = {}
    for name, result in zip(names, results, strict=True):
        critical = not name.startswith("connector:")
        if isinstance(result, BaseException):
            # The exception's type only: messages may carry URLs with credentials.
            checks[name] = Check("down", critical, type(result).__name__)
        elif result is False:
            checks[name] = Check("down", critical, "reports unhealthy")
        else:
            checks[name] = Check("ok", critical)
    if "audit_sequencer" not in checks:
        checks["audit_sequencer"] = Check(
            "not_running", True, "no sequencer in this process (the leader may run elsewhere)"
        )
    for name in connectors:
        if name not in probed:
            checks[f"connector:{name}"] = Check("not_probed", False, "configured and loaded")
    return Readiness(checks)


async def _probe_url(http: httpx.AsyncClient, url: str, timeout_s: float) -> bool:
    response = await http.get(url, timeout=timeout_s)
    return response.is_success
