"""What a file really is, from its bytes: type, sha256, kind, page count — and refusal of hard inputs before decoding.

Checks run cheapest first and nothing is decoded before the limits are checked: file size from ``stat``, image
dimensions from the header (Pillow opens lazily), PDF page count and page sizes from the page tree.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from claimflow.errors import (
    CorruptFileError,
    EmptyFileError,
    EncryptedPdfError,
    ImageTooSmallError,
    InputMissingError,
    InputTooLargeError,
    UnsupportedTypeError,
)
from claimflow.digest import sha256_file
from claimflow.model import Document, DocumentKind
from extractors.ocr.options import OcrOptions
from extractors.ocr.textlayer import TextLayerPage, read_text_layer

log = logging.getLogger(__name__)

#: Smallest side, in pixels, of an image that can hold a readable line of text.
MIN_SIDE_PX = 16

_IMAGE_MAGIC: list[tuple[bytes, int, str, str]] = [
    (b"\xff\xd8\xff", 0, "image/jpeg", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png", "PNG"),
    (b"II*\x00", 0, "image/tiff", "TIFF"),
    (b"MM\x00*", 0, "image/tiff", "TIFF"),
]


@dataclass(frozen=True)
class Detected:
    """detect()'s answer plus what reading needs next (kept out of the public Document)."""

    document: Document
    pil_format: str | None  # JPEG, PNG, TIFF, WEBP for images
    text_pages: list[TextLayerPage] | None  # PDFs only: each page's text layer (maybe empty)


def sniff(head: bytes) -> tuple[str, str | None] | None:
    """(media type, Pillow format) from the first bytes, or None."""
    for magic, offset, media, fmt in _IMAGE_MAGIC:
        if head[offset : offset + len(magic)] == magic:
            return media, fmt
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", "WEBP"
    if b"%PDF-" in head[:1024]:
        return "application/pdf", None
    return None


def _describe(head: bytes) -> str:
    text = head[:512].lstrip(b"\xef\xbb\xbf").lstrip().lower()
    if text.startswith((b"<!doctype html", b"<html")) or b"<html" in text or b"<body" in text:
        return "an HTML page"
    if text.startswith(b"<?xml") or text.startswith(b"<svg"):
        return "an XML/SVG file"
    if head[:4] == b"PK\x03\x04":
        return "a ZIP archive (e.g. a Word or Excel file)"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "a GIF image"
    if head[:2] == b"BM":
        return "a BMP image"
    try:
        head[:512].decode("utf-8")
        return "plain text"
    except UnicodeDecodeError:
        return "an unrecognised binary format"


def detect(path: Path, limits: OcrOptions) -> Document:
    """Identify a claim document from its content. Raises a typed InputError naming the file."""
    return detect_full(path, limits).document


def detect_full(path: Path, limits: OcrOptions) -> Detected:
    path = Path(path)
    if not path.exists():
        raise InputMissingError(path, "no such file")
    if not path.is_file():
        raise InputMissingError(path, "not a regular file", hint="pass a document file, not a directory or device")
    size = path.stat().st_size
    if size == 0:
        raise EmptyFileError(path, "the file is empty (0 bytes)")
    if size > limits.max_file_bytes:
        raise InputTooLargeError(
            path,
            f"the file is {size / 1e6:.1f} MB, over the {limits.max_file_bytes / 1e6:.1f} MB limit",
            hint="raise CLAIMFLOW_MAX_FILE_BYTES if such documents are expected",
        )
    with path.open("rb") as f:
        head = f.read(2048)
    kind = sniff(head)
    if kind is None:
        raise UnsupportedTypeError(
            path, f"the content is {_describe(head)}, not a PDF, JPEG, PNG, TIFF or WebP (the file name does not matter)"
        )
    media_type, fmt = kind
    digest = sha256_file(path)
    if media_type == "application/pdf":
        pages, text_pages, doc_kind = _check_pdf(path, limits)
        fmt = None
    else:
        pages = _check_image(path, fmt or "", limits)
        text_pages, doc_kind = None, DocumentKind.image
    doc = Document(
        path=str(path), sha256=digest, size_bytes=size, media_type=media_type, kind=doc_kind, pages=pages
    )
    return Detected(document=doc, pil_format=fmt, text_pages=text_pages)


# --- images --------------------------------------------------------------------------------------------------------


