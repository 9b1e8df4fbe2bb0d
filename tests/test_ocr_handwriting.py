"""The handwriting score of a word: print sits on one baseline, a hand's letters wander (rendered words, no OCR)."""

from __future__ import annotations

import json
import random
import shutil
import statistics
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from extractors.ocr import handwriting as hw

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"  # fonts-dejavu-core, a Makefile apt package


def _word(text: str, *, wander: float = 0.0, seed: int = 0, size: int = 36):  # type: ignore[no-untyped-def]
    """A rendered word, each glyph moved up or down and resized by up to ``wander`` of the font size, and its box."""
    rng = random.Random(seed)
    img = Image.new("L", (40 + size * len(text), 3 * size), 255)
    draw, x = ImageDraw.Draw(img), 20.0
    for ch in text:
        font = ImageFont.truetype(FONT, round(size * (1 + rng.uniform(-wander, wander))))
        y = 1.75 * size + rng.uniform(-wander, wander) * size - font.getbbox(ch)[3]
        draw.text((x, y), ch, font=font, fill=0)
        x += font.getlength(ch)
    pixels = np.asarray(img)
    ys, xs = np.nonzero(pixels < 128)
    box = (int(xs.min()) - 2, int(ys.min()) - 2, int(xs.max() - xs.min()) + 5, int(ys.max() - ys.min()) + 5)
    return pixels, box


def _mean_score(text: str, wander: float) -> float:
    out = []
    for seed in range(5):
        pixels, box = _word(text, wander=wander, seed=seed)
        out.append(hw.scores(pixels, [box], [text], [0.9])[0])
    return statistics.mean(out)


@pytest.mark.parametrize("text", ["1234567890", "W192666778", "09/07/1949"])
def test_a_printed_number_scores_as_print_and_its_wandering_copy_as_handwriting(text: str) -> None:
    printed, by_hand = _mean_score(text, 0.0), _mean_score(text, 0.12)
    assert printed < 0 < by_hand and by_hand - printed > 2


@pytest.mark.parametrize("text", ["1234567890", "276.27", "Hospital", "09/07/1949"])
def test_the_score_rises_with_how_far_the_glyphs_wander(text: str) -> None:
    # a short word of round glyphs ("276.27") scores near 0 even in print: a value's words are only judged on a
    # page that as a whole was written by hand (extractors/extract.py)
    assert _mean_score(text, 0.0) < _mean_score(text, 0.06) < _mean_score(text, 0.12)


def test_a_word_with_too_few_marks_is_not_scored() -> None:
    pixels, box = _word("12")
    assert hw.scores(pixels, [box], ["12"], [0.9]) == [None]


def test_a_pages_figures_leave_out_unscored_and_small_words() -> None:
    assert hw.page_figures([None, None], [20, 20], [0.9, 0.9]) == hw.PageFigures(None, 0.0)
    # the 8 px words are a row of asterisks read as "III", the 0.1 one a stain read as "eee": not counted
    fig = hw.page_figures([3.0, -1.0, None, 2.5, 4.0, 4.0, 4.0, 5.0], [20, 21, 19, 22, 8, 8, 8, 20],
                          [0.9, 0.9, 0.9, 0.6, 0.9, 0.9, 0.9, 0.1])
    assert fig.median == pytest.approx(2.5) and fig.share == pytest.approx(2 / 3, abs=1e-4)
    assert fig.aligned is None  # no features given
    # with the words' features: the medians of how many glyphs sit on one baseline and how far the others stray
    feats = [np.array([a, 0, 0, 0, d, 0, 0, 0, 0, 0, 0, 0]) for a, d in ((1.0, 0.0), (0.8, 0.03), (1.0, 0.01))]
    fig = hw.page_figures([-2.0, 1.0, -1.5], [20, 20, 20], [0.9, 0.9, 0.9], feats)
    assert fig.aligned == pytest.approx(1.0) and fig.baseline_dev == pytest.approx(0.01)


def test_print_on_a_sloping_line_still_scores_as_print() -> None:
    # a photographed bill's lines slope: the glyphs sit on one straight, tilted baseline, which is still print
    pixels, _ = _word("1234567890")
    tilted = np.asarray(Image.fromarray(pixels).rotate(3, expand=True, fillcolor=255, resample=Image.BILINEAR))
    ys, xs = np.nonzero(tilted < 128)
    box = (int(xs.min()) - 2, int(ys.min()) - 2, int(xs.max() - xs.min()) + 5, int(ys.max() - ys.min()) + 5)
    assert hw.scores(tilted, [box], ["1234567890"], [0.9])[0] < 0


