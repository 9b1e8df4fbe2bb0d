"""Generate documents with ground truth: ``generate(out, count=N, seed=S)``.

Each document depends only on (seed, index) — its content, look, format and degradations are drawn from generators
seeded with both — so a training set and a held-out set are just different seeds, and any document can be rebuilt
alone. Per document the generator writes ``NAME.<ext>``, ``NAME.truth.json`` (the expected Extraction, wire form) and
``NAME.truth.txt`` (the text, pages split by form feeds). Per run it writes ``manifest.json`` and ``members.yaml``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import multiprocessing
import random
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import yaml
from PIL import Image

from claimflow.model.document import DocumentKind
from claimflow.samples import degrade, fonts
from claimflow.samples.canvas import Sheet, Style
from claimflow.samples.content import INTL_LAYOUT_NAMES, LAYOUTS, Bill, make_bill
from claimflow.samples.formats import choose_formats
from claimflow.samples.layouts import clinic, clinic_sea, dental_vision, hospital, hospital_in, lab, pharmacy
from claimflow.samples.layouts import pharmacy_in
from claimflow.samples.layouts.common import ACCENTS, Ctx
from claimflow.samples.layouts.intl_common import intl_paper, intl_style
from claimflow.samples.render import PDF_EVIDENCE_DPI, images_to_pdf, render_images, render_pdf
from claimflow.samples.truth import build_truth, document_text

log = logging.getLogger(__name__)

FORMATS = ("png", "jpeg", "tiff", "scanned_pdf", "digital_pdf")
EXTENSIONS = {"png": "png", "jpeg": "jpg", "tiff": "tif", "scanned_pdf": "pdf", "digital_pdf": "pdf"}
KINDS = {"png": DocumentKind.image, "jpeg": DocumentKind.image, "tiff": DocumentKind.image,
         "scanned_pdf": DocumentKind.scanned_pdf, "digital_pdf": DocumentKind.digital_pdf}
DEGRADATIONS = (
    "blur", "noise", "specks", "jpeg_artifacts", "uneven_light", "low_contrast", "coffee_stain", "fold_lines",
)
BUILDERS = {"clinic": clinic.build, "hospital": hospital.build, "pharmacy": pharmacy.build, "lab": lab.build,
            "dental_vision": dental_vision.build, "hospital_in": hospital_in.build, "pharmacy_in": pharmacy_in.build,
            "clinic_my": clinic_sea.build, "clinic_sg": clinic_sea.build}
PAPER = {"letter": (612.0, 792.0), "a4": (595.0, 842.0)}


@dataclass(frozen=True)
class Spec:
    """How one document looks. Fields left ``None`` are drawn at random from (seed, index)."""

    layout: str | None = None
    fmt: str | None = None
    dpi: int | None = None
    capture: str | None = None  # "clean" (no degradation), "scan", "photo"
    skew: float | None = None
    rotation: int | None = None  # 0, 90, 180, 270 (clockwise)
    degradations: tuple[str, ...] | None = None
    handwritten: bool | None = None
    #: content steering for curated sets (None: drawn as always): first date of service within (first, last),
    #: and the membership kind ("member", "dependent", "non_member", "lapsed", "terminated")
    service_window: tuple[dt.date, dt.date] | None = None
    membership: str | None = None


@dataclass
class Result:
    name: str
    manifest: dict
    members: list[dict] = field(default_factory=list)


def _rng(seed: int, index: int, stream: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, index, stream]))


def _choose(rng: random.Random, weighted: Sequence[tuple[object, float]]):  # noqa: ANN202
    total = sum(w for _, w in weighted)
    r = rng.random() * total
    for value, w in weighted:
        if r < w:
            return value
        r -= w
    return weighted[-1][0]


def resolve_spec(rng: random.Random, spec: Spec, layouts: Sequence[str], formats: Sequence[str]) -> Spec:
    layout = spec.layout or rng.choice(list(layouts))
    handwritten = spec.handwritten if spec.handwritten is not None else (layout == "clinic" and rng.random() < 0.05)
    fmt = spec.fmt or _choose(rng, [(f, w) for f, w in (("png", 25), ("jpeg", 20), ("tiff", 10), ("scanned_pdf", 25),
                                                        ("digital_pdf", 20)) if f in formats])
    if handwritten and fmt == "digital_pdf" and spec.fmt is None:
        fmt = "jpeg" if "jpeg" in formats else fmt
    if fmt == "digital_pdf":
        capture = "clean"
    elif spec.capture:
        capture = spec.capture
    elif fmt in ("png", "jpeg") and rng.random() < 0.35:
        capture = "photo"
    else:
        capture = "clean" if rng.random() < 0.15 else "scan"
    dpi = spec.dpi or (PDF_EVIDENCE_DPI if fmt == "digital_pdf" else rng.choice((150, 200, 200, 240, 300)))
    if spec.skew is not None:
        skew = spec.skew
    elif capture == "clean":
        skew = 0.0
    else:
        skew = round(rng.uniform(-10, 10) if rng.random() < 0.15 else rng.uniform(-3, 3), 2)
    rotation = spec.rotation if spec.rotation is not None else (
        rng.choice((90, 180, 270)) if capture == "scan" and rng.random() < 0.08 else 0)
    if spec.degradations is not None:
        degr = spec.degradations
    elif capture == "clean":
        degr = ()
    else:
        pool = [d for d in DEGRADATIONS if not (d == "jpeg_artifacts" and fmt == "jpeg")]
        degr = tuple(sorted(rng.sample(pool, rng.randint(0, 3)), key=DEGRADATIONS.index))
    return Spec(layout, fmt, dpi, capture, skew, rotation, degr, handwritten)


def _style(rng: random.Random, layout: str, handwritten: bool) -> Style:
    if handwritten:
        reg, bold = rng.choice(fonts.HANDWRITING)
        return Style(reg, bold, size=11.0, handwriting=True)
    if layout == "pharmacy":
        reg, bold = rng.choice(fonts.MONOSPACE)
        return Style(reg, bold, size=rng.choice((7.5, 8.0, 8.5)))
    reg, bold = rng.choice(fonts.PROPORTIONAL)
    return Style(reg, bold, size=rng.choice((8.5, 9.0, 9.5, 10.0)))


def _paper(rng: random.Random, bill: Bill) -> tuple[float, float]:
    if bill.layout in INTL_LAYOUT_NAMES:
        return intl_paper(rng, bill.layout)
    if bill.layout == "pharmacy":
        return (rng.choice((204.0, 227.0, 252.0)), 1600.0)  # a tall strip, cut to length after layout
    return PAPER["a4" if bill.locale in ("eu", "uk") else "letter"]


def build_sheet(seed: int, index: int, spec: Spec, layouts: Sequence[str], formats: Sequence[str],
                edit: Callable[[Bill], Bill] | None = None) -> tuple[Bill, Spec, Ctx]:
    """``edit``: applied to the drawn bill before it is laid out (a bundle's bills share their patient)."""
    rng = random.Random(int(np.random.SeedSequence([seed, index]).generate_state(1)[0]))
    layout = spec.layout or rng.choice(list(layouts))
    bill = make_bill(rng, layout, service_window=spec.service_window, membership_kind=spec.membership)
    if edit is not None:
        bill = edit(bill)
    spec = resolve_spec(rng, replace(spec, layout=layout), layouts, formats)
    if layout in INTL_LAYOUT_NAMES and not spec.handwritten:  # the paper decides the font (thermal: monospace)
        width, height = _paper(rng, bill)
        style = intl_style(rng, layout, thermal=width < 300)
    else:
        style = _style(rng, layout, bool(spec.handwritten))
        width, height = _paper(rng, bill)
    jitter = random.Random(rng.random()) if spec.handwritten else None
    if jitter is not None and jitter.random() < 0.5:  # a printed form filled in by hand
        printed = jitter.choice(fonts.PROPORTIONAL)
        style = Style(printed[0], printed[1], size=9.0, handwriting=True, hand=style.regular)
    strip = layout == "pharmacy" or (layout in INTL_LAYOUT_NAMES and height >= 1600)
    sheet = Sheet(width, height, style, margin=14 if strip else rng.choice((36, 42, 50)), jitter=jitter)
    date_style, money = choose_formats(rng, bill.currency, bill.locale)
    ctx = Ctx(bill=bill, sheet=sheet, rng=rng, date_style=date_style, money=money, accent=rng.choice(ACCENTS))
    BUILDERS[layout](ctx)
    if strip:
        sheet.height = round(sheet.y + 30, 1)
    if len(sheet.pages) > 1 and spec.fmt in ("png", "jpeg"):
        spec = replace(spec, fmt="tiff" if spec.capture != "photo" else "scanned_pdf")
        if spec.capture == "photo":
            spec = replace(spec, capture="scan")
    return bill, spec, ctx


def _degrade(pixels: np.ndarray, spec: Spec, nrng: np.random.Generator) -> degrade.Img:
    img = degrade.start(pixels)
    d = set(spec.degradations or ())
    if spec.capture == "photo":
        bg = tuple(int(v) for v in nrng.choice([[120, 95, 70], [70, 70, 75], [180, 175, 165], [40, 60, 90]]))
        if spec.skew:
            img = degrade.skew(img, spec.skew, fill=255)
        img = degrade.photo(img, nrng, bg)  # type: ignore[arg-type]
        img = degrade.uneven_light(img, nrng, strength=float(nrng.uniform(0.2, 0.45)))
    elif spec.skew:
        img = degrade.skew(img, spec.skew, fill=255)
    if spec.rotation:
        img = degrade.rotate(img, spec.rotation)
    if "coffee_stain" in d:
        img = degrade.coffee_stain(img, nrng)
    if "fold_lines" in d:
        img = degrade.fold_lines(img, nrng)
    if "uneven_light" in d and spec.capture != "photo":
        img = degrade.uneven_light(img, nrng)
    if "low_contrast" in d:
        img = degrade.low_contrast(img, nrng)
    if "specks" in d:
        img = degrade.specks(img, nrng)
    if "blur" in d:
        img = degrade.blur(img, float(nrng.uniform(0.6, 1.3)))
    if "noise" in d:
        img = degrade.noise(img, nrng, float(nrng.uniform(5, 14)))
    if "jpeg_artifacts" in d:
        img = degrade.jpeg_artifacts(img, int(nrng.integers(18, 40)))
    return img


def _encode(images: list[Image.Image], fmt: str, dpi: int) -> bytes:
    buf = io.BytesIO()
    if fmt == "png":
        images[0].save(buf, "PNG", optimize=False, compress_level=6, dpi=(dpi, dpi))
    elif fmt == "jpeg":
        images[0].save(buf, "JPEG", quality=82, optimize=False, progressive=False, dpi=(dpi, dpi))
    elif fmt == "tiff":
        images[0].save(buf, "TIFF", compression="tiff_deflate", save_all=True, append_images=images[1:],
                       dpi=(dpi, dpi))
    elif fmt == "scanned_pdf":
        return images_to_pdf(images, dpi)
    else:
        raise ValueError(fmt)
    return buf.getvalue()


def render_document(seed: int, index: int, spec: Spec = Spec(), *, layouts: Sequence[str] = LAYOUTS,
                    formats: Sequence[str] = FORMATS, edit: Callable[[Bill], Bill] | None = None
                    ) -> tuple[Bill, Spec, Ctx, bytes, list[dict]]:
    """Build and render one document: (bill, resolved spec, layout context, file bytes, boxes per page)."""
    bill, spec, ctx = build_sheet(seed, index, spec, layouts, formats, edit)
    assert spec.fmt is not None and spec.dpi is not None
    if spec.fmt == "digital_pdf":
        data, rendered = render_pdf(ctx.sheet)
        return bill, spec, ctx, data, rendered.boxes
    nrng = _rng(seed, index, 1)
    images, rendered = render_images(ctx.sheet, spec.dpi, rgb=spec.capture == "photo")
    out_images, boxes = [], []
    for img, tagged in zip(images, rendered.boxes, strict=True):
        d = _degrade(np.asarray(img), spec, nrng)
        size = (d.pixels.shape[1], d.pixels.shape[0])
        boxes.append({tag: degrade.map_box(box, d.H, size) for tag, box in tagged.items()})
        out_images.append(Image.fromarray(d.pixels))
    return bill, spec, ctx, _encode(out_images, spec.fmt, spec.dpi), boxes


def generate_one(out: Path, seed: int, index: int, spec: Spec = Spec(), *, name: str | None = None,
                 layouts: Sequence[str] = LAYOUTS, formats: Sequence[str] = FORMATS) -> Result:
    bill, spec, ctx, data, boxes = render_document(seed, index, spec, layouts=layouts, formats=formats)
    name = name or f"{bill.layout}-s{seed}-{index:05d}"
    assert spec.fmt is not None
    file = f"{name}.{EXTENSIONS[spec.fmt]}"
    (out / file).write_bytes(data)
    truth = build_truth(bill, ctx.visible, boxes, file=file, sha256=hashlib.sha256(data).hexdigest(),
                        kind=KINDS[spec.fmt])
    (out / f"{name}.truth.json").write_text(json.dumps(truth.to_json_dict(), indent=2, ensure_ascii=False) + "\n",
                                            encoding="utf-8")
    (out / f"{name}.truth.txt").write_text(document_text(ctx.sheet), encoding="utf-8")
    manifest = {
        "name": name, "file": file, "seed": seed, "index": index, "layout": bill.layout, "format": spec.fmt,
        "kind": KINDS[spec.fmt].value, "pages": len(boxes), "dpi": spec.dpi, "capture": spec.capture,
        "skew": spec.skew, "rotation": spec.rotation, "degradations": list(spec.degradations or ()),
        "handwritten": bool(spec.handwritten), "expect_review": bool(spec.handwritten),
        "filled_in_by_hand": bool(spec.handwritten) and ctx.sheet.style.hand is not None,
        "currency": bill.currency, "membership": bill.membership.kind,
        "member_id": bill.member_id if ctx.visible.member_id else None, "plan_id": bill.membership.plan_id,
        "total_matches_line_items": truth.checks.total_matches_line_items,
        "negated_diagnosis": any(d.negated for d in truth.diagnoses),
        "description_only_diagnosis": (
            ctx.visible.diagnoses and bill.layout != "pharmacy" and any(d.mode == "desc" for d in bill.diagnoses)
        ),
        "tax": str(bill.tax) if bill.tax else None,
    }
    return Result(name, manifest, member_records(bill))


def member_records(bill: Bill) -> list[dict]:
    """Rows of the members fixture for this bill (none for a deliberate non-member)."""
    m = bill.membership
    if m.kind == "non_member":
        return []
    status = {"lapsed": "lapsed", "terminated": "terminated"}.get(m.kind, "active")
    rec = {
        "member_id": bill.member_id, "tenant": "default", "plan_id": m.plan_id,
        "coverage_start": m.coverage_start.isoformat(),
        "coverage_end": m.coverage_end.isoformat() if m.coverage_end else None,
        "status": status, "subscriber_id": None, "relationship": "self",
        "name": bill.patient_name, "date_of_birth": bill.patient_dob.isoformat(),
    }
    if m.kind != "dependent":
        return [rec]
    assert m.subscriber_id and m.subscriber_dob
    rec["subscriber_id"] = m.subscriber_id
    rec["relationship"] = "child" if bill.patient_dob > m.subscriber_dob + dt.timedelta(days=365 * 15) else "spouse"
    sub = dict(rec, member_id=m.subscriber_id, subscriber_id=None, relationship="self", name=m.subscriber_name,
               date_of_birth=m.subscriber_dob.isoformat())
    return [sub, rec]


def _work(args: tuple) -> Result:  # noqa: ANN001
    out, seed, index, spec, name, layouts, formats = args
    return generate_one(Path(out), seed, index, spec, name=name, layouts=layouts, formats=formats)


def _init_worker() -> None:
    import cv2

    cv2.setNumThreads(1)


def generate(out: Path, *, count: int, seed: int, layouts: Sequence[str] = LAYOUTS, formats: Sequence[str] = FORMATS,
             specs: Iterable[tuple[str, Spec, int]] | None = None, workers: int = 2, start: int = 0,
             handwritten: bool = False) -> list[Result]:
    """Write documents ``start .. start+count-1`` into ``out`` — or one per entry of ``specs`` (name, spec, index) —
    and the run's manifest.json and members.yaml; returns their results in order. ``handwritten``: every bill is
    written by hand (wholly, or a printed form filled in by hand), as the handwriting detector is fitted on."""
    missing = [f for f in fonts.FONTS.values() if f.package in ("fonts-dejavu-core", "fonts-liberation")
               and not Path(f.path).is_file()]
    if missing:
        fonts.font_path(missing[0].key)  # raises the clear error
    out.mkdir(parents=True, exist_ok=True)
    jobs: list[tuple[str | None, Spec, int]] = (
        list(specs) if specs is not None
        else [(None, Spec(handwritten=True if handwritten else None), start + i) for i in range(count)]
    )
    args = [(str(out), seed, index, spec, name, tuple(layouts), tuple(formats)) for name, spec, index in jobs]
    workers = max(1, min(2, workers))
    if workers == 1 or len(args) < 4:
        _init_worker()
        results = [_work(a) for a in args]
    else:
        # forkserver, never plain fork: a child forked after OpenCV's thread pool ran in this process (a test, an
        # evaluation) deadlocks in its first parallel OpenCV call
        ctx = multiprocessing.get_context("forkserver")
        with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, mp_context=ctx) as pool:
            results = list(pool.map(_work, args, chunksize=4))
    write_run_files(out, results)
    return results


def write_run_files(out: Path, results: list[Result], extra_members: list[dict] | None = None) -> None:
    manifest = [r.manifest for r in results]
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    members: dict[str, dict] = {}
    for r in results:
        for rec in r.members:
            members.setdefault(rec["member_id"], rec)
    for rec in extra_members or []:
        members.setdefault(rec["member_id"], rec)
    rows = [members[k] for k in sorted(members)]
    header = ("# Members and policies for the generated documents (claimflow.model.member.Member fields).\n"
              "# Load with `claimflow members load members.yaml`. Ids printed on documents whose manifest says\n"
              "# membership: non_member are deliberately absent; lapsed/terminated policies end before service.\n")
    (out / "members.yaml").write_text(header + yaml.safe_dump(rows, sort_keys=False, allow_unicode=True),
                                      encoding="utf-8")


__all__ = ["FORMATS", "INTL_LAYOUT_NAMES", "LAYOUTS", "Result", "Spec", "generate", "generate_one", "render_document"]
