"""Prometheus metrics (docs/operations.md, "Metrics").

Two kinds, chosen by where the truth lives:

* **From the database at scrape time** (``DatabaseCollector``): claims by status, decisions by outcome, review queue
  depth and age, the OCR confidence histogram, webhook events by state, and the claims' latencies from receipt to
  extraction to first decision. They are right across processes (the API, the watcher and any number of workers
  write the same database), so any replica's /metrics tells the whole story. The latency histogram is a pure
  function of the decision rows, tallied incrementally (each scrape reads only decisions it has not seen), so every
  replica converges on the same counts and a restart re-counts to the same values.
* **Observed in process**: task durations (``STAGE_SECONDS``), observed by the flow tasks where they run — only
  processing time, only in that process (Prefect runs a served deployment's flow runs in their own processes, whose
  observations no /metrics sees; in-process runs — the API's in-process dispatcher, ``claimflow process`` — do).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
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
#: Wall-clock latency buckets for a claim's way through the pipeline (queueing included), seconds.
LATENCY_BUCKETS = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 14400.0, 86400.0)
#: Decision rows read per scrape at most (a first scrape of a large database catches up over a few scrapes).
LATENCY_ROWS_PER_SCRAPE = 50_000
LATENCY_STAGES = ("received_to_extracted", "extracted_to_decided", "received_to_decided")

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


class LatencyTally:
    """Cumulative latency histograms of claims' first decisions, advanced from a high-water mark of decision ids."""

    def __init__(self, bounds: tuple[float, ...] = LATENCY_BUCKETS) -> None:
        self.bounds = bounds
        self.after_id = 0
        self.counts = {stage: [0] * len(bounds) for stage in LATENCY_STAGES}
        self.totals = {stage: 0 for stage in LATENCY_STAGES}
        self.sums = {stage: 0.0 for stage in LATENCY_STAGES}
        self._lock = threading.Lock()

    def _observe(self, stage: str, seconds: float) -> None:
        seconds = max(0.0, seconds)
        self.totals[stage] += 1
        self.sums[stage] += seconds
        for i, bound in enumerate(self.bounds):
            if seconds <= bound:
                self.counts[stage][i] += 1

    def advance(self, session: Session, *, limit: int = LATENCY_ROWS_PER_SCRAPE) -> None:
        with self._lock:
            for row in stats.first_decisions(session, after_id=self.after_id, limit=limit):
                self._observe("received_to_decided", (row.decided - row.received).total_seconds())
                if row.extracted is not None:
                    self._observe("received_to_extracted", (row.extracted - row.received).total_seconds())
                    self._observe("extracted_to_decided", (row.decided - row.extracted).total_seconds())
                self.after_id = row.decision_id

    def family(self) -> HistogramMetricFamily:
        h = HistogramMetricFamily(
            "claimflow_claim_latency_seconds",
            "Wall-clock seconds from receipt to extraction to first decision, per claim (queueing included).",
            labels=["stage"],
        )
        with self._lock:
            for stage in LATENCY_STAGES:
                buckets = [(_le(b), c) for b, c in zip(self.bounds, self.counts[stage], strict=True)]
                h.add_metric([stage], [*buckets, ("+Inf", self.totals[stage])], sum_value=self.sums[stage])
        return h


class DatabaseCollector(Collector):
    """Gauges and counters computed from the database on every scrape (a handful of aggregate queries)."""

    def __init__(self, sessions: sessionmaker[Session], *, clock: type[dt.datetime] = dt.datetime) -> None:
        self.sessions = sessions
        self.clock = clock
        self.latency = LatencyTally()

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

        self.latency.advance(s)
        yield self.latency.family()


def _le(bound: float) -> str:
    return "+Inf" if bound == float("inf") else repr(bound)


def build_registry(sessions: sessionmaker[Session], *, clock: type[dt.datetime] = dt.datetime) -> CollectorRegistry:
    """A registry with the database collector and the in-process stage histogram (one per app)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseCollector(sessions, clock=clock))
    registry.register(STAGE_SECONDS)
    return registry
