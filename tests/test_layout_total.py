"""The total is chosen by label, then arithmetic, then position; line items come from rows and columns."""

from __future__ import annotations

from decimal import Decimal

from extractors.items import line_items
from extractors.layout import Role, build_rows, labelled_amounts, role_of
from extractors.total import choose_total
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


def test_what_a_pharmacy_asks_the_patient_to_pay_is_the_balance_due() -> None:
    for label in ("YOU PAY", "PATIENT PAYS", "[Balence:", "[Belance", "it Due:", "AMOUNT DU"):  # OCR misreads too
        assert role_of(label) == (Role.balance, 0), label
    assert role_of("Due Date:") is None and role_of("balances past due") is None
    rows = build_rows(ocr_of(["TOTAL RX USD 75.29", "PLAN PAID USD 37.65 cR", "PATIENT PAYS USD 37.64"]))
    got = {la.role: la.amount.value.amount for la in labelled_amounts(rows)}
    # the plan's payment is a credit, read "cR" as well as "CR"
    assert got[Role.payment] == Decimal("-37.65") and got[Role.balance] == Decimal("37.64")


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


def test_a_total_row_lost_entirely_is_what_two_independent_sums_agree_on() -> None:
    # the "TOTAL CHARGES" row was not read at all; subtotal + tax and balance + payment share no printed amount
    rows = _rows(["Lipid panel 80061 93.45", "Subtotal: $312.95", "Tax: $0.00", "Insurance Paid: -$62.59",
                  "Balance Due: $250.36"])
    choice = choose_total(labelled_amounts(rows), Decimal("93.45"), rows)
    assert choice.total is not None and choice.total.amount.value.amount == Decimal("312.95")
    assert choice.certainty < 0.9 and any("no total could be read" in w for w in choice.warnings)
    # one sum alone invents no total
    rows = _rows(["Lipid panel 80061 93.45", "Subtotal: $312.95", "Tax: $0.00", "Insurance Paid: -$62.59"])
    assert choose_total(labelled_amounts(rows), Decimal("93.45"), rows).total is None


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


def test_total_labels_ocr_misread_keep_their_role() -> None:
    assert role_of("Totat:") == (Role.total, 1)
    assert role_of("Subtotil") == (Role.subtotal, 0)  # inside the word: not a line item "Subtotil 1,182.67"
    assert role_of("TOTA! RM") is not None and role_of("TOTA! RM")[0] is Role.total  # type: ignore[index]
    # "Total Billed" with the "Total" misread past any repair still names the billed total, more weakly
    assert role_of("Tal Billed") == (Role.total, 1)
    assert role_of("7 t al Billed:") == (Role.total, 1)
    assert role_of("Billed To:") is None and role_of("Billed on") is None


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


# --- receipts: labels, garbled amounts, rounding, witnesses -------------------------------------------------------


def _total(lines: list[str], items_sum: Decimal | None = None):  # type: ignore[no-untyped-def]
    rows = _rows(lines)
    return choose_total(labelled_amounts(rows), items_sum, rows)


def test_receipt_summary_labels() -> None:
    assert role_of("Total Sales (Excluding GST) :")[0] is Role.subtotal  # type: ignore[index]
    assert role_of("Total (Excluding GST):")[0] is Role.subtotal  # type: ignore[index]
    assert role_of("Gross Amount :")[0] is Role.subtotal  # type: ignore[index]
    assert role_of("SUB - TOTAL")[0] is Role.subtotal  # type: ignore[index]
    assert role_of("Total (Inclusive of GST):") == (Role.total, 0)
    assert role_of("Total Salesttaclusive of GST) :") == (Role.total, 0)  # OCR's spelling of "(Inclusive"
    assert role_of("Total After Adj Incl GST") == (Role.total, 0)
    assert role_of("After Rounding") == (Role.total, 0)
    assert role_of("Net Amt :")[0] is Role.total  # type: ignore[index]
    assert role_of("TOTAL POINTS:") is None
    assert role_of("Total GST")[0] is Role.tax  # type: ignore[index]


