"""claims.received_on: the date the claim was received (timely filing is measured against it)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("claims") as batch:
        batch.add_column(sa.Column("received_on", sa.Date(), nullable=True))
    op.execute("UPDATE claims SET received_on = CAST(created_at AS DATE)" if op.get_context().dialect.name
               == "postgresql" else "UPDATE claims SET received_on = date(created_at)")
    with op.batch_alter_table("claims") as batch:
        batch.alter_column("received_on", existing_type=sa.Date(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("claims") as batch:
        batch.drop_column("received_on")
