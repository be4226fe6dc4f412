"""audit log: tree nodes, tree state, checkpoints, sequencer lease

Revision ID: 0002_audit_log
Revises: 0001
Create Date: 2026-11-23
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0002_audit_log"
down_revision = "0001"
branch_labels = None
depends_on = None

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def upgrade() -> None:
    op.create_table(
        "audit_tree_nodes",
        sa.Column("node_key", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("node_key"),
    )
    state = op.create_table(
        "audit_tree_state",
        sa.Column("name", sa.String(length=16), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column("size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("verifier_key", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("size"),
    )
    lease = op.create_table(
        "audit_sequencer_lease",
        sa.Column("name", sa.String(length=16), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.bulk_insert(
        state,
        [{"name": "main", "size": 0, "state": '{"size":0,"frontier":[]}', "updated_at": _EPOCH}],
    )
    op.bulk_insert(lease, [{"name": "main", "holder": None, "expires_at": _EPOCH}])


def downgrade() -> None:
    op.drop_table("audit_sequencer_lease")
    op.drop_table("audit_checkpoints")
    op.drop_table("audit_tree_state")
    op.drop_table("audit_tree_nodes")
