"""consentrecord: ISO/IEC TS 27560 record fields, granted fields, pending confirmation

Revision ID: 0006_consentrecord_record_fields
Revises: 0005_shared_state
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_consentrecord_record_fields"
down_revision = "0005_shared_state"
branch_labels = None
depends_on = None

_COLUMNS = (
    ("granted_fields", sa.JSON()),
    ("notice_sha256", sa.String(length=64)),
    ("controller", sa.JSON()),
    ("lawful_basis", sa.JSON()),
    ("retention", sa.String(length=300)),
    ("jurisdiction", sa.String(length=8)),
    ("withdrawal_method", sa.String(length=300)),
    ("awaiting_confirmation", sa.JSON()),
    ("confirmed_at", sa.DateTime(timezone=True)),
    ("confirmed_by", sa.String(length=200)),
    ("confirmed_via", sa.String(length=32)),
    ("withdrawal_evidence_ref", sa.String(length=500)),
    ("withdrawal_receipt", sa.Text()),
    ("history", sa.JSON()),
)


def upgrade() -> None:
    # Batch mode: SQLite cannot widen a column in place ("pending_confirmation" > 16 chars).
    with op.batch_alter_table("consents") as batch:
        batch.alter_column("status", existing_type=sa.String(length=16), type_=sa.String(length=32))
        for name, kind in _COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("consents") as batch:
        for name, _ in reversed(_COLUMNS):
            batch.drop_column(name)
        batch.alter_column("status", existing_type=sa.String(length=32), type_=sa.String(length=16))
