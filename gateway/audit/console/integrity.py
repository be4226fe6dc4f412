"""The DPO's integrity panel and the signed export of a filtered result.

Integrity: the newest checkpoint and its signature, a consistency check against the checkpoint
before it, and "verify now" — a full export of the log verified with the offline verifier
(``verify_export``) on the server, with progress. Verification uses the checkpoint signatures
and the hashes only, so an entry row edited in the database fails it.

Signed export of a filtered result: ``tvaers audit export`` (``export.py``) with the selected
entries embedded and every other leaf given by its hash only — the same line a retention
purge leaves. ``tvaers audit verify full --export DIR``
therefore accepts it unchanged and proves that the selected entries are exactly what the
signed log holds at those indexes; the other entries' content stays out of the file.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import shutil
import tempfile
import uuid
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.audit.console.repository import AnalyticsRepository, AuditFilter
from gateway.audit.console.witnesses import WitnessCheck, check_witnesses
from gateway.audit.log.export import ExportProgress, ExportSummary, export_log
from gateway.audit.log.repository import TreeRepository
from gateway.audit.log.service import AuditLogService
from gateway.audit.log.witnessing import WitnessClient
from gateway.audit.proofs.merkle import ProofError
from gateway.audit.proofs.notes import NoteVerifier
from gateway.audit.proofs.verify import (
    ExportVerification,
    VerificationFailed,
    parse_proof_file,
    verify_checkpoint_consistency,
    verify_checkpoint_note,
    verify_export,
)
from gateway.errors import Conflict, NotFound
from gateway.shared_state import JobStore
from gateway.text import Text

SELECTION_FILE = "selection.json"
Status = Literal["ok", "failed", "none"]


class CheckpointStatus(BaseModel):
    size: int
    root_hash: str
    created_at: datetime
    note: str


class IntegrityStatus(BaseModel):
    """What the integrity panel shows; texts are Danish then English."""

    verifier_key: str
    latest: CheckpointStatus | None
    signature: Status
    signature_detail: str
    previous_size: int | None
    consistency: Status
    consistency_detail: str
    checked_at: datetime
    witnessed: Status = "none"
    witnessed_detail: str = "Ingen vidner konfigureret / no witnesses configured"
    witnesses: list[WitnessCheck] = []


def witnessed_verdict(checks: list[WitnessCheck], quorum: int) -> tuple[Status, str]:
    """The panel's summary of the witness checks."""
    if not checks:
        return "none", "Ingen vidner konfigureret / no witnesses configured"
    failed = [c for c in checks if c.status == "failed"]
    if failed:
        return "failed", "; ".join(f"{c.name}: {c.detail}" for c in failed)
    agreeing = [c for c in checks if c.status in ("ok", "behind")]
    sizes = [c.witnessed_size or 0 for c in agreeing]
    if len(agreeing) >= quorum:
        size = sorted(sizes, reverse=True)[quorum - 1]
        return "ok", (
            f"{len(agreeing)} vidne(r) bekræfter loggen op til størrelse {size} / "
            f"{len(agreeing)} witness(es) confirm the log up to size {size}"
        )
    return "none", (
        f"Kun {len(agreeing)} af {quorum} krævede vidner har bekræftet loggen / only "
        f"{len(agreeing)} of the {quorum} required witnesses have confirmed the log"
    )


async def integrity_status(
    session: AsyncSession,
    *,
    origin: str,
    verifier: NoteVerifier,
    now: datetime,
    witnesses: Sequence[WitnessClient] = (),
    quorum: int = 1,
) -> IntegrityStatus:
    """Check the newest checkpoint's signature and its consistency with the one before,
    and the log against the newest checkpoint each witness cosigned."""
    status = await _own_checks(session, origin=origin, verifier=verifier, now=now)
    if witnesses:
        checks = await check_witnesses(session, witnesses, origin=origin, verifier=verifier)
        witnessed, detail = witnessed_verdict(checks, quorum)
        status = status.model_copy(
            update={"witnesses": checks, "witnessed": witnessed, "witnessed_detail": detail}
        )
    return status


async def witnessed_notes(
    session: AsyncSession,
    witnesses: Sequence[WitnessClient],
    *,
    origin: str,
    verifier: NoteVerifier,
) -> list[str]:
    """The witnesses' newest cosigned checkpoints that verify (for "verify now")."""
    checks = await check_witnesses(session, witnesses, origin=origin, verifier=verifier)
    return [c.note for c in checks if c.note is not None]


