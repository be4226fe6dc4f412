"""The integrity panel's witness check: the log against what independent witnesses saw.

For each configured witness, fetch the newest checkpoint it cosigned for this log (the
tlog-witness monitoring API), verify the log's signature and the witness's cosignature on
it, and check it against the database: the witnessed size must not exceed the log's
(else the tail was deleted: a rollback), and the log's newest checkpoint must extend the
witnessed one (a consistency proof from the database, checked against the *witness's*
root: else the log forked). The database's own checkpoints are not trusted for this.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.audit.entries.models import AuditCheckpointRow
from gateway.audit.log.repository import TreeRepository
from gateway.audit.log.witnessing import WitnessClient, WitnessError
from gateway.audit.proofs.cosignature import verify_cosignatures
from gateway.audit.proofs.merkle import ProofError, consistency_plan, verify_consistency
from gateway.audit.proofs.notes import NoteError, NoteVerifier, open_checkpoint

WitnessCheckStatus = Literal["ok", "behind", "failed", "unreachable", "none"]


class WitnessCheck(BaseModel):
    """One witness's view of the log, as the panel shows it (texts Danish / English)."""

    name: str
    key: str
    status: WitnessCheckStatus
    witnessed_size: int | None
    gap: int | None
    detail: str
    note: str | None = None


def origin_hash(origin: str) -> str:
    """The tlog-witness monitoring path segment of a log."""
    return hashlib.sha256(origin.encode("utf-8")).hexdigest()


async def check_witnesses(
    session: AsyncSession,
    clients: Sequence[WitnessClient],
    *,
    origin: str,
    verifier: NoteVerifier,
) -> list[WitnessCheck]:
    """Check the log against every witness (concurrently; each within its deadline)."""
    notes = await asyncio.gather(
        *(c.latest(origin_hash(origin)) for c in clients), return_exceptions=True
    )
    repo = TreeRepository(session)
    latest = await repo.latest_checkpoint()
    checks = []
    for client, fetched in zip(clients, notes, strict=True):
        checks.append(await _check(repo, client, fetched, latest, origin, verifier))
    return checks


async def _check(
    repo: TreeRepository,
    client: WitnessClient,
    fetched: str | BaseException | None,
    latest: AuditCheckpointRow | None,
    origin: str,
    verifier: NoteVerifier,
) -> WitnessCheck:
    endpoint = client.endpoint
    base = {"name": endpoint.verifier.name, "key": endpoint.key}
    if isinstance(fetched, BaseException):
        kind = type(fetched).__name__ if not isinstance(fetched, WitnessError) else str(fetched)
        return WitnessCheck(
            **base,
            status="unreachable",
            witnessed_size=None,
            gap=None,
            detail=f"Vidnet svarer ikke / the witness does not answer ({kind})",
        )
    if fetched is None:
        return WitnessCheck(
            **base,
            status="none",
            witnessed_size=None,
            gap=None,
            detail="Vidnet har endnu ikke medsigneret / the witness has not cosigned yet",
        )
    try:
        witnessed = open_checkpoint(fetched, [verifier], origin=origin)
        if not verify_cosignatures(fetched, [endpoint.verifier]):
            raise NoteError("no cosignature from the witness's key")
    except NoteError as exc:
        return WitnessCheck(
            **base,
            status="failed",
            witnessed_size=None,
            gap=None,
            detail=f"Vidnets checkpoint verificerer ikke / witness checkpoint invalid: {exc}",
        )
    size = witnessed.size
    log_size = latest.size if latest is not None else 0
    if size > log_size:
        return WitnessCheck(
            **base,
            status="failed",
            witnessed_size=size,
            gap=None,
            note=fetched,
            detail=(
                f"Vidnet har set størrelse {size}, loggen har nu kun {log_size}: loggen er rullet "
                f"tilbage / the witness saw size {size}, the log now has only {log_size}: the "
                "log was rolled back"
            ),
        )
    try:
        log_root = latest.root_hash if latest is not None else b""
        proof: list[bytes] = []
        if 0 < size < log_size:
            plan = consistency_plan(size, log_size)
            proof = plan.assemble(await repo.get_nodes(plan.nodes))
        verify_consistency(size, log_size, witnessed.root_hash, log_root, proof)
    except (ProofError, KeyError) as exc:
        return WitnessCheck(
            **base,
            status="failed",
            witnessed_size=size,
            gap=None,
            note=fetched,
            detail=(
                f"Loggen er ikke en udvidelse af vidnets størrelse {size} (forgrenet?) / the "
                f"log does not extend the witnessed size {size} (a fork?): {exc}"
            ),
        )
    gap = log_size - size
    return WitnessCheck(
        **base,
        status="ok" if gap == 0 else "behind",
        witnessed_size=size,
        gap=gap,
        note=fetched,
        detail=(
            f"Medsigneret til størrelse {size}; loggen udvider den ({gap} nyere poster endnu "
            f"ikke medsigneret) / cosigned up to size {size}; the log extends it ({gap} newer "
            "entries not yet cosigned)"
        ),
    )
