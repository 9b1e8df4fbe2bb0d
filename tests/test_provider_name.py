"""The provider's name is read off the letterhead: the legal name, not a clerk's name, an address, a logo or a brand."""

from __future__ import annotations

import hashlib
from dataclasses import replace

from claimflow.model import BBox, Document, DocumentKind, OcrResult, Page, PageSource, Word
from extractors.fields import Entity
from extractors.layout import build_rows, evidence
from extractors.provider import provider_name

#: (text, glyph height in px, OCR confidence); consecutive spaces in the text leave a gap (a column break)
Line = tuple[str, int, float]
#: Marks where the OCR split one printed word into two touching words: "Clin⁀ic"
SPLIT = "⁀"


def _rows(lines: list[str | Line]):  # type: ignore[no-untyped-def]
    """Rows of a one-page document, 10 px per character; a line can set its glyph height and OCR confidence."""
    words: list[Word] = []
    y = 40
    for n, line in enumerate(lines):
        text, height, conf = (line, 20, 0.95) if isinstance(line, str) else line
        col = 0
        for part in text.split(" "):
            for piece in part.split(SPLIT):  # an OCR word split in two: boxes touching, no space between
                if piece:
                    box = BBox(x0=10 * col + 50, y0=y, x1=10 * (col + len(piece)) + 50, y1=y + height)
                    words.append(Word(text=piece, bbox=box, confidence=conf, line=n))
                col += len(piece)
            col += 1
        y += height + 12
    page = Page(number=1, width=1700, height=2200, source=PageSource.ocr, words=words,
                mean_confidence=sum(w.confidence for w in words) / len(words))
    sha = hashlib.sha256(repr(lines).encode()).hexdigest()
    doc = Document(path="r.png", sha256=sha, size_bytes=1, media_type="image/png", kind=DocumentKind.image, pages=1)
    return build_rows(OcrResult(document=doc, pages=[page], engine="test", engine_version="0"))


def _entity(rows, row: int, text: str) -> Entity:  # type: ignore[no-untyped-def]
    """A PROVIDER entity the model put on ``text`` in row ``row``."""
    toks = [t for t in rows[row].tokens if t.text in text.split()]
    return Entity("PROVIDER", text, tuple(toks))


RECEIPT_TAIL = [
    "NO.53 55,57 & 59, JALAN SAGU 18,",
    "TAMAN DAYA,",
    "81100 JOHOR BAHRU,",
    "TEL: 07-355 2616",
    "TAX INVOICE",
    "Cashier : MANIS",
    "Date : 25/12/2018 13:39",
]


def test_the_legal_name_beats_a_persons_name_printed_above_it() -> None:
    rows = _rows([("TAN WOON YANN", 24, 0.92), "BOOK TA.K (TAMAN DAYA) SDN BHD", "(CO.REG : 933109-X)", *RECEIPT_TAIL])
    found = provider_name(rows, [])
    assert found is not None
    assert found.value == "BOOK TA.K (TAMAN DAYA) SDN BHD"
    assert found.certainty >= 0.8


def test_a_name_broken_over_two_rows_is_joined() -> None:
    rows = _rows([("HOME MASTER HARDWARE &", 28, 0.92), ("ELECTRICAL", 30, 0.96), *RECEIPT_TAIL])
    found = provider_name(rows, [_entity(rows, 0, "HOME MASTER HARDWARE &")])
    assert found is not None and found.value == "HOME MASTER HARDWARE & ELECTRICAL"
    assert {t.row for t in found.tokens} == {0, 1}

    rows = _rows([("POPULAR BOOK", 47, 0.9), ("CO. (M) SDN BHD", 47, 0.9), "(Co. No. 113825-W)", *RECEIPT_TAIL])
    found = provider_name(rows, [_entity(rows, 0, "POPULAR BOOK")])
    assert found is not None and found.value == "POPULAR BOOK CO. (M) SDN BHD"

    # a complete name is not extended by the tagline under it
    rows = _rows([("THREE STOOGES", 21, 0.96), ("BISTRO & CAFE", 20, 0.94), "109, SS21/1A,", "DAMANSARA UTAMA"])
    found = provider_name(rows, [])
    assert found is not None and found.value == "THREE STOOGES"


def test_address_rows_are_not_taken() -> None:
    # the model tagged an address line; the letterhead is still the name
    rows = _rows(["ABC HO TRADING", "No.2&4, JALAN HARMONI 3/2,", "TAMAN DESA HARMONI,", "81100 JOHOR BAHRU"])
    found = provider_name(rows, [_entity(rows, 2, "TAMAN DESA HARMONI,")])
    assert found is not None and found.value == "ABC HO TRADING"

    # no name printed at all (it was a logo): no address line comes back as the provider
    rows = _rows(["(Co. No. 113825-W)", "No 8, Jalan 7/118B, Desa Tun Razak", "56000 Kuala Lumpur, Malaysia",
                  "SELANGOR DARUL EHSAN", "Tel : 03-9201 6281", "01/03/18 19:14 Slip No.: 0010104733"])
    found = provider_name(rows, [_entity(rows, 2, "Kuala Lumpur, Malaysia")])
    assert found is None or evidence(found.tokens, found.certainty).confidence < 0.30


