"""What the claim page shows, built from ``flows.review.show`` and the stored originals: fields with their evidence
boxes and confidence, the documents' pages with the boxes in their coordinate system, the claim's audit entries with
their inclusion-proof status. Read-only; every decision goes through flows/review.py."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from claimflow.errors import AuditError, NotFoundError
from claimflow.model import Extraction
from claimflow.model.claim_extraction import ClaimExtraction
from db import claim_documents as claim_docs
from db.audit import proofs
from db.audit.models import AuditEntryRow
from db.models import Claim
from flows import stages

from api.console.pages import page_count, render_page

LOW, MID = 0.80, 0.95  # below LOW: low confidence (the review threshold's default); below MID: check


@dataclass(frozen=True)
class Box:
    id: str
    x: float
    y: float
    w: float
    h: float
    level: str
    label: str


@dataclass(frozen=True)
class FieldView:
    name: str  # the correctable name, e.g. total, line_items[0], diagnoses[1], patient.member_id
    value: str
    confidence: float | None
    level: str  # low | mid | high | none
    box_id: str | None
    document: int | None
    page: int | None


@dataclass
class PageView:
    document: int
    page: int
    url: str
    width: float
    height: float
    boxes: list[Box] = field(default_factory=list)


@dataclass(frozen=True)
class AuditRow:
    seq: int
    ts: str
    type: str
    actor: str
    proof: str  # proven | pending | unsigned
    checkpoint_size: int | None


def level(confidence: float | None) -> str:
    if confidence is None:
        return "none"
    return "low" if confidence < LOW else "mid" if confidence < MID else "high"


def _value(extraction: Extraction, path: str) -> str:
    node: Any = extraction
    for part in re.findall(r"[A-Za-z_]+|\[\d+\]", path):
        if part.startswith("["):
            i = int(part[1:-1])
            node = node[i] if isinstance(node, list) and i < len(node) else None
        else:
            node = getattr(node, part, None)
        if node is None:
            return ""
    return str(node)


def fields(extraction: Extraction | None) -> list[FieldView]:
    """Every field, line item and diagnosis with evidence, lowest confidence first (no evidence last)."""
    if extraction is None:
        return []
    sources = extraction if isinstance(extraction, ClaimExtraction) else None
    out: list[FieldView] = []
    for i, (name, ev) in enumerate(sorted(extraction.fields.items())):
        doc = sources.field_sources.get(name, 1) if sources else 1
        out.append(FieldView(name, _value(extraction, name), ev.confidence, level(ev.confidence), f"box-f{i}", doc,
                             ev.page))
    for i, item in enumerate(extraction.line_items):
        ev = item.evidence
        doc = sources.line_sources[i].document if sources and i < len(sources.line_sources) else 1
        value = f"{item.code or '-'} {item.amount}" + (f" — {item.description}" if item.description else "")
        out.append(FieldView(f"line_items[{i}]", value, ev.confidence if ev else None,
                             level(ev.confidence if ev else None), f"box-l{i}" if ev else None, doc,
                             ev.page if ev else None))
    for i, dx in enumerate(extraction.diagnoses):
        ev = dx.evidence
        doc = sources.diagnosis_sources[i].document if sources and i < len(sources.diagnosis_sources) else 1
        value = dx.code + (" (negated)" if dx.negated else "")
        out.append(FieldView(f"diagnoses[{i}]", value, ev.confidence if ev else None,
                             level(ev.confidence if ev else None), f"box-d{i}" if ev else None, doc,
                             ev.page if ev else None))
    for name in ("total", "currency", "service_dates", "patient.member_id"):
        if not any(f.name == name or f.name.startswith(f"{name}[") for f in out):
            out.append(FieldView(name, _value(extraction, name), None, "none", None, None, None))
    return sorted(out, key=lambda f: (f.confidence is None, f.confidence if f.confidence is not None else 0, f.name))


def _boxes(extraction: Extraction | None, views: list[FieldView]) -> dict[tuple[int, int], list[Box]]:
    if extraction is None:
        return {}
    bbox: dict[str, list[float]] = {f"box-f{i}": ev.bbox for i, (_, ev) in enumerate(sorted(extraction.fields.items()))}
    bbox |= {f"box-l{i}": it.evidence.bbox for i, it in enumerate(extraction.line_items) if it.evidence}
    bbox |= {f"box-d{i}": dx.evidence.bbox for i, dx in enumerate(extraction.diagnoses) if dx.evidence}
    out: dict[tuple[int, int], list[Box]] = {}
    for v in views:
        if v.box_id is None or v.document is None or v.page is None:
            continue
        x0, y0, x1, y1 = bbox[v.box_id]
        out.setdefault((v.document, v.page), []).append(
            Box(v.box_id, x0, y0, max(x1 - x0, 1.0), max(y1 - y0, 1.0), v.level, v.name))
    return out


def pages(s: Session, ctx: stages.Context, claim: Claim, extraction: Extraction | None,
          views: list[FieldView]) -> list[PageView]:
    """Every page of every document of the claim, each with the evidence boxes drawn on it."""
    boxes = _boxes(extraction, views)
    out = []
    for n, doc in enumerate(claim_docs.documents(session=s, claim=claim), start=1):
        original = functools.partial(stages.original_path, ctx, doc.sha256)
        count = doc.pages
        if not count:
            with original() as path:
                count = page_count(path)
        for p in range(1, count + 1):
            rendered = render_page(doc.sha256, p, ocr_dpi=ctx.settings.ocr_dpi, original=original)
            out.append(PageView(n, p, f"/console/claims/{claim.id}/documents/{n}/pages/{p}.png", rendered.width,
                                rendered.height, boxes.get((n, p), [])))
    return out


def audit_rows(s: Session, tenant: str, claim_id: str) -> list[AuditRow]:
    """The claim's audit entries, each with whether an inclusion proof against the latest signed checkpoint of the
    tenant's log verified (``proven``), or the entry is newer than it (``pending``), or no checkpoint exists
    (``unsigned``). A proof that fails to verify raises AuditVerificationError: the page shows that error."""
    try:
        doc = proofs.prove_claim(s, claim_id, log=tenant)
    except NotFoundError:
        return []
    except AuditError:
        doc = None
    if doc is not None:
        rows = [(e["seq"], e["entry"].encode(), "proven", e["tree_size"]) for e in doc["entries"]]
        pending = set(doc["pending"])
    else:
        rows, pending = [], set()
    if pending or doc is None:
        q = select(AuditEntryRow.seq, AuditEntryRow.entry).where(AuditEntryRow.claim_id == claim_id,
                                                                 AuditEntryRow.log == tenant)
        for seq, entry in s.execute(q):
            if doc is None or seq in pending:
                rows.append((seq, bytes(entry), "pending" if doc is not None else "unsigned", None))
    out = []
    for seq, raw, status, cp in sorted(rows):
        e = json.loads(raw)
        out.append(AuditRow(seq, e.get("ts", ""), e.get("type", ""), e.get("actor", ""), status, cp))
    return out
