"""The tesseract wrapper: timeouts become OcrTimeoutError; TSV parsing keeps words, boxes and line ids."""

from __future__ import annotations

import numpy as np
import pytest

from claimflow.errors import OcrTimeoutError
from extractors.ocr import _tesseract
from fixtures.ocr import make

TSV = (
    "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"
    "1\t1\t0\t0\t0\t0\t0\t0\t100\t50\t-1\t\n"
    "4\t1\t1\t1\t1\t0\t5\t5\t90\t20\t-1\t\n"
    "5\t1\t1\t1\t1\t1\t5\t5\t40\t20\t96.5\tTotal\n"
    "5\t1\t1\t1\t1\t2\t50\t5\t45\t20\t88\t12.50\n"
    "5\t1\t1\t1\t2\t1\t5\t30\t40\t20\t95\t \n"
)


def test_parse_tsv_keeps_words_with_boxes() -> None:
    words = _tesseract.parse_tsv(TSV)
    assert [(w.text, w.left, w.top, w.width, w.height, w.conf, w.line) for w in words] == [
        ("Total", 5, 5, 40, 20, 96.5, 1),
        ("12.50", 50, 5, 45, 20, 88.0, 1),
    ]


@pytest.mark.slow
def test_timeout_becomes_ocr_timeout_error() -> None:
    page = np.asarray(make.render_page())
    with pytest.raises(OcrTimeoutError, match="longer than"):
        _tesseract.recognize(page, timeout=0.01)


@pytest.mark.slow
def test_version_is_reported() -> None:
    assert _tesseract.version().split(".")[0].isdigit()