def test_logo_garbage_is_not_taken() -> None:
    rows = _rows([("Apo dig", 40, 0.47), ("ee O. ees ———_ ee", 10, 0.28), ("PERNIAGAAN ZHENG HUI", 15, 0.8),
                  "JM0325955-V", "NO.59 JALAN PERMAS 9/6", "BANDAR BARU PERMAS JAYA", "SIMPLIFIED TAX INVOICE"])
    found = provider_name(rows, [])
    assert found is not None and found.value == "PERNIAGAAN ZHENG HUI"


def test_a_handwritten_note_and_a_brand_tagline_lose_to_the_legal_name() -> None:
    rows = _rows([("tan chay yee", 28, 0.93), ("$ * Home of Sticky Bones *", 22, 0.64),
                  ("Timeless Kitchenette Sdn Bhd", 14, 0.96),
                  "Company no : 1174703-K", "Lot 50, Floor 12, Sky Avenue Genting Highlands", "Guest Check"])
    found = provider_name(rows, [_entity(rows, 1, "Sticky Bones")])
    assert found is not None and found.value == "Timeless Kitchenette Sdn Bhd"


def test_legal_suffix_ocr_confusions_are_repaired_only_when_unambiguous() -> None:
    for printed, read in [("UNIHAKKA INTERNATIONAL SON BHD", "UNIHAKKA INTERNATIONAL SDN BHD"),
                          ("LIGHTROOM GALLERY, SDN HD", "LIGHTROOM GALLERY, SDN BHD"),
                          ("S.H.H. MOTOR SDN. 0 BHD.", "S.H.H. MOTOR SDN. BHD"),
                          ("MR D.I.Y. €M) SDN BHD", "MR D.I.Y. (M) SDN BHD")]:
        found = provider_name(_rows([printed, *RECEIPT_TAIL]), [])
        assert found is not None and found.value == read, printed
    # "SON" that is not before "BHD" is a word, not a misread suffix
    found = provider_name(_rows(["SON OF THE SEA TRADING", *RECEIPT_TAIL]), [])
    assert found is not None and found.value == "SON OF THE SEA TRADING"


def test_medical_letterhead_with_a_label_beside_it_and_patient_below() -> None:
    rows = _rows([
        ("KRM Kingston Regional Medical Center          Account Number: INV-2026-15053", 40, 0.97),
        "4464 College Ave                                    Billing Date: 07/17/2025",
        "Columbia, MO 65273                                  Balance Due: $49,859.20",
        "Tel (721) 555-0108 Fax 829.555.0150",
        "NPI # 2231702749",
        ("ITEMIZED STATEMENT", 36, 0.97),
        "Name:          Wei Kennedy                          Service Date: 06/22/2025",
    ])
    found = provider_name(rows, [_entity(rows, 0, "Kingston Regional Medical Center")])
    assert found is not None and found.value == "Kingston Regional Medical Center"
    assert found.certainty >= 0.8

    rows = _rows(["QUICKRX PHARMACY #1984", "2130 River Rd", "Clinton, IA 52712", "356-555-0184", "NPI: 1807316363",
                  "Receipt # 6271-614795", "Date: 09-04-2024 12:11", "Patient: ALICE GOMEZ"])
    found = provider_name(rows, [])
    assert found is not None and found.value == "QUICKRX PHARMACY #1984"


def test_a_weak_pick_is_less_certain_than_a_legal_name() -> None:
    weak = provider_name(_rows(["Hoane", *RECEIPT_TAIL]), [])
    strong = provider_name(_rows(["HOANE TRADING SDN BHD", *RECEIPT_TAIL]), [])
    assert weak is not None and strong is not None
    assert weak.certainty < strong.certainty


def test_nothing_to_read_gives_none() -> None:
    assert provider_name([], []) is None
    assert provider_name(_rows(["12/01/2018 10:22", "TOTAL 12.00", "CASH 20.00"]), []) is None


def test_a_business_word_misread_by_one_letter_is_repaired_but_a_plural_is_kept() -> None:
    found = provider_name(_rows([("PETRODELI ENJERPRISE", 32, 0.81), *RECEIPT_TAIL]), [])
    assert found is not None and found.value == "PETRODELI ENTERPRISE"
    found = provider_name(_rows(["SOON HUAT ENTERPRISES", *RECEIPT_TAIL]), [])
    assert found is not None and found.value == "SOON HUAT ENTERPRISES"


