"""The OCR stage: a claim document (scan, photo, PDF) in, words with boxes and confidences out.

Public API (keep these names):

- ``detect(path, limits) -> Document``: real type from the bytes, sha256, kind, page count; typed InputErrors.
- ``read_document(path, options) -> OcrResult``: one document (pages over a process pool when it has several).
- ``read_documents(paths, options) -> Iterator[(Path, OcrResult | ClaimflowError)]``: a batch that never stops on a
  bad file.
- ``OcrOptions`` (``OcrOptions.from_settings(settings)``).

Digital PDF pages are read from their text layer and never OCR'd; only ``_tesseract`` runs tesseract.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import Executor
from pathlib import Path

from claimflow.errors import ClaimflowError
from claimflow.model import Document, OcrResult
from extractors.ocr.detect import detect
from extractors.ocr.options import OcrOptions


def read_document(path: Path, options: OcrOptions, *, executor: Executor | None = None) -> OcrResult:
    """OCR one document. Raises the document's ClaimflowError (InputError subclasses, OcrError, OcrTimeoutError).

    ``executor``: a shared process pool (``extractors.ocr.pool.make_pool``) to put the pages on, so that many
    documents read at once from threads share one pool; without it, pages are read here or over a pool of their own.
    """
    from extractors.ocr.pool import read_one

    return read_one(Path(path), options, executor=executor)


def read_documents(paths: Iterable[Path], options: OcrOptions) -> Iterator[tuple[Path, OcrResult | ClaimflowError]]:
    """OCR many documents over one process pool; yields (path, result or error) in input order."""
    from extractors.ocr.pool import read_many

    yield from read_many(paths, options)


__all__ = ["Document", "OcrOptions", "OcrResult", "detect", "read_document", "read_documents"]
