"""A retry is a second opinion: when it runs out of time the first reading is kept, with a warning. A first reading
that runs out of time is tried once more on the page with its grain noise removed."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from claimflow.errors import OcrTimeoutError
from extractors.ocr import _tesseract, engine, preprocess
from extractors.ocr.options import OcrOptions


def _page() -> np.ndarray:
    img = Image.new("L", (1200, 600), 235)
    ImageDraw.Draw(img).text((60, 60), "TOTAL RX  USD 66.88", font=ImageFont.truetype("DejaVuSans.ttf", 30), fill=40)
    return np.asarray(img)


def test_a_retry_that_times_out_keeps_the_first_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def recognize(image, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(kwargs)
        if len(calls) > 1:
            raise OcrTimeoutError("tesseract took longer than 120 s on a page")
        # a first reading unsure enough to ask for a second opinion
        return [_tesseract.TessWord(1, 1, 1, 60, 60, 120, 40, 30.0, "TOTAL"),
                _tesseract.TessWord(1, 1, 1, 400, 60, 120, 40, 35.0, "66.88")]

    monkeypatch.setattr(engine._tesseract, "recognize", recognize)
    # (the made-up boxes are not read again by the second recogniser: this is about tesseract's retries)
    page = engine.read_page(_page(), 1, OcrOptions(workers=1, reread_unsure=False))
    assert len(calls) == 2  # the retry was tried
    assert [w.text for w in page.words] == ["TOTAL", "66.88"]
    assert any("second reading took longer" in w for w in page.warnings)


def _grainy_page() -> np.ndarray:
    rng = np.random.default_rng(7)
    noise = rng.normal(0, 12, (600, 1200))
    return np.clip(_page().astype(float) + noise, 0, 255).astype(np.uint8)


def test_a_first_reading_that_times_out_is_read_again_without_its_grain(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[float] = []

    def recognize(image, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(preprocess.grain(image))
        if len(seen) == 1:  # sparse-text mode lost in the grain
            raise OcrTimeoutError("tesseract took longer than 120 s on a page")
        return [_tesseract.TessWord(1, 1, 1, 60, 60, 120, 40, 95.0, "TOTAL"),
                _tesseract.TessWord(1, 1, 1, 400, 60, 120, 40, 96.0, "66.88")]

    monkeypatch.setattr(engine._tesseract, "recognize", recognize)
    gray = _grainy_page()
    assert preprocess.grain(gray) > 8 and preprocess.grain(_page()) < 2
    page = engine.read_page(gray, 1, OcrOptions(workers=1))
    assert [w.text for w in page.words] == ["TOTAL", "66.88"]
    assert seen[1] < seen[0] / 3  # the second reading saw the page denoised
    assert any("read again with its grain noise removed" in w for w in page.warnings)


def test_a_second_timeout_of_the_first_reading_fails_the_page(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def recognize(image, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        raise OcrTimeoutError("tesseract took longer than 120 s on a page")

    monkeypatch.setattr(engine._tesseract, "recognize", recognize)
    with pytest.raises(OcrTimeoutError):
        engine.read_page(_page(), 1, OcrOptions(workers=1))
    assert len(calls) == 2  # the denoised reading was tried once, no more
