"""Content detection and hard inputs: one test per error class, each input made here (no tesseract needed)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from PIL import Image

from claimflow.errors import (
    CorruptFileError,
    EmptyFileError,
    EncryptedPdfError,
    ExitCode,
    ImageTooSmallError,
    InputMissingError,
    InputTooLargeError,
    UnsupportedTypeError,
)
from claimflow.model import DocumentKind
from extractors.ocr import OcrOptions, detect
from fixtures.ocr import make

OPTS = OcrOptions(workers=1, dpi=150)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputMissingError) as e:
        detect(tmp_path / "nope.pdf", OPTS)
    assert "nope.pdf" in str(e.value) and e.value.exit_code == ExitCode.input_missing


def test_zero_bytes(tmp_path: Path) -> None:
    p = tmp_path / "empty.pdf"
    p.write_bytes(b"")
    with pytest.raises(EmptyFileError, match="empty.pdf"):
        detect(p, OPTS)


def test_truncated_pdf(tmp_path: Path) -> None:
    full = make.digital_pdf(tmp_path / "full.pdf", [make.CLAIM_LINES] * 3)
    p = make.truncated(full, tmp_path / "cut.pdf")
    with pytest.raises(CorruptFileError, match="cut.pdf.*truncated"):
        detect(p, OPTS)


def test_truncated_jpeg_and_png(tmp_path: Path) -> None:
    im = make.render_page()
    for ext, fmt in (("jpg", "JPEG"), ("png", "PNG")):
        full = tmp_path / f"full.{ext}"
        im.save(full, fmt)
        p = make.truncated(full, tmp_path / f"cut.{ext}", keep=0.6)
        with pytest.raises(CorruptFileError, match=f"cut.{ext}"):
            detect(p, OPTS)


def test_encrypted_pdf_says_password_protected(tmp_path: Path) -> None:
    p = make.encrypted_pdf(tmp_path / "locked.pdf")
    with pytest.raises(EncryptedPdfError) as e:
        detect(p, OPTS)
    assert "locked.pdf" in str(e.value) and "password-protected" in str(e.value)
    assert e.value.exit_code == ExitCode.encrypted_pdf


def test_html_renamed_pdf(tmp_path: Path) -> None:
    p = tmp_path / "invoice.pdf"
    p.write_text("<!DOCTYPE html><html><body><h1>Invoice</h1></body></html>")
    with pytest.raises(UnsupportedTypeError, match="invoice.pdf.*HTML"):
        detect(p, OPTS)


def test_text_renamed_png(tmp_path: Path) -> None:
    p = tmp_path / "scan.png"
    p.write_text("Total: 12.50\nThis is not an image.\n")
    with pytest.raises(UnsupportedTypeError, match="scan.png.*plain text"):
        detect(p, OPTS)


def test_one_pixel_image(tmp_path: Path) -> None:
    p = tmp_path / "dot.png"
    Image.new("L", (1, 1), 0).save(p)
    with pytest.raises(ImageTooSmallError, match=r"dot.png.*1x1"):
        detect(p, OPTS)


def test_png_header_claiming_huge_dimensions_is_refused_before_decoding(tmp_path: Path) -> None:
    p = make.png_bomb(tmp_path / "bomb.png")
    assert p.stat().st_size < 2000
    with pytest.raises(InputTooLargeError, match="bomb.png") as e:
        detect(p, OPTS)
    assert e.value.exit_code == ExitCode.input_too_large


def test_pixels_over_the_setting_are_refused(tmp_path: Path) -> None:
    p = tmp_path / "big.png"
    Image.new("L", (400, 400), 255).save(p)
    with pytest.raises(InputTooLargeError, match="megapixels"):
        detect(p, OcrOptions(workers=1, max_pixels_per_page=100_000))


def test_too_many_pages(tmp_path: Path) -> None:
    p = make.digital_pdf(tmp_path / "long.pdf", [["page"]] * 4)
    with pytest.raises(InputTooLargeError, match="4 pages"):
        detect(p, OcrOptions(workers=1, max_pages=3))
    t = tmp_path / "long.tif"
    frames = [Image.new("L", (64, 64), 255) for _ in range(4)]
    frames[0].save(t, save_all=True, append_images=frames[1:])
    with pytest.raises(InputTooLargeError, match="4 pages"):
        detect(t, OcrOptions(workers=1, max_pages=3))


def test_too_many_bytes(tmp_path: Path) -> None:
    p = make.digital_pdf(tmp_path / "doc.pdf", [["hello"]])
    with pytest.raises(InputTooLargeError, match="MB"):
        detect(p, OcrOptions(workers=1, max_file_bytes=100))


def test_type_comes_from_content_not_name(tmp_path: Path) -> None:
    p = tmp_path / "really-a-png.pdf"
    p.write_bytes(make.png_bytes(make.render_page()))
    doc = detect(p, OPTS)
    assert doc.media_type == "image/png" and doc.kind == DocumentKind.image and doc.pages == 1
    assert doc.sha256 == hashlib.sha256(p.read_bytes()).hexdigest()
    assert doc.size_bytes == p.stat().st_size


def test_kinds_and_page_counts(tmp_path: Path) -> None:
    digital = detect(make.digital_pdf(tmp_path / "d.pdf", [["one"], ["two"]]), OPTS)
    assert (digital.kind, digital.pages, digital.media_type) == (DocumentKind.digital_pdf, 2, "application/pdf")
    scanned = detect(make.image_pdf(tmp_path / "s.pdf", [make.render_page()]), OPTS)
    assert (scanned.kind, scanned.pages) == (DocumentKind.scanned_pdf, 1)
    tif = tmp_path / "multi.tiff"
    pages = [make.render_page(size=(300, 400)) for _ in range(3)]
    pages[0].save(tif, save_all=True, append_images=pages[1:])
    doc = detect(tif, OPTS)
    assert (doc.kind, doc.pages, doc.media_type) == (DocumentKind.image, 3, "image/tiff")
    webp = tmp_path / "photo.webp"
    make.render_page(size=(300, 400)).save(webp, "WEBP")
    assert detect(webp, OPTS).media_type == "image/webp"
