"""Members, accumulators and claim history: keyword-only repository functions taking a SQLAlchemy Session.

Accumulators are *derived*, never stored: they are summed from the latest decision of each earlier claim of the
member (or the member's family) in the benefit year, from the increments each Decision carries
(``deductible_applied``, ``oop_applied``, ``payable``, ``limit_paid``, ``service_counts``). Only APPROVED and
PARTIALLY_APPROVED decisions count; a claim decided again counts once, by its latest *final* decision (a reviewer's
proposal awaiting a second reviewer's confirmation is not final and does not count until it is confirmed).

Because they are derived, reading them and recording the decision that consumes them must not interleave with another
claim of the same family: ``lock_member`` serializes that, and must be taken first in the deciding transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, object_session

from claimflow.model.accumulators import Accumulators, ClaimHistoryEntry
from claimflow.model.member import Member, PolicyStatus
from claimflow.money import ZERO, to_money
from db.keys import member_subject
from db.member_index import member_index, reveal_member_id
from db.models import Claim, DecisionRow, MemberRow
from db.sealing import prepare, seal_row

PAYING_OUTCOMES = ("APPROVED", "PARTIALLY_APPROVED")
#: The member id shown for a member whose id was erased (its sealed copy destroyed).
ERASED_ID = "(erased)"


def upsert_members(*, session: Session, members: Iterable[Member]) -> int:
    """Insert or update members by (tenant, member_id) — stored under their blind index. Returns how many were
    written."""
    n = 0
    for m in members:
        index = member_index(session, m.tenant, m.member_id, remember=True)
        subscriber = member_index(session, m.tenant, m.subscriber_id, remember=True) if m.subscriber_id else None
        prepare(session, member_subject(m.tenant, index))
        row = session.get(MemberRow, (m.tenant, index))
        new = row is None
        if row is None:
            row = MemberRow(tenant=m.tenant, member_id=index)
        row.plan_id = m.plan_id
        row.coverage_start = m.coverage_start
        row.coverage_end = m.coverage_end
        row.status = m.status.value
        row.subscriber_id = subscriber
        row.relationship = m.relationship
        row.name = m.name
        row.date_of_birth = m.date_of_birth
        seal_row(session, row, member_subject(m.tenant, index))  # before the row is flushed: no plaintext
        if new:
            session.add(row)
        n += 1
    session.flush()
    return n


def _to_member(row: MemberRow, member_id: str | None = None) -> Member:
    """The domain member of a row (``member_id``: the id when the caller knows it; otherwise it is revealed)."""
    session = object_session(row)
    assert session is not None
    return Member(
        member_id=member_id or reveal_member_id(session, row.tenant, row.member_id) or ERASED_ID,
        tenant=row.tenant,
        plan_id=row.plan_id,
        coverage_start=row.coverage_start,
        coverage_end=row.coverage_end,
        status=PolicyStatus(row.status),
        subscriber_id=reveal_member_id(session, row.tenant, row.subscriber_id) if row.subscriber_id else None,
        relationship=row.relationship,
        name=row.name,
        date_of_birth=row.date_of_birth,
    )


def get_member(*, session: Session, tenant: str, member_id: str) -> Member | None:
    row = session.get(MemberRow, (tenant, member_index(session, tenant, member_id)))
    return _to_member(row, member_id) if row is not None else None


def lock_member(session: Session, *, tenant: str, member_id: str) -> Member | None:
    """Take the member's lock for the rest of the transaction, then read the member (None if unknown).

    Call it first in the transaction that reads accumulators and records a decision (before the audit log's lock):
    claims of one member — and of one family, whose deductible and out-of-pocket totals are shared — are then decided
    one after the other, each seeing the decisions committed before it.

    PostgreSQL: ``SELECT … FOR UPDATE`` on the member's row and, for a dependant, the subscriber's row, locked in
    member-id order (so two transactions never wait for each other in a cycle). In READ COMMITTED every later
    statement of the transaction sees what the previous lock holder committed. SQLite: nothing more to take — every
    claimflow transaction starts with ``BEGIN IMMEDIATE`` (db/engine.py), which holds the database's write lock until
    commit, so deciding transactions already run one at a time.
    """
    index = member_index(session, tenant, member_id)
    if session.get_bind().dialect.name != "sqlite":
        row = session.get(MemberRow, (tenant, index))
        ids = {index} | ({row.subscriber_id} if row is not None and row.subscriber_id else set())
        session.execute(
            select(MemberRow.member_id)
            .where(MemberRow.tenant == tenant, MemberRow.member_id.in_(sorted(ids)))
            .order_by(MemberRow.member_id)
            .with_for_update()
        ).all()
    row = session.get(MemberRow, (tenant, index), populate_existing=True)
    return _to_member(row, member_id) if row is not None else None


def members_of_rows(rows: Iterable[MemberRow]) -> list[Member]:
    """Domain members of stored rows (their ids revealed from the blind index)."""
    return [_to_member(r) for r in rows]


def list_members(*, session: Session, tenant: str) -> list[Member]:
    rows = session.scalars(select(MemberRow).where(MemberRow.tenant == tenant))
    return sorted((_to_member(r) for r in rows), key=lambda m: m.member_id)


def family_member_ids(*, session: Session, tenant: str, member: Member) -> list[str]:
    """The member and everyone on the same subscriber's policy, as stored (blind indexes)."""
    family = member_index(session, tenant, member.family_id)
    rows = session.scalars(
        select(MemberRow.member_id).where(
            MemberRow.tenant == tenant,
            or_(MemberRow.member_id == family, MemberRow.subscriber_id == family),
        )
    )
    ids = set(rows)
    ids.add(member_index(session, tenant, member.member_id))
    return sorted(ids)


def _latest_decisions(
    session: Session, tenant: str, member_ids: list[str], start: dt.date | None, end: dt.date | None,
    exclude_claim_id: str | None,
) -> list[DecisionRow]:  # fmt: skip
    latest = (
        select(func.max(DecisionRow.id))
        .where(DecisionRow.tenant == tenant, DecisionRow.member_id.in_(member_ids), DecisionRow.final.is_(True))
        .group_by(DecisionRow.claim_id)
    )
    q = select(DecisionRow).where(DecisionRow.id.in_(latest))
    if start is not None:
        q = q.where(DecisionRow.service_date >= start)
    if end is not None:
        q = q.where(DecisionRow.service_date <= end)
    if exclude_claim_id is not None:
        q = q.where(DecisionRow.claim_id != exclude_claim_id)
    return list(session.scalars(q.order_by(DecisionRow.id)))


def _money(value: object) -> Decimal:
    if value is None:
        return ZERO
    if isinstance(value, (Decimal, int, str)):
        return to_money(value)
    raise TypeError(f"unexpected amount in a stored decision: {type(value).__name__}")


def accumulators(
    *, session: Session, tenant: str, member_id: str, year: int, exclude_claim_id: str | None = None
) -> Accumulators:
    """The member's benefit-year totals from earlier decisions (family totals over everyone on the policy)."""
    member = get_member(session=session, tenant=tenant, member_id=member_id)
    index = member_index(session, tenant, member_id)
    family_ids = family_member_ids(session=session, tenant=tenant, member=member) if member else [index]
    rows = _latest_decisions(
        session, tenant, family_ids, dt.date(year, 1, 1), dt.date(year, 12, 31), exclude_claim_id
    )
    ded = fam_ded = oop = fam_oop = paid = ZERO
    limit_paid: dict[str, Decimal] = {}
    counts: dict[str, int] = {}
    for row in rows:
        if row.outcome not in PAYING_OUTCOMES:
            continue
        d = row.stored or {}  # the plain projection: amounts and codes only (db/sealing.py)
        d_ded = _money(d.get("deductible_applied"))
        d_oop = _money(d.get("oop_applied"))
        fam_ded += d_ded
        fam_oop += d_oop
        if row.member_id != index:
            continue
        ded += d_ded
        oop += d_oop
        paid += _money(d.get("payable", row.payable))
        for group, amount in (d.get("limit_paid") or {}).items():
            limit_paid[group] = limit_paid.get(group, ZERO) + _money(amount)
        for cat, units in (d.get("service_counts") or {}).items():
            counts[cat] = counts.get(cat, 0) + int(units)
    return Accumulators(
        year=year,
        deductible_met=ded,
        family_deductible_met=fam_ded,
        oop_used=oop,
        family_oop_used=fam_oop,
        plan_paid=paid,
        limit_paid=limit_paid,
        service_counts=counts,
    )


def claim_history(
    *, session: Session, tenant: str, member_id: str, since: dt.date | None = None,
    exclude_claim_id: str | None = None,
) -> list[ClaimHistoryEntry]:  # fmt: skip
    """The member's earlier claims (one entry per claim, from its latest decision), oldest first.

    ``since`` limits by date of service (duplicates and frequency checks look back a year or so, not forever).
    """
    rows = _latest_decisions(session, tenant, [member_index(session, tenant, member_id)], since, None,
                             exclude_claim_id)
    if not rows:
        return []
    claims = {
        c.id: c
        for c in session.scalars(select(Claim).where(Claim.id.in_([r.claim_id for r in rows])))
    }
    out: list[ClaimHistoryEntry] = []
    for row in rows:
        claim = claims.get(row.claim_id)
        if claim is None:
            continue
        d = row.stored or {}  # the plain projection: amounts and codes only (db/sealing.py)
        out.append(
            ClaimHistoryEntry(
                document_sha256=claim.document_sha256,
                claim_id=claim.id,
                provider=d.get("provider"),
                service_date=row.service_date,
                amount=row.billed,
                claim_date=claim.created_at.date() if claim.created_at else None,
                outcome=row.outcome,
            )
        )
    return out


def claim_id_for_document(*, session: Session, tenant: str, sha256: str) -> str | None:
    """The claim a document already belongs to (documents are unique per tenant), if any."""
    return session.scalar(select(Claim.id).where(Claim.tenant == tenant, Claim.document_sha256 == sha256))
