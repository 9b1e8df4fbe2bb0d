"""Re-reading: words tesseract was unsure of are read again by PP-OCR's recogniser, and a new spelling is
taken only where it is surer and keeps what made the old one a date, an amount or a name."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from extractors.ocr import engine, reread
from extractors.ocr.options import OcrOptions
from extractors.ocr._tesseract import TessWord
from extractors.ocr.reread import Char


def _word(text: str, left: int, conf: float, *, width: int | None = None, line: int = 1) -> TessWord:
    return TessWord(1, 1, line, left, 100 * line, width or 20 * len(text), 30, conf, text)


def _chars(text: str, left: float, pitch: float = 20.0, conf: float = 0.99) -> list[Char]:
    """The recogniser's reading of ``text`` with its first character centred at ``left`` + pitch/2."""
    out, word, x = [], 0, left + pitch / 2
    for c in text:
        if c == " ":
            word += 1
        else:
            out.append(Char(x, c, conf, word))
        x += pitch
    return out


class FakeRecognizer:
    """Answers each crop with a fixed reading (in the crop's own pixels), and remembers what it was given."""

    def __init__(self, readings: list[list[Char]]) -> None:
        self.readings = readings
        self.crops: list[np.ndarray] = []

    def __call__(self, crops):  # noqa: ANN001, ANN204
        self.crops.extend(crops)
        return self.readings[: len(crops)]


def test_a_misread_letter_is_fixed_and_the_sure_words_and_boxes_stay() -> None:
    ws = [_word("UAN", 100, 84.0), _word("HING", 180, 96.0)]
    got = reread._merge(ws, _chars("LIAN HING", 90))
    assert got is not None
    assert [[w.text for w in g] for g in got] == [["LIAN"], ["HING"]]
    assert (got[0][0].left, got[0][0].width) == (100, 60)  # tesseract's box is kept
    assert got[0][0].conf == pytest.approx(99.0)
    assert got[1][0] is ws[1]


def test_junk_words_read_as_one_word_become_that_word() -> None:
    ws = [_word("sce", 100, 13.0), _word("OSI2ONS", 170, 0.0)]
    got = reread._merge(ws, _chars("27/03/2018", 100, pitch=15))
    assert got is not None
    flat = [w for g in got for w in g]
    assert [w.text for w in flat] == ["27/03/2018"]
    assert 95 <= flat[0].left <= 105 and flat[0].left + flat[0].width >= 240


def test_a_reading_that_drops_a_date_separator_is_refused() -> None:
    ws = [_word("2703/2018", 100, 33.0)]
    assert reread._merge(ws, _chars("27032018", 100)) is None


def test_a_reading_that_puts_a_digit_inside_a_word_is_refused() -> None:
    assert reread._merge([_word("POS", 100, 80.0)], _chars("P0S", 100)) is None
    assert reread._merge([_word("18/03/16", 100, 55.0)], _chars("18/03/1E", 100)) is None


def test_a_letter_from_another_alphabet_or_in_place_of_a_mark_is_refused() -> None:
    assert reread._merge([_word("JOHOR", 100, 60.0)], _chars("JOHüR", 100)) is None
    assert reread._merge([_word("&", 100, 40.0)], _chars("G", 100)) is None


def test_a_less_sure_reading_is_refused() -> None:
    assert reread._merge([_word("BECO", 100, 60.0)], _chars("DECO", 100, conf=0.55)) is None
    assert reread._merge([_word("BECO", 100, 90.0)], _chars("DECO", 100, conf=0.88)) is None


def test_only_runs_holding_an_unsure_word_are_read_again() -> None:
    page = np.full((400, 1000), 255, np.uint8)
    words = [
        _word("Total", 100, 96.0, line=1), _word("45.60", 260, 95.0, line=1),  # all sure: not read
        _word("Date:", 100, 95.0, line=2), _word("O1/O2/2O24", 230, 41.0, line=2),  # one unsure: read
        _word("Amount", 100, 90.0, line=3), _word("1,25O.00", 800, 40.0, line=3),  # a column apart: alone
    ]
    # crops go in reading order; readings are in each crop's pixels (crops start 12 px before the words)
    fake = FakeRecognizer([_chars("Date: 01/02/2024", 12), _chars("1,250.00", 12)])
    got = reread.reread(page, words, recognizer=fake)
    assert len(fake.crops) == 2
    texts = [w.text for _, w in got]
    assert "01/02/2024" in texts and "1,250.00" in texts and "Total" in texts and "Amount" in texts
    # each word names the tesseract word it stands for
    assert {i for i, w in got if w.text == "01/02/2024"} == {3}


