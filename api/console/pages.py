"""Document pages as PNG for the claim page, with the coordinate system their evidence boxes are in.

Evidence boxes are in the pixels of the page as OCR saw it: an image's own pixels, a PDF page rendered at
``CLAIMFLOW_OCR_DPI`` (extractors/ocr/textlayer.py uses the same system for text layers). The console renders pages
smaller (``DPI`` for PDFs, at most ``MAX_WIDTH`` pixels wide for images) and draws the boxes in an SVG whose viewBox
is the OCR coordinate system, so they scale with the picture at any screen width.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageOps

from claimflow.errors import NotFoundError

DPI = 100
MAX_WIDTH = 1400


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


@lru_cache(maxsize=32)
def _render(path: str, page: int, ocr_dpi: int, mtime: float) -> RenderedPage:
    p = Path(path)
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


def render_page(path: Path, page: int, *, ocr_dpi: int) -> RenderedPage:
    """Page ``page`` (1-based) of the original at ``path`` as PNG, with its size in evidence coordinates."""
    if page < 1:
        raise NotFoundError(f"page {page} is not in the document")
    return _render(str(path), page, ocr_dpi, path.stat().st_mtime)
