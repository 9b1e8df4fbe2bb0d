"""The review workflow as plain functions (no Prefect, no HTTP): the CLI, the API and the console call these.

A claim the machine pended (``pending_review``) is resolved by a person — approve, deny with a CARC code, adjust
lines, or correct an extracted field and have it adjudicated again — and any decided claim can be reopened. Every
step is one transaction that locks the claim row, checks the reviewer's lease, appends a decision row (the machine's
rows are kept), moves the accumulators by the new final decision under the member lock, and appends its audit entry
(``claim.reviewed``, ``claim.corrected``, ``claim.reopened``, ``claim.lease_taken``, ``claim.lease_released``) with
the reviewer's id and digests only. Four-eyes: a final payable above ``CLAIMFLOW_FOUR_EYES_ABOVE`` waits
(``awaiting_confirmation``) for a second, different reviewer's ``confirm``. See docs/review.md.

Every function takes ``ctx`` (``flows.stages.Context``: its tenant scopes every query; a claim of another tenant is
NotFoundError like a missing one) and keyword-only arguments; ``reviewer`` is an opaque actor id (an API key id,
``cli:<user>``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from claimflow.errors import (
    FourEyesError,
    LeaseHeldError,
    NotFoundError,
    NotReviewableError,
    ReviewInputError,
    StaleProposalError,
)
from claimflow.model import Decision, Extraction, LineItem, Outcome
from claimflow.model.claim_extraction import load_extraction  # a claim of several documents keeps its sources
from claimflow.model.correction import CorrectionError
from claimflow.model.correction import correct as correct_extraction
from claimflow.model.review import (
    Adjust,
    Approve,
    ClaimReview,
    Deny,
    Lease,
    QueueItem,
    ReviewAction,
    ReviewOutcome,
    ReviewRecord,
)
from db import claims as claims_repo
from db import members as members_repo
from db import review as repo
from db import webhooks
from db.engine import transaction
from db.member_index import reveal_member_id
from db.models import Claim, DecisionRow, ReviewLeaseRow
from flows.stages import Context, _audit, adjudicate_claim, adjudicated_data, load_plans
from rules import Plan
from rules import review as rules_review
from rules.codes import normalize_procedure
from rules.context import QUEUES

PAYING = (Outcome.APPROVED, Outcome.PARTIALLY_APPROVED)
MAX_QUEUE = 1000
REVIEWABLE = claims_repo.ClaimStatus.REVIEWABLE
DECIDED = claims_repo.ClaimStatus.DECIDED
AWAITING = claims_repo.ClaimStatus.AWAITING_CONFIRMATION


# --- reading --------------------------------------------------------------------------------------------------------


def list_queue(ctx: Context, *, queue: str | None = None, limit: int = 100) -> list[QueueItem]:
    """Claims waiting for a person (pending review, or ``four_eyes``: awaiting confirmation), longest waiting first,
    with who holds each one's lease."""
    if not 1 <= limit <= MAX_QUEUE:
        raise ReviewInputError(f"limit must be between 1 and {MAX_QUEUE}, not {limit}")
    if queue is not None and queue not in (*QUEUES, repo.FOUR_EYES_QUEUE):
        raise ReviewInputError(f"no review queue {queue!r}: one of {', '.join((*QUEUES, repo.FOUR_EYES_QUEUE))}")
    now = _now(ctx)
    with ctx.sessions() as s:
        rows = repo.queue_rows(s, tenant=ctx.tenant, queue=queue, limit=limit)
        leases = repo.active_leases(s, claim_ids=[c.id for c, _ in rows], now=now)
        items = []
        for claim, row in rows:
            d = row.decision or {}
            awaiting = not row.final
            items.append(QueueItem(
                claim_id=claim.id, status=claim.status,
                queue=repo.FOUR_EYES_QUEUE if awaiting else d.get("review_queue"),
                member_id=reveal_member_id(s, claim.tenant, claim.member_id), received_on=claim.received_on,
                waiting_since=repo.as_utc(row.created_at), billed=row.billed,
                proposed_payable=row.payable if awaiting else repo.proposed_payable(row),
                reason_codes=sorted({f"{r['group']}-{r['code']}" for r in d.get("reasons", [])}),
                proposed_by=repo.proposer(row) if awaiting else None,
                lease=_lease(leases.get(claim.id)),
            ))  # fmt: skip
        return items


