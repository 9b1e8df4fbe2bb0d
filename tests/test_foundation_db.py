"""Migrations and the claim repository, on SQLite and (where configured) PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import Engine, inspect, text

from claimflow.model import Decision, DocumentRef, Extraction, Outcome
from db import claims as repo
from db.engine import session_factory, transaction
from db.migrate import current_revisions, head_revisions, upgrade

TABLES = {"claims", "documents", "extractions", "decisions", "members"}


def test_migrations_create_every_table_and_reach_head(any_engine: Engine) -> None:
    assert TABLES <= set(inspect(any_engine).get_table_names())
    assert set(current_revisions(any_engine)) == set(head_revisions())
    upgrade(any_engine)  # idempotent
    assert set(current_revisions(any_engine)) == set(head_revisions())


def test_sqlite_runs_in_wal_mode(sqlite_engine: Engine) -> None:
    with sqlite_engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def _extraction(sha: str) -> Extraction:
    return Extraction(
        document=DocumentRef(file="bill.png", sha256=sha, pages=1, kind="image"),
        total=Decimal("120.50"),
        service_dates=[dt.date(2025, 3, 7)],
    )


def test_claim_lifecycle_is_unique_per_tenant_and_document(any_engine: Engine) -> None:
    sessions = session_factory(any_engine)
    sha = "ab" * 32
    with transaction(sessions) as s:
        repo.ensure_document(s, sha256=sha, size_bytes=10, original_name="bill.png", stored_path="/x")
        claim = repo.create_claim(s, tenant="acme", source="cli", submitted_by="t", document_sha256=sha)
        repo.record_extraction(s, claim=claim, extraction=_extraction(sha), ocr_engine="tesseract 5", ocr_confidence=0.9)
        decision = Decision(outcome=Outcome.APPROVED, billed="120.50", allowed="120.50", payable="96.40",
                            member_responsibility="24.10")
        repo.record_decision(s, claim=claim, decision=decision, service_date=dt.date(2025, 3, 7), decided_by="t")
        claim_id = claim.id
    with sessions() as s:
        found = repo.find_claim(s, tenant="acme", document_sha256=sha)
        assert found is not None and found.id == claim_id and found.status == "approved"
        row = repo.latest_decision(s, claim_id=claim_id)
        assert row is not None and row.payable == Decimal("96.40") and row.decision["payable"] == "96.40"
        assert repo.find_claim(s, tenant="other", document_sha256=sha) is None
    with pytest.raises(Exception), transaction(sessions) as s:  # noqa: B017 - driver-specific IntegrityError
        repo.create_claim(s, tenant="acme", source="cli", submitted_by="t", document_sha256=sha)
    with any_engine.connect() as conn:
        assert conn.execute(text("select count(*) from claims")).scalar() == 1


def test_failed_transaction_leaves_nothing(any_engine: Engine) -> None:
    sessions = session_factory(any_engine)
    with pytest.raises(RuntimeError), transaction(sessions) as s:
        repo.ensure_document(s, sha256="cd" * 32, size_bytes=1, original_name="a", stored_path="/a")
        raise RuntimeError("crash mid-stage")
    with any_engine.connect() as conn:
        assert conn.execute(text("select count(*) from documents")).scalar() == 0


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_upgrade_keeps_existing_claims(backend: str, tmp_path, request: pytest.FixtureRequest) -> None:  # type: ignore[no-untyped-def]
    """A database with claims in it upgrades in place (batch migrations on SQLite keep foreign keys intact)."""
    from db.engine import make_engine

    url = f"sqlite:///{tmp_path / 'old.db'}" if backend == "sqlite" else request.getfixturevalue("pg_url")
    engine = make_engine(url)
    upgrade(engine, "0002")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO documents (sha256, size_bytes, media_type, original_name, stored_path, created_at)"
                          " VALUES (:s, 1, 'image/png', 'a.png', '/a', :t)"), {"s": "ef" * 32, "t": dt.datetime(2025, 1, 2, 3, 4, tzinfo=dt.UTC)})
        conn.execute(text("INSERT INTO claims (id, tenant, source, submitted_by, document_sha256, status, created_at, updated_at)"
                          " VALUES ('c1', 'acme', 'cli', 't', :s, 'received', :t, :t)"), {"s": "ef" * 32, "t": dt.datetime(2025, 1, 2, 3, 4, tzinfo=dt.UTC)})
    upgrade(engine)
    assert set(current_revisions(engine)) == set(head_revisions())
    with session_factory(engine)() as s:
        claim = repo.get_claim(s, claim_id="c1")
        assert claim is not None and claim.received_on == dt.date(2025, 1, 2) and claim.document.sha256 == "ef" * 32
    engine.dispose()
