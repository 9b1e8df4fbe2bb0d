"""Every file in sample_docs/bad/ ends with the result its README table documents, in one batch that never stops."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from claimflow.errors import ClaimflowError
from extractors.ocr import OcrOptions, read_documents

BAD = Path(__file__).resolve().parent.parent / "sample_docs"
ROW = re.compile(r"^\|\s*`(bad/[^`]+)`\s*\|[^|]*\|\s*(.+?)\s*\|\s*$")


def documented() -> dict[Path, str]:
    out = {}
    for line in (BAD / "README.md").read_text(encoding="utf-8").splitlines():
        m = ROW.match(line)
        if m:
            out[BAD / m.group(1)] = m.group(2)
    return out


@pytest.mark.slow
def test_bad_samples_give_their_documented_results() -> None:
    expected = documented()
    assert len(expected) >= 8, "the sample_docs README table of bad inputs was not found"
    results = dict(read_documents(sorted(expected), OcrOptions(workers=1)))
    for path, want in expected.items():
        got = results[path]
        m = re.match(r"error `(\w+)`", want)
        if m:
            assert isinstance(got, ClaimflowError) and got.kind == m.group(1), (path.name, got)
            assert path.name in got.message
        else:
            assert want.startswith("processed"), want
            assert not isinstance(got, ClaimflowError), (path.name, got)
            assert got.warnings, f"{path.name}: expected a warning"
