"""Apply Alembic migrations programmatically (`claimflow db upgrade`, and every command on first use)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from claimflow.errors import DatabaseError
from claimflow.settings import Settings

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
#: PostgreSQL advisory lock held while migrating ("claimflo" in ASCII): processes that start together on a fresh
#: database migrate one after the other (the later ones find it at head), not side by side into a duplicate-key error.
MIGRATION_LOCK = 0x636C61696D666C6F


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revisions() -> tuple[str, ...]:
    return tuple(ScriptDirectory.from_config(_config()).get_heads())


def current_revisions(engine: Engine) -> tuple[str, ...]:
    with engine.connect() as conn:
        return tuple(MigrationContext.configure(conn).get_current_heads())


def upgrade(engine: Engine, revision: str = "heads", *, settings: Settings | None = None) -> None:
    """Bring the database schema to ``revision`` (all heads by default). Idempotent.

    ``settings``: where the master key comes from, for migrations that convert stored data (0011 turns member ids
    into their blind index and seals webhook secrets); without them such a migration fails with MasterKeyError
    when there is data to convert."""
    cfg = _config()
    cfg.attributes["settings"] = settings
    try:
        if revision == "heads" and set(current_revisions(engine)) == set(head_revisions()):
            return
        with engine.connect() as conn:
            _run(conn, cfg, lambda: command.upgrade(cfg, revision))
    except SQLAlchemyError as e:
        raise DatabaseError(f"could not migrate the database: {e.__class__.__name__}: {e.orig or e}") from e


def downgrade(engine: Engine, revision: str) -> None:
    cfg = _config()
    with engine.connect() as conn:
        _run(conn, cfg, lambda: command.downgrade(cfg, revision))


def _run(conn: Connection, cfg: Config, migrate: Callable[[], None]) -> None:
    """Run ``migrate`` in one transaction. On SQLite, foreign keys are off meanwhile (batch migrations recreate
    tables that others reference) and checked afterwards; the pragma only takes effect outside a transaction."""
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
    try:
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
            cfg.attributes["connection"] = conn
            migrate()
            if sqlite:
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise DatabaseError(f"migration left {len(broken)} broken foreign key(s), first: {broken[0]}")
    finally:
        if sqlite:
            conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
