"""`claimflow db ...`: schema migrations."""

from __future__ import annotations

import typer

from claimflow.cli.common import console, handle_errors, settings

app = typer.Typer(help="Database migrations (Alembic). Other commands also migrate on first use.", no_args_is_help=True)


@app.command("upgrade")
@handle_errors
def upgrade_cmd() -> None:
    """Apply all migrations to the configured database (CLAIMFLOW_DATABASE_URL); with encryption at rest on, also
    replace member ids written while it was off by their blind index (docs/privacy.md)."""
    from db.engine import describe, make_engine
    from db.member_index import convert_plain
    from db.migrate import current_revisions, upgrade

    s = settings()
    engine = make_engine(s.db_url)
    upgrade(engine, settings=s)
    with engine.begin() as conn:
        converted = convert_plain(conn, s)
    console.print(f"database {describe(s.db_url)} at revision {', '.join(current_revisions(engine))}"
                  + (f"; {converted} plaintext member id(s) replaced by their blind index" if converted else ""))


@app.command("current")
@handle_errors
def current_cmd() -> None:
    """Print the database's current migration revision."""
    from db.engine import make_engine
    from db.migrate import current_revisions, head_revisions

    engine = make_engine(settings().db_url)
    current, heads = current_revisions(engine), head_revisions()
    console.print(f"current: {', '.join(current) or '(empty)'}; latest: {', '.join(heads)}")
