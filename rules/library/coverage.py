"""Coverage: by diagnosis (negated ones ignored) and by line item (benefit category, waiting period, frequency)."""

from __future__ import annotations

import datetime as dt

from rules.context import Context, Line, rule

DIAGNOSES = "coverage.diagnoses/v1"
LINES = "coverage.line_items/v1"


@rule(DIAGNOSES)
def diagnoses(ctx: Context) -> None:
    """Excluded diagnoses (e.g. cosmetic) deny the claim when they are all it has; a mix goes to clinical review.

    Negated diagnoses ("ruled out …") are not the patient's condition and are ignored. Diagnoses read with low
    confidence never deny: they send the claim to review.
    """
    plan = ctx.plan
    assert plan is not None
    compiled = plan.compiled
    negated = sum(1 for d in ctx.x.diagnoses if d.negated)
    if not ctx.dx:
        inputs = {"diagnoses": "0", "negated_ignored": str(negated)}
        if plan.require_diagnosis:
            ctx.pend(DIAGNOSES, "data_entry", "NO_DIAGNOSIS",
                     "The plan requires a diagnosis and none could be read.", remark="M76")  # fmt: skip
            ctx.trace_add(DIAGNOSES, "review", inputs, clause="require_diagnosis")
        else:
            ctx.trace_add(DIAGNOSES, "skip", inputs, clause="require_diagnosis")
        return
    excluded: list[tuple[str, str]] = []
    uncovered: list[str] = []
    for norm, printed, _conf in ctx.dx:
        label = compiled.exclusion_of(norm)
        if label is not None:
            excluded.append((printed, label))
        elif not compiled.dx_covered(norm):
            uncovered.append(printed)
    inputs = {"diagnoses": ",".join([p for _, p, _ in ctx.dx]), "negated_ignored": str(negated)}
    bad = len(excluded) + len(uncovered)
    if bad == 0:
        ctx.trace_add(DIAGNOSES, "pass", inputs, clause="diagnoses")
        return
    what = "; ".join(
        [f"{p} ({label})" for p, label in excluded] + [f"{p} (not a covered condition)" for p in uncovered]
    )
    if bad < len(ctx.dx):
        ctx.pend(DIAGNOSES, "clinical", "DIAGNOSIS_MIXED",
                 f"Some diagnoses are excluded by the plan ({what}); a clinician must decide which services they "
                 "explain.", remark="N130")  # fmt: skip
        ctx.trace_add(DIAGNOSES, "review", inputs, clause="diagnoses.excluded")
        return
    ctx.deny_claim(DIAGNOSES, "CO", "96", f"The plan excludes treatment for the diagnoses on the claim: {what}.",
                   remark="N130", guess=ctx.dx_low, queue="clinical",
                   why_guess="a diagnosis was read with low confidence")  # fmt: skip
    ctx.trace_add(DIAGNOSES, "fail", inputs, clause="diagnoses.excluded")


