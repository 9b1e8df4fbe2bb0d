"""`claimflow adjudicate`, `claimflow plans ...`, `claimflow members ...`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

from claimflow.cli.common import console, err_console, handle_errors, print_json_line, settings
from claimflow.cli.privacy import cli_actor
from claimflow.errors import InputError, InputMissingError

if TYPE_CHECKING:
    from claimflow.model import Extraction

plans_app = typer.Typer(help="Benefit plans (YAML under rules/plans or CLAIMFLOW_PLANS_DIR).", no_args_is_help=True)
members_app = typer.Typer(help="Members and their policies, stored in the database.", no_args_is_help=True)


def _read_extraction(path: Path) -> Extraction:
    from pydantic import ValidationError

    from claimflow.model import Extraction
    from claimflow.schema import extraction_errors

    if not path.is_file():
        raise InputMissingError(path, "no such file")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputError(
            path, f"not a JSON extraction: {e}", hint="pass the output of `claimflow extract --json`"
        ) from e
    problems = extraction_errors(data)
    if problems:
        raise InputError(path, "does not match the extraction schema: " + "; ".join(problems[:3]))
    try:
        return Extraction.model_validate(data)
    except ValidationError as e:
        raise InputError(path, f"invalid extraction: {e.errors()[0]['msg']}") from e


@handle_errors
def adjudicate_cmd(
    extraction: Path = typer.Argument(..., help="An extraction JSON file (`claimflow extract FILE --json`)."),
    member_id: Optional[str] = typer.Option(  # noqa: UP045
        None, "--member", help="Member id; default: the id read off the document."
    ),
    members_file: Optional[Path] = typer.Option(  # noqa: UP045
        None, "--members", help="Members .csv/.yaml to use instead of the database (no prior claims then)."
    ),
    plans_dir: Optional[Path] = typer.Option(  # noqa: UP045
        None, "--plans", help="Plan directory (default: CLAIMFLOW_PLANS_DIR or shipped)."
    ),
    today: Optional[str] = typer.Option(  # noqa: UP045
        None, "--today", help="Date the claim was received, YYYY-MM-DD (default: today)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the Decision as JSON."),
) -> None:
    """Decide one claim against the member's plan and print the decision and its Explanation of Benefits."""
    from claimflow.model.accumulators import Accumulators, ClaimHistoryEntry
    from claimflow.model.member import members_from_file
    from rules import adjudicate, load_plans

    s = settings()
    x = _read_extraction(extraction)
    mid = member_id or x.patient.member_id
    try:
        day = dt.date.fromisoformat(today) if today else dt.date.today()
    except ValueError as e:
        raise typer.BadParameter(f"--today must be YYYY-MM-DD: {today!r}") from e
    plans = load_plans(plans_dir or s.plans_dir)
    member = None
    acc = Accumulators()
    history: list[ClaimHistoryEntry] = []
    if members_file is not None:
        members = {m.member_id: m for m in members_from_file(members_file, tenant=s.tenant)}
        member = members.get(mid) if mid else None
    elif mid:
        from db.engine import make_engine, session_factory, transaction
        from db.access import record_member_access
        from db.members import accumulators, claim_history, claim_id_for_document, get_member
        from db.migrate import upgrade

        engine = make_engine(s.db_url)
        upgrade(engine, settings=s)
        with transaction(session_factory(engine, keyring=_keyring(s))) as session:
            member = get_member(session=session, tenant=s.tenant, member_id=mid)
            if member is not None:
                record_member_access(session, tenant=s.tenant, member_id=mid, actor=cli_actor(),
                                     purpose="claimflow adjudicate", at=dt.datetime.now(dt.UTC))
                # a document already on file is decided again as that claim: its own decision is not a duplicate
                own = claim_id_for_document(session=session, tenant=s.tenant, sha256=x.document.sha256)
                year = (x.service_dates[0] if x.service_dates else day).year
                acc = accumulators(session=session, tenant=s.tenant, member_id=mid, year=year, exclude_claim_id=own)
                since = day - dt.timedelta(days=400)
                history = claim_history(session=session, tenant=s.tenant, member_id=mid, since=since,
                                        exclude_claim_id=own)  # fmt: skip
    plan = plans.get(member.plan_id) if member is not None else None
    decision = adjudicate(x, member, plan, acc, history, today=day, review_confidence=s.review_confidence)
    if as_json:
        print_json_line(decision.to_json_dict())
        return
    colour = {"APPROVED": "green", "PARTIALLY_APPROVED": "yellow", "DENIED": "red", "PENDING_REVIEW": "cyan"}
    console.print(
        f"[bold {colour[decision.outcome.value]}]{decision.outcome.value}[/]  payable {decision.payable}  "
        f"member owes {decision.member_responsibility}  (billed {decision.billed})"
        + (f"  → review queue [bold]{decision.review_queue}[/]" if decision.review_queue else ""),
        highlight=False,
    )
    console.print(decision.explain(), markup=False, highlight=False, soft_wrap=True)


