"""`claimflow privacy ...`: erasure on request, retention, "who saw my data?", master key rotation.

`claimflow keys rotate-master` is the same command as `claimflow privacy rotate-master` (the `keys` group also holds
the API keys; both names are documented in docs/privacy.md).
"""

from __future__ import annotations

from typing import Any

import typer

from claimflow.cli.common import console, handle_errors, print_json_line, settings

app = typer.Typer(help="Privacy: erase a member's data, retention, the access log, master key rotation.",
                  no_args_is_help=True)


def cli_actor() -> str:
    from claimflow.cli.review import _reviewer

    return _reviewer(None)


def account_reads(sessions: Any, tenant: str, claim_ids: list[str], purpose: str) -> None:
    """Record that the CLI user read these claims' personal data (the access log: docs/privacy.md)."""
    import datetime as dt

    from db.access import record_access
    from db.engine import transaction
    from db.models import Claim

    if not claim_ids:
        return
    with transaction(sessions) as s:
        for claim_id in claim_ids:
            row = s.get(Claim, claim_id)
            if row is not None and row.tenant == tenant:
                record_access(s, claim=row, actor=cli_actor(), purpose=purpose, at=dt.datetime.now(dt.UTC))


@app.command("erase")
@handle_errors
def erase_cmd(
    member: str = typer.Option(..., "--member", help="The member id whose personal data is erased."),
    tenant: str | None = typer.Option(None, "--tenant", help="The insurer (default: CLAIMFLOW_TENANT)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Crypto-shred the member's data keys, delete their originals, audit `privacy.erased` (cannot be undone)."""
    from flows.privacy import erase_member

    s = settings()
    erasure = erase_member(s, tenant=tenant or s.tenant, member_id=member, actor=cli_actor())
    if as_json:
        print_json_line(erasure.audit_data())
        return
    console.print(f"erased: {len(erasure.claims)} claim(s), {len(erasure.documents)} original(s) deleted, "
                  f"{erasure.keys_destroyed} data key(s) destroyed; audited as privacy.erased")


@app.command("retention")
@handle_errors
def retention_cmd(
    dry_run: bool = typer.Option(False, "--dry-run", help="Only list what is past CLAIMFLOW_RETENTION_DAYS."),
) -> None:
    """Erase what is past CLAIMFLOW_RETENTION_DAYS now (the scheduled flow runs the same: flows/retention.py)."""
    from flows.privacy import apply_retention

    report = apply_retention(settings(), dry_run=dry_run, actor=cli_actor())
    console.print(report.summary())


@app.command("accesses")
@handle_errors
def accesses_cmd(
    member: str = typer.Option(..., "--member", help="The member id."),
    tenant: str | None = typer.Option(None, "--tenant", help="The insurer (default: CLAIMFLOW_TENANT)."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per access."),
) -> None:
    """Who saw the member's data: every recorded read (who, which claim, when, why)."""
    from db.access import accesses_of_member
    from flows.runtime import sessions_for

    s = settings()
    with sessions_for(s)() as session:
        rows = accesses_of_member(session, tenant=tenant or s.tenant, member_id=member)
        out = [{"seq": r.seq, "at": r.at.isoformat(), "actor": r.actor, "claim_id": r.claim_id,
                "purpose": r.purpose} for r in rows]
    for o in out:
        if as_json:
            print_json_line(o)
        else:
            console.print(f"{o['at']}  {o['actor']}  claim {o['claim_id']}  {o['purpose']}", highlight=False)
    if not out and not as_json:
        console.print("no recorded access")


@app.command("rotate-master")
@handle_errors
def rotate_master_cmd() -> None:
    """Rewrap every data key under a new master key (the data is not re-encrypted). Back up the new key."""
    from flows.privacy import rotate_master

    done = rotate_master(settings())
    console.print(f"rewrapped {done.rewrapped} data key(s) under master key {done.master_key_id}"
                  + (f"; the old key is kept as {done.retired} (delete it once no backup needs it)" if done.retired
                     else ""))
