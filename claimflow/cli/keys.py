"""`claimflow keys ...`: API keys (one tenant and one role each). The key is printed once, at creation."""

from __future__ import annotations

import typer

from claimflow.cli.common import console, handle_errors, print_json_line, settings

app = typer.Typer(help="API keys for the HTTP API: create (shown once), list, revoke.", no_args_is_help=True)

ROLES = "submitter, reviewer, auditor or admin"


def _sessions():  # type: ignore[no-untyped-def]
    from flows.runtime import sessions_for

    return sessions_for(settings())


@app.command("create")
@handle_errors
def create_cmd(
    tenant: str = typer.Option(..., "--tenant", help="The insurer the key acts for."),
    role: str = typer.Option(..., "--role", help=f"One of {ROLES}."),
    name: str = typer.Option(None, "--name", help="A label to recognise the key by (not secret)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Create a key and print it once: it is stored only as a hash and cannot be shown again."""
    from claimflow.errors import RequestError
    from db.api_keys import Role, create_key
    from db.engine import transaction

    if role not in Role.__members__:
        raise RequestError(f"unknown role {role!r}", hint=f"use {ROLES}")
    if not tenant.strip() or len(tenant) > 100:
        raise RequestError("the tenant must be 1-100 characters")
    with transaction(_sessions()) as s:
        issued = create_key(session=s, tenant=tenant, role=role, name=name)
    if as_json:
        print_json_line({"key_id": issued.key_id, "tenant": issued.tenant, "role": issued.role.value,
                         "name": issued.name, "key": issued.key, "created_at": issued.created_at.isoformat()})
        return
    console.print(f"key id {issued.key_id} for tenant {issued.tenant}, role {issued.role.value}")
    console.print("the key (shown once — store it now):", highlight=False)
    typer.echo(issued.key)


@app.command("list")
@handle_errors
def list_cmd(
    tenant: str = typer.Option(None, "--tenant", help="Only this tenant's keys."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per key (JSON Lines)."),
) -> None:
    """List keys by id (never the keys themselves)."""
    from rich.table import Table

    from db.api_keys import list_keys

    with _sessions()() as s:
        rows = list_keys(session=s, tenant=tenant)
        records = [{"key_id": r.key_id, "tenant": r.tenant, "role": r.role, "name": r.name,
                    "created_at": r.created_at.isoformat(),
                    "revoked_at": r.revoked_at.isoformat() if r.revoked_at else None} for r in rows]
    if as_json:
        for rec in records:
            print_json_line(rec)
        return
    table = Table("key id", "tenant", "role", "name", "created", "revoked")
    for rec in records:
        table.add_row(rec["key_id"], rec["tenant"], rec["role"], rec["name"] or "", rec["created_at"][:19],
                      (rec["revoked_at"] or "")[:19])
    console.print(table)


@app.command("revoke")
@handle_errors
def revoke_cmd(key_id: str = typer.Argument(..., help="The key id (from `keys list`).")) -> None:
    """Revoke a key: it stops working at once."""
    from db.api_keys import revoke_key
    from db.engine import transaction

    with transaction(_sessions()) as s:
        row = revoke_key(session=s, key_id=key_id)
    console.print(f"revoked key {row.key_id} (tenant {row.tenant}, role {row.role})")


@app.command("rotate-master")
def rotate_master_cmd() -> None:
    """Rewrap every data key under a new master key (same as `claimflow privacy rotate-master`)."""
    from claimflow.cli.privacy import rotate_master_cmd as rotate

    rotate()
