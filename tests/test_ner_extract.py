"""extract(OcrResult) -> Extraction: values, evidence, warnings, and the schema contract on every output."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from synth_ocr import ocr_of

from claimflow.schema import extraction_errors
from extractors.extract import extract

BILL = [
    "Lakeview Internal Medicine",
    "2391 Mill St, Marion, IN 46911",
    "NPI: 2045634765   Tax ID: 17-7246146",
    "STATEMENT",
    "Patient Name: Sophia J. Ross        Account No. ST124739",
    "DOB: 02/29/1980                     Date of Service: 03/07/2025",
    "Member ID: CBY672322571",
    "Diagnosis Codes:",
    "1. J2O.9 - Acute bronchitis, unspecified",
    "2. E78.5 - Hyperlipidemia, unspecified",
    "Note: Ruled out pneumonia.",
    "CPT   Description                                Qty      Amount",
    "99214 Office visit, established patient           1      $231.27",
    "87880 Rapid strep test                            1       $45.00",
    "Total Charges:                                           $276.27",
    "Payments Received:                                      -$50.00",
    "Balance Due:                                            $226.27",
]


@pytest.fixture(scope="module")
def bill():  # type: ignore[no-untyped-def]
    return extract(ocr_of(BILL))


def test_output_validates_against_the_contract(bill) -> None:  # type: ignore[no-untyped-def]
    assert extraction_errors(bill.to_json_dict()) == []


def test_money_fields(bill) -> None:  # type: ignore[no-untyped-def]
    assert bill.total == Decimal("276.27")  # total charges, not the balance due
    assert bill.balance_due == Decimal("226.27")
    assert bill.currency == "USD"
    assert [(i.code, i.amount) for i in bill.line_items] == [("99214", Decimal("231.27")), ("87880", Decimal("45.00"))]
    assert bill.checks.total_matches_line_items is True


def test_identifiers_names_and_dates(bill) -> None:  # type: ignore[no-untyped-def]
    assert bill.patient.member_id == "CBY672322571"
    assert bill.patient.date_of_birth == dt.date(1980, 2, 29)
    assert bill.service_dates == [dt.date(2025, 3, 7)]
    assert bill.provider.npi == "2045634765"
    assert bill.provider.tax_id == "17-7246146"
    assert bill.invoice_number == "ST124739"
    assert bill.patient.name == "Sophia J. Ross"
    assert bill.provider.name == "Lakeview Internal Medicine"


def test_diagnoses_with_ocr_repair_and_negation(bill) -> None:  # type: ignore[no-untyped-def]
    got = {(d.code, d.negated) for d in bill.diagnoses}
    assert got == {("J20.9", False), ("E78.5", False), ("J18.9", True)}


def test_evidence_for_every_scalar_field(bill) -> None:  # type: ignore[no-untyped-def]
    for path in ("total", "patient.member_id", "service_dates[0]", "patient.name", "provider.name",
                 "invoice_number", "balance_due"):
        ev = bill.fields[path]
        assert ev.page == 1 and 0 < ev.confidence <= 1
        assert ev.bbox[0] < ev.bbox[2] and ev.bbox[1] < ev.bbox[3]
    assert all(d.evidence is not None for d in bill.diagnoses)
    # the total's box is the amount on the "Total Charges" row (row 15 -> y 460..480)
    assert bill.fields["total"].bbox[1] == 30 * 14 + 40


def test_model_version_is_part_of_the_extraction(bill) -> None:  # type: ignore[no-untyped-def]
    assert bill.extractor.startswith(("claimflow-ner/", "claimflow-rules/"))


def test_missing_values_are_null_with_warnings() -> None:
    ex = extract(ocr_of(["Thank you for your visit", "Office visit"]))
    assert ex.total is None and ex.patient.member_id is None and ex.service_dates == []
    assert any(w.startswith("total") for w in ex.warnings)
    assert any(w.startswith("patient.member_id") for w in ex.warnings)
    assert extraction_errors(ex.to_json_dict()) == []


def test_unreadable_page_gives_nulls_and_warnings_not_guesses() -> None:
    ex = extract(ocr_of(["Tot4l ch@rg3s 1O0.OO", "Memb3r ID: W1234S6789", "Date of Service: 03/07/2025"],
                        confidence=0.2))
    assert ex.total is None
    assert ex.patient.member_id is None
    assert ex.service_dates == [] and "service_dates[0]" not in ex.fields  # no value without its evidence
    assert any("barely readable" in w for w in ex.warnings)
    assert extraction_errors(ex.to_json_dict()) == []


def _with_confidence(ocr, conf_of):  # type: ignore[no-untyped-def]
    """The OcrResult with each word's confidence set by ``conf_of(text)`` and the page mean recomputed."""
    page = ocr.pages[0]
    words = [w.model_copy(update={"confidence": conf_of(w.text)}) for w in page.words]
    mean = sum(w.confidence for w in words) / len(words)
    return ocr.model_copy(update={"pages": [page.model_copy(update={"words": words, "mean_confidence": mean})]})


