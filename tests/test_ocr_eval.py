"""`claimflow eval ocr`: the metric (known answers), both gold formats, and the command end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from claimflow.cli.main import app
from extractors.ocr.evaluate import GoldDoc, Score, load_gold, normalize_lines, rows_from_boxes
from fixtures.ocr import make


def test_cer_and_word_recall_known_answers() -> None:
    s = Score()
    s.add("total 12.50\ndate 01/02/2024", "total 12.5O\ndate 01/02/2024")  # one substitution
    s.add("abc", "")  # everything missed
    assert (s.edits, s.chars) == (4, 30) and s.cer == pytest.approx(4 / 30)
    assert (s.words_hit, s.words) == (3, 5)
    s2 = Score()
    s2.add("abc", "abc noise")  # insertions count too
    assert s2.cer == pytest.approx(6 / 3)


def test_normalisation_collapses_whitespace_case_and_empty_lines() -> None:
    assert normalize_lines(["  TOTAL\t 12.50 ", "", "Ｄate"]) == "total 12.50\ndate"


def test_rows_rebuilt_from_geometry_not_input_order() -> None:
    boxes = [(300, 100, 400, 120, "12.50"), (10, 40, 90, 60, "CLINIC"), (10, 98, 120, 121, "TOTAL")]
    assert rows_from_boxes(boxes) == ["CLINIC", "TOTAL 12.50"]


def test_load_gold_both_formats(tmp_path: Path) -> None:
    sroie = tmp_path / "sroie"
    (sroie / "img").mkdir(parents=True)
    (sroie / "box").mkdir()
    make.render_page(["A"]).save(sroie / "img" / "001.jpg")
    (sroie / "box" / "001.csv").write_text("50,10,90,10,90,30,50,30,WORLD\n10,12,40,12,40,28,10,28,HELLO, THERE\n")
    [doc] = load_gold(sroie)
    assert doc.truth() == "hello, there world"
    gen = tmp_path / "gen"
    gen.mkdir()
    make.render_page().save(gen / "bill.png")
    (gen / "bill.truth.txt").write_text("Line one\nLine  two\n\fPage two\n")
    (gen / "orphan.truth.txt").write_text("no document")
    [g] = load_gold(gen)
    assert isinstance(g, GoldDoc) and g.path.name == "bill.png" and g.truth() == "line one\nline two\npage two"


def test_eval_command_on_generated_gold_json(tmp_path: Path) -> None:
    make.digital_pdf(tmp_path / "statement.pdf", [["Amount due 12.50", "Thank you"]])
    (tmp_path / "statement.truth.txt").write_text("Amount due 12.50\nThank you\n")
    res = CliRunner().invoke(app, ["eval", "ocr", "--gold", str(tmp_path), "--json", "--no-raw", "-w", "1"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    assert report["format"] == "generated"
    assert report["engines"]["claimflow"]["cer"] == 0.0 and report["engines"]["claimflow"]["word_recall"] == 1.0


def test_eval_command_missing_gold(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["eval", "ocr", "--gold", str(tmp_path / "none")])
    assert res.exit_code == 3 and "no such gold folder" in res.output


@pytest.mark.slow
def test_eval_command_side_by_side_with_raw_tesseract(tmp_path: Path) -> None:
    make.render_page().save(tmp_path / "bill.png")
    (tmp_path / "bill.truth.txt").write_text("\n".join(make.CLAIM_LINES) + "\n")
    res = CliRunner().invoke(app, ["eval", "ocr", "--gold", str(tmp_path), "--json", "-w", "1"])
    assert res.exit_code == 0, res.output
    engines = json.loads(res.output)["engines"]
    assert set(engines) == {"claimflow", "raw_tesseract"}
    assert engines["claimflow"]["cer"] < 0.03 and engines["raw_tesseract"]["documents"] == 1
