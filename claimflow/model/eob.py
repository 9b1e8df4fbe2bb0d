"""Render a Decision as an Explanation of Benefits (plain text, 100 columns): what was billed, what the plan allows
and pays, what the member owes and why — every adjustment with its code and sentence — and what happens next.

Lives in the core (not rules/) because ``Decision.explain()`` must work wherever a Decision is, e.g. read back from
the database; it uses only what the decision carries.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from claimflow.model.decision import Decision

_GROUP_TEXT = {
    "CO": "provider write-off, you do not owe this",
    "PR": "your responsibility",
    "OA": "pending / informational",
    "PI": "payer reduction",
}

_NEXT = {
    "APPROVED": "Payment of the plan's share is issued to the provider. You may be billed for \"You owe\".",
    "PARTIALLY_APPROVED": (
        "Covered lines are paid; denied lines and amounts above a benefit maximum are explained above. You may "
        "appeal within 180 days."
    ),
    "DENIED": "Nothing is paid. You or your provider may appeal within 180 days with supporting documents.",
    "PENDING_REVIEW": "A person will review this claim before anything is paid; no action is needed from you now.",
}


def _m(v: Decimal) -> str:
    return f"{v:,.2f}"


def render_eob(d: Decision) -> str:
    out: list[str] = []
    w = out.append
    w("EXPLANATION OF BENEFITS — this is not a bill")
    w("=" * 100)
    w(f"Member: {d.member_id or 'unknown'}    Plan: {d.plan_id or 'unknown'}"
      + (f" (version {d.plan_version[:19]}…)" if d.plan_version else ""))  # fmt: skip
    w(f"Document: {(d.document_sha256 or '')[:16]}    Date of service: "
      f"{d.service_date.isoformat() if d.service_date else 'unknown'}    Processed: "
      f"{d.decided_on.isoformat() if d.decided_on else 'unknown'}")  # fmt: skip
    status = d.outcome.value.replace("_", " ")
    w(f"Outcome: {status}" + (f" — review queue: {d.review_queue}" if d.review_queue else ""))
    w("")
    if d.lines:
        if d.outcome.value == "PENDING_REVIEW":
            w("Line amounts are what the plan would pay if the review approves the claim.")
        head = f"{'#':>2}  {'Date':<10}  {'Code':<13} {'Billed':>10} {'Allowed':>10} {'Co-pay':>8} {'Deduct.':>8} "
        head += f"{'Co-ins.':>8} {'Plan pays':>10} {'You owe':>9}  Status"
        w(head)
        w("-" * 100)
        for ln in d.lines:
            w(
                f"{ln.index + 1:>2}  {ln.service_date.isoformat() if ln.service_date else '':<10}  "
                f"{(ln.code or '(none)')[:13]:<13} {_m(ln.billed):>10} {_m(ln.allowed):>10} {_m(ln.copay):>8} "
                f"{_m(ln.deductible):>8} {_m(ln.coinsurance):>8} {_m(ln.payable):>10} "
                f"{_m(ln.member_responsibility):>9}  {ln.status.value.lower()}"
            )
        w("-" * 100)
    w(f"{'Total billed':<24}{_m(d.billed):>12}")
    w(f"{'Allowed by the plan':<24}{_m(d.allowed):>12}")
    w(f"{'Plan pays':<24}{_m(d.payable):>12}")
    w(f"{'You owe':<24}{_m(d.member_responsibility):>12}")
    if d.outcome.value == "PENDING_REVIEW" and d.proposed_payable:
        w(f"{'Proposed plan payment':<24}{_m(d.proposed_payable):>12}  (if the review approves it)")
    w("")
    if d.reasons:
        w("Why (reason codes):")
        for r in d.reasons:
            where = f"line {r.line + 1}" if r.line is not None else "claim"
            amount = f" {_m(r.amount)}" if r.amount is not None else ""
            w(f"  {r.label:<12} {where:<8}{amount:>11}  {r.message}")
        groups = sorted({r.group for r in d.reasons})
        w("  Group codes: " + "; ".join(f"{g} = {_GROUP_TEXT.get(g, g)}" for g in groups))
        w("")
    info = [f for f in d.flags if f.severity == "info"]
    if info:
        w("Notes:")
        for f in info:
            w(f"  {f.code}: {f.message}")
        w("")
    w("What happens next: " + _NEXT[d.outcome.value])
    return "\n".join(out) + "\n"
