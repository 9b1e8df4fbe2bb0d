"""`claimflow review ...`: the review queue, leases, decisions, corrections, four-eyes confirmation, reopening.

A thin face over flows/review.py (docs/review.md). The reviewer is ``--as ID`` (default ``cli:<user>``, the same id
`claimflow process` records as the submitter, so nobody confirms the payment of a claim they submitted).
"""

from __future__ import annotations

import getpass
from decimal import Decimal, InvalidOperation
from typing import Any

import typer
from rich.table import Table

from claimflow.cli.common import console, handle_errors, print_json_line, settings

app = typer.Typer(
    help="Resolve the claims the machine pended: list, show, take, decide, correct, confirm, reopen.",
    no_args_is_help=True,
)

AsOpt = typer.Option(None, "--as", help="Reviewer id recorded and audited (default cli:<your user name>).")
TenantOpt = typer.Option(None, "--tenant", help="Insurer whose claims to review (default CLAIMFLOW_TENANT).")
JsonOpt = typer.Option(False, "--json", help="Print JSON on stdout.")


def _reviewer(as_id: str | None) -> str:
    return as_id or f"cli:{getpass.getuser()}"


def _ctx(tenant: str | None, reviewer: str):  # type: ignore[no-untyped-def]
    from flows.runtime import sessions_for
    from flows.stages import Context

    s = settings()
    return Context(settings=s, sessions=sessions_for(s), tenant=tenant or s.tenant, source="cli", submitted_by=reviewer)


def _money(value: Any) -> str:
    return f"{value:.2f}" if value is not None else ""


def _print_outcome(out: Any, as_json: bool) -> None:  # out: claimflow.model.review.ReviewOutcome
    if as_json:
        print_json_line(out.model_dump(mode="json"))
        return
    d = out.decision
    line = f"claim {out.claim_id}: {out.action} by {out.reviewer} → {out.status}"
    line += f" ({d.outcome.value}, pays {d.payable:.2f})"
    if not out.final:
        line += " — awaiting a second reviewer: `claimflow review confirm`"
    console.print(line, highlight=False)