def show(ctx: Context, claim_id: str) -> ClaimReview:
    """The claim as a reviewer sees it: extraction, the machine's decision, the decision now, a proposal awaiting
    confirmation, every decision row (the review history) and the lease."""
    with ctx.sessions() as s:
        claim = _claim(s, ctx, claim_id, lock=False)
        ext = claims_repo.latest_extraction(s, claim_id=claim.id)
        rows = repo.decision_rows(s, claim_id=claim.id)
        machine = next((r for r in reversed(rows) if r.kind == repo.MACHINE), None)
        final = next((r for r in reversed(rows) if r.final), None)
        proposal = rows[-1] if rows and not rows[-1].final else None
        return ClaimReview(
            claim_id=claim.id, status=claim.status, submitted_by=claim.submitted_by, received_on=claim.received_on,
            member_id=reveal_member_id(s, claim.tenant, claim.member_id),
            extraction=load_extraction(ext.extraction) if ext else None,
            extraction_digest=ext.digest if ext else None,
            machine_decision=_decision(machine), decision=_decision(final), proposal=_decision(proposal),
            proposed_by=repo.proposer(proposal) if proposal else None,
            history=[_record(r) for r in rows],
            lease=_lease(repo.active_lease(s, claim_id=claim.id, now=_now(ctx))),
        )  # fmt: skip


# --- leases ---------------------------------------------------------------------------------------------------------


def take_lease(ctx: Context, claim_id: str, *, reviewer: str) -> Lease:
    """Take (or renew) the claim's lease for ``CLAIMFLOW_REVIEW_LEASE_SECONDS``. LeaseHeldError (409) while another
    reviewer holds it; NotReviewableError for a claim with nothing to review (not pended, decided or awaiting)."""
    with _step(ctx, claim_id, reviewer, REVIEWABLE | DECIDED, "leased") as (s, claim, now):
        row, renewed = repo.put_lease(s, claim=claim, reviewer=reviewer, now=now,
                                      seconds=ctx.settings.review_lease_seconds)  # fmt: skip
        _audit(s, ctx, actor=reviewer, type="claim.lease_taken", data={
            "claim_id": claim.id, "reviewer": reviewer, "expires_at": _iso(row.expires_at), "renewed": renewed,
        })  # fmt: skip
        lease = _lease(row)
        assert lease is not None
        return lease


def release_lease(ctx: Context, claim_id: str, *, reviewer: str) -> None:
    """Give the lease back. Releasing a lease nobody holds (or one that expired) does nothing; LeaseHeldError (409)
    when another reviewer holds it."""
    with _step(ctx, claim_id, reviewer, None, "released") as (s, claim, now):
        lease = _check_lease(s, claim, reviewer, now)
        repo.drop_lease(s, claim_id=claim.id)
        if lease is not None:
            _audit(s, ctx, actor=reviewer, type="claim.lease_released",
                   data={"claim_id": claim.id, "reviewer": reviewer})  # fmt: skip


# --- decisions ------------------------------------------------------------------------------------------------------


def decide(ctx: Context, claim_id: str, *, reviewer: str, action: ReviewAction) -> ReviewOutcome:
    """A reviewer's decision on a claim pending review (or replacing a proposal awaiting confirmation).

    Approve and adjust re-price the claim against the member's accumulators as they stand now, under the member lock
    (rules/review.py says what a person's review settles). A paying result above ``CLAIMFLOW_FOUR_EYES_ABOVE`` is a
    proposal (``final`` False, status ``awaiting_confirmation``) until a second reviewer confirms it.
    """
    plans = load_plans(ctx)
    with _step(ctx, claim_id, reviewer, REVIEWABLE, "decided") as (s, claim, now):
        rows = repo.decision_rows(s, claim_id=claim.id)
        current = _latest_final(rows)
        ext = claims_repo.latest_extraction(s, claim_id=claim.id)
        changes: dict[str, Any] = {"action": action.model_dump(mode="json", exclude={"note"})}
        if isinstance(action, Deny):
            try:
                group, code = rules_review.parse_denial(action.carc)
            except ValueError as e:
                raise ReviewInputError(str(e)) from None
            decision = rules_review.deny(Decision.model_validate(current.decision), group=group, code=code)
            final, service_date = True, current.service_date
        else:
            if ext is None:
                raise NotReviewableError(f"claim {claim.id} has no extraction to decide on")
            extraction = load_extraction(ext.extraction)
            decision = _reviewed(s, ctx, claim, extraction, action, plans)
            final, service_date = not _needs_second_reviewer(ctx, decision), _first_date(extraction)
        row = repo.record_decision(
            s, claim=claim, decision=decision, service_date=service_date, kind=repo.REVIEW,
            decided_by=reviewer, at=now, final=final, action=action.kind, note=action.note, changes=changes,
            supersedes_id=rows[-1].id, extraction_id=ext.id if ext else None,
        )  # fmt: skip
        _audit_reviewed(s, ctx, claim, row, rows[-1], decision, reviewer, note=action.note)
        repo.drop_lease(s, claim_id=claim.id)  # decided, or waiting for someone else: the claim is free again
        return _outcome(claim, row, decision, reviewer, action.kind, previous=rows[-1])


