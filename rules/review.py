"""A person's decision on a claim, pure (the review workflow: docs/review.md).

* ``Overrides`` is what a reviewer's *approve* or *adjust* tells the engine
  (``adjudicate(..., review=Overrides(...))``). A person has looked at the claim, so:

  - every pend is resolved (nothing waits for review any more);
  - the values as read are confirmed: a denial that only waited because a value was read with low confidence
    ("would be denied … a person must confirm") now applies — to pay such a line anyway, the reviewer gives it an
    allowed amount, and to change the value, the reviewer corrects the extraction instead;
  - an allowed amount given for a line replaces the plan's price for it (and overturns a denial of that line);
    co-pay, deductible, co-insurance, the out-of-pocket maximum and benefit limits still apply to it in line order.

  ``settle`` applies this to the engine's working state before pricing (so running accumulators see the final line
  statuses) and again before the outcome (a claim stopped early is never priced).
* ``deny`` turns a decision into the reviewer's denial of the whole claim with one CARC reason.
* ``reopen`` turns a decided claim's decision back into PENDING_REVIEW, its former payment shown as the proposal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from claimflow.model.decision import Decision, LineResult, LineStatus, Outcome, Reason
from claimflow.money import ZERO
from rules.context import Context
from rules.explain import CARC

REVIEW = "review.person/v1"
REVIEW_DENY = "review.deny/v1"
REVIEW_REOPEN = "review.reopen/v1"
REOPEN_QUEUE = "claims_examiner"
#: Codes that adjust a payment rather than deny a claim (cost sharing, the fee schedule, "pending"): never a denial.
_NOT_DENIALS = frozenset({"1", "2", "3", "45", "133"})
#: CARC codes a reviewer may deny a claim with.
DENIAL_CODES = {code: text for code, text in CARC.items() if code not in _NOT_DENIALS}
DENIAL_GROUPS = ("CO", "PR", "PI")


@dataclass(frozen=True)
class Overrides:
    """A reviewer's approve (no overrides) or adjust: ``allowed`` maps a line index (0-based) to its allowed amount."""

    allowed: Mapping[int, Decimal] = field(default_factory=dict)

    def trace_inputs(self) -> dict[str, str]:
        return {"allowed": ",".join(f"{i}={a}" for i, a in sorted(self.allowed.items())) or "none"}


def settle(ctx: Context) -> None:
    """Resolve the engine's working state as a person's review does (see the module docstring). Idempotent."""
    review = ctx.review
    if review is None:
        return
    for idx in review.allowed:
        ctx.line_denials.pop(idx, None)
        if 0 <= idx < len(ctx.lines) and ctx.lines[idx].status != "open":
            ctx.lines[idx].status = "open"
    for d in ctx.claim_denials:
        d.guess = False
    for idx, d in ctx.line_denials.items():
        d.guess = False
        ctx.lines[idx].status = "denied"
    ctx.pends.clear()
    for ln in ctx.lines:
        if ln.status == "pending":
            ln.status = "open"


def _unpaid_line(ln: LineResult, status: LineStatus) -> LineResult:
    return ln.model_copy(update={
        "status": status, "allowed": ZERO, "copay": ZERO, "deductible": ZERO, "coinsurance": ZERO,
        "over_limit": ZERO, "member_responsibility": ZERO, "payable": ZERO,
    })  # fmt: skip


_NO_INCREMENTS = {
    "deductible_applied": ZERO, "copay_applied": ZERO, "coinsurance_applied": ZERO, "oop_applied": ZERO,
    "limit_paid": {}, "service_counts": {},
}  # fmt: skip


def deny(decision: Decision, *, group: str, code: str) -> Decision:
    """The reviewer's denial of the whole claim with ``group``-``code`` (validated by the caller against
    ``DENIAL_CODES`` and ``DENIAL_GROUPS``): nothing is paid, nothing moves the accumulators."""
    if code not in DENIAL_CODES or group not in DENIAL_GROUPS:
        raise ValueError(f"{group}-{code} is not a denial code")
    reason = Reason(group=group, code=code, message=f"{DENIAL_CODES[code]} (decided by a reviewer).",
                    amount=decision.billed, rule=REVIEW_DENY)  # fmt: skip
    return decision.model_copy(update={
        "outcome": Outcome.DENIED, "allowed": ZERO, "payable": ZERO, "member_responsibility": ZERO,
        "reasons": [reason], "review_queue": None, "proposed_payable": ZERO,
        "lines": [_unpaid_line(ln, LineStatus.DENIED) for ln in decision.lines],
        "trace": [*decision.trace, _trace(REVIEW_DENY, {"code": f"{group}-{code}"})],
        **_NO_INCREMENTS,
    })  # fmt: skip


def reopen(decision: Decision) -> Decision:
    """A decided claim back in review: PENDING_REVIEW in the ``claims_examiner`` queue, nothing paid, what it paid
    (or would have) kept on the lines as the proposal."""
    reason = Reason(group="OA", code="133", message="Reopened by a reviewer; the claim is being reviewed again.",
                    rule=REVIEW_REOPEN)  # fmt: skip
    lines = [ln.model_copy(update={"status": LineStatus.PENDING}) if ln.status is LineStatus.PAID else ln
             for ln in decision.lines]  # fmt: skip
    kept = [r for r in decision.reasons if not (r.group == "OA" and r.code == "133")]
    return decision.model_copy(update={
        "outcome": Outcome.PENDING_REVIEW, "allowed": ZERO, "payable": ZERO, "member_responsibility": ZERO,
        "reasons": [reason, *kept], "review_queue": REOPEN_QUEUE,
        "proposed_payable": sum((ln.payable for ln in lines if ln.status is LineStatus.PENDING), ZERO),
        "lines": lines, "trace": [*decision.trace, _trace(REVIEW_REOPEN, {"outcome_before": decision.outcome.value})],
        **_NO_INCREMENTS,
    })  # fmt: skip


def _trace(rule: str, inputs: dict[str, str]) -> dict[str, object]:
    return {"rule": rule, "result": "applied", "inputs": inputs, "clause": None, "detail": None, "line": None}


def parse_denial(text: str) -> tuple[str, str]:
    """``96`` → ``("CO", "96")``; ``PR-96`` → ``("PR", "96")``. Raises ValueError listing what is accepted."""
    raw = text.strip().upper()
    group, sep, code = raw.partition("-")
    if not sep:
        group, code = "CO", raw
    if group not in DENIAL_GROUPS or code not in DENIAL_CODES:
        codes = ", ".join(sorted(DENIAL_CODES, key=int))
        raise ValueError(
            f"{text!r} is not a denial reason: give a CARC code ({codes}), optionally with a group "
            f"({', '.join(DENIAL_GROUPS)}; default CO), e.g. 96 or PR-96"
        )
    return group, code


__all__ = ["DENIAL_CODES", "DENIAL_GROUPS", "Overrides", "deny", "parse_denial", "reopen", "settle"]
