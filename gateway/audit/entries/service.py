"""The audit writer: commits entries durably in its own transaction, before data moves.

This is the one exception to "services never commit" (STYLE.md habit 2): an audit entry must
be on disk before the caller may see data, independent of the request's own transaction.
Any failure raises ``AuditUnavailable`` so the caller fails closed.

Group commit: a durable commit costs an fsync, and one fsync per request caps a gateway at a
few hundred requests per second. So concurrent ``append`` calls are gathered into one
transaction: while a commit is in flight, new callers queue; the next commit takes the whole
queue. Every caller still returns only after the transaction holding *its* entries committed,
and if that transaction fails, every caller waiting on it gets ``AuditUnavailable``. Entries of
one call are never split across transactions, and the commit order is the arrival order.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.audit.entries.repository import AuditRepository
from gateway.audit.entries.schemas import AuditEvent
from gateway.errors import AuditUnavailable
from gateway.text import Text

logger = logging.getLogger("tvaers.audit")

UNAVAILABLE_MESSAGE = Text(
    da="Revisionsloggen kan ikke skrives; intet udleveres", en="audit log unavailable"
)


@dataclass(slots=True)
class _Waiting:
    events: list[AuditEvent]
    done: asyncio.Future[None]


class AuditWriter:
    """Appends audit entries durably. ``append`` returns only after the commit.

    ``max_batch_entries`` bounds one transaction (a call's entries are never split, so a single
    large call may exceed it).
    """

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], *, max_batch_entries: int = 1024
    ) -> None:
        self._sessions = sessions
        self._max_batch_entries = max_batch_entries
        self._queue: list[_Waiting] = []
        self._flusher: asyncio.Task[None] | None = None

    async def append(self, events: Sequence[AuditEvent]) -> None:
        """Commit ``events`` in one transaction or raise ``AuditUnavailable``.

        The transaction may also hold other callers' entries (group commit); it either commits
        all of them or none, and every caller in it learns the same outcome.
        """
        if not events:
            return
        loop = asyncio.get_running_loop()
        waiting = _Waiting(list(events), loop.create_future())
        self._queue.append(waiting)
        if self._flusher is None or self._flusher.done():
            self._flusher = loop.create_task(self._flush(), name="audit-group-commit")
            self._flusher.add_done_callback(self._flusher_ended)
        # A cancelled caller's entries are still committed: over-recording is safe, losing an
        # intent that a connector may already be serving is not.
        await waiting.done

    async def _flush(self) -> None:
        """Commit queued batches until the queue is empty."""
        batch: list[_Waiting] = []
        try:
            while self._queue:
                batch = self._take_batch()
                try:
                    await self._commit([event for w in batch for event in w.events])
                except Exception as exc:  # any failure, incl. injected ones: fail closed
                    logger.error("audit append failed: %s", type(exc).__name__)
                    for w in batch:
                        _fail(w, exc)
                else:
                    for w in batch:
                        if not w.done.done():
                            w.done.set_result(None)
                batch = []
        except BaseException as exc:  # cancelled at shutdown: nobody may proceed unaudited
            for w in [*batch, *self._queue]:
                _fail(w, exc)
            self._queue.clear()
            raise

    def _flusher_ended(self, task: asyncio.Task[None]) -> None:
        # A flusher cancelled before it ever ran leaves callers queued: fail them closed.
        if task.cancelled() or task.exception() is not None:
            cause = asyncio.CancelledError() if task.cancelled() else task.exception()
            assert cause is not None
            for waiting in self._queue:
                _fail(waiting, cause)
            self._queue.clear()

    def _take_batch(self) -> list[_Waiting]:
        taken = 0
        count = 0
        for waiting in self._queue:
            if count and taken + len(waiting.events) > self._max_batch_entries:
                break
            taken += len(waiting.events)
            count += 1
        batch = self._queue[:count]
        del self._queue[:count]
        return batch

    async def _commit(self, events: list[AuditEvent]) -> None:
        async with self._sessions() as session:
            await AuditRepository(session).insert(events)
            await session.commit()


def _fail(waiting: _Waiting, cause: BaseException) -> None:
    if waiting.done.done():
        return
    error = AuditUnavailable(UNAVAILABLE_MESSAGE)
    error.__cause__ = cause
    waiting.done.set_exception(error)
