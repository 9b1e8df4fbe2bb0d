"""`claimflow eval extract --gold DIR`: run the extractor on every gold document and score it against the truth."""

from __future__ import annotations

import json
from pathlib import Path

import typer


def _fmt(v: float | None) -> str:
    return "-" if v is None else f"{v:.3f}"


def _extract_one(args: tuple) -> tuple[str, dict | None, str | None, str]:  # noqa: ANN001
    """(path, extraction dict or None, error kind or None, message). Runs in a worker process."""
    path, settings = args
    from claimflow.errors import ClaimflowError
    from extractors import extract_file

    try:
        return path, extract_file(Path(path), settings).to_json_dict(), None, ""
    except ClaimflowError as e:
        return path, None, e.kind, e.message


def _extract_cached(docs, settings, cache_dir: Path, workers: int, *, calibration=None) -> list[tuple]:  # noqa: ANN001
    """OCR through the on-disk cache (in a pool), then extract in this process (confidences through
    ``calibration``, default the shipped one)."""
    from dataclasses import replace

    from claimflow.errors import ClaimflowError
    from extractors.extract import extract
    from extractors.ner.ocr_cache import read_cached
    from extractors.ocr import OcrOptions

    options = replace(OcrOptions.from_settings(settings), workers=workers)
    out = []
    for path, ocr in read_cached([d.path for d in docs], cache_dir, workers=workers, options=options):
        if isinstance(ocr, ClaimflowError):
            out.append((str(path), None, ocr.kind, ocr.message))
            continue
        try:
            out.append((str(path), extract(ocr, calibration=calibration).to_json_dict(), None, ""))
        except ClaimflowError as e:
            out.append((str(path), None, e.kind, e.message))
    return out


def _manifest(gold: Path) -> tuple[dict[str, str], dict[str, str]]:
    """File name → layout and file name → capture ("printed" / "by hand"), from a generated set's manifest.json
    (empty for other gold folders)."""
    manifest = gold / "manifest.json"
    if not manifest.is_file():
        return {}, {}
    try:
        entries = json.loads(manifest.read_text(encoding="utf-8"))
        layouts = {m["file"]: m["layout"] for m in entries}
        captures = {m["file"]: "by hand" if m.get("handwritten") or m.get("filled_in_by_hand") else "printed"
                    for m in entries}
    except (ValueError, KeyError, TypeError, AttributeError):
        return {}, {}
    return layouts, captures


def register(app: typer.Typer) -> None:
    """Add the command to the `eval` group."""
    from claimflow.cli.common import console, handle_errors, settings

    @app.command("extract")
    @handle_errors
    def eval_extract(
        golds: list[Path] = typer.Option(
            ..., "--gold", help="Generated documents with NAME.truth.json, or a SROIE-format folder (img/ + key/). "
                                "Repeatable with --folds."),
        json_out: bool = typer.Option(False, "--json", help="Print the full report as JSON."),
        limit: int | None = typer.Option(None, "--limit", min=1, help="Only the first N documents (quick checks)."),
        workers: int = typer.Option(
            1, "--workers", "-w", min=1, max=2, help="Documents extracted in parallel (at most 2)."),
        predictions: Path | None = typer.Option(
            None, "--predictions", help="Also write each extraction (JSON Lines, with its gold file) here."),
        ocr_cache: Path | None = typer.Option(
            None, "--ocr-cache",
            help="Keep OCR results in this folder (keyed by file content and the OCR code's fingerprint) so a "
                 "re-run only re-extracts. For developing the extractor; the figures are the same."),
        folds: int | None = typer.Option(
            None, "--folds", min=2, max=20,
            help="K-fold cross-validation of the learned choosers over every --gold document (hand rules vs learned, "
                 "per fold and pooled; docs/chooser.md). Real receipts numbered ≡ 0 mod 10 are kept aside."),
        fold_seed: int = typer.Option(31, "--fold-seed", help="Seed of the fold assignment (with --folds)."),
        train_with: list[Path] = typer.Option(
            [], "--train-with", help="Generated bills every fold's chooser also trains on (never scored)."),
        learner: str = typer.Option("logistic", "--learner", help="logistic or lightgbm (with --folds)."),
        held_aside_once: bool = typer.Option(
            False, "--held-aside", help="With --folds: score only the held-aside receipts, with a chooser trained "
                                        "on all the others. Measure once, at the end of a piece of work."),
    ) -> None:
        """Per-field precision/recall/F1 and exact match, list metrics, negation accuracy, and calibration."""
        from concurrent.futures import ProcessPoolExecutor

        from claimflow.errors import InputMissingError
        from claimflow.evaluation.compare import SCALAR_FIELDS, add_failure, add_pair, new_report
        from claimflow.evaluation.gold import SROIE_FIELDS, is_sroie, load_gold

        for g in (*golds, *train_with):
            if not g.is_dir():
                raise InputMissingError(g, "no such gold folder")
        if folds is not None:
            from claimflow.cli import eval_cv

            if learner not in ("lightgbm", "logistic"):
                raise typer.BadParameter("--learner: lightgbm or logistic")
            result = eval_cv.run(golds, k=folds, seed=fold_seed, cache=ocr_cache or Path("var/ocr-cache"),
                                 workers=workers, settings=settings(), train_with=train_with, learner=learner,
                                 held_aside=held_aside_once)
            if json_out:
                typer.echo(eval_cv.to_json(result))
            else:
                eval_cv.print_result(console, result)
            return
        if len(golds) > 1 or train_with or held_aside_once:
            raise typer.BadParameter("several --gold, --train-with and --held-aside go with --folds")
        gold = golds[0]
        docs = load_gold(gold)[:limit] if limit else load_gold(gold)
        if not docs:
            raise InputMissingError(gold, "no gold documents (expected NAME.<ext> + NAME.truth.json, or img/ + key/)")
        sroie = is_sroie(gold)
        report = new_report(SROIE_FIELDS if sroie else SCALAR_FIELDS, sets=not sroie)
        cfg = settings()
        jobs = [(str(d.path), cfg) for d in docs]
        if ocr_cache is not None:
            results = _extract_cached(docs, cfg, ocr_cache, workers)
        elif workers > 1:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                results = list(pool.map(_extract_one, jobs))
        else:
            results = [_extract_one(j) for j in jobs]
        layouts, captures = _manifest(gold)
        pred_lines = []
        for doc, (path, pred, kind, message) in zip(docs, results, strict=True):
            group, capture = layouts.get(doc.path.name), captures.get(doc.path.name)
            if pred is None:
                add_failure(report, doc.path.name, kind or "unexpected", message, doc.truth, group=group,
                            capture=capture)
            else:
                add_pair(report, pred, doc.truth, name=doc.path.name, group=group, capture=capture)
            pred_lines.append(json.dumps({"gold": path, "extraction": pred, "error": kind}, ensure_ascii=False))
        if predictions is not None:
            predictions.write_text("\n".join(pred_lines) + "\n", encoding="utf-8")
        if json_out:
            typer.echo(json.dumps({"gold": str(gold), "format": "sroie" if sroie else "generated", **report.as_dict()},
                                  indent=2))
            return
        _print(console, report, gold, sroie)


