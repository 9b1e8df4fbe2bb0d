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

_ID_COLUMNS = (("claims", "member_id"), ("claims", "declared_member_id"), ("decisions", "member_id"),
               ("members", "member_id"), ("members", "subscriber_id"))


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


def _plain_ids(conn: sa.Connection) -> set[tuple[str, str]]:
    ids: set[tuple[str, str]] = set()
    for table, column in _ID_COLUMNS:
        rows = conn.execute(sa.text(f"SELECT DISTINCT tenant, {column} FROM {table} WHERE {column} IS NOT NULL "
                                    f"AND {column} NOT LIKE 'mi1:%'"))
        ids |= {(t, m) for t, m in rows}
    return ids


def _convert(conn: sa.Connection, settings: object) -> None:
    from sqlalchemy.orm import Session

    from claimflow.errors import MasterKeyError
    from db import webhooks
    from db.keys import Keyring, member_subject, provider_for
    from db.member_index import member_index

    ids = _plain_ids(conn)
    secrets = conn.scalar(sa.text("SELECT count(*) FROM webhook_endpoints WHERE secret IS NOT NULL"))
    if not ids and not secrets:
        return
    if settings is None:
        raise MasterKeyError("migration 0011 turns stored member ids into a keyed index and seals webhook secrets: it "
                             "needs the master key, but was run without settings",
                             hint="run `claimflow db upgrade` (or any claimflow command) with your settings")
    if not settings.encrypt_at_rest:  # type: ignore[attr-defined]
        return
    keyring = Keyring(provider_for(settings))  # type: ignore[arg-type]
    session = Session(bind=conn, info={"keyring": keyring}, autoflush=False)
    for tenant, plain in sorted(ids):
        stored = member_index(session, tenant, plain)
        old, new = member_subject(tenant, plain), member_subject(tenant, stored)
        conn.execute(sa.text("UPDATE data_keys SET subject = :new WHERE subject = :old"), {"new": new, "old": old})
        erased = conn.scalar(sa.text("SELECT count(*) FROM data_keys WHERE subject = :s AND wrapped IS NULL"),
                             {"s": new})
        if not erased:  # an erased member's id is not kept (its key is gone: nothing would open it)
            member_index(session, tenant, plain, remember=True)
            session.flush()
        for row in conn.execute(sa.text("SELECT sealed FROM members WHERE tenant = :t AND member_id = :m AND "
                                        "sealed IS NOT NULL"), {"t": tenant, "m": plain}):
            payload = keyring.open(session, bytes(row.sealed), f"member/{tenant}/{plain}")
            blob = keyring.seal(session, new, payload, f"member/{tenant}/{stored}")
            conn.execute(sa.text("UPDATE members SET sealed = :b WHERE tenant = :t AND member_id = :m"),
                         {"b": blob, "t": tenant, "m": plain})
        for table, column in _ID_COLUMNS:
            conn.execute(sa.text(f"UPDATE {table} SET {column} = :new WHERE tenant = :t AND {column} = :old"),
                         {"new": stored, "t": tenant, "old": plain})
    if secrets:
        webhooks.seal_secrets(session)
    session.flush()


def downgrade() -> None:
    with op.batch_alter_table("webhook_endpoints") as batch:
        batch.drop_column("secret_sealed")
    op.drop_table("member_refs")
