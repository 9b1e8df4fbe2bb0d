"""Eligibility: is the patient our member, on a plan we have, covered on every date of service?"""

from __future__ import annotations

from claimflow.model.member import PolicyStatus
from rules.context import Context, conf_text, iso, rule

MEMBER_KNOWN = "eligibility.member_known/v1"
PLAN_AVAILABLE = "eligibility.plan_available/v1"
IDENTITY = "eligibility.identity_match/v1"
COVERAGE_DATES = "eligibility.coverage_dates/v1"
DEPENDENT_AGE = "eligibility.dependent_age/v1"


@rule(MEMBER_KNOWN)
def member_known(ctx: Context) -> None:
    """Unknown member → DENIED CO-31, unless the id was missing or read with low confidence → eligibility review."""
    member_id = ctx.x.patient.member_id
    inputs = {"member_id_read": "yes" if member_id else "no", "confidence": conf_text(ctx.member_id_conf)}
    if ctx.member is not None:
        ctx.trace_add(MEMBER_KNOWN, "pass", inputs)
        return
    if not member_id:
        ctx.pend(MEMBER_KNOWN, "eligibility", "MEMBER_ID_MISSING",
                 "No member id could be read from the document; an examiner must identify the patient.",
                 remark="MA130")  # fmt: skip
        ctx.trace_add(MEMBER_KNOWN, "review", inputs, detail="member id missing")
    elif ctx.low(ctx.member_id_conf):
        ctx.pend(MEMBER_KNOWN, "eligibility", "MEMBER_ID_UNCERTAIN",
                 f"The member id was read with low confidence ({conf_text(ctx.member_id_conf)}) and matches no member; "
                 "an examiner must check it against the document.", remark="MA130")  # fmt: skip
        ctx.trace_add(MEMBER_KNOWN, "review", inputs, detail="unknown member id read with low confidence")
    else:
        ctx.deny_claim(MEMBER_KNOWN, "CO", "31",
                       "The member id on the claim does not match any member of the plan.", remark="N30")  # fmt: skip
        ctx.trace_add(MEMBER_KNOWN, "fail", inputs, detail="no member with this id")
    ctx.stop()


@rule(PLAN_AVAILABLE)
def plan_available(ctx: Context) -> None:
    """The member's plan must be loaded; if not, it is our configuration problem, never the member's denial."""
    member, plan = ctx.member, ctx.plan
    assert member is not None
    inputs = {"member_plan": member.plan_id, "plan": plan.id if plan else "none"}
    if plan is not None and plan.id == member.plan_id:
        ctx.trace_add(PLAN_AVAILABLE, "pass", inputs, clause=f"plan {plan.id}")
        return
    ctx.pend(PLAN_AVAILABLE, "benefits_configuration", "PLAN_MISSING",
             f"The member's plan {member.plan_id!r} is not loaded; benefits cannot be applied until it "
             "is.")  # fmt: skip
    ctx.trace_add(PLAN_AVAILABLE, "review", inputs, detail="plan not loaded")
    ctx.stop()


@rule(IDENTITY)
def identity_match(ctx: Context) -> None:
    """A date of birth on the claim that differs from the member's suggests the wrong member: review, don't pay."""
    member = ctx.member
    assert member is not None
    printed = ctx.x.patient.date_of_birth
    if printed is None or member.date_of_birth is None:
        ctx.trace_add(IDENTITY, "skip", {"date_of_birth": "not on claim" if printed is None else "not on file"})
        return
    if printed == member.date_of_birth:
        ctx.trace_add(IDENTITY, "pass", {"date_of_birth": "matches"})
        return
    ctx.pend(IDENTITY, "eligibility", "DOB_MISMATCH",
             "The patient's date of birth on the claim differs from the member's on file; the claim may belong to "
             "another person.")  # fmt: skip
    ctx.trace_add(IDENTITY, "review", {"date_of_birth": "differs"})


