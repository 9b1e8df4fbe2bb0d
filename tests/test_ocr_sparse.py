"""A reading that left most of the page unread is noticed and read again: light grey print lost to the global
threshold beside bold print, or whole lines a full page's sparse-text segmentation dropped."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from extractors.ocr import _tesseract, engine, preprocess
from extractors.ocr.options import OcrOptions

LIGHT_LINES = ("3449 Elm St", "Dover, DE 19958", "Date   07-OCT-24", "Patient: CHARLES S. OLSON",
               "Card #: MBR-2024-100637", "Rx# 9231097", "NITROFURANTOIN 100 MG", "QTY 14          33.00",
               "SUB TOTAL       33.00", "SALES TAX        0.00")


def _photo(table: int = 55) -> np.ndarray:
    """A receipt on a dark table: bold black heading and total, the rest printed light grey (a faded thermal print)."""
    img = Image.new("L", (900, 1300), table)
    draw = ImageDraw.Draw(img)
    draw.rectangle((150, 120, 750, 1180), fill=243)
    light, bold = ImageFont.truetype("DejaVuSansMono.ttf", 22), ImageFont.truetype("DejaVuSansMono-Bold.ttf", 24)
    draw.text((200, 170), "SALEM DRUG & APOTHECARY", font=bold, fill=30)
    for i, line in enumerate(LIGHT_LINES):
        draw.text((200, 240 + 45 * i), line, font=light, fill=185)
    draw.text((200, 240 + 45 * 11), "TOTAL CHARGES  USD 33.00", font=bold, fill=30)
    return np.asarray(img)


def test_read_share_counts_the_light_print_left_out() -> None:
    page = _photo()
    assert preprocess.read_share(page, [(140, 110, 620, 1080)]) == 1.0  # one box over the whole receipt
    bold_only = [(195, 165, 360, 35), (195, 735, 380, 35)]
    assert preprocess.read_share(page, bold_only) < engine.SPARSE_READ
    assert preprocess.read_share(np.full((300, 300), 255, np.uint8), []) == 1.0  # nothing to read


def test_the_table_around_a_photographed_page_is_painted_out() -> None:
    page = _photo()
    out = preprocess.mask_surround(page)
    assert out[10, 10] == out[1290, 890] == 243  # the table now has the paper's grey
    assert np.array_equal(out[160:800, 190:700], page[160:800, 190:700])  # the print is untouched


def test_a_grey_band_holding_print_is_not_a_table() -> None:
    # a fold or shadow down the edge of a receipt, with text printed across it
    img = Image.new("L", (900, 1300), 243)
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, 120, 1300), fill=150)
    font = ImageFont.truetype("DejaVuSans.ttf", 30)
    for i in range(20):
        draw.text((20, 40 + 60 * i), "VIVOPAC MARKETING SDN BHD", font=font, fill=20)
    page = np.asarray(img)
    assert np.array_equal(preprocess.mask_surround(page), page)
    blank = np.full((400, 400), 250, np.uint8)
    assert np.array_equal(preprocess.mask_surround(blank), blank)


@pytest.mark.slow
def test_light_print_beside_bold_print_is_read() -> None:
    engine.STATS.clear()
    page = engine.read_page(_photo(), 1, OcrOptions(workers=1))
    text = " ".join(w.text for w in page.words)
    assert "MBR-2024-100637" in text and "OLSON" in text and "33.00" in text
    assert engine.STATS["sparse"] == 1


def _form() -> np.ndarray:
    img = Image.new("L", (2400, 1400), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype("DejaVuSans.ttf", 34)
    draw.text((120, 100), "St. Joseph's Hospital      Detailed Bill", font=font, fill=0)
    for i in range(12):
        for x, cell in ((120, f"2025-08-{i + 1:02d}"), (450, "99222"), (700, "Initial hospital care"), (1700, "1"),
                        (2050, f"{439 + i}.22")):  # a full page's table, not a receipt's narrow column
            draw.text((x, 260 + 80 * i), cell, font=font, fill=0)
    return np.asarray(img)


@pytest.mark.slow
def test_lines_a_full_page_reading_dropped_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    real = _tesseract.recognize
    calls = []

    def recognize(image, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(kwargs["psm"])
        words = real(image, **kwargs)
        if len(calls) == 1:  # the first reading lost the page's lower half (psm 11 drops whole columns so)
            return [w for w in words if w.top < 650]
        return words

    monkeypatch.setattr(_tesseract, "recognize", recognize)
    engine.STATS.clear()
    page = engine.read_page(_form(), 1, OcrOptions(workers=1))
    text = " ".join(w.text for w in page.words)
    assert engine.STATS["sparse_gaps"] == 1 and calls[-1] == 6  # one stacked strip, read as a block
    assert "Hospital" in text and "2025-08-02" in text  # the first reading is kept
    assert "2025-08-12" in text and "450.22" in text and text.count("hospital") == 12  # the rest read once