def _print(console, report, gold: Path, sroie: bool) -> None:  # noqa: ANN001
    from rich.table import Table

    t = Table(title=f"Extraction accuracy on {gold} ({report.documents} documents, "
                    f"{'SROIE' if sroie else 'generated'})")
    for col in ("field", "precision", "recall", "F1", "exact", "truth n"):
        t.add_column(col, justify="left" if col == "field" else "right")
    for name, sc in report.fields.items():
        t.add_row(name, _fmt(sc.precision), _fmt(sc.recall), _fmt(sc.f1), _fmt(sc.exact), str(sc.expected))
    for name, sc in report.sets.items():
        t.add_row(f"{name} (set)", _fmt(sc.precision), _fmt(sc.recall), _fmt(sc.f1),
                  _fmt(sc.exact_docs / sc.documents if sc.documents else None), str(sc.expected))
    console.print(t)
    if report.groups:
        keys = [k for k in ("total", "service_dates[0]", "patient.member_id", "provider.name") if k in report.fields]
        g = Table(title="Exact match by layout")
        for col in ("layout", "docs", *keys, *(["diagnosis F1", "line amounts F1"] if report.sets else [])):
            g.add_column(col, justify="left" if col == "layout" else "right")
        for name, sub in sorted(report.groups.items()):
            row = [name, str(sub.documents), *(_fmt(sub.fields[k].exact) for k in keys)]
            if report.sets:
                row += [_fmt(sub.sets["diagnosis_codes"].f1), _fmt(sub.sets["line_item_amounts"].f1)]
            g.add_row(*row)
        console.print(g)
    if report.captures:
        keys = [k for k in ("total", "service_dates[0]", "patient.member_id", "provider.name") if k in report.fields]
        g = Table(title="By capture (a document written by hand should have its values left empty for review)")
        for col in ("capture", "docs", *keys, "values given", "wrong"):
            g.add_column(col, justify="left" if col == "capture" else "right")
        for name, sub in sorted(report.captures.items(), key=lambda kv: kv[0] != "printed"):
            g.add_row(name, str(sub.documents), *(_fmt(sub.fields[k].exact) for k in keys), str(sub.values_reported),
                      str(sub.values_wrong))
        console.print(g)
    if report.sets:
        console.print(f"negation accuracy: {_fmt(report.negation_accuracy)} on {report.negation_matched} matched "
                      "diagnoses")
    c = Table(title="Calibration (evidence confidence → observed accuracy)")
    for col in ("confidence", "n", "mean conf.", "accuracy"):
        c.add_column(col, justify="right")
    for b in report.calibration:
        d = b.as_dict()
        c.add_row(d["bucket"], str(d["n"]), _fmt(d["mean_confidence"]), _fmt(d["accuracy"]))
    console.print(c)
    console.print(f"expected calibration error: {_fmt(report.ece)}")
    b = report.bundles.as_dict()
    if b["bundles"] or b["false_splits"]:
        console.print(f"bundles: {b['bundles']}, split exactly right {_fmt(b['split_accuracy'])}; per bill "
                      f"({b['bills']}): found {_fmt(b['bills_found'])}, total {_fmt(b['bill_total'])}, first date "
                      f"{_fmt(b['bill_first_date'])}, provider {_fmt(b['bill_provider'])}; documents of one bill "
                      f"read as several: {b['false_splits']} of {b['single_documents']}")
    if report.failed:
        console.print("failed documents: " + ", ".join(f"{k}: {v}" for k, v in sorted(report.failed.items())))
