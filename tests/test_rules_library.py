"""One test per rule of the library: each rule, by its versioned id, passes a clean claim and catches its problem.

The trace names the rule, its result and the plan clause; these tests read it, so a rule that silently stops
running (or changes its id without a version bump) fails here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from claimflow.model.accumulators import Accumulators, ClaimHistoryEntry
from claimflow.model.decision import Decision, Outcome
from claimflow.model.member import Member, PolicyStatus
from rules import adjudicate, load_plans
from rules.claimspec import claim_from_spec, digest_of
from rules.library import RULES

PLANS = load_plans()
TODAY = dt.date(2026, 4, 1)
CLEAN: dict[str, Any] = {
    "sha": "clean",
    "member_id": "M-1",
    "provider": {"npi": "1234567893"},
    "dates": [dt.date(2026, 3, 2)],
    "diagnoses": ["J06.9"],
    "lines": ["99213 105.00"],
}


def decide(
    spec: dict[str, Any] | None = None,
    *,
    member: dict[str, Any] | None = None,
    plan: str = "GOLD-PPO",
    acc: dict[str, Any] | None = None,
    history: list[ClaimHistoryEntry] | None = None,
    unknown_member: bool = False,
) -> Decision:
    m = None if unknown_member else Member(**{"member_id": "M-1", "plan_id": plan,
                                              "coverage_start": dt.date(2025, 1, 1), **(member or {})})  # fmt: skip
    return adjudicate(
        claim_from_spec({**CLEAN, **(spec or {})}), m, PLANS.get(plan), Accumulators(**(acc or {})), history or [],
        today=TODAY,
    )


def results(d: Decision, rule: str) -> list[str]:
    return [t["result"] for t in d.trace if t["rule"] == rule]


def test_every_rule_has_a_versioned_id_and_runs_on_a_clean_claim() -> None:
    d = decide()
    assert d.outcome is Outcome.APPROVED
    ran = {t["rule"] for t in d.trace}
    for fn in RULES:
        assert fn.rule_id.rsplit("/", 1)[1].startswith("v")
        assert fn.rule_id in ran, fn.rule_id
        assert "fail" not in results(d, fn.rule_id) and "review" not in results(d, fn.rule_id)


# (rule id, how to break the clean claim, expected trace result, expected reason label or flag)
CASES = [
    ("eligibility.member_known/v1", {"unknown_member": True}, "fail", "CO-31"),
    ("eligibility.member_known/v1", {"unknown_member": True, "spec": {"member_id_confidence": 0.3}}, "review",
     "MEMBER_ID_UNCERTAIN"),
    ("eligibility.plan_available/v1", {"plan": "NO-SUCH-PLAN"}, "review", "PLAN_MISSING"),
    ("eligibility.identity_match/v1", {"member": {"date_of_birth": dt.date(1970, 1, 1)},
                                       "spec": {"dob": "1971-01-01"}}, "review", "DOB_MISMATCH"),
    ("filing.service_dates_present/v1", {"spec": {"dates": []}}, "review", "NO_SERVICE_DATE"),
    ("eligibility.coverage_dates/v1", {"member": {"coverage_end": dt.date(2026, 1, 31)}}, "fail", "CO-27"),
    ("eligibility.coverage_dates/v1", {"member": {"coverage_start": dt.date(2026, 3, 10)}}, "fail", "CO-26"),
    ("eligibility.coverage_dates/v1", {"member": {"status": PolicyStatus.suspended}}, "fail", "CO-200"),
    ("eligibility.dependent_age/v1", {"member": {"relationship": "child", "date_of_birth": dt.date(1990, 1, 1)}},
     "fail", "CO-32"),
    ("filing.timely_filing/v1", {"spec": {"dates": [dt.date(2025, 2, 1)]}}, "fail", "CO-29"),
    ("duplicates.exact_document/v1", {"history": [ClaimHistoryEntry(document_sha256=digest_of("clean"))]}, "fail",
     "CO-18"),
    ("duplicates.possible_duplicate/v1", {"history": [ClaimHistoryEntry(
        document_sha256=digest_of("other"), provider="npi:1234567893", service_date=dt.date(2026, 3, 2),
        amount="105.40")]}, "review", "POSSIBLE_DUPLICATE"),
    ("integrity.currency/v1", {"spec": {"currency": "CAD"}}, "review", "FOREIGN_CURRENCY"),
    ("integrity.arithmetic/v2", {"spec": {"total": "115.00"}}, "review", "TOTAL_MISMATCH"),
    ("integrity.confidence/v1", {"spec": {"lines": ["99213 105.00 @0.4"]}}, "review", "LOW_CONFIDENCE"),
    ("coverage.diagnoses/v1", {"spec": {"diagnoses": ["Z41.1"]}}, "fail", "CO-96"),
    ("coverage.diagnoses/v1", {"spec": {"diagnoses": ["Z41.1", "J06.9"]}}, "review", "DIAGNOSIS_MIXED"),
    ("coverage.line_items/v1", {"spec": {"lines": ["D1110 95.00"]}}, "fail", "CO-204"),
    ("coverage.line_items/v1", {"spec": {"lines": ["15823 900.00"]}}, "fail", "CO-96"),
    ("coverage.line_items/v1", {"spec": {"lines": ["- 90.00"]}}, "review", "UNCODED_LINE"),
    ("coverage.line_items/v1", {"spec": {"lines": ["98941 45.00"]}, "acc": {"service_counts": {"chiropractic": 20}}},
     "fail", "CO-119"),
    ("anomalies.future_service_date/v1", {"spec": {"dates": [dt.date(2026, 4, 2)]}}, "review", "FUTURE_SERVICE_DATE"),
    ("anomalies.high_amount/v1", {"spec": {"lines": ["99213 841.00"]}}, "review", "HIGH_AMOUNT"),
    ("anomalies.claim_frequency/v1", {"history": [ClaimHistoryEntry(document_sha256=digest_of(f"h{i}"),
                                                                   claim_date=dt.date(2026, 3, 20))
                                                 for i in range(6)]}, "review", "CLAIM_FREQUENCY"),
    ("anomalies.round_total/v1", {"spec": {"lines": ["72148 2000.00"]}}, "flag", "ROUND_TOTAL"),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "how", "result", "code"), CASES, ids=[f"{c[0]}:{c[3]}" for c in CASES])
def test_rule_catches_its_problem(rule: str, how: dict[str, Any], result: str, code: str) -> None:
    d = decide(**how)
    assert result in results(d, rule), [(t["rule"], t["result"]) for t in d.trace]
    labels = {f"{r.group}-{r.code}" for r in d.reasons} | {f.code for f in d.flags}
    assert code in labels
    if result == "review":
        assert d.outcome is Outcome.PENDING_REVIEW and d.payable == 0
    if code.startswith("CO-") and result == "fail":
        assert d.outcome is Outcome.DENIED


def test_pricing_rule_traces_its_inputs_and_clauses() -> None:
    d = decide(acc={"deductible_met": "120.00"})
    [t] = [t for t in d.trace if t["rule"] == "pricing.price_lines/v1"]
    assert t["result"] == "applied" and t["inputs"]["deductible_met_before"] == "120.00"
    assert "deductible" in (t["clause"] or "")


def test_unknown_member_stops_further_rules() -> None:
    d = decide(unknown_member=True)
    assert [t["rule"] for t in d.trace] == ["eligibility.member_known/v1"]
    assert d.outcome is Outcome.DENIED and d.payable == 0 and d.member_id == "M-1"


def test_decision_names_the_plan_version_and_engine() -> None:
    d = decide()
    assert d.plan_id == "GOLD-PPO" and d.plan_version == PLANS["GOLD-PPO"].version
    assert d.plan_version.startswith("sha256:") and len(d.plan_version) == 71
    assert d.engine_version.startswith("claimflow-rules/")


def test_low_confidence_member_id_on_a_known_member_never_denies_on_policy() -> None:
    d = decide({"member_id_confidence": 0.5}, member={"coverage_end": dt.date(2026, 1, 31)})
    assert d.outcome is Outcome.PENDING_REVIEW
    assert d.review_queue == "eligibility"
    assert "DENIAL_ON_LOW_CONFIDENCE" in {f.code for f in d.flags}


def test_exact_duplicate_stays_denied_even_when_the_member_id_is_uncertain() -> None:
    d = decide({"member_id_confidence": 0.5}, history=[ClaimHistoryEntry(document_sha256=digest_of("clean"))])
    assert d.outcome is Outcome.DENIED and {r.code for r in d.reasons} == {"18"}


def test_explanation_of_benefits_lists_lines_reasons_and_next_step() -> None:
    d = decide({"lines": ["99213 150.00", "15823 900.00"]})
    eob = d.explain()
    assert "EXPLANATION OF BENEFITS" in eob
    assert "CO-45/N381" in eob and "CO-96/N130" in eob and "PR-3" in eob
    assert "line 2" in eob and "appeal" in eob
    assert "80.00" in eob  # plan pays


def test_indexed_field_evidence_counts_for_lines_and_diagnoses() -> None:
    ev = {"page": 1, "bbox": [0, 0, 1, 1], "confidence": 0.4}
    d = decide({"fields": {"line_items[0].amount": ev}})
    assert d.outcome is Outcome.PENDING_REVIEW and d.lines[0].status.value == "PENDING"
    d = decide({"fields": {"diagnoses[0]": ev}, "diagnoses": ["Z41.1"]})
    assert d.outcome is Outcome.PENDING_REVIEW
    assert "DENIAL_ON_LOW_CONFIDENCE" in {f.code for f in d.flags}


@pytest.mark.parametrize(
    ("checked", "expect_review"),
    [(True, False), (False, True), (None, True)],
)
def test_arithmetic_trusts_the_extractors_reconciliation(checked: bool | None, expect_review: bool) -> None:
    """A taxed receipt: lines 105.00, printed total 113.40. The extractor saw the tax line and says the total adds up;
    without its verdict the rule compares the sum itself and sends the claim to data entry."""
    d = decide({"total": "113.40", "total_matches_line_items": checked})
    assert any("differs from the sum" in r.message for r in d.reasons) is expect_review
    assert results(d, "integrity.arithmetic/v2") == (["review"] if expect_review else ["pass"])
