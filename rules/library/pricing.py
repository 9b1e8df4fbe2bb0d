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
from rules.review import settle

PRICE = "pricing.price_lines/v1"
HUNDRED = Decimal(100)


def _reason(line: Line, group: str, code: str, amount: Decimal, message: str, remark: str | None = None) -> None:
    line.reasons.append(
        build(
            Reason,
            group=group, code=code, remark=remark, message=message, amount=amount, line=line.index, rule=PRICE
        )
    )


@rule(PRICE)
def price_lines(ctx: Context) -> None:
    plan, acc = ctx.plan, ctx.acc
    assert plan is not None
    overrides = None
    if ctx.review is not None:
        settle(ctx)  # final line statuses first: the running accumulators below must not count a line later denied
        overrides = ctx.review.allowed
    fees = plan.compiled.fees
    ded, oop, limits = plan.deductible, plan.out_of_pocket_max, plan.limits
    ded_ind, ded_fam = ded.individual, ded.family
    oop_ind, oop_fam = (oop.individual, oop.family) if oop is not None else (None, None)
    annual, per_claim, sub_limits = limits.annual, limits.per_claim, limits.sub_limits
    ded_met, fam_ded_met = acc.deductible_met, acc.family_deductible_met
    oop_used, fam_oop_used = acc.oop_used, acc.family_oop_used
    plan_paid = acc.plan_paid
    group_paid = dict(acc.limit_paid) if sub_limits else {}
    claim_paid = ZERO
    copay_taken: set[tuple[str, object]] = set()
    for line in ctx.lines:
        cat = line.cat
        billed = line.billed
        if cat is None or billed is None or billed <= 0 or line.status == "denied":
            continue  # nothing to price (credits and zero lines are for an examiner, see integrity.arithmetic)
        fee = fees.get(line.code) if line.code else None
        reviewed = overrides.get(line.index) if overrides else None
        if reviewed is not None:
            allowed = reviewed
        elif fee is not None:
            if line.qty != 1:
                fee = (fee * line.qty).quantize(CENT, ROUND_HALF_UP)
            allowed = fee if billed > fee else billed
        else:
            pct = cat.allowed_percent if cat.allowed_percent is not None else plan.allowed_percent
            allowed = billed if pct == HUNDRED else (billed * pct / HUNDRED).quantize(CENT, ROUND_HALF_UP)
        line.allowed = allowed
        if billed > allowed:
            off = billed - allowed
            basis = (f"the amount a reviewer allowed, {money(allowed)}" if reviewed is not None
                     else f"the plan's rate of {money(allowed)}" if fee is not None
                     else "the plan's allowed share of it")  # fmt: skip
            _reason(line, "CO", "45", off,
                    f"The charge of {money(billed)} is above {basis}; the provider writes off {money(off)}.",
                    "N381")  # fmt: skip
        remaining = allowed
        # co-pay: once per category and date of service (a visit), or per line (a prescription)
        copay = ZERO
        if cat.copay is not None and remaining > 0:
            key = (cat.name, line.index if cat.copay_per == "line" else line.date)
            if key not in copay_taken:
                copay_taken.add(key)
                copay = cat.copay if cat.copay < remaining else remaining
                remaining -= copay
        # deductible: individual and family (embedded)
        deductible = ZERO
        if cat.deductible and remaining > 0:
            left = ded_ind - ded_met
            if ded_fam is not None and ded_fam - fam_ded_met < left:
                left = ded_fam - fam_ded_met
            if left > 0:
                deductible = left if left < remaining else remaining
                remaining -= deductible
        # co-insurance on the rest
        share = cat.coinsurance if cat.coinsurance is not None else plan.coinsurance
        coinsurance = (remaining * share / HUNDRED).quantize(CENT, ROUND_HALF_UP) if share and remaining else ZERO
        # out-of-pocket maximum: cost sharing above what remains of it is paid by the plan
        if oop_ind is not None and (copay or deductible or coinsurance):
            left = oop_ind - oop_used
            if oop_fam is not None and oop_fam - fam_oop_used < left:
                left = oop_fam - fam_oop_used
            excess = copay + deductible + coinsurance - max(left, ZERO)
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
        # benefit limits on what the plan pays: sub-limit of the category's group, annual, per claim
        over = ZERO
        group = cat.limit_group
        cap = None
        if group is not None and group in sub_limits:
            cap = sub_limits[group] - group_paid.get(group, ZERO)
        if annual is not None and (cap is None or annual - plan_paid < cap):
            cap = annual - plan_paid
        if per_claim is not None and (cap is None or per_claim - claim_paid < cap):
            cap = per_claim - claim_paid
        if cap is not None:
            if cap < 0:
                cap = ZERO
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
            _reason(line, "PR", "119", over, f"The plan's benefit maximum is reached; {money(over)} is above it.")
        # running accumulators: lines awaiting review are priced in order too, so a proposal is what approval pays
        ded_met += deductible
        fam_ded_met += deductible
        oop_used += member
        fam_oop_used += member
        plan_paid += payable
        claim_paid += payable
        if group is not None:
            group_paid[group] = group_paid.get(group, ZERO) + payable
    ctx.trace_add(
        PRICE, "applied",
        {"deductible_met_before": str(acc.deductible_met), "oop_used_before": str(acc.oop_used),
         "plan_paid_before": str(acc.plan_paid)},
        clause="deductible; coinsurance; out_of_pocket_max; limits; fee_schedule",
    )  # fmt: skip
