"""OCR results cached on disk by document content, so training and evaluation never re-OCR a document.

The cache is a plain directory of ``<key>.json`` files (``OcrResult`` JSON); it is a build artefact, not committed.
The key is the document's sha256 combined with a fingerprint of the OCR stage (its source code, the tesseract
version and the options that change what is read), so changing the OCR invalidates the cache instead of silently
evaluating a new extractor on old OCR output.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from claimflow.digest import sha256_file
from claimflow.errors import ClaimflowError
from claimflow.model import OcrResult

log = logging.getLogger(__name__)


@functools.cache
def fingerprint(dpi: int = 300, language: str = "eng", reread: bool = True) -> str:
    """Short digest of everything that decides what the OCR stage reads from a given file."""
    from extractors.ocr import _tesseract
    from extractors.ocr import reread as reread_model

    h = hashlib.sha256()
    ocr = Path(__file__).resolve().parents[1] / "ocr"
    for src in sorted([*ocr.glob("*.py"), *ocr.glob("*.json")]):  # its code and the handwriting weights
        h.update(src.name.encode() + b"\0" + src.read_bytes() + b"\0")
    h.update(f"tesseract {_tesseract.version()} dpi {dpi} lang {language}".encode())
    if reread:
        h.update(f" re-read by {reread_model.model_version()}".encode())
    return h.hexdigest()[:16]


def _key(path: Path, dpi: int = 300, language: str = "eng", reread: bool = True) -> str:
    return f"{sha256_file(path)}-{fingerprint(dpi, language, reread)}"


def is_cached(path: Path, cache_dir: Path) -> bool:
    return (cache_dir / f"{_key(Path(path))}.json").exists()


def read_cached(
    paths: Iterable[Path], cache_dir: Path, *, workers: int = 1, options=None  # noqa: ANN001
) -> Iterator[tuple[Path, OcrResult | ClaimflowError]]:
    """Like ``extractors.ocr.read_documents``, answering from ``cache_dir`` where it can (input order kept).

    Errors are not cached: a document that failed is read again next time.
    """
    from dataclasses import replace

    from extractors.ocr import OcrOptions, read_documents

    options = replace(options, workers=workers) if options is not None else OcrOptions(workers=workers)
    cache_dir.mkdir(parents=True, exist_ok=True)
    paths = [Path(p) for p in paths]
    keys = {p: _key(p, options.dpi, options.language, options.reread_unsure) for p in paths}
    missing = [p for p in paths if not (cache_dir / f"{keys[p]}.json").exists()]
    fresh: dict[Path, OcrResult | ClaimflowError] = {}
    if missing:
        log.info("OCR of %d documents not in the cache", len(missing))
        for p, out in read_documents(missing, options):
            if isinstance(out, OcrResult):
                # write-then-rename: a reader (another evaluation sharing the cache) never sees half a file
                tmp = cache_dir / f".{keys[p]}.{os.getpid()}.tmp"
                tmp.write_text(out.model_dump_json(), "utf-8")
                os.replace(tmp, cache_dir / f"{keys[p]}.json")
            fresh[p] = out
    for p in paths:
        if p in fresh:
            yield p, fresh[p]
        else:
            cached = OcrResult.model_validate_json((cache_dir / f"{keys[p]}.json").read_text("utf-8"))
            if cached.document.path != str(p):  # the same bytes cached under another file's name
                cached = cached.model_copy(update={"document": cached.document.model_copy(update={"path": str(p)})})
            yield p, cached
