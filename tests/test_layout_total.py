"""The total is chosen by label, then arithmetic, then position; line items come from rows and columns."""

from __future__ import annotations

from decimal import Decimal

from extractors.items import line_items
from extractors.layout import Role, build_rows, choose_total, labelled_amounts, role_of
from synth_ocr import ocr_of


def _rows(lines: list[str]):  # type: ignore[no-untyped-def]
    return build_rows(ocr_of(lines))


def test_roles_of_summary_labels() -> None:
    assert role_of("Total Charges:") == (Role.total, 0)
    assert role_of("TOTAL") == (Role.total, 1)
    assert role_of("Balance Due") == (Role.balance, 0)
    assert role_of("Total Amount Due")[0] is Role.balance  # type: ignore[index]
    assert role_of("Amount Paid")[0] is Role.payment  # type: ignore[index]
    assert role_of("Less Payments")[0] is Role.payment  # type: ignore[index]
    assert role_of("Previous Balance")[0] is Role.previous  # type: ignore[index]
    assert role_of("Sub-total")[0] is Role.subtotal  # type: ignore[index]
    assert role_of("Sales Tax")[0] is Role.tax  # type: ignore[index]
    assert role_of("Plan Discount")[0] is Role.adjustment  # type: ignore[index]
    assert role_of("Total Qty") is None
    assert role_of("Office visit") is None


def test_total_charges_beat_balance_due_and_amount_paid() -> None:
    rows = _rows([
        "Balance Due: $80.00",
        "99213 Office visit 100.00",
        "Total Charges: $100.00",
        "Amount Paid: $20.00",
        "Balance Due: $80.00",
    ])
    choice = choose_total(labelled_amounts(rows), Decimal("100.00"))
    assert choice.total is not None
    assert choice.total.amount.value.amount == Decimal("100.00")
    assert choice.certainty == 1.0


def test_a_bare_total_is_weaker_than_total_charges() -> None:
    rows = _rows(["Total Charges 250.00", "Adjustments -50.00", "Total 200.00"])
    choice = choose_total(labelled_amounts(rows), None)
    assert choice.total is not None and choice.total.amount.value.amount == Decimal("250.00")


def test_label_on_the_row_above_its_amount() -> None:
    rows = _rows(["Total Amount:", "EUR 1.754,24", "Discount:", "(EUR 175,42)"])
    choice = choose_total(labelled_amounts(rows), None)
    assert choice.total is not None and choice.total.amount.value.amount == Decimal("1754.24")


def test_no_labelled_total_is_unknown_not_guessed() -> None:
    rows = _rows(["Office visit 100.00", "Amount Paid: 20.00", "Balance Due 80.00"])
    choice = choose_total(labelled_amounts(rows), None)
    assert choice.total is None
    assert choice.warnings


def test_conflicting_totals_lower_certainty_and_warn() -> None:
    rows = _rows(["TOTAL 12.00", "TOTAL 15.00"])
    choice = choose_total(labelled_amounts(rows), None)
    assert choice.total is not None and choice.certainty < 0.9 and choice.warnings


def test_line_items_from_a_table_with_wrapped_description() -> None:
    rows = _rows([
        "CPT   Description                         Qty   Amount",
        "99214 Office visit, established patient   1   231.27",
        "      moderate complexity",
        "87880 Rapid strep test                    2    60.00",
        "Subtotal 291.27",
        "Total Charges $291.27",
    ])
    items = line_items(rows)
    assert [(i.code, i.amount.value.amount, i.quantity) for i in items] == [
        ("99214", Decimal("231.27"), 1.0),
        ("87880", Decimal("60.00"), 2.0),
    ]
    assert items[0].description == "Office visit, established patient moderate complexity"


def test_line_items_without_a_header_need_a_code() -> None:
    rows = _rows(["J1885 Injection, ketorolac 15.00", "Parking 5.00", "Total 15.00"])
    items = line_items(rows)
    assert [(i.code, i.amount.value.amount) for i in items] == [("J1885", Decimal("15.00"))]


def test_a_garbled_total_label_is_bridged_by_the_arithmetic() -> None:
    rows = _rows([
        "Sub Total RM 68.87",
        "GST/TAX 6% : RM 4.13",
        "TOPs, ; RM 73.00",
        "CHANGE: RM 0.00",
    ])
    choice = choose_total(labelled_amounts(rows), None, rows)
    assert choice.total is not None and choice.total.amount.value.amount == Decimal("73.00")
    assert choice.certainty < 0.9 and any("label could not be read" in w for w in choice.warnings)


def test_no_unlabelled_amount_is_taken_when_the_arithmetic_does_not_confirm_it() -> None:
    rows = _rows([
        "Sub Total RM 68.87",
        "GST/TAX 6% : RM 4.13",
        "TOPs, ; RM 75.00",
    ])
    assert choose_total(labelled_amounts(rows), None, rows).total is None


def test_labels_ocr_glued_together_keep_their_role() -> None:
    assert role_of("TotalAmount:") == (Role.total, 0)
    assert role_of("SubTotal")[0] is Role.subtotal  # type: ignore[index]
    assert role_of("NetTotal")[0] is Role.total  # type: ignore[index]
    assert role_of("Totalizer") is None


def test_two_summary_cells_on_one_row() -> None:
    rows = _rows(["Total Saving 0.00 Total 77.20", "Qty 4 Rounding 0.00"])
    got = [(la.role, la.amount.value.amount) for la in labelled_amounts(rows)]
    assert (Role.total, Decimal("77.20")) in got
    assert choose_total(labelled_amounts(rows), None, rows).total.amount.value.amount == Decimal("77.20")  # type: ignore[union-attr]


def test_a_table_row_is_not_split_into_cells() -> None:
    rows = _rows(["99213 Office visit 1 150.00 150.00"])
    assert labelled_amounts(rows) == []


def test_amount_due_is_the_total_when_nothing_was_paid_or_adjusted() -> None:
    rows = _rows(["Sub Total 129.30", "Amt Due 129.30", "GST @6% 7.30"])
    choice = choose_total(labelled_amounts(rows), None, rows)
    assert choice.total is not None and choice.total.amount.value.amount == Decimal("129.30")
    assert choice.certainty < 0.8


def test_amount_due_after_a_payment_is_not_the_total() -> None:
    rows = _rows(["Amount Paid: $20.00", "Balance Due: $80.00"])
    assert choose_total(labelled_amounts(rows), None, rows).total is None
