"""`claimflow samples ...` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="Generate realistic medical bills with ground truth.", no_args_is_help=True)
