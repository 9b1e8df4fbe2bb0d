"""Data integrity: currency, arithmetic, and the confidence of every value that decides money."""

from __future__ import annotations

from claimflow.money import ZERO
from rules.context import Context, conf_text, rule
from rules.explain import money

CURRENCY = "integrity.currency/v1"
ARITHMETIC = "integrity.arithmetic/v2"  # v2: trusts the extractor's reconciliation (tax, discounts)
CONFIDENCE = "integrity.confidence/v1"


@rule(CURRENCY)
def currency(ctx: Context) -> None:
    """A bill in another currency than the plan's needs conversion by a person (exchange rate and date)."""
    plan = ctx.plan
    assert plan is not None
    printed = ctx.x.currency
    if printed is None or printed == plan.currency:
        ctx.trace_add(CURRENCY, "pass", {"currency": printed or "not printed", "plan": plan.currency})
        return
    ctx.pend(CURRENCY, "claims_examiner", "FOREIGN_CURRENCY",
             f"The bill is in {printed}; the plan pays in {plan.currency}. An examiner must convert it.")  # fmt: skip
    ctx.trace_add(CURRENCY, "review", {"currency": printed, "plan": plan.currency}, clause="currency")


@rule(ARITHMETIC)
def arithmetic(ctx: Context) -> None:
    """The printed total must equal the sum of the line items, and every line must have an amount."""
    x = ctx.x
    missing = [ln for ln in ctx.lines if ln.billed is None]
    for ln in missing:
        ctx.pend(ARITHMETIC, "data_entry", "LINE_AMOUNT_MISSING",
                 f"Line {ln.index + 1} has no amount that could be read.", line=ln, remark="MA130")  # fmt: skip
    line_sum = ZERO
    for ln in ctx.lines:
        if ln.billed is None:
            continue
        line_sum += ln.billed
        if ln.billed < 0:
            ctx.pend(ARITHMETIC, "claims_examiner", "CREDIT_LINE",
                     f"Line {ln.index + 1} is a credit of {money(-ln.billed)} (discount, payment or adjustment); "
                     "an examiner must apply it to the right charge.", line=ln)  # fmt: skip
    inputs = {"total": str(x.total) if x.total is not None else "none", "line_sum": str(line_sum)}
    # The extractor reconciles the total with what it read around the lines (tax, discounts): its verdict stands.
    # Only where it gave none is the sum of the lines compared with the printed total here.
    checked = x.checks.total_matches_line_items
    mismatch = checked is False or (
        checked is None and x.total is not None and bool(x.line_items) and not missing and line_sum != x.total
    )
    if mismatch:
        ctx.pend(ARITHMETIC, "data_entry", "TOTAL_MISMATCH",
                 f"The printed total {money(x.total) if x.total is not None else 'none'} differs from the sum "
                 f"of the line items {money(line_sum)}.",
                 remark="MA130")  # fmt: skip
        ctx.trace_add(ARITHMETIC, "review", inputs)
    elif not ctx.lines:
        ctx.pend(ARITHMETIC, "data_entry", "NO_CHARGES",
                 "No charges could be read from the document.", remark="MA130")  # fmt: skip
        ctx.trace_add(ARITHMETIC, "review", inputs)
    else:
        ctx.trace_add(ARITHMETIC, "review" if missing else "pass", inputs)


@rule(CONFIDENCE)
def confidence(ctx: Context) -> None:
    """Any value that decides money read below the review threshold sends the claim to a person."""
    low: list[str] = []
    if ctx.low(ctx.total_conf):
        low.append("total")
    if ctx.low(ctx.member_id_conf):
        low.append("member id")
    if ctx.low(ctx.dates_conf):
        low.append("date of service")
    if ctx.dx_low:
        low.append("diagnosis")
    for ln in ctx.lines:
        if ctx.low(ln.conf):
            low.append(f"line {ln.index + 1}")
            ctx.pend(CONFIDENCE, "data_entry", "LOW_CONFIDENCE",
                     f"Line {ln.index + 1} (code and amount) was read with low confidence ({ln.conf:.2f}).",
                     line=ln)  # fmt: skip
    claim_level = [f for f in low if not f.startswith("line ")]
    if claim_level:
        ctx.pend(CONFIDENCE, "data_entry", "LOW_CONFIDENCE",
                 f"Read with low confidence: {', '.join(claim_level)}; a person must confirm before money "
                 "moves.")  # fmt: skip
    inputs = {"threshold": conf_text(ctx.threshold), "low": ",".join(low) or "none"}
    ctx.trace_add(CONFIDENCE, "review" if low else "pass", inputs)
