"""The skew is measured on the text, not on the long straight edges around it, and a sideways page is told by its
letters, not by the bars of its separator rows (no tesseract needed)."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from extractors.ocr.preprocess import analyse


def _page_on_a_bed(degrees: float) -> np.ndarray:
    """A page of text and table rules turned counter-clockwise by ``degrees``, photographed on a darker grey bed
    whose straight, level border frames it (the edges of the bed, not of the page, run along the image axes)."""
    page = Image.new("L", (1200, 1500), 228)
    d = ImageDraw.Draw(page)
    font = ImageFont.truetype("DejaVuSans.ttf", 24)
    for i in range(14):
        d.text((80, 120 + i * 64), f"Line {i:02d}  Office visit, established patient   {100 + 7 * i}.50", font=font,
                fill=30)
    page = page.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=110)
    bed = Image.new("L", (page.width + 200, page.height + 200), 110)
    bed.paste(page, (100, 100))
    ImageDraw.Draw(bed).rectangle((20, 20, bed.width - 20, bed.height - 20), outline=40, width=4)
    return np.asarray(bed)


def test_skew_of_a_page_laid_askew_on_a_bed_follows_the_text() -> None:
    for degrees in (1.5, -2.0):
        skew = analyse(_page_on_a_bed(degrees)).skew
        assert abs(skew + degrees) <= 0.5, (degrees, skew)  # deskew undoes the counter-clockwise turn


def _receipt_with_separator_rows() -> np.ndarray:
    font = ImageFont.load_default(size=26)
    page = Image.new("L", (900, 1300), 255)
    d = ImageDraw.Draw(page)
    rule = "=" * 34
    lines = ["CORNER APOTHECARY", "4033 Willow Ct", rule, "Receipt # INV-2024-9080", "Date: Aug 30, 2025", rule,
             "Rx# 1749944", "LEVOTHYROXINE 50 MCG", "QTY 30          19.94", rule, "TOTAL RX    USD 39.78", rule, rule,
             "KEEP FOR YOUR RECORDS"]
    for i, text in enumerate(lines):
        d.text((40, 40 + i * 40), text, font=font, fill=0)
    return np.asarray(page)


def test_a_sideways_receipt_with_separator_rows_is_seen_to_run_vertically() -> None:
    # an "=" is two bars side by side across the line: counted as letters, five rows of them outvoted the text
    upright = _receipt_with_separator_rows()
    assert not analyse(upright).vertical
    assert analyse(np.ascontiguousarray(np.rot90(upright))).vertical
    assert analyse(np.ascontiguousarray(np.rot90(upright, 3))).vertical
