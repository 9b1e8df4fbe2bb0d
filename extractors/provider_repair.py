"""OCR repairs inside a letterhead name, and the signs of a misread that no repair can undo.

A repair is made only where the reading is unambiguous, from the glyph shapes OCR engines confuse and the spelling
around them; there is no dictionary of shop names:

- in one word (:func:`repair_word`): "$/B" -> "S/B" (the "Sdn Bhd" abbreviation), "!" or "|" read for an "I" between
  capitals, or a "|" ending a word of capitals ("JIAWE|" -> "JIAWEI"), an "M" split into "ni" or "rn" inside a word
  of capitals ("HOniE" -> "HOME"), "Ihe" -> "The" (no word is spelled "Ihe"; "IHE" is left, an acronym too), and an
  underscore in a word for the full stop it is ("A_B" -> "A.B": letterheads print none);
- in the name (:func:`repair_name`): the legal suffix ("SON BHD" / "SIN BHD" -> "SDN BHD", "SDN HD" -> "SDN BHD",
  "S/D" at the end -> "S/B", "€M)" -> "(M)", a lone "6" or "8" between words of capitals -> "&") and a long
  business word a letter or two off ("ENJERPRISE" -> "ENTERPRISE").

What cannot be repaired is detected (:func:`misread`): a word whose capitals and lowercase letters are mixed in no
way a printer sets them ("HiJI", "O.T.Veeie"), a digit among dotted initials ("O.1.Y."), a lowercase scrap at the
end of a name in capitals ("99 SPEED MART cyn"), a last word cut to one letter ("HEALTHMART P"), a bracket without
its pair ("RENGIT ) SDN BHD"). Such a name has at least one wrong letter the reader cannot see, so the caller leaves
it empty rather than guess.
"""

from __future__ import annotations

import functools
import re

#: OCR confusions in a legal suffix, repaired only in the unambiguous spelling around them.
_PHRASE_REPAIRS: tuple[tuple[re.Pattern[str], str], ...] = (
    # "SON"/"SIN" before "BHD": a Malaysian private company's "Sdn Bhd"; a name word before a bare "Bhd" is rare
    (re.compile(r"\bS[IO0]N(?=[\s.,]+(?:\w\s+)?(?:BHD|8HD|BH0|HD)\b)", re.I), "SDN"),
    (re.compile(r"\b(SDN[.,]?)\s+(?:[0-9A-Za-z]\s+)?(?:8HD|BH0|8H0|BND|HD|BIID|BHO)\b", re.I), r"\1 BHD"),
    (re.compile(r"\b(SDN[.,]?)\s+[0-9a-z]\s+(BHD)\b", re.I), r"\1 \2"),
    (re.compile(r"\bSDNBHD\b", re.I), "SDN BHD"),
    # "S/D" or "S/8" ending a name: the bowl of a "B" lost or closed ("99 SPEED MART S/D"); no suffix reads "S/D"
    (re.compile(r"(?<=\w\s)S\s?/\s?[D8](?=[\s.,]*$)"), "S/B"),
    (re.compile(r"[€{\[(]M[)}\]]", re.I), "(M)"),
    (re.compile(r"(?:^|(?<=\s))[({\[]?[C(][O0][.,](?=\s*\(M\))", re.I), "CO."),
    (re.compile(r"¥"), "Y"),
    # "&" read as "6" or "8" standing alone between two words of capitals ("SALEM DRUG 6 APOTHECARY")
    (re.compile(r"(?<=[A-Z]{4}) [68] (?=[A-Z]{4})"), " & "),
)

#: Long words of business names; a word of the same length a letter off is a misread of one ("ENJERPRISE").
NAME_WORDS = frozenset(
    "ENTERPRISE TRADING RESTAURANT RESTORAN HARDWARE STATIONERY INTERNATIONAL MARKETING PERNIAGAAN SYARIKAT "
    "PASARAYA ELECTRICAL MACHINERY SUPERMARKET MINIMARKET HOLDINGS ASSOCIATES CORPORATION COMPANY LIMITED "
    "PHARMACY HOSPITAL MEDICAL LABORATORY LABORATORIES DIAGNOSTIC DIAGNOSTICS RADIOLOGY OPTICAL OPTOMETRY "
    "DENTISTRY PEDIATRICS PHYSICIANS APOTHECARY".split())
_NAME_WORDS_BY_LEN: dict[int, list[str]] = {}
for _w in sorted(NAME_WORDS):
    _NAME_WORDS_BY_LEN.setdefault(len(_w), []).append(_w)
