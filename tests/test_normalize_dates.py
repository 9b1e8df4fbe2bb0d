"""Printed dates → ISO dates, with the day/month order decided per document (extractors.normalize)."""

from __future__ import annotations

import datetime as dt

import pytest

from extractors.normalize import find_dates, infer_day_first, parse_date


@pytest.mark.parametrize(
    "printed",
    ["03/07/2025", "2025-03-07", "Mar 7, 2025", "07-MAR-25", "March 7th, 2025", "7 March 2025", "03.07.2025",
     "Date of service: 3/7/25", "2025/03/07"],
)
def test_us_formats_read_month_first(printed: str) -> None:
    assert parse_date(printed) == dt.date(2025, 3, 7)


def test_day_first_reading_of_ambiguous_numeric_date() -> None:
    assert parse_date("03/07/2025", day_first=True) == dt.date(2025, 7, 3)
    assert parse_date("Mar 7, 2025", day_first=True) == dt.date(2025, 3, 7)  # spelled month: never ambiguous


def test_unambiguous_numeric_dates_ignore_the_order() -> None:
    assert parse_date("25/12/2018 8:13:39 PM") == dt.date(2018, 12, 25)
    assert parse_date("12/25/2018", day_first=True) == dt.date(2018, 12, 25)


def test_consistency_proves_the_order_for_the_whole_document() -> None:
    raws = find_dates("Invoice 15/01/2019   Due 02/03/2019")
    assert infer_day_first(raws) is True
    assert raws[1].resolve(day_first=infer_day_first(raws)) == dt.date(2019, 3, 2)
    assert infer_day_first(find_dates("01/15/2019 and 02/03/2019")) is False


def test_locale_decides_when_nothing_proves_it() -> None:
    raws = find_dates("12-01-19")
    assert infer_day_first(raws, currency="MYR") is True
    assert infer_day_first(raws, currency="USD") is False
    assert infer_day_first(raws) is False


@pytest.mark.parametrize("text", ["Phone 555-12-1234", "13/13/2020", "Feb 30, 2024", "99213 12.50", "1/2",
                                  "QTY 30. 12.68", "10. 05.25"])
def test_non_dates(text: str) -> None:
    assert parse_date(text) is None


def test_several_dates_in_order_with_spans() -> None:
    text = "DOB 1980-02-29  DOS Mar 7, 2025"
    raws = find_dates(text)
    assert [r.resolve(day_first=False) for r in raws] == [dt.date(1980, 2, 29), dt.date(2025, 3, 7)]
    assert text[raws[1].start : raws[1].end] == "Mar 7, 2025"


def test_two_digit_years_are_never_far_in_the_future() -> None:
    assert parse_date("DOB 23-AUG-64") == dt.date(1964, 8, 23)
    assert parse_date("DOS 07-MAR-25") == dt.date(2025, 3, 7)


@pytest.mark.parametrize(
    ("printed", "iso"),
    [
        ("Date 25/12/7018 8:13 PM", "2018-12-25"),  # year 7018: 7 read for 2
        ("Date : 36/03/2018", "2018-03-30"),  # day 36: 6 read for 0
        ("30/83/2018 11:18 PM", "2018-03-30"),  # month 83: 8 read for 0
        ("Date: 2618-03-23", "2018-03-23"),  # year 2618
    ],
)
def test_one_ocr_digit_confusion_is_undone_and_flagged(printed: str, iso: str) -> None:
    (raw,) = find_dates(printed)
    assert raw.repaired
    assert raw.resolve(day_first=True).isoformat() == iso


@pytest.mark.parametrize("printed", ["99/99/9999", "2025-13-45", "Tel 07-355 2616", "45/45/2018"])
def test_no_date_is_made_up_when_no_single_confusion_explains_it(printed: str) -> None:
    assert find_dates(printed) == []


def test_a_valid_date_is_never_repaired() -> None:
    (raw,) = find_dates("Service date 2018-03-23")
    assert not raw.repaired and (raw.year, raw.first, raw.second) == (2018, 3, 23)


def test_a_time_of_day_is_not_a_date() -> None:
    assert [(r.year, r.first, r.second) for r in find_dates("Date 06/01/18 12.17.26 PM")] == [(2018, 6, 1)]


def test_a_truncated_year_is_not_read_as_a_two_digit_year() -> None:
    assert find_dates("DATE: 20/03/20%E") == []


def test_locale_words_outweigh_a_stray_currency_sign() -> None:
    raws = find_dates("12/03/18")
    assert infer_day_first(raws, currency="USD", locale_text="Lot 6, Jalan Batai (GST REG NO 000243941376)") is True


def test_a_month_name_one_ocr_edit_away_is_read_and_flagged() -> None:
    (raw,) = find_dates("Arthrocentesis 20610 Macch 12, 2025 24.00")
    assert raw.repaired and raw.resolve(day_first=False) == dt.date(2025, 3, 12)


