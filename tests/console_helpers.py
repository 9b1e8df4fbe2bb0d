"""Helpers for the console tests: the real app over a SQLite file, API keys per tenant and role, and pended claims
made from sample documents without OCR (the document's truth file is recorded as its extraction, then the machine's
real adjudication runs). Not a test module."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from sqlalchemy import Engine, select

from api.dispatch import InProcessDispatcher
from api.main import create_app
from claimflow.model import Extraction, Member
from claimflow.settings import Settings
from db import claims as repo
from db.api_keys import Role, create_key
from db.engine import session_factory, transaction
from db.members import upsert_members
from db.models import Claim, DecisionRow, ExtractionRow
from flows import stages

SAMPLES = Path(__file__).resolve().parent.parent / "sample_docs"
RECEIVED = dt.date(2025, 12, 1)


@dataclass
class Console:
    engine: Engine
    settings: Settings
    keys: dict[tuple[str, str], str] = field(default_factory=dict)  # (tenant, role or name) -> key

    @property
    def sessions(self):  # type: ignore[no-untyped-def]
        return session_factory(self.engine)

    def context(self, tenant: str) -> stages.Context:
        return stages.Context(settings=self.settings, sessions=self.sessions, tenant=tenant, source="api",
                              submitted_by="intake", received_on=RECEIVED)

    def pend_sample(self, tenant: str, name: str, *, confidence: dict[str, float] | None = None,
                    ocr_confidence: float = 0.91) -> str:
        """A claim of tenant ``tenant`` for sample_docs/``name``: the original stored, its truth file recorded as the
        extraction (``confidence`` overrides the evidence confidence of named fields, as a real reading would have
        them), decided by the rules engine. Returns the claim id."""
        ctx = self.context(tenant)
        path = SAMPLES / name
        truth = json.loads(path.with_name(path.name.rsplit(".", 1)[0] + ".truth.json").read_text())
        for field_name, value in (confidence or {}).items():
            truth["fields"][field_name]["confidence"] = value
        x = Extraction.model_validate(truth)
        received = stages.receive(ctx, path)
        with transaction(self.sessions) as s:
            claim = repo.get_claim(s, claim_id=received.claim_id)
            assert claim is not None
            repo.record_extraction(s, claim=claim, extraction=x, ocr_engine="test", ocr_confidence=ocr_confidence)
        stages.decide(ctx, received, x)
        return received.claim_id

    def backdate(self, claim_id: str, *, hours: float, waited_hours: float = 0.0) -> None:
        """Move a claim's rows ``hours`` into the past (its extraction and decisions; its receipt ``waited_hours``
        more): the history the dashboard and the queue's ages show."""
        delta = dt.timedelta(hours=hours)
        with transaction(self.sessions) as s:
            claim = s.get(Claim, claim_id)
            assert claim is not None
            claim.created_at = claim.created_at - delta - dt.timedelta(hours=waited_hours)
            for model in (ExtractionRow, DecisionRow):
                for row in s.scalars(select(model).where(model.claim_id == claim_id)):
                    row.created_at = row.created_at - delta

    def app(self):  # type: ignore[no-untyped-def]
        return create_app(self.settings, dispatcher=InProcessDispatcher(self.settings, self.sessions),
                          sessions=self.sessions)


def make_console(engine: Engine, tmp: Path, **overrides: object) -> Console:
    settings = Settings(data_dir=tmp / "var", database_url=engine.url.render_as_string(hide_password=False),
                        ocr_workers=1, _env_file=None, **overrides)  # type: ignore[call-arg]
    console = Console(engine, settings)
    records = yaml.safe_load((SAMPLES / "members.yaml").read_text())
    records = records["members"] if isinstance(records, dict) else records
    with transaction(console.sessions) as s:
        for tenant in ("acme", "globex"):
            upsert_members(session=s, members=[Member.model_validate({**r, "tenant": tenant}) for r in records])
            for role in Role:
                console.keys[(tenant, role.value)] = create_key(session=s, tenant=tenant, role=role).key
        console.keys[("acme", "second")] = create_key(session=s, tenant="acme", role=Role.reviewer,
                                                      name="second").key
    return console
