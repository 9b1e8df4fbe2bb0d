"""Adjudication, pure: Extraction + member + plan + accumulators in, Decision out.

Public interface: ``load_plans``, ``load_plan``, ``Plan``, ``adjudicate``, ``ENGINE_VERSION``.
"""

from rules.engine import ENGINE_VERSION, adjudicate
from rules.loader import PLANS_DIR, load_plan, load_plans, parse_plan
from rules.plan import Plan

__all__ = ["ENGINE_VERSION", "PLANS_DIR", "Plan", "adjudicate", "load_plan", "load_plans", "parse_plan"]