def confirm(ctx: Context, claim_id: str, *, reviewer: str) -> ReviewOutcome:
    """The second reviewer confirms a proposal awaiting confirmation (four-eyes). FourEyesError (403) for the
    reviewer who proposed it or the claim's submitter; StaleProposalError (409) when re-pricing it now under the
    member lock gives a different decision (the accumulators moved): decide it again."""
    plans = load_plans(ctx)
    with _step(ctx, claim_id, reviewer, {AWAITING}, "confirmed") as (s, claim, now):
        rows = repo.decision_rows(s, claim_id=claim.id)
        proposal = rows[-1]
        proposed_by = repo.proposer(proposal)
        if reviewer == proposed_by:
            raise FourEyesError(f"claim {claim.id}: {reviewer} proposed this decision and cannot also confirm it")
        if reviewer == claim.submitted_by:
            raise FourEyesError(f"claim {claim.id}: {reviewer} submitted this claim and cannot confirm its payment")
        ext = claims_repo.latest_extraction(s, claim_id=claim.id)
        assert ext is not None, "a proposal is always made on an extraction"
        extraction = load_extraction(ext.extraction)
        if proposal.kind == repo.MACHINE:  # the machine's decision on a reviewer's correction
            again = adjudicate_claim(s, ctx, claim, extraction, plans=plans)
        else:
            again = _reviewed(s, ctx, claim, extraction, _action_of(proposal), plans)
        if claims_repo.sha256_hex(again.canonical_bytes()) != proposal.digest:
            raise StaleProposalError(
                f"claim {claim.id}: the proposal no longer prices the same (the member's accumulators changed since "
                f"it was made): it would pay {again.payable:.2f}, not {proposal.payable:.2f}"
            )
        row = repo.record_decision(
            s, claim=claim, decision=again, service_date=_first_date(extraction), kind=repo.REVIEW,
            decided_by=reviewer, at=now, final=True, action="confirm",
            changes={"confirms": proposal.id, "proposed_by": proposed_by}, supersedes_id=proposal.id,
            extraction_id=ext.id,
        )  # fmt: skip
        _audit_reviewed(s, ctx, claim, row, proposal, again, reviewer, note=None)
        repo.drop_lease(s, claim_id=claim.id)
        return _outcome(claim, row, again, reviewer, "confirm", previous=proposal)


