"""Patient names: the value of a patient label, never a label or heading word OCR happened to put there."""

from __future__ import annotations

from extractors.fields import patient_name
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