async def _own_checks(
    session: AsyncSession, *, origin: str, verifier: NoteVerifier, now: datetime
) -> IntegrityStatus:
    logs = AuditLogService(session, origin=origin, verifier=verifier)
    repo = TreeRepository(session)
    latest = await repo.latest_checkpoint()
    if latest is None:
        return IntegrityStatus(
            verifier_key=str(verifier),
            latest=None,
            signature="none",
            signature_detail="Intet checkpoint endnu / no checkpoint yet",
            previous_size=None,
            consistency="none",
            consistency_detail="Intet at sammenligne / nothing to compare",
            checked_at=now,
        )
    status = CheckpointStatus(
        size=latest.size,
        root_hash=latest.root_hash.hex(),
        created_at=latest.created_at,
        note=latest.note,
    )
    try:
        new_cp = verify_checkpoint_note(latest.note, verifier, origin=origin)
        signature: Status = "ok"
        signature_detail = "Gyldig Ed25519-signatur / valid Ed25519 signature"
    except VerificationFailed as exc:
        return IntegrityStatus(
            verifier_key=str(verifier),
            latest=status,
            signature="failed",
            signature_detail=f"{exc.failure.message_da} / {exc.failure.message_en}",
            previous_size=None,
            consistency="none",
            consistency_detail="Ikke kontrolleret / not checked",
            checked_at=now,
        )
    previous = await AnalyticsRepository(session).previous_checkpoint(latest.size)
    if previous is None:
        consistency: Status = "none"
        detail = "Første checkpoint; intet tidligere / first checkpoint, none before"
        previous_size = None
    else:
        previous_size = previous.size
        try:
            old_cp = verify_checkpoint_note(previous.note, verifier, origin=origin)
            proof = await logs.consistency(previous.size, latest.size)
            verify_checkpoint_consistency(
                old_cp, new_cp, parse_proof_file(json.dumps({"proof": proof.proof}))
            )
            consistency = "ok"
            detail = (
                f"Størrelse {latest.size} er en udvidelse af {previous.size} / "
                f"size {latest.size} extends {previous.size}"
            )
        except (VerificationFailed, ProofError, KeyError) as exc:
            consistency = "failed"
            detail = (
                exc.failure.message_da + " / " + exc.failure.message_en
                if isinstance(exc, VerificationFailed)
                else f"Konsistensbeviset fejlede / consistency proof failed: {exc}"
            )
    return IntegrityStatus(
        verifier_key=str(verifier),
        latest=status,
        signature=signature,
        signature_detail=signature_detail,
        previous_size=previous_size,
        consistency=consistency,
        consistency_detail=detail,
        checked_at=now,
    )


# --------------------------------------------------------------------------- export


async def _export(
    sessions: async_sessionmaker[AsyncSession],
    directory: Path,
    *,
    origin: str,
    embed_only: AuditFilter | None = None,
    progress: ExportProgress | None = None,
) -> ExportSummary:
    """``tvaers audit export`` into ``directory``; a log without a checkpoint is a conflict."""
    selection = None
    if embed_only is not None:
        flt = embed_only

        async def selection(session: AsyncSession, size: int) -> set[int]:
            return await AnalyticsRepository(session).matching_leaf_indexes(flt, size=size)

    summary = await export_log(
        sessions, directory, origin=origin, progress=progress, embed_only=selection
    )
    if summary.checkpoints == 0:
        raise Conflict(
            Text(da="Intet checkpoint endnu", en="no checkpoint yet"), code="no_checkpoint"
        )
    return summary


async def signed_export_zip(
    sessions: async_sessionmaker[AsyncSession],
    *,
    origin: str,
    selection: AuditFilter,
    description: dict[str, object],
) -> tuple[bytes, ExportSummary]:
    """The filtered result as a zip of an export directory, plus ``selection.json``."""
    with tempfile.TemporaryDirectory(prefix="tvaers-dpo-export-") as tmp:
        root = Path(tmp) / "tvaers-audit-export"
        summary = await _export(sessions, root, origin=origin, embed_only=selection)
        (root / SELECTION_FILE).write_text(
            json.dumps(
                {
                    "filter": description,
                    "tree_size": summary.tree_size,
                    "selected_entries": summary.embedded,
                    "entries_outside_selection": summary.withheld,
                    "note_da": "Linjer med leaf_hash er poster uden for udvalget (eller slettet "
                    "efter opbevaringsperioden). Verificér: tvaers audit verify full --export "
                    "<mappe> --key <offentliggjort nøgle>.",
                    "note_en": "Lines with leaf_hash are entries outside the selection (or "
                    "purged by retention). Verify: tvaers audit verify full --export <dir> "
                    "--key <published key>.",
                },
                indent=2,
                ensure_ascii=False,
            )
            + "\n",
            encoding="utf-8",
        )
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(root.rglob("*")):
                if path.is_file():
                    archive.write(path, str(path.relative_to(root.parent)))
        return buffer.getvalue(), summary


# --------------------------------------------------------------------------- verify now


@dataclass
class VerifyJob:
    """A running "verify now" as the replica that runs it sees it."""

    job_id: str
    started_at: datetime
    phase: Literal["export", "verify", "done", "failed"] = "export"
    done: int = 0
    total: int = 0
    result: ExportVerification | None = None
    error: str | None = None
    finished_at: datetime | None = None

    @property
    def percent(self) -> int:
        if self.phase in ("done", "failed"):
            return 100
        share = self.done / self.total if self.total else 0.0
        # Export is the first half of the work, verification the second.
        return int(50 * share) + (50 if self.phase == "verify" else 0)


