"""The command line as a user meets it: help, clear errors with exit codes, and the extraction contract."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from claimflow.cli.main import app
from claimflow.errors import ExitCode
from claimflow.schema import extraction_errors

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "sample_docs"
runner = CliRunner()


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("process", "extract", "db", "audit", "adjudicate", "plans", "members", "samples", "eval", "model"):
        assert command in result.output


def test_extract_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "missing.pdf"
    result = runner.invoke(app, ["extract", str(missing)])
    assert result.exit_code == ExitCode.input_missing
    assert "missing.pdf" in result.output and "no such file" in result.output
    assert "Traceback" not in result.output


def test_extract_text_file_is_refused_by_content(tmp_path: Path) -> None:
    txt = tmp_path / "some.txt"
    txt.write_text("Total charges: $120.00\n")
    result = runner.invoke(app, ["extract", str(txt)])
    assert result.exit_code == ExitCode.bad_input
    assert "some.txt" in result.output and "plain text" in result.output


def test_console_script_exits_non_zero_without_traceback(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "claimflow.cli.main", "extract", str(tmp_path / "missing.pdf")],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == ExitCode.input_missing
    assert "missing.pdf" in proc.stderr and "Traceback" not in proc.stderr


def _sample_documents() -> list[Path]:
    return sorted(p for p in SAMPLES.iterdir() if p.suffix.lower() in {".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff"})


@pytest.mark.slow
def test_extract_json_of_every_sample_document_matches_the_contract(tmp_path: Path) -> None:
    docs = _sample_documents()
    assert len(docs) >= 3
    result = runner.invoke(app, ["extract", "--json", *map(str, docs)], env={"CLAIMFLOW_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert [Path(x["document"]["file"]).name for x in lines] == [d.name for d in docs]
    for doc, extraction in zip(docs, lines, strict=True):
        assert extraction_errors(extraction) == [], doc.name