def test_nothing_is_read_on_a_page_tesseract_read_surely() -> None:
    fake = FakeRecognizer([])
    words = [_word("Invoice", 100, 96.0), _word("1234", 300, 93.0)]
    assert [w for _, w in reread.reread(np.full((200, 600), 255, np.uint8), words, recognizer=fake)] == words
    assert fake.crops == []


def test_the_page_budget_bounds_the_work() -> None:
    page = np.full((3000, 1000), 255, np.uint8)
    words = [_word("x" * 40, 10, 20.0, width=900, line=n) for n in range(1, 29)]  # 28 long unsure lines
    fake = FakeRecognizer([[] for _ in words])
    reread.reread(page, words, recognizer=fake)
    assert 0 < len(fake.crops) < len(words)


@pytest.mark.slow
def test_the_shipped_recogniser_reads_a_printed_line() -> None:
    img = np.full((80, 700), 255, np.uint8)
    cv2.putText(img, "Invoice 12/03/2024 Total 45.60", (10, 55), cv2.FONT_HERSHEY_SIMPLEX, 1.1, 0, 2, cv2.LINE_AA)
    (read,) = reread.recognize([img])
    text = "".join(c.text for c in read)
    assert "12/03/2024" in text and "45.60" in text
    xs = [c.x for c in read]
    assert xs == sorted(xs) and 0 <= xs[0] < xs[-1] <= 700  # positions in the crop's pixels, left to right


def test_rereading_is_on_by_default() -> None:
    assert OcrOptions().reread_unsure
    assert "rapidocr" in reread.model_version() and "onnxruntime" in reread.model_version()


def test_a_failing_second_recogniser_keeps_tesseracts_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(crops):  # noqa: ANN001, ANN202
        raise RuntimeError("onnxruntime: out of memory")

    monkeypatch.setattr(reread, "recognize", broken)
    img = np.full((200, 900), 255, np.uint8)
    cv2.putText(img, "Amount due 127.50", (20, 120), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 0, 2, cv2.LINE_AA)
    img = cv2.GaussianBlur(img, (5, 5), 0)  # blurred enough that some word is read unsurely
    words = [TessWord(1, 1, 1, 20, 90, 160, 40, 50.0, "Arnount"), TessWord(1, 1, 1, 200, 90, 60, 40, 96.0, "due")]
    att = engine._Attempt(words, 0, img.shape, 1.0, "rot0", img)
    page = engine._to_page(att, 1, 0.0, reread_unsure=True)
    assert [w.text for w in page.words] == ["Arnount", "due"]
    assert any("second recogniser failed (RuntimeError)" in w for w in page.warnings)


def test_the_setting_turns_rereading_off(monkeypatch: pytest.MonkeyPatch) -> None:
    from claimflow.settings import Settings

    monkeypatch.setenv("CLAIMFLOW_OCR_REREAD", "false")
    options = OcrOptions.from_settings(Settings())
    assert not options.reread_unsure

    def never(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("re-read although the setting is off")

    monkeypatch.setattr(reread, "reread", never)
    img = np.full((200, 900), 255, np.uint8)
    cv2.putText(img, "Amount due 127.50", (20, 120), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 0, 2, cv2.LINE_AA)
    page = engine.read_page(cv2.GaussianBlur(img, (5, 5), 0), 1, options)
    assert page.words  # read by tesseract alone


def test_the_ocr_cache_keeps_readings_with_and_without_rereading_apart() -> None:
    from extractors.ner import ocr_cache

    assert ocr_cache.fingerprint(300, "eng", True) != ocr_cache.fingerprint(300, "eng", False)
