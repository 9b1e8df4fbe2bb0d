"""Money as OCR reads it → two-place Decimal (extractors.normalize.parse_money)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from extractors.normalize import currency_of, parse_money


@pytest.mark.parametrize(
    ("printed", "amount", "currency"),
    [
        ("$1,234.50", "1234.50", "USD"),
        ("1.234,50", "1234.50", None),
        ("1 234.50", "1234.50", None),
        ("RM 12.30", "12.30", "MYR"),
        ("RM12.30", "12.30", "MYR"),
        ("$ 9.00", "9.00", "USD"),
        ("€45,00", "45.00", "EUR"),
        ("(45.00)", "-45.00", None),
        ("-12.00", "-12.00", None),
        ("12.00-", "-12.00", None),
        ("$12,345,678.90", "12345678.90", "USD"),
        ("141,69 €", "141.69", "EUR"),  # the sign after the amount, as Europe prints it
        ("141,69€", "141.69", "EUR"),
    ],
)
def test_printed_amounts_are_read(printed: str, amount: str, currency: str | None) -> None:
    value = parse_money(printed)
    assert value is not None
    assert value.amount == Decimal(amount)
    assert str(value.amount) == amount  # always two places
    assert value.currency == currency
    assert value.repaired is False


@pytest.mark.parametrize(("printed", "amount"), [("12.5O", "12.50"), ("1O0.00", "100.00"), ("S4.l0", "54.10")])
def test_ocr_letters_in_digits_are_repaired_and_flagged(printed: str, amount: str) -> None:
    value = parse_money(printed)
    assert value is not None and value.amount == Decimal(amount) and value.repaired


@pytest.mark.parametrize(
    "text", ["1234", "2025", "99213", "3.5", "O.OO", "SOLD", "Total", "1,234", "12.345", "1,23,45.00", "(12.00", "",
             "€ 5,00 €"]
)
def test_things_that_are_not_money(text: str) -> None:
    assert parse_money(text) is None


def test_whole_amounts_only_when_asked() -> None:
    assert parse_money("1,234") is None
    value = parse_money("1,234", require_cents=False)
    assert value is not None and value.amount == Decimal("1234.00")


def test_document_currency_is_the_most_frequent_sign() -> None:
    assert currency_of("Subtotal RM 8.00\nTOTAL RM 9.00 $1") == "MYR"
    assert currency_of("Total charges $120.00") == "USD"
    assert currency_of("no amounts here") is None


def test_a_currency_sign_counts_only_beside_an_amount() -> None:
    # OCR reads stray marks as signs: a bill number "€1-0170778", a document number "C$60035863", "$$21/39"
    assert currency_of("BILL NO : €1-0170778\nDoc No. C$60035863\nNo.3, Jalan $$21/39\nTOTAL 15.00") is None
    # a euro sign printed after the amount (a credit after it too), a code as a column heading
    assert currency_of("TOTAL CHARGES: 649,94 €\nPayments Received: 129,99 €CR") == "EUR"
    assert currency_of("Qty Amt(RM)\nTOTAL 15.00") == "MYR"
    # a bare "$" on a Malaysian receipt is the ringgit, on a Singapore one Singapore's dollar
    assert currency_of("WARAKUYA SDN BHD\nJALAN PERMAS 9\nNett Total: $8.20\nCASH $8.20") == "MYR"
    assert currency_of("ORCHARD ROAD, SINGAPORE 238801\nTotal $12.50") == "SGD"
    assert currency_of("Springfield, IL 62701\nTotal $12.50") == "USD"


@pytest.mark.parametrize(("printed", "amount"), [("“31.00", "31.00"), ('64.80"', "64.80"), ("~50.00", "50.00")])
def test_quote_marks_glued_on_by_ocr_are_ignored(printed: str, amount: str) -> None:
    value = parse_money(printed)
    assert value is not None and value.amount == Decimal(amount) and not value.repaired


@pytest.mark.parametrize(
    ("printed", "amount", "currency"),
    [('~"""92 80', "92.80", None), ("64 13", "64.13", None), ("174.9", "174.90", None), ("—/18.00", "18.00", None),
     ("92 80.", "92.80", None), ("USD 33", "33.00", "USD"), ("$52;955.73", "52955.73", "USD"),
     ("CAS$63,756.36", "63756.36", "CAD"), ("CAS79,631.84", "79631.84", "CAD"), ("USS12.00", "12.00", "USD"),
     ("EUR 48,098,63", "48098.63", "EUR"), ("1.204.50", "1204.50", None)],  # the thousands mark read as the decimal
)
def test_a_summary_amount_garbled_by_ocr_is_read_leniently_and_flagged(printed: str, amount: str,
                                                                       currency: str | None) -> None:
    assert parse_money(printed) is None  # never read this way unless the caller knows the text stands for money
    value = parse_money(printed, lenient=True)
    assert value is not None and value.amount == Decimal(amount) and value.currency == currency and value.repaired


@pytest.mark.parametrize("text", ["2025-01-31", "12", "3 1", "12.00 50", "Total", "1234", "USD 166920",
                                  "=£0;591-15", "CAS", "CASH"])
def test_lenient_reading_still_refuses_what_is_not_money(text: str) -> None:
    assert parse_money(text, lenient=True) is None
