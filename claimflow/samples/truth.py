"""Ground truth for a generated document: the expected Extraction and the document's text.

The truth holds only what the layout actually printed (``Visible``): a member id the layout left off is ``None``.
Diagnoses printed as a description alone still carry their code; ruled-out conditions carry ``negated: true``.
Evidence boxes are in pixels of the delivered page image (after skew, rotation and perspective), confidence 1.0.
"""

from __future__ import annotations

import re
from decimal import Decimal

from claimflow.model.document import DocumentKind
from claimflow.model.extraction import (
    Checks,
    Diagnosis,
    DocumentRef,
    Evidence,
    Extraction,
    LineItem,
    Patient,
    Provider,
)
from claimflow.samples.canvas import Sheet
from claimflow.samples.content import Bill
from claimflow.samples.fonts import FONTS, text_width
from claimflow.samples.layouts.common import Visible

Box = tuple[float, float, float, float]
GENERATOR = "claimflow-samples/1"


def _evidence(boxes: list[dict[str, Box]], tag: str) -> Evidence | None:
    for page, tagged in enumerate(boxes):
        if tag in tagged:
            return Evidence(page=page + 1, bbox=list(tagged[tag]), confidence=1.0)
    return None


def build_truth(bill: Bill, visible: Visible, boxes: list[dict[str, Box]], *, file: str, sha256: str,
                kind: DocumentKind) -> Extraction:
    items: list[LineItem] = []
    for i, it in enumerate(bill.items):
        items.append(LineItem(
            code=it.code if visible.item_codes else None,
            description=visible.item_descriptions.get(i, it.description),
            quantity=float(it.quantity) if visible.item_quantity else None,
            amount=it.amount,
            service_date=it.service_date if visible.item_dates else None,
            evidence=_evidence(boxes, f"line_items[{i}]"),
        ))
    dates = set(visible.service_dates)
    if visible.item_dates:
        dates.update(it.service_date for it in bill.items if it.service_date)
    diagnoses = [
        Diagnosis(code=d.code, description=d.description, negated=d.negated,
                  evidence=_evidence(boxes, f"diagnoses[{i}]"))
        for i, d in enumerate(bill.diagnoses)
    ] if visible.diagnoses else []
    fields: dict[str, Evidence] = {}
    for tag in ("patient.name", "patient.member_id", "patient.date_of_birth", "provider.name", "provider.npi",
                "provider.tax_id", "invoice_number", "service_dates[0]", "total", "balance_due"):
        ev = _evidence(boxes, tag)
        if ev is not None:
            fields[tag] = ev
    line_sum = sum((it.amount for it in bill.items), Decimal("0.00"))
    return Extraction(
        document=DocumentRef(file=file, sha256=sha256, pages=len(boxes), kind=kind),
        patient=Patient(
            name=bill.patient_name if visible.patient_name else None,
            member_id=bill.member_id if visible.member_id else None,
            date_of_birth=bill.patient_dob if visible.dob else None,
        ),
        provider=Provider(
            name=bill.provider_name,
            npi=bill.npi if visible.npi else None,
            tax_id=bill.tax_id if visible.tax_id else None,
        ),
        invoice_number=bill.invoice_number if visible.invoice_number else None,
        service_dates=sorted(dates),
        diagnoses=diagnoses,
        line_items=items,
        total=bill.total,
        balance_due=bill.balance_due if visible.balance_due else None,
        currency=bill.currency,
        checks=Checks(total_matches_line_items=bill.total == line_sum + bill.tax),
        fields=fields,
        warnings=[],
        extractor=GENERATOR,
    )


def document_text(sheet: Sheet) -> str:
    """The page text in reading order: runs grouped into lines by baseline, lines top to bottom; pages split by \\f."""
    pages: list[str] = []
    for page in sheet.pages:
        runs = sorted(page.runs, key=lambda r: (r.y, r.x))
        lines: list[list] = []
        for r in runs:
            if lines and abs(r.y - lines[-1][0].y) <= 3.5:
                lines[-1].append(r)
            else:
                lines.append([r])
        out = []
        for line in lines:
            line.sort(key=lambda r: r.x)
            text, end = "", None
            for r in line:
                if end is not None and r.x - end > 1.0:
                    text += " "
                text += r.text.upper() if FONTS[r.font].caps else r.text
                end = r.x + text_width(r.font, r.size, r.text)
            out.append(re.sub(r"\s+", " ", text).strip())
        pages.append("\n".join(o for o in out if o))
    return "\f".join(pages) + "\n"
