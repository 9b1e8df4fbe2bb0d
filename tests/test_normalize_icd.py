"""ICD-10-CM codes: validation, OCR repair only into valid codes, and description → code (extractors.icd)."""

from __future__ import annotations

import pytest

from extractors.icd import is_code, match_description, normalize_code


@pytest.mark.parametrize(
    ("printed", "code"),
    [("J20.9", "J20.9"), ("j20.9", "J20.9"), ("J209", "J20.9"), ("J20,9", "J20.9"), ("I10", "I10"),
     ("S93.401A", "S93.401A"), ("(E11.9)", "E11.9")],
)
def test_valid_codes_are_read(printed: str, code: str) -> None:
    m = normalize_code(printed)
    assert m is not None and m.code == code and not m.repaired
    assert m.description


@pytest.mark.parametrize(("printed", "code"), [("J2O.9", "J20.9"), ("E1l.9", "E11.9"), ("S93.4O1A", "S93.401A"), ("5O0.0", "S00.0")])
def test_ocr_confusions_are_repaired_into_valid_codes(printed: str, code: str) -> None:
    m = normalize_code(printed)
    assert m is not None and m.code == code and m.repaired
    assert is_code(m.code)


@pytest.mark.parametrize("printed", ["A12", "XYZ", "not", "NOT", "99213", "12345", "D0120", "J20.99999", "Q99.999", ""])
def test_invalid_codes_are_not_guessed(printed: str) -> None:
    assert normalize_code(printed) is None


def test_exact_and_noisy_official_descriptions_map_to_their_code() -> None:
    exact = match_description("Type 2 diabetes mellitus without complications")
    assert exact is not None and exact.code == "E11.9" and exact.score == pytest.approx(1.0)
    noisy = match_description("Acute bronchitls, unspecifed")
    assert noisy is not None and noisy.code == "J20.9" and 0.85 <= noisy.score < 1.0


def test_clinical_phrases_map_to_the_unspecified_code() -> None:
    m = match_description("pneumonia")
    assert m is not None and m.code == "J18.9"


@pytest.mark.parametrize("text", ["Total charges", "Office visit established patient", "Patient Name", "ab"])
def test_non_diagnoses_do_not_match(text: str) -> None:
    assert match_description(text) is None
