"""The Indian, Malaysian and Singapore layouts of the sample generator, and the extraction reading them."""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal
from pathlib import Path

import pytest
import simple_icd_10_cm as icd

from claimflow.model import Extraction
from claimflow.model.document import DocumentKind
from claimflow.samples import catalog_intl
from claimflow.samples.content import LAYOUTS, LOCALE_LAYOUTS
from claimflow.samples.content_intl import INTL_LAYOUTS, IntlBill, make_gstin, words_indian
from claimflow.samples.formats import MoneyFormat, format_date, group_indian
from claimflow.samples.generate import Spec, generate, render_document
from claimflow.samples.truth import build_truth, document_text
from claimflow.schema import extraction_errors
from extractors.layout import Role, role_of
from extractors.normalize import currency_of, find_dates, infer_day_first, parse_money

NEW = tuple(INTL_LAYOUTS)


def test_indian_grouping_and_words() -> None:
    assert group_indian(Decimal("209763.00")) == "2,09,763.00"
    assert group_indian(Decimal("10234567.5")) == "1,02,34,567.50"
    assert group_indian(Decimal("999.00")) == "999.00"
    assert group_indian(Decimal("1000.00")) == "1,000.00"
    assert words_indian(Decimal("209763.00")) == "Rupees Two Lakh Nine Thousand Seven Hundred Sixty Three Only"
    assert words_indian(Decimal("12345678.50")) == (
        "Rupees One Crore Twenty Three Lakh Forty Five Thousand Six Hundred Seventy Eight and Fifty Paise Only")
    assert MoneyFormat("INR", "inr_rs", "minus")(Decimal("209763")) == "Rs.2,09,763.00"
    assert MoneyFormat("INR", "inr_sym", "minus")(Decimal("-5000")) == "-₹5,000.00"
    assert MoneyFormat("MYR", "rm_space", "minus")(Decimal("1234.5")) == "RM 1,234.50"
    assert format_date(dt.date(2024, 3, 12), "d_mon_y_dash") == "12-Mar-2024"
    assert format_date(dt.date(2024, 3, 12), "dmy_slash_yy") == "12/03/24"
    gstin = make_gstin(random.Random(1), "27")
    assert len(gstin) == 15 and gstin.startswith("27") and gstin[13] == "Z"


def test_catalogue_codes_are_valid_leaves() -> None:
    codes = catalog_intl.IN_ICD + catalog_intl.IN_ICD_PHARMACY + catalog_intl.SEA_ICD
    assert [c for c in codes if not (icd.is_valid_item(c) and icd.is_leaf(c))] == []


@pytest.mark.parametrize("layout", NEW)
def test_each_new_layout_renders_with_valid_truth(layout: str) -> None:
    for index in range(3):
        bill, spec, ctx, data, boxes = render_document(77, index, Spec(layout=layout, fmt="digital_pdf"))
        assert isinstance(bill, IntlBill) and bill.layout == layout and data.startswith(b"%PDF")
        truth = build_truth(bill, ctx.visible, boxes, file="x.pdf", sha256="0" * 64, kind=DocumentKind.digital_pdf)
        wire = truth.to_json_dict()
        assert extraction_errors(wire) == []
        assert wire["currency"] == INTL_LAYOUTS[layout][0]
        assert "total" in wire["fields"] and "service_dates[0]" in wire["fields"]
        text = document_text(ctx.sheet)
        # the total as the document prints it (Indian grouping, RM, S$ ...)
        assert ctx.money.emphatic(bill.total) in text or ctx.m(bill.total, symbol=False) in text
        assert ctx.d(bill.service_dates[0]) in text
        assert len(truth.line_items) == len(bill.items)
        if layout == "hospital_in":  # several sections, each with its sub-total; the summary on the last page
            assert len(bill.sections) >= 4
            assert truth.fields["total"].page == len(ctx.sheet.pages)
            assert bill.total == bill.subtotal + bill.tax - bill.adjustment
            assert bill.extras["uhid"] in text and "GSTIN" in text
        if layout == "pharmacy_in":
            assert "GSTIN" in text and bill.balance_due == bill.total and truth.balance_due is None
        if layout.startswith("clinic_"):
            assert bill.extras["nric"] in text and truth.balance_due is None
            assert bill.total == bill.subtotal + bill.tax + bill.rounding


def test_a_scanned_indian_bill_renders_with_boxes_on_its_pages() -> None:
    bill, spec, ctx, data, boxes = render_document(77, 0, Spec(layout="pharmacy_in", fmt="png", dpi=150,
                                                             capture="scan"))
    assert data.startswith(b"\x89PNG") and spec.fmt == "png" and len(boxes) == len(ctx.sheet.pages) == 1
    assert {"total", "provider.name", "service_dates[0]"} <= set(boxes[0])
    x0, y0, x1, y1 = boxes[0]["total"]
    assert 0 <= x0 < x1 and 0 <= y0 < y1  # pixels of the delivered page


