"""Negated conditions in clinical notes (extractors.negation.is_negated)."""

from __future__ import annotations

import pytest

from extractors.negation import is_negated


def _neg(text: str, term: str) -> bool:
    start = text.index(term)
    return is_negated(text, start, start + len(term))


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("Ruled out pneumonia.", "pneumonia"),
        ("No evidence of fracture of the right wrist.", "fracture of the right wrist"),
        ("Pneumonia ruled out.", "Pneumonia"),
        ("R/O sepsis - negative.", "sepsis"),
        ("Patient denies symptoms of COVID-19.", "COVID-19"),
        ("Negative for streptococcal pharyngitis.", "streptococcal pharyngitis"),
        ("Acute appendicitis was excluded.", "Acute appendicitis"),
    ],
)
def test_negated(text: str, term: str) -> None:
    assert _neg(text, term)


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("J18.9 Pneumonia, unspecified organism", "Pneumonia, unspecified organism"),
        ("Pneumonia. No fever.", "Pneumonia"),
        ("No fever, pneumonia confirmed", "pneumonia"),
        ("R/O pneumonia", "pneumonia"),  # to be ruled out: not (yet) negated
        ("Ruled out sepsis. Pneumonia.", "Pneumonia"),
    ],
)
def test_not_negated(text: str, term: str) -> None:
    assert not _neg(text, term)