@app.command("list")
@handle_errors
def list_cmd(
    queue: str | None = typer.Option(None, "--queue", help="One review queue (e.g. data_entry, coding) or four_eyes."),
    limit: int = typer.Option(100, "--limit", min=1, max=1000, help="At most this many claims."),
    tenant: str | None = TenantOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Claims waiting for a person, longest waiting first, with who holds each one's lease."""
    from flows import review

    ctx = _ctx(tenant, "cli")
    items = review.list_queue(ctx, queue=queue, limit=limit)
    _account(ctx, [i.claim_id for i in items], "claimflow review list")  # member ids are shown
    if as_json:
        for item in items:
            print_json_line(item.model_dump(mode="json"))
        return
    table = Table("claim", "status", "queue", "member", "waiting since", "billed", "proposed", "reasons", "lease")
    for i in items:
        lease = f"{i.lease.reviewer} until {i.lease.expires_at:%H:%M:%SZ}" if i.lease else ""
        table.add_row(i.claim_id, i.status, i.queue or "", i.member_id or "", f"{i.waiting_since:%Y-%m-%d %H:%M}",
                      _money(i.billed), _money(i.proposed_payable), " ".join(i.reason_codes), lease)  # fmt: skip
    console.print(table)
    console.print(f"{len(items)} claim(s) waiting", highlight=False)


@app.command("show")
@handle_errors
def show_cmd(claim: str = typer.Argument(..., help="Claim id."), tenant: str | None = TenantOpt,
             as_json: bool = JsonOpt) -> None:  # fmt: skip
    """The claim as a reviewer sees it: extraction, decisions (the machine's is kept), history, lease."""
    from flows import review

    ctx = _ctx(tenant, "cli")
    r = review.show(ctx, claim)
    _account(ctx, [claim], "claimflow review show")
    if as_json:
        print_json_line(r.model_dump(mode="json"))
        return
    console.print(f"claim {r.claim_id}  status [bold]{r.status}[/]  member {r.member_id or '?'}  received "
                  f"{r.received_on}  submitted by {r.submitted_by}")  # fmt: skip
    lease = f"{r.lease.reviewer} until {r.lease.expires_at:%Y-%m-%d %H:%M:%SZ}" if r.lease else "free"
    console.print(f"lease: {lease}", highlight=False)
    x = r.extraction
    if x is not None:
        console.print(f"extraction {r.extraction_digest and r.extraction_digest[:12]}: total {_money(x.total)} "
                      f"{x.currency or ''}, dates {', '.join(map(str, x.service_dates)) or '?'}, "
                      f"diagnoses {', '.join(d.code or '?' for d in x.diagnoses) or 'none'}",
                      highlight=False)  # fmt: skip
    shown = r.proposal or r.decision
    if shown is not None:
        title = "proposal awaiting confirmation" if r.proposal else "decision"
        queue = f" (queue {shown.review_queue})" if shown.review_queue else ""
        console.print(f"{title}: {shown.outcome.value}{queue}, pays {shown.payable:.2f}, "
                      f"proposed {shown.proposed_payable:.2f}", highlight=False)  # fmt: skip
        lines = Table("line", "code", "category", "billed", "allowed", "member", "payable", "status")
        for ln in shown.lines:
            lines.add_row(str(ln.index), ln.code or "", ln.category or "", _money(ln.billed), _money(ln.allowed),
                          _money(ln.member_responsibility), _money(ln.payable), ln.status.value)  # fmt: skip
        console.print(lines)
        for reason in shown.reasons:
            where = f"line {reason.line}" if reason.line is not None else "claim"
            console.print(f"  {reason.label:<12} {where:<8} {reason.message}", highlight=False)
    history = Table("#", "when", "by", "kind", "action", "outcome", "payable", "final")
    for h in r.history:
        history.add_row(str(h.decision_id), f"{h.decided_at:%Y-%m-%d %H:%M}", h.decided_by, h.kind, h.action or "",
                        h.outcome, _money(h.payable), "yes" if h.final else "no")  # fmt: skip
    console.print(history)


@app.command("take")
@handle_errors
def take_cmd(claim: str = typer.Argument(...), as_id: str | None = AsOpt, tenant: str | None = TenantOpt,
             as_json: bool = JsonOpt) -> None:  # fmt: skip
    """Take the claim's lease (CLAIMFLOW_REVIEW_LEASE_SECONDS); taking it again renews it."""
    from flows import review

    who = _reviewer(as_id)
    lease = review.take_lease(_ctx(tenant, who), claim, reviewer=who)
    if as_json:
        print_json_line(lease.model_dump(mode="json"))
    else:
        console.print(f"claim {claim}: taken by {lease.reviewer} until {lease.expires_at:%Y-%m-%d %H:%M:%SZ}",
                      highlight=False)  # fmt: skip


@app.command("release")
@handle_errors
def release_cmd(claim: str = typer.Argument(...), as_id: str | None = AsOpt, tenant: str | None = TenantOpt) -> None:
    """Give the claim's lease back."""
    from flows import review

    who = _reviewer(as_id)
    review.release_lease(_ctx(tenant, who), claim, reviewer=who)
    console.print(f"claim {claim}: released", highlight=False)


def _adjustments(specs: list[str]) -> list[Any]:
    """``LINE=AMOUNT`` / ``LINE=code:CODE`` (repeat for both on one line) → LineAdjustment list."""
    from claimflow.model.review import LineAdjustment

    merged: dict[int, dict[str, Any]] = {}
    for spec in specs:
        line_text, sep, what = spec.partition("=")
        if not sep or not line_text.strip().isdigit() or not what.strip():
            raise typer.BadParameter(f"{spec!r}: write LINE=AMOUNT or LINE=code:CODE (lines count from 0)")
        entry = merged.setdefault(int(line_text), {"line": int(line_text)})
        what = what.strip()
        if what.lower().startswith("code:"):
            entry["code"] = what[5:].strip()
        else:
            try:
                entry["allowed"] = str(Decimal(what))
            except InvalidOperation:
                raise typer.BadParameter(f"{spec!r}: {what!r} is not an amount") from None
    return [LineAdjustment.model_validate(v) for _, v in sorted(merged.items())]


@app.command("decide")
@handle_errors
def decide_cmd(
    claim: str = typer.Argument(...),
    approve: bool = typer.Option(False, "--approve", help="Approve the machine's proposal (the values as read)."),
    deny: str | None = typer.Option(None, "--deny", metavar="CARC", help="Deny with a CARC code: 96, or PR-96."),
    adjust: list[str] = typer.Option([], "--adjust", metavar="LINE=AMOUNT|LINE=code:CODE",
                                     help="Allowed amount or procedure code of a line (0-based; repeatable)."),
    note: str | None = typer.Option(None, "--note", help="Why (kept with the decision; the audit log keeps a digest)."),
    as_id: str | None = AsOpt,
    tenant: str | None = TenantOpt,
    as_json: bool = JsonOpt,
) -> None:  # fmt: skip
    """Decide a claim pending review: exactly one of --approve, --deny CARC, --adjust LINE=... ."""
    from claimflow.model.review import Adjust, Approve, Deny
    from flows import review

    if sum((approve, deny is not None, bool(adjust))) != 1:
        raise typer.BadParameter("give exactly one of --approve, --deny CARC, --adjust LINE=AMOUNT")
    action: Approve | Deny | Adjust
    if approve:
        action = Approve(note=note)
    elif deny is not None:
        action = Deny(carc=deny, note=note)
    else:
        action = Adjust(lines=_adjustments(adjust), note=note)
    who = _reviewer(as_id)
    _print_outcome(review.decide(_ctx(tenant, who), claim, reviewer=who, action=action), as_json)


@app.command("correct")
@handle_errors
def correct_cmd(
    claim: str = typer.Argument(...),
    field: str = typer.Argument(..., help="member_id, total, currency, service_dates, date_of_birth, provider.npi, "
                                "line_items[i][.amount|.code|.quantity|.service_date], diagnoses[i][.negated]"),
    value: str = typer.Argument(..., help="The value as it should have been read ('' clears it or removes the item)."),
    as_id: str | None = AsOpt,
    tenant: str | None = TenantOpt,
    as_json: bool = JsonOpt,
) -> None:  # fmt: skip
    """Correct one extracted field; the claim is adjudicated again on the corrected extraction."""
    from flows import review

    who = _reviewer(as_id)
    _print_outcome(review.correct(_ctx(tenant, who), claim, reviewer=who, field=field, value=value), as_json)


@app.command("confirm")
@handle_errors
def confirm_cmd(claim: str = typer.Argument(...), as_id: str | None = AsOpt, tenant: str | None = TenantOpt,
                as_json: bool = JsonOpt) -> None:  # fmt: skip
    """Confirm another reviewer's decision above CLAIMFLOW_FOUR_EYES_ABOVE (four-eyes)."""
    from flows import review

    who = _reviewer(as_id)
    _print_outcome(review.confirm(_ctx(tenant, who), claim, reviewer=who), as_json)


@app.command("reopen")
@handle_errors
def reopen_cmd(
    claim: str = typer.Argument(...),
    reason: str = typer.Option(..., "--reason", help="Why (kept with the decision; the audit log keeps a digest)."),
    as_id: str | None = AsOpt,
    tenant: str | None = TenantOpt,
    as_json: bool = JsonOpt,
) -> None:  # fmt: skip
    """Reopen a decided claim (or withdraw a proposal awaiting confirmation): back to pending review."""
    from flows import review

    who = _reviewer(as_id)
    _print_outcome(review.reopen(_ctx(tenant, who), claim, reviewer=who, reason=reason), as_json)


def _account(ctx, claim_ids: list[str], purpose: str) -> None:  # type: ignore[no-untyped-def]
    """Record the read of the claims' personal data in the access log (who: the CLI user)."""
    from claimflow.cli.privacy import account_reads

    account_reads(ctx.sessions, ctx.tenant, claim_ids, purpose)
