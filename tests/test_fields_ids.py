"""Member ids: a labelled value is read; scraps and date fragments are never taken as one."""

from __future__ import annotations

from extractors.fields import Entity, invoice_number, member_id
from extractors.layout import build_rows
from synth_ocr import ocr_of


def test_labelled_member_id() -> None:
    rows = build_rows(ocr_of(["Patient Name: Dylan Clark", "Member ID: W722311428"]))
    found = member_id(rows, [])
    assert found is not None and found.value == "W722311428"


def test_a_member_id_with_a_lowercase_slip_among_capitals_is_too_unsure_to_report() -> None:
    rows = build_rows(ocr_of(["Patient Name: Dylan Clark", "Member ID: WwW722311428"]))
    found = member_id(rows, [])
    assert found is not None and found.certainty <= 0.2  # below the floor a value is reported at
    found = member_id(build_rows(ocr_of(["Member ID: W722311428"])), [])
    assert found is not None and found.certainty > 0.5


def test_a_member_id_opened_by_a_small_letter_is_too_unsure_to_report() -> None:
    for line in ("Member ID: a663355", "Member ID: w73794882"):  # RZ794 663 355, W737914882 misread
        found = member_id(build_rows(ocr_of([line])), [])
        assert found is not None and found.certainty <= 0.2, line


def test_model_scraps_and_date_fragments_are_not_member_ids() -> None:
    rows = build_rows(ocr_of(["Statement 2025-01", "Ref G12"]))
    toks = rows[0].tokens
    ents = [Entity("MEMBER_ID", "2025-01", (toks[1],)), Entity("MEMBER_ID", "G12", (rows[1].tokens[1],))]
    assert member_id(rows, ents) is None


def test_a_label_ending_in_a_number_sign() -> None:
    # "Card #:" - the sign is the whole label word; OCR also split the suffix off with a space
    for line, want in (("Card #: 662753785 -03", "662753785-03"), ("Member #: W722311428", "W722311428")):
        found = member_id(build_rows(ocr_of(["RIVERSIDE DRUG", line])), [])
        assert found is not None and found.value == want


def test_a_coding_system_heading_under_an_unread_id_is_not_the_id() -> None:
    # OCR lost the id after "ID #"; the heading on the row below is the next section's, not the value
    assert member_id(build_rows(ocr_of(["ID # £8533", "ICD-10:", "R10.9 Abdominal pain"])), []) is None
    found = member_id(build_rows(ocr_of(["ID # EB533691431", "ICD-10:"])), [])
    assert found is not None and found.value == "EB533691431"


def test_a_quote_mark_glued_onto_part_of_an_id_is_dropped() -> None:
    # OCR read the space after the hyphen and glued a quote mark on: "MBR-2024- “739627"
    found = member_id(build_rows(ocr_of(["PATIENT MBR ID", "Sarah Russell MBR-2024- “739627 (447) 555-0162"])), [])
    assert found is not None and found.value == "MBR-2024-739627"


def test_a_letter_read_as_a_symbol_in_a_labelled_id() -> None:
    # "S42M6410386" under its column heading, its S read "$"; a "§" between digits is a 5; the label "Member #"
    # read "Member.#"
    cases = [(["BILL TO            INSURANCE ID      D.O.B.",
               "Brenda Mendoza     $42M6410386       1967-05-18"], "S42M6410386"),
             (["Member.# CTK4206§0255 Referred by: Dr. Jessica Fernandez"], "CTK420650255")]
    for lines, want in cases:
        found = member_id(build_rows(ocr_of(lines)), [])
        assert found is not None and found.value == want, lines
        assert found.certainty < 1.0  # read through a repair: less sure than a clean reading


def test_an_amount_is_never_repaired_into_an_id() -> None:
    # "$" before digits alone is money, not an S: nothing to repair, nothing taken
    assert member_id(build_rows(ocr_of(["Member ID: $4216.41"])), []) is None
    assert member_id(build_rows(ocr_of(["Member ID: $4216410386"])), []) is None


