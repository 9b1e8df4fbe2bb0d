"""Claims decided through the real stages (receive → decide) from sample truths, for the API-extension tests.

No OCR: a sample's truth file is a perfect extraction; the document bytes are the sample's own, so every claim is a
real stored original with a real audit trail.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from claimflow.model import Decision, Extraction
from claimflow.model.member import members_from_file
from claimflow.settings import Settings
from db import claims as claims_repo
from db.engine import transaction
from db.members import upsert_members
from flows import stages

ROOT = Path(__file__).resolve().parent.parent / "sample_docs"
RECEIVED = dt.date(2025, 12, 1)
#: sample -> expected outcome (sample_docs/README.md)
SAMPLES = {
    "clinic-digital": "APPROVED",
    "dental-scan": "PARTIALLY_APPROVED",
    "clinic-nonmember": "DENIED",
    "clinic-eur-negated": "PENDING_REVIEW",
}
EXTENSIONS = {"clinic-digital": ".pdf", "dental-scan": ".png", "clinic-nonmember": ".tif", "clinic-eur-negated": ".pdf"}


def load_members(sessions: sessionmaker[Session], tenant: str) -> None:
    with transaction(sessions) as s:
        members = [m.model_copy(update={"tenant": tenant}) for m in members_from_file(ROOT / "members.yaml")]
        upsert_members(session=s, members=members)


def context(settings: Settings, sessions: sessionmaker[Session], tenant: str) -> stages.Context:
    return stages.Context(settings=settings, sessions=sessions, tenant=tenant, source="api", submitted_by="key:test",
                          received_on=RECEIVED)


def decided_claim(
    settings: Settings, sessions: sessionmaker[Session], name: str, *, tenant: str = "acme",
    ocr_confidence: float = 0.93,
) -> tuple[str, Decision]:
    """Receive the sample's document, record its truth as the extraction, adjudicate: (claim id, decision)."""
    ctx = context(settings, sessions, tenant)
    received = stages.receive(ctx, ROOT / f"{name}{EXTENSIONS[name]}")
    extraction = Extraction.model_validate(json.loads((ROOT / f"{name}.truth.json").read_text()))
    with transaction(sessions) as s:
        claim = claims_repo.get_claim(s, claim_id=received.claim_id)
        assert claim is not None
        claims_repo.record_extraction(s, claim=claim, extraction=extraction, ocr_engine="truth 0",
                                      ocr_confidence=ocr_confidence)
    decision = stages.decide(ctx, received, extraction)
    return received.claim_id, decision
