"""claimflow's spaCy pieces, registered under versioned names (new behaviour gets a new version; old ones stay).

- ``claimflow.RowTokenizer.v1``: the tokenizer. claimflow builds a Doc's text from OCR rows (words separated by a
  space, rows by a newline), so tokens are split on exactly those characters; a trained model therefore sees the same
  tokens at training and at run time, and every token maps back to one OCR word (its evidence).
- ``claimflow_dx_codes`` (``claimflow_dx_codes.v1``): ICD-10-CM code tokens validated with simple-icd-10-cm, OCR
  confusions repaired only into valid codes; written to ``doc.spans["dx_codes"]`` with ``span._.icd_code``.
- ``claimflow_negation`` (``claimflow_negation.v1``): sets ``span._.negated`` on DIAGNOSIS / DX_CODE entities and on
  ``doc.spans["dx_codes"]`` from the trigger phrases around them in their sentence.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import registry
from spacy.vocab import Vocab

from extractors import icd
from extractors.negation import is_negated

_TOKEN = re.compile(r"\n|[^ \n]+")

if not Span.has_extension("icd_code"):
    Span.set_extension("icd_code", default=None)
if not Span.has_extension("negated"):
    Span.set_extension("negated", default=False)


class RowTokenizer:
    """Split on single spaces; each newline is its own token (a row break the model can see)."""

    def __init__(self, vocab: Vocab) -> None:
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        words: list[str] = []
        spaces: list[bool] = []
        for m in _TOKEN.finditer(text):
            words.append(m.group(0))
            spaces.append(text[m.end() : m.end() + 1] == " ")
        return Doc(self.vocab, words=words, spaces=spaces)

    def pipe(self, texts: Iterable[str], batch_size: int = 1000) -> Iterable[Doc]:
        for t in texts:
            yield self(t)

    # nothing to save: the behaviour is the code, named by its registered version
    def to_bytes(self, **_: Any) -> bytes:
        return b""

    def from_bytes(self, _data: bytes, **_: Any) -> RowTokenizer:
        return self

    def to_disk(self, _path: str | Path, **_: Any) -> None:
        return None

    def from_disk(self, _path: str | Path, **_: Any) -> RowTokenizer:
        return self


@registry.tokenizers("claimflow.RowTokenizer.v1")
def create_row_tokenizer() -> Callable[[Language], RowTokenizer]:
    def make(nlp: Language) -> RowTokenizer:
        return RowTokenizer(nlp.vocab)

    return make


_CODE_SHAPE = re.compile(r"^[(\[]?([A-Z][0-9OIlSBZG][0-9A-Z](?:[.,]?[0-9A-Z]{1,4})?)[)\],;:.]*$", re.I)
_DX_CONTEXT = re.compile(r"\b(?:diagnos[ie]s|dx|icd[-\s]?10|assessment|impression)\b", re.I)


@Language.factory(
    "claimflow_dx_codes",
    assigns=["doc.spans"],
    default_config={"spans_key": "dx_codes", "require_context_without_dot": True},
)
def make_dx_codes(nlp: Language, name: str, spans_key: str, require_context_without_dot: bool) -> DxCodes:
    return DxCodes(spans_key, require_context_without_dot)


class DxCodes:
    """Version 1: a code with its dot counts anywhere; without a dot only on a row that names diagnoses or where
    the model tagged it DX_CODE."""

    version = "claimflow_dx_codes.v1"

    def __init__(self, spans_key: str, require_context_without_dot: bool) -> None:
        self.spans_key = spans_key
        self.require_context = require_context_without_dot

    def __call__(self, doc: Doc) -> Doc:
        tagged = {t.i for e in doc.ents if e.label_ == "DX_CODE" for t in e}
        spans: list[Span] = []
        row_has_context = _row_flags(doc, _DX_CONTEXT)
        for tok in doc:
            m = _CODE_SHAPE.match(tok.text)
            if not m:
                continue
            has_dot = bool(re.search(r"[.,]", m.group(1)))
            if self.require_context and not has_dot and not (row_has_context[tok.i] or tok.i in tagged):
                continue
            code = icd.normalize_code(m.group(1))
            if code is None:
                continue
            span = Span(doc, tok.i, tok.i + 1, label="DX_CODE")
            span._.icd_code = code.code
            spans.append(span)
        doc.spans[self.spans_key] = spans
        return doc


def _row_flags(doc: Doc, pattern: re.Pattern[str]) -> list[bool]:
    flags = [False] * len(doc)
    start = 0
    for i in range(len(doc) + 1):
        if i == len(doc) or doc[i].text == "\n":
            hit = bool(pattern.search(doc[start:i].text)) if i > start else False
            for j in range(start, i):
                flags[j] = hit
            start = i + 1
    return flags


@Language.factory("claimflow_negation", assigns=["span._.negated"], default_config={"spans_key": "dx_codes"})
def make_negation(nlp: Language, name: str, spans_key: str) -> Negation:
    return Negation(spans_key)


class Negation:
    version = "claimflow_negation.v1"

    def __init__(self, spans_key: str) -> None:
        self.spans_key = spans_key

    def __call__(self, doc: Doc) -> Doc:
        targets = [e for e in doc.ents if e.label_ in ("DIAGNOSIS", "DX_CODE")]
        targets += list(doc.spans.get(self.spans_key, []))
        for span in targets:
            row_start = span.start
            while row_start > 0 and doc[row_start - 1].text != "\n":
                row_start -= 1
            row_end = span.end
            while row_end < len(doc) and doc[row_end].text != "\n":
                row_end += 1
            row = doc[row_start:row_end]
            offset = row.start_char
            span._.negated = is_negated(row.text, span.start_char - offset, span.end_char - offset)
        return doc


__all__ = ["DxCodes", "Negation", "RowTokenizer", "create_row_tokenizer"]
