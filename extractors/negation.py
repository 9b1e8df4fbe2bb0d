"""Negation of a condition in clinical text, NegEx style: trigger phrases before or after it, within its sentence.

"Ruled out pneumonia", "No evidence of fracture", "Patient denies chest pain", "Sepsis was excluded",
"R/O pneumonia - negative" are negated; "Pneumonia" and "Pneumonia, no fever" (the trigger is after a comma and
names another condition) are not. A scope ends at a sentence end or at a conjunction that turns the meaning ("but").
"""

from __future__ import annotations

import re

_PRE = re.compile(
    r"\b(?:ruled\s+out|rule[sd]?\s+out\s+for|no\s+(?:evidence|sign|signs|findings|history|symptoms)\s+of|"
    r"no\s+(?:acute|active)?\s*|denie[sd](?:\s+(?:any|symptoms\s+of|history\s+of))?|negative\s+for|"
    r"free\s+of|absence\s+of|without(?:\s+(?:evidence|signs?)\s+of)?|not\s+(?:consistent\s+with|suggestive\s+of)|"
    r"excluded|r/o(?=.*\bnegative\b))\s*$",
    re.I,
)
_POST = re.compile(
    r"^\s*[,:]?\s*(?:(?:was|is|has\s+been|were|been)\s+)?(?:ruled\s+out|excluded|negative|not\s+(?:present|found|seen)"
    r"|unlikely|absent)\b|^\s*[-–—:]\s*(?:negative|neg|ruled\s+out|excluded)\b",
    re.I,
)
_SCOPE_END = re.compile(r"[.;!?\n]|\bbut\b|\bhowever\b|\bwith\b(?!out)", re.I)


def is_negated(text: str, start: int, end: int) -> bool:
    """Whether the condition at ``text[start:end]`` is negated in its sentence."""
    before = text[:start]
    cut = max((m.end() for m in _SCOPE_END.finditer(before)), default=0)
    before = before[cut:]
    after = text[end:]
    m = _SCOPE_END.search(after)
    # the post-trigger may sit after a dash or comma but not past the sentence end
    after_scope = after[: m.start()] if m and m.group(0) not in {"-"} else after
    if _PRE.search(before):
        return True
    if re.search(r"\br/o\s*$", before, re.I) and re.search(r"\bneg(?:ative)?\b", after_scope, re.I):
        return True
    return bool(_POST.match(after_scope))


__all__ = ["is_negated"]
