"""The curated set committed in ``sample_docs/``: every layout, format and degradation, small enough for ``make demo``.

Regenerate with ``claimflow samples curate --out sample_docs`` (or ``sample_docs/generate.sh``). Each entry names its
document index under ``SEED``; indices were picked so the set also covers non-members, lapsed and terminated
policies, dependents, other currencies, negated diagnoses, description-only diagnoses and a total that does not add up.
"""

from __future__ import annotations

from claimflow.samples.generate import Spec

SEED = 20250301

#: (file stem, what it exercises, document index, spec)
CURATED: tuple[tuple[str, str, int, Spec], ...] = (
    ("clinic-scan", "clinic receipt; grayscale PNG scan, 200 dpi, slight skew, dust specks", 0,
     Spec(layout="clinic", fmt="png", dpi=200, capture="scan", skew=1.2, rotation=0, degradations=("specks",))),
    ("clinic-scanned", "clinic receipt; scanned PDF (JPEG page), 200 dpi", 1,
     Spec(layout="clinic", fmt="scanned_pdf", dpi=200, capture="scan", skew=-0.8, rotation=0, degradations=())),
    ("clinic-digital", "clinic receipt; digital PDF with a text layer", 2,
     Spec(layout="clinic", fmt="digital_pdf", handwritten=False)),
    ("clinic-photo", "clinic receipt photographed on a table (perspective, shading); GBP; a dependent's claim", 4,
     Spec(layout="clinic", fmt="jpeg", dpi=200, capture="photo", skew=2.5, rotation=0, degradations=())),
    ("clinic-handwritten", "handwritten-looking receipt (expected: human review); terminated policy", 5,
     Spec(layout="clinic", fmt="jpeg", dpi=200, capture="scan", skew=-1.5, rotation=0, degradations=("blur",),
          handwritten=True)),
    ("clinic-rotated-180", "clinic receipt scanned upside down; description-only diagnoses", 6,
     Spec(layout="clinic", fmt="png", dpi=200, capture="scan", skew=0.6, rotation=180, degradations=())),
    ("clinic-eur-negated", "clinic receipt, digital PDF in EUR (comma decimals: 375,56); a ruled-out diagnosis in "
     "a note (\"Negative for pneumonia\")", 11, Spec(layout="clinic", fmt="digital_pdf")),
    ("clinic-mismatch", "clinic receipt whose printed total does not equal the sum of its lines; JPEG artefacts", 14,
     Spec(layout="clinic", fmt="png", dpi=200, capture="scan", skew=-0.4, rotation=0,
          degradations=("jpeg_artifacts",))),
    ("clinic-nonmember", "clinic receipt as TIFF with fold lines; the member id printed is not in members.yaml", 18,
     Spec(layout="clinic", fmt="tiff", dpi=200, capture="scan", skew=1.0, rotation=0, degradations=("fold_lines",))),
    ("clinic-lapsed", "clinic receipt, strong skew (-7°) and noise; lapsed policy", 8,
     Spec(layout="clinic", fmt="jpeg", dpi=150, capture="scan", skew=-7.0, rotation=0, degradations=("noise",))),
    ("clinic-cad-300dpi", "clinic receipt, clean 300 dpi scan, CAD amounts", 20,
     Spec(layout="clinic", fmt="png", dpi=300, capture="clean", skew=0.0, rotation=0, degradations=())),
    ("hospital-digital", "itemized hospital statement, multi-page digital PDF, balance due printed before the total",
     3, Spec(layout="hospital", fmt="digital_pdf")),
    ("hospital-scanned", "itemized hospital statement, multi-page scanned PDF at 150 dpi with fold lines; a "
     "ruled-out diagnosis", 21,
     Spec(layout="hospital", fmt="scanned_pdf", dpi=150, capture="scan", skew=1.8, rotation=0,
          degradations=("fold_lines",))),
    ("hospital-scan", "hospital statement as multi-page TIFF, low contrast; total does not add up", 12,
     Spec(layout="hospital", fmt="tiff", dpi=150, capture="scan", skew=-0.7, rotation=0,
          degradations=("low_contrast",))),
    ("pharmacy-photo", "thermal pharmacy receipt photographed; taxed OTC items", 6,
     Spec(layout="pharmacy", fmt="jpeg", dpi=200, capture="photo", skew=-3.0, rotation=0, degradations=())),
    ("pharmacy-scan", "thermal pharmacy receipt, clean scan; a dependent", 3,
     Spec(layout="pharmacy", fmt="png", dpi=200, capture="clean", skew=0.0, rotation=0, degradations=())),
    ("pharmacy-digital", "pharmacy receipt as digital PDF; CAD; id not in members.yaml", 20,
     Spec(layout="pharmacy", fmt="digital_pdf")),
    ("lab-skew", "lab invoice skewed 9.5° and blurred; GBP", 4,
     Spec(layout="lab", fmt="png", dpi=200, capture="scan", skew=9.5, rotation=0, degradations=("blur",))),
    ("lab-rotated-90", "lab invoice scanned sideways (90° clockwise), 150 dpi", 5,
     Spec(layout="lab", fmt="png", dpi=150, capture="scan", skew=0.5, rotation=90, degradations=())),
    ("lab-scanned", "lab invoice, scanned PDF with a coffee stain; lapsed policy", 8,
     Spec(layout="lab", fmt="scanned_pdf", dpi=200, capture="scan", skew=-1.1, rotation=0,
          degradations=("coffee_stain",))),
    ("lab-noisy", "lab invoice in EUR, noisy JPEG with dust specks", 11,
     Spec(layout="lab", fmt="jpeg", dpi=150, capture="scan", skew=0.9, rotation=0, degradations=("specks", "noise"))),
    ("dental-scan", "dental invoice, uneven lighting", 4,
     Spec(layout="dental_vision", fmt="png", dpi=200, capture="scan", skew=-0.5, rotation=0,
          degradations=("uneven_light",))),
    ("vision-digital", "vision (optometry) invoice, digital PDF", 3, Spec(layout="dental_vision", fmt="digital_pdf")),
    ("dental-vision-rotated-270", "dental/vision invoice rotated 270°, TIFF; terminated policy", 6,
     Spec(layout="dental_vision", fmt="tiff", dpi=150, capture="scan", skew=0.0, rotation=270, degradations=())),
    ("dental-vision-photo", "dental/vision invoice photographed, low contrast; GBP", 18,
     Spec(layout="dental_vision", fmt="jpeg", dpi=200, capture="photo", skew=1.5, rotation=0,
          degradations=("low_contrast",))),
)