def test_a_stray_bar_is_not_read_as_a_leading_one() -> None:
    got = [la.amount.value.amount for la in labelled_amounts(_rows(["Total (RM): | 112.46"]))]
    assert got == [Decimal("112.46")]


def test_a_garbled_summary_amount_is_read_leniently() -> None:
    (la,) = labelled_amounts(_rows(['Grand Total ~"""92 80']))
    assert la.role is Role.total and la.amount.value.amount == Decimal("92.80") and la.amount.value.repaired
    assert labelled_amounts(_rows(["Invoice 2 15"])) == []  # no money label: not read as 2.15


def test_a_column_header_is_not_the_label_of_the_row_below() -> None:
    rows = _rows(["CPT Description DOS Total", "93000 Electrocardiogram, complete 05-JUN-25 85.56"])
    assert [la for la in labelled_amounts(rows) if la.role is Role.total] == []


def test_total_points_is_not_the_total() -> None:
    choice = _total(["TOTAL POINTS: 0.00", "SUB-TOTAL : 13.00", "TOTAL 13.80", "CASH 13.80", "CHANGE 0.00"])
    assert choice.total is not None and choice.total.amount.value.amount == Decimal("13.80")


def test_the_total_after_rounding_supersedes_the_one_before() -> None:
    choice = _total(["Total (Excluding GST): 21.30", "GST payable (6%): 1.31", "Total (Inclusive of GST): 23.26",
                     "Rounding Adj: ~0.0)", "TOTAL: 23.25"])
    assert choice.total is not None and choice.total.amount.value.amount == Decimal("23.25")
    # even when the pre-rounding total is the one cash tendered − change confirms
    choice = _total(["Sub-total 17.76", "Total Sales Incl GST 17.76", "Total After Adj Incl GST 17.70",
                     "CASH 50.76", "Change 33.00"])
    assert choice.total is not None and choice.total.amount.value.amount == Decimal("17.70")


def test_a_rounding_adjustment_below_the_total_is_applied() -> None:
    # printed again below (its sign lost by OCR): that amount, confirmed by cash − change
    choice = _total(["TOTAL 60.31", "ROUNDING ADJ 0.01", "RM 60.30", "CASH 70.30", "CHANGE 10.00"])
    assert choice.total is not None and choice.total.amount.value.amount == Decimal("60.30")
    assert choice.total.amount.row.index == 2
    # not printed again: applied where it lands on the 5-cent cash step, less surely and with a warning
    choice = _total(["Total Sales (Incl GST 6%) RM 64.13", "Rounding Adjustment RM 0.02"])
    assert choice.total is not None and choice.total.amount.value.amount == Decimal("64.15")
    assert choice.total.amount.value.repaired and choice.certainty < 0.95 and choice.warnings


def test_a_misread_total_is_repaired_when_two_witnesses_agree() -> None:
    rows = _rows(["Sub Total 106.10", "Total GST 6.37", "Rounding -0.02", "Total 112.46", "Cash 120.00",
                  "Change 7.55"])
    choice = choose_total(labelled_amounts(rows), None, rows)
    assert choice.total is not None and choice.total.amount.value.amount == Decimal("112.45")
    assert choice.total.amount.row.index == 3  # the evidence box of the total row
    assert choice.certainty <= 0.7 and choice.total.amount.value.repaired
    assert any("disagrees" in w for w in choice.warnings)
    choice = _total(["Subtotal 16.98", "Tax 1.02", "TOTAL 48.00", "CASH 18.00"])  # arithmetic and amount tendered
    assert choice.total is not None and choice.total.amount.value.amount == Decimal("18.00")