def test_locale_choice_and_default_mix(tmp_path: Path) -> None:
    assert set(LOCALE_LAYOUTS["in"]) == {"hospital_in", "pharmacy_in"} and LOCALE_LAYOUTS["us"] == LAYOUTS
    assert not set(NEW) & set(LAYOUTS)  # the default mix (and so every seed's documents) is unchanged
    results = generate(tmp_path, count=2, seed=3, layouts=("clinic_sg",), formats=("digital_pdf",), workers=1)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert [m["layout"] for m in manifest] == ["clinic_sg", "clinic_sg"] and len(results) == 2
    assert all(m["currency"] == "SGD" for m in manifest)


def test_cli_locale_option(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from claimflow.cli.main import app

    out = tmp_path / "set"
    r = CliRunner().invoke(app, ["samples", "generate", "--out", str(out), "--count", "2", "--seed", "4",
                                 "--locale", "in", "--formats", "digital_pdf", "--workers", "1"])
    assert r.exit_code == 0, r.output
    layouts = {m["layout"] for m in json.loads((out / "manifest.json").read_text())}
    assert layouts <= {"hospital_in", "pharmacy_in"}
    r = CliRunner().invoke(app, ["samples", "generate", "--out", str(out), "--count", "1", "--locale", "xx"])
    assert r.exit_code != 0 and "unknown locale" in r.output


# --- the normalizers and label families -------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "amount", "currency"), [
    ("2,09,763.00", "209763.00", None),
    ("Rs.2,09,763.00", "209763.00", "INR"),
    ("Rs. 44004.19", "44004.19", "INR"),
    ("₹1,02,34,567.50", "10234567.50", "INR"),
    ("INR 12,500.00", "12500.00", "INR"),
    ("RS.500.00", "500.00", "INR"),
    ("S$12.30", "12.30", "SGD"),
    ("RM 1,234.50", "1234.50", "MYR"),
])
def test_parse_money_reads_indian_grouping_and_rupee_signs(text: str, amount: str, currency: str | None) -> None:
    value = parse_money(text)
    assert value is not None and value.amount == Decimal(amount) and value.currency == currency


@pytest.mark.parametrize("text", ["12,34.50", "2,09,76.00", "20,9763.00"])
def test_parse_money_rejects_malformed_grouping(text: str) -> None:
    assert parse_money(text) is None


def test_currency_and_day_first_of_an_indian_bill() -> None:
    assert currency_of("Grand Total: Rs. 44,004.19") == "INR"
    assert currency_of("Net Amount ₹2,09,763.00") == "INR"
    # tesseract reads the rupee sign as a yen sign; the words say which it is
    assert currency_of("Grand Total: ¥36,541.42\nRupees Thirty Six Thousand ... Only") == "INR"
    assert currency_of("Total ¥3,600.00") == "JPY"
    raws = find_dates("Bill Date 05-02-2024  DOA: 03/02/24  Exp 12-Mar-2024")
    assert len(raws) == 3
    assert infer_day_first(raws, currency=None, locale_text="GSTIN: 27ABCDE1234F1Z5")
    assert infer_day_first(find_dates("Visit Date: 03/02/2025"), locale_text="No. 87, Jalan Tun Razak, Sdn. Bhd.")
    assert [r.resolve(day_first=True) for r in raws] == [dt.date(2024, 2, 5), dt.date(2024, 2, 3),
                                                         dt.date(2024, 3, 12)]


@pytest.mark.parametrize(("label", "role"), [
    ("Grand Total", Role.total), ("Net Amount", Role.total), ("Amount Payable", Role.total),
    ("Net Payable", Role.total), ("Net Bill Amount", Role.total), ("Bill Amount", Role.total),
    ("Balance Payable", Role.balance), ("Less: Advance Paid", Role.payment), ("Advance Received", Role.payment),
    ("Less: Concession", Role.adjustment), ("Round Off", Role.adjustment), ("Gross Total", Role.subtotal),
    ("Gross Bill Amount", Role.subtotal), ("Total MRP", Role.subtotal),
])
def test_indian_summary_labels(label: str, role: Role) -> None:
    found = role_of(label)
    assert found is not None and found[0] is role


# --- end to end: a generated Indian hospital bill read back ----------------------------------------------------------


