"""Background loops stop between steps: a step in progress finishes, a hung one is cancelled."""

from __future__ import annotations

import asyncio

from gateway.background import stop_after_step


async def test_a_step_in_progress_finishes_before_the_loop_stops() -> None:
    stop, finished = asyncio.Event(), []

    async def loop() -> None:
        while not stop.is_set():
            await asyncio.sleep(0.05)  # a step (a database call) that must not be cut
            finished.append(True)

    task = asyncio.create_task(loop())
    await asyncio.sleep(0.01)  # inside the first step
    stop.set()
    await stop_after_step(task, grace_s=5.0)
    assert finished == [True]
    assert task.done() and not task.cancelled()


async def test_a_hung_step_is_cancelled_after_the_grace() -> None:
    async def hung() -> None:
        await asyncio.Event().wait()

    task = asyncio.create_task(hung())
    await stop_after_step(task, grace_s=0.05)
    assert task.cancelled()