def test_a_clearly_read_value_on_a_page_otherwise_barely_readable_is_reported_with_a_warning() -> None:
    # a printed receipt photographed on a textured table: the texture read as junk words drags the page's mean
    # confidence under the unreadable bar; the receipt's own print is read clearly
    junk = ["ee oe res aa", "Ligne rere cheat el", "eca tate erele wie", "fay a PAS bf is", "ary re eh ats"] * 3
    lines = ["CAREWELL PHARMACY #3495", *junk[:5], "Date: 05-05-2025 20:37", *junk[5:], "Member ID: LNN97341lO17"]
    clear = {"CAREWELL", "PHARMACY", "#3495", "Date:", "05-05-2025", "20:37", "Member", "ID:"}
    ocr = _with_confidence(ocr_of(lines), lambda t: 0.96 if t in clear else 0.2)
    assert ocr.pages[0].mean_confidence < 0.45
    ex = extract(ocr)
    assert ex.service_dates == [dt.date(2025, 5, 5)]
    assert 0 < ex.fields["service_dates[0]"].confidence < 0.95
    assert any(w.startswith("service_dates[0]: read clearly on a page otherwise barely") for w in ex.warnings)
    # the member id's own word was read poorly (0.2): on such a page it is left empty, not guessed
    assert ex.patient.member_id is None
    assert any(w.startswith("patient.member_id: on a page too poorly read") for w in ex.warnings)


def _by_hand(ocr, *, share: float, median: float, aligned: float | None = None,  # type: ignore[no-untyped-def]
             baseline: float | None = None):
    """The OcrResult with its page's handwriting figures set as the OCR stage measures them."""
    page = ocr.pages[0].model_copy(update={"handwritten_share": share, "handwriting": median,
                                           "handwriting_aligned": aligned, "handwriting_baseline": baseline})
    return ocr.model_copy(update={"pages": [page]})


def test_a_page_setting_every_glyph_on_its_baseline_is_print_whatever_its_median() -> None:
    # a clean thin-stroke monospace receipt: the word model's median says "hand", the glyphs' baselines say print
    ex = extract(_by_hand(ocr_of(BILL), share=0.05, median=0.48, aligned=1.0, baseline=0.004))
    assert ex.total is not None and not any("written by hand" in w for w in ex.warnings)
    # a hand wanders: some glyphs off the line, or all of them a little
    for aligned, baseline in ((0.8, 0.004), (1.0, 0.03)):
        ex = extract(_by_hand(ocr_of(BILL), share=0.05, median=0.48, aligned=aligned, baseline=baseline))
        assert ex.total is None and any(w.startswith("pages [1]: written by hand") for w in ex.warnings)


@pytest.mark.parametrize(("share", "median"), [(0.4, -1.5), (0.6, 1.2)], ids=["a form filled in by hand", "all by hand"])
def test_values_on_a_page_written_by_hand_are_left_empty_not_guessed(share: float, median: float) -> None:
    # tesseract reads a hand's digits at 0.95, wrongly as often as not: nothing on the page is reported
    ex = extract(_by_hand(ocr_of(BILL), share=share, median=median))
    assert ex.total is None and ex.balance_due is None and ex.fields == {}
    assert ex.patient.member_id is None and ex.patient.name is None and ex.provider.npi is None
    assert ex.service_dates == [] and ex.line_items == [] and ex.diagnoses == []
    for path in ("total", "patient.member_id", "service_dates[0]", "provider.npi"):
        assert f"{path}: written by hand; left empty for review" in ex.warnings
    assert "line_items: 2 written by hand; left out for review" in ex.warnings
    assert any(w.startswith("pages [1]: written by hand") for w in ex.warnings)
    assert extraction_errors(ex.to_json_dict()) == []