#: Letters a word must have per misread letter repaired: 7-11 letters allow one ("ENJERPRISE"), 12 or more two
#: ("INTERNATEGNAL"). Two in a shorter word would turn real words into others ("GERIATRICS" -> "PEDIATRICS").
_LETTERS_PER_REPAIR = 6


def _repair_long_word(m: re.Match[str]) -> str:
    word = m.group(0)
    up = word.upper()
    if up in NAME_WORDS:
        return word
    allowed = len(up) // _LETTERS_PER_REPAIR
    for known in _NAME_WORDS_BY_LEN.get(len(up), ()):
        if sum(a != b for a, b in zip(known, up)) <= allowed:
            return known if word.isupper() else known.capitalize()
    return word


@functools.lru_cache(maxsize=4096)
def repair_name(text: str) -> str:
    """The legal suffix and long business words of a name, repaired where unambiguous (see the module docstring)."""
    for pattern, repl in _PHRASE_REPAIRS:
        text = pattern.sub(repl, text)
    return re.sub(r"\b[A-Za-z]{7,}\b", _repair_long_word, text)


#: "!" or "|" between capitals, or "|" ending a word of three or more capitals: the stroke of an "I" (an
#: exclamation mark ends a word, "OZ!", so a trailing "!" is left).
_BAR_FOR_I = re.compile(r"(?<=[A-Z])[!|](?=[A-Z])|(?<=[A-Z]{3})\|$")
#: "M" split into two lowercase glyphs between capitals ("HOniE"); the word is otherwise all capitals.
_SPLIT_M = re.compile(r"(?<=[A-Z])(?:ni|rn)(?=[A-Z]|$)")


@functools.lru_cache(maxsize=8192)
def repair_word(text: str) -> str:
    """One OCR word of a letterhead with glyph confusions undone where only one reading fits (module docstring)."""
    if text == "$/B":
        return "S/B"
    if text == "Ihe":
        return "The"
    if "_" in text and re.search(r"[A-Za-z]", text):
        text = text.replace("_", ".")  # no name is printed with an underscore: a full stop read low ("A_B")
    if re.search(r"[A-Z]{2}", text):
        text = _BAR_FOR_I.sub("I", text)
        split = _SPLIT_M.sub("M", text)
        if split != text and not re.search(r"[a-z]", split):
            text = split
    return text


#: How a printer sets a word: all capitals (an abbreviation's plural: "MDs"), all lowercase, or capitalised parts
#: ("Nando's", "McDonald", "BioTrace", "PhD").
_PRINTED_CASE = re.compile(r"[A-Z]+s?|[a-z]+|(?:[A-Z][a-z]+)+[A-Z]?")
_DOTTED_INITIALS = re.compile(r"^(?:[A-Z0-9]\.){2,}[A-Z0-9]?\.?$")
_PAIRS = {")": "(", "]": "[", "}": "{"}


def _brackets_balance(text: str) -> bool:
    stack: list[str] = []
    for c in text:
        if c in "([{":
            stack.append(c)
        elif c in _PAIRS:
            if not stack or stack.pop() != _PAIRS[c]:
                return False
    return not stack


def misread(name: str) -> str | None:
    """Why ``name`` (repaired) must hold a misread letter no repair can undo, or None when nothing shows one."""
    words = name.split()
    letters = [re.sub(r"[^A-Za-z]", "", w) for w in words]
    for word, alpha in zip(words, letters):
        # each part between apostrophes and hyphens is set on its own ("O'Brien", "Walk-In"); dots join initials
        parts = (re.sub(r"[^A-Za-z]", "", part) for part in re.split(r"['’-]", word))
        if any(part and not _PRINTED_CASE.fullmatch(part) for part in parts):
            return f"{word!r} mixes capitals and lowercase as no printer does"
        if _DOTTED_INITIALS.match(word.strip("(),")) and re.search(r"\d", word):
            return f"{word!r}: a digit among dotted initials"
    capitals = [a for a in letters if len(a) >= 2 and a.isupper()]
    if len(capitals) >= 2 and len(capitals) > len([a for a in letters if a]) / 2 and letters[-1].islower():
        return f"{words[-1]!r}: a lowercase scrap ends a name in capitals"
    if len(words) >= 2 and re.fullmatch(r"[A-Za-z]", words[-1]) and len(letters[-2]) >= 3:
        return f"{words[-1]!r}: a word cut to its first letter ends the name"
    if not _brackets_balance(name):
        return "a bracket without its pair: a fragment of the name or a misread"
    return None


__all__ = ["NAME_WORDS", "misread", "repair_name", "repair_word"]