def test_one_witness_repairs_a_reading_one_slip_away_unless_a_slip_in_a_term_explains_it() -> None:
    # 153.36 rounded to the cash step; "3.35" lost its leading digits, which no slip in one term explains
    choice = _total(["SUB-TOTAL 144.68", "TOTAL TAX 8.68", "ROUNDING ??", "TOTAL 3.35"])
    assert choice.total is not None and choice.total.amount.value.amount == Decimal("153.35")
    # 43.00 + 0.78 + 0.02 = 43.80, but the subtotal read 13.00 as 43.00 explains "13.80" as well: the reading stays
    choice = _total(["SUB-TOTAL : 43.00", "GOV TAX : 0.78", "ROUNDING : 0.02", "TOTAL 13.80"])
    assert choice.total is not None and choice.total.amount.value.amount == Decimal("13.80")


def test_arithmetic_alone_never_invents_a_total() -> None:
    assert _total(["Sub Total 68.87", "GST 6% 4.13", "Thank you"]).total is None
    choice = _total(["Sub Total 68.87", "GST 6% 4.13", "TOTAL 80.00"])  # far from 73.00: the reading stays
    assert choice.total is not None and choice.total.amount.value.amount == Decimal("80.00")


def test_a_total_row_lost_is_the_value_the_line_items_and_the_arithmetic_agree_on() -> None:
    # a fold line garbled the "Total Charges" row; the items sum to what the payments and the balance due add up to
    lines = ["ce EC CT ANON ee eee", "Less Payments: ($ 110.44)", "Balance Due: $ 110.44"]
    choice = _total(lines, Decimal("220.88"))
    assert choice.total is not None and choice.total.amount.value.amount == Decimal("220.88")
    assert choice.certainty < 0.7 and "line items and the arithmetic" in choice.warnings[0]
    assert choice.total.amount.row.index == 2  # evidenced by the balance due it was computed from
    # items that do not add up to the arithmetic (some left unread) witness nothing: the total stays unknown
    assert _total(lines, Decimal("181.88")).total is None
    assert _total(lines, None).total is None


def test_the_tax_summary_table_is_not_the_total() -> None:
    choice = _total(["SUB-TOTAL (EX) 26.00", "TOTAL TAX : 1.56", "ROUNDING -0.01", "CASH 27.55",
                     "TAX CODE % AMOUNT TAX", "SR 6.00 26.00 1.56", "TOTAL : 26.00 1.56"])
    assert choice.total is not None and choice.total.amount.value.amount == Decimal("27.55")


def test_a_total_read_in_parentheses_counts_when_the_payment_confirms_it() -> None:
    choice = _total(["Total Sales (Excluding GST) : 45.00", "Total GST 2.70",
                     "Total Sales (Inclusive of GST) : ( 47.70)", "CASH: 47.70", "Change : 0.00"])
    assert choice.total is not None and choice.total.amount.value.amount == Decimal("47.70")


def test_cash_tendered_is_never_negative() -> None:
    choice = _total(["Total RM Incl. of GST 9.65", "Cash -50.00", "CHANGE 40.35"], items_sum=Decimal("29.65"))
    assert choice.total is not None and choice.total.amount.value.amount == Decimal("9.65")
    assert choice.certainty == 1.0  # confirmed by 50.00 − 40.35


def test_a_misspelt_change_still_pairs_with_the_cash() -> None:
    choice = _total(["SUBTOTAL: 28.60", "TL: RM 28.60", "6% GST 0.07", "CASH 100.00", "CASH SHANGE 71.40"])
    assert choice.total is not None and choice.total.amount.value.amount == Decimal("28.60")


def test_a_subtotal_printed_with_the_tax_in_witnesses_an_unreadable_total() -> None:
    choice = _total(["Gross Amount : 40.00", "Total GST Amt : 2.40", "Sub Total : 42.40", "Total (RM) Saag"])
    assert choice.total is not None and choice.total.amount.value.amount == Decimal("42.40")
    assert choice.certainty <= 0.7 and choice.warnings


def test_statement_total_repaired_from_balance_and_payments() -> None:
    # medical statement: total charges = payments + amount due; "672.98" is one slip from 672.08
    choice = _total(["Total Charges: 672.98", "Payments Received USD 134.42", "Amount Due: USD 537.66"])
    assert choice.total is not None and choice.total.amount.value.amount == Decimal("672.08")
    assert choice.total.amount.row.index == 0


