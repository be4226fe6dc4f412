"""The sequencer: crash at every step and restart loses nothing; two sequencers cannot fork."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest

from gateway.audit.entries.schemas import Actor, AuditEvent
from gateway.audit.log.lifecycle import build_sequencer
from gateway.audit.log.repository import TreeRepository
from gateway.audit.log.sequencer import Sequencer
from gateway.audit.proofs.merkle import TreeState, leaf_hash
from tests.audit.log_helpers import execute, export_and_verify, sequencer
from tests.harness import running_gateway

STEPS = ["loaded", "leaves", "nodes", "state", "checkpoint", "committed"]
BATCH = 50


def events(count: int) -> list[AuditEvent]:
    actor = Actor(user_id="bench", kind="system")
    return [
        AuditEvent(
            phase="event",
            action="test.append",
            outcome="success",
            request_id=str(uuid.uuid4()),
            actor=actor,
        )
        for _ in range(count)
    ]


class Crash(Exception):
    pass


def crash_on(step: str, *, call: int) -> object:
    seen = {"n": 0}

    def hook(name: str) -> None:
        if name == step:
            seen["n"] += 1
            if seen["n"] == call:
                raise Crash(step)

    return hook


def assert_tree_matches_rows(data_dir: Path) -> None:
    """Every row sequenced once, indexes 0..n-1 in seq order, state = root of the bodies."""
    rows = execute(
        data_dir, "SELECT seq, leaf_index, body, leaf_hash FROM audit_entries ORDER BY leaf_index"
    )
    assert all(r[1] is not None for r in rows)
    assert [r[1] for r in rows] == list(range(len(rows)))
    assert [r[0] for r in rows] == sorted(r[0] for r in rows)  # commit order
    state = TreeState()
    for _, _, body, stored in rows:
        assert leaf_hash(body.encode()) == stored
        state.append(stored)
    (stored_state,) = execute(data_dir, "SELECT state FROM audit_tree_state")[0]
    assert TreeState.from_json(stored_state).root() == state.root()


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.sqlite_only(reason="opens the SQLite file directly to tamper with or inspect it")
async def test_crash_at_any_step_then_restart_loses_nothing(tmp_path: Path, step: str) -> None:
    async with running_gateway(tmp_path) as gw:
        await sequencer(gw).stop()  # the test drives sequencing by hand
        await gw.services.audit.append(events(3 * BATCH + 7))
        crashing = build_sequencer(gw.services, batch_size=BATCH, crash_hook=crash_on(step, call=2))
        try:
            with pytest.raises(Crash):
                await crashing.drain()
        finally:
            await crashing.engine.dispose()
        await gw.services.audit.append(events(5))  # traffic continues across the crash
    # Restart the app on the same data directory: the sequencer resumes.
    async with running_gateway(tmp_path) as gw:
        await sequencer(gw).flush()
    assert_tree_matches_rows(tmp_path)
    result = await asyncio.to_thread(export_and_verify, tmp_path, tmp_path / "export")
    assert result.exit_code == 0, result.output
    assert f"{3 * BATCH + 7 + 5} entries" in result.output


@pytest.mark.sqlite_only(reason="opens the SQLite file directly to tamper with or inspect it")
async def test_restart_resumes_from_stored_state_without_rehashing(tmp_path: Path) -> None:
    async with running_gateway(tmp_path) as gw:
        await gw.services.audit.append(events(20))
        await sequencer(gw).flush()
    # If the restart rehashed the log from bodies, this edit would change the root.
    execute(tmp_path, "UPDATE audit_entries SET body = '{}' WHERE leaf_index = 0")
    async with running_gateway(tmp_path) as gw:
        await gw.services.audit.append(events(3))
        await sequencer(gw).flush()
        async with gw.services.sessions() as session:
            state = await TreeRepository(session).tree_state()
    stored = [
        r[0] for r in execute(tmp_path, "SELECT leaf_hash FROM audit_entries ORDER BY leaf_index")
    ]
    from_hashes = TreeState()
    for h in stored:
        from_hashes.append(h)
    assert state.size == 23
    assert state.root() == from_hashes.root()
    assert leaf_hash(b"{}") != stored[0]


@pytest.mark.sqlite_only(reason="opens the SQLite file directly to tamper with or inspect it")
async def test_two_sequencers_racing_never_fork_the_tree(tmp_path: Path) -> None:
    class AlwaysLeader:
        async def acquire(self) -> bool:
            return True

        async def release(self) -> None:
            return None

    async with running_gateway(tmp_path) as gw:
        await sequencer(gw).stop()
        one = build_sequencer(gw.services, batch_size=7, lock=AlwaysLeader())
        two = build_sequencer(gw.services, batch_size=7, lock=AlwaysLeader())
        try:
            writer = asyncio.create_task(gw.services.audit.append(events(60)))
            for _ in range(20):
                await asyncio.gather(one.drain(), two.drain(), return_exceptions=True)
            await writer
            await one.drain()
        finally:
            await one.engine.dispose()
            await two.engine.dispose()
    assert_tree_matches_rows(tmp_path)


@pytest.mark.usefixtures("database_url")
async def test_only_one_sqlite_lease_holder(tmp_path: Path) -> None:
    async with running_gateway(tmp_path) as gw:
        running = sequencer(gw)
        await running.flush()
        assert running.is_leader
        second: Sequencer = build_sequencer(gw.services)
        try:
            lock = second._lock  # the lease the second process would take
            assert not await lock.acquire()
            await running.stop()  # releases the lease
            assert await lock.acquire()
            await lock.release()
        finally:
            await second.engine.dispose()


@pytest.mark.sqlite_only(reason="opens the SQLite file directly to tamper with or inspect it")
async def test_checkpoint_follows_an_entry_without_a_flush(tmp_path: Path) -> None:
    async with running_gateway(tmp_path) as gw:
        await sequencer(gw).flush()
        before = execute(tmp_path, "SELECT max(size) FROM audit_checkpoints")[0][0]
        await gw.services.audit.append(events(1))
        for _ in range(100):  # not a speed assertion: waits up to 10 s for the background task
            await asyncio.sleep(0.1)
            if execute(tmp_path, "SELECT max(size) FROM audit_checkpoints")[0][0] > before:
                break
        assert execute(tmp_path, "SELECT max(size) FROM audit_checkpoints")[0][0] == before + 1
