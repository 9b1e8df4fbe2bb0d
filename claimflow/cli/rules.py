"""`claimflow adjudicate`, `claimflow plans ...`, `claimflow members ...` (the rules issue fills these in)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the adjudication commands to the root app."""
