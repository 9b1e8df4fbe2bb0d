"""`claimflow eval ocr --gold DIR`: CER and word recall of claimflow's OCR vs raw tesseract, same images, same run."""

from __future__ import annotations

import json
from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    """Add the command to the `eval` group."""
    from claimflow.cli.common import console, handle_errors, settings

    @app.command("ocr")
    @handle_errors
    def eval_ocr(
        gold: Path = typer.Option(
            ..., "--gold", help="SROIE-format folder (img/ + box/*.csv) or generated documents with NAME.truth.txt."
        ),
        json_out: bool = typer.Option(False, "--json", help="Print the full report (with per-document CER) as JSON."),
        workers: int | None = typer.Option(None, "--workers", "-w", min=1, help="Pool size (default CLAIMFLOW_OCR_WORKERS)."),
        limit: int | None = typer.Option(None, "--limit", min=1, help="Only the first N documents (quick checks)."),
        no_raw: bool = typer.Option(False, "--no-raw", help="Skip the raw-tesseract baseline."),
    ) -> None:
        """Measure OCR accuracy: character error rate and word recall, claimflow vs raw tesseract, side by side."""
        from dataclasses import replace

        from claimflow.errors import InputMissingError
        from extractors.ocr import OcrOptions
        from extractors.ocr.evaluate import evaluate, load_gold

        if not gold.is_dir():
            raise InputMissingError(gold, "no such gold folder")
        if not load_gold(gold):
            raise InputMissingError(gold, "no gold documents (expected img/ + box/*.csv, or NAME.<ext> + NAME.truth.txt)")
        options = OcrOptions.from_settings(settings())
        if workers is not None:
            options = replace(options, workers=workers)
        report = evaluate(gold, options, limit=limit, raw=not no_raw)
        if json_out:
            typer.echo(json.dumps(report.as_dict(), indent=2))
            return
        from rich.table import Table

        table = Table(title=f"OCR accuracy on {gold} ({report.format}, {options.workers} workers)")
        for col in ("engine", "CER", "word recall", "documents", "failed", "pages", "s/page"):
            table.add_column(col, justify="left" if col == "engine" else "right")
        for name, sc in report.engines.items():
            d = sc.as_dict()
            table.add_row(
                name, f"{d['cer']:.2%}", f"{d['word_recall']:.2%}", str(d["documents"]), str(d["failed"]),
                str(d["pages"]), f"{d['seconds_per_page']:.2f}" if d["seconds_per_page"] else "-",
            )
        console.print(table)
        console.print(
            "[dim]CER = edit distance / truth characters on case-folded, whitespace-collapsed text, rows rebuilt from "
            "box geometry on both sides; word recall = truth words found (multiset).[/]"
        )
