"""Pages of many documents over one process pool. One bad file never stops a batch.

Each OCR page is one job (so a long PDF spreads over all workers); text-layer pages are read in the parent (one fast
poppler call per document). Workers run with ``OMP_THREAD_LIMIT=1`` and OpenCV single-threaded: the pool is the only
source of parallelism. At most ``4 x workers`` pages are in flight, so memory stays bounded on any batch size.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from claimflow.errors import ClaimflowError, OcrError, WorkerCrashedError
from claimflow.model import DocumentKind, OcrResult, Page
from extractors.ocr import _tesseract, reread
from extractors.ocr.detect import Detected, detect_full
from extractors.ocr.engine import DEFAULT_RECIPE, Recipe, read_page
from extractors.ocr.options import OcrOptions
from extractors.ocr.textlayer import poppler_version

log = logging.getLogger(__name__)
J = TypeVar("J")
R = TypeVar("R")


@dataclass(frozen=True)
class PageJob:
    path: str
    pdf: bool
    pil_format: str | None
    number: int  # 1-based
    options: OcrOptions
    recipe: Recipe = DEFAULT_RECIPE


@dataclass(frozen=True)
class _Failure:
    """A ClaimflowError carried across the process boundary (some error classes take extra constructor args)."""

    cls: type[ClaimflowError]
    state: dict
    args: tuple

    @classmethod
    def of(cls, e: ClaimflowError) -> _Failure:
        return cls(type(e), dict(e.__dict__), e.args)

    def rebuild(self) -> ClaimflowError:
        err = self.cls.__new__(self.cls)
        Exception.__init__(err, *self.args)
        err.__dict__.update(self.state)
        return err


def run_page(job: PageJob) -> Page | _Failure:
    """Load, preprocess and OCR one page. Runs in a worker (or inline). Never raises a ClaimflowError."""
    from extractors.ocr.rasterize import load_image_page, render_pdf_page

    path = Path(job.path)
    try:
        if job.pdf:
            gray = render_pdf_page(path, job.number, job.options)
        else:
            gray = load_image_page(path, job.pil_format or "", job.number - 1, job.options)
        return read_page(gray, job.number, job.options, recipe=job.recipe, what=f"{path} page {job.number}")
    except ClaimflowError as e:
        return _Failure.of(e)
    except MemoryError as e:
        err = OcrError(f"{path}: page {job.number} needs more memory than is available")
        return _Failure(type(err), dict(err.__dict__), (str(e),))


def init_worker() -> None:
    """What every OCR worker process does first: one core each (tesseract's OpenMP and OpenCV single-threaded)."""
    os.environ["OMP_THREAD_LIMIT"] = "1"
    import cv2

    cv2.setNumThreads(1)


def make_pool(workers: int, initializer: Callable[[], None] = init_worker) -> ProcessPoolExecutor:
    """A forkserver pool. Never plain fork: once OpenCV has run here its native thread pool is live, and a forked
    child deadlocks in its first parallel OpenCV call (seen in the benchmark). The forkserver preloads this module,
    so each worker starts with the imports done. ``initializer`` (default ``init_worker``, which any other must call)
    runs once in each worker process as it starts (``extractors.worker.init`` also loads the extraction models)."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["extractors.ocr.pool"])
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=initializer)


def plan(det: Detected, options: OcrOptions, recipe: Recipe = DEFAULT_RECIPE) -> tuple[dict[int, Page], list[PageJob]]:
    """Pages read from the text layer now, and the jobs for the pages that need OCR."""
    doc = det.document
    done: dict[int, Page] = {}
    jobs: list[PageJob] = []
    for n in range(1, doc.pages + 1):
        tp = det.text_pages[n - 1] if det.text_pages is not None else None
        if tp is not None and tp.has_text:
            done[n] = tp.to_page(n, options.dpi)
        else:
            jobs.append(PageJob(doc.path, doc.media_type == "application/pdf", det.pil_format, n, options, recipe))
    return done, jobs


def assemble(det: Detected, pages: dict[int, Page]) -> OcrResult:
    doc = det.document
    ordered = [pages[n] for n in range(1, doc.pages + 1)]
    ocr_pages = [p.number for p in ordered if p.source == "ocr"]
    layer_pages = [p.number for p in ordered if p.source == "text_layer"]
    warnings = [w for p in ordered for w in p.warnings]
    if ocr_pages and layer_pages:
        engine = "tesseract+pdf-text-layer"
        version = f"{_tesseract.version()}; {reread.model_version()}; {poppler_version()}"
        warnings.append(f"mixed PDF: pages {_ranges(ocr_pages)} OCR'd, pages {_ranges(layer_pages)} from the text layer")
    elif ocr_pages:
        engine, version = "tesseract", f"{_tesseract.version()}; {reread.model_version()}"
    else:
        engine, version = "pdf-text-layer", poppler_version()
    if doc.kind == DocumentKind.digital_pdf and ocr_pages:  # pragma: no cover - plan() guarantees it
        raise AssertionError("digital PDF pages must never be OCR'd")
    return OcrResult(document=doc, pages=ordered, engine=engine, engine_version=version, warnings=warnings)


def _ranges(nums: list[int]) -> str:
    return ",".join(str(n) for n in nums)


def run_on(executor: Executor, fn: Callable[[J], R | _Failure], items: Sequence[J], *, what: str) -> list[R]:
    """``fn`` on every item over ``executor`` (a shared worker pool), results in order; a ``_Failure`` is raised as
    its ClaimflowError. A worker that dies while it holds any of them is ``WorkerCrashedError(what)``: transient, as
    the job that killed the pool may be another claim's (every job then in flight fails)."""
    try:
        outs = [f.result() for f in [executor.submit(fn, item) for item in items]]
    except BrokenProcessPool as e:
        raise WorkerCrashedError(what) from e
    for out in outs:
        if isinstance(out, _Failure):
            raise out.rebuild()
    return outs  # type: ignore[return-value]  # no _Failure left


def read_one(
    path: Path, options: OcrOptions, *, recipe: Recipe = DEFAULT_RECIPE, executor: Executor | None = None
) -> OcrResult:
    """One document: pages in-process when there is at most one to OCR (no pool start-up), else over the pool.

    With ``executor`` (a pool shared by documents read at once from several threads) every page goes to it."""
    det = detect_full(path, options)
    pages, jobs = plan(det, options, recipe)
    if executor is not None and jobs:
        for out in run_on(executor, run_page, jobs, what=f"{path}: an OCR worker crashed (out of memory?) while "
                                                           "this document was read"):
            pages[out.number] = out
        return assemble(det, pages)
    if len(jobs) > 1 and options.workers > 1:
        for _, out in read_many([path], options, recipe=recipe):
            if isinstance(out, ClaimflowError):
                raise out
            return out
    for j in jobs:
        out = run_page(j)
        if isinstance(out, _Failure):
            raise out.rebuild()
        pages[out.number] = out
    return assemble(det, pages)


@dataclass
class _Pending:
    path: Path
    det: Detected | None = None
    error: ClaimflowError | None = None
    pages: dict[int, Page] = field(default_factory=dict)
    jobs: list[PageJob] = field(default_factory=list)
    futures: list[Future] = field(default_factory=list)


def read_many(
    paths: Iterable[Path], options: OcrOptions, *, recipe: Recipe = DEFAULT_RECIPE
) -> Iterator[tuple[Path, OcrResult | ClaimflowError]]:
    """Yield (path, result or error) in input order."""
    window = max(2, 4 * options.workers)
    pool: ProcessPoolExecutor | None = None
    queue: deque[_Pending] = deque()
    it = iter(paths)
    exhausted = False

    def in_flight() -> int:
        return sum(len(p.futures) for p in queue)

    def submit(p: _Pending) -> None:
        nonlocal pool
        if pool is None:
            pool = make_pool(options.workers)
        p.futures = [pool.submit(run_page, j) for j in p.jobs]

    try:
        while True:
            while not exhausted and in_flight() < window:
                try:
                    path = Path(next(it))
                except StopIteration:
                    exhausted = True
                    break
                p = _Pending(path)
                try:
                    p.det = detect_full(path, options)
                    p.pages, p.jobs = plan(p.det, options, recipe)
                    if options.workers == 1:
                        for j in p.jobs:  # no pool at all for one worker: no process start-up cost
                            out = run_page(j)
                            if isinstance(out, _Failure):
                                raise out.rebuild()
                            p.pages[out.number] = out
                        p.jobs = []
                    else:
                        submit(p)
                except ClaimflowError as e:
                    p.error = e
                queue.append(p)
            if not queue:
                return
            p = queue.popleft()
            if p.error is None:
                try:
                    for fut in p.futures:
                        out = fut.result()
                        if isinstance(out, _Failure):
                            raise out.rebuild()
                        p.pages[out.number] = out
                except ClaimflowError as e:
                    p.error = e
                except BrokenProcessPool as e:
                    log.warning("an OCR worker died; restarting the pool")
                    p.error = OcrError(f"{p.path}: the OCR worker crashed (out of memory?) while reading it")
                    p.error.__cause__ = e
                    if pool is not None:
                        pool.shutdown(wait=False, cancel_futures=True)
                    pool = None
                    for q in queue:  # resubmit everything queued behind the crash
                        if q.error is None and q.jobs:
                            submit(q)
            for fut in p.futures:
                fut.cancel()
            if p.error is not None:
                yield p.path, p.error
            else:
                assert p.det is not None
                yield p.path, assemble(p.det, p.pages)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