def test_on_a_page_partly_written_by_hand_only_the_values_that_look_handwritten_are_left_empty(bill) -> None:  # type: ignore[no-untyped-def]  # noqa: E501
    # a printed form whose hand tesseract read mostly below the confidence a page's figures count
    hand = {"$276.27", "CBY672322571"}
    ocr = _by_hand(ocr_of(BILL), share=0.15, median=-1.5)
    page = ocr.pages[0]
    words = [w.model_copy(update={"handwriting": 3.0 if w.text in hand else -3.0}) for w in page.words]
    ex = extract(ocr.model_copy(update={"pages": [page.model_copy(update={"words": words})]}))
    assert ex.total is None and ex.patient.member_id is None
    assert "total: written by hand; left empty for review" in ex.warnings
    assert any(w.startswith("pages [1]: partly written by hand") for w in ex.warnings)
    # what is printed is read as before
    assert ex.service_dates == bill.service_dates and ex.provider.npi == bill.provider.npi
    assert ex.balance_due == bill.balance_due and len(ex.line_items) == len(bill.line_items)


def test_a_printed_page_with_a_few_handwriting_like_words_is_read(bill) -> None:  # type: ignore[no-untyped-def]
    # worn print, a dot-matrix total, a scrawled note: under every bar the page is read as print
    ex = extract(_by_hand(ocr_of(BILL), share=0.08, median=-0.4))
    assert ex.total == bill.total == Decimal("276.27")
    assert ex.patient.member_id == bill.patient.member_id and ex.service_dates == bill.service_dates
    assert not any("written by hand" in w for w in ex.warnings)


def test_a_date_printed_twice_is_evidenced_by_its_clearer_reading() -> None:
    # "DATE : 12/28/2017" read through a dotted rule (the ':' glued on, confidence 0.23); "2017-12-28" at the foot
    # read clearly: the date of service is the labelled one, its evidence the clear reading
    ocr = ocr_of(["RESTORAN HASSANBISTRO", "DATE —-::12/28/2017 10:17:32 PM", "TOTAL RM 15.00",
                  "Thank you 2017-12-28 22:17PM"])
    ocr = _with_confidence(ocr, lambda t: 0.23 if t.endswith("12/28/2017") else 0.95)
    ex = extract(ocr)
    assert ex.service_dates == [dt.date(2017, 12, 28)]
    assert ex.fields["service_dates[0]"].bbox[1] == 40 + 30 * 3  # the foot row


def test_empty_document() -> None:
    ex = extract(ocr_of([]))
    assert ex.total is None and "no text found on the document" in ex.warnings
    assert extraction_errors(ex.to_json_dict()) == []


def test_day_first_document_from_its_consistency() -> None:
    ex = extract(ocr_of(["Date of Service: 03/07/2025", "Statement Date: 25/07/2025", "Total: EUR 10,00"]))
    assert ex.service_dates == [dt.date(2025, 7, 3)]
    assert ex.currency == "EUR"


def test_line_item_service_dates_come_from_their_row() -> None:
    ex = extract(ocr_of([
        "Date        CPT   Description          Amount",
        "03/07/2025  99213 Office visit         120.00",
        "03/09/2025  87880 Rapid strep test      40.00",
        "Total Charges                         160.00",
    ]))
    assert [(i.code, i.service_date) for i in ex.line_items] == [
        ("99213", dt.date(2025, 3, 7)), ("87880", dt.date(2025, 3, 9))]
    assert ex.service_dates == [dt.date(2025, 3, 7), dt.date(2025, 3, 9)]
    assert ex.checks.total_matches_line_items is True


