"""Line items from rows of word boxes: what scanned bills do to a table, and how the items are still read."""

from __future__ import annotations

from decimal import Decimal

from extractors.items import line_items
from extractors.layout import build_rows
from synth_ocr import ocr_of


def _items(*pages: list[str]):  # type: ignore[no-untyped-def]
    return line_items(build_rows(ocr_of(*pages)))


def _amounts(items) -> list[Decimal]:  # type: ignore[no-untyped-def]
    return [i.amount.value.amount for i in items]


def test_pharmacy_blocks_with_and_without_a_code() -> None:
    items = _items([
        "MAIN STREET CHEMIST",
        "Patient: ROBERT LEE",
        "DOB: Jul 20, 1943",
        "Rx# 6017560",
        "ALBUTEROL HFA 90 MCG INHALER",
        "NDC 87802-5713-79",
        "   QTY 2 50.00",
        "HAND SANITIZER 8 OZ",
        "   QTY 1 4.41 T",
        "SUB TOTAL 54.41",
        "TAX 0.36",
        "TOTAL $54.77",
    ])
    assert [(i.code, i.description, i.quantity, i.amount.value.amount) for i in items] == [
        ("87802-5713-79", "ALBUTEROL HFA 90 MCG INHALER", 2.0, Decimal("50.00")),
        (None, "HAND SANITIZER 8 OZ", 1.0, Decimal("4.41")),
    ]


def test_pharmacy_quantity_label_misread_and_amount_on_the_next_row() -> None:
    items = _items([
        "Rx# 2327112",
        "AMOXICILLIN 500 MG CAPSULE",
        "NOC 73657-2360-91",
        "   ary 30",
        "                              22.00",
        "VITAMIN D3 1000 IU",
        "   Ory 1 14.00 T",
        "SUB TOTAL 36.00",
    ])
    assert _amounts(items) == [Decimal("22.00"), Decimal("14.00")]
    assert items[0].quantity == 30.0 and items[0].description == "AMOXICILLIN 500 MG CAPSULE"
    assert items[1].description == "VITAMIN D3 1000 IU" and items[1].quantity == 1.0


def test_a_time_on_a_receipt_is_not_an_item() -> None:
    items = _items(["Receipt # 933975676", "Date 12-26-2024 15:02", "Patient: JOHN DOE",
                    "HAND SANITIZER", "QTY 1 4.41 T", "TOTAL 4.41"])
    assert _amounts(items) == [Decimal("4.41")]


def test_amounts_broken_by_ocr_are_read_back_as_repaired() -> None:
    items = _items([
        "Date        Service                          Code   Charges",
        "06/17/2025  Pharmacy, general                0250   130 00 |",
        "06/17/2025  Comprehensive metabolic panel    80053  222. 12)",
        "06/17/2025  Chest X-ray, 2 views             71046  58:38",
        "06/17/2025  IV push, single drug, initial    96374  398.00.",
        "Total Charges 808.50",
    ])
    assert _amounts(items) == [Decimal("130.00"), Decimal("222.12"), Decimal("58.38"), Decimal("398.00")]
    assert all(i.amount.value.repaired for i in items)
    assert [i.code for i in items] == ["0250", "80053", "71046", "96374"]


def test_an_amount_pushed_onto_its_own_row_joins_its_item() -> None:
    items = _items([
        "CPT   Date         Description                          Qty  Total",
        "74177 Oct 25, 2024 CT abdomen and pelvis with contrast       2,283.31",
        "                                                              344.19",
        "73610 Oct 25, 2024 X-ray ankle, complete, 3 views",
        "99222 Oct 25, 2024 Initial hospital care                      264.00",
        "Total Charges 2,891.50",
    ])
    assert [(i.code, i.amount.value.amount) for i in items] == [
        ("74177", Decimal("2283.31")), ("73610", Decimal("344.19")), ("99222", Decimal("264.00"))]
    assert items[1].description == "X-ray ankle, complete, 3 views"


def test_a_header_without_its_money_column_still_opens_the_table() -> None:
    items = _items([
        "DOS        Description /HCPCS Units",
        "2025-11-16 Influenza vaccine, quadrivalent 35.71",
        "2025-11-16 Electrocardiogram, complete 105.23",
        "Total Charge: 140.94",
    ])
    assert _amounts(items) == [Decimal("35.71"), Decimal("105.23")]
    assert items[0].description == "Influenza vaccine, quadrivalent"