def test_a_hyphen_read_as_a_quote_mark_and_an_id_label_read_with_a_one() -> None:
    # the column heading "ID #" read "1D #"; the id's hyphen read as an opening quote after a space
    found = member_id(build_rows(ocr_of(["NAME                 1D #            D.O.B.",
                                                "Hannah L. Kowalski   583058181 “04   May 26, 1971"])), [])
    assert found is not None and found.value == "583058181-04"
    assert found.certainty < 1.0
    # a quote mark glued to the front of a whole id is still only dropped
    found = member_id(build_rows(ocr_of(["Member ID: “W722311428"])), [])
    assert found is not None and found.value == "W722311428"


def test_a_capital_read_twice_in_an_id() -> None:
    # tesseract read the wide "W" twice, first as a small "w"; or the "X" inside an id
    found = member_id(build_rows(ocr_of(["Member ID: wW491857904"])), [])
    assert found is not None and found.value == "W491857904" and found.certainty < 1.0
    found = member_id(build_rows(ocr_of(["Ins ID: WxXA476954720"])), [])
    assert found is not None and found.value == "WXA476954720"
    # a small letter before a different capital is the id as printed
    found = member_id(build_rows(ocr_of(["Member ID: xW491857904"])), [])
    assert found is not None and found.value == "xW491857904"


def test_an_id_misread_beside_its_label_is_not_replaced_by_the_number_below_it() -> None:
    # "Card #:" was followed by the id, misread with a "%"; the prescription number on the next row is not the id
    rows = build_rows(ocr_of(["Patient: TYLER MARTINEZ", "Card #: W51%236569", "Rx# 6521716"]))
    assert member_id(rows, []) is None
    toks = rows[2].tokens
    assert member_id(rows, [Entity("MEMBER_ID", "6521716", (toks[1],))]) is None
    # a label with nothing beside it still takes the value printed under it (a form's heading)
    rows = build_rows(ocr_of(["Patient: TYLER MARTINEZ", "Card #:", "W516236569"]))
    found = member_id(rows, [])
    assert found is not None and found.value == "W516236569"


def test_a_month_and_year_is_not_an_invoice_number() -> None:
    for text in ("Invoice No: Dec 2024", "Invoice No: Dec2024", "Invoice No: October 2024"):
        assert invoice_number(build_rows(ocr_of([text])), []) is None, text
    found = invoice_number(build_rows(ocr_of(["Invoice No: DEC2024-118"])), [])
    assert found is not None and found.value == "DEC2024-118"


def test_a_zero_read_as_the_letter_o_where_a_prefix_meets_its_number() -> None:
    for line, want in (("Subscriber ID: JNRO03905464", "JNR003905464"), ("Policy No. NLO39 541 588", "NL039 541 588"),
                       ("Member ID: W770473492", "W770473492")):
        found = member_id(build_rows(ocr_of([line])), [])
        assert found is not None and found.value == want, line
    # less surely than an id read as printed
    plain = member_id(build_rows(ocr_of(["Subscriber ID: JNR003905464"])), [])
    zeroed = member_id(build_rows(ocr_of(["Subscriber ID: JNRO03905464"])), [])
    assert plain is not None and zeroed is not None and zeroed.certainty < plain.certainty
    # an O that does not open digits, or an id too short to be a number with a prefix, is left as read
    for line, want in (("Member ID: XOD123456789", "XOD123456789"), ("Member ID: ABO12", "ABO12")):
        found = member_id(build_rows(ocr_of([line])), [])
        assert found is not None and found.value == want, line


def test_an_id_two_rows_under_its_heading_when_a_photo_split_the_heading_row() -> None:
    # the form's heading row sloped in the photo: "PATIENT" fell onto a row of its own between "INSURED ID" and the
    # values; the value under "INSURED ID" is two rows down
    lines = ["                INSURED ID     DATE OF BIRTH",
             "PATIENT",
             "John Porter     S55K0130162    04-19-1943"]
    found = member_id(build_rows(ocr_of(lines)), [])
    assert found is not None and found.value == "S55K0130162"
    # a title's word is no field label: "DENTAL SERVICES INVOICE" does not take the member id two rows down
    lines = ["DENTAL SERVICES INVOICE", "NAME", "Sandra W.       MBR-2021-514947"]
    assert invoice_number(build_rows(ocr_of(lines)), []) is None


