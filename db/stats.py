"""Aggregate counts for monitoring, computed from the database (so they are right whichever process did the work).

Each function is one aggregate query; none reads a claim's content. Used by the Prometheus collector
(flows/metrics.py) at scrape time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session, aliased

from db.models import Claim, DecisionRow, ExtractionRow
from db.webhooks import WebhookEvent

PENDING_REVIEW = "pending_review"


def _counts(session: Session, first: ColumnElement[str], second: ColumnElement[str]) -> dict[tuple[str, str], int]:
    rows = session.execute(select(first, second, func.count()).group_by(first, second))
    return {(a, b): n for a, b, n in rows}


def claims_by_status(session: Session) -> dict[tuple[str, str], int]:
    """(tenant, status) -> number of claims."""
    return _counts(session, Claim.tenant, Claim.status)


def decisions_by_outcome(session: Session) -> dict[tuple[str, str], int]:
    """(tenant, outcome) -> decisions ever recorded (machine and reviewer; rows are never deleted)."""
    return _counts(session, DecisionRow.tenant, DecisionRow.outcome)


@dataclass(frozen=True)
class QueueStats:
    tenant: str
    queue: str
    depth: int
    oldest: dt.datetime  # when the oldest waiting claim was sent to review (UTC)


def review_queues(session: Session) -> list[QueueStats]:
    """Claims waiting for a person, per tenant and review queue (the queue named by the claim's latest decision)."""
    d2 = aliased(DecisionRow)
    latest = select(func.max(d2.id)).where(d2.claim_id == Claim.id).correlate(Claim).scalar_subquery()
    queue = DecisionRow.decision["review_queue"].as_string()
    rows = session.execute(
        select(Claim.tenant, queue, func.count(), func.min(DecisionRow.created_at))
        .join(DecisionRow, DecisionRow.id == latest)
        .where(Claim.status == PENDING_REVIEW)
        .group_by(Claim.tenant, queue)
    )
    return [
        QueueStats(t, q or "none", n, _utc(oldest))
        for t, q, n, oldest in rows
    ]


@dataclass(frozen=True)
class Histogram:
    """Cumulative counts per upper bound (the last bound is +Inf), the total count and the sum."""

    bounds: tuple[float, ...]
    cumulative: tuple[int, ...]
    count: int
    sum: float


def ocr_confidence(session: Session, bounds: Sequence[float]) -> Histogram:
    """Mean OCR confidence of every recorded extraction, bucketed (one query)."""
    col = ExtractionRow.ocr_confidence
    cols = [func.count(), func.coalesce(func.sum(col), 0)]
    cols += [func.coalesce(func.sum(case((col <= Decimal(str(b)), 1), else_=0)), 0) for b in bounds]
    row = session.execute(select(*cols)).one()
    count, total, per_bound = int(row[0]), row[1], [int(x) for x in row[2:]]
    return Histogram((*bounds, float("inf")), (*per_bound, count), count, float(total))


def webhook_events_by_state(session: Session) -> dict[tuple[str, str], int]:
    """(tenant, state) -> webhook events (pending, delivered, failed, dropped)."""
    return _counts(session, WebhookEvent.tenant, WebhookEvent.state)


@dataclass(frozen=True)
class FirstDecision:
    """Timestamps of one claim's way to its first decision (UTC)."""

    decision_id: int
    received: dt.datetime
    extracted: dt.datetime | None
    decided: dt.datetime


def first_decisions(session: Session, *, after_id: int, limit: int) -> list[FirstDecision]:
    """Claims' first decisions with id > ``after_id`` (oldest first, at most ``limit``): when the claim was received,
    when the extraction decided on was recorded, when it was decided. A later decision (a review, a re-adjudication
    after a correction) is not a first decision and is not listed."""
    earlier = aliased(DecisionRow)
    extraction = (
        select(func.max(ExtractionRow.created_at))
        .where(ExtractionRow.claim_id == DecisionRow.claim_id, ExtractionRow.created_at <= DecisionRow.created_at)
        .correlate(DecisionRow)
        .scalar_subquery()
    )
    rows = session.execute(
        select(DecisionRow.id, Claim.created_at, extraction, DecisionRow.created_at)
        .join(Claim, Claim.id == DecisionRow.claim_id)
        .where(DecisionRow.id > after_id)
        .where(~select(earlier.id).where(earlier.claim_id == DecisionRow.claim_id, earlier.id < DecisionRow.id)
               .correlate(DecisionRow).exists())
        .order_by(DecisionRow.id)
        .limit(limit)
    )
    return [FirstDecision(i, _utc(r), _utc(x) if x is not None else None, _utc(d)) for i, r, x, d in rows]


def _utc(t: dt.datetime) -> dt.datetime:
    return t if t.tzinfo is not None else t.replace(tzinfo=dt.UTC)
