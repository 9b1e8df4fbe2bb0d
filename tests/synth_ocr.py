"""Build OcrResults from plain text lines for extraction tests (no tesseract): each word gets a box from its column
and row, like a monospaced page at 10 px per character and 30 px per line."""

from __future__ import annotations

import hashlib

from claimflow.model import BBox, Document, DocumentKind, OcrResult, Page, PageSource, Word


def page_of(lines: list[str], *, number: int = 1, confidence: float = 0.95, line_offset: int = 0) -> Page:
    words: list[Word] = []
    for y, line in enumerate(lines):
        col = 0
        for part in line.split(" "):
            if part:
                words.append(Word(text=part, bbox=BBox(x0=10 * col + 50, y0=30 * y + 40, x1=10 * (col + len(part)) + 50,
                                                        y1=30 * y + 60), confidence=confidence, line=y + line_offset))
            col += len(part) + 1
    mean = sum(w.confidence for w in words) / len(words) if words else 0.0
    return Page(number=number, width=1700, height=2200, source=PageSource.ocr, words=words, mean_confidence=mean)


def ocr_of(*pages_lines: list[str], confidence: float = 0.95, name: str = "bill.png") -> OcrResult:
    pages = [page_of(lines, number=i + 1, confidence=confidence) for i, lines in enumerate(pages_lines)]
    sha = hashlib.sha256("\n".join("\n".join(p) for p in pages_lines).encode()).hexdigest()
    doc = Document(path=name, sha256=sha, size_bytes=1000, media_type="image/png", kind=DocumentKind.image,
                   pages=len(pages))
    return OcrResult(document=doc, pages=pages, engine="test", engine_version="0")
