"""Patient names: the value of a patient label, never a label or heading word OCR happened to put there."""

from __future__ import annotations

from extractors.fields import Entity, patient_name
from extractors.layout import build_rows
from synth_ocr import ocr_of


def test_a_heading_split_by_ocr_is_not_the_patient_name() -> None:
    # "PATIENT INVOICE" read as "PATIENT INVO ICE": the heading's second word, split, is not a name
    rows = build_rows(ocr_of(["Bristol Radiology Associates PATIENT INVO ICE", "1395 Oak Ave",
                              "Patient: | Gabriel L. Boyd          Invoice # ST008442"]))
    found = patient_name(rows, [])
    assert found is not None and found.value == "Gabriel L. Boyd"


def test_a_name_made_of_ordinary_words_is_kept() -> None:
    found = patient_name(build_rows(ocr_of(["Patient: Noel Price"])), [])
    assert found is not None and found.value == "Noel Price"


def _ent(rows, row: int, text: str) -> Entity:  # type: ignore[no-untyped-def]
    return Entity("PATIENT", text, tuple(t for t in rows[row].tokens if t.text in text.split()))


def test_a_name_the_model_marks_on_a_shop_receipt_is_not_the_patient() -> None:
    # a street, a product: no patient label near them (the model learnt names from bills, where one always is)
    rows = build_rows(ocr_of(["HOME MASTER HARDWARE", "NO. 2, JALAN PERMAS", "TAX INVOICE",
                              "Goods Sold 12.00"]))
    assert patient_name(rows, [_ent(rows, 1, "JALAN PERMAS"), _ent(rows, 3, "Goods Sold")]) is None
    # a product named "Name ..." is not under a "Name" label
    rows = build_rows(ocr_of(["Description Qty Tax RM", "Name Badge (H) @ 0.5500",
                              "309 Metal Name Badge Clip 1 21.20"]))
    assert patient_name(rows, []) is None
    # a patient label OCR cut short still vouches for the name beside it
    rows = build_rows(ocr_of(["Receipt # INV-2024-49161", "ate: 2025-01-21 07:58", "jent: BENJAMIN D. OLIVEIRA"]))
    found = patient_name(rows, [_ent(rows, 2, "BENJAMIN D. OLIVEIRA")])
    assert found is not None and found.value == "BENJAMIN D. OLIVEIRA"


def test_the_physician_under_a_patient_heading_is_not_the_patient() -> None:
    rows = build_rows(ocr_of(["Detailed Bill", "Member ID: XK250725526", "Patient Type: Inpatient", "Dr. R. Okafor"]))
    assert patient_name(rows, []) is None
    assert patient_name(rows, [_ent(rows, 3, "Dr. R. Okafor")]) is None
    rows = build_rows(ocr_of(["Patient Type: Inpatient", "Or. S. Patel"]))  # the D misread
    assert patient_name(rows, [_ent(rows, 1, "Or. S. Patel")]) is None


def test_a_headings_next_column_does_not_hide_the_name_under_the_patient_heading() -> None:
    # "PATIENT  MEMBER ID  BIRTH DATE": "MEMBER ID" beside the label is a heading, the name is on the row below
    rows = build_rows(ocr_of(["PATIENT MEMBER ID BIRTH DATE", "Richard Stone YMY934588923 09-OCT-14"]))
    found = patient_name(rows, [])
    assert found is not None and found.value == "Richard Stone"
