"""`claimflow eval ...`: accuracy measurements. Each evaluation registers itself from its own module."""

from __future__ import annotations

import typer

from claimflow.cli import eval_extract, eval_ocr

app = typer.Typer(help="Measure OCR and extraction accuracy against ground truth.", no_args_is_help=True)
eval_ocr.register(app)
eval_extract.register(app)
