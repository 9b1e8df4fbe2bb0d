"""Dates of service and timely filing."""

from __future__ import annotations

from rules.context import Context, iso, rule

DATES_PRESENT = "filing.service_dates_present/v1"
TIMELY = "filing.timely_filing/v1"


@rule(DATES_PRESENT)
def service_dates_present(ctx: Context) -> None:
    """Without a date of service neither eligibility nor filing limits can be checked: data entry must supply it."""
    if ctx.dates:
        ctx.trace_add(DATES_PRESENT, "pass", {"dates": str(len(ctx.dates))})
        return
    ctx.pend(DATES_PRESENT, "data_entry", "NO_SERVICE_DATE",
             "No date of service could be read; eligibility and filing limits cannot be checked.",
             remark="MA130")  # fmt: skip
    ctx.trace_add(DATES_PRESENT, "review", {"dates": "0"})


@rule(TIMELY)
def timely_filing(ctx: Context) -> None:
    """A line whose date of service is more than ``timely_filing_days`` before today is denied CO-29."""
    plan = ctx.plan
    assert plan is not None
    if not ctx.dates:
        ctx.trace_add(TIMELY, "skip", detail="no date of service")
        return
    limit = plan.timely_filing_days
    guess = ctx.low(ctx.dates_conf)
    late = 0
    for line in ctx.lines:
        if line.date is None:
            continue
        age = (ctx.today - line.date).days
        if age > limit:
            late += 1
            ctx.deny_line(line, TIMELY, "CO", "29",
                          f"The claim was received {age} days after the date of service "
                          f"{line.date.isoformat()}; the plan allows {limit} days.", guess=guess, queue="data_entry",
                          why_guess="the date of service was read with low confidence")  # fmt: skip
    inputs = {
        "today": iso(ctx.today),
        "earliest": iso(ctx.dates[0]),
        "limit_days": str(limit),
    }
    ctx.trace_add(TIMELY, "fail" if late else "pass", inputs, clause="timely_filing_days")
