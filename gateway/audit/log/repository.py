"""SQL for the transparency log: leaves, subtree hashes, tree state, checkpoints, lease.

Leaf hashes live in ``audit_entries.leaf_hash`` (level 0); higher perfect subtrees in
``audit_tree_nodes``. Together they are the database-backed :class:`AsyncHashStore`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.audit.entries.models import (
    AuditCheckpointRow,
    AuditEntryRow,
    AuditSequencerLeaseRow,
    AuditTreeNodeRow,
    AuditTreeStateRow,
)
from gateway.audit.proofs.merkle import NodeId, TreeState

STATE_NAME = "main"
NODE_LEVEL_SHIFT = 48  # node_key = level << 48 | index: room for 2**48 leaves
_IN_CHUNK = 500  # bound the IN list: SQLite's variable limit and plan size


class TreeStateConflict(RuntimeError):
    """The tree grew under us: another sequencer extended it. Nothing was written."""


def _table(model: type[Any]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def node_key(node: NodeId) -> int:
    """Pack a perfect subtree id into one integer column."""
    return (node.level << NODE_LEVEL_SHIFT) | node.index


@dataclass(frozen=True, slots=True)
class PendingEntry:
    """A committed entry row waiting for a leaf index."""

    seq: int
    body: str | None


@dataclass(frozen=True, slots=True)
class SequencedLeaf:
    """What the sequencer writes for one entry."""

    seq: int
    leaf_index: int
    leaf_hash: bytes


class TreeRepository:
    """Reads and writes of the Merkle tree tables. The caller owns the transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # ----------------------------------------------------------------- sequencing

    async def tree_state(self) -> TreeState:
        """The stored compact range."""
        row = await self._session.get(AuditTreeStateRow, STATE_NAME, populate_existing=True)
        if row is None:
            raise RuntimeError("audit_tree_state has no row; run the migrations")
        state = TreeState.from_json(row.state)
        if state.size != row.size:
            raise RuntimeError("audit_tree_state size column disagrees with its state")
        return state

    async def pending(self, *, limit: int) -> list[PendingEntry]:
        """Committed rows without a leaf index, in commit (``seq``) order."""
        query = (
            select(AuditEntryRow.seq, AuditEntryRow.body)
            .where(AuditEntryRow.leaf_index.is_(None))
            .order_by(AuditEntryRow.seq)
            .limit(limit)
        )
        return [PendingEntry(seq, body) for seq, body in (await self._session.execute(query))]

    async def has_pending(self) -> bool:
        """Whether any committed row still waits for a leaf index."""
        query = select(AuditEntryRow.seq).where(AuditEntryRow.leaf_index.is_(None)).limit(1)
        return (await self._session.scalar(query)) is not None

    async def store_leaves(self, leaves: Sequence[SequencedLeaf]) -> None:
        """Set leaf index and hash on each row (only rows that still have none)."""
        if not leaves:
            return
        table = _table(AuditEntryRow)
        statement = (
            update(table)
            .where(table.c.seq == bindparam("b_seq"), table.c.leaf_index.is_(None))
            .values(leaf_index=bindparam("b_index"), leaf_hash=bindparam("b_hash"))
        )
        await self._session.execute(
            statement,
            [{"b_seq": x.seq, "b_index": x.leaf_index, "b_hash": x.leaf_hash} for x in leaves],
        )

    async def store_nodes(self, nodes: Sequence[tuple[NodeId, bytes]]) -> None:
        """Insert level >= 1 subtree hashes (level 0 is the entry's ``leaf_hash``)."""
        rows = [{"node_key": node_key(n), "hash": h} for n, h in nodes if n.level > 0]
        if rows:
            await self._session.execute(insert(_table(AuditTreeNodeRow)), rows)

    async def save_state(self, old_size: int, state: TreeState, *, now: datetime) -> None:
        """Store the new compact range if the tree still has ``old_size`` leaves."""
        table = _table(AuditTreeStateRow)
        result = await self._session.execute(
            update(table)
            .where(table.c.name == STATE_NAME, table.c.size == old_size)
            .values(size=state.size, state=state.to_json(), updated_at=now)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise TreeStateConflict(f"tree is no longer at size {old_size}")

    async def add_checkpoint(
        self, *, size: int, root_hash: bytes, note: str, verifier_key: str, now: datetime
    ) -> None:
        """Keep a signed checkpoint."""
        self._session.add(
            AuditCheckpointRow(
                size=size, root_hash=root_hash, note=note, verifier_key=verifier_key, created_at=now
            )
        )
        await self._session.flush()

    # ----------------------------------------------------------------- reading

    async def latest_checkpoint(self) -> AuditCheckpointRow | None:
        """The checkpoint of the largest tree size."""
        query = select(AuditCheckpointRow).order_by(AuditCheckpointRow.size.desc()).limit(1)
        return await self._session.scalar(query)

    async def checkpoint(self, size: int) -> AuditCheckpointRow | None:
        """The checkpoint of exactly ``size``, if one was signed."""
        return await self._session.get(AuditCheckpointRow, size)

    async def checkpoints(self, *, up_to: int) -> list[AuditCheckpointRow]:
        """Every checkpoint of size <= ``up_to``, smallest first."""
        query = (
            select(AuditCheckpointRow)
            .where(AuditCheckpointRow.size <= up_to)
            .order_by(AuditCheckpointRow.size)
        )
        return list((await self._session.scalars(query)).all())

    async def get_nodes(self, ids: Sequence[NodeId]) -> list[bytes]:
        """:class:`AsyncHashStore`: the hashes of ``ids`` in order; ``KeyError`` if missing."""
        found: dict[NodeId, bytes] = {}
        leaves = sorted({n.index for n in ids if n.level == 0})
        for start in range(0, len(leaves), _IN_CHUNK):
            query = select(AuditEntryRow.leaf_index, AuditEntryRow.leaf_hash).where(
                AuditEntryRow.leaf_index.in_(leaves[start : start + _IN_CHUNK])
            )
            for index, value in await self._session.execute(query):
                if index is not None and value is not None:
                    found[NodeId(0, index)] = value
        keys = sorted({node_key(n) for n in ids if n.level > 0})
        mask = (1 << NODE_LEVEL_SHIFT) - 1
        for start in range(0, len(keys), _IN_CHUNK):
            query2 = select(AuditTreeNodeRow.node_key, AuditTreeNodeRow.hash).where(
                AuditTreeNodeRow.node_key.in_(keys[start : start + _IN_CHUNK])
            )
            for key, value in await self._session.execute(query2):
                found[NodeId(key >> NODE_LEVEL_SHIFT, key & mask)] = value
        try:
            return [found[n] for n in ids]
        except KeyError as exc:
            raise KeyError(f"subtree {exc.args[0]} is not stored") from exc

    async def export_batch(
        self, *, start: int, end: int, limit: int
    ) -> list[tuple[int | None, str | None, bytes | None]]:
        """Rows with ``start <= leaf_index < end`` in index order: (index, body, leaf hash)."""
        query = (
            select(AuditEntryRow.leaf_index, AuditEntryRow.body, AuditEntryRow.leaf_hash)
            .where(AuditEntryRow.leaf_index >= start, AuditEntryRow.leaf_index < end)
            .order_by(AuditEntryRow.leaf_index)
            .limit(limit)
        )
        return [(i, b, h) for i, b, h in await self._session.execute(query)]

    async def rows_for_citizen(
        self, pseudonyms: Sequence[str], *, before: int | None, limit: int
    ) -> list[AuditEntryRow]:
        """A citizen's entries (under any pseudonym key), newest first."""
        query = select(AuditEntryRow).where(AuditEntryRow.citizen_pseudonym.in_(list(pseudonyms)))
        if before is not None:
            query = query.where(AuditEntryRow.seq < before)
        query = query.order_by(AuditEntryRow.seq.desc()).limit(limit)
        return list((await self._session.scalars(query)).all())

    async def entry_for_citizen(
        self, event_id: str, pseudonyms: Sequence[str]
    ) -> AuditEntryRow | None:
        """One entry, only if it is about this citizen."""
        query = select(AuditEntryRow).where(
            AuditEntryRow.event_id == event_id,
            AuditEntryRow.citizen_pseudonym.in_(list(pseudonyms)),
        )
        return await self._session.scalar(query)

    # ----------------------------------------------------------------- retention

    async def purge_before(self, cutoff: datetime, *, covered_size: int, limit: int) -> int:
        """Drop the body and search columns of up to ``limit`` old, checkpointed entries.

        The leaf hash and index stay, so the tree and every proof still verify.
        """
        ids = select(AuditEntryRow.seq).where(
            AuditEntryRow.recorded_at < cutoff,
            AuditEntryRow.leaf_index.is_not(None),
            AuditEntryRow.leaf_index < covered_size,
            AuditEntryRow.body.is_not(None),
        )
        seqs = list((await self._session.scalars(ids.limit(limit))).all())
        if not seqs:
            return 0
        await self._session.execute(
            update(AuditEntryRow)
            .where(AuditEntryRow.seq.in_(seqs))
            .values(
                body=None,
                citizen_pseudonym=None,
                purpose=None,
                actor_department=None,
                basis_kinds=None,
                actor_id="",
            )
            .execution_options(synchronize_session=False)
        )
        return len(seqs)

    # ----------------------------------------------------------------- SQLite lease

    async def take_lease(self, holder: str, *, now: datetime, until: datetime) -> bool:
        """Take or renew the sequencer lease; False if someone else holds a live one."""
        table = _table(AuditSequencerLeaseRow)
        result = await self._session.execute(
            update(table)
            .where(
                table.c.name == STATE_NAME,
                (table.c.holder == holder) | (table.c.expires_at < now) | table.c.holder.is_(None),
            )
            .values(holder=holder, expires_at=until)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def release_lease(self, holder: str, *, now: datetime) -> None:
        """Give the lease up so another process may take over at once."""
        table = _table(AuditSequencerLeaseRow)
        await self._session.execute(
            update(table)
            .where(table.c.name == STATE_NAME, table.c.holder == holder)
            .values(holder=None, expires_at=now)
        )
