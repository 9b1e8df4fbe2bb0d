"""Lines of ink that the first OCR pass left out are found and read, without reading the rest twice."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from extractors.ocr import OcrOptions, engine, preprocess
from extractors.ocr._tesseract import TessWord


def _page() -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A white page with two lines of text; returns it and the box (left, top, width, height) of the first line."""
    img = np.full((400, 1200), 255, np.uint8)
    cv2.putText(img, "Total Billed 713.02", (60, 120), cv2.FONT_HERSHEY_SIMPLEX, 1.4, 0, 3, cv2.LINE_AA)
    cv2.putText(img, "Balance Due 129.30", (60, 300), cv2.FONT_HERSHEY_SIMPLEX, 1.4, 0, 3, cv2.LINE_AA)
    return img, (55, 85, 480, 45)


def test_uncovered_line_is_found_and_covered_line_is_not() -> None:
    img, (x, y, w, h) = _page()
    regions = preprocess.unread_regions(img, [(x, y, w, h)])
    assert len(regions) == 1
    x0, y0, x1, y1 = regions[0]
    assert y0 < 300 < y1 and y1 < 400 and y0 > 140  # the second line, not the first
    assert x0 <= 60 and x1 >= 400


def test_nothing_is_unread_when_every_line_is_covered() -> None:
    img, first = _page()
    assert preprocess.unread_regions(img, [first, (55, 265, 480, 45)]) == []


def test_nothing_to_fill_on_a_blank_page() -> None:
    assert preprocess.unread_regions(np.full((300, 300), 255, np.uint8), [(0, 0, 10, 10)]) == []


@pytest.mark.slow
def test_gap_words_are_read_once_and_placed_on_the_page() -> None:
    img, (x, y, w, h) = _page()
    first = [TessWord(1, 1, 1, x, y, w, h, 95.0, "Total Billed 713.02")]
    got = engine._read_gaps(img, first, OcrOptions(workers=1), {}, "a test page")  # the optional recipe step
    text = " ".join(g.text for g in got)
    assert "129.30" in text and "713.02" not in text
    assert all(g.top > 200 and g.block > 1 for g in got)