def test_a_y_read_as_a_yen_sign_in_an_id() -> None:
    found = member_id(build_rows(ocr_of(["Member ID: J¥473 415 822"])), [])
    assert found is not None and found.value == "JY473 415 822"


def test_a_j_read_as_a_closing_bracket_in_an_id() -> None:
    found = member_id(build_rows(ocr_of(["Subscriber ID: P18)8790499"])), [])
    assert found is not None and found.value == "P18J8790499" and found.certainty < 1
    found = member_id(build_rows(ocr_of(["Member ID: (P18)8790499"])), [])  # a bracket opened: not a J
    assert found is None or found.value != "P18J8790499"


def _ent(rows, row: int, text: str, label: str = "MEMBER_ID") -> Entity:  # type: ignore[no-untyped-def]
    return Entity(label, text, tuple(t for t in rows[row].tokens if t.text in text.split()))


def test_a_number_the_model_marks_on_a_shop_receipt_is_not_a_member_id() -> None:
    # no member label anywhere near: a petrol grade, a phone number after the shop's GST id, a product code
    rows = build_rows(ocr_of(["PETRON BATU 7", "(GST ID No: 000504664064)", "Tel No. 03-4162-2318",
                              "RON95 28.93 L 59.30", "PARTNER E/LOPE W4292 4.50"]))
    for row, text in ((3, "RON95"), (2, "03-4162-2318"), (4, "W4292")):
        assert member_id(rows, [_ent(rows, row, text)]) is None, text
    # the same model vote under a heading OCR garbled is the member id: the label's words are near it
    for heading, line, value in (("PATIENT D# PHONE", "Christian Ruiz W801674305 382-555-0168", "W801674305"),
                                 ("GUARANT h ER 10 PHONE", "Linh Hunt A10P2906179 (779) 555-0155", "A10P2906179"),
                                 ("Patient: CAROLYN A. FOX", "Memher ID: U29R7437733", "U29R7437733")):
        rows = build_rows(ocr_of(["VISION SERVICES INVOICE", heading, line]))
        found = member_id(rows, [_ent(rows, 2, value)])
        assert found is not None and found.value == value, heading
    rows = build_rows(ocr_of(["Receipt # INV-2024-49161", "Cad #: MBR-2025-889551"]))  # "Card #:" misread
    found = member_id(rows, [_ent(rows, 1, "MBR-2025-889551")])
    assert found is not None and found.value == "MBR-2025-889551"


def test_an_s_read_with_a_stray_dollar_and_a_page_number_under_a_question() -> None:
    found = invoice_number(build_rows(ocr_of(["Patient: Helen Morgan   Invoice # S$T883700"])), [])
    assert found is not None and found.value == "ST883700"
    # "this bill?" is a question, not a label; the page number under it is no invoice number
    rows = build_rows(ocr_of(["Questions about this bill? Call 860.555.0169", "Page 1 of 1"]))
    assert invoice_number(rows, []) is None


def test_an_insured_id_heading_cut_by_ocr() -> None:
    # "(SURED ID": the heading's "INSURED" lost its first letters; the id under it is still the member id
    rows = build_rows(ocr_of(["| ALL TO                  (SURED ID", "Robert B. Marshall       J¥473 415 822"]))
    found = member_id(rows, [])
    assert found is not None and found.value == "JY473 415 822"


def test_an_npi_label_with_its_last_letter_misread() -> None:
    from extractors.fields import npi

    for line in ("NPE 2084722844", "Prowder NPt 1465639205", "NPIL # 1591134683", "NPI @ 1594355806"):
        found = npi(build_rows(ocr_of([line])))
        assert found is not None and found.value == line.split()[-1], line
    assert npi(build_rows(ocr_of(["NPE 2084722845"]))) is None  # the check digit fails: not an NPI


def test_a_tax_id_with_its_label_or_hyphen_misread_or_split_in_two() -> None:
    from extractors.fields import tax_id

    for line, want in (("Provider NPI: 2842099014 TIN: 75,7408654", "75-7408654"),  # a comma for the hyphen
                       ("NPI: 1406792899 Tax [D: 26-3859540", "26-3859540"),  # "ID" read "[D"
                       ("Fed Tax ID: 63-7967$51", "63-7967551"),  # a 5 read as $
                       ("Tax ID: 63-4888 180", "63-4888180")):  # split in two by OCR
        found = tax_id(build_rows(ocr_of([line])))
        assert found is not None and found.value == want, line
    assert tax_id(build_rows(ocr_of(["Tax ID: 63-4888 18"]))) is None  # eight digits: not an EIN


