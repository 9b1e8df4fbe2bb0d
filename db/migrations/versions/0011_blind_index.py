"""privacy: member ids replaced by their blind index (sealed copies in member_refs); webhook secrets sealed

Data migration: every stored member id (claims.member_id, claims.declared_member_id, decisions.member_id,
members.member_id, members.subscriber_id) becomes its keyed blind index (db/member_index.py), the member's data key
is renamed to the index-based subject, sealed member rows are resealed for their new id, and webhook secrets are
sealed. It needs the master key: ``db.migrate.upgrade(engine, settings=...)``; without settings, or with the key
missing, it fails with MasterKeyError (exit 19) when there is anything to convert. With encryption at rest off the
data stays as it is (member ids in plaintext, as before).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import context, op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "member_refs",
        sa.Column("tenant", sa.String(length=100), nullable=False),
        sa.Column("member_index", sa.String(length=100), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "member_index", name=op.f("pk_member_refs")),
    )
    with op.batch_alter_table("webhook_endpoints") as batch:
        batch.add_column(sa.Column("secret_sealed", sa.LargeBinary(), nullable=True))
        batch.alter_column("secret", existing_type=sa.String(length=200), nullable=True)
    _convert(op.get_bind(), context.config.attributes.get("settings"))


def _convert(conn: sa.Connection, settings: object) -> None:
    from db.member_index import convert_plain

    convert_plain(conn, settings)  # type: ignore[arg-type]


def downgrade() -> None:
    with op.batch_alter_table("webhook_endpoints") as batch:
        batch.drop_column("secret_sealed")
    op.drop_table("member_refs")
