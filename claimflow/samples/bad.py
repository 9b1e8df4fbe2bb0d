"""Malformed and hostile inputs for ``sample_docs/bad/``: each must end in its documented error, never a crash.

``BAD_FILES`` lists (file, what it exercises, expected result); ``write_bad_files(dir)`` writes them byte-identically.
The expected error kinds are the ``kind`` attributes of the classes in ``claimflow.errors``.
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

#: (file name, what it exercises, expected result)
BAD_FILES: tuple[tuple[str, str, str], ...] = (
    ("empty.pdf", "zero-byte file", "error `empty_file`"),
    ("truncated.pdf", "a digital PDF cut off after 40 % of its bytes (no xref, no %%EOF)", "error `corrupt_file`"),
    ("encrypted.pdf", "a PDF protected by a user password", "error `encrypted_pdf`"),
    ("html-renamed.pdf", "an HTML page saved with a .pdf name", "error `unsupported_type`"),
    ("text-renamed.png", "a plain-text file saved with a .png name", "error `unsupported_type`"),
    ("one-pixel.png", "a valid 1×1 PNG", "error `image_too_small`"),
    ("bomb.png", "a PNG whose header claims 60000×60000 pixels (3.6 gigapixels) in a file of under 200 bytes",
     "error `too_large` (refused before decoding)"),
    ("blank-page.png", "a white letter page scanned at 150 dpi, no text", "processed; no fields found, a warning "
     "(nothing read) and the claim goes to review"),
    ("not-a-bill.jpg", "a photo-like landscape picture with no text", "processed; no fields found, a warning and "
     "review"),
)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def bomb_png(width: int = 60000, height: int = 60000) -> bytes:
    """A PNG header declaring ``width``×``height`` 1-bit gray, followed by a few compressed zero rows."""
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    idat = zlib.compress(row * 8, 9)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")


def _encrypted_pdf() -> bytes:
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1, encrypt=StandardEncryption("claimflow-secret", canPrint=0))
    c.setFont("Helvetica", 12)
    c.drawString(72, 720, "Statement of services - password protected")
    c.drawString(72, 700, "Total charges: $120.00")
    c.showPage()
    c.save()
    return buf.getvalue()


def _digital_pdf() -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1)
    c.setFont("Helvetica", 11)
    for i, line in enumerate(("Riverside Family Medicine", "Patient: Jane Example", "Date of Service: 03/07/2025",
                              "99213 Office visit   $150.00", "Total Charges: $150.00", "Balance Due: $30.00")):
        c.drawString(72, 720 - 16 * i, line)
    c.showPage()
    c.save()
    return buf.getvalue()


def _png(img: Image.Image, dpi: int = 150) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG", compress_level=9, dpi=(dpi, dpi))
    return buf.getvalue()


def _landscape() -> bytes:
    """A photo-like picture: sky gradient, sun, hills, grain. Deterministic."""
    rng = np.random.default_rng(7)
    h, w = 600, 800
    y = np.linspace(0, 1, h)[:, None]
    sky = np.stack([120 + 80 * y, 170 + 50 * y, 235 - 20 * y], axis=2) * np.ones((1, w, 1))
    img = sky.copy()
    xs = np.arange(w)
    for base, amp, freq, color in ((560, 60, 0.006, (70, 120, 60)), (660, 40, 0.011, (50, 100, 45))):
        ridge = base * 2 // 3 + amp * np.sin(xs * freq + base)
        mask = np.arange(h)[:, None] > ridge[None, :]
        img[mask] = color
    yy, xx = np.mgrid[0:h, 0:w]
    sun = (xx - 600) ** 2 + (yy - 120) ** 2 < 40 ** 2
    img[sun] = (250, 230, 150)
    img = np.clip(img + rng.normal(0, 7, img.shape), 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "JPEG", quality=75)
    return buf.getvalue()


def write_bad_files(out: Path) -> list[str]:
    out.mkdir(parents=True, exist_ok=True)
    pdf = _digital_pdf()
    files = {
        "empty.pdf": b"",
        "truncated.pdf": pdf[: int(len(pdf) * 0.4)],
        "encrypted.pdf": _encrypted_pdf(),
        "html-renamed.pdf": b"<!DOCTYPE html>\n<html><head><title>Your bill</title></head>\n"
                            b"<body><h1>Statement</h1><p>Total charges: $120.00</p></body></html>\n",
        "text-renamed.png": b"This is a plain text note, not an image.\nTotal: $45.00\n",
        "one-pixel.png": _png(Image.new("L", (1, 1), 255)),
        "bomb.png": bomb_png(),
        "blank-page.png": _png(Image.new("L", (1275, 1650), 255)),
        "not-a-bill.jpg": _landscape(),
    }
    for name, data in files.items():
        (out / name).write_bytes(data)
    return sorted(files)
