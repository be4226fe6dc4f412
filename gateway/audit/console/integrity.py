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
import io
import json
import shutil
import tempfile
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.audit.console.repository import AnalyticsRepository, AuditFilter
from gateway.audit.log.export import ExportProgress, ExportSummary, export_log
from gateway.audit.log.repository import TreeRepository
from gateway.audit.log.service import AuditLogService
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


async def integrity_status(
    session: AsyncSession, *, origin: str, verifier: NoteVerifier, now: datetime
) -> IntegrityStatus:
    """Check the newest checkpoint's signature and its consistency with the one before."""
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
    """A running or finished "verify now"; polled by the panel."""

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


@dataclass
class VerifyJobs:
    """One process's verify-now jobs (the newest few are kept)."""

    jobs: dict[str, VerifyJob] = field(default_factory=dict)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def get(self, job_id: str) -> VerifyJob:
        found = self.jobs.get(job_id)
        if found is None:
            raise NotFound(
                Text(da="Ingen sådan kontrol", en="no such verification"), code="job_not_found"
            )
        return found

    def start(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        origin: str,
        verifier: NoteVerifier,
    ) -> VerifyJob:
        """Start a full verification in the background and return its job."""
        running = [j for j in self.jobs.values() if j.phase in ("export", "verify")]
        if running:
            return running[0]
        job = VerifyJob(job_id=uuid.uuid4().hex, started_at=datetime.now(UTC))
        for old in sorted(self.jobs.values(), key=lambda j: j.started_at)[:-4]:
            del self.jobs[old.job_id]
        self.jobs[job.job_id] = job
        task = asyncio.create_task(_run(job, sessions, origin=origin, verifier=verifier))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return job


async def _run(
    job: VerifyJob,
    sessions: async_sessionmaker[AsyncSession],
    *,
    origin: str,
    verifier: NoteVerifier,
) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="tvaers-verify-"))

    def progress(done: int, total: int) -> None:
        job.done, job.total = done, total

    try:
        # The export copies the rows as they are (never "repairing" one); the offline
        # verifier then checks them against the signed checkpoints alone.
        await _export(sessions, tmp, origin=origin, progress=progress)
        job.phase, job.done = "verify", 0
        job.result = await asyncio.to_thread(verify_export, tmp, key=verifier, progress=progress)
        job.phase = "done" if job.result.ok else "failed"
    except Exception as exc:  # the panel must show the failure, not hang
        job.phase, job.error = "failed", f"{type(exc).__name__}: {exc}"
    finally:
        job.finished_at = datetime.now(UTC)
        shutil.rmtree(tmp, ignore_errors=True)
