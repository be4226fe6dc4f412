"""Reading the transparency log: checkpoints, proofs, the citizen's access log and receipts."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.audit.entries.models import AuditCheckpointRow, AuditEntryRow
from gateway.audit.log.repository import TreeRepository
from gateway.audit.log.schemas import (
    AccessLogItem,
    AccessLogPage,
    AccessStatus,
    CheckpointRead,
    ConsistencyProofRead,
    InclusionProofRead,
    PublicKeyRead,
)
from gateway.audit.proofs.export_format import RECEIPT_SUFFIX, format_receipt
from gateway.audit.proofs.merkle import NodeId, ProofError, consistency_plan, inclusion_plan
from gateway.audit.proofs.notes import NoteVerifier
from gateway.errors import Conflict, InvalidRequest, NotFound
from gateway.text import Text

_PENDING_TEXT = Text(
    da="Endnu ikke sekvenseret; bevis følger inden for et sekund",
    en="not yet sequenced; a proof follows within a second",
)
_SEQUENCED_TEXT = Text(da="Med i den signerede log", en="in the signed log")
_PURGED_TEXT = Text(
    da="Indholdet er slettet efter opbevaringsperioden; hashen er bevaret",
    en="content purged after the retention period; its hash is kept",
)


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def checkpoint_read(row: AuditCheckpointRow, origin: str) -> CheckpointRead:
    return CheckpointRead(
        origin=origin,
        size=row.size,
        root_hash=_b64(row.root_hash),
        note=row.note,
        created_at=row.created_at,
    )


@dataclass(frozen=True, slots=True)
class ReceiptFile:
    """A receipt download: file name and C2SP tlog-proof text."""

    filename: str
    text: str


class AuditLogService:
    """Checkpoints and proofs for auditors, the DPO and citizens. Never writes."""

    def __init__(self, session: AsyncSession, *, origin: str, verifier: NoteVerifier) -> None:
        self._repo = TreeRepository(session)
        self._origin = origin
        self._verifier = verifier

    def public_key(self) -> PublicKeyRead:
        """The verifier key checkpoints are signed with."""
        return PublicKeyRead(
            verifier_key=str(self._verifier),
            origin=self._origin,
            key_name=self._verifier.name,
            key_id=f"{self._verifier.key_id:08x}",
        )

    async def latest_checkpoint(self) -> CheckpointRead:
        """The newest signed checkpoint."""
        row = await self._repo.latest_checkpoint()
        if row is None:
            raise NotFound(
                Text(da="Intet checkpoint endnu", en="no checkpoint yet"), code="no_checkpoint"
            )
        return checkpoint_read(row, self._origin)

    async def checkpoint(self, size: int) -> CheckpointRead:
        """The checkpoint signed at exactly ``size``."""
        row = await self._repo.checkpoint(size)
        if row is None:
            raise NotFound(
                Text(da=f"Intet checkpoint i størrelse {size}", en=f"no checkpoint of size {size}"),
                code="no_checkpoint",
            )
        return checkpoint_read(row, self._origin)

    async def _tree_size(self) -> int:
        return (await self._repo.tree_state()).size

    async def inclusion(self, index: int, *, size: int | None = None) -> InclusionProofRead:
        """Inclusion proof of leaf ``index`` (default: in the newest checkpoint)."""
        if size is None:
            latest = await self._repo.latest_checkpoint()
            size = latest.size if latest is not None else 0
        if size > await self._tree_size():
            raise InvalidRequest(f"size {size} is beyond the sequenced log", code="bad_size")
        try:
            plan = inclusion_plan(index, size)
        except ProofError as exc:
            raise InvalidRequest(str(exc), code="bad_index") from exc
        leaf, *hashes = await self._repo.get_nodes([NodeId(0, index), *plan.nodes])
        checkpoint = await self._repo.checkpoint(size)
        return InclusionProofRead(
            index=index,
            size=size,
            leaf_hash=_b64(leaf),
            proof=[_b64(h) for h in plan.assemble(hashes)],
            checkpoint=checkpoint.note if checkpoint is not None else None,
        )

    async def consistency(self, old: int, new: int) -> ConsistencyProofRead:
        """Consistency proof from tree size ``old`` to ``new``."""
        if new > await self._tree_size():
            raise InvalidRequest(f"size {new} is beyond the sequenced log", code="bad_size")
        try:
            plan = consistency_plan(old, new)
        except ProofError as exc:
            raise InvalidRequest(str(exc), code="bad_size") from exc
        hashes = await self._repo.get_nodes(plan.nodes)
        return ConsistencyProofRead(
            old=old, new=new, proof=[_b64(h) for h in plan.assemble(hashes)]
        )

    # ----------------------------------------------------------------- citizens

    async def access_log(
        self, pseudonyms: Sequence[str], *, before: int | None, limit: int, receipt_base: str
    ) -> AccessLogPage:
        """The citizen's entries, newest first, each with its proof against the newest
        checkpoint (one batched fetch of subtree hashes for the whole page)."""
        rows = await self._repo.rows_for_citizen(pseudonyms, before=before, limit=limit)
        latest = await self._repo.latest_checkpoint()
        size = latest.size if latest is not None else 0
        plans = {
            r.seq: inclusion_plan(r.leaf_index, size)
            for r in rows
            if r.leaf_index is not None and r.leaf_index < size
        }
        wanted = list({n for plan in plans.values() for n in plan.nodes})
        fetched = dict(zip(wanted, await self._repo.get_nodes(wanted), strict=True))
        items = []
        for row in rows:
            plan = plans.get(row.seq)
            proof = None
            if plan is not None:
                proof = [_b64(h) for h in plan.assemble([fetched[n] for n in plan.nodes])]
            items.append(self._item(row, proof, latest, receipt_base))
        next_cursor = rows[-1].seq if len(rows) == limit else None
        return AccessLogPage(items=items, next_cursor=next_cursor, verifier_key=str(self._verifier))

    def _item(
        self,
        row: AuditEntryRow,
        proof: list[str] | None,
        latest: AuditCheckpointRow | None,
        receipt_base: str,
    ) -> AccessLogItem:
        body = row.body.encode("utf-8") if row.body is not None else None
        status: AccessStatus
        if proof is None:
            status, text = "pending", _PENDING_TEXT.both()
        elif body is None:
            status, text = "purged", _PURGED_TEXT.both()
        else:
            status, text = "sequenced", _SEQUENCED_TEXT.both()
        return AccessLogItem(
            event_id=row.event_id,
            time=row.recorded_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            status=status,
            status_text=text,
            leaf_index=row.leaf_index if proof is not None else None,
            leaf=_b64(body) if body is not None else None,
            leaf_hash=_b64(row.leaf_hash) if row.leaf_hash is not None else None,
            entry=json.loads(body) if body is not None else None,
            inclusion_proof=proof,
            tree_size=latest.size if proof is not None and latest is not None else None,
            checkpoint=latest.note if proof is not None and latest is not None else None,
            receipt_url=f"{receipt_base}/{row.event_id}/receipt" if proof is not None else None,
        )

    async def _own_entry(self, event_id: str, pseudonyms: Sequence[str]) -> AuditEntryRow:
        row = await self._repo.entry_for_citizen(event_id, pseudonyms)
        if row is None:  # someone else's entry looks exactly like a missing one
            raise NotFound(Text(da="Ingen sådan post", en="no such entry"), code="entry_not_found")
        return row

    async def receipt(self, event_id: str, pseudonyms: Sequence[str]) -> ReceiptFile:
        """A C2SP tlog-proof receipt for one of the citizen's entries."""
        row = await self._own_entry(event_id, pseudonyms)
        latest = await self._repo.latest_checkpoint()
        if row.leaf_index is None or latest is None or row.leaf_index >= latest.size:
            raise Conflict(_PENDING_TEXT, code="not_sequenced")
        plan = inclusion_plan(row.leaf_index, latest.size)
        proof = plan.assemble(await self._repo.get_nodes(plan.nodes))
        text = format_receipt(row.leaf_index, proof, latest.note)
        return ReceiptFile(f"tvaers-{event_id}{RECEIPT_SUFFIX}", text)

    async def entry_bytes(self, event_id: str, pseudonyms: Sequence[str]) -> bytes:
        """The exact bytes of one of the citizen's entries (what the leaf hash covers)."""
        row = await self._own_entry(event_id, pseudonyms)
        if row.body is None:
            raise NotFound(_PURGED_TEXT, code="entry_purged")
        return row.body.encode("utf-8")