@pytest.mark.slow
def test_model_handwriting_fits_weights_from_generated_sets(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from claimflow.cli.main import app

    runner = CliRunner()
    for name, extra in (("hand", ["--handwritten"]), ("print", [])):
        res = runner.invoke(app, ["samples", "generate", "--out", str(tmp_path / name), "--count", "4", "--seed",
                                  "4711", "--kinds", "clinic", "--formats", "png", "--workers", "1", *extra])
        assert res.exit_code == 0, res.output
    out = tmp_path / "weights.json"
    res = runner.invoke(app, ["model", "handwriting", "--gold", str(tmp_path / "hand"), "--gold",
                              str(tmp_path / "print"), "--out", str(out), "--workers", "1"])
    assert res.exit_code == 0, res.output
    model = hw.Model.from_json(out.read_text())
    manifest = json.loads((tmp_path / "hand" / "manifest.json").read_text())
    wholly = sum(not m["filled_in_by_hand"] for m in manifest)
    assert model.source["documents"] == 4 + wholly  # forms filled in by hand are left out of the fit
    assert 0 < model.source["handwritten_words"] < model.source["words"]
    assert "handwritten  pages" in res.output and "printed      pages" in res.output
    res = runner.invoke(app, ["model", "handwriting", "--gold", str(tmp_path / "print"), "--out", str(out)])
    assert res.exit_code != 0 and "both fully handwritten and printed" in res.output
    # real printed documents (--print): a SROIE-like img/ folder, whose held-aside receipt 000 is never fitted on
    real = tmp_path / "real" / "img"
    real.mkdir(parents=True)
    page = next(p for p in sorted((tmp_path / "print").glob("*.png")))
    for name in ("000", "001"):
        shutil.copy(page, real / f"{name}.png")
    res = runner.invoke(app, ["model", "handwriting", "--gold", str(tmp_path / "hand"), "--print",
                              str(tmp_path / "print"), "--print", str(real.parent), "--out", str(out),
                              "--workers", "1"])
    assert res.exit_code == 0, res.output
    with_print = hw.Model.from_json(out.read_text())
    assert with_print.source["print"] == {"folders": ["print", "real"], "documents": 4 + 1}
    assert with_print.source["documents"] == wholly + 4 + 1
    assert with_print.source["words"] > model.source["words"]  # receipt 001's words joined the print side
    assert "real print   pages" in res.output


def test_print_folders_skip_held_aside_receipts_and_must_hold_documents(tmp_path: Path) -> None:
    from claimflow.cli.model import _printed_documents
    from claimflow.errors import InputMissingError

    (tmp_path / "img").mkdir()
    for name in ("000.jpg", "010.jpg", "011.jpg", "012.png", "notes.txt"):
        (tmp_path / "img" / name).write_bytes(b"x")
    assert [p.name for p in _printed_documents(tmp_path)] == ["011.jpg", "012.png"]
    flat = tmp_path / "flat"
    flat.mkdir()
    (flat / "clinic-s7-00010.png").write_bytes(b"x")
    assert [p.name for p in _printed_documents(flat)] == ["clinic-s7-00010.png"]  # generated names are never aside
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputMissingError, match="no documents to use as print"):
        _printed_documents(empty)


def _page_of_words(text: str, count: int, wander: float):  # type: ignore[no-untyped-def]
    """A page image holding ``count`` rendered copies of ``text`` in a grid, and tesseract-like words for them."""
    from extractors.ocr._tesseract import TessWord

    tiles = [_word(text, wander=wander, seed=i) for i in range(count)]
    th = max(p.shape[0] for p, _ in tiles)
    tw = max(p.shape[1] for p, _ in tiles)
    cols = 5
    page = np.full((th * (-(-count // cols)), tw * cols), 255, np.uint8)
    words = []
    for i, (pixels, (left, top, width, height)) in enumerate(tiles):
        y, x = th * (i // cols), tw * (i % cols)
        page[y: y + pixels.shape[0], x: x + pixels.shape[1]] = pixels
        words.append(TessWord(1, 1, i // cols, x + left, y + top, width, height, 90.0, text))
    return page, words


def test_a_page_plainly_printed_is_judged_on_a_sample_of_its_words() -> None:
    from extractors.ocr import engine

    page, words = _page_of_words("Hospital", 250, 0.0)
    hand, figures = engine._handwriting(page, words, None)
    scored = [s for s in hand if s is not None]
    assert len(scored) <= hw.SAMPLE_WORDS and hw.plainly_print(figures)
    page, words = _page_of_words("1234567890", 250, 0.12)  # written by hand: every word is scored
    hand, figures = engine._handwriting(page, words, None)
    assert all(s is not None for s in hand) and figures.median is not None and figures.median > 0
