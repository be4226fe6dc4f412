"""Fault injections for the fault matrix: each breaks one dependency and heals it on exit.

Injections sit where a real fault would surface: below the ORM at the database driver
(``before_cursor_execute`` raises what the driver would raise; a connection made read-only
the way the database itself would refuse writes), at the policy engine and connector
boundaries, and at the signing key. Each is an async context manager: inside, the fault is
active; on exit the dependency works again.
"""

from __future__ import annotations

import asyncio
import errno
import os
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import event, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.audit.entries.service import AuditWriter
from gateway.audit.log.sequencer import Sequencer
from gateway.audit.proofs.notes import NoteSigner
from gateway.consent.models import ConsentRow
from gateway.consent.receipts import ReceiptSigner
from gateway.consent.service import ConsentFactsReader
from gateway.policy.types import PolicyEngine
from tests.harness import Harness

Injection = Callable[[Harness, pytest.MonkeyPatch], AbstractAsyncContextManager[None]]


def sequencer_of(gw: Harness) -> Sequencer:
    found = gw.app.state.audit_sequencer
    assert isinstance(found, Sequencer)
    return found


# --------------------------------------------------------------------------- database driver


@asynccontextmanager
async def _driver_error(
    engines: list[AsyncEngine], matches: Callable[[str], bool], error: Callable[[], Exception]
) -> AsyncIterator[None]:
    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if matches(statement.upper()):
            raise error()

    for engine in engines:
        event.listen(engine.sync_engine, "before_cursor_execute", before)
    try:
        yield
    finally:
        for engine in engines:
            event.remove(engine.sync_engine, "before_cursor_execute", before)


def _io_error() -> Exception:
    return OperationalError("SELECT …", {}, OSError(errno.EIO, "Input/output error"))


def _disk_full() -> Exception:
    # What SQLite says on ENOSPC; PostgreSQL says "could not extend file": both are driver
    # errors wrapping the operating system's "No space left on device".
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _reads_consents(sql: str) -> bool:
    return sql.startswith("SELECT") and "FROM CONSENTS" in sql


def _writes_audit(sql: str) -> bool:
    return sql.startswith("INSERT INTO AUDIT_ENTRIES")


def _writes_consents(sql: str) -> bool:
    return sql.startswith("INSERT INTO CONSENTS")


def _writes(sql: str) -> bool:
    return sql.startswith(("INSERT", "UPDATE", "DELETE"))


@asynccontextmanager
async def consent_store_raises(gw: Harness, _mp: pytest.MonkeyPatch) -> AsyncIterator[None]:
    async with _driver_error([gw.services.engine], _reads_consents, _io_error):
        yield


@asynccontextmanager
async def consent_store_hangs(gw: Harness, mp: pytest.MonkeyPatch) -> AsyncIterator[None]:
    never = asyncio.Event()

    async def hang(self: ConsentFactsReader, *args: Any, **kwargs: Any) -> Any:
        await never.wait()

    mp.setattr(ConsentFactsReader, "facts_for_policy", hang)
    yield
    mp.undo()


@asynccontextmanager
async def consent_store_garbage(gw: Harness, _mp: pytest.MonkeyPatch) -> AsyncIterator[None]:
    """A consent row whose JSON column holds a number where a list of categories belongs."""
    async with gw.services.sessions() as session:
        rows = (await session.execute(update(ConsentRow).values(categories=42))).rowcount  # type: ignore[attr-defined]
        await session.commit()
    assert rows
    yield
    async with gw.services.sessions() as session:
        await session.execute(update(ConsentRow).values(categories=["health.wellbeing"]))
        await session.commit()


@asynccontextmanager
async def consent_store_disk_full(gw: Harness, _mp: pytest.MonkeyPatch) -> AsyncIterator[None]:
    async with _driver_error([gw.services.engine], _writes_consents, _disk_full):
        yield