def correct(ctx: Context, claim_id: str, *, reviewer: str, field: str, value: str) -> ReviewOutcome:
    """Correct one extracted field (claimflow/model/correction.py lists them) of a claim in review and adjudicate it
    again: a new extraction row, then a new machine decision on it (the old ones are kept), audited as
    ``claim.corrected`` then ``claim.adjudicated``. A paying result above the four-eyes threshold waits for a second
    reviewer. The reviewer keeps (or gets) the lease while the claim is still pending review."""
    plans = load_plans(ctx)
    with _step(ctx, claim_id, reviewer, REVIEWABLE, "corrected") as (s, claim, now):
        ext = claims_repo.latest_extraction(s, claim_id=claim.id)
        if ext is None:
            raise NotReviewableError(f"claim {claim.id} has no extraction to correct")
        before = load_extraction(ext.extraction)
        try:
            corrected, path = correct_extraction(before, field, value)
        except CorrectionError as e:
            raise ReviewInputError(f"claim {claim.id}: {e}") from None
        if corrected.model_dump(exclude={"warnings"}) == before.model_dump(exclude={"warnings"}):
            raise ReviewInputError(
                f"claim {claim.id}: {path} already has this value, read with certainty; nothing to correct"
            )
        rows = repo.decision_rows(s, claim_id=claim.id)
        new_ext = claims_repo.record_extraction(
            s, claim=claim, extraction=corrected, ocr_engine=ext.ocr_engine, ocr_confidence=float(ext.ocr_confidence)
        )
        # the member's lock (in adjudicate_claim) before the audit log's: the pipeline takes them in that order too
        decision = adjudicate_claim(s, ctx, claim, corrected, plans=plans)
        final = not _needs_second_reviewer(ctx, decision)
        row = repo.record_decision(
            s, claim=claim, decision=decision, service_date=_first_date(corrected), kind=repo.MACHINE,
            decided_by="claimflow/rules", at=now, final=final,
            changes={"corrected": path, "corrected_by": reviewer}, supersedes_id=rows[-1].id if rows else None,
            extraction_id=new_ext.id,
        )  # fmt: skip
        _audit(s, ctx, actor=reviewer, type="claim.corrected", data={
            "claim_id": claim.id, "reviewer": reviewer, "field": path, "extraction_digest": new_ext.digest,
            "previous_extraction_digest": ext.digest,
        })  # fmt: skip
        _audit(s, ctx, actor="claimflow/rules", type="claim.adjudicated",
               data={**adjudicated_data(claim, row.digest, decision), "final": final})  # fmt: skip
        webhooks.enqueue_decision(s, claim=claim, row=row, type=webhooks.CLAIM_REVIEWED, reviewer=reviewer)
        _keep_lease_if_pending(s, ctx, claim, reviewer, now)
        outcome = _outcome(claim, row, decision, reviewer, "correct", previous=rows[-1] if rows else None)
        return outcome.model_copy(update={"extraction_digest": new_ext.digest})


def reopen(ctx: Context, claim_id: str, *, reviewer: str, reason: str) -> ReviewOutcome:
    """Reopen a decided claim (or withdraw a proposal awaiting confirmation): back to ``pending_review`` in the
    ``claims_examiner`` queue, leased to the reviewer. Whatever the claim paid stops counting towards the member's
    accumulators until it is decided again."""
    reason = reason.strip()
    if not reason:
        raise ReviewInputError("a reason is required to reopen a claim")
    with _step(ctx, claim_id, reviewer, DECIDED | {AWAITING}, "reopened") as (s, claim, now):
        rows = repo.decision_rows(s, claim_id=claim.id)
        current = _latest_final(rows)
        _lock_member(s, ctx, current.member_id)
        decision = rules_review.reopen(Decision.model_validate(current.decision))
        row = repo.record_decision(
            s, claim=claim, decision=decision, service_date=current.service_date, kind=repo.REVIEW,
            decided_by=reviewer, at=now, final=True, action="reopen", note=reason,
            changes={"outcome_before": current.outcome}, supersedes_id=rows[-1].id,
            extraction_id=rows[-1].extraction_id,
        )  # fmt: skip
        _audit(s, ctx, actor=reviewer, type="claim.reopened", data={
            "claim_id": claim.id, "reviewer": reviewer, "decision_digest": row.digest,
            "previous_decision_digest": rows[-1].digest, "outcome_before": rows[-1].outcome,
            "note_digest": _digest_text(reason),
        })  # fmt: skip
        webhooks.enqueue_decision(s, claim=claim, row=row, type=webhooks.CLAIM_REVIEWED, reviewer=reviewer)
        _keep_lease_if_pending(s, ctx, claim, reviewer, now)
        return _outcome(claim, row, decision, reviewer, "reopen", previous=rows[-1])


# --- helpers --------------------------------------------------------------------------------------------------------


def _now(ctx: Context) -> dt.datetime:
    return repo.as_utc(ctx.clock())


def _iso(value: dt.datetime) -> str:
    return repo.as_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def _digest_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _check_reviewer(reviewer: str) -> None:
    if not reviewer or len(reviewer) > 200 or any(c.isspace() or not c.isprintable() for c in reviewer):
        raise ReviewInputError("a reviewer id is 1 to 200 printable characters without spaces (e.g. cli:alice)")


