"""shared state: rate-limit windows and background jobs (shared by gateway replicas)

Revision ID: 0005_shared_state
Revises: 0004_witness_cosignatures
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_shared_state"
down_revision = "0004_witness_cosignatures"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_windows",
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("window_start", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key_hash", "window_start"),
    )
    op.create_index("ix_rate_windows_expires_at", "rate_windows", ["expires_at"])
    op.create_table(
        "shared_jobs",
        sa.Column("job_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("running", sa.Boolean(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("job_id"),
    )
    op.create_index("ix_shared_jobs_kind_started", "shared_jobs", ["kind", "started_at"])


def downgrade() -> None:
    op.drop_index("ix_shared_jobs_kind_started", table_name="shared_jobs")
    op.drop_table("shared_jobs")
    op.drop_index("ix_rate_windows_expires_at", table_name="rate_windows")
    op.drop_table("rate_windows")
