"""Field extraction: OcrResult in, Extraction out.

Stages, each in its own module: rows from word boxes (``layout``), the shipped spaCy pipeline over the rows
(``ner``: trained entities plus rule components), labelled fields and dates (``fields``), diagnoses (``diagnoses``),
money roles, the total and line items (``layout``). Every value carries evidence (page, box, confidence): the raw
confidence is OCR confidence × how sure the rule/model is, reported through the shipped calibration
(``calibration``) as the accuracy observed at it. A value that cannot be read is null with a warning, never guessed.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Literal

from claimflow.model import (
    Checks,
    Diagnosis,
    DocumentRef,
    Evidence,
    Extraction,
    LineItem,
    OcrResult,
    Page,
    Patient,
    Provider,
)
from claimflow.model.claim_extraction import combine_bills, shift_pages
from extractors import bills
from extractors import fields as F
from extractors.calibration import CEILING, Calibration, shipped
from extractors.chooser import model as chooser_model
from extractors.chooser.model import ChooserModel
from extractors.chooser.date import decide_service_date, page_dates
from extractors.chooser.provider import decide_provider
from extractors.chooser.total import decide_total, money_of
from extractors.diagnoses import diagnoses as find_diagnoses
from extractors.provider import provider_name as find_provider
from extractors.layout import (
    Role,
    Row,
    build_rows,
    evidence,
)
from extractors.normalize import currency_of

log = logging.getLogger(__name__)

#: Evidence below this raw (uncalibrated) confidence is too unsure to report: the value becomes null with a warning.
MIN_CONFIDENCE = 0.30
#: Mean OCR word confidence under which a page is treated as unreadable (handwriting, a photo of something else).
UNREADABLE_PAGE = 0.45
#: On such a page a value is still reported when every one of its words was read at least this clearly: a printed
#: receipt photographed on a textured table, whose texture OCR read as a hundred junk words, or a dot-matrix receipt
#: tesseract is unsure of everywhere but on its bold print. Handwriting never reads this clearly.
CLEAR_WORD = 0.90
#: ... less surely than the same value on a page read well.
CLEAR_ON_UNREADABLE = 0.85
#: A page was written by hand when its median word looks handwritten (``Page.handwriting``, log odds, at least
#: ``HANDWRITTEN_MEDIAN``: a page written wholly by hand) or when this share of its words looks handwritten beyond
#: doubt (``Page.handwritten_share``: a printed form filled in by hand, whose labels are print and whose values are
#: not). Every value read from such a page is left empty for review, however confidently tesseract read it: it reads
#: a hand's 7 as a 1 at 0.95, and a value a person must check anyway is no use half-read. Measured
#: (extractors/ocr/README.md, "Handwriting"): medians of pages written wholly by hand +0.05 to +4.00 on the fit set,
#: -0.11 to +3.56 on a seed never fitted; of printed held-out pages at most -0.53, of SROIE receipts -0.24; shares of
#: printed held-out pages at most 0.08, of SROIE receipts 0.14, of forms filled in by hand 0.03 to 0.68.
HANDWRITTEN_MEDIAN = 0.0
HANDWRITTEN_PAGE = 0.25
#: ... but a page whose words set their glyphs on one baseline is print, whatever its median: a clean thin-stroke
#: monospace receipt looks like a pen's trace to the word model (median +0.48) yet sets every glyph on its line. Both
#: page medians must say so: the share of a word's glyphs on one baseline (``Page.handwriting_aligned``) and how far
#: the others stray (``Page.handwriting_baseline``). Measured (session 10, per page; extractors/ocr/README.md,
#: "Handwriting"): pages written wholly by hand 0.45-1.00 and 0.023-0.067, printed ones 0.80-1.00 and 0-0.022.
PRINT_ALIGNED = 0.9
PRINT_BASELINE = 0.015
#: On a page short of those bars but with this share of handwritten-looking words (a form whose hand tesseract read
#: mostly below the confidence the figures count), a value is left empty when its own words look handwritten: mean
#: log odds above ``HANDWRITTEN_VALUE``. Printed held-out pages reach a share of 0.08, SROIE receipts 0.14 — where the
#: rule left two misread names and three line items empty and no total, date or provider.
PARTLY_BY_HAND = 0.10
HANDWRITTEN_VALUE = 1.0
#: Words a medical bill prints somewhere (a label, a heading, the provider's kind). A document without any — a shop's
#: receipt — has no procedure codes: its item numbers are product codes (SROIE: 93 of 100 receipts hold none of these
#: words, every generated bill holds one), and it is flagged as possibly not a medical bill.
_MEDICAL = re.compile(
    r"\b(?:cpt|hcpcs|cdt|ndc|rx|npi|icd|diagnos\w*|dx|procedures?|patient|physician|clinic|hospital|pharmacy|medical|"
    r"dental|vision|laborator\w*|insur\w*|member|claim|copay|deductible|prescri\w*|rev(?:enue)?\s*code|"
    r"medicals|medicines?|chemists?|druggists?|drugs?|doctor|mrp)\b", re.I)


def _set_in_line(page: Page) -> bool:
    """Whether the page's words set their glyphs on one baseline, as print does (``PRINT_ALIGNED``)."""
    return (page.handwriting_aligned is not None and page.handwriting_baseline is not None
            and page.handwriting_aligned >= PRINT_ALIGNED and page.handwriting_baseline <= PRINT_BASELINE)