def test_a_word_that_is_not_near_one_month_is_not_a_date() -> None:
    assert find_dates("Total 12, 2025") == []
    assert find_dates("Annual 12, 2025") == []


def test_a_stray_mark_between_month_and_day() -> None:
    assert parse_date("Date Jun°23, 2025 10:29") == dt.date(2025, 6, 23)


def test_a_tight_dotted_date_with_a_short_year_is_still_a_date() -> None:
    assert parse_date("Date 30.12.24", day_first=True) == dt.date(2024, 12, 30)
    assert parse_date("Date 30. 12. 2024", day_first=True) == dt.date(2024, 12, 30)


def test_a_year_past_next_year_is_read_through_one_confusion_when_only_one_fits() -> None:
    (raw,) = find_dates("18 Mar 2048 18:25")  # a thermal "1" read as "4"
    assert raw.repaired and raw.resolve(day_first=True) == dt.date(2018, 3, 18)
    (far,) = find_dates("Coverage through 12/31/2030")  # no single confusion makes it plausible: kept as printed
    assert not far.repaired and far.resolve(day_first=False) == dt.date(2030, 12, 31)


def test_a_month_name_date_with_its_year_misread_out_of_range_is_read_through_one_confusion() -> None:
    # "2025" with its 0 read as 6: past any year a date can hold, so read as the one plausible year
    for printed in ("Fill date: April 4, 2625 12:07", "4 Apr 2625"):
        (raw,) = find_dates(printed)
        assert raw.repaired and raw.resolve(day_first=False) == dt.date(2025, 4, 4), printed
    assert find_dates("Jul 19, 9999") == [] and find_dates("Feb 30, 2025") == []  # no single confusion fits


@pytest.mark.parametrize(("printed", "iso"), [("O7/O1/18 14:41", "2018-01-07"), ("Date l2/03/2024", "2024-03-12")])
def test_letters_read_for_digits_in_a_numeric_date(printed: str, iso: str) -> None:
    (raw,) = find_dates(printed)
    assert raw.repaired and raw.resolve(day_first=True).isoformat() == iso


def test_letters_in_words_are_not_turned_into_dates() -> None:
    assert find_dates("Invoice No 10O/2/2019 Ref OO1/22/2019 DOLL/OI/IO") == []


@pytest.mark.parametrize(("printed", "iso"), [("2703/2018 NN CS-20243", "2018-03-27"), ("Date 27/032018", "2018-03-27")])
def test_a_numeric_date_with_one_separator_lost_is_read_and_flagged(printed: str, iso: str) -> None:
    (raw,) = find_dates(printed)
    assert raw.repaired and raw.resolve(day_first=True).isoformat() == iso


@pytest.mark.parametrize("text", ["Invoice 1234/2018", "INV-2703/2018", "Ref 12345/2018", "Qty 2703/2018x"])
def test_a_number_over_a_year_is_not_a_date_with_a_lost_separator(text: str) -> None:
    assert find_dates(text) == []


def test_a_month_name_that_lost_its_first_letter_is_read_and_flagged() -> None:
    (raw,) = find_dates("Date of Service: une 12, 2025")  # June's J not read
    assert raw.repaired and raw.resolve(day_first=False) == dt.date(2025, 6, 12)
    (raw,) = find_dates("uly 4, 2025")
    assert raw.resolve(day_first=False) == dt.date(2025, 7, 4)


@pytest.mark.parametrize("text", ["Day 12, 2025", "Way 3, 2024", "Pay 12, 2025", "Ave 12, 2025"])
def test_a_three_letter_word_one_letter_off_may_is_not_a_date(text: str) -> None:
    assert find_dates(text) == []


@pytest.mark.parametrize(("printed", "iso"), [("Date: 06-0CT-24 16:19", "2024-10-06"), ("N0V 3, 2025", "2025-11-03")])
def test_the_o_of_a_month_read_as_a_zero(printed: str, iso: str) -> None:
    (raw,) = find_dates(printed)
    assert raw.repaired and raw.resolve(day_first=False) == dt.date.fromisoformat(iso)


@pytest.mark.parametrize("text", ["IBUPROFEN 200MG 100CT 12.99", "LORATADINE 10MG 30CT 2025"])
def test_a_pharmacy_count_is_not_an_october_date(text: str) -> None:
    assert find_dates(text) == []  # "100CT": a hundred tablets, not 10 0CT(ober)


def test_an_iso_date_split_after_a_separator_is_one_date() -> None:
    first, second = find_dates("INV-2025-20108 2024-09- 12, 2024-10-01")
    assert first.resolve(day_first=False) == dt.date(2024, 9, 12)
    assert second.resolve(day_first=False) == dt.date(2024, 10, 1)
    assert find_dates("2024-1 0-21") == []  # split inside a number: no date is made of the pieces
