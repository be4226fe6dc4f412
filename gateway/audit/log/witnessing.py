"""Getting checkpoints witnessed: the witness client, the cosigning task, the publisher.

The sequencer signs checkpoints; this task, beside it, submits the newest one to every
configured witness (C2SP tlog-witness ``add-checkpoint``) with a consistency proof from the
size that witness last cosigned, verifies the returned cosignature against the witness's
key, and stores it (``audit_cosignatures``). Each witness is handled on its own with a
deadline: a witness that is down or slow delays its cosignature, never the sequencer, the
log or a view. When it returns, the next submission catches up with one proof from the size
it holds to the newest checkpoint.

A witness answering 409 says which size it holds: the client retries from there. If it holds
a size *larger* than the log's, the log was rolled back (its tail deleted): nothing can be
submitted, and the gap stays visible in ``/readyz``, the metrics and the DPO console.

Once ``quorum`` witnesses have cosigned a checkpoint, it is written to the publisher
(write-once: a directory by default, shaped for object storage with a retention lock).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import quote

import httpx
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.audit.entries.models import AuditCheckpointRow
from gateway.audit.log.repository import TreeRepository
from gateway.audit.proofs.cosignature import (
    Cosignature,
    CosignatureVerifier,
    signature_lines,
    verify_cosignatures,
    with_signatures,
)
from gateway.audit.proofs.merkle import consistency_plan
from gateway.audit.proofs.notes import NoteError
from gateway.background import stop_after_step

logger = logging.getLogger("tvaers.audit.witness")

SIZE_CONTENT_TYPE = "text/x.tlog.size"


class WitnessError(RuntimeError):
    """A submission to a witness did not give a cosignature."""


class WitnessUnavailable(WitnessError):
    """The witness could not be reached or answered 5xx (retried later)."""


class WitnessConflict(WitnessError):
    """409: the witness holds another size than the one submitted as ``old``."""

    def __init__(self, held_size: int) -> None:
        super().__init__(f"witness holds size {held_size}")
        self.held_size = held_size


class WitnessRefused(WitnessError):
    """The witness refused the checkpoint (403, 404, 422, 400) or sent a bad cosignature."""


@dataclass(frozen=True, slots=True)
class WitnessEndpoint:
    """A configured witness: where it listens (submission prefix) and its public key."""

    url: str
    verifier: CosignatureVerifier

    @property
    def key(self) -> str:
        """The verifier key string: how cosignatures are stored and labelled."""
        return str(self.verifier)


class WitnessClient:
    """Speaks tlog-witness to one witness with the gateway's HTTP client."""

    def __init__(
        self, endpoint: WitnessEndpoint, http: httpx.AsyncClient, *, timeout_s: float = 3.0
    ) -> None:
        self.endpoint = endpoint
        self._http = http
        self._timeout = timeout_s

    async def add_checkpoint(
        self, *, old_size: int, proof: Sequence[bytes], note: str
    ) -> Cosignature:
        """Submit ``note`` and return the witness's verified cosignature."""
        import base64

        body = f"old {old_size}\n" + "".join(
            base64.b64encode(h).decode("ascii") + "\n" for h in proof
        )
        body += "\n" + note
        url = self.endpoint.url.rstrip("/") + "/add-checkpoint"
        try:
            response = await self._http.post(
                url, content=body.encode("utf-8"), timeout=self._timeout
            )
        except httpx.HTTPError as exc:
            raise WitnessUnavailable(type(exc).__name__) from exc
        if response.status_code == 409:
            text = response.text.strip()
            if not response.headers.get("content-type", "").startswith(SIZE_CONTENT_TYPE) or (
                not text.isdigit()
            ):
                raise WitnessRefused("409 without a text/x.tlog.size body")
            raise WitnessConflict(int(text))
        if response.status_code >= 500:
            raise WitnessUnavailable(f"HTTP {response.status_code}")
        if response.status_code != 200:
            raise WitnessRefused(f"HTTP {response.status_code}: {response.text.strip()[:200]}")
        try:
            cosigned = with_signatures(note, signature_lines(response.text))
            found = verify_cosignatures(cosigned, [self.endpoint.verifier])
        except NoteError as exc:
            raise WitnessRefused(f"bad cosignature: {exc}") from exc
        if not found:
            raise WitnessRefused("no cosignature from the witness's key in the answer")
        return found[0]

    async def latest(self, origin_hash: str) -> str | None:
        """The witness's newest cosigned checkpoint of the log (monitoring API), if any."""
        url = f"{self.endpoint.url.rstrip('/')}/{quote(origin_hash)}/checkpoint"
        try:
            response = await self._http.get(url, timeout=self._timeout)
        except httpx.HTTPError as exc:
            raise WitnessUnavailable(type(exc).__name__) from exc
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise WitnessUnavailable(f"HTTP {response.status_code}")
        return response.text


