"""Typed values passed between stages: file → Document → OcrResult → Extraction → Decision."""

from claimflow.model.decision import Decision, Outcome, Reason
from claimflow.model.document import Document, DocumentKind
from claimflow.model.extraction import (
    BillPart,
    Checks,
    Diagnosis,
    DocumentRef,
    Evidence,
    Extraction,
    LineItem,
    Patient,
    Provider,
)
from claimflow.model.member import Member, PolicyStatus
from claimflow.model.ocr import BBox, OcrResult, Page, PageSource, Word

__all__ = [
    "BBox",
    "BillPart",
    "Checks",
    "Decision",
    "Diagnosis",
    "Document",
    "DocumentKind",
    "DocumentRef",
    "Evidence",
    "Extraction",
    "LineItem",
    "Member",
    "OcrResult",
    "Outcome",
    "Page",
    "PageSource",
    "Patient",
    "PolicyStatus",
    "Provider",
    "Reason",
    "Word",
]
