"""merge_extractions: the rule a claim of several documents is decided by (claimflow/model/claim_extraction.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from claimflow.model import Checks, Diagnosis, DocumentRef, Evidence, Extraction, LineItem, Patient, Provider
from claimflow.model.claim_extraction import ClaimExtraction, Source, load_extraction, merge_extractions

SHA = ["a" * 64, "b" * 64, "c" * 64]


def ev(page: int, conf: float = 0.9) -> Evidence:
    return Evidence(page=page, bbox=[0, 0, 10, 10], confidence=conf)


def doc(n: int, **kw: object) -> Extraction:
    base: dict[str, object] = {
        "document": DocumentRef(file=f"doc{n}.pdf", sha256=SHA[n], pages=2, kind="digital_pdf"),
        "currency": "USD",
    }
    base.update(kw)
    return Extraction(**base)  # type: ignore[arg-type]


def test_one_document_is_decided_on_its_own_extraction_unchanged() -> None:
    x = doc(0, total=Decimal("10.00"), line_items=[LineItem(amount=Decimal("10.00"))])
    merged = merge_extractions([x])
    assert merged is x and merged.canonical_bytes() == x.canonical_bytes()


def test_lines_are_concatenated_in_document_order_and_traceable_to_document_and_page() -> None:
    bill = doc(0, line_items=[LineItem(code="99213", amount=Decimal("120.00"), evidence=ev(1)),
                              LineItem(code="85025", amount=Decimal("30.00"), evidence=ev(2))],
               total=Decimal("150.00"), fields={"line_items[1].amount": ev(2, 0.5), "total": ev(2)})
    rx = doc(1, line_items=[LineItem(code="J1100", amount=Decimal("12.50"), evidence=ev(1, 0.7))],
             total=Decimal("12.50"), fields={"line_items[0].amount": ev(1, 0.4), "total": ev(1)})
    merged = merge_extractions([bill, rx])
    assert isinstance(merged, ClaimExtraction)
    assert [li.code for li in merged.line_items] == ["99213", "85025", "J1100"]
    assert merged.line_sources == [Source(document=1, sha256=SHA[0], page=1), Source(document=1, sha256=SHA[0], page=2),
                                   Source(document=2, sha256=SHA[1], page=1)]
    # evidence keyed by line index follows the line to its merged index; header evidence from the first document
    assert merged.fields["line_items[1].amount"].confidence == 0.5
    assert merged.fields["line_items[2].amount"].confidence == 0.4
    assert merged.field_sources["line_items[2].amount"] == 2 and merged.field_sources["total"] == 1
    assert merged.total == Decimal("162.50") and merged.currency == "USD"
    assert merged.document == bill.document and [d.sha256 for d in merged.documents] == SHA[:2]


def test_header_fields_come_from_the_first_document_that_has_them() -> None:
    a = doc(0, patient=Patient(name=None, member_id=None), provider=Provider(name="Clinic"), invoice_number=None,
            service_dates=[dt.date(2025, 3, 2)])
    b = doc(1, patient=Patient(name="P", member_id="M-2"), provider=Provider(name="Pharmacy", npi="1234567890"),
            invoice_number="INV-2", service_dates=[dt.date(2025, 3, 1), dt.date(2025, 3, 2)])
    merged = merge_extractions([a, b])
    assert merged.patient.member_id == "M-2" and merged.patient.name == "P"
    assert merged.provider.name == "Clinic" and merged.provider.npi == "1234567890"
    assert merged.invoice_number == "INV-2"
    assert merged.service_dates == [dt.date(2025, 3, 1), dt.date(2025, 3, 2)]


def test_a_diagnosis_repeated_by_a_later_document_is_listed_once() -> None:
    a = doc(0, diagnoses=[Diagnosis(code="J06.9", evidence=ev(1))])
    b = doc(1, diagnoses=[Diagnosis(code="J06.9", evidence=ev(2)), Diagnosis(code="R50.9", evidence=ev(1))],
            fields={"diagnoses[0]": ev(2, 0.3), "diagnoses[1]": ev(1, 0.6)})
    merged = merge_extractions([a, b])
    assert [d.code for d in merged.diagnoses] == ["J06.9", "R50.9"]
    assert isinstance(merged, ClaimExtraction)
    assert [s.document for s in merged.diagnosis_sources] == [1, 2]
    assert merged.fields == {"diagnoses[1]": ev(1, 0.6)}


def test_an_unknown_total_or_mixed_currencies_leave_the_claim_total_unknown_with_a_warning() -> None:
    missing = merge_extractions([doc(0, total=Decimal("5.00")), doc(1, total=None, warnings=["no total"])])
    assert missing.total is None
    assert "document 2: no total" in missing.warnings
    assert any("no total read on document(s) 2" in w for w in missing.warnings)
    mixed = merge_extractions([doc(0, total=Decimal("5.00")), doc(1, total=Decimal("6.00"), currency="EUR")])
    assert mixed.total is None and mixed.currency is None
    assert any("different currencies (EUR, USD)" in w for w in mixed.warnings)


def test_total_check_is_false_if_any_document_disagrees() -> None:
    t, f, n = (Checks(total_matches_line_items=v) for v in (True, False, None))
    assert merge_extractions([doc(0, checks=t), doc(1, checks=f)]).checks.total_matches_line_items is False
    assert merge_extractions([doc(0, checks=t), doc(1, checks=t)]).checks.total_matches_line_items is True
    assert merge_extractions([doc(0, checks=t), doc(1, checks=n)]).checks.total_matches_line_items is None


def test_the_merged_extraction_round_trips_through_its_stored_json_and_validates_against_the_schema() -> None:
    from claimflow.schema import extraction_errors

    merged = merge_extractions([doc(0, line_items=[LineItem(amount=Decimal("1.00"), evidence=ev(1))]),
                                doc(1, line_items=[LineItem(amount=Decimal("2.00"))])])
    data = merged.to_json_dict()
    assert extraction_errors(data) == []
    back = load_extraction(data)
    assert isinstance(back, ClaimExtraction) and back.canonical_bytes() == merged.canonical_bytes()
    assert type(load_extraction(doc(0).to_json_dict())) is Extraction