def test_coded_rows_on_a_page_whose_header_was_not_read() -> None:
    page1 = ["Date Cd Svc", "07/20/2025 99238 Hospital discharge day management 198.00",
             "07/20/2025 J0696 Injection, ceftriaxone sodium, per 250 mg 35.00"]
    page2 = ["Date Code Service Units Amount", "07/20/2025 96361 IV hydration, each additional hour 96.19",
             "ACCOUNT SUMMARY", "Total Charges: USD 329.19"]
    items = _items(page1, page2)
    assert [(i.code, i.amount.value.amount) for i in items] == [
        ("99238", Decimal("198.00")), ("J0696", Decimal("35.00")), ("96361", Decimal("96.19"))]
    assert items[-1].description == "IV hydration, each additional hour"  # "ACCOUNT SUMMARY" is not continued


def test_a_code_in_a_column_right_of_the_description_and_a_zip_that_is_not_a_code() -> None:
    items = _items([
        "National Lab Partners",
        "Marion, IN 46926 USD 35,362.52",
        "Test Description",
        "Urine culture, colony count 87086 56.99",
        "Venipuncture, routine collection 36415 13.00",
        "Sub-total: $ 69.99",
    ])
    assert [(i.code, i.description, i.amount.value.amount) for i in items] == [
        ("87086", "Urine culture, colony count", Decimal("56.99")),
        ("36415", "Venipuncture, routine collection", Decimal("13.00")),
    ]


def test_ocr_letter_o_in_a_code_is_read_as_zero() -> None:
    items = _items(["| DO150 | 28 | Comprehensive oral evaluation, new patient   1    105.00 |",
                    "JO696 Injection, ceftriaxone sodium, per 250 mg   1    42.00", "Total 147.00"])
    assert [i.code for i in items] == ["D0150", "J0696"]
    assert items[0].description == "Comprehensive oral evaluation, new patient"
    assert items[0].quantity == 1.0 and items[0].amount.value.amount == Decimal("105.00")


def test_a_number_inside_the_description_is_not_the_quantity() -> None:
    items = _items(["Code  Description              Amount", "71046 Chest X-ray, 2 views 197.00",
                    "71046 Chest X-ray, 2 views   3    591.00"])
    assert [(i.description, i.quantity) for i in items] == [("Chest X-ray, 2 views", None),
                                                             ("Chest X-ray, 2 views", 3.0)]


def test_dated_statement_lines_without_a_header_or_codes() -> None:
    items = _items([
        "Itemized Hospital Statement",
        "Date of Birth: 1972-04-07",
        "2025-10-16 CT head without contrast 2,586.51",
        "2025-10-16 Subsequent hospital care, per day 206.97",
        "2025-10-17 Insurance payment -500.00",
        "TOTAL CHARGES: USD 2,793.48",
    ])
    assert [(i.description, i.amount.value.amount) for i in items] == [
        ("CT head without contrast", Decimal("2586.51")),
        ("Subsequent hospital care, per day", Decimal("206.97")),
    ]


def test_table_noise_rows_do_not_join_the_description() -> None:
    rows = build_rows(ocr_of([
        "Code  Description                 Amount",
        "0250  Pharmacy, general           135.24",
        "      ee | eta Se, ee | ett | nae",
        "0270  Medical/surgical supplies   272.49",
        "      sterile, per unit",
    ]))
    items = line_items(rows)
    assert [i.description for i in items] == ["Pharmacy, general", "Medical/surgical supplies sterile, per unit"]


def test_rows_in_the_amount_column_of_a_run_of_items_are_items_even_when_ocr_lost_the_code() -> None:
    items = _items([
        "                                                  Amount",
        "82728 Ferritin                                     66.77 |",
        "8 1001 Urinalysis, automated, with microscopy      29.00 |",
        "Bede! Lipid panel                                  35.30 |",
        "Deductible applied                                 50.00",
        "Total Charges: USD 131.07",
    ])
    assert [(i.code, i.description, i.amount.value.amount) for i in items] == [
        ("82728", "Ferritin", Decimal("66.77")),
        (None, "Urinalysis, automated, with microscopy", Decimal("29.00")),
        (None, "Bede Lipid panel", Decimal("35.30")),
    ]


def test_a_dated_row_that_lost_its_description_in_a_run_of_statement_lines() -> None:
    items = _items([
        "71046 2025-10-17 Chest X-ray, 2 views          222.32",
        "      2025-10-17                             1,175.32",
        "ACCOUNT SUMMARY",
        "TOTAL CHARGES: USD 1,397.64",
    ])
    assert [(i.code, i.description, i.amount.value.amount) for i in items] == [
        ("71046", "Chest X-ray, 2 views", Decimal("222.32")), (None, None, Decimal("1175.32"))]