@rule(COVERAGE_DATES)
def coverage_dates(ctx: Context) -> None:
    """Coverage must be in force on every date of service (per line); the plan must be effective on those dates."""
    member, plan = ctx.member, ctx.plan
    assert member is not None and plan is not None
    if not ctx.dates:
        ctx.trace_add(COVERAGE_DATES, "skip", detail="no date of service")
        return
    guess = ctx.low(ctx.dates_conf)
    why = f"the date of service was read with low confidence ({conf_text(ctx.dates_conf)})" if guess else None
    inputs = {
        "coverage_start": iso(member.coverage_start),
        "coverage_end": iso(member.coverage_end) if member.coverage_end else "open",
        "status": member.status.value,
        "dates": ctx.dates_text,
    }
    if member.status is not PolicyStatus.active and member.coverage_end is None:
        code = "200" if member.status in (PolicyStatus.lapsed, PolicyStatus.suspended) else "27"
        ctx.deny_claim(COVERAGE_DATES, "CO", code,
                       f"The member's coverage is {member.status.value}; no benefits are payable.")  # fmt: skip
        ctx.trace_add(COVERAGE_DATES, "fail", inputs, clause="member.status")
        return
    problems = 0
    first, last = ctx.dates[0], ctx.dates[-1]
    start, end = member.coverage_start, member.coverage_end
    eff = plan.effective
    if first >= start and (end is None or last <= end) and first >= eff.start and (eff.end is None or last <= eff.end):
        ctx.trace_add(COVERAGE_DATES, "pass", inputs, clause="member coverage; plan.effective")
        return  # every date of service is inside coverage and the plan year (the usual case)
    for line in ctx.lines:
        outside_before = [d for d in line.dates if d < member.coverage_start]
        outside_after = [d for d in line.dates if member.coverage_end is not None and d > member.coverage_end]
        if not outside_before and not outside_after:
            continue
        problems += 1
        if len(outside_before) + len(outside_after) < len(line.dates):
            ctx.pend(COVERAGE_DATES, "eligibility", "COVERAGE_SPAN",
                     "The claim spans dates inside and outside coverage and this line has no date of its own.",
                     line=line)  # fmt: skip
        elif outside_before:
            ctx.deny_line(line, COVERAGE_DATES, "CO", "26",
                          f"Service on {outside_before[0].isoformat()} is before coverage began on "
                          f"{member.coverage_start.isoformat()}.", guess=guess, queue="eligibility",
                          why_guess=why)  # fmt: skip
        else:
            assert member.coverage_end is not None
            ctx.deny_line(line, COVERAGE_DATES, "CO", "27",
                          f"Service on {outside_after[0].isoformat()} is after coverage ended on "
                          f"{member.coverage_end.isoformat()}.", guess=guess, queue="eligibility",
                          why_guess=why)  # fmt: skip
    if any(d < eff.start or (eff.end is not None and d > eff.end) for d in ctx.dates):
        ctx.pend(COVERAGE_DATES, "benefits_configuration", "PLAN_NOT_EFFECTIVE",
                 f"Plan {plan.id} is not effective on every date of service; the right plan year must be "
                 "applied.")  # fmt: skip
        problems += 1
    ctx.trace_add(COVERAGE_DATES, "fail" if problems else "pass", inputs, clause="member coverage; plan.effective")


@rule(DEPENDENT_AGE)
def dependent_age(ctx: Context) -> None:
    """Children are covered up to the plan's dependent age limit (on the date of service)."""
    member, plan = ctx.member, ctx.plan
    assert member is not None and plan is not None
    if member.relationship != "child" or member.date_of_birth is None or plan.dependent_max_age is None:
        ctx.trace_add(DEPENDENT_AGE, "skip", {"relationship": member.relationship})
        return
    if not ctx.dates:
        ctx.trace_add(DEPENDENT_AGE, "skip", detail="no date of service")
        return
    first = ctx.dates[0]
    dob = member.date_of_birth
    age = first.year - dob.year - ((first.month, first.day) < (dob.month, dob.day))
    inputs = {"age_at_service": str(age), "limit": str(plan.dependent_max_age)}
    if age < plan.dependent_max_age:
        ctx.trace_add(DEPENDENT_AGE, "pass", inputs, clause="dependent_max_age")
        return
    ctx.deny_claim(DEPENDENT_AGE, "CO", "32",
                   f"Dependent children are covered until age {plan.dependent_max_age}; the patient was {age} on the "
                   "date of service.", guess=ctx.low(ctx.dates_conf), queue="eligibility",
                   why_guess="the date of service was read with low confidence")  # fmt: skip
    ctx.trace_add(DEPENDENT_AGE, "fail", inputs, clause="dependent_max_age")