@asynccontextmanager
async def audit_store_raises(gw: Harness, _mp: pytest.MonkeyPatch) -> AsyncIterator[None]:
    async with _driver_error([gw.services.engine], _writes_audit, _io_error):
        yield


@asynccontextmanager
async def audit_outcome_raises(gw: Harness, mp: pytest.MonkeyPatch) -> AsyncIterator[None]:
    """The intent commits; the outcome's commit fails (after the departments answered)."""
    real = AuditWriter.append
    calls = 0

    async def second_fails(self: AuditWriter, events: Any) -> None:
        nonlocal calls
        calls += 1
        if calls >= 2:
            raise OSError(errno.EIO, "Input/output error")
        await real(self, events)

    mp.setattr(AuditWriter, "append", second_fails)
    yield
    mp.undo()


@asynccontextmanager
async def audit_store_hangs(gw: Harness, mp: pytest.MonkeyPatch) -> AsyncIterator[None]:
    never = asyncio.Event()

    async def hang(self: AuditWriter, events: Any) -> None:
        await never.wait()

    mp.setattr(AuditWriter, "append", hang)
    yield
    mp.undo()


@asynccontextmanager
async def audit_store_disk_full(gw: Harness, _mp: pytest.MonkeyPatch) -> AsyncIterator[None]:
    async with _driver_error([gw.services.engine], _writes_audit, _disk_full):
        yield


