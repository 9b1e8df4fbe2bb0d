"""Reading the audit tables fast: raw DB-API cursors streaming rows in seq order (no ORM object per row).

SQLite reads in a deferred transaction (a consistent WAL snapshot that does not block writers); PostgreSQL reads in a
REPEATABLE READ, READ ONLY transaction through a server-side (named) cursor.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

BATCH = 10_000


@dataclass
class Reader:
    dialect: str
    conn: Any  # the driver connection (sqlite3.Connection or psycopg.Connection)

    def _sql(self, sql: str) -> str:
        return sql if self.dialect == "sqlite" else sql.replace("?", "%s")

    def all(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        cur = self.conn.cursor()
        try:
            cur.execute(self._sql(sql), params)
            return [tuple(_b(v) for v in row) for row in cur.fetchall()]
        finally:
            cur.close()

    def one(self, sql: str, params: tuple[Any, ...] = ()) -> tuple[Any, ...] | None:
        rows = self.all(sql, params)
        return rows[0] if rows else None

    def stream(self, sql: str, params: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
        if self.dialect == "sqlite":
            cur = self.conn.cursor()
            try:
                cur.execute(sql, params)
                while batch := cur.fetchmany(BATCH):
                    yield from batch
            finally:
                cur.close()
        else:
            cur = self.conn.cursor(name=f"audit_{uuid.uuid4().hex[:12]}", binary=True)
            cur.itersize = BATCH
            try:
                cur.execute(self._sql(sql), params)
                yield from cur
            finally:
                cur.close()

    def entry_rows(self, log: str, start: int = 1) -> Iterator[tuple[Any, ...]]:
        return self.stream(
            "SELECT seq, entry, leaf_hash, chain_hash FROM audit_entry WHERE log = ? AND seq >= ? ORDER BY seq",
            (log, start),
        )

    def logs(self) -> list[str]:
        names = {r[0] for r in self.all("SELECT log FROM audit_head")}
        names |= {r[0] for r in self.all("SELECT DISTINCT log FROM audit_entry")}
        names |= {r[0] for r in self.all("SELECT DISTINCT log FROM audit_checkpoint")}
        return sorted(names)


def _b(v: Any) -> Any:
    return bytes(v) if isinstance(v, memoryview) else v


@contextmanager
def reader(session_or_engine: Session | Engine) -> Iterator[Reader]:
    """A Reader on the session's own connection (inside its transaction), or a read-only snapshot of an engine."""
    if isinstance(session_or_engine, Session):
        conn = session_or_engine.connection()
        yield Reader(conn.dialect.name, conn.connection.driver_connection)
        return
    engine = session_or_engine
    raw = engine.raw_connection()
    driver = raw.driver_connection
    try:
        if engine.dialect.name == "sqlite":
            driver.execute("BEGIN")  # deferred: a snapshot without taking the write lock
        else:
            import psycopg

            driver.rollback()
            driver.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            driver.read_only = True
        yield Reader(engine.dialect.name, driver)
    finally:
        try:
            driver.rollback()
            if engine.dialect.name != "sqlite":
                driver.isolation_level = None
                driver.read_only = None
        finally:
            raw.close()
