"""API: api_keys (hashed, one tenant and role each), claim_documents (a claim's documents in order),
idempotency_keys (a submission's Idempotency-Key → its claim), claims.reference / claims.declared_member_id

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("tenant", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("secret_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_api_keys")),
    )
    op.create_index("ix_api_keys_tenant", "api_keys", ["tenant"], unique=False)
    op.create_table(
        "claim_documents",
        sa.Column("claim_id", sa.String(length=36), nullable=False),
        sa.Column("ordinal", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["claim_id"], ["claims.id"], name=op.f("fk_claim_documents_claim_id_claims")),
        sa.ForeignKeyConstraint(["sha256"], ["documents.sha256"], name=op.f("fk_claim_documents_sha256_documents")),
        sa.PrimaryKeyConstraint("claim_id", "ordinal", name=op.f("pk_claim_documents")),
    )
    # Every existing claim has one document: its claims.document_sha256 is document 1.
    op.execute("INSERT INTO claim_documents (claim_id, ordinal, sha256) SELECT id, 1, document_sha256 FROM claims")
    op.create_table(
        "idempotency_keys",
        sa.Column("tenant", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_sha256", sa.String(length=64), nullable=False),
        sa.Column("claim_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["claim_id"], ["claims.id"], name=op.f("fk_idempotency_keys_claim_id_claims")),
        sa.PrimaryKeyConstraint("tenant", "key", name=op.f("pk_idempotency_keys")),
    )
    with op.batch_alter_table("claims") as batch:
        batch.add_column(sa.Column("reference", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("declared_member_id", sa.String(length=100), nullable=True))
    op.create_index("ix_claims_tenant_created", "claims", ["tenant", "created_at", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_claims_tenant_created", table_name="claims")
    with op.batch_alter_table("claims") as batch:
        batch.drop_column("declared_member_id")
        batch.drop_column("reference")
    op.drop_table("idempotency_keys")
    op.drop_table("claim_documents")
    op.drop_index("ix_api_keys_tenant", table_name="api_keys")
    op.drop_table("api_keys")
