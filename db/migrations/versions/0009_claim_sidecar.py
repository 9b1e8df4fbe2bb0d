"""claims.claim_reference and claims.declared_member_id: what a watched-folder sidecar (NAME.json) said

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("claims") as batch:
        batch.add_column(sa.Column("claim_reference", sa.String(100), nullable=True))
        batch.add_column(sa.Column("declared_member_id", sa.String(100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("claims") as batch:
        batch.drop_column("declared_member_id")
        batch.drop_column("claim_reference")
