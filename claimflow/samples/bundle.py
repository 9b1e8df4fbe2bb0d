"""Bundles: one PDF holding several separate bills, as real claim submissions do (a hospital bill, its pharmacy and
lab bills), with truth listing each bill with its pages.

A bundle is composed from the generator's own bills (``generate.render_document``: any layout, each bill laid out
by its layout's public builder, a bill may span pages): 2–4 bills of one patient and one currency, each from its own
provider with its own dates, items and total, their pages concatenated into one scanned PDF (each bill's pages
degraded as its scan) or one digital PDF. Bundle ``i`` of seed ``S`` depends only on (S, i).

Truth (``NAME.truth.json``) is an Extraction (schema version 2) whose ``bills`` list each bill's truth, its
``pages`` (1-based pages of the bundle) and ``first_line``; its top-level fields are the claim-level view
(``claimflow.model.claim_extraction.combine_bills``). Evidence pages are pages of the bundle.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import random
from dataclasses import replace
from pathlib import Path

import numpy as np
from PIL import Image

from claimflow.model.claim_extraction import combine_bills, shift_pages
from claimflow.model.extraction import DocumentRef
from claimflow.samples.content import LAYOUTS, Bill
from claimflow.samples.generate import KINDS, Result, Spec, member_records, render_document
from claimflow.samples.render import images_to_pdf
from claimflow.samples.truth import build_truth, document_text

#: Bundle ``i``'s bills are drawn at generator indexes ``INDEX_BASE * r + i * STRIDE + k`` (r: round from 1, k:
#: attempt), far from the indexes single documents use, so a bundle never repeats a single document of the seed.
INDEX_BASE = 10_000_000
STRIDE = 64
#: Rounds of drawing a main bill (each from its own index range) before giving up on a second bill in its currency.
ROUNDS = 8
#: The first bill of a bundle is its main bill; the others are drawn from the rest.
MAIN_LAYOUTS = ("hospital", "clinic")
#: Later bills fall within this many days after the main bill's first date of service.
WINDOW_DAYS = 12
BUNDLE_FORMATS = ("scanned_pdf", "digital_pdf")


def _rng(seed: int, index: int) -> random.Random:
    return random.Random(int(np.random.SeedSequence([seed, index, 7]).generate_state(1)[0]))


def _same_patient(main: Bill):  # noqa: ANN202 - a Bill -> Bill edit
    def edit(bill: Bill) -> Bill:
        return replace(bill, patient_name=main.patient_name, patient_dob=main.patient_dob,
                       patient_address=main.patient_address, patient_phone=main.patient_phone,
                       member_id=main.member_id, membership=main.membership)
    return edit


def _join_pdfs(parts: list[bytes]) -> bytes:
    import pypdf

    writer = pypdf.PdfWriter()
    for data in parts:
        writer.append(pypdf.PdfReader(io.BytesIO(data)))
    writer.add_metadata({"/Title": "Medical bills (claimflow sample bundle)", "/Producer": "claimflow"})
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def generate_bundle(out: Path, seed: int, index: int, *, layouts: tuple[str, ...] = LAYOUTS,
                    formats: tuple[str, ...] = BUNDLE_FORMATS, name: str | None = None) -> Result:
    """Write bundle ``index`` of ``seed`` into ``out``: ``NAME.pdf``, ``NAME.truth.json``, ``NAME.truth.txt``;
    returns its manifest entry and member rows (those of its patient)."""
    rng = _rng(seed, index)
    fmt = rng.choice([f for f in BUNDLE_FORMATS if f in formats] or list(BUNDLE_FORMATS))
    capture = "clean" if fmt == "digital_pdf" else rng.choice(("scan", "scan", "clean"))
    dpi = 300 if fmt == "digital_pdf" else rng.choice((200, 240, 300))
    n_bills = rng.choice((2, 2, 3, 3, 4))
    mains = [lay for lay in MAIN_LAYOUTS if lay in layouts] or list(layouts)
    # one file format per bundle; scans render as lossless TIFF pages, joined into one scanned PDF
    part_fmt = "digital_pdf" if fmt == "digital_pdf" else "tiff"
    spec = Spec(fmt=part_fmt, dpi=dpi, capture=capture, rotation=0, handwritten=False, membership="member")
    main_layout = rng.choice(mains)
    for round_ in range(ROUNDS):  # a main bill whose currency no other draw shares is drawn again
        base = INDEX_BASE * (round_ + 1) + index * STRIDE
        main, mspec, mctx, mdata, mboxes = render_document(seed, base, replace(spec, layout=main_layout),
                                                           layouts=layouts, formats=(part_fmt,))
        first = min(main.service_dates)
        window = (first, first + dt.timedelta(days=WINDOW_DAYS))
        parts = [(main, mctx, mdata, mboxes)]
        attempt = 1
        while len(parts) < n_bills and attempt < STRIDE:
            layout = rng.choice(list(layouts))
            bill, _, ctx, data, boxes = render_document(
                seed, base + attempt, replace(spec, layout=layout, service_window=window), layouts=layouts,
                formats=(part_fmt,), edit=_same_patient(main))
            attempt += 1
            if bill.currency != main.currency or bill.provider_name in {p[0].provider_name for p in parts}:
                continue  # one currency per claim, a different provider per bill
            parts.append((bill, ctx, data, boxes))
        if len(parts) >= 2:
            break
    else:
        raise ValueError(f"bundle {index} of seed {seed}: no second bill in {main.currency} found")

    if fmt == "digital_pdf":
        data = _join_pdfs([p[2] for p in parts])
    else:
        pages: list[Image.Image] = []
        for p in parts:
            with Image.open(io.BytesIO(p[2])) as tif:
                for k in range(getattr(tif, "n_frames", 1)):
                    tif.seek(k)
                    pages.append(tif.copy())
        data = images_to_pdf(pages, dpi)
    name = name or f"bundle-s{seed}-{index:05d}"
    file = f"{name}.pdf"
    sha = hashlib.sha256(data).hexdigest()
    total_pages = sum(len(p[3]) for p in parts)
    ref = DocumentRef(file=file, sha256=sha, pages=total_pages, kind=KINDS[fmt])
    bills, offset = [], 0
    for bill, ctx, part, boxes in parts:
        truth = build_truth(bill, ctx.visible, boxes, file=file, sha256=sha, kind=KINDS[fmt])
        pages_of = list(range(offset + 1, offset + len(boxes) + 1))
        bills.append((pages_of, 1.0, shift_pages(truth, offset).model_copy(update={"document": ref})))
        offset += len(boxes)
    truth = combine_bills(ref, bills)
    (out / file).write_bytes(data)
    (out / f"{name}.truth.json").write_text(json.dumps(truth.to_json_dict(), indent=2, ensure_ascii=False) + "\n",
                                            encoding="utf-8")
    (out / f"{name}.truth.txt").write_text(
        "\f".join(document_text(p[1].sheet).rstrip("\n") for p in parts) + "\n", encoding="utf-8")
    manifest = {
        "name": name, "file": file, "seed": seed, "index": index, "layout": "bundle", "format": fmt,
        "kind": KINDS[fmt].value, "pages": total_pages, "dpi": dpi, "capture": capture, "skew": mspec.skew,
        "rotation": 0, "degradations": list(mspec.degradations or ()), "handwritten": False,
        "expect_review": False, "filled_in_by_hand": False, "currency": main.currency,
        "membership": main.membership.kind, "member_id": truth.patient.member_id, "plan_id": main.membership.plan_id,
        "total_matches_line_items": truth.checks.total_matches_line_items, "negated_diagnosis": False,
        "description_only_diagnosis": False, "tax": None,
        "bills": [{"layout": b.layout, "pages": pg, "total": str(b.total)} for b, (pg, _, _) in
                  zip([p[0] for p in parts], bills, strict=True)],
    }
    return Result(name, manifest, member_records(main))


def generate_bundles(out: Path, *, count: int, seed: int, layouts: tuple[str, ...] = LAYOUTS,
                     formats: tuple[str, ...] = BUNDLE_FORMATS, start: int = 0) -> list[Result]:
    """Write bundles ``start .. start+count-1`` of ``seed`` into ``out`` (the caller writes the run's manifest)."""
    out.mkdir(parents=True, exist_ok=True)
    return [generate_bundle(out, seed, start + i, layouts=layouts, formats=formats) for i in range(count)]


__all__ = ["BUNDLE_FORMATS", "generate_bundle", "generate_bundles"]
