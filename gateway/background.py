"""Stopping the gateway's background loops (sequencer, witnessing, notices) between steps."""

from __future__ import annotations

import asyncio
import contextlib


async def stop_after_step(task: asyncio.Task[None], *, grace_s: float) -> None:
    """Wait for ``task``, already asked to stop, to end its current step; cancel it only if that
    step outlasts ``grace_s``.

    Cancelled in the middle of a database call, a loop leaves its connection checked out (a
    query still completes on the driver's thread; on SQLite a ``BEGIN IMMEDIATE`` transaction
    keeps the write lock until the garbage collector finds the connection).
    """
    try:
        await asyncio.wait_for(asyncio.shield(task), timeout=grace_s)
    except TimeoutError:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