def open_image(path: Path, fmt: str) -> Image.Image:
    """Open lazily (header only). Pillow's own bomb guard becomes InputTooLargeError."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(path, formats=[fmt])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise InputTooLargeError(path, f"the image header claims too many pixels ({e})") from e
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        raise CorruptFileError(path, f"the {fmt} image is damaged: {e}") from e


def check_frame_size(path: Path, w: int, h: int, limits: OcrOptions, frame: int | None = None) -> None:
    where = f" (frame {frame + 1})" if frame is not None else ""
    if w * h > limits.max_pixels_per_page:
        raise InputTooLargeError(
            path,
            f"the image{where} is {w}x{h} = {w * h / 1e6:.0f} megapixels, over the "
            f"{limits.max_pixels_per_page / 1e6:.0f} MP limit (refused before decoding)",
        )
    if min(w, h) < MIN_SIDE_PX:
        raise ImageTooSmallError(path, f"the image{where} is only {w}x{h} pixels")


def _check_image(path: Path, fmt: str, limits: OcrOptions) -> int:
    im = open_image(path, fmt)
    with im:
        w, h = im.size
        check_frame_size(path, w, h, limits)
        frames = getattr(im, "n_frames", 1) if fmt == "TIFF" else 1
        if frames > limits.max_pages:
            raise InputTooLargeError(path, f"the TIFF has {frames} pages, over the limit of {limits.max_pages}")
        for i in range(1, frames):
            try:
                im.seek(i)
            except (OSError, EOFError, ValueError) as e:
                raise CorruptFileError(path, f"TIFF page {i + 1} is damaged: {e}") from e
            check_frame_size(path, *im.size, limits, frame=i)
    _check_image_tail(path, fmt)
    return frames


def _check_image_tail(path: Path, fmt: str) -> None:
    """Truncation shows at the end of the file: JPEG must end with EOI, PNG with IEND (cheap, no decode)."""
    with path.open("rb") as f:
        f.seek(0, 2)
        f.seek(max(0, f.tell() - 64))
        tail = f.read()
    if fmt == "JPEG" and b"\xff\xd9" not in tail:
        raise CorruptFileError(path, "the JPEG is truncated (no end-of-image marker)")
    if fmt == "PNG" and b"IEND" not in tail:
        raise CorruptFileError(path, "the PNG is truncated (no IEND chunk)")


# --- PDFs ----------------------------------------------------------------------------------------------------------


def _check_pdf(path: Path, limits: OcrOptions) -> tuple[int, list[TextLayerPage], DocumentKind]:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    with path.open("rb") as f:
        f.seek(0, 2)
        f.seek(max(0, f.tell() - 2048))
        tail = f.read()
    if b"%%EOF" not in tail:
        raise CorruptFileError(path, "the PDF is truncated (no end-of-file marker)")
    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception as e:  # noqa: BLE001 - any decryption failure means we cannot open it
                raise EncryptedPdfError(path, "the PDF is password-protected (unsupported encryption)") from e
            if not ok:
                raise EncryptedPdfError(path, "the PDF is password-protected")
        n = len(reader.pages)
        if n == 0:
            raise CorruptFileError(path, "the PDF has no pages")
        if n > limits.max_pages:
            raise InputTooLargeError(path, f"the PDF has {n} pages, over the limit of {limits.max_pages}")
        scale = limits.dpi / 72.0
        for i, page in enumerate(reader.pages):
            box = page.mediabox
            wpx, hpx = abs(float(box.width)) * scale, abs(float(box.height)) * scale
            if wpx * hpx > limits.max_pixels_per_page:
                raise InputTooLargeError(
                    path,
                    f"PDF page {i + 1} would render at {wpx:.0f}x{hpx:.0f} px at {limits.dpi} dpi, over the "
                    f"{limits.max_pixels_per_page / 1e6:.0f} MP limit",
                )
    except FileNotDecryptedError as e:
        raise EncryptedPdfError(path, "the PDF is password-protected") from e
    except PdfReadError as e:
        raise CorruptFileError(path, f"the PDF is damaged: {e}") from e
    except (ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as e:
        raise CorruptFileError(path, f"the PDF structure is damaged: {type(e).__name__}") from e
    text_pages = read_text_layer(path)
    if len(text_pages) != n:
        raise CorruptFileError(path, f"the PDF page tree is inconsistent ({n} pages vs {len(text_pages)} readable)")
    with_text = sum(tp.has_text for tp in text_pages)
    kind = DocumentKind.digital_pdf if with_text == n else DocumentKind.scanned_pdf
    return n, text_pages, kind
