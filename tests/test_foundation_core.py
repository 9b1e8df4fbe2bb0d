"""The core: money and the extraction contract (the document store: tests/test_store.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from claimflow.model import Diagnosis, DocumentRef, Evidence, Extraction, LineItem
from claimflow.money import format_money, to_money
from claimflow.schema import extraction_errors


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1.005", "1.01"), ("1234.5", "1234.50"), (Decimal("-0.004"), "-0.00"), (7, "7.00"), ("2.675", "2.68")],
)
def test_money_rounds_half_up_to_cents(raw: object, expected: str) -> None:
    assert format_money(to_money(raw)) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [1.5, True, "abc", "NaN", "Infinity"])
def test_money_refuses_floats_and_garbage(bad: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        to_money(bad)  # type: ignore[arg-type]


def test_extraction_wire_form_matches_contract() -> None:
    ext = Extraction(
        document=DocumentRef(file="a.pdf", sha256="0" * 64, pages=2, kind="digital_pdf"),
        total="1,234.50".replace(",", ""),
        diagnoses=[Diagnosis(code="J20.9", description="Acute bronchitis, unspecified", negated=False)],
        line_items=[LineItem(code="99213", amount="1234.5", evidence=Evidence(page=1, bbox=[1, 2, 3, 4], confidence=0.9))],
        currency="USD",
    )
    wire = ext.to_json_dict()
    assert extraction_errors(wire) == []
    assert wire["total"] == "1234.50" and wire["line_items"][0]["amount"] == "1234.50"
    assert "evidence" not in wire["diagnoses"][0]  # absent evidence is omitted, never null
    assert Extraction.model_validate(wire) == ext  # the wire form reads back to the same value


def test_contract_violations_are_reported_with_their_path() -> None:
    wire = Extraction(document=DocumentRef(file="a", sha256="0" * 64, pages=1, kind="image")).to_json_dict()
    wire["total"] = "12.5"
    wire["currency"] = "usd"
    errors = extraction_errors(wire)
    assert any(e.startswith("total:") for e in errors) and any(e.startswith("currency:") for e in errors)