def _claim(s: Session, ctx: Context, claim_id: str, *, lock: bool = True) -> Claim:
    claim = repo.get_claim(s, tenant=ctx.tenant, claim_id=claim_id, lock=lock)
    if claim is None:
        raise NotFoundError(f"claim {claim_id} not found",
                            hint="list the claims in review with `claimflow review list`")  # fmt: skip
    return claim


@contextmanager
def _step(
    ctx: Context, claim_id: str, reviewer: str, statuses: Collection[str] | None, what: str
) -> Iterator[tuple[Session, Claim, dt.datetime]]:
    """One review step: a transaction holding the tenant's claim row locked, in one of ``statuses`` (None: any),
    acted on by the lease holder (or by anyone when nobody holds it)."""
    _check_reviewer(reviewer)
    with transaction(ctx.sessions) as s:
        claim = _claim(s, ctx, claim_id)
        if statuses is not None:
            _require(claim, statuses, what)
        now = _now(ctx)
        _check_lease(s, claim, reviewer, now)
        yield s, claim, now


def _first_date(extraction: Extraction) -> dt.date | None:
    """The date of service a decision row is filed under (the benefit year), as the pipeline files it."""
    return extraction.service_dates[0] if extraction.service_dates else None


def _require(claim: Claim, statuses: Collection[str], what: str) -> None:
    if claim.status not in statuses:
        raise NotReviewableError(
            f"claim {claim.id} is {claim.status}; only a claim that is {' or '.join(sorted(statuses))} can be {what}"
        )


def _check_lease(s: Session, claim: Claim, reviewer: str, now: dt.datetime) -> ReviewLeaseRow | None:
    """Only the lease holder acts on a claim; a claim nobody holds may be acted on by anyone (the step takes the
    lease implicitly for its own transaction). Returns the reviewer's own active lease, if any."""
    lease = repo.active_lease(s, claim_id=claim.id, now=now)
    if lease is not None and lease.reviewer != reviewer:
        until = _iso(lease.expires_at)
        raise LeaseHeldError(f"claim {claim.id} is taken by {lease.reviewer} until {until}",
                             holder=lease.reviewer, expires_at=until)  # fmt: skip
    return lease


def _keep_lease_if_pending(s: Session, ctx: Context, claim: Claim, reviewer: str, now: dt.datetime) -> None:
    if claim.status == claims_repo.ClaimStatus.PENDING_REVIEW:
        repo.put_lease(s, claim=claim, reviewer=reviewer, now=now, seconds=ctx.settings.review_lease_seconds)
    else:
        repo.drop_lease(s, claim_id=claim.id)


def _lock_member(s: Session, ctx: Context, stored_member_id: str | None) -> None:
    member_id = reveal_member_id(s, ctx.tenant, stored_member_id)
    if member_id:
        members_repo.lock_member(s, tenant=ctx.tenant, member_id=member_id)


def _latest_final(rows: list[DecisionRow]) -> DecisionRow:
    final = next((r for r in reversed(rows) if r.final), None)
    assert final is not None, "a claim in review or decided has a final decision"
    return final


def _needs_second_reviewer(ctx: Context, decision: Decision) -> bool:
    above = ctx.settings.four_eyes_above
    return above is not None and decision.outcome in PAYING and decision.payable > above


def _action_of(row: DecisionRow) -> Approve | Adjust:
    data = dict((row.changes or {}).get("action") or {"kind": row.action})
    return Adjust.model_validate(data) if data.get("kind") == "adjust" else Approve.model_validate(data)


def _reviewed(
    s: Session, ctx: Context, claim: Claim, extraction: Extraction, action: Approve | Adjust, plans: dict[str, Plan]
) -> Decision:
    """Approve or adjust: the claim re-priced now, under the member lock, with the person's review settled."""
    allowed: dict[int, Decimal] = {}
    if isinstance(action, Adjust):
        extraction, allowed = _apply_adjustments(claim, extraction, action)
    decision = adjudicate_claim(s, ctx, claim, extraction, plans=plans, review=rules_review.Overrides(allowed=allowed))
    if decision.plan_version is None:
        raise NotReviewableError(
            f"claim {claim.id}: the member id on the claim matches no member with a loaded plan, so nothing can be "
            "priced", hint="correct the member id (`claimflow review correct CLAIM member_id VALUE`) or deny (31)",
        )  # fmt: skip
    for line in decision.lines:
        if line.status.value == "PAID" and line.category is None and line.billed > 0:
            raise ReviewInputError(
                f"claim {claim.id}: line {line.index} ({line.code or 'no code'}) is not a benefit the plan can price",
                hint=f"adjust its code (--adjust {line.index}=code:CODE) or deny the claim",
            )
        if line.index in allowed and line.status.value != "PAID":
            raise ReviewInputError(
                f"claim {claim.id}: line {line.index} cannot be paid at the allowed amount given: the claim is "
                f"{decision.outcome.value} ({', '.join(sorted({r.label for r in decision.reasons}))})",
                hint="correct the value the denial rests on, or deny the claim",
            )
    return decision


