"""witness cosignatures of audit checkpoints

Revision ID: 0004_witness_cosignatures
Revises: 0003_notices
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_witness_cosignatures"
down_revision = "0003_notices"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_cosignatures",
        sa.Column("size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("witness", sa.String(length=200), nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.Column("cosigned_at", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("size", "witness"),
    )


def downgrade() -> None:
    op.drop_table("audit_cosignatures")
