"""Claim worker processes: one process pool does all the CPU work of the claims a batch decides — the OCR of their
pages and the extraction of their fields — so N workers keep N cores busy and the orchestrating process only writes
to the database and the audit log.

``make_pool(workers)`` is ``extractors.ocr.pool.make_pool`` with ``init`` as the initializer: each worker process
loads the NER model, its calibration, the chooser models and the ICD index once, as it starts (not per claim, not per
batch when the pool is kept). ``extract_many(ocrs, executor)`` extracts documents over such a pool (or here without
one); a worker that dies mid-extraction is a ``WorkerCrashedError`` (transient: the flow retries the claim).
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor

from claimflow.errors import ClaimflowError
from claimflow.model import Extraction, OcrResult
from extractors.ocr.pool import _Failure, init_worker, run_on
from extractors.ocr.pool import make_pool as make_ocr_pool


def warm() -> None:
    """Load what every extraction uses (the NER model, its calibration, the chooser models, the ICD description
    index) now, once per process, rather than in the first claim (or in several threads racing to)."""
    from extractors import icd
    from extractors.calibration import shipped
    from extractors.extract import shipped_choosers
    from extractors.ner.pipeline import load

    load()
    shipped()
    shipped_choosers()
    icd.warm()


def init() -> None:
    """The initializer of a claim worker process: single-threaded OCR (``init_worker``), then the models."""
    init_worker()
    warm()


def make_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` claim worker processes (forkserver; models loaded once in each as it starts)."""
    return make_ocr_pool(workers, initializer=init)


def model_loads() -> int:
    """How many times this process has loaded the NER model (diagnostics and tests: 1 in a warmed worker)."""
    from extractors.ner.pipeline import load

    return load.cache_info().misses


def extract_job(ocr: OcrResult) -> Extraction | _Failure:
    """Extract one document's fields. Runs in a worker (or inline); never raises a ClaimflowError (it is carried
    back across the process boundary and raised again by ``extract_many``)."""
    from extractors.extract import extract

    try:
        return extract(ocr)
    except ClaimflowError as e:
        return _Failure.of(e)


def extract_many(ocrs: Sequence[OcrResult], executor: Executor | None = None) -> list[Extraction]:
    """The extraction of each document of ``ocrs``, in order: on ``executor`` (a pool of ``make_pool``, shared by the
    claims of a batch) when given, else in this process. Raises the first document's ClaimflowError."""
    if executor is not None:
        return run_on(executor, extract_job, ocrs, what=f"{ocrs[0].document.path}: a worker process crashed (out of "
                                                         "memory?) while extracting it")
    from extractors.extract import extract

    return [extract(o) for o in ocrs]
