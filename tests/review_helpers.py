"""Helpers for the review tests: a Context over a migrated engine with an injectable clock, and claims brought to a
decision without OCR (an Extraction written the way the pipeline writes it, then the machine's real adjudication).
Not a test module."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

import db.audit as audit
from claimflow.model import Extraction, Member
from claimflow.settings import Settings
from db import claims as repo
from db.audit.models import AuditEntryRow
from db.audit.records import verify_records
from db.engine import session_factory, transaction
from db.members import accumulators, upsert_members
from flows import stages
from flows.privacy import record_opener
from flows.runtime import keyring_for
from rules.claimspec import claim_from_spec

TENANT = "acme"
RECEIVED = dt.date(2026, 6, 1)
SERVICE = dt.date(2026, 3, 2)
T0 = dt.datetime(2026, 6, 2, 9, 0, tzinfo=dt.UTC)
SUBSCRIBER = Member(member_id="G-1", tenant=TENANT, plan_id="GOLD-PPO", coverage_start=dt.date(2025, 1, 1),
                    name="Pat Doe", date_of_birth=dt.date(1980, 5, 4))  # fmt: skip


@dataclass
class Clock:
    now: dt.datetime = T0

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@dataclass
class Desk:
    """One tenant's review desk on one database."""

    engine: Engine
    ctx: stages.Context
    clock: Clock
    tmp: Path
    n: int = field(default=0)

    def pend(self, spec: dict[str, Any] | Extraction, *, submitted_by: str = "intake") -> str:
        """A claim for ``spec`` (a claimspec dict or an Extraction) received, extracted and adjudicated."""
        self.n += 1
        x = spec if isinstance(spec, Extraction) else claim_from_spec(
            {"member_id": "G-1", "dates": [SERVICE], "provider": {"npi": "1234567893"}, **spec,
             "sha": f"review-test-{self.n}"})  # fmt: skip
        doc = self.tmp / f"doc-{self.n}.bin"
        doc.write_bytes(f"document {self.n} {x.document.sha256}".encode())
        ctx = stages.Context(**{**self.ctx.__dict__, "submitted_by": submitted_by})
        received = stages.receive(ctx, doc)
        with transaction(self.ctx.sessions) as s:
            claim = repo.get_claim(s, claim_id=received.claim_id)
            assert claim is not None
            repo.record_extraction(s, claim=claim, extraction=x, ocr_engine="test", ocr_confidence=0.95)
        stages.decide(ctx, received, x)
        return received.claim_id

    def accumulators(self, member_id: str = "G-1", year: int = 2026):  # type: ignore[no-untyped-def]
        with self.ctx.sessions() as s:
            return accumulators(session=s, tenant=TENANT, member_id=member_id, year=year)

    def entries(self) -> list[dict[str, Any]]:
        with self.ctx.sessions() as s:
            rows = s.scalars(select(AuditEntryRow).where(AuditEntryRow.log == TENANT).order_by(AuditEntryRow.seq))
            return [json.loads(bytes(r.entry)) for r in rows]

    def assert_audit_verifies(self, *phi: str) -> None:
        """The tenant's log verifies, every logged extraction/decision digest matches its stored row, and no payload
        holds the member's id or name (or any other ``phi`` value given)."""
        report = audit.verify_database(self.engine, log=TENANT)
        assert report.ok, report.to_dict()
        assert verify_records(self.engine, log=TENANT, opener=record_opener(self.ctx.settings)) == []
        payloads = json.dumps([e["data"] for e in self.entries()])
        for value in (SUBSCRIBER.member_id, SUBSCRIBER.name, *phi):
            assert value and value not in payloads, value


def make_desk(engine: Engine, tmp: Path, *, four_eyes_above: str | None = None, lease_seconds: int = 600,
              encrypted: bool = False) -> Desk:
    """``encrypted``: seal with the settings' master key (as the CLI does), so the CLI finds the desk's members."""
    settings = Settings(data_dir=tmp / "var", ocr_workers=1, four_eyes_above=four_eyes_above,  # type: ignore[call-arg]
                        review_lease_seconds=lease_seconds, _env_file=None)  # fmt: skip
    clock = Clock()
    sessions = session_factory(engine, keyring=keyring_for(settings) if encrypted else None)
    ctx = stages.Context(settings=settings, sessions=sessions, tenant=TENANT, source="cli", submitted_by="intake",
                         received_on=RECEIVED, clock=clock)  # fmt: skip
    with transaction(sessions) as s:
        upsert_members(session=s, members=[SUBSCRIBER])
    return Desk(engine, ctx, clock, tmp)


def money(value: str) -> Decimal:
    return Decimal(value)


REPO_SAMPLES = Path(__file__).resolve().parent.parent / "sample_docs"