def test_a_birth_date_whose_label_was_lost_is_not_the_date_of_service() -> None:
    # the DOB label is printed once; the date is repeated unlabelled in the patient box, next to the visit date
    ex = extract(ocr_of([
        "Patient: Ann Lee   DOB: 04/12/1961",
        "Ann Lee   04/12/1961",
        "Visit 03/07/2025",
        "Statement Date: 03/20/2025",
        "Total Charges: $120.00",
    ]))
    assert ex.service_dates == [dt.date(2025, 3, 7)]
    assert ex.patient.date_of_birth == dt.date(1961, 4, 12)


def test_a_date_decades_before_the_bill_is_not_a_date_of_service() -> None:
    # OCR lost the "DOB" label: two unlabelled dates, one of them 60 years before the statement date
    ex = extract(ocr_of([
        "Ann Lee  08/23/1964",
        "Seen 02/10/2025",
        "Statement Date: 02/14/2025",
        "Total Charges: $80.00",
    ]))
    assert ex.service_dates == [dt.date(2025, 2, 10)]


def test_a_lone_misread_year_does_not_hide_the_real_dates() -> None:
    # one date read 30 years off is not corroborated by any other date, so it is not the reference
    ex = extract(ocr_of(["Date: 18/03/2018", "Printed 18 Mar 2048", "TOTAL RM 12.00"]))
    assert ex.service_dates[:1] == [dt.date(2018, 3, 18)]


def test_a_newborns_date_of_service_may_be_its_birth_date() -> None:
    ex = extract(ocr_of([
        "Patient: Baby Boy Lee   DOB: 03/07/2025",
        "Date of Service: 03/07/2025",
        "Statement Date: 03/20/2025",
        "Total Charges: $1,120.00",
    ]))
    assert ex.service_dates == [dt.date(2025, 3, 7)]


def test_a_birth_date_labelled_birth_alone_or_under_a_cut_heading() -> None:
    ex = extract(ocr_of(["Birth 22 Apr 1948   Attending: Dr. A. Chen", "Admit Date: 03/02/2025",
                         "Total Charges: $1,120.00"]))
    assert ex.patient.date_of_birth == dt.date(1948, 4, 22) and ex.service_dates == [dt.date(2025, 3, 2)]
    ex = extract(ocr_of(["PATIENT NAME   RTH DATE", "Zachary Ford   07-MAY-46", "Date of Service: 03/02/2025",
                         "Total Charges: $120.00"]))
    assert ex.patient.date_of_birth == dt.date(1946, 5, 7)


def test_a_birth_date_is_not_the_date_of_service_even_when_only_a_labelled_date_stands_beside_it() -> None:
    # the DOB label and the service date were lost; the only other date is a labelled appointment date
    ex = extract(ocr_of(["Daniel Henry   Jan 25, 1954", "Next appointment: Dec 3, 2025",
                         "Amount Billed: USD 1,669.20"]))
    assert ex.service_dates == []


def test_a_date_of_service_written_but_unreadable_is_not_replaced_by_another_date() -> None:
    # a form filled in by hand: the visit date was written and misread; the printed statement date is not it
    lines = ["Statement Date: 2024-12-03", "Visit Date: 2024-N-09", "Total Charges: $120.00"]
    ex = extract(ocr_of(lines))
    assert ex.service_dates == []
    assert any("date of service on page 1 could not be read" in w for w in ex.warnings)
    assert "service_dates[0]" not in ex.fields
    # a month name misread ("TOL" for "JUL") holds digits too; one read well is taken as before
    assert extract(ocr_of(["Printed: Aug 13, 2025", "Service Date: TOL 21, 2025"])).service_dates == []
    ex = extract(ocr_of(["Statement Date: 2024-12-03", "Visit Date: 2024-11-09", "Total Charges: $120.00"]))
    assert ex.service_dates == [dt.date(2024, 11, 9)]
    # another date that fits what could be read of it ("ary 3, 2025": the day and the year) is taken, less surely
    ex = extract(ocr_of(["Date of Service: ary 3, 2025", "Reported: February 3, 2025", "Total: $120.00"]))
    assert ex.service_dates == [dt.date(2025, 2, 3)]
    assert any("fits what was read" in w for w in ex.warnings)
    # a column heading, or a label left blank, is no unread date: the document's one date still stands
    ex = extract(ocr_of(["Statement Date: 2024-12-03", "DOS  CPT  Description  Amount", "Total: $120.00"]))
    assert ex.service_dates == [dt.date(2024, 12, 3)]


