"""claims, documents, extractions, decisions, members

Revision ID: 0001
Revises: 
Create Date: 2026-11-24
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('documents',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=True),
    sa.Column('pages', sa.Integer(), nullable=True),
    sa.Column('original_name', sa.String(length=500), nullable=False),
    sa.Column('stored_path', sa.String(length=1000), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_documents'))
    )
    op.create_table('members',
    sa.Column('tenant', sa.String(length=100), nullable=False),
    sa.Column('member_id', sa.String(length=100), nullable=False),
    sa.Column('plan_id', sa.String(length=100), nullable=False),
    sa.Column('coverage_start', sa.Date(), nullable=False),
    sa.Column('coverage_end', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('subscriber_id', sa.String(length=100), nullable=True),
    sa.Column('relationship', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=True),
    sa.Column('date_of_birth', sa.Date(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'member_id', name=op.f('pk_members'))
    )
    op.create_table('claims',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('tenant', sa.String(length=100), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('submitted_by', sa.String(length=200), nullable=False),
    sa.Column('document_sha256', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('member_id', sa.String(length=100), nullable=True),
    sa.Column('error_kind', sa.String(length=50), nullable=True),
    sa.Column('error_message', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['document_sha256'], ['documents.sha256'], name=op.f('fk_claims_document_sha256_documents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claims')),
    sa.UniqueConstraint('tenant', 'document_sha256', name='uq_claims_tenant_document')
    )
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claims_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_claims_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_claims_tenant'), ['tenant'], unique=False)

    op.create_table('decisions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('claim_id', sa.String(length=36), nullable=False),
    sa.Column('tenant', sa.String(length=100), nullable=False),
    sa.Column('member_id', sa.String(length=100), nullable=True),
    sa.Column('outcome', sa.String(length=30), nullable=False),
    sa.Column('billed', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('payable', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('member_responsibility', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('service_date', sa.Date(), nullable=True),
    sa.Column('plan_id', sa.String(length=100), nullable=True),
    sa.Column('plan_version', sa.String(length=100), nullable=True),
    sa.Column('decision', sa.JSON(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('decided_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_decisions_claim_id_claims')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decisions'))
    )
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decisions_claim_id'), ['claim_id'], unique=False)
        batch_op.create_index('ix_decisions_member_date', ['tenant', 'member_id', 'service_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_decisions_outcome'), ['outcome'], unique=False)

    op.create_table('extractions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('claim_id', sa.String(length=36), nullable=False),
    sa.Column('extraction', sa.JSON(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('extractor', sa.String(length=200), nullable=False),
    sa.Column('ocr_engine', sa.String(length=100), nullable=False),
    sa.Column('ocr_confidence', sa.Numeric(precision=5, scale=4), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_extractions_claim_id_claims')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_extractions'))
    )
    with op.batch_alter_table('extractions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_extractions_claim_id'), ['claim_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('extractions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_extractions_claim_id'))

    op.drop_table('extractions')
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decisions_outcome'))
        batch_op.drop_index('ix_decisions_member_date')
        batch_op.drop_index(batch_op.f('ix_decisions_claim_id'))

    op.drop_table('decisions')
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_claims_tenant'))
        batch_op.drop_index(batch_op.f('ix_claims_status'))
        batch_op.drop_index(batch_op.f('ix_claims_member_id'))

    op.drop_table('claims')
    op.drop_table('members')
    op.drop_table('documents')
