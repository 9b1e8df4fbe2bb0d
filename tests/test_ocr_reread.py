"""Re-reading: words tesseract was unsure of are read again by PP-OCR's recogniser, and a new spelling is
taken only where it is surer and keeps what made the old one a date, an amount or a name."""

from __future__ import annotations

from dataclasses import replace

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
    assert got[1][0].text == "HING" and (got[1][0].left, got[1][0].width) == (180, 80)


def test_junk_words_read_as_one_word_become_that_word() -> None:
    ws = [_word("sce", 100, 13.0), _word("OSI2ONS", 170, 0.0)]
    got = reread._merge(ws, _chars("27/03/2018", 100, pitch=15))
    assert got is not None
    flat = [w for g in got for w in g]
    assert [w.text for w in flat] == ["27/03/2018"]
    assert 95 <= flat[0].left <= 105 and flat[0].left + flat[0].width >= 240


def test_junk_is_replaced_however_the_reading_mixes_letters_and_digits() -> None:
    # a speck under an id made tesseract read "L82N6463205" as junk; the recogniser read it whole
    ws = [_word("LEA", 100, 0.0), _word("NG3205", 170, 0.0)]
    got = reread._merge(ws, _chars("L82N6463205", 100, pitch=16))
    assert got is not None
    assert [w.text for g in got for w in g] == ["L82N6463205"]
    # a word read unsurely but not junk still may not take a mixed spelling
    assert reread._merge([_word("POS", 100, 60.0)], _chars("P0S", 100)) is None


def test_a_surely_read_word_keeps_its_characters() -> None:
    # "521" was re-read only because "W577" beside it was unsure: the recogniser may fix W577, not drop a digit
    ws = [_word("W577", 100, 57.0), _word("521", 200, 95.0)]
    got = reread._merge(ws, _chars("LW577 52", 80))
    assert got is not None
    assert [[w.text for w in g] for g in got] == [["LW577"], ["521"]]
    # ... nor add one: the last letter of the word before, placed by the recogniser in the gap
    ws = [_word("National", 100, 95.0, width=184), _word("Lab", 300, 96.9, width=80), _word("Pa", 400, 60.0)]
    chars = _chars("National", 100, pitch=24.0) + _chars("Lab", 300, pitch=24.0) + _chars("Pa", 400)
    chars = [c if (c.text, c.x) != ("l", 280.0) else replace(c, x=292.0) for c in chars]  # between the two boxes
    got = reread._merge(ws, chars)
    assert got is None or [w.text for g in got for w in g][:2] == ["National", "Lab"]
    # ... but a character tesseract lost between two words is taken back ("1" and "7818712" for 157818712)
    ws = [_word("1", 100, 71.0, width=12), _word("7818712", 140, 95.0, width=140)]
    chars = _chars("1", 96) + [Char(127.0, "5", 1.0, 0)] + _chars("7818712", 138)
    got = reread._merge(ws, chars)
    assert got is not None and "".join(w.text for g in got for w in g) == "157818712"


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


@pytest.mark.slow
def test_a_crop_reads_the_same_alone_and_batched_with_others() -> None:
    def line(text: str, width: int) -> np.ndarray:
        img = np.full((60, width), 255, np.uint8)
        cv2.putText(img, text, (8, 42), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 0, 2, cv2.LINE_AA)
        return img

    crops = [line("TOTAL 45.60", 260), line("12/03/2024", 250), line("CASH", 120), line("Thank you", 255)]
    together = reread.recognize(crops)
    assert [len(b) for b in reread._batches([round(c.shape[1] * reread.REC_HEIGHT / 60) for c in crops])] == [1, 3]
    for crop, read in zip(crops, together, strict=True):
        assert reread.recognize([crop]) == [read]  # the batch's other crops change nothing: no neighbours, no padding
    assert "".join(c.text for c in together[0]) == "TOTAL45.60"