# --------------------------------------------------------------------------- publisher


class CheckpointPublisher(Protocol):
    """Where cosigned checkpoints go so that anyone can fetch a history the operator cannot
    rewrite. Write-once: an object, once written, is never replaced (e.g. S3 Object Lock in
    compliance mode, or Azure immutable blob storage)."""

    async def publish(self, size: int, note: str) -> bool:
        """Write the checkpoint of ``size`` once; False if it was already published."""
        ...


class PublishConflict(RuntimeError):
    """A different checkpoint of the same size was already published: a fork."""


class DirectoryPublisher:
    """Writes ``<size>.note`` files into a directory, each created exclusively (never replaced)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, size: int) -> Path:
        """The file of the checkpoint of ``size`` (zero-padded so names sort by size)."""
        return self.directory / f"{size:020d}.note"

    async def publish(self, size: int, note: str) -> bool:
        return await asyncio.to_thread(self._publish, size, note)

    def _publish(self, size: int, note: str) -> bool:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.path(size)
        # Written in full under a private name, then linked into place: ``link`` fails if the
        # name exists, so the file appears complete and at most once, even with two writers.
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".publishing-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(note)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o644)
            try:
                os.link(tmp, path)
            except FileExistsError:
                existing = path.read_text(encoding="utf-8")
                if existing.split("\n\n", 1)[0] != note.split("\n\n", 1)[0]:
                    raise PublishConflict(
                        f"a different checkpoint of size {size} is already published"
                    ) from None
                return False
        finally:
            os.unlink(tmp)
        return True


# --------------------------------------------------------------------------- the task


@dataclass(slots=True)
class WitnessState:
    """What this process knows about one witness (the DB knows what it cosigned)."""

    name: str
    url: str
    key: str
    held_size: int | None = None
    last_error: str | None = None
    last_attempt: float | None = None
    last_success: float | None = None


class WitnessCosigning:
    """The background task that gets checkpoints cosigned (see module doc)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clients: Sequence[WitnessClient],
        *,
        quorum: int = 1,
        publisher: CheckpointPublisher | None = None,
        is_leader: Callable[[], bool] = lambda: True,
        interval_s: float = 1.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._sessions = sessions
        self._clients = list(clients)
        self._quorum = quorum
        self._publisher = publisher
        self._is_leader = is_leader
        self._interval = interval_s
        self._clock = clock
        self._published: int | None = None
        self.publish_error: str | None = None
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._stopping = False
        self.states = {
            c.endpoint.key: WitnessState(c.endpoint.verifier.name, c.endpoint.url, c.endpoint.key)
            for c in self._clients
        }

    @property
    def clients(self) -> list[WitnessClient]:
        """The configured witnesses."""
        return self._clients

    async def step(self) -> None:
        """Submit the newest checkpoint to every witness that has not cosigned it."""
        async with self._sessions() as session:
            repo = TreeRepository(session)
            latest = await repo.latest_checkpoint()
            cosigned = await repo.cosigned_sizes()
        if latest is None:
            return
        await asyncio.gather(
            *(
                self._submit(client, latest, cosigned.get(client.endpoint.key))
                for client in self._clients
                if cosigned.get(client.endpoint.key) != latest.size
            )
        )
        await self._publish(latest)

    async def _proof(self, old: int, new: int) -> list[bytes]:
        if old in (0, new):
            return []
        plan = consistency_plan(old, new)
        async with self._sessions() as session:
            return plan.assemble(await TreeRepository(session).get_nodes(plan.nodes))

    async def _submit(
        self, client: WitnessClient, latest: AuditCheckpointRow, stored: int | None
    ) -> None:
        state = self.states[client.endpoint.key]
        state.last_attempt = time.monotonic()
        old = state.held_size if state.held_size is not None else (stored or 0)
        try:
            for _ in range(3):  # a 409 tells us the right old size; retry from there
                if old > latest.size:
                    state.held_size = old
                    raise WitnessRefused(
                        f"witness holds size {old}, larger than the log's {latest.size}: "
                        "the log was rolled back"
                    )
                try:
                    cosignature = await client.add_checkpoint(
                        old_size=old, proof=await self._proof(old, latest.size), note=latest.note
                    )
                except WitnessConflict as conflict:
                    old = conflict.held_size
                    state.held_size = old
                    continue
                break
            else:
                raise WitnessRefused("the witness keeps changing its size")
        except WitnessError as exc:
            state.last_error = str(exc)
            log = logger.warning if isinstance(exc, WitnessUnavailable) else logger.error
            log("witness %s did not cosign size %d: %s", state.name, latest.size, exc)
            return
        try:
            async with self._sessions() as session, session.begin():
                await TreeRepository(session).add_cosignature(
                    size=latest.size,
                    witness=client.endpoint.key,
                    line=cosignature.line,
                    cosigned_at=cosignature.timestamp,
                    now=self._clock(),
                )
        except IntegrityError:  # another step stored this witness's line first: same fact
            pass
        state.held_size = latest.size
        state.last_error = None
        state.last_success = time.monotonic()

    async def _publish(self, latest: AuditCheckpointRow) -> None:
        if self._publisher is None or self._published == latest.size:
            return
        async with self._sessions() as session:
            lines = (await TreeRepository(session).cosignature_lines([latest.size])).get(
                latest.size, []
            )
        if len(lines) < self._quorum:
            return
        try:
            await self._publisher.publish(latest.size, latest.note + "".join(lines))
        except PublishConflict as exc:  # evidence of a fork: say so loudly, keep cosigning
            logger.error("checkpoint publisher refused size %d: %s", latest.size, exc)
            self.publish_error = str(exc)
            return
        self._published = latest.size

    # ----------------------------------------------------------------- background task

    def start(self) -> None:
        """Start the background task (the app lifespan does)."""
        if self._task is None and self._clients:
            self._task = asyncio.create_task(self._run(), name="audit-witnessing")

    def wake(self) -> None:
        """Look for a new checkpoint now."""
        self._wake.set()

    async def stop(self, *, grace_s: float = 5.0) -> None:
        """Stop the task after its current step (``stop_after_step``: a step cancelled midway
        would keep the log engine's connection inside ``BEGIN IMMEDIATE``); only a step that
        outlasts ``grace_s`` (a witness that never answers) is cancelled."""
        task, self._task = self._task, None
        if task is not None:
            self._stopping = True
            self._wake.set()
            try:
                await stop_after_step(task, grace_s=grace_s)
            finally:
                self._stopping = False

    def _stop_requested(self) -> bool:
        return self._stopping

    async def _run(self) -> None:
        backoff = self._interval
        while not self._stop_requested():
            try:
                if self._is_leader():
                    await self.step()
                failing = any(s.last_error for s in self.states.values())
                backoff = min(backoff * 2, 10.0) if failing else self._interval
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # keep running: cosigning is late, nothing is lost
                logger.error("witnessing step failed: %s", type(exc).__name__)
                backoff = min(backoff * 2, 10.0)
            self._wake.clear()
            if self._stop_requested():  # stop() may have asked while the step ran
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=backoff)


@dataclass(frozen=True, slots=True)
class WitnessGap:
    """How far one witness's cosignatures lag behind the newest checkpoint."""

    name: str
    key: str
    cosigned_size: int | None
    latest_size: int
    last_error: str | None

    @property
    def gap(self) -> int:
        """Entries of the newest checkpoint not covered by this witness's cosignature."""
        return self.latest_size - (self.cosigned_size or 0)


async def witness_gaps(
    sessions: async_sessionmaker[AsyncSession], witnessing: WitnessCosigning | None
) -> list[WitnessGap]:
    """Each configured witness's gap, from the database (any replica can answer)."""
    if witnessing is None or not witnessing.clients:
        return []
    async with sessions() as session:
        repo = TreeRepository(session)
        latest = await repo.latest_checkpoint()
        cosigned = await repo.cosigned_sizes()
    latest_size = latest.size if latest is not None else 0
    return [
        WitnessGap(
            state.name,
            key,
            cosigned.get(key),
            latest_size,
            state.last_error,
        )
        for key, state in witnessing.states.items()
    ]
