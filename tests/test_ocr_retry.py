"""A retry is a second opinion: when it runs out of time the first reading is kept, with a warning."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from claimflow.errors import OcrTimeoutError
from extractors.ocr import _tesseract, engine
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
    page = engine.read_page(_page(), 1, OcrOptions(workers=1))
    assert len(calls) == 2  # the retry was tried
    assert [w.text for w in page.words] == ["TOTAL", "66.88"]
    assert any("second reading took longer" in w for w in page.warnings)


def test_a_timeout_of_the_first_reading_still_fails_the_page(monkeypatch: pytest.MonkeyPatch) -> None:
    def recognize(image, **kwargs):  # type: ignore[no-untyped-def]
        raise OcrTimeoutError("tesseract took longer than 120 s on a page")

    monkeypatch.setattr(engine._tesseract, "recognize", recognize)
    with pytest.raises(OcrTimeoutError):
        engine.read_page(_page(), 1, OcrOptions(workers=1))
