"""consent scope (members, teams, window) and representation (værge / fuldmagt) — issue 14

Revision ID: 0007_consentscope_scope_repr
Revises: 0006_consentrecord_record_fields
Create Date: 2026-12-04

Additive: the free-text ``recipient_scope`` column stays (no longer written) so that a
rollback loses nothing; the structured ``scope`` replaces it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_consentscope_scope_repr"  # alembic_version holds at most 32 characters
down_revision = "0006_consentrecord_record_fields"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("consents") as batch:
        batch.add_column(sa.Column("scope", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("representation", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("withdrawal_representation", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("consents") as batch:
        batch.drop_column("withdrawal_representation")
        batch.drop_column("representation")
        batch.drop_column("scope")
