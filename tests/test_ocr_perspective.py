"""A page photographed at an angle on a table is warped square on before it is read; a flat scan, however turned, is
not; and a long box border a fraction of a degree off level is still painted out as a rule."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from extractors.ocr import OcrOptions, read_document
from extractors.ocr.preprocess import analyse, page_quad, paper_grey, rectify, remove_rules
from fixtures.ocr import make

PAGE = (1240, 1754)  # w, h


def _page() -> np.ndarray:
    """A page of claim text with a black square in its top-left corner, so where the page went can be checked."""
    im = make.render_page()
    ImageDraw.Draw(im).rectangle((20, 20, 60, 60), fill=0)
    return np.asarray(im)


def _photo(page: np.ndarray, corners: list[tuple[float, float]], size: tuple[int, int] = (1500, 2000)) -> np.ndarray:
    """``page`` warped onto ``corners`` (TL, TR, BR, BL) of a darker, grainy table of ``size`` (w, h)."""
    h, w = page.shape
    m = cv2.getPerspectiveTransform(np.float32([[0, 0], [w, 0], [w, h], [0, h]]), np.float32(corners))
    rng = np.random.default_rng(0)
    table = np.clip(rng.normal(85, 6, size[::-1]), 0, 255).astype(np.uint8)
    return cv2.warpPerspective(page, m, size, dst=table, borderMode=cv2.BORDER_TRANSPARENT)


KEYSTONE = [(180.0, 140.0), (1330.0, 190.0), (1390.0, 1880.0), (110.0, 1830.0)]


def test_the_corners_of_a_page_photographed_at_an_angle_are_found() -> None:
    found = page_quad(_photo(_page(), KEYSTONE))
    assert found is not None
    assert np.abs(found - np.float32(KEYSTONE)).max() < 12  # px, on a 1500 x 2000 photo


def test_the_straightened_page_is_upright_and_in_order() -> None:
    photo = _photo(_page(), KEYSTONE)
    flat = rectify(photo, page_quad(photo), paper_grey(photo))
    h, w = flat.shape
    assert 0.9 < (w / h) / (PAGE[0] / PAGE[1]) < 1.1
    # the black square is back in the top-left corner, the rest of the corner band is paper
    assert flat[int(0.025 * h), int(0.03 * w)] < 80
    assert np.median(flat[: int(0.05 * h), int(0.5 * w):]) > 200
    # and the lines of text run level: no skew left to undo
    assert abs(analyse(flat).skew) < 0.4


def test_a_flat_scan_is_left_to_the_deskew() -> None:
    page = _page()
    h, w = page.shape
    # laid straight, or turned 3 degrees, on a dark bed: a rectangle either way
    assert page_quad(_photo(page, [(130, 120), (130 + w, 120), (130 + w, 120 + h), (130, 120 + h)])) is None
    c, s = np.cos(np.radians(3)), np.sin(np.radians(3))
    turned = [(200 + x * c - y * s, 100 + x * s + y * c) for x, y in ((0, 0), (w, 0), (w, h), (0, h))]
    assert page_quad(_photo(page, turned, size=(1700, 2000))) is None
    assert page_quad(page) is None  # no table around it at all


def test_a_page_cut_by_the_frame_is_not_straightened() -> None:
    cut = [(180.0, -60.0), (1330.0, 10.0), (1390.0, 1880.0), (110.0, 1830.0)]  # its top corners outside the picture
    assert page_quad(_photo(_page(), cut)) is None


def test_a_long_box_border_slightly_off_level_is_painted_out() -> None:
    """A 2 px border 1,100 px long, 0.3 degrees off level, spans 8 pixel rows end to end: thin on average."""
    img = Image.new("L", (1400, 500), 235)
    d = ImageDraw.Draw(img)
    font = ImageFont.truetype("DejaVuSans-Bold.ttf", 26)
    d.text((120, 40), "Amount Due:                     $416.15", font=font, fill=20)
    d.text((120, 330), "Payment terms: net 30 days", font=font, fill=20)
    border = Image.new("L", img.size, 0)
    drop = np.tan(np.radians(0.3)) * 1100
    for draw, ink in ((d, 40), (ImageDraw.Draw(border), 255)):
        draw.line((100, 200, 1200, 200 + drop), fill=ink, width=2)
        draw.line((100, 280, 1200, 280 + drop), fill=ink, width=2)
    page, rule = np.asarray(img), np.asarray(border) > 0
    out = remove_rules(page, analyse(page).char_height)
    assert np.mean(page[rule] < 150) > 0.9
    assert np.mean(out[rule] < 150) < 0.05
    text = (page < 100) & ~rule
    assert np.array_equal(out[text], page[text])  # the bold text is left alone


@pytest.mark.slow
def test_a_photographed_page_is_read_square_on(tmp_path: Path) -> None:
    path = tmp_path / "photo.png"
    Image.fromarray(_photo(_page(), KEYSTONE)).save(path)
    page = read_document(path, OcrOptions(workers=1, dpi=150)).pages[0]
    assert page.corners is not None
    assert np.abs(np.float32(page.corners) - np.float32(KEYSTONE)).max() < 12
    # boxes are in the straightened page's pixels: inside it, the total on its own row under the fee lines
    assert all(0 <= w.bbox.x0 < w.bbox.x1 <= page.width and 0 <= w.bbox.y0 < w.bbox.y1 <= page.height
               for w in page.words)
    words = {w.text: w for w in page.words}
    for text in ("CITY", "48213", "12/03/2024", "85.00", "42.50", "127.50"):
        assert text in words, text
    assert words["85.00"].bbox.y1 < words["42.50"].bbox.y0 < words["127.50"].bbox.y0
    assert abs(words["85.00"].bbox.x1 - words["127.50"].bbox.x1) < 0.2 * page.width