class VerifyJobRead(BaseModel):
    """A "verify now" job as every replica reports it (the published state)."""

    job_id: str
    phase: str
    percent: int
    done: int
    total: int
    ok: bool | None
    entries: int | None
    verified_size: int | None
    failure_da: str | None
    failure_en: str | None
    failure_index: int | None
    error: str | None
    started_at: datetime
    finished_at: datetime | None


def job_read(job: VerifyJob) -> VerifyJobRead:
    result = job.result
    failure = result.failure if result is not None else None
    return VerifyJobRead(
        job_id=job.job_id,
        phase=job.phase,
        percent=job.percent,
        done=job.done,
        total=job.total,
        ok=None if result is None else result.ok,
        entries=None if result is None else result.entries,
        verified_size=None if result is None else result.verified_size,
        failure_da=failure.message_da if failure else None,
        failure_en=failure.message_en if failure else None,
        failure_index=failure.index if failure else None,
        error=job.error,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )


VERIFY_JOB_KIND = "audit-verify"
PUBLISH_EVERY_S = 0.5
STOPPED = (
    "Kontrollen stoppede, fordi serveren, der kørte den, forsvandt; start den igen / "
    "the verification stopped because the server running it went away; start it again"
)


class VerifyJobs:
    """ "Verify now": runs in the replica that started it, readable on every replica.

    Progress is published to the shared job store (``gateway.shared_state``); the export is
    written under ``work_dir`` on disk, not in a RAM-backed ``/tmp``.
    """

    def __init__(self, store: JobStore, *, work_dir: Path) -> None:
        self._store = store
        self._work_dir = work_dir
        self.tasks: set[asyncio.Task[None]] = set()

    async def get(self, job_id: str) -> VerifyJobRead:
        now = datetime.now(UTC)
        view = await self._store.get(job_id, now=now)
        if view is None or view.kind != VERIFY_JOB_KIND:
            raise NotFound(
                Text(da="Ingen sådan kontrol", en="no such verification"), code="job_not_found"
            )
        read = VerifyJobRead.model_validate(view.state)
        if view.stale:
            read = read.model_copy(
                update={"phase": "failed", "percent": 100, "error": STOPPED, "finished_at": now}
            )
        return read

    async def start(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        origin: str,
        verifier: NoteVerifier,
        trusted: Sequence[str] = (),
    ) -> VerifyJobRead:
        """Start a full verification in the background (or return the one running).

        ``trusted``: checkpoints the witnesses cosigned; the log must contain them.
        """
        job = VerifyJob(job_id=uuid.uuid4().hex, started_at=datetime.now(UTC))
        view, created = await self._store.start(
            VERIFY_JOB_KIND,
            job_id=job.job_id,
            state=job_read(job).model_dump(mode="json"),
            now=job.started_at,
        )
        if not created:
            return VerifyJobRead.model_validate(view.state)
        task = asyncio.create_task(
            self._run(job, sessions, origin=origin, verifier=verifier, trusted=trusted)
        )
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return job_read(job)

    async def _publish(self, job: VerifyJob, *, running: bool) -> None:
        await self._store.publish(
            job.job_id,
            state=job_read(job).model_dump(mode="json"),
            running=running,
            now=datetime.now(UTC),
        )

    async def _publish_while_running(self, job: VerifyJob) -> None:
        while True:
            await asyncio.sleep(PUBLISH_EVERY_S)
            with contextlib.suppress(Exception):  # a missed update only delays the panel
                await self._publish(job, running=True)

    async def _run(
        self,
        job: VerifyJob,
        sessions: async_sessionmaker[AsyncSession],
        *,
        origin: str,
        verifier: NoteVerifier,
        trusted: Sequence[str] = (),
    ) -> None:
        self._work_dir.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix="tvaers-verify-", dir=self._work_dir))
        publisher = asyncio.create_task(self._publish_while_running(job))

        def progress(done: int, total: int) -> None:
            job.done, job.total = done, total

        try:
            # The export copies the rows as they are (never "repairing" one); the offline
            # verifier then checks them against the signed checkpoints alone.
            await _export(sessions, tmp, origin=origin, progress=progress)
            job.phase, job.done = "verify", 0
            job.result = await asyncio.to_thread(
                verify_export, tmp, key=verifier, progress=progress, trusted_checkpoints=trusted
            )
            job.phase = "done" if job.result.ok else "failed"
        except Exception as exc:  # the panel must show the failure, not hang
            job.phase, job.error = "failed", f"{type(exc).__name__}: {exc}"
        finally:
            job.finished_at = datetime.now(UTC)
            publisher.cancel()
            with contextlib.suppress(BaseException):
                await publisher
            shutil.rmtree(tmp, ignore_errors=True)
            with contextlib.suppress(Exception):  # if this fails the job turns stale: failed
                await self._publish(job, running=False)
