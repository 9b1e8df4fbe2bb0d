"""One tenant's daily figures for the console dashboard: throughput, outcomes, review rate, time to decision, and
drift (OCR and extraction confidence, pend reasons, model and plan versions in use).

``load(session, tenant=, since=)`` reads three narrow row sets of the window (claims, decisions, extractions);
``summarize`` is pure and does the arithmetic, so it is tested without a database. Nothing here reads PHI beyond
the confidences of an extraction's evidence.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Claim, DecisionRow, ExtractionRow

PENDING = "PENDING_REVIEW"


@dataclass(frozen=True)
class ClaimIn:
    claim_id: str
    created_at: dt.datetime


@dataclass(frozen=True)
class DecisionIn:
    claim_id: str
    id: int
    created_at: dt.datetime
    outcome: str
    kind: str  # machine | review
    final: bool
    review_queue: str | None
    plan: str | None  # plan_id@version
    engine: str | None


@dataclass(frozen=True)
class ExtractionIn:
    created_at: dt.datetime
    extractor: str
    ocr_confidence: float
    extraction_confidence: float | None  # mean confidence of the extraction's evidence


@dataclass(frozen=True)
class Quantiles:
    p10: float
    p50: float
    p90: float
    n: int


@dataclass(frozen=True)
class VersionUse:
    kind: str  # extractor, plan, engine
    version: str
    count: int
    first_seen: dt.date
    last_seen: dt.date


@dataclass
class Dashboard:
    days: list[dt.date]
    received: list[int]
    decided: list[int]  # claims reaching a final decision (not pended) that day
    outcomes: dict[str, list[int]]  # outcome -> final decisions per day
    review_rate: list[float | None]  # share of first (machine) decisions that pended
    median_hours_to_decision: list[float | None]
    ocr_confidence: list[Quantiles | None]
    extraction_confidence: list[Quantiles | None]
    pended_share: dict[str, list[float | None]]  # review queue -> share of machine decisions that day
    versions: list[VersionUse] = field(default_factory=list)


def _day(t: dt.datetime) -> dt.date:
    return (t if t.tzinfo else t.replace(tzinfo=dt.UTC)).astimezone(dt.UTC).date()


def _utc(t: dt.datetime) -> dt.datetime:
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def _quantiles(values: Sequence[float]) -> Quantiles | None:
    if not values:
        return None
    v = sorted(values)
    pick = lambda q: v[min(len(v) - 1, int(q * (len(v) - 1) + 0.5))]  # noqa: E731 - nearest rank
    return Quantiles(pick(0.1), pick(0.5), pick(0.9), len(v))


def summarize(days: Sequence[dt.date], claims: Iterable[ClaimIn], decisions: Iterable[DecisionIn],
              extractions: Iterable[ExtractionIn]) -> Dashboard:
    index = {d: i for i, d in enumerate(days)}
    n = len(days)
    created = {c.claim_id: _utc(c.created_at) for c in claims}
    received = [0] * n
    for t in created.values():
        if _day(t) in index:
            received[index[_day(t)]] += 1
    by_claim: dict[str, list[DecisionIn]] = defaultdict(list)
    for d in sorted(decisions, key=lambda d: d.id):
        by_claim[d.claim_id].append(d)
    decided, outcomes = [0] * n, defaultdict(lambda: [0] * n)
    first_total, first_pended = [0] * n, [0] * n
    machine_total = [0] * n
    pended: dict[str, list[int]] = defaultdict(lambda: [0] * n)
    hours: list[list[float]] = [[] for _ in range(n)]
    for claim_id, rows in by_claim.items():
        first = rows[0]
        if _day(first.created_at) in index:
            i = index[_day(first.created_at)]
            first_total[i] += 1
            first_pended[i] += first.outcome == PENDING
        settled = next((r for r in rows if r.final and r.outcome != PENDING), None)
        if settled is not None and _day(settled.created_at) in index:
            i = index[_day(settled.created_at)]
            decided[i] += 1
            if claim_id in created:
                hours[i].append((_utc(settled.created_at) - created[claim_id]).total_seconds() / 3600)
        for r in rows:
            if _day(r.created_at) not in index:
                continue
            i = index[_day(r.created_at)]
            if r.final:
                outcomes[r.outcome][i] += 1
            if r.kind == "machine":
                machine_total[i] += 1
                if r.outcome == PENDING:
                    pended[r.review_queue or "none"][i] += 1
    ocr: list[list[float]] = [[] for _ in range(n)]
    ext: list[list[float]] = [[] for _ in range(n)]
    uses: dict[tuple[str, str], list[dt.date]] = defaultdict(list)
    for x in extractions:
        day = _day(x.created_at)
        uses[("extractor", x.extractor)].append(day)
        if day in index:
            ocr[index[day]].append(x.ocr_confidence)
            if x.extraction_confidence is not None:
                ext[index[day]].append(x.extraction_confidence)
    for rows in by_claim.values():
        for r in rows:
            for kind, version in (("plan", r.plan), ("engine", r.engine)):
                if version:
                    uses[(kind, version)].append(_day(r.created_at))
    return Dashboard(
        days=list(days), received=received, decided=decided, outcomes=dict(outcomes),
        review_rate=[p / t if t else None for p, t in zip(first_pended, first_total, strict=True)],
        median_hours_to_decision=[statistics.median(h) if h else None for h in hours],
        ocr_confidence=[_quantiles(v) for v in ocr], extraction_confidence=[_quantiles(v) for v in ext],
        pended_share={q: [c / t if t else None for c, t in zip(counts, machine_total, strict=True)]
                      for q, counts in sorted(pended.items())},
        versions=sorted((VersionUse(k, v, len(ds), min(ds), max(ds)) for (k, v), ds in uses.items()),
                        key=lambda u: (u.kind, u.first_seen, u.version)),
    )  # fmt: skip


def evidence_confidence(extraction: dict[str, Any]) -> float | None:
    """Mean confidence of every evidence entry of a stored extraction (fields, line items, diagnoses)."""
    found = [e.get("confidence") for e in (extraction.get("fields") or {}).values() if isinstance(e, dict)]
    for key in ("line_items", "diagnoses"):
        found += [(x.get("evidence") or {}).get("confidence") for x in extraction.get(key) or []]
    values = [float(c) for c in found if isinstance(c, int | float)]
    return sum(values) / len(values) if values else None


def load(session: Session, *, tenant: str, since: dt.date, until: dt.date) -> Dashboard:
    """The tenant's dashboard for the days ``since`` .. ``until`` (UTC, inclusive)."""
    start = dt.datetime.combine(since, dt.time(), dt.UTC)
    days = [since + dt.timedelta(days=i) for i in range((until - since).days + 1)]
    claims = [ClaimIn(i, t) for i, t in session.execute(
        select(Claim.id, Claim.created_at).where(Claim.tenant == tenant, Claim.created_at >= start))]
    decision_rows = session.execute(
        select(DecisionRow.claim_id, DecisionRow.id, DecisionRow.created_at, DecisionRow.outcome, DecisionRow.kind,
               DecisionRow.final, DecisionRow.decision["review_queue"].as_string(), DecisionRow.plan_id,
               DecisionRow.plan_version, DecisionRow.decision["engine_version"].as_string())
        .where(DecisionRow.tenant == tenant, DecisionRow.created_at >= start)
    )
    decisions = [DecisionIn(c, i, t, o, k, bool(f), q, f"{p}@{(v or '')[:12]}" if p else None, e)
                 for c, i, t, o, k, f, q, p, v, e in decision_rows]
    extraction_rows = session.execute(
        select(ExtractionRow.created_at, ExtractionRow.extractor, ExtractionRow.ocr_confidence,
               ExtractionRow.extraction)
        .join(Claim, Claim.id == ExtractionRow.claim_id)
        .where(Claim.tenant == tenant, ExtractionRow.created_at >= start)
    )
    extractions = [ExtractionIn(t, x, float(c), evidence_confidence(e or {})) for t, x, c, e in extraction_rows]
    return summarize(days, claims, decisions, extractions)
