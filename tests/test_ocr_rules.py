"""Table rules and box borders are painted out before a full page is read; the text beside them is not touched."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from extractors.ocr.preprocess import analyse, remove_rules


def _boxed_form() -> tuple[np.ndarray, np.ndarray]:
    """A form with two boxed fields (thin grey borders) and bold text; returns (page, mask of the borders)."""
    img = Image.new("L", (1200, 500), 235)
    d = ImageDraw.Draw(img)
    font = ImageFont.truetype("DejaVuSans-Bold.ttf", 26)
    d.text((60, 30), "VISION SERVICES INVOICE  Total Charges", font=font, fill=20)
    rules = Image.new("L", img.size, 0)
    r = ImageDraw.Draw(rules)
    for draw, ink in ((d, 150), (r, 255)):
        draw.rectangle((50, 100, 550, 200), outline=ink, width=2)
        draw.rectangle((550, 100, 1050, 200), outline=ink, width=2)
        draw.line((50, 300, 1150, 300), fill=ink, width=3)
    font = ImageFont.truetype("DejaVuSans.ttf", 24)
    d.text((60, 140), "Thomas Campbell", font=font, fill=30)
    d.text((560, 140), "LK389 656 625", font=font, fill=30)
    return np.asarray(img), np.asarray(rules) > 0


def test_rules_and_borders_are_painted_out() -> None:
    page, border = _boxed_form()
    out = remove_rules(page, analyse(page).char_height)
    assert np.mean(out[border] < 200) < 0.05  # the borders are paper now
    assert np.mean(page[border] < 200) > 0.95


def test_the_text_beside_the_rules_is_left_alone() -> None:
    page, border = _boxed_form()
    out = remove_rules(page, analyse(page).char_height)
    text = (page < 100) & ~border  # the dark text strokes (the borders are grey)
    assert text.sum() > 2000
    assert np.array_equal(out[text], page[text])


def test_a_page_without_rules_is_returned_unchanged() -> None:
    page = np.full((300, 600), 240, np.uint8)
    font = ImageFont.truetype("DejaVuSans.ttf", 24)
    img = Image.fromarray(page)
    ImageDraw.Draw(img).text((20, 100), "Member ID: W801674305", font=font, fill=20)
    page = np.asarray(img)
    assert np.array_equal(remove_rules(page, analyse(page).char_height), page)
