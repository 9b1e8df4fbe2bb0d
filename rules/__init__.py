"""Adjudication, pure: Extraction + member + plan + accumulators in, Decision out.

Public interface: ``load_plans``, ``load_plan``, ``Plan``, ``adjudicate``, ``ENGINE_VERSION``.

How a caller (the pipeline, the API) wires it to the database::

    plans = load_plans(settings.plans_dir)                       # once; PlanError names file:line: field: problem
    member = get_member(session=s, tenant=t, member_id=x.patient.member_id) if x.patient.member_id else None
    year = (x.service_dates[0] if x.service_dates else today).year
    acc = accumulators(session=s, tenant=t, member_id=member.member_id, year=year, exclude_claim_id=claim.id)
    history = claim_history(session=s, tenant=t, member_id=member.member_id,
                            since=today - timedelta(days=400), exclude_claim_id=claim.id)
    decision = adjudicate(x, member, plans.get(member.plan_id) if member else None, acc, history,
                          today=today, review_confidence=settings.review_confidence)
    # store decision.to_json_dict() in decisions.decision (accumulators are summed from it later)

``exclude_claim_id`` matters when a claim is decided again: its own earlier decision must count neither as a
duplicate nor towards the accumulators. ``today`` is the date the claim was received (timely filing is measured to it).
"""

from rules.engine import ENGINE_VERSION, adjudicate
from rules.loader import PLANS_DIR, load_plan, load_plans, parse_plan
from rules.plan import Plan

__all__ = ["ENGINE_VERSION", "PLANS_DIR", "Plan", "adjudicate", "load_plan", "load_plans", "parse_plan"]
