"""Helpers for the audit tests: build a log with checkpoints, and tamper with it as a DBA would (raw SQL, triggers
disabled). Not a test module."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, text

import db.audit as audit
from claimflow.settings import Settings
from db.audit import checkpoint as ckp
from db.audit import hashing, merkle
from db.engine import session_factory, transaction

LOG = "acme"


@dataclass
class Built:
    engine: Engine
    settings: Settings
    pubkey: Path
    external: Path  # the auditor's own copy of the last checkpoint (when n is a multiple of every)


def build_log(engine: Engine, data_dir: Path, *, n: int = 50, every: int = 10) -> Built:
    settings = Settings(data_dir=data_dir, checkpoint_every=every, _env_file=None)  # type: ignore[call-arg]
    pub, _, _ = ckp.keygen(settings.signing_key)
    sessions = session_factory(engine)
    for i in range(n):
        with transaction(sessions) as s:
            audit.append(
                s,
                log=LOG,
                actor="claimflow/test",
                type="claim.received",
                data={"claim_id": f"claim-{i % 7}", "n": i, "document_sha256": hashlib.sha256(bytes([i])).hexdigest()},
            )
            audit.maybe_checkpoint(s, settings=settings, log=LOG)
    external = settings.data_dir / "checkpoints" / ckp.checkpoint_filename(LOG, n)
    return Built(engine, settings, pub, external)  # exists when n is a multiple of every


@contextmanager
def dba(engine: Engine) -> Iterator[Connection]:
    """A connection with the append-only triggers disabled, as a database administrator could do."""
    with engine.begin() as c:
        if engine.dialect.name == "sqlite":
            for table in ("audit_entry", "audit_checkpoint"):
                for action in ("update", "delete"):
                    c.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_no_{action}")
        else:
            c.exec_driver_sql("ALTER TABLE audit_entry DISABLE TRIGGER USER")
            c.exec_driver_sql("ALTER TABLE audit_checkpoint DISABLE TRIGGER USER")
        yield c
        if engine.dialect.name != "sqlite":
            c.exec_driver_sql("ALTER TABLE audit_entry ENABLE TRIGGER USER")
            c.exec_driver_sql("ALTER TABLE audit_checkpoint ENABLE TRIGGER USER")


def rows(c: Connection, log: str = LOG) -> list[tuple[int, bytes, bytes, bytes]]:
    return [
        (r[0], bytes(r[1]), bytes(r[2]), bytes(r[3]))
        for r in c.execute(
            text("SELECT seq, entry, leaf_hash, chain_hash FROM audit_entry WHERE log = :log ORDER BY seq"), {"log": log}
        )
    ]


def set_entry(c: Connection, seq: int, entry: bytes, *, log: str = LOG) -> None:
    c.execute(text("UPDATE audit_entry SET entry = :e WHERE log = :log AND seq = :s"), {"e": entry, "log": log, "s": seq})


def rehash_all(c: Connection, log: str = LOG) -> None:
    """What a careful attacker does after editing entries: recompute every stored hash and the head."""
    chain, frontier, size = hashing.GENESIS, [], 0
    for seq, entry, _, _ in rows(c, log):
        leaf = hashing.leaf_hash(entry)
        chain = hashing.chain_hash(chain, leaf)
        frontier, _ = merkle.frontier_append(frontier, size, leaf)
        size += 1
        c.execute(
            text("UPDATE audit_entry SET leaf_hash = :l, chain_hash = :c WHERE log = :log AND seq = :s"),
            {"l": leaf, "c": chain, "log": log, "s": seq},
        )
    c.execute(
        text("UPDATE audit_head SET size = :n, chain_hash = :c, frontier = :f WHERE log = :log"),
        {"n": size, "c": chain, "f": b"".join(frontier), "log": log},
    )


def flip_bit(data: bytes, bit: int) -> bytes:
    b = bytearray(data)
    b[bit // 8] ^= 1 << (bit % 8)
    return bytes(b)
