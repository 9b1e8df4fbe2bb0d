"""Prometheus metrics (docs/operations.md, "Metrics").

Two kinds, chosen by where the truth lives:

* **From the database at scrape time** (``DatabaseCollector``): claims by status, decisions by outcome, review queue
  depth and age, the OCR confidence histogram, webhook events by state. They are right across processes (the API,
  the watcher and any number of workers write the same database), so any replica's /metrics tells the whole story.
* **Observed in process**: stage latencies (``STAGE_SECONDS``), observed by the flow tasks where the work runs; a
  scrape sees the stages this process ran (with ``claimflow serve`` that is everything on the box).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from db import stats

log = logging.getLogger(__name__)

#: OCR mean-confidence bucket bounds (review_confidence defaults to 0.80).
OCR_BUCKETS = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98, 1.0)
STAGE_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)

#: In-process: seconds per pipeline stage (receive, ocr, extract, adjudicate), observed by flows/claim.py.
STAGE_SECONDS = Histogram(
    "claimflow_stage_seconds", "Seconds a claim spent in one pipeline stage (this process).", ["stage"],
    buckets=STAGE_BUCKETS, registry=None,
)


@contextmanager
def stage_timer(stage: str) -> Iterator[None]:
    """Observe how long the block took under ``stage`` (also when it raises: a failure's latency counts too)."""
    start = time.perf_counter()
    try:
        yield
    finally:
        STAGE_SECONDS.labels(stage=stage).observe(time.perf_counter() - start)


class DatabaseCollector(Collector):
    """Gauges and counters computed from the database on every scrape (a handful of aggregate queries)."""

    def __init__(self, sessions: sessionmaker[Session], *, clock: type[dt.datetime] = dt.datetime) -> None:
        self.sessions = sessions
        self.clock = clock

    def describe(self) -> list[Metric]:
        return []  # collected lazily: registering must not query the database

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("claimflow_metrics_database_up", "1 if the database answered this scrape.")
        try:
            with self.sessions() as s:
                families = list(self._families(s))
        except OperationalError as e:
            log.warning("metrics: database unavailable (%s)", type(e).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _families(self, s: Session) -> Iterator[Metric]:
        claims = GaugeMetricFamily("claimflow_claims", "Claims by current status.", labels=["tenant", "status"])
        for (tenant, status), n in sorted(stats.claims_by_status(s).items()):
            claims.add_metric([tenant, status], n)
        yield claims

        decisions = CounterMetricFamily(
            "claimflow_decisions", "Decisions recorded, machine and reviewer, by outcome.", labels=["tenant", "outcome"]
        )
        for (tenant, outcome), n in sorted(stats.decisions_by_outcome(s).items()):
            decisions.add_metric([tenant, outcome], n)
        yield decisions

        depth = GaugeMetricFamily("claimflow_review_queue_depth", "Claims waiting for review.",
                                  labels=["tenant", "queue"])
        age = GaugeMetricFamily("claimflow_review_queue_oldest_age_seconds",
                                "Seconds the oldest claim in the review queue has waited.", labels=["tenant", "queue"])
        now = self.clock.now(dt.UTC)
        for q in sorted(stats.review_queues(s), key=lambda q: (q.tenant, q.queue)):
            depth.add_metric([q.tenant, q.queue], q.depth)
            age.add_metric([q.tenant, q.queue], max(0.0, (now - q.oldest).total_seconds()))
        yield depth
        yield age

        h = stats.ocr_confidence(s, OCR_BUCKETS)
        ocr = HistogramMetricFamily("claimflow_ocr_confidence", "Mean OCR confidence of each recorded extraction.")
        ocr.add_metric([], [(_le(b), c) for b, c in zip(h.bounds, h.cumulative, strict=True)], sum_value=h.sum)
        yield ocr

        events = GaugeMetricFamily("claimflow_webhook_events", "Webhook events by delivery state.",
                                   labels=["tenant", "state"])
        for (tenant, state), n in sorted(stats.webhook_events_by_state(s).items()):
            events.add_metric([tenant, state], n)
        yield events


def _le(bound: float) -> str:
    return "+Inf" if bound == float("inf") else repr(bound)


def build_registry(sessions: sessionmaker[Session], *, clock: type[dt.datetime] = dt.datetime) -> CollectorRegistry:
    """A registry with the database collector and the in-process stage histogram (one per app)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseCollector(sessions, clock=clock))
    registry.register(STAGE_SECONDS)
    return registry
