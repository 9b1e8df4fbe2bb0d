"""Claim worker processes (extractors.worker, flows.runtime.worker_pool): extraction runs in the worker that OCRs,
the models load once per worker process, and a worker that dies mid-claim leaves the claim retried or
failed_transient, never lost."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from concurrent.futures import Executor, Future
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest
from sqlalchemy import select
from synth_ocr import ocr_of

from claimflow.errors import WorkerCrashedError
from claimflow.settings import Settings
from db.audit.models import AuditEntryRow
from extractors import worker
from flows import dispatch, runtime, stages
from flows.runtime import sessions_for

REPO = Path(__file__).resolve().parent.parent
DIGITAL = REPO / "sample_docs" / "clinic-digital.pdf"
DECIDED = {"approved", "partially_approved", "denied", "pending_review"}
LINES = ["Riverside Clinic", "Patient: Jane Doe  Member ID: W123456789", "Date of service: 2026-03-02",
         "99213 Office visit 120.00", "Total 120.00"]


@pytest.fixture
def pool() -> Iterator[Executor]:
    p = worker.make_pool(1)
    yield p
    p.shutdown(wait=True, cancel_futures=True)


@pytest.fixture(autouse=True)
def _no_kept_pools() -> Iterator[None]:
    yield
    runtime.shutdown_pools()  # the kept pools of flows.runtime: no worker processes outlive a test


def test_a_worker_loads_the_model_once_as_it_starts_and_extracts_as_this_process_does(pool: Executor) -> None:
    ocr = ocr_of(LINES)
    assert pool.submit(worker.model_loads).result() == 1  # loaded by the initializer, before any claim
    pid = pool.submit(os.getpid).result()
    remote = worker.extract_many([ocr, ocr], pool)
    assert pool.submit(worker.model_loads).result() == 1 and pool.submit(os.getpid).result() == pid
    local = worker.extract_many([ocr, ocr])
    assert [e.model_dump() for e in remote] == [e.model_dump() for e in local]
    assert remote[0].total is not None


class _Broken(Executor):
    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def]
        f: Future = Future()
        f.set_exception(BrokenProcessPool("a child process terminated abruptly"))
        return f


def test_a_worker_dying_during_extraction_is_transient() -> None:
    with pytest.raises(WorkerCrashedError) as e:
        worker.extract_many([ocr_of(LINES, name="bill.png")], _Broken())
    assert e.value.kind == "worker_crashed" and "bill.png" in str(e.value)


def test_the_kept_pool_is_shared_and_restarts_after_a_crash() -> None:
    pool = runtime.worker_pool(1)
    assert runtime.worker_pool(1) is pool
    pid = pool.submit(os.getpid).result()
    with pytest.raises(BrokenProcessPool):
        pool.submit(os._exit, 1).result()
    assert pool.submit(os.getpid).result() != pid  # a fresh worker, the pool usable again


def _crashing_extract(counter: str, ocr):  # type: ignore[no-untyped-def]
    """In the worker: die (as an out-of-memory kill would) while the counter file still allows it, else extract."""
    left = int(Path(counter).read_text())
    if left > 0:
        Path(counter).write_text(str(left - 1))
        os._exit(9)
    return worker.extract_job(ocr)


def _entries(settings: Settings) -> list[dict]:
    with sessions_for(settings)() as s:
        rows = s.scalars(select(AuditEntryRow).order_by(AuditEntryRow.log, AuditEntryRow.seq)).all()
        return [json.loads(bytes(r.entry)) for r in rows]


def _batch_with_crashes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, crashes: int) -> Path:
    import functools

    import flows.claim as claim_module

    counter = tmp_path / "crashes-left"
    counter.write_text(str(crashes))
    monkeypatch.setattr(worker, "extract_job", functools.partial(_crashing_extract, str(counter)))
    monkeypatch.setattr(claim_module, "extract_task", claim_module.extract_task.with_options(retry_delay_seconds=0))
    return counter


def _admit(settings: Settings, tmp_path: Path) -> dispatch.Admission:
    doc = tmp_path / "in" / "bill.pdf"
    doc.parent.mkdir()
    shutil.copy(DIGITAL, doc)
    ctx = stages.Context(settings=settings, sessions=sessions_for(settings), tenant=settings.tenant, source="cli",
                         submitted_by="tester")
    return dispatch.admit(ctx, doc)


def test_a_worker_dying_mid_claim_is_retried_and_the_claim_decided(
    prefect_harness: None, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings.model_copy(update={"workers": 1})
    counter = _batch_with_crashes(monkeypatch, tmp_path, crashes=1)
    a = _admit(settings, tmp_path)
    assert dispatch.run_batch(settings, [a])[a.ref.claim_id] in DECIDED
    assert counter.read_text() == "0"  # it did crash once
    assert [e["type"] for e in _entries(settings)] == ["claim.received", "ocr.completed", "extraction.completed",
                                                       "claim.adjudicated"]


def test_a_worker_dying_on_every_try_leaves_the_claim_failed_transient_then_a_retry_decides_it(
    prefect_harness: None, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings.model_copy(update={"workers": 1})
    counter = _batch_with_crashes(monkeypatch, tmp_path, crashes=3)  # the try and both retries
    a = _admit(settings, tmp_path)
    assert dispatch.run_batch(settings, [a])[a.ref.claim_id] == "failed_transient"
    assert counter.read_text() == "0"
    failed = [e["data"] for e in _entries(settings) if e["type"] == "claim.failed"]
    assert failed == [{"claim_id": a.ref.claim_id, "stage": "extract", "error_kind": "worker_crashed",
                       "transient": True}]

    retried = dispatch.reopen(settings, a.ref.claim_id, actor="cli:tester")
    assert retried.attempt == 1 and retried.needs_run
    assert dispatch.run_batch(settings, [retried])[a.ref.claim_id] in DECIDED
    assert [e["type"] for e in _entries(settings)][-4:] == ["claim.retried", "ocr.completed", "extraction.completed",
                                                            "claim.adjudicated"]