def test_a_date_and_amount_printed_on_the_row_above_the_code_and_description() -> None:
    items = _items([
        "CPT Procedure",
        "                                            12-JAN-25   71.00",
        "93000 Electrocardiogram, complete",
        "                                            12-JAN-25  128.00",
        "94640 Nebulizer treatment",
        "                                          Total: $199.00",
    ])
    assert [(i.code, i.description, i.amount.value.amount) for i in items] == [
        ("93000", "Electrocardiogram, complete", Decimal("71.00")),
        ("94640", "Nebulizer treatment", Decimal("128.00")),
    ]


def test_a_retail_receipt_with_the_name_above_the_quantity_and_price_and_a_tax_summary_table() -> None:
    items = _items([
        "Item                   Qty     Total",
        "SR 100100000060-4Vege :",
        "           $5.50        1      $5.50",
        "SR 100100000006- Pork",
        "           $2.70        1      $2.70",
        "Total Amount: $8.20",
        "CASH $8.20",
        "| Tax Code  %   Amt (RM)",
        "| SR        6   7.74",
        "TotalAmount 8.20",
    ])
    assert [(i.description, i.amount.value.amount) for i in items] == [
        ("SR 100100000060-4Vege", Decimal("5.50")), ("SR 100100000006- Pork", Decimal("2.70"))]


def test_a_two_line_header_is_one_header() -> None:
    items = _items([
        "QTY UOM UNITAmt Exc. Amt Inc. GST",
        "                    Price Tax Tax Code",
        "MAGNUM ALMOND 90ML",
        " 1 WALK             4.50 4.50 4.50 ZRL",
        "*Total Qty: 1.00 4.50",
    ])
    assert _amounts(items) == [Decimal("4.50")]


def test_descriptions_keep_single_capitals_and_drop_tooth_surfaces_and_scraps() -> None:
    items = _items([
        "CDT   Tooth Surface Description                   Fee",
        "D2740 3     MO      Crown, porcelain/ceramic      1,463.00",
        "82306 ai Vitamin D, 25-hydroxy                     41.00",
        "'Jun 17, 2025 [Emergency department visit, high severity OO 99284 TE 735.26",
    ])
    assert [(i.code, i.description) for i in items] == [
        ("D2740", "Crown, porcelain/ceramic"), ("82306", "Vitamin D, 25-hydroxy"),
        ("99284", "Emergency department visit, high severity OO")]


def test_units_lost_by_ocr_follow_from_rate_and_charge() -> None:
    items = _items([
        "Date CPT/HCPCS Description                    Units Rate    Charge",
        "21/04/2025 99213 Office visit, established             88.00   176.00",
        "21/04/2025 36415 Routine venipuncture                  14.31    14.31",
    ])
    assert [i.quantity for i in items] == [2.0, 1.0]


def test_amounts_with_marks_after_them_or_broken_in_three() -> None:
    items = _items([
        "Code  Description                              Amount",
        "72148 MRI lumbar spine without contrast  |   1,114. 10, ie,",
        "87086 Urine culture, colony count        |   25. 00. Pt",
        "25605 Closed treatment of distal fracture     1, 577. 97)",
        "80053 Comprehensive metabolic panel           52.30 SR",
    ])
    assert _amounts(items) == [Decimal("1114.10"), Decimal("25.00"), Decimal("1577.97"), Decimal("52.30")]


def test_a_page_subtotal_does_not_end_a_table_that_goes_on_over_the_page() -> None:
    items = _items(
        ["Description                    Amount", "Office visit, established      120.00",
         "Page subtotal                  120.00"],
        ["Rapid strep test                 35.00", "Total charges                  155.00"],
    )
    assert [(i.description, i.amount.value.amount) for i in items] == [
        ("Office visit, established", Decimal("120.00")), ("Rapid strep test", Decimal("35.00"))]


def test_a_pharmacy_item_on_one_row_with_its_quantity_label() -> None:
    items = _items([
        "CITY PHARMACY",
        "RX 6017560 LISINOPRIL 10MG TAB   QTY: 30   $4.00",
        "RX# 6017561 ALBUTEROL HFA INHALER QTY: 1   $50.00",
        "TOTAL $54.00",
    ])
    assert [(i.description, i.quantity, i.amount.value.amount) for i in items] == [
        ("LISINOPRIL 10MG TAB", 30.0, Decimal("4.00")), ("ALBUTEROL HFA INHALER", 1.0, Decimal("50.00"))]


def test_a_misread_point_after_a_rate_and_an_amount_that_lost_its_leading_digits() -> None:
    items = _items([
        "Svc Date  CPT/Rev Service               Units   Rate      Charges",
        "05-AUG-24 96361   IV hydration, each hour  2   172.00     344/00",
        "05-AUG-24 0120    Room and board               ,255.89",
    ])
    assert [(i.code, i.amount.value.amount) for i in items] == [("96361", Decimal("344.00"))]