def shipped_choosers() -> dict[str, ChooserModel]:
    """The learned choosers shipped beside ``extractors.chooser`` (by field; none is shipped for a field the hand
    rules decide better)."""
    return {f: m for f in CHOOSER_FIELDS if (m := chooser_model.shipped(f)) is not None}


#: Fields a learned chooser may decide (``extractors.chooser``).
CHOOSER_FIELDS = ("total", "service_date", "provider")


#: Passed as ``splitter`` to read every document as one bill.
NO_SPLIT = None


def extract(ocr: OcrResult, *, calibration: Calibration | None = None,
            choosers: Mapping[str, ChooserModel] | None = None,
            splitter: ChooserModel | None | Literal["shipped"] = "shipped") -> Extraction:
    """Read the fields of ``ocr``; confidences are reported through ``calibration`` (default: the shipped one;
    ``calibration.IDENTITY`` reports them raw, as ``claimflow model calibrate`` needs). A field with a model in
    ``choosers`` (default: the shipped ones, ``shipped_choosers()``; ``{}``: the hand rules alone) is chosen by it
    among the page's candidates, its confidence the model's probability.

    Steps: split the pages into bills (``splitter``: the page-split model, default the shipped one; ``NO_SPLIT``:
    one bill), read each bill's fields from its pages alone, combine several bills (``combine_bills``: the
    claim-level fields on top, each bill in ``bills``)."""
    cal = shipped() if calibration is None else calibration
    learned = shipped_choosers() if choosers is None else dict(choosers)
    model = bills.shipped() if splitter == "shipped" else splitter
    rows = build_rows(ocr)
    split = bills.split_pages(ocr, model, rows)
    if len(split.bills) == 1:
        return _extract_bill(ocr, rows, cal, learned)
    parts = []
    for n, (pages, confidence) in enumerate(split.bills):
        part = bills.pages_of(ocr, pages)
        if n:
            part = part.model_copy(update={"warnings": []})  # the document's OCR warnings are the first bill's
        x = shift_pages(_extract_bill(part, build_rows(part), cal, learned), pages[0] - 1)
        assert model is not None  # several bills come only from a model
        parts.append((list(pages), confidence, x.model_copy(update={"extractor": f"{x.extractor} {model.version}"})))
    doc = ocr.document
    return combine_bills(DocumentRef(file=doc.path, sha256=doc.sha256, pages=doc.pages, kind=doc.kind), parts)


