"""Aggregate counts for monitoring, computed from the database (so they are right whichever process did the work).

Each function is one aggregate query; none reads a claim's content. Used by the Prometheus collector
(flows/metrics.py) at scrape time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, aliased

from db.models import Claim, DecisionRow, ExtractionRow
from db.webhooks import WebhookEvent

PENDING_REVIEW = "pending_review"


def claims_by_status(session: Session) -> dict[tuple[str, str], int]:
    """(tenant, status) -> number of claims."""
    rows = session.execute(select(Claim.tenant, Claim.status, func.count()).group_by(Claim.tenant, Claim.status))
    return {(t, s): n for t, s, n in rows}


def decisions_by_outcome(session: Session) -> dict[tuple[str, str], int]:
    """(tenant, outcome) -> decisions ever recorded (machine and reviewer; rows are never deleted)."""
    rows = session.execute(
        select(DecisionRow.tenant, DecisionRow.outcome, func.count()).group_by(DecisionRow.tenant, DecisionRow.outcome)
    )
    return {(t, o): n for t, o, n in rows}


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
        QueueStats(t, q or "none", n, oldest if oldest.tzinfo else oldest.replace(tzinfo=dt.UTC))
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
    rows = session.execute(
        select(WebhookEvent.tenant, WebhookEvent.state, func.count()).group_by(WebhookEvent.tenant, WebhookEvent.state)
    )
    return {(t, s): n for t, s, n in rows}
