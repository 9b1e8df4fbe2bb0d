"""`claimflow audit ...` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="The tamper-evident audit log: keys, checkpoints, verification, export, proofs.", no_args_is_help=True)
