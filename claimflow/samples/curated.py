"""The curated set committed in ``sample_docs/``: a realistic claims inbox for ``make demo`` that still covers every
layout, format and degradation.

Regenerate with ``claimflow samples curate --out sample_docs`` (or ``sample_docs/generate.sh``). The inbox is dated
:data:`RECEIVED_ON`: every document's first date of service falls in :data:`SERVICE_WINDOW` (within timely filing for
every plan) except one deliberately late claim, and each entry forces the member's standing (member, dependent,
non-member, lapsed, terminated) so most claims are payable and a few are denied on purpose. Each entry names its
document index under :data:`SEED` (no two entries share one: a bill depends on (seed, index)); indices were picked so
the currency, the diagnoses and the arithmetic fit what the entry exercises and the truth is decided as
``outcome`` says.

``outcome`` / ``queue`` / ``reasons`` are what adjudicating the document's truth file (a perfect extraction) against
``members.yaml`` and the shipped plans on :data:`RECEIVED_ON` gives, with no earlier claims. The samples package may
not import ``rules`` (core imports nothing else), so they are stated here and ``tests/test_samples.py`` checks them
against the real rules: a change to the rules or the samples that changes the demo fails there.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from claimflow.samples.generate import Spec

SEED = 20250301

#: The date the inbox was received: pass it to the demo as ``claimflow process sample_docs/ --received-on 2025-12-01``.
RECEIVED_ON = dt.date(2025, 12, 1)
#: First dates of service of the on-time claims: 47..122 days before RECEIVED_ON (SILVER-HMO files within 180 days,
#: the others 365); statements (up to ~45 days after the first service date) are all dated before RECEIVED_ON.
SERVICE_WINDOW = (dt.date(2025, 8, 1), dt.date(2025, 10, 15))
#: The one late claim: more than 365 days before RECEIVED_ON (CO-29 under every plan).
LATE_WINDOW = (dt.date(2024, 9, 2), dt.date(2024, 10, 31))


@dataclass(frozen=True)
class Curated:
    name: str  # file stem
    what: str  # what it exercises (README)
    index: int  # document index under SEED
    spec: Spec
    outcome: str  # expected outcome of the truth at RECEIVED_ON
    queue: str | None = None  # expected review queue (PENDING_REVIEW)
    reasons: tuple[str, ...] = ()  # reason codes (GROUP-CODE) the decision must carry
    why: str = ""  # the README's explanation
    demo: str | None = None  # when `make demo` (real OCR) is expected to differ from the truth's outcome, and why


def _s(layout: str, fmt: str, **look: object) -> Spec:
    member = look.pop("membership", "member")
    window = look.pop("window", SERVICE_WINDOW)
    return Spec(layout=layout, fmt=fmt, service_window=window, membership=member, **look)  # type: ignore[arg-type]


_PAY = "covered services of an eligible member: paid under the plan (deductible, co-pay, co-insurance as they apply)"

CURATED: tuple[Curated, ...] = (
    Curated("clinic-scan", "clinic receipt; grayscale PNG scan, 200 dpi, slight skew, dust specks; a dependent", 1,
            _s("clinic", "png", dpi=200, capture="scan", skew=1.2, rotation=0, degradations=("specks",),
               membership="dependent"), "APPROVED", why=_PAY),
    Curated("clinic-scanned", "clinic receipt; scanned PDF (JPEG page), 200 dpi", 5,
            _s("clinic", "scanned_pdf", dpi=200, capture="scan", skew=-0.8, rotation=0, degradations=()),
            "APPROVED", why=_PAY),
    Curated("clinic-digital", "clinic receipt; digital PDF with a text layer", 6,
            _s("clinic", "digital_pdf", handwritten=False), "APPROVED", why=_PAY),
    Curated("clinic-photo", "clinic receipt photographed on a table (perspective, shading); a dependent's claim", 2,
            _s("clinic", "jpeg", dpi=200, capture="photo", skew=2.5, rotation=0, degradations=(),
               membership="dependent"), "APPROVED", why=_PAY),
    Curated("clinic-handwritten", "handwritten-looking receipt (expected in the demo: human review)", 7,
            _s("clinic", "jpeg", dpi=200, capture="scan", skew=-1.5, rotation=0, degradations=("blur",),
               handwritten=True), "APPROVED", why=_PAY,
            demo="PENDING_REVIEW: handwriting reads with low OCR confidence, so a person checks it "
            "(no guessed values)"),
    Curated("clinic-rotated-180", "clinic receipt scanned upside down; description-only diagnoses", 10,
            _s("clinic", "png", dpi=200, capture="scan", skew=0.6, rotation=180, degradations=()),
            "APPROVED", why=_PAY),
    Curated("clinic-eur-negated", "clinic receipt, digital PDF in EUR; a ruled-out diagnosis in a note", 11,
            _s("clinic", "digital_pdf"), "PENDING_REVIEW", queue="claims_examiner", reasons=("OA-133",),
            why="billed in EUR, the plan pays in USD: an examiner converts it"),
    Curated("clinic-mismatch", "clinic receipt in GBP whose printed total does not equal the sum of its lines; "
            "JPEG artefacts", 850,
            _s("clinic", "png", dpi=200, capture="scan", skew=-0.4, rotation=0, degradations=("jpeg_artifacts",)),
            "PENDING_REVIEW", queue="data_entry", reasons=("OA-133",),
            why="the printed total differs from the sum of the line items: data entry checks the document"),
    Curated("clinic-nonmember", "clinic receipt as TIFF with fold lines; CAD; the member id printed is not in "
            "members.yaml", 20,
            _s("clinic", "tiff", dpi=200, capture="scan", skew=1.0, rotation=0, degradations=("fold_lines",),
               membership="non_member"), "DENIED", reasons=("CO-31",),
            why="member id not in members.yaml: not identified as our insured (CO-31)"),
    Curated("clinic-lapsed", "clinic receipt, strong skew (-7°) and noise; lapsed policy", 3,
            _s("clinic", "jpeg", dpi=150, capture="scan", skew=-7.0, rotation=0, degradations=("noise",),
               membership="lapsed"), "DENIED", reasons=("CO-27",),
            why="policy lapsed before the date of service (CO-27)"),
    Curated("clinic-300dpi", "clinic receipt, clean 300 dpi scan", 9,
            _s("clinic", "png", dpi=300, capture="clean", skew=0.0, rotation=0, degradations=()),
            "APPROVED", why=_PAY),
    Curated("hospital-digital", "itemized hospital statement, multi-page digital PDF, balance due printed before "
            "the total", 37, _s("hospital", "digital_pdf"), "APPROVED", why=_PAY),
    Curated("hospital-scanned", "itemized hospital statement, multi-page scanned PDF at 150 dpi with fold lines; a "
            "ruled-out diagnosis", 23,
            _s("hospital", "scanned_pdf", dpi=150, capture="scan", skew=1.8, rotation=0,
               degradations=("fold_lines",)), "APPROVED", why=_PAY),
    Curated("hospital-scan", "hospital statement as multi-page TIFF, low contrast; a dependent", 19,
            _s("hospital", "tiff", dpi=150, capture="scan", skew=-0.7, rotation=0, degradations=("low_contrast",),
               membership="dependent"), "APPROVED", why=_PAY),
    Curated("pharmacy-photo", "thermal pharmacy receipt photographed", 0,
            _s("pharmacy", "jpeg", dpi=200, capture="photo", skew=-3.0, rotation=0, degradations=()),
            "APPROVED", why=_PAY),
    Curated("pharmacy-scan", "thermal pharmacy receipt, clean scan; a dependent", 13,
            _s("pharmacy", "png", dpi=200, capture="clean", skew=0.0, rotation=0, degradations=(),
               membership="dependent"), "APPROVED", why=_PAY),
    Curated("pharmacy-digital", "pharmacy receipt as digital PDF", 12, _s("pharmacy", "digital_pdf"),
            "APPROVED", why=_PAY),
    Curated("lab-skew", "lab invoice skewed 9.5° and blurred", 15,
            _s("lab", "png", dpi=200, capture="scan", skew=9.5, rotation=0, degradations=("blur",)),
            "APPROVED", why=_PAY),
    Curated("lab-rotated-90", "lab invoice scanned sideways (90° clockwise), 150 dpi; a child past the plan's "
            "dependent age", 48,
            _s("lab", "png", dpi=150, capture="scan", skew=0.5, rotation=90, degradations=(),
               membership="dependent"), "DENIED", reasons=("CO-32",),
            why="the patient is a dependent child older than the plan's dependent age limit on the date of service "
            "(CO-32)"),
    Curated("lab-late", "lab invoice, scanned PDF with a coffee stain; services from autumn 2024, filed late", 17,
            _s("lab", "scanned_pdf", dpi=200, capture="scan", skew=-1.1, rotation=0, degradations=("coffee_stain",),
               window=LATE_WINDOW), "DENIED", reasons=("CO-29",),
            why="received more than 365 days after the date of service: past timely filing (CO-29)"),
    Curated("lab-noisy", "lab invoice, noisy JPEG with dust specks", 32,
            _s("lab", "jpeg", dpi=150, capture="scan", skew=0.9, rotation=0, degradations=("specks", "noise")),
            "APPROVED", why=_PAY),
    Curated("dental-scan", "dental invoice, uneven lighting; coverage started recently", 14,
            _s("dental_vision", "png", dpi=200, capture="scan", skew=-0.5, rotation=0,
               degradations=("uneven_light",)), "PARTIALLY_APPROVED", reasons=("CO-177",),
            why="some services are still in their waiting period after coverage began (CO-177); the rest are paid"),
    Curated("vision-digital", "vision (optometry) invoice, digital PDF; a dependent", 21,
            _s("dental_vision", "digital_pdf", membership="dependent"), "APPROVED", why=_PAY),
    Curated("dental-vision-terminated", "dental/vision invoice rotated 270°, TIFF; terminated policy", 22,
            _s("dental_vision", "tiff", dpi=150, capture="scan", skew=0.0, rotation=270, degradations=(),
               membership="terminated"), "DENIED", reasons=("CO-27",),
            why="policy terminated before the date of service (CO-27)",
            demo="PENDING_REVIEW (data_entry): the total is read right, but the learned total chooser is only 0.69 "
                 "sure of it, under the review threshold"),
    Curated("dental-vision-photo", "dental/vision invoice photographed, low contrast", 24,
            _s("dental_vision", "jpeg", dpi=200, capture="photo", skew=1.5, rotation=0,
               degradations=("low_contrast",)), "PARTIALLY_APPROVED", reasons=("CO-11",),
            why="a line's diagnosis does not support the service (CO-11); the rest are paid"),
)
