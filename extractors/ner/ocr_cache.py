"""OCR results cached on disk by document content (sha256), so training and evaluation never re-OCR a document.

The cache is a plain directory of ``<sha256>.json`` files (``OcrResult`` JSON); it is a build artefact, not committed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from pathlib import Path

from claimflow.digest import sha256_file
from claimflow.errors import ClaimflowError
from claimflow.model import OcrResult

log = logging.getLogger(__name__)


def is_cached(path: Path, cache_dir: Path) -> bool:
    return (cache_dir / f"{sha256_file(Path(path))}.json").exists()


def read_cached(
    paths: Iterable[Path], cache_dir: Path, *, workers: int = 1
) -> Iterator[tuple[Path, OcrResult | ClaimflowError]]:
    """Like ``extractors.ocr.read_documents``, answering from ``cache_dir`` where it can (input order kept)."""
    from extractors.ocr import OcrOptions, read_documents

    cache_dir.mkdir(parents=True, exist_ok=True)
    paths = [Path(p) for p in paths]
    keys = {p: sha256_file(p) for p in paths}
    missing = [p for p in paths if not (cache_dir / f"{keys[p]}.json").exists()]
    fresh: dict[Path, OcrResult | ClaimflowError] = {}
    if missing:
        log.info("OCR of %d documents not in the cache", len(missing))
        for p, out in read_documents(missing, OcrOptions(workers=workers)):
            if isinstance(out, OcrResult):
                (cache_dir / f"{keys[p]}.json").write_text(out.model_dump_json(), "utf-8")
            fresh[p] = out
    for p in paths:
        if p in fresh:
            yield p, fresh[p]
        else:
            yield p, OcrResult.model_validate_json((cache_dir / f"{keys[p]}.json").read_text("utf-8"))
