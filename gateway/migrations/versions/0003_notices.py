"""break-glass episodes, notices outbox, anomaly triage

Revision ID: 0003_notices
Revises: 0002_audit_log
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_notices"
down_revision = "0002_audit_log"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "anomaly_triage",
        sa.Column("anomaly_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("anomaly_id"),
    )
    op.create_table(
        "break_glass_episodes",
        sa.Column("episode_id", sa.String(length=36), nullable=False),
        sa.Column("citizen_pseudonym", sa.String(length=64), nullable=False),
        sa.Column("pseudonym_key_id", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.String(length=200), nullable=False),
        sa.Column("actor_department", sa.String(length=64), nullable=True),
        sa.Column("actor_roles", sa.JSON(), nullable=False),
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("justification", sa.Text(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.Column("first_request_id", sa.String(length=36), nullable=False),
        sa.Column("review_status", sa.String(length=16), nullable=False),
        sa.Column("review_verdict", sa.String(length=16), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.Column("reviewed_by", sa.String(length=200), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("episode_id"),
    )
    with op.batch_alter_table("break_glass_episodes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_break_glass_actor_citizen",
            ["actor_id", "citizen_pseudonym", "expires_at"],
            unique=False,
        )
        batch_op.create_index("ix_break_glass_citizen", ["citizen_pseudonym"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_break_glass_episodes_review_status"), ["review_status"], unique=False
        )

    op.create_table(
        "notice_contacts",
        sa.Column("citizen_pseudonym", sa.String(length=64), nullable=False),
        sa.Column("email_ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("email_key_id", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("citizen_pseudonym"),
    )
    op.create_table(
        "notices",
        sa.Column("notice_id", sa.String(length=36), nullable=False),
        sa.Column("citizen_pseudonym", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=True),
        sa.Column("subject_da", sa.String(length=300), nullable=False),
        sa.Column("subject_en", sa.String(length=300), nullable=False),
        sa.Column("body_da", sa.Text(), nullable=False),
        sa.Column("body_en", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("notice_id"),
        sa.UniqueConstraint("dedupe_key"),
    )
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notices_citizen_time", ["citizen_pseudonym", "created_at"], unique=False
        )

    op.create_table(
        "notice_deliveries",
        sa.Column("delivery_id", sa.String(length=36), nullable=False),
        sa.Column("notice_id", sa.String(length=36), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["notices.notice_id"],
        ),
        sa.PrimaryKeyConstraint("delivery_id"),
    )
    with op.batch_alter_table("notice_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notice_deliveries_due", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_notice_deliveries_notice_id"), ["notice_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("notice_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notice_deliveries_notice_id"))
        batch_op.drop_index("ix_notice_deliveries_due")

    op.drop_table("notice_deliveries")
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.drop_index("ix_notices_citizen_time")

    op.drop_table("notices")
    op.drop_table("notice_contacts")
    with op.batch_alter_table("break_glass_episodes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_break_glass_episodes_review_status"))
        batch_op.drop_index("ix_break_glass_citizen")
        batch_op.drop_index("ix_break_glass_actor_citizen")

    op.drop_table("break_glass_episodes")
    op.drop_table("anomaly_triage")