@asynccontextmanager
async def database_read_only(gw: Harness, _mp: pytest.MonkeyPatch) -> AsyncIterator[None]:
    """Every connection refuses writes, as the database does on a read-only volume.

    Applied at every check-out, not only to new connections: a connection that the sequencer
    or the audit writer held while the pool was disposed would otherwise come back writable
    (a race that parallel test runs made visible).
    """
    engines = [gw.services.engine, sequencer_of(gw).engine]
    sqlite = gw.services.engine.dialect.name == "sqlite"

    def setter(read_only: bool) -> Callable[..., None]:
        if sqlite:
            statement = f"PRAGMA query_only = {'ON' if read_only else 'OFF'}"
        else:  # asyncpg through SQLAlchemy's adapter: a session default for the connection
            mode = "READ ONLY" if read_only else "READ WRITE"
            statement = f"SET SESSION CHARACTERISTICS AS TRANSACTION {mode}"

        def apply(dbapi_connection: Any, *_rest: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute(statement)
            cursor.close()
            # The driver opened a transaction for the SET: end it, so the setting holds for the
            # very next transaction (the request's own) and is not rolled back with it.
            dbapi_connection.commit()

        return apply

    refuse, allow = setter(True), setter(False)
    for engine in engines:
        event.listen(engine.sync_engine, "connect", refuse)
        event.listen(engine.sync_engine, "checkout", refuse)
        await engine.dispose()  # pooled connections were opened writable
    try:
        yield
    finally:
        for engine in engines:
            event.remove(engine.sync_engine, "connect", refuse)
            event.remove(engine.sync_engine, "checkout", refuse)
            # A connection checked out during the fault may come back read-only: make every
            # later check-out writable again.
            event.listen(engine.sync_engine, "checkout", allow)
            await engine.dispose()


# --------------------------------------------------------------------------- policy engine


class _Hanging:
    name = "hanging"

    async def decide(self, policy_input: dict[str, Any]) -> Any:
        await asyncio.Event().wait()

    async def healthy(self) -> bool:
        return False

    async def aclose(self) -> None:
        return None


@asynccontextmanager
async def _policy(gw: Harness, engine: Any) -> AsyncIterator[None]:
    real: PolicyEngine = gw.services.policy
    gw.services.policy = engine
    try:
        yield
    finally:
        gw.services.policy = real


class _NativeEngine:
    """Stands in for the native regorus engine inside the real ``RegorusEngine``."""

    def __init__(self, real: Any, answer: Callable[[], str]) -> None:
        self._real: Any = real
        self._answer = answer

    def set_input_json(self, text: str) -> None:
        self._real.set_input_json(text)

    def release(self) -> None:
        # The native engine must be freed on its own thread by its owner; a reference kept
        # here (e.g. in a traceback cycle) could see it collected on another thread.
        self._real = None

    def eval_rule_as_json(self, path: str) -> str:
        return self._answer()


@asynccontextmanager
async def _native(gw: Harness, answer: Callable[[], str]) -> AsyncIterator[None]:
    engine: Any = gw.services.policy
    real = engine._engine
    proxy = _NativeEngine(real, answer)
    engine._engine = proxy
    try:
        yield
    finally:
        engine._engine = real
        proxy.release()


@asynccontextmanager
async def policy_raises(gw: Harness, _mp: pytest.MonkeyPatch) -> AsyncIterator[None]:
    def crash() -> str:
        raise RuntimeError("engine aborted")  # how the native layer fails

    async with _native(gw, crash):
        yield


@asynccontextmanager
async def policy_hangs(gw: Harness, _mp: pytest.MonkeyPatch) -> AsyncIterator[None]:
    async with _policy(gw, _Hanging()):
        yield


@asynccontextmanager
async def policy_garbage(gw: Harness, _mp: pytest.MonkeyPatch) -> AsyncIterator[None]:
    """The engine answers JSON that is not a decision: "grant everything" as a string."""
    async with _native(gw, lambda: '{"allow": true, "grants": "*", "denials": []}'):
        yield


# --------------------------------------------------------------------------- sequencer, keys


@asynccontextmanager
async def sequencer_raises(gw: Harness, _mp: pytest.MonkeyPatch) -> AsyncIterator[None]:
    async with _driver_error([sequencer_of(gw).engine], _writes, _io_error):
        yield


@asynccontextmanager
async def sequencer_hangs(gw: Harness, mp: pytest.MonkeyPatch) -> AsyncIterator[None]:
    stuck = asyncio.Event()
    seq = sequencer_of(gw)
    real = Sequencer.drain

    async def hang(self: Sequencer) -> int:
        await stuck.wait()
        return await real(self)

    mp.setattr(Sequencer, "drain", hang)
    seq.wake()
    yield
    mp.undo()
    stuck.set()


@asynccontextmanager
async def sequencer_disk_full(gw: Harness, _mp: pytest.MonkeyPatch) -> AsyncIterator[None]:
    async with _driver_error([sequencer_of(gw).engine], _writes, _disk_full):
        yield


@asynccontextmanager
async def audit_key_raises(gw: Harness, mp: pytest.MonkeyPatch) -> AsyncIterator[None]:
    def broken(self: NoteSigner, message: bytes) -> bytes:
        raise OSError(errno.EIO, "key store unreadable")

    mp.setattr(NoteSigner, "sign", broken)
    yield
    mp.undo()


@asynccontextmanager
async def audit_key_garbage(gw: Harness, mp: pytest.MonkeyPatch) -> AsyncIterator[None]:
    mp.setattr(NoteSigner, "sign", lambda self, message: bytes(64))
    yield
    await sequencer_of(gw).flush()  # what was written meanwhile is signed with it
    mp.undo()


@asynccontextmanager
async def receipt_key_raises(gw: Harness, mp: pytest.MonkeyPatch) -> AsyncIterator[None]:
    def broken(self: ReceiptSigner, record: dict[str, Any]) -> str:
        raise OSError(errno.EIO, "key store unreadable")

    mp.setattr(ReceiptSigner, "sign", broken)
    yield
    mp.undo()


# --------------------------------------------------------------------------- connectors


def simulator_fault(department: str, **config: Any) -> Injection:
    @asynccontextmanager
    async def inject(gw: Harness, _mp: pytest.MonkeyPatch) -> AsyncIterator[None]:
        gw.set_simulator(department, **config)
        try:
            yield
        finally:
            gw.set_simulator(department)

    return inject
