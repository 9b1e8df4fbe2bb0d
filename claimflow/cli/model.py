"""`claimflow model ...` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="Train and inspect the NER model that claimflow ships.", no_args_is_help=True)
