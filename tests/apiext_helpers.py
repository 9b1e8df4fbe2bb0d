"""Claims decided through the real stages (receive → decide) from sample truths, for the API-extension tests.

No OCR: a sample's truth file is a perfect extraction; the document bytes are the sample's own, so every claim is a
real stored original with a real audit trail.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from claimflow.model import Decision, Extraction
from claimflow.model.member import members_from_file
from claimflow.settings import Settings
from db import claims as claims_repo
from db.engine import session_factory, transaction
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


# --- the real app over HTTP ----------------------------------------------------------------------------------------

TENANTS = ("acme", "globex")


class NoDispatch:
    """These tests make their claims through the stages; nothing is submitted over HTTP."""

    def dispatch(self, ref: object) -> None:
        raise AssertionError("no claim is submitted over HTTP in these tests")

    def ready(self) -> str | None:
        return None


@dataclass
class Http:
    client: TestClient
    settings: Settings
    sessions: sessionmaker[Session]
    keys: dict[tuple[str, str], str] = field(default_factory=dict)  # (tenant, role) -> key

    def auth(self, tenant: str = "acme", role: str = "auditor") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[(tenant, role)]}"}


@contextmanager
def http_api(settings: Settings, engine: Engine, **overrides: object) -> Iterator[Http]:
    """create_app over ``engine`` with an API key per tenant and role; ``overrides`` change settings."""
    from api.main import create_app
    from db.api_keys import Role, create_key

    settings = settings.model_copy(update={"database_url": engine.url.render_as_string(hide_password=False),
                                           "api_rate_per_second": 1000.0, "api_rate_burst": 1000, **overrides})
    sessions = session_factory(engine)
    keys = {}
    with transaction(sessions) as s:
        for tenant in TENANTS:
            for role in Role:
                keys[(tenant, role.value)] = create_key(session=s, tenant=tenant, role=role).key
    app = create_app(settings, dispatcher=NoDispatch(), sessions=sessions)  # type: ignore[arg-type]
    with TestClient(app) as client:
        yield Http(client, settings, sessions, keys)
