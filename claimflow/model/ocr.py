"""What the OCR stage returns: pages of words with boxes and confidences — the evidence extraction points to."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from claimflow.model.document import Document


class BBox(BaseModel):
    """x0, y0, x1, y1 in pixels of the page image the OCR read (after straightening, rotation and deskew)."""

    model_config = ConfigDict(frozen=True)

    x0: float
    y0: float
    x1: float
    y1: float

    def as_list(self) -> list[float]:
        return [self.x0, self.y0, self.x1, self.y1]

    @classmethod
    def union(cls, boxes: list[BBox]) -> BBox:
        return cls(
            x0=min(b.x0 for b in boxes),
            y0=min(b.y0 for b in boxes),
            x1=max(b.x1 for b in boxes),
            y1=max(b.y1 for b in boxes),
        )


class Word(BaseModel):
    model_config = ConfigDict(frozen=True)

    text: str
    bbox: BBox
    confidence: float = Field(ge=0, le=1)
    block: int = 0
    line: int = Field(0, description="Line number within the page (unique per page, reading order).")
    handwriting: float | None = Field(
        None, description="Log odds that the word was written by hand (extractors/ocr/handwriting.py); None when "
        "not scored (a text layer, or too few glyph-sized marks to tell).")


class PageSource(StrEnum):
    ocr = "ocr"
    text_layer = "text_layer"


class Page(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: int = Field(ge=1)
    width: int = Field(ge=1)
    height: int = Field(ge=1)
    source: PageSource
    words: list[Word]
    rotation: int = Field(0, description="Whole-page rotation applied before reading (0, 90, 180, 270).")
    skew: float = Field(0.0, description="Deskew angle applied, degrees.")
    corners: list[tuple[float, float]] | None = Field(
        None, description="Where the perspective of a page photographed at an angle was undone before reading: the "
        "page's corners (top-left, top-right, bottom-right, bottom-left; x, y in pixels of the original image), "
        "straightened to the rectangle that rotation and deskew then apply to. None when the image was read as it "
        "is.")
    mean_confidence: float = Field(0.0, ge=0, le=1)
    handwritten_share: float = Field(
        0.0, ge=0, le=1, description="Share of the page's scored words that look handwritten (log odds above "
        "extractors.ocr.handwriting.HANDWRITTEN_WORD).")
    handwriting: float | None = Field(
        None, description="Median log odds over the page's scored words that a word was written by hand; None when "
        "no word was scored (a text layer).")
    handwriting_aligned: float | None = Field(
        None, ge=0, le=1, description="Median share of a scored word's glyphs that sit on one baseline: print sets "
        "every glyph of a line on one, a hand wanders. None when no word was scored.")
    handwriting_baseline: float | None = Field(
        None, ge=0, description="Median distance of a scored word's other glyphs from its baseline, in glyph heights "
        "(near 0 for print). None when no word was scored.")
    warnings: list[str] = Field(default_factory=list)

    @property
    def text(self) -> str:
        """Words joined by line, in reading order."""
        lines: dict[int, list[str]] = {}
        for w in self.words:
            lines.setdefault(w.line, []).append(w.text)
        return "\n".join(" ".join(ws) for _, ws in sorted(lines.items()))


class OcrResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    document: Document
    pages: list[Page]
    engine: str = Field(description='e.g. "tesseract" or "pdf-text-layer"')
    engine_version: str
    warnings: list[str] = Field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n\f\n".join(p.text for p in self.pages)

    @property
    def mean_confidence(self) -> float:
        words = [w for p in self.pages for w in p.words]
        return sum(w.confidence for w in words) / len(words) if words else 0.0
