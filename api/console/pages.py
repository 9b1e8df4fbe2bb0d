"""Document pages as PNG for the claim page, with the coordinate system their evidence boxes are in.

Evidence boxes are in the pixels of the page as OCR saw it: an image's own pixels, a PDF page rendered at
``CLAIMFLOW_OCR_DPI`` (extractors/ocr/textlayer.py uses the same system for text layers). The console renders pages
smaller (``DPI`` for PDFs, at most ``MAX_WIDTH`` pixels wide for images) and draws the boxes in an SVG whose viewBox
is the OCR coordinate system, so they scale with the picture at any screen width.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps

from claimflow.errors import NotFoundError

DPI = 100
MAX_WIDTH = 1400
CACHED = 32  # rendered pages kept in memory (by digest: an original never changes; erasure drops them: forget)

Opener = Callable[[], AbstractContextManager[Path]]  # a local copy of the original, e.g. stages.original_path
_cache: OrderedDict[tuple[str, int, int], RenderedPage] = OrderedDict()
_lock = threading.Lock()


@dataclass(frozen=True)
class RenderedPage:
    png: bytes
    width: float  # the page's size in evidence coordinates (the viewBox)
    height: float


def _is_pdf(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(5) == b"%PDF-"


def page_count(path: Path) -> int:
    if _is_pdf(path):
        from pdf2image import pdfinfo_from_path

        return int(pdfinfo_from_path(str(path))["Pages"])
    with Image.open(path) as im:
        return int(getattr(im, "n_frames", 1))


def _render(p: Path, page: int, ocr_dpi: int) -> RenderedPage:
    path = str(p)
    if _is_pdf(p):
        from pdf2image import convert_from_path

        images = convert_from_path(path, dpi=DPI, first_page=page, last_page=page)
        if not images:
            raise NotFoundError(f"page {page} is not in the document")
        im = images[0]
        scale = ocr_dpi / DPI
        width, height = im.width * scale, im.height * scale
    else:
        with Image.open(p) as src:
            if page > getattr(src, "n_frames", 1):
                raise NotFoundError(f"page {page} is not in the document")
            src.seek(page - 1)
            im = src.convert("RGB")
        width, height = float(im.width), float(im.height)
        if im.width > MAX_WIDTH:
            im = ImageOps.contain(im, (MAX_WIDTH, int(im.height * MAX_WIDTH / im.width)))
    out = io.BytesIO()
    im.convert("RGB").save(out, format="PNG", optimize=False)
    return RenderedPage(out.getvalue(), width, height)


def render_page(sha256: str, page: int, *, ocr_dpi: int, original: Opener) -> RenderedPage:
    """Page ``page`` (1-based) of the original ``sha256`` as PNG, with its size in evidence coordinates; the file is
    opened through ``original`` only when the page is not in the cache."""
    if page < 1:
        raise NotFoundError(f"page {page} is not in the document")
    key = (sha256, page, ocr_dpi)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    with original() as path:
        rendered = _render(path, page, ocr_dpi)
    with _lock:
        _cache[key] = rendered
        while len(_cache) > CACHED:
            _cache.popitem(last=False)
    return rendered


def forget(sha256s: object) -> int:
    """Drop the rendered pages of these originals (erasure). Returns how many were dropped."""
    wanted = set(sha256s)  # type: ignore[call-overload]
    with _lock:
        keys = [k for k in _cache if k[0] in wanted]
        for k in keys:
            del _cache[k]
    return len(keys)


def cached(sha256: str) -> int:
    """How many rendered pages of ``sha256`` are in the cache."""
    with _lock:
        return sum(1 for k in _cache if k[0] == sha256)
