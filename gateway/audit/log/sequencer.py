"""The sequencer: gives committed audit rows their leaf index and signs checkpoints.

Request handlers only commit entry rows (``AuditWriter``, fail closed). This one background
task per deployment then, in a single short transaction per batch:

1. reads the stored compact range and the oldest unsequenced rows (commit order, ``seq``);
2. hashes each body into a leaf, sets ``leaf_index``/``leaf_hash`` on the row;
3. stores every perfect subtree the appends complete (for proofs);
4. saves the new compact range — only if the tree still has the size it read (a
   compare-and-swap, so even two sequencers could never both append);
5. signs and keeps a checkpoint when the backlog is drained or a second has passed.

Everything of one batch commits together, so a crash at any point leaves either the old
tree or the new one, never a mix, and the next run picks up the same rows again
(idempotent resume; nothing is rehashed but the batch).

Exactly one sequencer works at a time: on SQLite a lease row taken in a write transaction,
on PostgreSQL ``pg_try_advisory_lock`` held on a dedicated connection. SQLite has one
writer, so batches are kept small and the sequencer's transactions start with
``BEGIN IMMEDIATE`` (a read-then-write transaction could otherwise fail on a busy snapshot).
A row that commits late (PostgreSQL may commit ``seq`` 10 after 11) simply gets a later
leaf index: the leaf order is the order the sequencer saw rows committed.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from gateway.audit.entries.repository import AuditRepository
from gateway.audit.entries.schemas import Actor, AuditEvent
from gateway.audit.log.repository import SequencedLeaf, TreeRepository, TreeStateConflict
from gateway.audit.proofs.merkle import NodeId, leaf_hash
from gateway.audit.proofs.notes import Checkpoint, NoteSigner, sign_checkpoint
from gateway.background import stop_after_step
from gateway.db import create_engine, make_sessionmaker

logger = logging.getLogger("tvaers.audit.sequencer")

ADVISORY_LOCK_KEY = 0x7476_6165_7273  # "tvaers" in ASCII: one log per database
CrashHook = Callable[[str], None]
"""Test seam: called with a step name ("loaded", "leaves", "nodes", "state", "checkpoint",
"committed"); raising there simulates a crash at that point."""


class SequencerError(RuntimeError):
    """The log cannot be extended (e.g. an unsequenced row without a body)."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def create_log_engine(url: str) -> AsyncEngine:
    """An engine for the sequencer's (and purge's) write transactions.

    On SQLite every transaction starts with ``BEGIN IMMEDIATE``: it takes the write lock
    up front (waiting on ``busy_timeout``) instead of failing when it first reads and then
    writes after another writer committed.
    """
    # The lock's connection, one transaction and one spare for a purge: a small, fixed pool.
    engine = create_engine(url, pool_size=2, max_overflow=1)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine.sync_engine, "connect")
        def _no_implicit_begin(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None

        @event.listens_for(engine.sync_engine, "begin")
        def _begin_immediate(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


# --------------------------------------------------------------------------- locks


class SequencerLock(Protocol):
    """Leadership: at most one holder across every gateway process."""

    async def acquire(self) -> bool:
        """Take or keep the lock; return whether this process holds it now."""
        ...

    async def release(self) -> None:
        """Give the lock up (best effort)."""
        ...


class SqliteLease:
    """A lease row renewed in a write transaction; expires if its holder dies."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        lease_s: float = 10.0,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.holder = secrets.token_hex(8)
        self._sessions = sessions
        self._lease = timedelta(seconds=lease_s)
        self._clock = clock
        self._valid_until: datetime | None = None

    async def acquire(self) -> bool:
        now = self._clock()
        if self._valid_until is not None and now < self._valid_until - self._lease / 2:
            return True  # renew at half-life: one write every few seconds, not every tick
        async with self._sessions() as session, session.begin():
            held = await TreeRepository(session).take_lease(
                self.holder, now=now, until=now + self._lease
            )
        self._valid_until = now + self._lease if held else None
        return held

    async def release(self) -> None:
        if self._valid_until is None:
            return
        self._valid_until = None
        async with self._sessions() as session, session.begin():
            await TreeRepository(session).release_lease(self.holder, now=self._clock())


class PostgresAdvisoryLock:
    """``pg_try_advisory_lock`` on a dedicated autocommit connection (released if it dies)."""

    def __init__(self, engine: AsyncEngine, *, key: int = ADVISORY_LOCK_KEY) -> None:
        self._engine = engine
        self._key = key
        self._conn: AsyncConnection | None = None
        self._checked = 0.0

    async def acquire(self) -> bool:
        try:
            if self._conn is None:
                conn = await self._engine.connect()
                conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
                got = await conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": self._key})
                if not got:
                    await conn.close()
                    return False
                self._conn = conn
                self._checked = time.monotonic()
            elif time.monotonic() - self._checked > 5.0:
                await self._conn.scalar(text("SELECT 1"))  # the lock lives as long as this
                self._checked = time.monotonic()
        except Exception:
            await self._drop()
            raise
        return True

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.invalidate()
            with contextlib.suppress(Exception):
                await conn.close()

    async def release(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.scalar(text("SELECT pg_advisory_unlock(:k)"), {"k": self._key})
            conn, self._conn = self._conn, None
            with contextlib.suppress(Exception):
                await conn.close()


def lock_for(engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]) -> SequencerLock:
    """The right lock for the engine's database."""
    if engine.dialect.name == "postgresql":
        return PostgresAdvisoryLock(engine)
    return SqliteLease(sessions)


# --------------------------------------------------------------------------- sequencer


class Sequencer:
    """Extends the Merkle tree from committed rows and signs checkpoints (see module doc)."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        signer: NoteSigner,
        origin: str,
        lock: SequencerLock | None = None,
        batch_size: int = 1000,
        interval_s: float = 0.25,
        checkpoint_every_s: float = 1.0,
        retention: timedelta | None = None,
        purge_every_s: float = 3600.0,
        clock: Callable[[], datetime] = utc_now,
        crash_hook: CrashHook | None = None,
    ) -> None:
        self._engine = engine
        self._sessions = make_sessionmaker(engine)
        self._signer = signer
        self._verifier_key = str(signer.verifier())
        self._origin = origin
        self._lock = lock or lock_for(engine, self._sessions)
        self._batch = batch_size
        self._interval = interval_s
        self._checkpoint_every = checkpoint_every_s
        self._retention = retention
        self._purge_every = purge_every_s
        self._clock = clock
        self._crash_hook = crash_hook
        self._last_signed = 0.0
        self._last_purge = float("-inf")
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self.is_leader = False
        self.checkpoint_listeners: list[Callable[[], None]] = []
        """Called after each signed checkpoint commits (the witnessing task wakes up)."""

    @property
    def engine(self) -> AsyncEngine:
        """The sequencer's own engine."""
        return self._engine

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        """Sessions on the sequencer's engine (``BEGIN IMMEDIATE`` on SQLite)."""
        return self._sessions

    def _crash_point(self, name: str) -> None:
        if self._crash_hook is not None:
            self._crash_hook(name)

    # ----------------------------------------------------------------- one batch

    async def step(self, *, force_checkpoint: bool = False) -> int:
        """Sequence one batch in one transaction; return how many entries were appended."""
        now = self._clock()
        async with self._sessions() as session, session.begin():
            repo = TreeRepository(session)
            state = await repo.tree_state()
            old_size = state.size
            pending = await repo.pending(limit=self._batch)
            latest = await repo.latest_checkpoint()
            signed_size = latest.size if latest is not None else -1
            if not pending and signed_size == old_size:
                return 0
            self._crash_point("loaded")
            leaves: list[SequencedLeaf] = []
            nodes: list[tuple[NodeId, bytes]] = []

            def keep(node: NodeId, value: bytes) -> None:
                nodes.append((node, value))

            for entry in pending:
                if entry.body is None:
                    raise SequencerError(f"audit row seq={entry.seq} has no body to sequence")
                h = leaf_hash(entry.body.encode("utf-8"))
                leaves.append(SequencedLeaf(entry.seq, state.size, h))
                state.append(h, on_node=keep)
            await repo.store_leaves(leaves)
            self._crash_point("leaves")
            await repo.store_nodes(nodes)
            self._crash_point("nodes")
            if pending:
                await repo.save_state(old_size, state, now=now)
            self._crash_point("state")
            drained = len(pending) < self._batch
            due = time.monotonic() - self._last_signed >= self._checkpoint_every
            if drained or due or force_checkpoint:
                root = state.root()
                note = sign_checkpoint(Checkpoint(self._origin, state.size, root), self._signer)
                await repo.add_checkpoint(
                    size=state.size,
                    root_hash=root,
                    note=note,
                    verifier_key=self._verifier_key,
                    now=now,
                )
                self._crash_point("checkpoint")
        self._crash_point("committed")
        if drained or due or force_checkpoint:
            self._last_signed = time.monotonic()
            for listener in self.checkpoint_listeners:
                listener()
            logger.debug("checkpoint size=%d root=%s", state.size, base64.b64encode(root).decode())
        return len(pending)

    async def drain(self) -> int:
        """Sequence until no committed row is left; return how many were appended."""
        total = 0
        while True:
            appended = await self.step()
            total += appended
            if appended < self._batch:
                return total
            await asyncio.sleep(0)  # let request handlers take the SQLite write lock

    async def needs_work(self) -> bool:
        """Read-only check: unsequenced rows, or a tree size without a checkpoint."""
        async with self._sessions() as session:
            repo = TreeRepository(session)
            if await repo.has_pending():
                return True
            latest = await repo.latest_checkpoint()
            state = await repo.tree_state()
            return latest is None or latest.size != state.size

    async def purge_expired(self) -> int:
        """Purge bodies older than the retention period (if one is configured)."""
        if self._retention is None:
            return 0
        cutoff = self._clock() - self._retention
        days = self._retention.days
        return await purge(
            self._sessions,
            cutoff=cutoff,
            record=PurgeRecord(
                actor="sequencer",
                reason=f"retention_days={days};override=none;cutoff={cutoff:%Y-%m-%d}",
            ),
        )

    # ----------------------------------------------------------------- background task

    def start(self) -> None:
        """Start the background task (the app lifespan calls this)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="audit-sequencer")

    async def stop(self, *, grace_s: float = 5.0) -> None:
        """Stop the task and release the lock.

        The task is asked to stop after its current step, not cancelled in the middle of a
        database call: a query cancelled mid-flight still completes on the driver's thread and
        leaves a connection behind. Only a step that outlasts ``grace_s`` is cancelled.
        """
        task, self._task = self._task, None
        if task is not None:
            self._stopping = True
            self._wake.set()
            try:
                await stop_after_step(task, grace_s=grace_s)
            finally:
                self._stopping = False
        with contextlib.suppress(Exception):
            await self._lock.release()
        self.is_leader = False

    def _stop_requested(self) -> bool:
        """Whether ``stop()`` has asked the task to end after its current step (a call, so
        the type checker does not assume it unchanged across an ``await``)."""
        return self._stopping

    @property
    def task(self) -> asyncio.Task[None] | None:
        """The running task, if any (tests watch it)."""
        return self._task

    def wake(self) -> None:
        """Look for work now instead of at the next tick."""
        self._wake.set()

    async def flush(self, *, timeout_s: float = 10.0) -> None:
        """Wait until every committed row is sequenced and covered by a checkpoint."""
        deadline = time.monotonic() + timeout_s
        while await self.needs_work():
            if time.monotonic() > deadline:
                raise TimeoutError("the audit sequencer did not catch up")
            self.wake()
            await asyncio.sleep(0.02)

    async def _run(self) -> None:
        backoff = self._interval
        while not self._stop_requested():
            try:
                leader = await self._lock.acquire()
                if leader != self.is_leader:
                    # Operators (and the multi-replica test) follow leadership by these lines.
                    logger.info("audit sequencer leadership %s", "taken" if leader else "lost")
                self.is_leader = leader
                if self.is_leader:
                    if await self.needs_work():
                        await self.drain()
                    if time.monotonic() - self._last_purge >= self._purge_every:
                        self._last_purge = time.monotonic()
                        purged = await self.purge_expired()
                        if purged:
                            logger.info("retention purged %d audit entry bodies", purged)
                backoff = self._interval
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # keep running: the rows are safe, only latency suffers
                # Driver errors carry SQL parameters (entry bodies): log our own messages only.
                detail = str(exc) if isinstance(exc, SequencerError | TreeStateConflict) else ""
                logger.error("audit sequencer step failed: %s %s", type(exc).__name__, detail)
                backoff = min(backoff * 2, 5.0)
            self._wake.clear()
            if self._stop_requested():  # stop() may have asked while the step ran
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=backoff)


@dataclass(frozen=True)
class PurgeRecord:
    """Who purges, and why: the ``audit.purge`` entry a purge writes."""

    actor: str
    reason: str
    always: bool = False

    def event(self) -> AuditEvent:
        return AuditEvent(
            phase="event",
            action="audit.purge",
            outcome="success",
            request_id=f"purge-{uuid.uuid4()}",
            actor=Actor(user_id=self.actor, kind="system"),
            reason=self.reason,
        )


async def purge(
    sessions: async_sessionmaker[AsyncSession],
    *,
    cutoff: datetime,
    batch: int = 1000,
    record: PurgeRecord | None = None,
) -> int:
    """Drop bodies of checkpointed entries recorded before ``cutoff``, in short batches.

    Every purge that removes anything is itself an audit entry (``audit.purge``), committed
    in the same transaction as the first batch; ``record.always`` writes it even when
    nothing was old enough (an operator's explicit purge).
    """
    record = record or PurgeRecord(actor="sequencer", reason=f"cutoff={cutoff:%Y-%m-%d}")
    total = 0
    while True:
        async with sessions() as session, session.begin():
            repo = TreeRepository(session)
            latest = await repo.latest_checkpoint()
            covered = latest.size if latest is not None else 0
            done = await repo.purge_before(cutoff, covered_size=covered, limit=batch)
            if total == 0 and (done or record.always):
                AuditRepository(session).add([record.event()])
        total += done
        if done < batch:
            return total
        await asyncio.sleep(0)
