"""Renderers: a :class:`Sheet` to page images (Pillow) or to a digital PDF with a text layer (reportlab).

Both return, per page, the boxes of tagged runs in pixels (``x0, y0, x1, y1``): for images at the rendered dpi, for
digital PDFs at ``PDF_EVIDENCE_DPI`` (the dpi the OCR stage rasterizes PDFs at by default).
Output is byte-identical for the same input: reportlab runs with ``invariant=1`` and fixed metadata.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageDraw

from claimflow.samples.canvas import Sheet
from claimflow.samples.fonts import font_path, metrics, pil_font, text_width

PDF_EVIDENCE_DPI = 300
Box = tuple[float, float, float, float]


@dataclass
class Rendered:
    """Tag → box per page (page index from 0)."""

    boxes: list[dict[str, Box]]


def _union(a: Box | None, b: Box) -> Box:
    if a is None:
        return b
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def _gray(c: tuple[int, int, int]) -> int:
    return (c[0] * 299 + c[1] * 587 + c[2] * 114) // 1000


def render_images(sheet: Sheet, dpi: int, *, rgb: bool = False, paper: tuple[int, int, int] = (255, 255, 255)
                  ) -> tuple[list[Image.Image], Rendered]:
    k = dpi / 72
    size = (round(sheet.width * k), round(sheet.height * k))
    images: list[Image.Image] = []
    boxes: list[dict[str, Box]] = []
    for page in sheet.pages:
        img = Image.new("RGB" if rgb else "L", size, paper if rgb else _gray(paper))
        draw = ImageDraw.Draw(img)
        col = (lambda c: c) if rgb else _gray
        for sh in page.shapes:
            x0, y0, x1, y1 = (v * k for v in sh.box)
            w = max(1, round(sh.width * k))
            if sh.kind == "line":
                draw.line((x0, y0, x1, y1), fill=col(sh.stroke or (0, 0, 0)), width=w)
            elif sh.kind == "rect":
                draw.rectangle((x0, y0, x1, y1), fill=col(sh.fill) if sh.fill else None,
                               outline=col(sh.stroke) if sh.stroke else None, width=w)
            else:
                draw.ellipse((x0, y0, x1, y1), fill=col(sh.fill) if sh.fill else None,
                             outline=col(sh.stroke) if sh.stroke else None, width=w)
        tagged: dict[str, Box] = {}
        for run in page.runs:
            font = pil_font(run.font, round(run.size * k, 2))
            xy = (run.x * k, run.y * k)
            draw.text(xy, run.text, font=font, fill=col(run.color), anchor="ls")
            if run.tag:
                box = draw.textbbox(xy, run.text, font=font, anchor="ls")
                tagged[run.tag] = _union(tagged.get(run.tag), tuple(float(v) for v in box))
        images.append(img)
        boxes.append(tagged)
    return images, Rendered(boxes)


_registered: set[str] = set()


def _register(key: str) -> None:
    if key in _registered:
        return
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(key, font_path(key)))
    _registered.add(key)


def _fixed_metadata(c) -> None:  # noqa: ANN001 - reportlab canvas
    c.setTitle("Medical bill (claimflow sample)")
    c.setAuthor("claimflow samples generator")
    c.setCreator("claimflow")
    c.setProducer("claimflow")
    c.setSubject("synthetic document with ground truth")


def render_pdf(sheet: Sheet) -> tuple[bytes, Rendered]:
    """A digital PDF: real text (embedded TrueType subsets) and vector shapes."""
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(sheet.width, sheet.height), invariant=1, pageCompression=1)
    _fixed_metadata(c)
    h = sheet.height
    k = PDF_EVIDENCE_DPI / 72
    boxes: list[dict[str, Box]] = []
    for page in sheet.pages:
        for sh in page.shapes:
            x0, y0, x1, y1 = sh.box
            c.setLineWidth(sh.width)
            if sh.stroke:
                c.setStrokeColorRGB(*(v / 255 for v in sh.stroke))
            if sh.fill:
                c.setFillColorRGB(*(v / 255 for v in sh.fill))
            if sh.kind == "line":
                c.line(x0, h - y0, x1, h - y1)
            elif sh.kind == "rect":
                c.rect(x0, h - y1, x1 - x0, y1 - y0, stroke=1 if sh.stroke else 0, fill=1 if sh.fill else 0)
            else:
                c.ellipse(x0, h - y1, x1, h - y0, stroke=1 if sh.stroke else 0, fill=1 if sh.fill else 0)
        out: dict[str, Box] = {}
        for run in page.runs:
            _register(run.font)
            c.setFont(run.font, run.size)
            c.setFillColorRGB(*(v / 255 for v in run.color))
            c.drawString(run.x, h - run.y, run.text)
            if run.tag:
                asc, desc = metrics(run.font)
                w = text_width(run.font, run.size, run.text)
                box = (run.x * k, (run.y - asc * run.size) * k, (run.x + w) * k, (run.y + desc * run.size) * k)
                out[run.tag] = _union(out.get(run.tag), tuple(round(v, 1) for v in box))
        boxes.append(out)
        c.showPage()
    c.save()
    return buf.getvalue(), Rendered(boxes)


def images_to_pdf(pages: list[Image.Image], dpi: int, *, quality: int = 80) -> bytes:
    """A scanned PDF: one JPEG image per page, sized so the page is the paper size at ``dpi``."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1, pageCompression=1)
    _fixed_metadata(c)
    for img in pages:
        w, h = img.size[0] * 72 / dpi, img.size[1] * 72 / dpi
        c.setPageSize((w, h))
        jpeg = io.BytesIO()
        img.save(jpeg, "JPEG", quality=quality, optimize=False, progressive=False, dpi=(dpi, dpi))
        jpeg.seek(0)
        c.drawImage(ImageReader(jpeg), 0, 0, width=w, height=h)
        c.showPage()
    c.save()
    return buf.getvalue()