def test_amount_due_is_not_the_total_when_an_adjustment_row_is_unreadable() -> None:
    assert _total(["Adjustments: see reverse", "Amount Due: 80.00"]).total is None


def test_a_tax_line_read_as_zero_is_a_term_of_the_arithmetic() -> None:
    # "$" read as "8" before the total; the subtotal + a zero sales tax, and balance + payment, both give 415.67
    choice = _total(["Sub-total: $ 415.67", "Sales Tax: $ 0.00", "TOTAL CHARGES: 8 415.67",
                     "Payment - Thank You: -$ 207.84", "Pay This Amount: $ 207.83"])
    assert choice.total is not None and choice.total.amount.value.amount == Decimal("415.67")
    assert choice.total.amount.value.repaired


def _photo_receipt(engine_lines: bool):  # type: ignore[no-untyped-def]
    """A receipt photographed in perspective: each amount at the right edge sits 21 px above its label (the line
    slopes), and each line is one line as the OCR engine read it (when ``engine_lines``)."""
    from claimflow.model import BBox, Word

    ocr = ocr_of(["x"])
    words, y = [], 100
    for n, (label, amount) in enumerate((("SUB-TOTAL", "62.64"), ("SALES TAX", "0.00"), ("TOTAL", "GBP 62.64"))):
        words.append(Word(text=label, bbox=BBox(x0=240, y0=y, x1=420, y1=y + 26), confidence=0.96, line=n))
        for i, part in enumerate(amount.split()[::-1]):
            x1 = 990 - i * 110
            words.append(Word(text=part, bbox=BBox(x0=x1 - 90, y0=y - 21, x1=x1, y1=y + 2), confidence=0.96,
                              line=n if engine_lines else 10 + n))
        y += 46
    return build_rows(ocr.model_copy(update={"pages": [ocr.pages[0].model_copy(update={"words": words})]}))


def test_a_sloping_line_the_ocr_engine_read_as_one_stays_one_row() -> None:
    rows = _photo_receipt(engine_lines=True)
    assert [r.text for r in rows] == ["SUB-TOTAL 62.64", "SALES TAX 0.00", "TOTAL GBP 62.64"]
    choice = choose_total(labelled_amounts(rows), None)
    assert choice.total is not None and choice.total.amount.value.amount == Decimal("62.64")
    # without the engine's lines the boxes alone do not tell: each amount is a row of its own
    assert len(_photo_receipt(engine_lines=False)) == 6


def test_an_engine_line_over_two_stacked_words_does_not_join_their_rows() -> None:
    from claimflow.model import BBox, Word

    ocr = ocr_of(["x"])
    words = [Word(text="Subtotal", bbox=BBox(x0=100, y0=100, x1=260, y1=126), confidence=0.9, line=0),
             Word(text="40.00", bbox=BBox(x0=600, y0=100, x1=690, y1=126), confidence=0.9, line=0),
             Word(text="Tax", bbox=BBox(x0=100, y0=140, x1=160, y1=166), confidence=0.9, line=1),
             Word(text="3.20", bbox=BBox(x0=600, y0=140, x1=690, y1=166), confidence=0.9, line=0)]
    rows = build_rows(ocr.model_copy(update={"pages": [ocr.pages[0].model_copy(update={"words": words})]}))
    assert [r.text for r in rows] == ["Subtotal 40.00", "Tax 3.20"]


def test_a_zero_total_over_items_that_cost_something_is_not_the_bills_total() -> None:
    # a photographed receipt's rows drift: "TOTAL CHARGES" lands beside the tax row's "0.00"
    lines = ["SUB TOTAL", "SALES TAX", "TOTAL CHARGES 0.00", "PLAN PAID $ 88.01"]
    assert _total(lines, Decimal("88.01")).total is None  # left for review, not 0.00
    # a bill with nothing charged may total nothing
    choice = _total(["TOTAL CHARGES 0.00"], None)
    assert choice.total is not None and choice.total.amount.value.amount == Decimal("0.00")
