"""privacy: data keys, sealed columns (extractions, decisions, members), the access log

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "data_keys",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=True),
        sa.Column("master_key_id", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("destroyed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_keys")),
        sa.UniqueConstraint("subject", name=op.f("uq_data_keys_subject")),
    )
    op.create_index(op.f("ix_data_keys_master_key_id"), "data_keys", ["master_key_id"])
    for table in ("extractions", "decisions", "members"):
        op.add_column(table, sa.Column("sealed", sa.LargeBinary(), nullable=True))
    op.create_table(
        "access_log",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant", sa.String(length=100), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("claim_id", sa.String(length=36), nullable=True),
        sa.Column("member_key", sa.String(length=64), nullable=True),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_access_log")),
    )
    op.create_index(op.f("ix_access_log_claim_id"), "access_log", ["claim_id"])
    op.create_index(op.f("ix_access_log_member_key"), "access_log", ["member_key"])


def downgrade() -> None:
    op.drop_index(op.f("ix_access_log_member_key"), table_name="access_log")
    op.drop_index(op.f("ix_access_log_claim_id"), table_name="access_log")
    op.drop_table("access_log")
    for table in ("members", "decisions", "extractions"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("sealed")
    op.drop_index(op.f("ix_data_keys_master_key_id"), table_name="data_keys")
    op.drop_table("data_keys")
