"""The audit entry table. ``body`` holds the canonical JSON bytes that become a Merkle leaf."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, UTCDateTime


class AuditEntryRow(Base):
    """One audit entry. Indexed columns duplicate a few body fields for DPO search only.

    ``seq`` is the commit order of the row; ``leaf_index`` is assigned by the sequencer.
    """

    __tablename__ = "audit_entries"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    phase: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(32))
    request_id: Mapped[str] = mapped_column(String(36), index=True)
    actor_id: Mapped[str] = mapped_column(String(200), index=True)
    actor_department: Mapped[str | None] = mapped_column(String(64))
    purpose: Mapped[str | None] = mapped_column(String(64))
    basis_kinds: Mapped[str | None] = mapped_column(String(200))
    citizen_pseudonym: Mapped[str | None] = mapped_column(String(64))
    body: Mapped[str | None] = mapped_column(Text)
    leaf_index: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    leaf_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32))

    __table_args__ = (
        Index("ix_audit_citizen_time", "citizen_pseudonym", "recorded_at"),
        Index("ix_audit_actor_time", "actor_id", "recorded_at"),
    )


# --------------------------------------------------------------------------- transparency log


class AuditTreeNodeRow(Base):
    """A perfect-subtree hash at level >= 1 (leaf hashes live in ``audit_entries.leaf_hash``).

    ``node_key`` packs (level, index) as ``level << 48 | index`` so a proof's nodes are
    fetched with one plain ``IN`` on one column, portably across SQLite and PostgreSQL.
    """

    __tablename__ = "audit_tree_nodes"

    node_key: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class AuditTreeStateRow(Base):
    """The compact range of the tree (one row, ``name='main'``), so a restart does not rehash.

    ``size`` is also the compare-and-swap guard: a sequencer only extends the tree from the
    size it read, so two sequencers can never both append.
    """

    __tablename__ = "audit_tree_state"

    name: Mapped[str] = mapped_column(String(16), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AuditCheckpointRow(Base):
    """Every signed checkpoint ever issued, by tree size."""

    __tablename__ = "audit_checkpoints"

    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    note: Mapped[str] = mapped_column(Text)
    verifier_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AuditSequencerLeaseRow(Base):
    """Who may sequence (SQLite; PostgreSQL uses an advisory lock). One row, ``name='main'``."""

    __tablename__ = "audit_sequencer_lease"

    name: Mapped[str] = mapped_column(String(16), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AuditCosignatureRow(Base):
    """A witness's cosignature line on the checkpoint of ``size`` (C2SP tlog-cosignature).

    ``witness`` is the witness's verifier key string (name, key id and key), so a line is
    only ever combined with the key it was verified against.
    """

    __tablename__ = "audit_cosignatures"

    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    witness: Mapped[str] = mapped_column(String(200), primary_key=True)
    line: Mapped[str] = mapped_column(Text)
    cosigned_at: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
