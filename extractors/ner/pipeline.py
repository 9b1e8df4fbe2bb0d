"""The shipped spaCy pipeline: loading it, building its Doc from OCR rows, and mapping entities back to OCR words.

The trained model lives in ``extractors/ner/model/`` (committed; ``claimflow model train`` rebuilds it). Without it
claimflow still runs on its rule components and says so in ``Extraction.extractor``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from extractors.fields import Entity
from extractors.layout import Row, Token

log = logging.getLogger(__name__)

MODEL_DIR = Path(__file__).resolve().parent / "model"
LABELS = ("PROVIDER", "PATIENT", "MEMBER_ID", "DATE", "INVOICE_NO", "DIAGNOSIS", "DX_CODE", "PROC_CODE", "MONEY")
RULES_ONLY = "claimflow-rules/1 (no trained model)"

#: Where an OCR word is split into several tokens: after a label's colon or '#' glued to its value ("ID#:W123").
_SPLIT = re.compile(r"(?<=[:#])(?=[^\s:#])")


def blank() -> Language:
    """An empty claimflow pipeline: the row tokenizer and the rule components, no trained weights."""
    import spacy

    from extractors.ner import components  # noqa: F401  (registers the tokenizer and factories)

    nlp = spacy.blank("en", config={"nlp": {"tokenizer": {"@tokenizers": "claimflow.RowTokenizer.v1"}}})
    nlp.add_pipe("claimflow_dx_codes")
    nlp.add_pipe("claimflow_negation")
    return nlp


@cache
def load(path: Path | None = None) -> Language:
    """The shipped model (or the one at ``path``), loaded once per process."""
    import spacy

    from extractors.ner import components  # noqa: F401

    where = path or MODEL_DIR
    if (where / "config.cfg").exists():
        return spacy.load(where)
    log.warning("no trained NER model at %s; extracting with rules only", where)
    return blank()


def version(nlp: Language) -> str:
    if "ner" not in nlp.pipe_names:
        return RULES_ONLY
    return f"claimflow-ner/{nlp.meta.get('version', '0')} (spaCy {nlp.meta.get('spacy_version', '?')})"


@dataclass(frozen=True, slots=True)
class RowDoc:
    """The text the model reads, and for each of its tokens the OCR word it came from (None for row breaks)."""

    text: str
    tokens: tuple[Token | None, ...]


def row_doc(rows: Sequence[Row]) -> RowDoc:
    pieces: list[str] = []
    owners: list[Token | None] = []
    for k, row in enumerate(rows):
        if k:
            pieces.append("\n")
            owners.append(None)
        for tok in row.tokens:
            for part in _SPLIT.split(tok.text.replace("\n", " ").replace(" ", "_")):
                if part:
                    pieces.append(part)
                    owners.append(tok)
    text = ""
    for i, p in enumerate(pieces):
        if i and p != "\n" and pieces[i - 1] != "\n":
            text += " "
        text += p
    return RowDoc(text, tuple(owners))


def make_doc(nlp: Language, rd: RowDoc) -> Doc:
    doc = nlp.make_doc(rd.text)
    if len(doc) != len(rd.tokens):  # pragma: no cover - the tokenizer and row_doc agree by construction
        raise AssertionError("row tokenizer and row_doc disagree")
    return doc


def entities(rows: Sequence[Row], nlp: Language | None = None) -> tuple[list[Entity], str]:
    """Entities the pipeline finds (model + rule components) as OCR tokens, and the model version."""
    nlp = nlp or load()
    rd = row_doc(rows)
    if not rd.tokens:
        return [], version(nlp)
    doc = nlp(make_doc(nlp, rd))
    out: list[Entity] = []
    for span in [*doc.ents, *doc.spans.get("dx_codes", [])]:
        owners: list[Token] = []
        for t in span:
            o = rd.tokens[t.i]
            if o is not None and (not owners or owners[-1] is not o):
                owners.append(o)
        if owners:
            out.append(Entity(span.label_, span.text, tuple(owners)))
    return out, version(nlp)


__all__ = ["LABELS", "MODEL_DIR", "RowDoc", "blank", "entities", "load", "make_doc", "row_doc", "version"]
