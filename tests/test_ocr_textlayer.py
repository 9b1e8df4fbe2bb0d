"""Digital PDFs come from the text layer, exactly, and never reach tesseract; blank pages warn; batches survive."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from claimflow.errors import ClaimflowError, EncryptedPdfError, InputMissingError, OcrError, UnsupportedTypeError
from claimflow.model import DocumentKind, PageSource
from extractors.ocr import OcrOptions, _tesseract, read_document, read_documents
from fixtures.ocr import make

PAGES = [
    ["Statement of account", "Patient: Jane Example", "Amount due USD 1,234.56"],
    ["Page two: itemised charges", "99213 Office visit 150.00"],
]


@pytest.fixture
def no_tesseract(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*a: object, **k: object) -> str:
        raise AssertionError("tesseract must not run here")

    monkeypatch.setattr(_tesseract, "_run", refuse)


def test_digital_pdf_exact_text_without_tesseract(tmp_path: Path, no_tesseract: None) -> None:
    pdf = make.digital_pdf(tmp_path / "statement.pdf", PAGES)
    res = read_document(pdf, OcrOptions(workers=1, dpi=300))
    assert res.document.kind == DocumentKind.digital_pdf
    assert res.engine == "pdf-text-layer" and res.engine_version.startswith("poppler")
    assert [p.text for p in res.pages] == ["\n".join(lines) for lines in PAGES]
    assert all(p.source == PageSource.text_layer and p.mean_confidence == 1.0 for p in res.pages)
    page = res.pages[0]
    assert (page.width, page.height) == (2480, 3508)  # A4 at 300 dpi: boxes share the rendered page's pixels
    first = page.words[0]
    assert first.text == "Statement" and first.bbox.x0 == pytest.approx(300, abs=1)  # drawn at x = 72 pt = 1 inch
    assert [w.line for w in page.words] == sorted(w.line for w in page.words)


def test_blank_page_is_a_warning_not_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*a: object, **k: object) -> list:
        raise AssertionError("a blank page is not worth a tesseract run")

    monkeypatch.setattr(_tesseract, "recognize", refuse)
    rng = np.random.default_rng(0)
    paper = np.clip(rng.normal(245, 3, (1100, 850)), 0, 255).astype(np.uint8)  # scanner noise, no ink
    p = tmp_path / "blank.png"
    Image.fromarray(paper).save(p)
    res = read_document(p, OcrOptions(workers=1))
    assert res.pages[0].words == [] and "blank" in res.pages[0].warnings[0]
    assert any("blank" in w for w in res.warnings)


def test_batch_yields_every_file_in_order_and_never_stops(tmp_path: Path, no_tesseract: None) -> None:
    good = make.digital_pdf(tmp_path / "good.pdf", PAGES)
    html = tmp_path / "page.pdf"
    html.write_text("<html><body>not a pdf</body></html>")
    locked = make.encrypted_pdf(tmp_path / "locked.pdf")
    paths = [good, tmp_path / "missing.png", html, locked, good]
    out = list(read_documents(paths, OcrOptions(workers=2)))
    assert [p for p, _ in out] == paths
    kinds = [type(r) for _, r in out]
    assert kinds[1:4] == [InputMissingError, UnsupportedTypeError, EncryptedPdfError]
    assert not isinstance(out[0][1], ClaimflowError) and not isinstance(out[4][1], ClaimflowError)


def test_tesseract_failure_is_an_ocr_error_for_that_file_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "tesseract"
    fake.write_text("#!/bin/sh\necho 'Error: simulated crash' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setattr(_tesseract, "TESSERACT", str(fake))
    scan = tmp_path / "scan.png"
    make.render_page().save(scan)
    good = make.digital_pdf(tmp_path / "good.pdf", PAGES)
    out = dict(read_documents([scan, good], OcrOptions(workers=1)))
    assert isinstance(out[scan], OcrError) and "simulated crash" in out[scan].message and str(scan) in out[scan].message
    assert not isinstance(out[good], ClaimflowError)
    with pytest.raises(OcrError):
        read_document(scan, OcrOptions(workers=1))


def test_missing_tesseract_binary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_tesseract, "TESSERACT", str(tmp_path / "no-such-tesseract"))
    with pytest.raises(OcrError, match="not installed"):
        _tesseract.recognize(np.full((64, 64), 255, np.uint8))