def test_crops_are_batched_by_the_width_they_are_padded_to() -> None:
    widths = [30, 500, 31, 2000, 480, 33, 500, 20000, *([200] * 40)]
    batches = reread._batches(widths)
    assert sorted(i for b in batches for i in b) == list(range(len(widths)))  # every crop once
    for b in batches:
        assert len({reread._width(widths[i]) for i in b}) == 1
        assert len(b) == 1 or reread._width(widths[b[0]]) * len(b) <= reread.BATCH_COLUMNS
    for w in (1, 30, 200, 481, 1600, 20000):
        padded = reread._width(w)
        need = w + 2 * reread.MARGIN  # the crop and its margins, padded by at most one step of the series
        assert padded % 8 == 0 and need <= padded <= max(reread.MIN_WIDTH, reread.WIDTH_STEP * need + 8)
    assert reread._width(30) == reread._width(33) and reread._width(490) == reread._width(500)


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


def test_two_readers_agreeing_on_a_word_give_it_the_surer_confidence() -> None:
    got = reread._merge([_word("TEO", 100, 24.0), _word("HENG", 180, 88.0)], _chars("TEO HENG", 90, conf=0.6))
    assert got is not None
    assert [(w.text, w.conf) for g in got for w in g] == [("TEO", pytest.approx(60.0)), ("HENG", 88.0)]


def _page_with_lines(*lines: tuple[int, int, int, int]) -> np.ndarray:
    """A white page with a block of ink (x0, y0, x1, y1) standing for each line of text."""
    page = np.full((600, 900), 255, np.uint8)
    for x0, y0, x1, y1 in lines:
        for x in range(x0, x1 - 6, 14):  # letters: strokes with gaps, so the line smears into one region
            page[y0:y1, x : x + 8] = 0
    return page


def test_a_line_tesseract_read_nothing_of_is_read_by_the_recogniser() -> None:
    # a letterhead in a large face (two pieces far apart: one line), then body text tesseract read
    page = _page_with_lines((100, 40, 330, 100), (420, 40, 640, 100), (100, 200, 600, 224), (100, 260, 600, 284))
    body = [TessWord(1, 1, 1, 100, 200, 500, 24, 95.0, "Body"), TessWord(1, 1, 2, 100, 260, 500, 24, 95.0, "text")]
    fake = FakeRecognizer([_chars("POPULAR BOOK", 20, pitch=40)])
    got = reread.read_unread(page, body, recognizer=fake)
    assert len(fake.crops) == 1  # both pieces in one crop
    assert [w.text for w in got] == ["POPULAR", "BOOK"]
    assert all(w.block == 2 for w in got)  # a block of its own
    pop = got[0]
    assert 38 <= pop.top <= 42 and 98 <= pop.top + pop.height <= 102  # the box hugs the ink, not the crop's margin
    assert pop.left < got[1].left and pop.conf == pytest.approx(99.0)


def test_unsure_foreign_or_marks_only_readings_of_unread_lines_are_dropped() -> None:
    page = _page_with_lines((100, 40, 500, 100), (100, 200, 600, 224))
    body = [TessWord(1, 1, 1, 100, 200, 500, 24, 95.0, "Body")]
    for reading in (_chars("LOGO", 20, conf=0.5), _chars("药房", 20), _chars("* * *", 20)):
        assert reread.read_unread(page, body, recognizer=FakeRecognizer([reading])) == []
    # a mark among words is kept
    got = reread.read_unread(page, body, recognizer=FakeRecognizer([_chars("TEO & BOOKS", 20)]))
    assert [w.text for w in got] == ["TEO", "&", "BOOKS"]


def test_nothing_is_read_where_every_line_was_read() -> None:
    page = _page_with_lines((100, 200, 600, 224))
    fake = FakeRecognizer([])
    assert reread.read_unread(page, [TessWord(1, 1, 1, 100, 200, 500, 24, 95.0, "Body")], recognizer=fake) == []
    assert fake.crops == []


def test_pieces_of_one_line_are_joined_and_lines_kept_apart() -> None:
    lines = reread._lines([(420, 40, 640, 100), (100, 42, 330, 98), (100, 200, 300, 230), (700, 45, 800, 95)])
    assert lines == [(100, 40, 800, 100), (100, 200, 300, 230)]


