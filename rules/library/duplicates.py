"""Duplicates: the same document twice is certain; the same provider, date and amount is only possible; within one
document holding several bills, a bill repeated (a page scanned twice) would be paid twice."""

from __future__ import annotations

from rules.context import Context, rule
from rules.explain import money

EXACT = "duplicates.exact_document/v1"
POSSIBLE = "duplicates.possible_duplicate/v1"
REPEATED = "duplicates.repeated_bill/v1"


@rule(EXACT)
def exact_duplicate(ctx: Context) -> None:
    """Same document digest as an earlier claim → DENIED CO-18 (the digest is certain, not a guess)."""
    sha = ctx.x.document.sha256
    for entry in ctx.history:
        if entry.document_sha256 == sha:
            ctx.deny_claim(EXACT, "CO", "18",
                           "This exact document was already submitted"
                           + (f" (claim {entry.claim_id})" if entry.claim_id else "") + ".", remark="N522")  # fmt: skip
            ctx.trace_add(EXACT, "fail", {"document_sha256": sha[:16]}, detail="same digest as an earlier claim")
            return
    ctx.trace_add(EXACT, "pass", {"history": str(len(ctx.history))})


@rule(POSSIBLE)
def possible_duplicate(ctx: Context) -> None:
    """Same provider + first date of service + billed amount within the plan's tolerance → review, never deny."""
    plan = ctx.plan
    assert plan is not None
    tolerance = plan.anomalies.duplicate_tolerance
    first = ctx.dates[0] if ctx.dates else None
    if ctx.provider is None or first is None:
        ctx.trace_add(POSSIBLE, "skip", detail="provider or date of service unknown")
        return
    sha = ctx.x.document.sha256
    for entry in ctx.history:
        if (
            entry.document_sha256 != sha
            and entry.provider == ctx.provider
            and entry.service_date == first
            and entry.amount is not None
            and abs(entry.amount - ctx.billed) <= tolerance
        ):
            ctx.pend(POSSIBLE, "claims_examiner", "POSSIBLE_DUPLICATE",
                     f"An earlier claim from the same provider for {first.isoformat()} billed "
                     f"{money(entry.amount)} (this one {money(ctx.billed)}); it may be a resubmission.",
                     remark="N522")  # fmt: skip
            ctx.trace_add(POSSIBLE, "review", {"tolerance": str(tolerance)}, clause="anomalies.duplicate_tolerance")
            return
    ctx.trace_add(POSSIBLE, "pass", {"tolerance": str(tolerance)}, clause="anomalies.duplicate_tolerance")


@rule(REPEATED)
def repeated_bill(ctx: Context) -> None:
    """Two bills of one claim with the same total and either the same invoice number or the same provider and first
    date of service → review, never deny: one may be a copy of the other, and the claim sums its bills."""
    bills = ctx.x.bills or []
    if len(bills) < 2:
        ctx.trace_add(REPEATED, "skip", detail="one bill")
        return
    seen: dict[tuple[object, ...], int] = {}
    for b in bills:
        if b.total is None:
            continue
        first = min(b.service_dates) if b.service_dates else None
        keys = [k for k in (("invoice", b.invoice_number, b.total) if b.invoice_number else None,
                            ("visit", b.provider.name, first, b.total) if b.provider.name and first else None) if k]
        for key in keys:
            if key in seen:
                ctx.pend(REPEATED, "claims_examiner", "POSSIBLE_DUPLICATE",
                         f"Bills {seen[key]} and {b.index} of this claim show the same "
                         + ("invoice number" if key[0] == "invoice" else "provider and date of service")
                         + f" and the same total {money(b.total)}: one may be a copy of the other.",
                         remark="N522")  # fmt: skip
                ctx.trace_add(REPEATED, "review", {"bills": str(len(bills))})
                return
            seen[key] = b.index
    ctx.trace_add(REPEATED, "pass", {"bills": str(len(bills))})