@rule(LINES)
def lines(ctx: Context) -> None:
    """Each line's code must fall in a covered benefit category whose waiting period and frequency limit allow it."""
    plan, member = ctx.plan, ctx.member
    assert plan is not None and member is not None
    compiled = plan.compiled
    used: dict[str, int] = {}
    for line in ctx.lines:
        if line.status == "denied" or (line.billed is not None and line.billed < 0):
            continue  # credits are an examiner's (integrity.arithmetic), not a service to cover
        guess = ctx.low(line.conf)
        why = f"line {line.index + 1} was read with low confidence" if guess else None
        if line.text_code is None:
            if plan.uncoded_lines == "deny":
                ctx.deny_line(line, LINES, "CO", "16", "The line has no procedure code.", remark="M51",
                              guess=guess, queue="coding", why_guess=why)  # fmt: skip
            else:
                ctx.pend(LINES, "coding", "UNCODED_LINE",
                         f"Line {line.index + 1} has no procedure code; a coder must assign one.", line=line,
                         remark="M51")  # fmt: skip
            ctx.trace_add(LINES, "review", {"code": "none"}, clause="uncoded_lines", line=line.index)
            continue
        if line.system is None or line.code is None:
            ctx.pend(LINES, "coding", "INVALID_CODE",
                     f"Line {line.index + 1}: {line.text_code!r} is not a CPT, HCPCS, CDT or NDC code (misread?).",
                     line=line, remark="M51")  # fmt: skip
            ctx.trace_add(LINES, "review", {"code": line.text_code}, detail="not a recognisable code",
                          line=line.index)  # fmt: skip
            continue
        idx = compiled.category_of(line.system, line.code)
        if idx is None:
            ctx.deny_line(line, LINES, "CO", "204",
                          f"{line.system} {line.text_code} is not a benefit of plan {plan.id}.", guess=guess,
                          queue="coding", why_guess=why)  # fmt: skip
            ctx.trace_add(LINES, "fail", {"code": line.code, "system": line.system}, clause="categories",
                          detail="no category", line=line.index)  # fmt: skip
            continue
        cat = plan.categories[idx]
        line.category, line.cat, line.limit_group = idx, cat, cat.limit_group
        clause = compiled.clauses[idx]
        inputs = {"code": line.code, "system": line.system, "category": cat.name}
        if not cat.covered:
            ctx.deny_line(line, LINES, "CO", "96",
                          f"{cat.label or cat.name}: {cat.not_covered_reason or 'not covered by the plan'}.",
                          remark="N130", guess=guess, queue="coding", why_guess=why)  # fmt: skip
            ctx.trace_add(LINES, "fail", inputs, clause=f"{clause}.covered", line=line.index)
            continue
        if cat.waiting_period_days and line.date is not None:
            eligible_from = member.coverage_start + dt.timedelta(days=cat.waiting_period_days)
            if line.date < eligible_from:
                ctx.deny_line(line, LINES, "CO", "177",
                              f"{cat.label or cat.name} has a {cat.waiting_period_days}-day waiting period; benefits "
                              f"begin on {eligible_from.isoformat()}.", remark="N30", guess=ctx.low(ctx.dates_conf),
                              queue="eligibility",
                              why_guess="the date of service was read with low confidence")  # fmt: skip
                ctx.trace_add(LINES, "fail", inputs, clause=f"{clause}.waiting_period_days", line=line.index)
                continue
        if cat.frequency_per_year is not None:
            units = 1 if line.qty == 1 else (int(line.qty) if line.qty >= 1 and line.qty % 1 == 0 else 1)
            so_far = ctx.acc.service_counts.get(cat.name, 0) + used.get(cat.name, 0)
            if so_far + units > cat.frequency_per_year:
                ctx.deny_line(line, LINES, "CO", "119",
                              f"{cat.label or cat.name} is limited to {cat.frequency_per_year} per year; "
                              f"{so_far} already used.", remark="N362", guess=guess, queue="claims_examiner",
                              why_guess=why)  # fmt: skip
                ctx.trace_add(LINES, "fail", inputs, clause=f"{clause}.frequency_per_year", line=line.index)
                continue
            used[cat.name] = used.get(cat.name, 0) + units
        required = compiled.requires_dx.get(idx)
        if required is not None:
            if not ctx.dx:
                ctx.pend(LINES, "clinical", "DIAGNOSIS_REQUIRED",
                         f"{cat.label or cat.name} needs a supporting diagnosis and none could be read.", line=line,
                         remark="M76")  # fmt: skip
                ctx.trace_add(LINES, "review", inputs, clause=f"{clause}.requires_diagnosis", line=line.index)
                continue
            if not any(s.matches(norm) for norm, _, _ in ctx.dx for s in required):
                ctx.deny_line(line, LINES, "CO", "11",
                              f"{cat.label or cat.name} requires a diagnosis in "
                              f"{', '.join(cat.requires_diagnosis or [])}"
                              "; none on the claim supports it.", remark="M76", guess=ctx.dx_low or guess,
                              queue="clinical",
                              why_guess="a diagnosis or the line was read with low confidence")  # fmt: skip
                ctx.trace_add(LINES, "fail", inputs, clause=f"{clause}.requires_diagnosis", line=line.index)
                continue
        ctx.trace_add(LINES, "pass", inputs, clause=clause, line=line.index)


def covered_lines(ctx: Context) -> list[Line]:
    return [ln for ln in ctx.lines if ln.status != "denied" and ln.cat is not None]
