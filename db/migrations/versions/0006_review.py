"""review workflow: decisions gain kind/action/final/note/changes/supersedes_id/extraction_id; review_leases

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=20), server_default="machine", nullable=False))
        batch.add_column(sa.Column("action", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("final", sa.Boolean(), server_default=sa.true(), nullable=False))
        batch.add_column(sa.Column("note", sa.Text(), nullable=True))
        batch.add_column(sa.Column("changes", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("supersedes_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("extraction_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_decisions_supersedes_id_decisions"), "decisions", ["supersedes_id"], ["id"]
        )
        batch.create_foreign_key(
            op.f("fk_decisions_extraction_id_extractions"), "extractions", ["extraction_id"], ["id"]
        )
    op.create_table(
        "review_leases",
        sa.Column("claim_id", sa.String(length=36), nullable=False),
        sa.Column("tenant", sa.String(length=100), nullable=False),
        sa.Column("reviewer", sa.String(length=200), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["claim_id"], ["claims.id"], name=op.f("fk_review_leases_claim_id_claims")),
        sa.PrimaryKeyConstraint("claim_id", name=op.f("pk_review_leases")),
    )
    op.create_index(op.f("ix_review_leases_tenant"), "review_leases", ["tenant"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_review_leases_tenant"), table_name="review_leases")
    op.drop_table("review_leases")
    with op.batch_alter_table("decisions") as batch:
        batch.drop_constraint(op.f("fk_decisions_extraction_id_extractions"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_decisions_supersedes_id_decisions"), type_="foreignkey")
        for column in ("extraction_id", "supersedes_id", "changes", "note", "final", "action", "kind"):
            batch.drop_column(column)
