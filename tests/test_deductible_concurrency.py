"""No double deductible: a family's claims decided at once by several workers give the totals of deciding them one by
one (flows.stages.decide takes db.members.lock_member before reading accumulators)."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from claimflow.model.member import Member
from claimflow.settings import Settings
from db import claims as claims_repo
from db.engine import transaction
from db.members import accumulators, upsert_members
from db.models import DecisionRow
from flows import stages
from flows.runtime import engine_for, sessions_for
from rules.claimspec import claim_from_spec

# GOLD-PPO: deductible 500.00 a member, 1000.00 a family; an MRI goes to the deductible, then 20% co-insurance.
FAMILY = [
    Member(tenant="acme", member_id="F-1", plan_id="GOLD-PPO", coverage_start=dt.date(2025, 1, 1)),
    Member(tenant="acme", member_id="F-2", plan_id="GOLD-PPO", coverage_start=dt.date(2025, 1, 1), subscriber_id="F-1",
           relationship="spouse"),
    Member(tenant="acme", member_id="F-3", plan_id="GOLD-PPO", coverage_start=dt.date(2025, 1, 1), subscriber_id="F-1",
           relationship="child"),
]  # fmt: skip
CLAIMS = 12  # four $420 MRIs each: every member alone would reach 500.00, the family stops at 1000.00


def _received(ctx: stages.Context, tmp: Path) -> list[tuple[stages.Received, object]]:
    with sessions_for(ctx.settings).begin() as s:
        upsert_members(session=s, members=FAMILY)
    out = []
    for i in range(CLAIMS):
        member = FAMILY[i % len(FAMILY)].member_id
        doc = tmp / f"bill-{i}.pdf"
        doc.write_bytes(f"bill {i}".encode())
        received = stages.receive(ctx, doc)
        day = dt.date(2026, 2, 1) + dt.timedelta(days=i)  # distinct dates of service: no duplicate checks fire
        extraction = claim_from_spec({"sha": received.sha256, "member_id": member, "dates": [day],
                                      "lines": ["72148 420.00"], "provider": {"npi": "1234567893"}})  # fmt: skip
        with transaction(ctx.sessions) as s:  # what the extract stage records (the claim learns its member)
            claim = claims_repo.get_claim(s, claim_id=received.claim_id)
            assert claim is not None
            claims_repo.record_extraction(s, claim=claim, extraction=extraction, ocr_engine="test", ocr_confidence=1.0)
        out.append((received, extraction))
    return out


def _totals(settings: Settings) -> tuple[list[str], Decimal, Decimal, Decimal]:
    with sessions_for(settings)() as s:
        rows = s.scalars(select(DecisionRow)).all()
        acc = accumulators(session=s, tenant="acme", member_id="F-1", year=2026)
    outcomes = sorted(r.outcome for r in rows)
    deductible = sum((Decimal(r.decision["deductible_applied"]) for r in rows), Decimal(0))
    payable = sum((r.payable for r in rows), Decimal(0))
    assert acc.family_deductible_met == deductible
    return outcomes, deductible, payable, acc.family_oop_used


def _decide_all(ctx: stages.Context, claims: list[tuple[stages.Received, object]], *, concurrently: bool) -> None:
    if not concurrently:
        for received, extraction in claims:
            stages.decide(ctx, received, extraction)  # type: ignore[arg-type]
        return
    start = threading.Barrier(len(claims))
    errors: list[BaseException] = []

    def work(received: stages.Received, extraction: object) -> None:
        start.wait()
        try:
            stages.decide(ctx, received, extraction)  # type: ignore[arg-type]
        except BaseException as e:  # noqa: BLE001 - reported by the assertion below
            errors.append(e)

    threads = [threading.Thread(target=work, args=c) for c in claims]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors


def _run(settings: Settings, tmp: Path, *, concurrently: bool) -> tuple[list[str], Decimal, Decimal, Decimal]:
    ctx = stages.Context(settings=settings, sessions=sessions_for(settings), tenant="acme", source="api",
                         submitted_by="tester", received_on=dt.date(2026, 3, 31))  # fmt: skip
    tmp.mkdir(parents=True, exist_ok=True)
    _decide_all(ctx, _received(ctx, tmp), concurrently=concurrently)
    return _totals(settings)


@pytest.fixture
def sequential(tmp_path: Path) -> tuple[list[str], Decimal, Decimal, Decimal]:
    settings = Settings(data_dir=tmp_path / "sequential", _env_file=None)  # type: ignore[call-arg]
    result = _run(settings, tmp_path / "sequential-docs", concurrently=False)
    assert result[0] == ["APPROVED"] * CLAIMS and result[1] == Decimal("1000.00")  # the family deductible, once
    assert result[2] == Decimal("0.80") * (CLAIMS * Decimal("420.00") - Decimal("1000.00"))
    return result


@pytest.mark.postgres
def test_concurrent_decisions_on_postgres_equal_the_sequential_result(
    pg_url: str, sequential: tuple[list[str], Decimal, Decimal, Decimal], tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path / "pg", database_url=pg_url, _env_file=None)  # type: ignore[call-arg]
    try:
        assert _run(settings, tmp_path / "pg-docs", concurrently=True) == sequential
    finally:
        engine_for(settings).dispose()


def test_concurrent_decisions_on_sqlite_equal_the_sequential_result(
    sequential: tuple[list[str], Decimal, Decimal, Decimal], tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path / "sqlite", _env_file=None)  # type: ignore[call-arg]
    assert _run(settings, tmp_path / "sqlite-docs", concurrently=True) == sequential


@pytest.mark.postgres
def test_lock_member_holds_the_member_and_the_family_head_until_commit(pg_engine: object) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from db.engine import session_factory
    from db.members import lock_member

    sessions = session_factory(pg_engine)  # type: ignore[arg-type]
    with transaction(sessions) as s:
        upsert_members(session=s, members=FAMILY)

    def try_lock(member_id: str) -> bool:
        """Whether another transaction can take ``member_id``'s lock right now (gives up after 200 ms)."""
        with sessions() as other:
            other.execute(text("SET LOCAL lock_timeout = '200ms'"))
            try:
                lock_member(other, tenant="acme", member_id=member_id)
            except OperationalError:
                return False
            finally:
                other.rollback()
            return True

    with sessions() as holder:
        member = lock_member(holder, tenant="acme", member_id="F-2")  # the spouse: own row and the subscriber's
        assert member == FAMILY[1]
        assert not try_lock("F-2") and not try_lock("F-1") and not try_lock("F-3")  # the whole family waits
        assert lock_member(holder, tenant="acme", member_id="nobody") is None  # unknown: nothing to lock, no error
        holder.commit()
    assert try_lock("F-1") and try_lock("F-2")  # released at commit
