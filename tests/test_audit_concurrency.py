"""8 processes × 500 appends at once, on SQLite and PostgreSQL: 4,000 contiguous entries, no forks, verify passes."""

from __future__ import annotations

import multiprocessing as mp
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

import db.audit as audit

WORKERS, EACH = 8, 500


def _worker(url: str, worker: int, start: mp.synchronize.Event) -> int:  # type: ignore[name-defined]
    from db.engine import make_engine, session_factory, transaction

    engine = make_engine(url)
    sessions = session_factory(engine)
    start.wait()
    for i in range(EACH):
        with transaction(sessions) as s:
            audit.append(s, log="shared", actor=f"worker-{worker}", type="claim.received", data={"claim_id": f"{worker}-{i}", "i": i})
    engine.dispose()
    return worker


def _run(engine: Engine) -> None:
    url = engine.url
    if engine.dialect.name == "postgresql":
        # Each append commits on its own; without this every commit waits for a WAL flush while holding the log's
        # lock, and the test measures the disk instead of the locking (bench/audit_bench.py reports both).
        url = url.update_query_dict({"options": "-c synchronous_commit=off"})
    url = url.render_as_string(hide_password=False)
    ctx = mp.get_context("spawn")
    start = ctx.Manager().Event()
    with ctx.Pool(WORKERS) as pool:
        results = [pool.apply_async(_worker, (url, w, start)) for w in range(WORKERS)]
        start.set()
        assert sorted(r.get(timeout=600) for r in results) == list(range(WORKERS))
    with engine.connect() as c:
        seqs = [r[0] for r in c.execute(text("SELECT seq FROM audit_entry WHERE log = 'shared' ORDER BY seq"))]
        per_worker = dict(
            c.execute(text("SELECT claim_id, COUNT(*) FROM audit_entry WHERE log = 'shared' GROUP BY claim_id")).all()
        )
    assert seqs == list(range(1, WORKERS * EACH + 1))
    assert len(per_worker) == WORKERS * EACH and set(per_worker.values()) == {1}
    report = audit.verify_database(engine, log="shared", strict=True)
    assert report.logs[0].entries == WORKERS * EACH
    assert not [p for p in report.logs[0].problems if p.damage != "no_checkpoint"], report.summary()


@pytest.mark.slow
def test_concurrent_appends_sqlite(sqlite_engine: Engine) -> None:
    _run(sqlite_engine)


@pytest.mark.slow
@pytest.mark.postgres
def test_concurrent_appends_postgres(pg_engine: Engine) -> None:
    _run(pg_engine)