def _read_back(tmp_path: Path, seed: int, index: int, spec: Spec) -> tuple[dict, Extraction]:
    from claimflow.samples.generate import generate_one
    from claimflow.settings import Settings
    from extractors import extract_file

    r = generate_one(tmp_path, seed, index, spec)
    truth = json.loads((tmp_path / f"{r.name}.truth.json").read_text())
    return truth, extract_file(tmp_path / r.manifest["file"], Settings())


def test_extraction_reads_an_indian_hospital_bill(tmp_path: Path) -> None:
    truth, got = _read_back(tmp_path, 5, 1, Spec(layout="hospital_in", fmt="digital_pdf"))
    assert truth["currency"] == "INR" and got.currency == "INR"
    assert got.total == Decimal(truth["total"]) and got.total > Decimal("10000")  # grouped the Indian way
    assert got.service_dates[0].isoformat() == truth["service_dates"][0]  # the admission date, day first
    assert len(got.line_items) == len(truth["line_items"])  # every section of the table, not only the first


def test_extraction_reads_a_scanned_pharmacy_memo(tmp_path: Path) -> None:
    truth, got = _read_back(tmp_path, 5, 7, Spec(layout="pharmacy_in", fmt="png", dpi=200, capture="clean"))
    assert got.total == Decimal(truth["total"])
    assert got.service_dates[0].isoformat() == truth["service_dates"][0]


# --- hand rules on synthetic rows ------------------------------------------------------------------------------------


def test_an_amount_due_paid_in_cash_after_a_rounding_is_the_total() -> None:
    from synth_ocr import ocr_of

    from extractors.layout import build_rows, labelled_amounts
    from extractors.total import choose_total

    rows = build_rows(ocr_of(["Consultation 40.00", "Paracetamol 500mg 35.56", "Total Before Tax: 75.56",
                              "Rounding Adjustment: (0.01)", "Amount Due: RM 75.55", "Paid (Cash) 80.00",
                              "Change Due: 4.45"]))
    assert choose_total(labelled_amounts(rows), Decimal("75.56"), rows).total.amount.value.amount == Decimal("75.55")
    # a payment before the amount due still leaves it a balance, not the bill's total
    rows = build_rows(ocr_of(["Total Before Tax: 75.56", "Insurance Paid 50.00", "Amount Due: 25.56"]))
    choice = choose_total(labelled_amounts(rows), Decimal("75.56"), rows)
    assert choice.total is not None and choice.total.amount.value.amount == Decimal("75.56")


def test_sections_of_a_hospital_table_are_all_items() -> None:
    from synth_ocr import ocr_of

    from extractors.items import line_items
    from extractors.layout import build_rows

    def row(text: str, amount: str) -> str:  # the amount right-aligned in its column, as a table prints it
        return f"{text} {amount:>{60 - len(text)}}"

    rows = build_rows(ocr_of([
        row("S.No Particulars Qty Rate", "Amount"), "ROOM CHARGES",
        row("1 Room Rent - General Ward 3 1,800.00", "5,400.00"), row("2 Nursing Charges 3 600.00", "1,800.00"),
        row("Sub Total:", "7,200.00"), "LABORATORY", row("3 Complete Blood Count (CBC) 2 450.00", "900.00"),
        row("Sub Total:", "900.00"), "BILL SUMMARY", row("Room Charges", "7,200.00"), row("Laboratory", "900.00"),
        row("Grand Total: Rs.", "8,100.00")]))
    assert [it.amount.value.amount for it in line_items(rows)] == [Decimal("5400.00"), Decimal("1800.00"),
                                                                 Decimal("900.00")]


def test_an_indian_memo_header_opens_its_table() -> None:
    from synth_ocr import ocr_of

    from extractors.items import line_items
    from extractors.layout import build_rows

    rows = build_rows(ocr_of(["Qty. Product Name Batch No. Expiry Amt", "3 AMOXY-CLAV 625 TAB 65D509 JUL-26 595.38",
                              "1 ATORVASTATIN 10 TAB PD8354 SEP-25 72.74", "Total MRP: 668.12", "Less Disc 10%: 66.81",
                              "Net Amount: Rs. 601.31"]))
    assert [it.amount.value.amount for it in line_items(rows)] == [Decimal("595.38"), Decimal("72.74")]


def test_indian_bills_compose_into_a_bundle(tmp_path: Path) -> None:
    from claimflow.samples.bundle import generate_bundles

    [result] = generate_bundles(tmp_path, count=1, seed=3, layouts=("hospital_in", "pharmacy_in"),
                                formats=("digital_pdf",))
    entry = result.manifest
    assert entry["bills"][0]["layout"] == "hospital_in" and len(entry["bills"]) >= 2
    assert {b["layout"] for b in entry["bills"]} <= {"hospital_in", "pharmacy_in"}
