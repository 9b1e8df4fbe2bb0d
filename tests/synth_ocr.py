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


def sroie_folder(root, monkeypatch, receipts):  # noqa: ANN001, ANN201
    """A SROIE-format folder under ``root`` (``img/NNN.jpg`` + ``key/NNN.json``) of ``receipts`` — (text lines, key
    dict) pairs — whose OCR is faked: the OCR cache answers each image with ``ocr_of(lines)`` (no tesseract)."""
    import json
    from pathlib import Path

    import extractors.ner.ocr_cache as cache

    gold = Path(root) / "receipts"
    (gold / "img").mkdir(parents=True)
    (gold / "key").mkdir()
    ocr_by_name = {}
    for i, (lines, key) in enumerate(receipts):
        (gold / "img" / f"{i:03d}.jpg").write_bytes(b"jpg %d" % i)
        (gold / "key" / f"{i:03d}.json").write_text(json.dumps(key))
        ocr_by_name[f"{i:03d}.jpg"] = ocr_of(lines, name=f"{i:03d}.jpg")
    monkeypatch.setattr(cache, "read_cached", lambda paths, cache_dir, *, workers=1, options=None: [
        (Path(p), ocr_by_name[Path(p).name]) for p in paths])
    monkeypatch.setattr(cache, "fingerprint", lambda *a, **k: "test")
    return gold
