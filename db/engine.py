"""Engines and sessions. SQLite gets WAL, a busy timeout and foreign keys; PostgreSQL is used as it is."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from claimflow.errors import DatabaseError

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 30_000


def make_engine(url: str, *, read_only: bool = False) -> Engine:
    """Create an engine for ``url``; for a SQLite file, make its folder and switch the file to WAL mode.

    ``read_only`` (SQLite): transactions begin deferred and the connection refuses writes (``query_only``), so that
    readers run side by side under WAL instead of queueing for the write lock (the API's reads).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "isolation_level": None},
        )
        event.listen(engine, "connect", _sqlite_on_connect_read_only if read_only else _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin_deferred if read_only else _sqlite_on_begin)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() in ("", "psycopg2"):
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return create_engine(url, pool_pre_ping=True)


def _sqlite_on_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_on_connect_read_only(dbapi_conn, record) -> None:  # type: ignore[no-untyped-def]
    _sqlite_on_connect(dbapi_conn, record)
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA query_only=ON")
    cur.close()


def _sqlite_on_begin_deferred(conn) -> None:  # type: ignore[no-untyped-def]
    conn.exec_driver_sql("BEGIN")


def _sqlite_on_begin(conn) -> None:  # type: ignore[no-untyped-def]
    # pysqlite's own transaction handling is off (isolation_level=None); every transaction takes the write lock up
    # front (BEGIN IMMEDIATE) so that a reader upgrading to a writer never fails with SQLITE_BUSY mid-transaction.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def session_factory(engine: Engine, *, keyring: object | None = None) -> sessionmaker[Session]:
    """Sessions on ``engine``. ``keyring`` (db.keys.Keyring): personal fields are sealed with it on write and opened
    with it on read (db/sealing.py); without one, rows are written in plaintext and sealed rows cannot be read."""
    return sessionmaker(engine, expire_on_commit=False, info={"keyring": keyring} if keyring is not None else {})


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error (partial work never lands)."""
    with factory() as session:
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise


def describe(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception as e:  # noqa: BLE001 - a malformed URL is reported, not raised here
        raise DatabaseError(f"not a database URL: {e}") from e
