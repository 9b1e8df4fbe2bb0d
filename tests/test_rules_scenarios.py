"""Table-driven adjudication scenarios: each tests/scenarios/*.yaml is a realistic claim + member + plan with the
expected outcome, money and reason codes; the comment at the top of each file says what it proves.

Format: ``plan`` (a shipped plan id, or null), ``member`` (Member fields merged over a default active member, or
null for an unknown member), optional ``accumulators``, ``history`` (``sha`` tags), ``today`` (default 2026-04-01),
``claim`` (compact spec, see rules/claimspec.py; member id and dates default to the member's and 2026-03-02) and
``expect`` (outcome; optional money, exact reason-code set, review queue, flag codes that must be present, lines).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from claimflow.model.accumulators import Accumulators, ClaimHistoryEntry
from claimflow.model.member import Member
from rules import adjudicate, load_plans
from rules.claimspec import claim_from_spec, digest_of

SCENARIOS = sorted((Path(__file__).parent / "scenarios").glob("*.yaml"))
PLANS = load_plans()
DEFAULT_MEMBER = {"member_id": "M-1001", "coverage_start": dt.date(2025, 1, 1)}


def test_there_are_at_least_thirty_scenarios_each_saying_what_it_proves() -> None:
    assert len(SCENARIOS) >= 30
    for path in SCENARIOS:
        assert path.read_text().startswith("# Proves:"), f"{path.name} must open with '# Proves: …'"


def build(s: dict[str, Any]) -> tuple[Any, ...]:
    member = None if s.get("member") is None else Member.model_validate({**DEFAULT_MEMBER, **s["member"]})
    plan = None if s.get("plan") is None else PLANS[s["plan"]]
    acc = Accumulators.model_validate(s.get("accumulators") or {})
    history = [
        ClaimHistoryEntry.model_validate({**{k: v for k, v in h.items() if k != "sha"},
                                          "document_sha256": digest_of(str(h["sha"]))})  # fmt: skip
        for h in s.get("history") or []
    ]
    claim = dict(s["claim"])
    if "member_id" not in claim:
        claim["member_id"] = member.member_id if member else "M-UNKNOWN"
    claim.setdefault("dates", [dt.date(2026, 3, 2)])
    today = s.get("today", dt.date(2026, 4, 1))
    return claim_from_spec(claim), member, plan, acc, history, today


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(path: Path) -> None:
    s = yaml.safe_load(path.read_text())
    x, member, plan, acc, history, today = build(s)
    d = adjudicate(x, member, plan, acc, history, today=today)
    e = s["expect"]
    labels = {f"{r.group}-{r.code}" for r in d.reasons}
    context = f"{path.name}: {d.outcome} reasons={sorted(labels)} flags={[f.code for f in d.flags]}"
    assert d.outcome.value == e["outcome"], context
    for key in ("billed", "allowed", "payable", "member_responsibility", "proposed_payable"):
        if key in e:
            assert getattr(d, key) == Decimal(e[key]), f"{context}: {key}"
    if "reasons" in e:
        assert labels == set(e["reasons"]), context
    if "review_queue" in e:
        assert d.review_queue == e["review_queue"], context
    for code in e.get("flags", []):
        assert code in {f.code for f in d.flags}, context
    for line, exp in zip(d.lines, e.get("lines", []), strict=False):
        assert line.status.value == exp["status"], context
        if "payable" in exp:
            assert line.payable == Decimal(exp["payable"]), context
    # every decision explains itself and keeps the money identities
    assert d.member_responsibility + d.payable == d.allowed
    assert "EXPLANATION OF BENEFITS" in d.explain()
    if d.outcome.value == "PENDING_REVIEW":
        assert d.review_queue and d.payable == 0