def test_owner_named_after_a_label_is_the_legal_name() -> None:
    rows = _rows([("Banh Mi Cafe", 32, 0.79), ("Dimiliki: banh mi cafe sdn bhd 1110644-Y", 32, 0.85),
                  "No. 1 Jalan Puteri 7/10", "Bandar Puteri, 47100 Puchong", "GUEST CHECK"])
    found = provider_name(rows, [])
    assert found is not None and found.value == "banh mi cafe sdn bhd"


def test_the_name_a_company_was_formerly_known_as_is_not_the_provider() -> None:
    old = ("Harbour Lights Restaurants Sdn Bhd", 24, 0.96)
    for lines in ([("Sri Tanjung Restaurants Sdn Bhd", 24, 0.93), "(65351-M)", "formerly known as", old],
                  [("Sri Tanjung Restaurants Sdn Bhd", 24, 0.93), ("(formerly Harbour Lights Restaurants Sdn Bhd)", 24,
                                                                    0.96)]):
        rows = _rows([*lines, "Licensee of Harbour Grill", *RECEIPT_TAIL])
        found = provider_name(rows, [_entity(rows, len(lines) - 1, old[0])])  # the model's vote for the old name
        assert found is not None and found.value == "Sri Tanjung Restaurants Sdn Bhd", lines


def test_summary_labels_on_a_page_without_a_letterhead_are_not_names() -> None:
    rows = _rows(["Sub Total:          401.63", "Amount Billed:      401.63", "Balance:        200.81", "Page 1 of 1"])
    assert provider_name(rows, []) is None


def test_glyph_confusions_inside_name_words_are_undone() -> None:
    # "$/B" is the "Sdn Bhd" abbreviation S/B: the owner's legal name under a brand line wins
    rows = _rows([("SUNRISE GRILL", 21, 0.87), ("Owned by Golden Lake $/B", 21, 0.74), "(1234567-T)", *RECEIPT_TAIL])
    found = provider_name(rows, [])
    assert found is not None and found.value == "Owned by Golden Lake S/B"
    for printed, read in [("LAMPU KEDA| ELECTRICAL", "LAMPU KEDAI ELECTRICAL"),  # a bar for an I
                          ("RES!AURANT MEIWAH", "RESTAURANT MEIWAH"),  # "!" for a letter, then the business word
                          ("HOniE LIGHT ELECTRICAL", "HOME LIGHT ELECTRICAL"),  # an M split in two
                          ("Ihe Corner Bakery Sdn Bhd", "The Corner Bakery Sdn Bhd"),
                          ("KEDAI RUNCIT A_B TRADING", "KEDAI RUNCIT A.B TRADING"),  # a full stop read low
                          ("GLOBAL INTERNATEGNAL SDN BHD", "GLOBAL INTERNATIONAL SDN BHD"),  # 13 letters, 2 off
                          ("KIM LEONG HARDWARE SIN BHD", "KIM LEONG HARDWARE SDN BHD"),
                          ("77 FRESH MART S/D", "77 FRESH MART S/B"),  # a B read as D in the suffix
                          ("SALEM DRUG 6 APOTHECARY", "SALEM DRUG & APOTHECARY"),  # an & read as 6
                          ("QUICKRX PHARMACY #5178 oh yf OH", "QUICKRX PHARMACY #5178"),  # a stamp after the number
                          (f"Lakeside Walk-In Clin{SPLIT}ic", "Lakeside Walk-In Clinic"),  # one word read as two
                          ("FUN! TOYS TRADING", "FUN! TOYS TRADING")]:  # "!" ending a word is an exclamation mark
        found = provider_name(_rows([printed, *RECEIPT_TAIL]), [])
        assert found is not None and found.value == read, printed
    # two letters off in a shorter word is another word, not a misread
    found = provider_name(_rows(["SUNNY GERIATRICS CLINIC", *RECEIPT_TAIL]), [])
    assert found is not None and found.value == "SUNNY GERIATRICS CLINIC"


def test_a_name_showing_a_misread_letter_is_left_empty() -> None:
    for printed in ["PERNIAGAAN LIM HiJI",  # capitals and lowercase mixed as no printer sets them
                    "MR O.1.Y. TRADING SDN BHD",  # a digit among dotted initials
                    "77 FRESH MART cyn",  # a lowercase scrap where the suffix was
                    "GOODHEALTH P",  # the last word cut to its first letter
                    "KAMPAR ) SDN BHD"]:  # the name began before an opening bracket that is not there
        found = provider_name(_rows([printed, *RECEIPT_TAIL]), [])
        assert found is None or evidence(found.tokens, found.certainty).confidence < 0.30, printed
    # how printers do set words is no sign of a misread
    for printed in ["BioTrace Labs", "32 PUB & BISTRO own by KLM TRADING", "MR. D.I.Y. (KUCHAI) SDN BHD",
                    "O'Brien Family Clinic"]:
        found = provider_name(_rows([printed, *RECEIPT_TAIL]), [])
        assert found is not None and found.value == printed
        assert evidence(found.tokens, found.certainty).confidence >= 0.6, printed


