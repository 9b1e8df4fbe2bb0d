"""Diagnosis codes are read where a bill puts them, not made of a shop receipt's table numbers and product codes."""

from __future__ import annotations

from synth_ocr import ocr_of

from extractors.diagnoses import diagnoses
from extractors.fields import Entity
from extractors.layout import build_rows


def _codes(lines: list[str], model_codes: tuple[str, ...] = ()) -> list[str]:
    rows = build_rows(ocr_of(lines))
    ents = [Entity("DX_CODE", t.text, (t,)) for r in rows for t in r.tokens if t.text in model_codes]
    return [d.code for d in diagnoses(rows, ents, set())]


def test_a_bare_category_code_on_a_document_labelling_no_diagnosis_is_not_one() -> None:
    # a restaurant's table number and a receipt's code, even where the model marks them as codes
    receipt = ["RESTORAN WAN SHENG", "Table No : C38", "O12 - FAX: 03-3363 3909", "TOTAL 12.00"]
    assert _codes(receipt, ("C38", "O12")) == []
    # the same code on a bill that labels its diagnoses is a diagnosis
    assert _codes(["Diagnosis:", "C38 Malignant neoplasm of heart"], ("C38",)) == ["C38"]
    # and a full dotted code stands on its own, labelled or not
    assert _codes(["Note: K80.20 Calculus of gallbladder"]) == ["K80.20"]


def test_dx_inside_a_row_is_not_a_diagnosis_label() -> None:
    # OCR read "Dx" among a receipt's rounding row: no diagnosis section opens, "CHANGE" is not "Change of job"
    assert _codes(["ROUNDING 7 9 Dx 001", "CHANGE 0.00"]) == []
    assert _codes(["Dx: J20.9 Acute bronchitis"]) == ["J20.9"]