def test_an_id_whose_digit_groups_are_set_wide_apart() -> None:
    # a justified receipt sets the groups two characters apart (here twice the words' height): still one id; a number
    # a column away (four times the height) is not part of it
    found = member_id(build_rows(ocr_of(["Plan ID: CD247    720    279"])), [])
    assert found is not None and found.value.replace(" ", "") == "CD247720279"
    found = member_id(build_rows(ocr_of(["Plan ID: CD247        720"])), [])
    assert found is not None and found.value == "CD247"


def test_an_id_set_in_groups_of_three_with_a_short_group_has_lost_a_digit() -> None:
    # joined, "NE794 161 65" became the wrong id NE79416165; cut short, NE794 161 would be wrong too: left for review
    for line in ("Mbr ID: NE794 161 65", "Insurance ID: LW577 52 911"):
        assert member_id(build_rows(ocr_of([line])), []) is None, line
    found = member_id(build_rows(ocr_of(["Mbr ID: NE794 161 658"])), [])
    assert found is not None and found.value == "NE794 161 658"
    found = member_id(build_rows(ocr_of(["Member ID: MBR-2021-51 8307"])), [])  # one id split once: still joined
    assert found is not None and found.value == "MBR-2021-518307"


def test_an_id_ends_in_no_hyphen_and_a_speck_between_its_digits_is_no_full_stop() -> None:
    found = member_id(build_rows(ocr_of(["Member ID: H72T0528377 -"])), [])
    assert found is not None and found.value == "H72T0528377"
    found = member_id(build_rows(ocr_of(["Policy Number: 8071.34895-02"])), [])
    assert found is not None and found.value == "807134895-02" and found.certainty < 1
    assert member_id(build_rows(ocr_of(["Plan ID: 12.50"])), []) is None  # too short for an id with a speck in it


def test_an_mbr_id_heading_with_its_id_lost_still_heads_the_id() -> None:
    rows = build_rows(ocr_of(["BILL TO             MBR                 D.O.B.",
                              "Sharon Ellis        TL023 061 080       06-05-1964"]))
    found = member_id(rows, [])
    assert found is not None and found.value == "TL023 061 080"
    # an id that opens with MBR is no label for what follows it
    found = member_id(build_rows(ocr_of(["Member ID: MBR-2021-518307"])), [])
    assert found is not None and found.value == "MBR-2021-518307"


def test_a_label_whose_i_ocr_glued_to_the_word_before_and_a_misread_date_under_an_id_heading() -> None:
    found = member_id(build_rows(ocr_of(["InsuranceI D: MBR-2023-486966"])), [])
    assert found is not None and found.value == "MBR-2023-486966"
    # 12-JAN-57 read as "12JANS7" in the column under MEMBER ID: a date, not the id
    rows = build_rows(ocr_of(["PATIENT             MEMBER ID", "Carl Simmons        12JANS7"]))
    assert member_id(rows, []) is None


def test_a_label_word_ocr_split_in_two_still_labels_the_id() -> None:
    for line in ("Insu rance ID: 883900527-03.", "Insure ID: T43U5164614"):
        found = member_id(build_rows(ocr_of(["Date of Birth: 06/20/1967", line])), [])
        assert found is not None and found.value == line.split(": ")[1].rstrip("."), line


def test_an_id_the_model_found_under_a_garbled_number_heading() -> None:
    # "POLICY NUMBER" read "POLK NUMBER": the heading's NUMBER vouches for the id under it ...
    rows = build_rows(ocr_of(["NAME            POLK NUMBER     PHONE",
                              "Sandra Lewis    T81Y5768094     (286) 555-0197"]))
    found = member_id(rows, [_ent(rows, 1, "T81Y5768094")])
    assert found is not None and found.value == "T81Y5768094"
    # ... but not the number of the receipt or the till
    rows = build_rows(ocr_of(["RECEIPT NUMBER", "A7963147"]))
    assert member_id(rows, [_ent(rows, 1, "A7963147")]) is None
