"""Money: allowed amount per line, then co-pay, deductible, co-insurance, out-of-pocket maximum and benefit limits.

Order per line (the usual US commercial order): allowed = min(billed, fee schedule x units) (else billed x
allowed_percent); the co-pay comes off first (once per visit type and date, or per line for pharmacy); then the
deductible (individual and family, embedded); then co-insurance on the rest. Member cost sharing is capped at what
remains of the out-of-pocket maximum. What the plan would pay is capped by the remaining sub-limit, annual limit and
per-claim limit; the excess is the member's (PR-119). Lines are priced in order with running accumulators, so the
deductible is never applied twice within a claim or across claims.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from claimflow.model.decision import Reason
from claimflow.money import CENT, ZERO
from rules.context import Context, Line, build, rule
from rules.explain import money

PRICE = "pricing.price_lines/v1"
HUNDRED = Decimal(100)
INF = Decimal("Infinity")


def _remaining(limit: Decimal | None, used: Decimal) -> Decimal:
    if limit is None:
        return INF
    return max(limit - used, ZERO)


def _reason(line: Line, group: str, code: str, amount: Decimal, message: str, remark: str | None = None) -> None:
    line.reasons.append(
        build(Reason, 
            group=group, code=code, remark=remark, message=message, amount=amount, line=line.index, rule=PRICE
        )
    )


@rule(PRICE)
def price_lines(ctx: Context) -> None:
    plan, acc = ctx.plan, ctx.acc
    assert plan is not None
    fees = plan.compiled.fees
    ded = plan.deductible
    oop = plan.out_of_pocket_max
    ded_met, fam_ded_met = acc.deductible_met, acc.family_deductible_met
    oop_used, fam_oop_used = acc.oop_used, acc.family_oop_used
    plan_paid = acc.plan_paid
    group_paid = dict(acc.limit_paid)
    claim_paid = ZERO
    copay_taken: set[tuple[str, object]] = set()
    for line in ctx.lines:
        cat = line.cat
        if line.status == "denied" or cat is None or line.billed is None:
            continue
        billed = line.billed
        fee = fees.get(line.code) if line.code else None
        pct = cat.allowed_percent if cat.allowed_percent is not None else plan.allowed_percent
        if fee is not None:
            allowed = min(billed, (fee * line.qty).quantize(CENT, ROUND_HALF_UP))
        elif pct != HUNDRED:
            allowed = (billed * pct / HUNDRED).quantize(CENT, ROUND_HALF_UP)
        else:
            allowed = billed
        line.allowed = allowed
        if billed > allowed:
            basis = f"the plan's rate of {money(allowed)}" if fee is not None else f"{pct}% of the charge"
            _reason(line, "CO", "45", billed - allowed,
                    f"The charge of {money(billed)} is above {basis}; the provider writes off "
                    f"{money(billed - allowed)}.", "N381")  # fmt: skip
        remaining = allowed
        # co-pay
        copay = ZERO
        if cat.copay is not None and remaining > 0:
            key = (cat.name, line.index if cat.copay_per == "line" else line.date)
            if key not in copay_taken:
                copay_taken.add(key)
                copay = min(cat.copay, remaining)
        remaining -= copay
        # deductible
        deductible = ZERO
        if cat.deductible and remaining > 0:
            left = min(_remaining(ded.individual, ded_met), _remaining(ded.family, fam_ded_met))
            deductible = min(remaining, left)
        remaining -= deductible
        # co-insurance
        share = cat.coinsurance if cat.coinsurance is not None else plan.coinsurance
        coinsurance = (remaining * share / HUNDRED).quantize(CENT, ROUND_HALF_UP) if share else ZERO
        # out-of-pocket maximum: cost sharing above what remains of it is paid by the plan
        if oop is not None:
            left = min(_remaining(oop.individual, oop_used), _remaining(oop.family, fam_oop_used))
            excess = copay + deductible + coinsurance - left
            if excess > 0:
                cut = min(excess, coinsurance)
                coinsurance -= cut
                excess -= cut
                cut = min(excess, copay)
                copay -= cut
                excess -= cut
                deductible -= min(excess, deductible)
        member = copay + deductible + coinsurance
        payable = allowed - member
        # benefit limits on what the plan pays
        cap = min(
            _remaining(plan.limits.sub_limits.get(cat.limit_group) if cat.limit_group else None,
                       group_paid.get(cat.limit_group or "", ZERO)),
            _remaining(plan.limits.annual, plan_paid),
            _remaining(plan.limits.per_claim, claim_paid),
        )  # fmt: skip
        over = ZERO
        if payable > cap:
            over = payable - cap
            payable = cap
        line.copay, line.deductible, line.coinsurance, line.over_limit = copay, deductible, coinsurance, over
        line.oop = member
        line.member = member + over
        line.payable = payable
        if copay:
            _reason(line, "PR", "3", copay, f"Co-pay for {cat.label or cat.name}: {money(copay)}.")
        if deductible:
            _reason(line, "PR", "1", deductible, f"{money(deductible)} applied to your deductible.")
        if coinsurance:
            _reason(line, "PR", "2", coinsurance, f"Your {share}% co-insurance: {money(coinsurance)}.")
        if over:
            _reason(line, "PR", "119", over,
                    f"The plan's benefit maximum is reached; {money(over)} is above it.")  # fmt: skip
        # running accumulators: lines awaiting review are priced in order too, so a proposal is what approval pays
        ded_met += deductible
        fam_ded_met += deductible
        oop_used += member
        fam_oop_used += member
        plan_paid += payable
        claim_paid += payable
        if cat.limit_group:
            group_paid[cat.limit_group] = group_paid.get(cat.limit_group, ZERO) + payable
    ctx.trace_add(
        PRICE, "applied",
        {"deductible_met_before": money(acc.deductible_met), "oop_used_before": money(acc.oop_used),
         "plan_paid_before": money(acc.plan_paid)},
        clause="deductible; coinsurance; out_of_pocket_max; limits; fee_schedule",
    )  # fmt: skip
