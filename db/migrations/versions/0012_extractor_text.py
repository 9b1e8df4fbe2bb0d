"""extractions.extractor becomes TEXT: the extractor string names the NER model, its calibration and every learned
chooser with its digest (four since the provider chooser and the bill split), past the 200 characters it had

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("extractions") as batch:
        batch.alter_column("extractor", existing_type=sa.String(length=200), type_=sa.Text(), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("extractions") as batch:
        batch.alter_column("extractor", existing_type=sa.Text(), type_=sa.String(length=200), existing_nullable=False)
