"""The engine: ``adjudicate(extraction, member, plan, accumulators, history, today=…) -> Decision``. Pure.

No clock, no database, no randomness: the same inputs give a Decision with identical canonical JSON bytes. The rules
(rules/library) record denials, reviews and flags in a Context; this module turns that into the outcome:

1. a certain claim-level denial (unknown member, duplicate document, coverage ended, filing limit, …) → DENIED;
2. otherwise anything for a person to look at — including a denial that rests on a value read with low confidence —
   → PENDING_REVIEW, with the most urgent queue and every reason; nothing is paid yet;
3. otherwise every line denied → DENIED; some lines denied or a benefit maximum cut the payment →
   PARTIALLY_APPROVED; else APPROVED (a payable of zero because the deductible absorbed it is still APPROVED).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from decimal import Decimal

from claimflow.model.accumulators import Accumulators, ClaimHistoryEntry, provider_key
from claimflow.model.decision import Decision, LineResult, LineStatus, Outcome, Reason
from claimflow.model.extraction import Extraction
from claimflow.model.member import Member
from claimflow.money import ZERO
from rules.codes import normalize_icd, normalize_procedure
from rules.context import Context, Line, build, iso, queue_rank
from rules.library import RULES
from rules.plan import Plan
from rules.review import REVIEW, Overrides, settle

ENGINE_VERSION = "claimflow-rules/1"
PAID, PENDING, DENIED = LineStatus.PAID, LineStatus.PENDING, LineStatus.DENIED
_INDEXED = re.compile(r"^(line_items|diagnoses)\[(\d+)\]")
LOW_CONFIDENCE_DENIAL = "engine.no_denial_on_a_guess/v1"


def adjudicate(
    extraction: Extraction,
    member: Member | None,
    plan: Plan | None,
    accumulators: Accumulators,
    history: Sequence[ClaimHistoryEntry],
    *,
    today: dt.date,
    review_confidence: float = 0.8,
    review: Overrides | None = None,
) -> Decision:
    """Decide one claim. ``accumulators`` are the member's benefit-year totals before this claim; ``history`` their
    earlier claims; ``today`` the adjudication date (timely filing, future dates). ``review``: a person's approve or
    adjust (rules/review.py): pends resolved, values as read confirmed, allowed amounts overridden per line."""
    ctx = Context(extraction, member, plan, accumulators, history, today, review_confidence, review)
    _prepare(ctx)
    for check in RULES:
        if ctx.stopped:
            break
        check(ctx)
    return _decide(ctx)


def _prepare(ctx: Context) -> None:
    """Read the extraction once into plain values the rules share."""
    x = ctx.x
    fields = x.fields
    ev = fields.get("patient.member_id")
    ctx.member_id_conf = ev.confidence if ev is not None else None
    ev = fields.get("total")
    ctx.total_conf = ev.confidence if ev is not None else None
    date_confs = []
    indexed: dict[tuple[str, int], float] = {}  # evidence keyed "line_items[2].amount" / "diagnoses[0]"
    for key, e in fields.items():
        if key.startswith("service_date"):
            date_confs.append(e.confidence)
        elif key.startswith(("line_items[", "diagnoses[")):
            m = _INDEXED.match(key)
            if m is not None:
                k = (m.group(1), int(m.group(2)))
                indexed[k] = min(indexed.get(k, e.confidence), e.confidence)
    ctx.dates_conf = min(date_confs) if date_confs else None
    ctx.provider = provider_key(x.provider.npi, x.provider.name)

    dates = set(x.service_dates)
    for item in x.line_items:
        if item.service_date is not None:
            dates.add(item.service_date)
    ctx.dates = sorted(dates) if len(dates) > 1 else list(dates)
    ctx.dates_text = iso(ctx.dates[0]) if len(ctx.dates) == 1 else ",".join([iso(d) for d in ctx.dates])
    claim_dates = tuple(sorted(x.service_dates)) or tuple(ctx.dates)

    for i, item in enumerate(x.line_items):
        ln = Line(i)
        code = item.code.strip() if item.code else None
        if code:
            ln.text_code = code
            ln.system, ln.code = normalize_procedure(code)
        ln.description = item.description
        ln.billed = item.amount
        if item.quantity is not None and item.quantity > 0 and item.quantity != 1:
            ln.qty = _quantity(item.quantity)
        if item.service_date is not None:
            ln.dates = (item.service_date,)
        else:
            ln.dates = claim_dates
        ln.date = ln.dates[0] if ln.dates else None
        ln.conf = item.evidence.confidence if item.evidence is not None else None
        if indexed and ("line_items", i) in indexed:
            c = indexed[("line_items", i)]
            ln.conf = c if ln.conf is None else min(ln.conf, c)
        ctx.lines.append(ln)
    if not ctx.lines and x.total is not None:
        # a receipt with only a total: one uncoded line for the whole amount (it will go to coding review)
        ln = Line(0)
        ln.billed = x.total
        ln.description = "total charges (no line items read)"
        ln.dates = claim_dates
        ln.date = claim_dates[0] if claim_dates else None
        ln.conf = ctx.total_conf
        ctx.lines.append(ln)

    if x.total is not None:
        ctx.billed = x.total
    else:
        line_sum = ZERO
        for ln in ctx.lines:
            if ln.billed is not None:
                line_sum += ln.billed
        ctx.billed = line_sum

    for j, d in enumerate(x.diagnoses):
        if d.negated or d.code is None:
            continue
        norm = normalize_icd(d.code)
        if norm is None:
            continue
        conf = d.evidence.confidence if d.evidence is not None else None
        if indexed and ("diagnoses", j) in indexed:
            c = indexed[("diagnoses", j)]
            conf = c if conf is None else min(conf, c)
        ctx.dx.append((norm, d.code, conf))
        if ctx.low(conf):
            ctx.dx_low = True


_QTY: dict[object, Decimal] = {}


def _quantity(q: object) -> Decimal:
    """Units as Decimal, via their shortest text (quantities are counts, never money)."""
    d = _QTY.get(q)
    if d is None:
        d = Decimal(str(q))
        if len(_QTY) < 10_000:
            _QTY[q] = d
    return d


def _line_result(ln: Line, status: LineStatus, priced: bool) -> LineResult:
    cat = ln.cat
    if priced:
        return build(
            LineResult, index=ln.index, code=ln.text_code, code_system=ln.system,
            category=cat.name if cat is not None else None, service_date=ln.date, status=status,
            billed=ln.billed if ln.billed is not None else ZERO, allowed=ln.allowed, copay=ln.copay,
            deductible=ln.deductible, coinsurance=ln.coinsurance, over_limit=ln.over_limit,
            member_responsibility=ln.member, payable=ln.payable,
        )  # fmt: skip
    return build(
        LineResult, index=ln.index, code=ln.text_code, code_system=ln.system,
        category=cat.name if cat is not None else None, service_date=ln.date, status=status,
        billed=ln.billed if ln.billed is not None else ZERO, allowed=ZERO, copay=ZERO, deductible=ZERO,
        coinsurance=ZERO, over_limit=ZERO, member_responsibility=ZERO, payable=ZERO,
    )  # fmt: skip


def _units(qty: Decimal) -> int:
    """Whole units of service for frequency counts (a fractional or missing quantity counts as one)."""
    if qty == 1:
        return 1
    return int(qty) if qty >= 1 and qty == qty.to_integral_value() else 1


def _guess_to_review(ctx: Context, reason: Reason, queue: str, why: str | None, line: Line | None) -> None:
    ctx.pend(
        LOW_CONFIDENCE_DENIAL,
        queue,
        "DENIAL_ON_LOW_CONFIDENCE",
        f"Would be denied ({reason.group}-{reason.code}: {reason.message}) but {why or 'a value was uncertain'}; "
        "a person must confirm.",
        line=line,
        remark=reason.remark,
    )


def _decide(ctx: Context) -> Decision:
    x, plan, member = ctx.x, ctx.plan, ctx.member
    if ctx.review is not None:
        settle(ctx)  # a person looked: nothing is a guess any more (and the member id is as they confirmed it)
        ctx.trace_add(REVIEW, "applied", ctx.review.trace_inputs())
    elif ctx.low(ctx.member_id_conf):
        # who the patient is was itself a guess: no denial that depends on the member's policy is certain
        # (an exact duplicate document stays certain: it does not depend on who the patient is)
        for d in [*ctx.claim_denials, *ctx.line_denials.values()]:
            if not d.guess and d.reason.code != "18":
                d.guess = True
                d.queue = "eligibility"
                d.why_guess = f"the member id was read with low confidence ({ctx.member_id_conf:.2f})"
        for ln in ctx.lines:
            if ln.status == "denied":
                ln.status = "pending"
    certain_claim_denials = [d for d in ctx.claim_denials if not d.guess]
    for d in ctx.claim_denials:
        if d.guess:
            _guess_to_review(ctx, d.reason, d.queue, d.why_guess, None)
    if ctx.line_denials:
        for idx in sorted(ctx.line_denials):
            d = ctx.line_denials[idx]
            if d.guess:
                _guess_to_review(ctx, d.reason, d.queue, d.why_guess, ctx.lines[idx])

    reasons: list[Reason] = []
    lines: list[LineResult] = []
    allowed = payable = owed = proposed = ZERO
    ded = copay = coins = oop = ZERO
    limit_paid: dict[str, Decimal] = {}
    counts: dict[str, int] = {}
    review_queue = None

    if certain_claim_denials:
        outcome = Outcome.DENIED
        for d in certain_claim_denials:
            reasons.append(d.reason.model_copy(update={"amount": ctx.billed}))
        for ln in ctx.lines:
            lines.append(_line_result(ln, DENIED, priced=False))
    else:
        pending = bool(ctx.pends)
        any_paid = partial = False
        for ln in ctx.lines:
            if ln.status == "denied":
                reasons.append(ctx.line_denials[ln.index].reason)
                lines.append(_line_result(ln, DENIED, priced=False))
                partial = True
                continue
            # nothing is paid before a review: every line not denied awaits it, priced as a proposal
            paid = not pending and ln.status == "open"
            reasons.extend(ln.reasons)
            lines.append(_line_result(ln, PAID if paid else PENDING, priced=True))
            proposed += ln.payable
            allowed += ln.allowed
            payable += ln.payable
            owed += ln.member
            if paid:
                any_paid = True
                if ln.over_limit:
                    partial = True
                cat = ln.cat
                if cat is not None:
                    ded += ln.deductible
                    copay += ln.copay
                    coins += ln.coinsurance
                    oop += ln.oop
                    if cat.limit_group:
                        limit_paid[cat.limit_group] = limit_paid.get(cat.limit_group, ZERO) + ln.payable
                    counts[cat.name] = counts.get(cat.name, 0) + _units(ln.qty)
        if pending:
            outcome = Outcome.PENDING_REVIEW
            allowed = payable = owed = ZERO
            review_queue = min([q for q, _ in ctx.pends], key=queue_rank)
            reasons = [r for _, r in ctx.pends] + reasons
        elif not any_paid:
            outcome = Outcome.DENIED
        elif partial:
            outcome = Outcome.PARTIALLY_APPROVED
        else:
            outcome = Outcome.APPROVED
    if outcome is not Outcome.APPROVED and outcome is not Outcome.PARTIALLY_APPROVED:
        ded = copay = coins = oop = ZERO
        limit_paid = {}
        counts = {}

    first_date = ctx.dates[0] if ctx.dates else None
    return build(
        Decision,
        outcome=outcome,
        billed=ctx.billed,
        allowed=allowed,
        payable=payable,
        member_responsibility=owed,
        currency=(plan.currency if plan is not None else x.currency),
        reasons=reasons,
        review_queue=review_queue,
        plan_id=plan.id if plan is not None else (member.plan_id if member is not None else None),
        plan_version=plan.version if plan is not None else None,
        engine_version=ENGINE_VERSION,
        member_id=member.member_id if member is not None else x.patient.member_id,
        document_sha256=x.document.sha256,
        provider=ctx.provider,
        decided_on=ctx.today,
        service_date=first_date,
        benefit_year=first_date.year if first_date else None,
        lines=lines,
        flags=ctx.flags,
        trace=ctx.trace,
        proposed_payable=proposed,
        deductible_applied=ded,
        copay_applied=copay,
        coinsurance_applied=coins,
        oop_applied=oop,
        limit_paid=limit_paid,
        service_counts=counts,
    )