def test_an_unreadable_date_of_service_on_a_page_with_handwriting_is_not_replaced_by_one_that_fits() -> None:
    # a printed form filled in by hand: "14-JUN-24" written under the label was read as "-24", and the printed
    # billing date 26-JUN-24 "fits" it; on a page with handwriting the fit is too thin to take it
    lines = ["Billing Date: 26-JUN-24", "Visit Date: -24", "Total Billed: USD 169.00"]
    assert extract(ocr_of(lines)).service_dates == [dt.date(2024, 6, 26)]  # all printed: the date that fits
    ex = extract(_by_hand(ocr_of(lines), share=0.15, median=-1.5))
    assert ex.service_dates == [] and "service_dates[0]" not in ex.fields
    assert any("date of service on page 1 looks written by hand and could not be read" in w for w in ex.warnings)


def test_one_receipt_date_read_twice_with_a_digit_wrong_takes_the_clearer_reading() -> None:
    # a till receipt prints its date twice; OCR read the faint copy's year as 2016 and the clear one as 2018
    ocr = ocr_of(["INV 002-1550 18/03/16", "18/03/18 09:03 #002", "TOTAL RM 12.00"])
    page = ocr.pages[0]
    words = [w.model_copy(update={"confidence": 0.55}) if w.text == "18/03/16" else w for w in page.words]
    ex = extract(ocr.model_copy(update={"pages": [page.model_copy(update={"words": words})]}))
    assert ex.service_dates == [dt.date(2018, 3, 18)]
    # two dates further apart than one digit are not readings of one date: the first is kept, less surely
    ex = extract(ocr_of(["INV 002-1550 18/03/16", "20/04/18 09:03 #002", "TOTAL RM 12.00"]))
    assert ex.service_dates == [dt.date(2016, 3, 18)]


def test_a_labelled_period_of_service_bounds_the_dates_of_its_line_items() -> None:
    lines = [
        "Service Date: 15/07/2025 - 17/07/2025",
        "Date        CPT   Description          Amount",
        "{}   99285 Emergency visit      393.37",
        "16/07/2025  70450 CT head            219.98",
        "Total Charges                         613.35",
    ]
    # OCR lost the first digit of an item's date: 5/07/2025 lies outside the printed period and is not taken
    ex = extract(ocr_of([ln.format("5/07/2025 ") for ln in lines]))
    assert ex.service_dates[0] == dt.date(2025, 7, 15)
    assert dt.date(2025, 7, 5) not in ex.service_dates
    # an item date inside the period is kept
    ex = extract(ocr_of([ln.format("17/07/2025") for ln in lines]))
    assert ex.service_dates == [dt.date(2025, 7, 15), dt.date(2025, 7, 16), dt.date(2025, 7, 17)]


def test_a_shop_receipt_is_flagged_and_its_item_numbers_are_not_procedure_codes() -> None:
    items = ["83883 CHOPPING BOARD 1 10.00", "62483 AIR SPRAYER 1 8.00", "TOTAL 18.00"]
    receipt = extract(ocr_of(["INDAH GIFT & HOME DECO SDN BHD", "27, JALAN DEDAP 13", "Date: 19/10/2018",
                              "Doc No $000022185", *items]))
    assert receipt.total == Decimal("18.00") and len(receipt.line_items) == 2
    assert receipt.currency is None  # no sign beside an amount: a "$" misread in a number names no currency
    assert all(it.code is None for it in receipt.line_items)
    assert any(w.startswith("document: no word of a medical bill found") for w in receipt.warnings)
    assert receipt.patient.name is None and receipt.patient.member_id is None and receipt.diagnoses == []
    # the same rows on a clinic's bill are procedure lines
    bill = extract(ocr_of(["RIVERSIDE FAMILY CLINIC", "Patient: Maria Lopez", "Date: 10/19/2018",
                           "CPT Description Qty Amount", *items]))
    assert [it.code for it in bill.line_items] == ["83883", "62483"]
    assert not any(w.startswith("document: no word of a medical bill") for w in bill.warnings)
