"""Audit log benchmark: append throughput (1 and 8 writers), verification speed and proof generation time at scale.

    .venv/bin/python bench/audit_bench.py                       # SQLite, 1,000,000 entries for verify/proofs
    .venv/bin/python bench/audit_bench.py --pg-url postgresql+psycopg://postgres@127.0.0.1:5433/bench
    .venv/bin/python bench/audit_bench.py --entries 100000 --skip-append   # quicker

The large SQLite log is built once with the real append path (append_many, 5,000 entries per transaction) and kept at
--sqlite-path for re-runs (--reuse). Prints one line per figure.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

import db.audit as audit  # noqa: E402
from db.audit import checkpoint as ckp  # noqa: E402
from db.audit import merkle, proofs  # noqa: E402
from db.audit import standalone_verify as sv  # noqa: E402
from db.audit.source import reader  # noqa: E402
from db.engine import make_engine, session_factory, transaction  # noqa: E402
from db.migrate import upgrade  # noqa: E402

DIGEST = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def payload(i: int) -> dict:
    # Shaped like the pipeline's claim.adjudicated entries: ids and digests only.
    return {
        "claim_id": f"{uuid.UUID(int=i)}",
        "decision_digest": DIGEST,
        "outcome": "approved",
        "payable": "120.00",
        "reason_codes": ["CO-45"],
        "plan_id": "gold-2026",
        "plan_version": "3",
    }


def line(name: str, value: str) -> None:
    print(f"{name:<58} {value}", flush=True)


# --- append --------------------------------------------------------------------------------------------------------


def append_one_per_txn(engine: Engine, log: str, n: int) -> float:
    sessions = session_factory(engine)
    t = time.perf_counter()
    for i in range(n):
        with transaction(sessions) as s:
            audit.append(s, log=log, actor="bench", type="claim.adjudicated", data=payload(i))
    return n / (time.perf_counter() - t)


def append_batched(engine: Engine, log: str, n: int, batch: int = 5000, start: int = 0) -> float:
    sessions = session_factory(engine)
    t = time.perf_counter()
    for lo in range(start, start + n, batch):
        with transaction(sessions) as s:
            audit.append_many(
                s, log=log, items=[("bench", "claim.adjudicated", payload(i)) for i in range(lo, min(lo + batch, start + n))]
            )
    return n / (time.perf_counter() - t)


def _writer(url: str, log: str, worker: int, n: int, start) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(url)
    sessions = session_factory(engine)
    start.wait()
    for i in range(n):
        with transaction(sessions) as s:
            audit.append(s, log=log, actor=f"w{worker}", type="claim.adjudicated", data=payload(worker * n + i))
    engine.dispose()


def append_concurrent(engine: Engine, log: str, writers: int, each: int) -> float:
    url = engine.url.render_as_string(hide_password=False)
    ctx = mp.get_context("spawn")
    start = ctx.Manager().Event()
    procs = [ctx.Process(target=_writer, args=(url, log, w, each, start)) for w in range(writers)]
    for p in procs:
        p.start()
    time.sleep(3.0)  # let every process import and connect before the clock starts
    t = time.perf_counter()
    start.set()
    for p in procs:
        p.join()
        assert p.exitcode == 0
    rate = writers * each / (time.perf_counter() - t)
    report = audit.verify_database(engine, log=log)
    assert report.ok and report.logs[0].entries == writers * each, report.summary()
    return rate


# --- verify and proofs at scale ------------------------------------------------------------------------------------


def log_size(engine: Engine, log: str) -> int:
    with engine.connect() as c:
        return c.execute(text("SELECT COALESCE(MAX(size), 0) FROM audit_head WHERE log = :l"), {"l": log}).scalar_one()


def ensure_big_log(engine: Engine, log: str, n: int) -> None:
    have = log_size(engine, log)
    if have >= n:
        return
    t = time.perf_counter()
    rate = append_batched(engine, log, n - have, start=have)
    line(f"  (built {n - have:,} entries in {time.perf_counter() - t:.0f} s)", f"{rate:,.0f} entries/s batched")


def bench_verify_and_proofs(name: str, engine: Engine, log: str, n: int, key_dir: Path) -> None:
    ensure_big_log(engine, log, n)
    key_path = key_dir / "audit.key"
    if not key_path.exists():
        ckp.keygen(key_path)
    key = ckp.load_private_key(key_path)
    with transaction(session_factory(engine)) as s:
        cp = ckp.create_checkpoint(s, log=log, key=key)
    assert cp is not None
    size = cp.size
    pub = key_path.with_suffix(".pub")
    t = time.perf_counter()
    report = audit.verify_database(engine, log=log, pubkey=pub)
    dt = time.perf_counter() - t
    assert report.ok, report.summary()
    line(f"{name}: verify {size:,} entries", f"{dt:.1f} s = {size / dt:,.0f} entries/s")

    rng = random.Random(8)
    times = []
    with reader(engine) as r:
        for _ in range(30):
            index = rng.randrange(size)
            t = time.perf_counter()
            proof = merkle.inclusion_proof(index, size, proofs.db_subtree(r, log))  # a fresh cache every time
            leaf = r.one("SELECT leaf_hash FROM audit_entry WHERE log = ? AND seq = ?", (log, index + 1))
            sv.verify_inclusion(index, size, bytes(leaf[0]), proof, cp.root)
            times.append((time.perf_counter() - t) * 1000)
        line(f"{name}: inclusion proof at {size:,} (30 random leaves)", f"median {statistics.median(times):.1f} ms, max {max(times):.1f} ms")
        times = []
        for _ in range(10):
            old = rng.randrange(1, size)
            t = time.perf_counter()
            merkle.consistency_proof(old, size, proofs.db_subtree(r, log))
            times.append((time.perf_counter() - t) * 1000)
        line(f"{name}: consistency proof to {size:,} (10 random sizes)", f"median {statistics.median(times):.1f} ms, max {max(times):.1f} ms")
    claim = str(uuid.UUID(int=rng.randrange(size)))
    t = time.perf_counter()
    doc = proofs.prove_claim(engine, claim, log=log)
    line(f"{name}: `prove --claim` end to end (lookup, proof, self-check)", f"{(time.perf_counter() - t) * 1000:.1f} ms")
    assert doc["entries"]


def fresh_pg(url: str) -> tuple[Engine, Engine, str]:
    admin = create_engine(make_engine(url).url, isolation_level="AUTOCOMMIT")
    name = f"audit_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(make_url(str(make_engine(url).url.render_as_string(hide_password=False))).set(database=name).render_as_string(hide_password=False))
    upgrade(engine)
    return admin, engine, name


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--entries", type=int, default=1_000_000, help="log size for verify and proofs on SQLite")
    ap.add_argument("--pg-entries", type=int, default=1_000_000, help="log size for verify and proofs on PostgreSQL")
    ap.add_argument("--sqlite-path", type=Path, default=Path(tempfile.gettempdir()) / "claimflow_audit_bench.db")
    ap.add_argument("--pg-url", help="a PostgreSQL server URL (a throwaway database is created and dropped)")
    ap.add_argument("--appends", type=int, default=2000, help="single-writer appends (one per transaction)")
    ap.add_argument("--each", type=int, default=250, help="appends per writer with 8 writers")
    ap.add_argument("--skip-append", action="store_true")
    ap.add_argument("--skip-scale", action="store_true")
    ap.add_argument("--skip-sqlite", action="store_true", help="only PostgreSQL (with --pg-url)")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmpd = Path(tmp)
        if not args.skip_append and not args.skip_sqlite:
            engine = make_engine(f"sqlite:///{tmpd / 'append.db'}")
            upgrade(engine)
            line("sqlite: append, 1 writer, 1 entry per transaction", f"{append_one_per_txn(engine, 'one', args.appends):,.0f} entries/s")
            line("sqlite: append_many, 1 writer, 5,000 per transaction", f"{append_batched(engine, 'batch', 50_000):,.0f} entries/s")
            line(f"sqlite: append, 8 processes x {args.each}, 1 per transaction", f"{append_concurrent(engine, 'eight', 8, args.each):,.0f} entries/s")
            engine.dispose()
        if not args.skip_scale and not args.skip_sqlite:
            engine = make_engine(f"sqlite:///{args.sqlite_path}")
            upgrade(engine)
            bench_verify_and_proofs("sqlite", engine, "big", args.entries, tmpd)
            engine.dispose()
        if args.pg_url:
            admin, engine, name = fresh_pg(args.pg_url)
            try:
                if not args.skip_append:
                    line("postgres: append, 1 writer, 1 entry per transaction", f"{append_one_per_txn(engine, 'one', args.appends):,.0f} entries/s")
                    line("postgres: append_many, 1 writer, 5,000 per transaction", f"{append_batched(engine, 'batch', 50_000):,.0f} entries/s")
                    line(f"postgres: append, 8 processes x {args.each}, 1 per transaction", f"{append_concurrent(engine, 'eight', 8, args.each):,.0f} entries/s")
                if not args.skip_scale:
                    bench_verify_and_proofs("postgres", engine, "big", args.pg_entries, tmpd)
            finally:
                engine.dispose()
                with admin.connect() as c:
                    c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()


if __name__ == "__main__":
    main()
