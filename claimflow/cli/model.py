"""`claimflow model ...` commands: train the NER model claimflow ships, and describe the one in use."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from claimflow.cli.common import console, handle_errors

app = typer.Typer(help="Train and inspect the NER model that claimflow ships.", no_args_is_help=True)


@app.command("train")
@handle_errors
def train_cmd(
    data: list[Path] = typer.Option(
        ..., "--data", "-d", exists=True, file_okay=False, help="Folder(s) of generated documents with truth files."
    ),
    out: Path = typer.Option(Path("extractors/ner/model"), "--out", "-o", help="Where to write the model."),
    seed: int = typer.Option(0, "--seed", help="Training seed (weights, shuffling, dev split)."),
    cache: Path = typer.Option(Path("var/ocr-cache"), "--ocr-cache", help="OCR results cached by document sha256."),
    epochs: int | None = typer.Option(None, "--epochs", min=1, help="Override the config's max_epochs."),
    ocr_workers: int = typer.Option(1, "--ocr-workers", min=1, help="OCR processes for documents not yet cached."),
    cached_only: bool = typer.Option(False, "--cached-only", help="Use only documents whose OCR is already cached."),
) -> None:
    """Train the NER model on OCR output of generated documents (gold spans aligned from their truth files)."""
    from extractors.ner.train import train

    report = train(data, out, seed=seed, cache_dir=cache, max_epochs=epochs, ocr_workers=ocr_workers,
                   cached_only=cached_only)
    scores = report.dev_scores
    console.print(
        f"model {report.version} → {report.model_dir}  (train {report.train_docs} docs, dev {report.dev_docs}; "
        f"dev entity F1 {scores.get('ents_f', 0):.3f})"
    )
    for label, s in sorted((scores.get("ents_per_type") or {}).items()):
        console.print(f"  {label:<11} P {s['p']:.3f}  R {s['r']:.3f}  F {s['f']:.3f}")
    for s in report.skipped:
        console.print(f"[yellow]skipped[/] {s}")


@app.command("info")
@handle_errors
def info_cmd(
    model: Path | None = typer.Option(None, "--model", help="A model directory (default: the shipped one)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show the model in use: version, pipeline, labels, training data and dev scores."""
    from extractors.ner import pipeline

    nlp = pipeline.load(model) if model else pipeline.load()
    where = model or pipeline.MODEL_DIR
    report_file = where / "training-report.json"
    report = json.loads(report_file.read_text("utf-8")) if report_file.exists() else None
    size = sum(f.stat().st_size for f in where.rglob("*") if f.is_file()) if where.exists() else 0
    info = {
        "extractor": pipeline.version(nlp),
        "path": str(where),
        "size_bytes": size,
        "pipeline": nlp.pipe_names,
        "labels": list(nlp.get_pipe("ner").labels) if "ner" in nlp.pipe_names else [],
        "training": report,
    }
    if as_json:
        typer.echo(json.dumps(info, indent=2))
        return
    console.print(f"extractor  {info['extractor']}")
    console.print(f"path       {info['path']} ({size / 1e6:.1f} MB)")
    console.print(f"pipeline   {', '.join(info['pipeline'])}")
    console.print(f"labels     {', '.join(info['labels']) or '-'}")
    if report:
        console.print(
            f"training   seed {report['seed']}, {report['train_docs']} train / {report['dev_docs']} dev documents; "
            f"dev entity F1 {report['dev_scores'].get('ents_f', 0):.3f}"
        )