@plans_app.command("check")
@handle_errors
def plans_check_cmd(
    directory: Optional[Path] = typer.Argument(  # noqa: UP045
        None, help="Plan directory (default: CLAIMFLOW_PLANS_DIR or shipped)."
    ),
) -> None:
    """Validate every plan file; print each plan's id and version, or every problem with file, line and field."""
    from rich.table import Table

    from claimflow.errors import PlanError
    from rules.loader import PLANS_DIR, load_plan, plan_files

    d = directory or settings().plans_dir or PLANS_DIR
    if not d.is_dir():
        raise PlanError(f"{d}: not a directory of plan files", hint="pass a directory holding *.yaml plans")
    table = Table("file", "id", "name", "categories", "version")
    problems: list[str] = []
    seen: dict[str, Path] = {}
    for path in plan_files(d):
        try:
            plan = load_plan(path)
        except PlanError as e:
            problems.append(e.message)
            continue
        if plan.id in seen:
            problems.append(f"{path}: id: plan {plan.id!r} is also defined in {seen[plan.id]}")
            continue
        seen[plan.id] = path
        table.add_row(path.name, plan.id, plan.name, str(len(plan.categories)), plan.version[:23] + "…")
    if seen:
        console.print(table)
    if problems or not seen:
        for p in problems:
            err_console.print(p, highlight=False, markup=False, soft_wrap=True)
        raise PlanError(f"{len(problems)} plan file(s) in {d} are invalid" if problems else f"{d}: no plan files")
    console.print(f"{len(seen)} plan(s) valid")


@members_app.command("load")
@handle_errors
def members_load_cmd(
    file: Path = typer.Argument(..., help="Members .csv (header row) or .yaml (list, or a 'members:' list)."),
    tenant: Optional[str] = typer.Option(  # noqa: UP045
        None, "--tenant", help="Tenant for records without one (default: CLAIMFLOW_TENANT)."
    ),
) -> None:
    """Store (insert or update) members and their policies in the database."""
    from claimflow.model.member import members_from_file
    from db.engine import make_engine, session_factory, transaction
    from db.members import upsert_members
    from db.migrate import upgrade

    s = settings()
    members = members_from_file(file, tenant=tenant or s.tenant)
    engine = make_engine(s.db_url)
    upgrade(engine, settings=s)
    with transaction(session_factory(engine, keyring=_keyring(s))) as session:
        n = upsert_members(session=session, members=members)
    console.print(f"{n} member(s) loaded from {file}")


@members_app.command("show")
@handle_errors
def members_show_cmd(
    member_id: str = typer.Argument(...),
    tenant: Optional[str] = typer.Option(None, "--tenant"),  # noqa: UP045
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Show one member's policy and this year's accumulators (no name or date of birth unless --json)."""
    from claimflow.errors import MemberError
    from db.engine import make_engine, session_factory, transaction
    from db.access import record_member_access
    from db.members import accumulators, get_member
    from db.migrate import upgrade

    s = settings()
    t = tenant or s.tenant
    engine = make_engine(s.db_url)
    upgrade(engine, settings=s)
    with transaction(session_factory(engine, keyring=_keyring(s))) as session:
        member = get_member(session=session, tenant=t, member_id=member_id)
        if member is None:
            raise MemberError(
                f"no member {member_id!r} for tenant {t!r}", hint="load members with `claimflow members load FILE`"
            )
        record_member_access(session, tenant=t, member_id=member_id, actor=cli_actor(),
                             purpose="claimflow members show", at=dt.datetime.now(dt.UTC))
        acc = accumulators(session=session, tenant=t, member_id=member_id, year=dt.date.today().year)
    if as_json:
        print_json_line(
            {"member": json.loads(member.model_dump_json()), "accumulators": json.loads(acc.model_dump_json())}
        )
        return
    console.print(
        f"{member.member_id}: plan {member.plan_id}, {member.status.value}, coverage {member.coverage_start}"
        f"–{member.coverage_end or 'open'}, {member.relationship}"
        f"{' of ' + member.subscriber_id if member.subscriber_id else ''}",
        highlight=False,
    )
    console.print(
        f"{acc.year}: deductible met {acc.deductible_met}, out-of-pocket used {acc.oop_used}, "
        f"plan paid {acc.plan_paid}",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    """Add the adjudication commands to the root app."""
    app.command("adjudicate")(adjudicate_cmd)
    app.add_typer(plans_app, name="plans")
    app.add_typer(members_app, name="members")


def _keyring(s):  # type: ignore[no-untyped-def]
    """The keyring that seals member names and dates of birth (None when encryption at rest is off)."""
    from flows.runtime import keyring_for

    return keyring_for(s)
