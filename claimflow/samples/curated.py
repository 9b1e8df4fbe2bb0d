"""The curated set committed in ``sample_docs/``: every layout, format and degradation, small enough for ``make demo``.

Regenerate with ``claimflow samples curate --out sample_docs`` (or ``sample_docs/generate.sh``).
"""

from __future__ import annotations

from claimflow.samples.generate import Spec

SEED = 20250301

#: (file stem, what it exercises, spec). Order matters: the index is part of each document's seed.
CURATED: tuple[tuple[str, str, Spec], ...] = (
    ("clinic-scan", "clinic receipt, grayscale PNG scan at 200 dpi, slight skew",
     Spec(layout="clinic", fmt="png", dpi=200, capture="scan", skew=1.2, rotation=0, degradations=("specks",))),
    ("clinic-scanned", "clinic receipt, scanned PDF (JPEG page image) at 200 dpi",
     Spec(layout="clinic", fmt="scanned_pdf", dpi=200, capture="scan", skew=-0.8, rotation=0, degradations=())),
    ("clinic-digital", "clinic receipt, digital PDF with a text layer",
     Spec(layout="clinic", fmt="digital_pdf", handwritten=False)),
)
