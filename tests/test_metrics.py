"""Prometheus metrics: the exposition parses, database-derived values match the claims written through the real
stages (any process's work counts), the in-process stage histogram counts observations, a dead database is reported
as claimflow_metrics_database_up 0 rather than a failed scrape."""

from __future__ import annotations

import datetime as dt

import pytest
from prometheus_client import generate_latest
from pydantic import SecretStr
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, create_engine, select
from sqlalchemy.orm import Session, sessionmaker

from apiext_helpers import decided_claim, http_api, load_members
from claimflow.settings import Settings
from db.engine import session_factory
from db.models import DecisionRow
from flows import metrics

# The scrape's clock stands an hour after the test runs, so the queue's age is positive and known exactly.
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(hours=1)


class FixedClock(dt.datetime):
    @classmethod
    def now(cls, tz: dt.tzinfo | None = None) -> dt.datetime:  # type: ignore[override]
        return NOW


def scrape(sessions: sessionmaker[Session]) -> dict[str, dict[tuple, float]]:
    """name -> {(sample name, sorted labels): value}, parsed from the text exposition."""
    text = generate_latest(metrics.build_registry(sessions, clock=FixedClock)).decode()
    out: dict[str, dict[tuple, float]] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out.setdefault(family.name, {})[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


@pytest.fixture
def sessions(any_engine: Engine) -> sessionmaker[Session]:
    return session_factory(any_engine)


def test_database_metrics_count_what_the_stages_recorded(settings: Settings, sessions: sessionmaker[Session]) -> None:
    load_members(sessions, "acme")
    load_members(sessions, "beta")
    for name, conf in [("clinic-digital", 0.99), ("dental-scan", 0.93), ("clinic-nonmember", 0.75),
                       ("clinic-eur-negated", 0.55)]:
        decided_claim(settings, sessions, name, ocr_confidence=conf)
    pended, _ = decided_claim(settings, sessions, "clinic-eur-negated", tenant="beta", ocr_confidence=0.81)
    with sessions() as s:
        sent_to_review = s.scalar(select(DecisionRow.created_at).where(DecisionRow.claim_id == pended))
    assert sent_to_review is not None

    m = scrape(sessions)
    assert m["claimflow_metrics_database_up"] == {("claimflow_metrics_database_up", ()): 1.0}
    claims = m["claimflow_claims"]
    for status in ("approved", "partially_approved", "denied", "pending_review"):
        assert claims[("claimflow_claims", (("status", status), ("tenant", "acme")))] == 1
    assert claims[("claimflow_claims", (("status", "pending_review"), ("tenant", "beta")))] == 1
    assert sum(claims.values()) == 5
    assert m["claimflow_decisions"][("claimflow_decisions_total", (("outcome", "APPROVED"), ("tenant", "acme")))] == 1

    depth = m["claimflow_review_queue_depth"]
    assert depth == {
        ("claimflow_review_queue_depth", (("queue", "claims_examiner"), ("tenant", "acme"))): 1,
        ("claimflow_review_queue_depth", (("queue", "claims_examiner"), ("tenant", "beta"))): 1,
    }
    age = m["claimflow_review_queue_oldest_age_seconds"]
    expected_age = (NOW - sent_to_review.replace(tzinfo=dt.UTC)).total_seconds()
    key = ("claimflow_review_queue_oldest_age_seconds", (("queue", "claims_examiner"), ("tenant", "beta")))
    assert age[key] == pytest.approx(expected_age, abs=1e-3)

    ocr = m["claimflow_ocr_confidence"]
    buckets = {dict(labels)["le"]: v for (name, labels), v in ocr.items() if name.endswith("_bucket")}
    assert buckets["0.5"] == 0 and buckets["0.6"] == 1 and buckets["0.8"] == 2 and buckets["0.85"] == 3
    assert buckets["0.95"] == 4 and buckets["1.0"] == 5 and buckets["+Inf"] == 5
    assert ocr[("claimflow_ocr_confidence_count", ())] == 5
    assert ocr[("claimflow_ocr_confidence_sum", ())] == pytest.approx(0.99 + 0.93 + 0.75 + 0.55 + 0.81)


def test_stage_latency_is_observed_in_process(sessions: sessionmaker[Session]) -> None:
    def count() -> float:
        return scrape(sessions).get("claimflow_stage_seconds", {}).get(
            ("claimflow_stage_seconds_count", (("stage", "ocr"),)), 0.0)

    before = count()
    with pytest.raises(RuntimeError), metrics.stage_timer("ocr"):
        raise RuntimeError("a failed stage still took time")
    with metrics.stage_timer("ocr"):
        pass
    assert count() == before + 2


def test_empty_database_scrapes_cleanly(sqlite_engine: Engine) -> None:
    m = scrape(session_factory(sqlite_engine))
    assert m["claimflow_ocr_confidence"][("claimflow_ocr_confidence_count", ())] == 0
    assert not m.get("claimflow_claims") and not m.get("claimflow_review_queue_depth")


def test_unreachable_database_is_reported_not_raised(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = create_engine(f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}")
    m = scrape(session_factory(engine))
    assert m["claimflow_metrics_database_up"] == {("claimflow_metrics_database_up", ()): 0.0}
    assert "claimflow_claims" not in m


def test_metrics_over_http(settings: Settings, any_engine: Engine) -> None:
    with http_api(settings, any_engine) as api:
        load_members(api.sessions, "acme")
        decided_claim(api.settings, api.sessions, "clinic-eur-negated")
        r = api.client.get("/metrics")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
        families = {f.name: f for f in text_string_to_metric_families(r.text)}
        depth = {tuple(sorted(s.labels.items())): s.value for s in families["claimflow_review_queue_depth"].samples}
        assert depth == {(("queue", "claims_examiner"), ("tenant", "acme")): 1.0}
        assert families["claimflow_ocr_confidence"].type == "histogram"
        assert families["claimflow_stage_seconds"].type == "histogram"


def test_metrics_token_is_required_when_set(settings: Settings, sqlite_engine: Engine) -> None:
    with http_api(settings, sqlite_engine, metrics_token=SecretStr("s3cret-scrape-token")) as api:
        assert api.client.get("/metrics").status_code == 401
        wrong = api.client.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401 and wrong.headers["content-type"] == "application/problem+json"
        ok = api.client.get("/metrics", headers={"Authorization": "Bearer s3cret-scrape-token"})
        assert ok.status_code == 200 and "claimflow_claims" in ok.text


def test_claim_latency_is_tallied_from_first_decisions_only(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    from db import claims as claims_repo
    from db.engine import transaction
    from db.models import Claim

    load_members(sessions, "acme")
    ids = [decided_claim(settings, sessions, name)[0] for name in ("clinic-digital", "clinic-eur-negated")]
    registry = metrics.build_registry(sessions, clock=FixedClock)

    def latency() -> dict[tuple[str, str], float]:
        fams = {f.name: f for f in text_string_to_metric_families(generate_latest(registry).decode())}
        return {(s.name, s.labels["stage"]): s.value for s in fams["claimflow_claim_latency_seconds"].samples
                if not s.name.endswith("_bucket")}

    first = latency()
    assert first[("claimflow_claim_latency_seconds_count", "received_to_decided")] == 2
    assert first[("claimflow_claim_latency_seconds_count", "extracted_to_decided")] == 2
    with sessions() as s:
        expected = 0.0
        for claim_id in ids:
            claim = s.get(Claim, claim_id)
            decision = claims_repo.latest_decision(s, claim_id=claim_id)
            expected += (decision.created_at - claim.created_at).total_seconds()  # type: ignore[union-attr]
    assert first[("claimflow_claim_latency_seconds_sum", "received_to_decided")] == pytest.approx(expected, abs=1e-3)

    # A second decision on a claim (a review) is not a first decision; a new claim's is. Counts only grow.
    with transaction(sessions) as s:
        claim = s.get(Claim, ids[1])
        row = claims_repo.latest_decision(s, claim_id=ids[1])
        assert claim is not None and row is not None
        s.add(DecisionRow(claim_id=claim.id, tenant=claim.tenant, member_id=row.member_id, outcome="APPROVED",
                          billed=row.billed, payable=row.billed, member_responsibility=row.member_responsibility,
                          decision=row.decision, digest=row.digest, decided_by="key:rev"))
    decided_claim(settings, sessions, "clinic-nonmember")
    assert latency()[("claimflow_claim_latency_seconds_count", "received_to_decided")] == 3
    # Another replica (a fresh collector) counts the same from the database alone.
    fresh = {f.name: f for f in text_string_to_metric_families(
        generate_latest(metrics.build_registry(sessions, clock=FixedClock)).decode())}
    counts = {s.labels["stage"]: s.value for s in fresh["claimflow_claim_latency_seconds"].samples
              if s.name.endswith("_count")}
    assert counts == {"received_to_extracted": 3, "extracted_to_decided": 3, "received_to_decided": 3}