def test_a_logo_read_as_a_lowercase_word_before_the_models_name_is_dropped() -> None:
    rows = _rows([("fewwi Good Shepherd Medical Center", 36, 0.9), "3863 Sunset Blvd", "Springfield, IL 62780",
                  "Tel 561.555.0169"])
    found = provider_name(rows, [_entity(rows, 0, "Good Shepherd Medical Center")])
    assert found is not None and found.value == "Good Shepherd Medical Center"


def test_an_organisation_name_the_model_also_found_is_reported_as_near_certain() -> None:
    lines = ["Riverside Family Clinic", "4464 College Ave", "Columbia, MO 65273", "Tel (721) 555-0108"]
    rows = _rows(lines)
    voted = provider_name(rows, [_entity(rows, 0, "Riverside Family Clinic")])
    alone = provider_name(rows, [])
    assert voted is not None and alone is not None and voted.value == alone.value == "Riverside Family Clinic"
    assert voted.certainty >= 0.95  # right 256 times in 257 on the generated bills
    assert 0.75 <= alone.certainty < voted.certainty  # right 11 times in 11, a small sample


def _row_of_heights(words: list[tuple[str, int]], tail: list[str]):  # type: ignore[no-untyped-def]
    """Rows whose first line's words have their own glyph heights (a logo letter beside the name)."""
    rows = _rows([" ".join(w for w, _ in words), *tail])
    first = rows[0]
    toks = tuple(replace(t, bbox=BBox(x0=t.bbox.x0, y0=t.bbox.y1 - h, x1=t.bbox.x1, y1=t.bbox.y1))
                 for t, (_, h) in zip(first.tokens, words, strict=True))
    return [replace(first, tokens=toks), *rows[1:]]


def test_a_logos_capitals_before_the_name_are_not_part_of_it() -> None:
    rows = _row_of_heights([("S", 68), ("CityCare", 28), ("Walk-In", 22), ("Clinic", 22)], RECEIPT_TAIL)
    found = provider_name(rows, [])
    assert found is not None and found.value == "CityCare Walk-In Clinic"
    # a name in capitals keeps its first word, however big
    rows = _row_of_heights([("ABC", 68), ("MEDICAL", 28), ("GROUP", 28)], RECEIPT_TAIL)
    found = provider_name(rows, [])
    assert found is not None and found.value == "ABC MEDICAL GROUP"


def test_a_clear_first_word_outside_the_models_span_stays_but_a_logos_initials_go() -> None:
    # the model's PROVIDER span starts one word late: a clear short word is still the name's first
    rows = _rows(["TEO HENG STATIONERY & BOOKS", *RECEIPT_TAIL])
    found = provider_name(rows, [_entity(rows, 0, "HENG STATIONERY & BOOKS")])
    assert found is not None and found.value == "TEO HENG STATIONERY & BOOKS"
    # the logo's initials printed before the name are not
    rows = _rows(["SCF Stephens & Crawford Family Practice", "118 Oak Street, Suite 4", "Springfield, IL 62704"])
    found = provider_name(rows, [_entity(rows, 0, "Stephens & Crawford Family Practice")])
    assert found is not None and found.value == "Stephens & Crawford Family Practice"
    # a blurry first word the same size and spacing as the name is still its first (two readers agreed on it)
    rows = _rows(["TEO HENG STATIONERY & BOOKS", *RECEIPT_TAIL])
    rows[0] = replace(rows[0], tokens=(replace(rows[0].tokens[0], confidence=0.3), *rows[0].tokens[1:]))
    found = provider_name(rows, [_entity(rows, 0, "HENG STATIONERY & BOOKS")])
    assert found is not None and found.value == "TEO HENG STATIONERY & BOOKS"
    # but a blurry short read set apart from the name is a logo
    rows = _rows(["KRX    Good Shepherd Clinic", "118 Oak Street", "Springfield, IL 62704"])
    rows[0] = replace(rows[0], tokens=(replace(rows[0].tokens[0], confidence=0.3), *rows[0].tokens[1:]))
    found = provider_name(rows, [_entity(rows, 0, "Good Shepherd Clinic")])
    assert found is not None and found.value == "Good Shepherd Clinic"
    # nor is a blurry short read before it
    rows = _rows([("fet", 20, 0.4), "Good Shepherd Clinic", "118 Oak Street", "Springfield, IL 62704"])
    found = provider_name(rows, [_entity(rows, 0, "Good Shepherd Clinic")])
    assert found is not None and found.value == "Good Shepherd Clinic"