def _extract_bill(ocr: OcrResult, rows: list[Row], cal: Calibration, learned: Mapping[str, ChooserModel]
                  ) -> Extraction:
    """The fields of one bill (``ocr``'s pages, ``rows`` built from them)."""
    from extractors.ner import pipeline

    ents, model = pipeline.entities(rows)
    if cal.digest:
        model = f"{model} calibration {cal.digest}"
    for m in learned.values():
        model = f"{model} {m.version}"
    warnings: list[str] = list(ocr.warnings)
    ev: dict[str, Evidence] = {}

    unreadable = [p.number for p in ocr.pages if p.words and p.mean_confidence < UNREADABLE_PAGE]
    by_hand = [p.number for p in ocr.pages if p.handwritten_share >= HANDWRITTEN_PAGE
               or (p.handwriting is not None and p.handwriting >= HANDWRITTEN_MEDIAN
                   and not _set_in_line(p))]
    partly = [p.number for p in ocr.pages if p.number not in by_hand and p.handwritten_share >= PARTLY_BY_HAND]

    def handwritten(tokens) -> bool:  # type: ignore[no-untyped-def]
        """Were these words (a value's evidence) written by hand, as far as the OCR stage can tell?"""
        page = tokens[0].page
        if page in by_hand:
            return True
        if page not in partly:
            return False
        scored = [t.handwriting for t in tokens if t.handwriting is not None]
        return bool(scored) and sum(scored) / len(scored) > HANDWRITTEN_VALUE

    def keep(path: str, tokens, certainty: float, *, probability: float | None = None) -> bool:  # type: ignore[no-untyped-def]
        """Record the evidence of ``path``'s value read from ``tokens``, or leave it empty with a warning. A learned
        chooser's ``probability`` is the value's confidence as it is (it was fitted to be one)."""
        if handwritten(tokens):
            warnings.append(f"{path}: written by hand; left empty for review")
            return False
        if tokens[0].page in unreadable:  # the evidence's page
            if min(t.confidence for t in tokens) < CLEAR_WORD:
                warnings.append(f"{path}: on a page too poorly read to trust; left empty for review")
                return False
            warnings.append(f"{path}: read clearly on a page otherwise barely readable; check it")
            certainty *= CLEAR_ON_UNREADABLE
        e = evidence(list(tokens), certainty)
        if probability is not None:
            e = e.model_copy(update={"confidence": round(min(CEILING, probability * certainty), 3)})
        if e.confidence < MIN_CONFIDENCE:
            warnings.append(f"{path}: read with confidence {e.confidence:.2f}; left empty for review")
            return False
        ev[path] = e if probability is not None else e.model_copy(update={"confidence": cal(path, e.confidence)})
        return True

    if unreadable:
        warnings.append(f"pages {unreadable}: text barely readable (handwriting or poor scan); fields need review")
    if by_hand:
        warnings.append(f"pages {by_hand}: written by hand; their values are left empty for review")
    if partly:
        warnings.append(f"pages {partly}: partly written by hand; values that look handwritten are left empty")
    if not rows:
        warnings.append("no text found on the document")

    text = "\n".join(r.text for r in rows)
    currency = currency_of(text)
    medical = bool(_MEDICAL.search(text))
    if rows and not medical:
        warnings.append("document: no word of a medical bill found (patient, procedure, diagnosis, pharmacy …); it "
                        "may not be one, and its item numbers are not taken as procedure codes")

    # --- money: line items, labelled amounts, the total
    money = money_of(rows)
    items, items_sum, labelled, choice = money.items, money.items_sum, money.labelled, money.rules
    item_rows = {t.row for it in items for t in it.tokens}
    total = None
    decided = decide_total(rows, money, learned.get("total"))
    warnings.extend(decided.warnings)
    if decided.amount is not None and keep("total", decided.amount.tokens, decided.certainty,
                                           probability=decided.probability):
        total = decided.value
        currency = currency or decided.amount.value.currency
    balance = None
    balances = [la for la in labelled if la.role is Role.balance]
    if balances and keep("balance_due", balances[-1].amount.tokens, 0.9):
        balance = balances[-1].amount.value.amount
    tax = money.tax
    matches: bool | None = None
    if total is not None and items_sum is not None:
        matches = total in (items_sum, items_sum + tax)
        if not matches:
            warnings.append(f"total {total} differs from the line items ({items_sum}) plus tax ({tax})")

    # --- dates: where the label rules find a date of service (and no unreadable one), a learned chooser (if given)
    # decides which date is the first; where they find none (no date, no labelled one among several), none is reported
    pd = page_dates(rows, item_rows, currency=currency, text=text, hand_pages=(*by_hand, *partly))
    day_first, dated, unread, services = pd.day_first, pd.dated, pd.unread, pd.services
    date_model = learned.get("service_date")
    picked = decide_service_date(pd, rows, date_model) if date_model is not None and services and unread is None \
        else None
    if picked is not None:
        # the learned chooser's first date of service; the rules' later dates follow it
        first = picked.candidate
        if services[0][0] != first.value:
            warnings.append(f"service_dates: the learned chooser takes {first.value.isoformat()} where the label rules "
                            f"read {services[0][0].isoformat()}")
        services = [(first.value, first.dated), *((v, d) for v, d in services if v > first.value)]
        sure = 0.85 if first.dated.raw.repaired or first.swapped or first.lenient else 1.0
        if not keep("service_dates[0]", first.dated.tokens or first.dated.row.tokens, sure,
                    probability=picked.probability):
            services = []
    else:
        if not services and unread is not None:
            looks = " looks written by hand and" if pd.unread_by_hand else ""
            warnings.append(f"service_dates: the date of service on page {unread[0].page}{looks} could not be read; "
                            "left empty for review")
        elif not services:
            warnings.append("service_dates: no date of service found")
        else:
            if unread is not None:
                warnings.append(f"service_dates: the date of service on page {unread[0].page} could not be read; "
                                f"{services[0][0].isoformat()}, another date on the document that fits what was "
                                "read, is taken")
            if not keep("service_dates[0]", services[0][1].tokens, pd.certainty):
                services = []  # too unsure to report: the dates are left empty, as the warning says
    service_dates = [d for d, _ in services]
    row_date = {}
    for d in dated:
        if d.in_item_row and d.row.index not in row_date:
            row_date[d.row.index] = d.raw.resolve(day_first=day_first)
    out_items: list[LineItem] = []
    hand_items = {id(it) for it in items if handwritten(it.amount.tokens)}
    if hand_items:
        warnings.append(f"line_items: {len(hand_items)} written by hand; left out for review")
    for it in items:
        if id(it) in hand_items:
            continue
        e = evidence(list(it.amount.tokens), 0.95 if not it.amount.value.repaired else 0.8)
        svc = next((row_date[t.row] for t in it.tokens if t.row in row_date), None)
        out_items.append(LineItem(code=it.code if medical else None, description=it.description, quantity=it.quantity,
                                  amount=it.amount.value.amount, service_date=svc, evidence=e))
    dob = F.birth_date(dated, day_first=day_first)
    date_of_birth = None
    if dob is not None and keep("patient.date_of_birth", dob[1].tokens, 0.95):
        date_of_birth = dob[0]

    # --- identifiers and names
    def read(path: str, found: F.Found | None, *, required: bool = True) -> str | None:
        if found is None:
            if required:
                warnings.append(f"{path}: not found")
            return None
        return found.value if keep(path, found.tokens, found.certainty) else None

    member_id = read("patient.member_id", F.member_id(rows, ents))
    patient_name = read("patient.name", F.patient_name(rows, ents))
    provider_name = _provider(rows, ents, learned.get("provider"), keep, warnings) if "provider" in learned \
        else read("provider.name", find_provider(rows, ents))
    invoice = read("invoice_number", F.invoice_number(rows, ents), required=False)
    npi = read("provider.npi", F.npi(rows), required=False)
    tax_id = read("provider.tax_id", F.tax_id(rows), required=False)

    # --- diagnoses
    dx_out: list[Diagnosis] = []
    for d in find_diagnoses(rows, ents, item_rows):
        if handwritten(d.tokens):
            warnings.append("diagnoses: one written by hand; left out for review")
            continue
        e = evidence(list(d.tokens), d.certainty)
        e = e.model_copy(update={"confidence": cal("diagnoses", e.confidence)})
        dx_out.append(Diagnosis(code=d.code, description=d.description, negated=d.negated, evidence=e))

    if total is None and not any(w.startswith("total") for w in warnings):
        warnings.append("total: not found")
    doc = ocr.document
    return Extraction(
        document=DocumentRef(file=doc.path, sha256=doc.sha256, pages=doc.pages, kind=doc.kind),
        patient=Patient(name=patient_name, member_id=member_id, date_of_birth=date_of_birth),
        provider=Provider(name=provider_name, npi=npi, tax_id=tax_id),
        invoice_number=invoice,
        service_dates=service_dates,
        diagnoses=dx_out,
        line_items=out_items,
        total=total,
        balance_due=balance,
        currency=currency,
        checks=Checks(total_matches_line_items=matches),
        fields=ev,
        warnings=warnings,
        extractor=model,
    )


def _provider(rows, ents, model: ChooserModel, keep, warnings: list[str]) -> str | None:  # type: ignore[no-untyped-def]
    """The learned chooser's provider name among the letterhead candidates (the hand rules' pick one of them and a
    feature), reported when ``keep`` accepts its words at the model's probability."""
    picked = decide_provider(rows, ents, find_provider(rows, ents), model)
    if picked is None:
        warnings.append("provider.name: not found")
        return None
    c = picked.candidate
    return c.value if keep("provider.name", c.tokens, 1.0, probability=picked.probability) else None


__all__ = ["extract"]
