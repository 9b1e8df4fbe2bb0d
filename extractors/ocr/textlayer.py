"""Digital PDFs: words and boxes straight from the text layer (poppler ``pdftotext -bbox-layout``), never OCR'd.

Coordinates are converted from PDF points to pixels at the OCR dpi, so a text-layer page and a scanned page of the
same document share one coordinate system (that of the page rendered at ``dpi``).
"""

from __future__ import annotations

import functools
import html
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from claimflow.errors import CorruptFileError, EncryptedPdfError
from claimflow.model import BBox, Page, PageSource, Word

PDFTOTEXT = "pdftotext"

_TAG = re.compile(
    r'<page width="([\d.]+)" height="([\d.]+)"|<block |<line |'
    r'<word xMin="([\d.\-]+)" yMin="([\d.\-]+)" xMax="([\d.\-]+)" yMax="([\d.\-]+)">(.*?)</word>',
    re.S,
)


@dataclass(frozen=True)
class TextLayerPage:
    width_pt: float
    height_pt: float
    words: list[tuple[int, int, float, float, float, float, str]]  # block, line, x0, y0, x1, y1 (points), text

    @property
    def has_text(self) -> bool:
        """At least a few printable characters: a scanned page with a stray watermark glyph still counts as scanned."""
        return sum(len(w[6]) for w in self.words) >= 3

    def to_page(self, number: int, dpi: int) -> Page:
        s = dpi / 72.0
        words = [
            Word(
                text=text,
                bbox=BBox(x0=x0 * s, y0=y0 * s, x1=x1 * s, y1=y1 * s),
                confidence=1.0,
                block=block,
                line=line,
            )
            for block, line, x0, y0, x1, y1, text in self.words
        ]
        return Page(
            number=number,
            width=max(1, round(self.width_pt * s)),
            height=max(1, round(self.height_pt * s)),
            source=PageSource.text_layer,
            words=words,
            mean_confidence=1.0 if words else 0.0,
        )


def read_text_layer(path: Path, *, timeout: float = 120.0) -> list[TextLayerPage]:
    """Every page's text-layer words (empty list of words for image-only pages), one poppler call per document."""
    try:
        proc = subprocess.run(
            [PDFTOTEXT, "-bbox-layout", "-enc", "UTF-8", str(path), "-"],
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError as e:  # pragma: no cover - poppler is a documented system dependency
        raise CorruptFileError(path, "cannot read PDFs: pdftotext (poppler-utils) is not installed") from e
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace")
        if "ncorrect password" in err or "ermission" in err:
            raise EncryptedPdfError(path, "the PDF is password-protected")
        raise CorruptFileError(path, f"the PDF cannot be read ({err.strip().splitlines()[-1] if err.strip() else 'pdftotext failed'})")
    return parse_bbox_layout(proc.stdout.decode("utf-8", "replace"))


def parse_bbox_layout(xhtml: str) -> list[TextLayerPage]:
    pages: list[TextLayerPage] = []
    cur: list[tuple[int, int, float, float, float, float, str]] | None = None
    size = (1.0, 1.0)
    block = line = -1
    for m in _TAG.finditer(xhtml):
        tag = m.group(0)
        if tag.startswith("<page"):
            if cur is not None:
                pages.append(TextLayerPage(size[0], size[1], cur))
            cur, size, block, line = [], (float(m.group(1)), float(m.group(2))), -1, -1
        elif tag.startswith("<block"):
            block += 1
        elif tag.startswith("<line"):
            line += 1
        elif cur is not None:
            text = html.unescape(m.group(7)).strip()
            if text:
                cur.append(
                    (max(block, 0), max(line, 0), float(m.group(3)), float(m.group(4)), float(m.group(5)),
                     float(m.group(6)), text)
                )
    if cur is not None:
        pages.append(TextLayerPage(size[0], size[1], cur))
    return pages


@functools.cache
def poppler_version() -> str:
    try:
        out = subprocess.run([PDFTOTEXT, "-v"], capture_output=True, timeout=30, check=False)
    except (FileNotFoundError, subprocess.TimeoutExpired):  # pragma: no cover
        return "unknown"
    m = re.search(r"version\s+(\S+)", out.stderr.decode() + out.stdout.decode())
    return f"poppler {m.group(1)}" if m else "poppler"
