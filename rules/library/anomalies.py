"""Anomaly flags: patterns a claims examiner or special investigations unit would want to see.

Justification for each: a future date of service cannot be a real service yet (misread or fraud); a charge far above
the contracted rate for its code is a classic upcoding/fraud signal; many claims in a short window is a billing-mill
pattern; large round totals are typical of fabricated invoices (informational only: real bills are sometimes round).
After-hours checks are not made: extractions carry dates, not times.
"""

from __future__ import annotations

from rules.context import Context, iso, rule
from rules.explain import money

FUTURE = "anomalies.future_service_date/v1"
HIGH = "anomalies.high_amount/v1"
FREQUENCY = "anomalies.claim_frequency/v1"
ROUND = "anomalies.round_total/v1"


@rule(FUTURE)
def future_service_date(ctx: Context) -> None:
    if not ctx.dates:
        ctx.trace_add(FUTURE, "skip", detail="no date of service")
        return
    last = ctx.dates[-1]
    inputs = {"latest": iso(last), "today": iso(ctx.today)}
    if last > ctx.today:
        ctx.pend(FUTURE, "data_entry", "FUTURE_SERVICE_DATE",
                 f"The date of service {iso(last)} is in the future (misread, or billed in advance).")  # fmt: skip
        ctx.trace_add(FUTURE, "review", inputs)
    else:
        ctx.trace_add(FUTURE, "pass", inputs)


@rule(HIGH)
def high_amount(ctx: Context) -> None:
    """A line billed above ``high_amount_factor`` x its fee-schedule amount goes to special investigations."""
    plan = ctx.plan
    assert plan is not None
    factor = plan.anomalies.high_amount_factor
    fees = plan.compiled.fees
    hits = 0
    for line in ctx.lines:
        if line.billed is None or line.code is None or line.status == "denied":
            continue
        fee = fees.get(line.code)
        if fee is None:
            continue
        typical = fee * line.qty
        if line.billed > typical * factor:
            hits += 1
            ctx.pend(HIGH, "special_investigations", "HIGH_AMOUNT",
                     f"Line {line.index + 1} ({line.text_code}) bills {money(line.billed)}, more than {factor}x the "
                     f"plan's rate of {money(typical)}.", line=line)  # fmt: skip
    ctx.trace_add(HIGH, "review" if hits else "pass", {"factor": str(factor)}, clause="anomalies.high_amount_factor")


@rule(FREQUENCY)
def claim_frequency(ctx: Context) -> None:
    """More than ``max_claims_in_window`` earlier claims in the last ``window_days`` → special investigations."""
    plan = ctx.plan
    assert plan is not None
    window = plan.anomalies.window_days
    since = ctx.today - plan.compiled.window
    recent = 0
    sha = ctx.x.document.sha256
    today = ctx.today
    for e in ctx.history:
        when = e.claim_date or e.service_date
        if when is not None and since <= when <= today and e.document_sha256 != sha:
            recent += 1
    inputs = {
        "recent_claims": str(recent),
        "window_days": str(window),
        "max": str(plan.anomalies.max_claims_in_window),
    }
    if recent >= plan.anomalies.max_claims_in_window:
        ctx.pend(FREQUENCY, "special_investigations", "CLAIM_FREQUENCY",
                 f"{recent} earlier claims for this member in the last {window} days.")  # fmt: skip
        ctx.trace_add(FREQUENCY, "review", inputs, clause="anomalies.max_claims_in_window")
    else:
        ctx.trace_add(FREQUENCY, "pass", inputs, clause="anomalies.max_claims_in_window")


@rule(ROUND)
def round_total(ctx: Context) -> None:
    plan = ctx.plan
    assert plan is not None
    threshold = plan.anomalies.round_total_at_least
    total = ctx.billed
    if threshold is not None and total >= threshold and total % 100 == 0:
        ctx.flag(ROUND, "ROUND_TOTAL", f"The total {money(total)} is a large round amount.")
        ctx.trace_add(ROUND, "flag", {"total": str(total)}, clause="anomalies.round_total_at_least")
    else:
        ctx.trace_add(ROUND, "pass", {"total": str(total)}, clause="anomalies.round_total_at_least")