def _apply_adjustments(
    claim: Claim, extraction: Extraction, action: Adjust
) -> tuple[Extraction, dict[int, Decimal]]:
    items = list(extraction.line_items)
    if not items and extraction.total is not None:  # priced as one line for the whole total (rules/engine.py)
        items = [LineItem(amount=extraction.total)]
    allowed: dict[int, Decimal] = {}
    for adj in action.lines:
        if adj.line >= len(items):
            raise ReviewInputError(f"claim {claim.id}: there is no line {adj.line} (lines are 0 to {len(items) - 1})")
        item = items[adj.line]
        if adj.code is not None:
            if normalize_procedure(adj.code)[0] is None:
                raise ReviewInputError(f"claim {claim.id}: {adj.code!r} is not a CPT, HCPCS, CDT, NDC or revenue code")
            item = item.model_copy(update={"code": adj.code.strip()})
            items[adj.line] = item
        if adj.allowed is not None:
            if item.amount is None or adj.allowed > item.amount:
                raise ReviewInputError(
                    f"claim {claim.id}: line {adj.line}: the allowed amount {adj.allowed:.2f} is above what was "
                    f"billed ({item.amount if item.amount is not None else 'no amount read'})",
                    hint="correct the line's amount first (`claimflow review correct`) if it was misread",
                )
            allowed[adj.line] = adj.allowed
    return extraction.model_copy(update={"line_items": items}), allowed


def _audit_reviewed(
    s: Session, ctx: Context, claim: Claim, row: DecisionRow, previous: DecisionRow, decision: Decision,
    reviewer: str, *, note: str | None,
) -> None:  # fmt: skip
    data: dict[str, Any] = {
        "claim_id": claim.id, "reviewer": reviewer, "action": row.action, "decision_digest": row.digest,
        "previous_decision_digest": previous.digest, "outcome": decision.outcome.value,
        "payable": f"{decision.payable:.2f}", "reason_codes": sorted({f"{r.group}-{r.code}" for r in decision.reasons}),
        "final": row.final,
    }  # fmt: skip
    if note:
        data["note_digest"] = _digest_text(note)
    _audit(s, ctx, actor=reviewer, type="claim.reviewed", data=data)
    webhooks.enqueue_decision(s, claim=claim, row=row, type=webhooks.CLAIM_REVIEWED, reviewer=reviewer)


def _outcome(
    claim: Claim, row: DecisionRow, decision: Decision, reviewer: str, action: str, *, previous: DecisionRow | None
) -> ReviewOutcome:
    return ReviewOutcome(
        claim_id=claim.id, action=action, reviewer=reviewer, status=claim.status, final=row.final,
        decision_id=row.id, decision_digest=row.digest, decision=decision,
        previous_decision_digest=previous.digest if previous else None,
    )  # fmt: skip


def _decision(row: DecisionRow | None) -> Decision | None:
    return Decision.model_validate(row.decision) if row is not None else None


def _record(row: DecisionRow) -> ReviewRecord:
    return ReviewRecord(
        decision_id=row.id, kind=row.kind, action=row.action, decided_by=row.decided_by,
        decided_at=repo.as_utc(row.created_at), final=row.final, outcome=row.outcome, payable=row.payable,
        digest=row.digest, note=row.note, changes=row.changes, supersedes=row.supersedes_id,
    )  # fmt: skip


def _lease(row: ReviewLeaseRow | None) -> Lease | None:
    if row is None:
        return None
    return Lease(claim_id=row.claim_id, reviewer=row.reviewer, taken_at=repo.as_utc(row.taken_at),
                 expires_at=repo.as_utc(row.expires_at))  # fmt: skip
