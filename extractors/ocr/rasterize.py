"""One page of a document as a grayscale numpy image, one page at a time (bounded memory)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from claimflow.errors import CorruptFileError, EncryptedPdfError, InputTooLargeError
from extractors.ocr.detect import check_frame_size, open_image
from extractors.ocr.options import OcrOptions


def _to_gray(im: Image.Image) -> np.ndarray:
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        im = Image.alpha_composite(white, rgba)
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(im, dtype=np.float32)
        hi = float(arr.max()) or 1.0
        return (arr * (255.0 / hi)).astype(np.uint8)
    if im.mode in ("RGB", "RGBA", "CMYK", "YCbCr", "P"):
        # Leptonica's weights (0.3, 0.5, 0.2), which tesseract applies to colour input itself: colour scans then
        # reach tesseract exactly as they would raw (measured: PIL's 0.299/0.587/0.114 lost 8 CER points on one
        # SROIE receipt)
        rgb = np.asarray(im.convert("RGB"), dtype=np.float32)
        return np.clip(rgb @ np.array([0.3, 0.5, 0.2], np.float32) + 0.5, 0, 255).astype(np.uint8)
    return np.asarray(im.convert("L"), dtype=np.uint8)


def load_image_page(path: Path, fmt: str, index: int, options: OcrOptions) -> np.ndarray:
    """Frame ``index`` (0-based) of an image file, EXIF orientation applied, as 8-bit grayscale."""
    im = open_image(path, fmt)
    try:
        with im:
            if index:
                im.seek(index)
            check_frame_size(path, *im.size, options, frame=index if index else None)
            im.load()
            upright = ImageOps.exif_transpose(im) if fmt in ("JPEG", "TIFF", "WEBP", "PNG") else im
            return _to_gray(upright)
    except (InputTooLargeError, CorruptFileError):
        raise
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as e:
        raise CorruptFileError(path, f"the image cannot be decoded (truncated or damaged): {e}") from e


def render_pdf_page(path: Path, number: int, options: OcrOptions) -> np.ndarray:
    """Page ``number`` (1-based) rendered by poppler at ``options.dpi`` in grayscale."""
    from pdf2image import convert_from_path
    from pdf2image.exceptions import PDFInfoNotInstalledError, PDFPageCountError, PDFPopplerTimeoutError

    try:
        images = convert_from_path(
            path,
            dpi=options.dpi,
            first_page=number,
            last_page=number,
            grayscale=True,
            fmt="ppm",
            timeout=int(options.page_timeout) or 1,
        )
    except PDFPopplerTimeoutError as e:
        raise CorruptFileError(path, f"page {number} took longer than {options.page_timeout:g} s to render") from e
    except PDFPageCountError as e:
        if "ncorrect password" in str(e):
            raise EncryptedPdfError(path, "the PDF is password-protected") from e
        raise CorruptFileError(path, f"the PDF cannot be rendered: {e}") from e
    except PDFInfoNotInstalledError as e:  # pragma: no cover - documented system dependency
        raise CorruptFileError(path, "cannot render PDFs: poppler-utils is not installed") from e
    if not images:
        raise CorruptFileError(path, f"page {number} of the PDF cannot be rendered")
    with images[0] as im:
        return _to_gray(im)