@pytest.mark.slow
def test_the_shipped_recogniser_reads_a_line_in_a_large_face() -> None:
    page = np.full((500, 1200), 255, np.uint8)
    cv2.putText(page, "CITY PHARMACY", (60, 120), cv2.FONT_HERSHEY_SIMPLEX, 3.0, 0, 7, cv2.LINE_AA)
    cv2.putText(page, "Receipt 1234", (60, 300), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 0, 2, cv2.LINE_AA)
    body = [TessWord(1, 1, 1, 60, 275, 300, 30, 95.0, "Receipt 1234")]
    got = reread.read_unread(page, body)
    assert " ".join(w.text for w in got) == "CITY PHARMACY"
    assert all(40 <= w.top and w.top + w.height <= 140 for w in got)


def test_a_filled_box_is_not_taken_for_an_unread_line() -> None:
    from extractors.ocr import preprocess

    page = _page_with_lines((300, 40, 600, 100), (100, 200, 600, 224))
    page[40:80, 100:140] = 0  # a logo's square (white initials aside)
    regions = preprocess.unread_regions(page, [(100, 200, 500, 24)])
    assert len(regions) == 1 and regions[0][0] >= 250  # the line of letters, not the square


def _page_with_a_fold(line_x: int | None) -> np.ndarray:
    """A white page with a 30 px high word box at x 100-300 on y 200-230, other lines of text above and below it,
    and (``line_x``) a vertical grey line down the whole page."""
    page = np.full((600, 800), 245, np.uint8)
    for y in (140, 200, 260):
        cv2.putText(page, "W0159187", (100, y + 28), cv2.FONT_HERSHEY_SIMPLEX, 1.1, 0, 2)
    if line_x is not None:
        page[:, line_x : line_x + 4] = 150
    return page


def test_a_long_vertical_line_at_a_words_end_is_found_and_a_glyphs_stroke_is_not() -> None:
    word = TessWord(1, 1, 1, 100, 200, 200, 30, 95.0, "W0159187")
    assert reread._lines_beside(_page_with_a_fold(None), [word]) == {}
    found = reread._lines_beside(_page_with_a_fold(310), [word])
    assert 0 in found and found[0][0] == -1 and 308 <= found[0][1] <= 314


def test_a_character_lost_under_a_line_is_read_back_and_the_line_is_never_a_character() -> None:
    ws = [_word("NE794", 100, 95.0), _word("161", 220, 96.0), _word("65", 300, 96.8)]
    # the recogniser, reading past the fold at x 350, finds the 8 there (surely, if less so than tesseract's 65)
    chars = _chars("NE794 161 658", 100, pitch=20.0)
    chars = [c if c.text != "8" else replace(c, x=352.0, conf=0.92) for c in chars]
    chars = [c for c in chars if c.x < 353]  # the crop ends a glyph past the line
    got = reread._merge(ws, chars, (12, 60), (-1, 350))
    assert got is not None and [w.text for g in got for w in g][-1] == "658"
    assert got[2][0].left + got[2][0].width >= 352  # the box takes in the 8
    # without the line, the same reading is refused: tesseract was surer of "65"
    plain = reread._merge(ws, chars)
    assert plain is None or [w.text for g in plain for w in g] == ["NE794", "161", "65"]
    # the line itself read as a 1 is refused
    ones = [c if c.text != "8" else replace(c, text="1", x=350.0) for c in chars]
    kept = reread._merge(ws, ones, (12, 60), (-1, 350))
    assert kept is None or [w.text for g in kept for w in g] == ["NE794", "161", "65"]


def test_a_character_read_past_the_line_must_go_on_at_the_words_pitch() -> None:
    # "INV-2024-67734" beside the edge of a photographed page: a "2" well past the edge is another word's
    ws = [_word("677", 100, 91.0, width=60)]
    chars = _chars("677", 100) + [Char(195.0, "2", 1.0, 0)]
    got = reread._merge(ws, chars, (12, 50), (-1, 165))
    assert got is None or got[0][0].text == "677"
    chars = _chars("677", 100) + [Char(172.0, "2", 1.0, 0)]  # one pitch on, under the line
    got = reread._merge(ws, chars, (12, 50), (-1, 165))
    assert got is not None and got[0][0].text == "6772"
