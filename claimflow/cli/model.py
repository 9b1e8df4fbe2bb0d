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


@app.command("calibrate")
@handle_errors
def calibrate_cmd(
    gold: Path = typer.Option(
        ..., "--gold", exists=True, file_okay=False,
        help="Generated documents with truth files, from a seed used neither for training nor for evaluation."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Where to write the curves (default: the shipped "
                                                               "model's calibration.json)."),
    cache: Path = typer.Option(Path("var/ocr-cache"), "--ocr-cache", help="OCR results cached by document sha256."),
    workers: int = typer.Option(1, "--workers", "-w", min=1, max=2, help="OCR processes for documents not cached."),
) -> None:
    """Fit the confidence calibration: per field, raw confidence → the accuracy observed on ``--gold``."""
    from claimflow.cli.common import settings
    from claimflow.cli.eval_extract import _extract_cached
    from claimflow.errors import InputMissingError
    from claimflow.evaluation.compare import scored_confidences
    from claimflow.evaluation.gold import is_sroie, load_gold
    from extractors import calibration as C

    if is_sroie(gold):
        raise InputMissingError(gold, "calibrate on generated documents: a SROIE folder scores three fields only")
    docs = load_gold(gold)
    if not docs:
        raise InputMissingError(gold, "no gold documents (expected NAME.<ext> + NAME.truth.json)")
    results = _extract_cached(docs, settings(), cache, workers, calibration=C.IDENTITY)
    pairs: list[tuple[str, float, bool]] = []
    failed = 0
    for doc, (_, pred, _, _) in zip(docs, results, strict=True):
        if pred is None:
            failed += 1
            continue
        pairs += scored_confidences(pred, doc.truth)
    seeds = sorted({m.get("seed") for m in _manifest(gold)} - {None})
    cal = C.fit(pairs, {"gold": gold.name, "seeds": seeds, "documents": len(docs) - failed})
    target = out or C.SHIPPED
    target.write_text(cal.to_json(), "utf-8")
    console.print(f"calibration {cal.digest} → {target}  ({len(pairs)} values from {len(docs) - failed} documents"
                  f"{f', {failed} unreadable' if failed else ''}; own curves for {len(cal.curves) - 1} fields)")
    for name, before, after in _ece_by_field(pairs, cal):
        console.print(f"  {name:<24} ECE on the fit set {before:.3f} → {after:.3f}")


def _manifest(gold: Path) -> list[dict]:
    f = gold / "manifest.json"
    return json.loads(f.read_text("utf-8")) if f.is_file() else []


def _ece_by_field(pairs: list[tuple[str, float, bool]], cal) -> list[tuple[str, float, float]]:  # noqa: ANN001
    """Per field and overall: the expected calibration error before and after ``cal``."""
    from claimflow.evaluation.compare import calibration_error

    rows = []
    for name in [*sorted({p for p, _, _ in pairs}), "all"]:
        sel = [(p, c, ok) for p, c, ok in pairs if name in ("all", p)]
        rows.append((name, calibration_error((c, ok) for _, c, ok in sel) or 0.0,
                     calibration_error((cal(p, c), ok) for p, c, ok in sel) or 0.0))
    return rows


@app.command("handwriting")
@handle_errors
def handwriting_cmd(
    gold: list[Path] = typer.Option(
        ..., "--gold", exists=True, file_okay=False,
        help="Generated sets (repeatable): their manifest says which bills were written wholly by hand "
             "(`claimflow samples generate --handwritten`) and which were printed."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Where to write the weights (default: the shipped "
                                                               "extractors/ocr/handwriting.json)."),
    workers: int = typer.Option(2, "--workers", "-w", min=1, max=2, help="Processes (one document each)."),
) -> None:
    """Fit the handwriting detector: fully handwritten bills' words against printed bills' words."""
    from concurrent.futures import ProcessPoolExecutor
    from functools import partial

    import numpy as np

    from claimflow.cli.common import settings
    from claimflow.errors import InputMissingError
    from extractors.ocr import OcrOptions, handwriting

    labelled: list[tuple[Path, int]] = []
    seeds: set[int] = set()
    for g in gold:
        for m in _manifest(g):
            if m.get("format") == "digital_pdf" or (m.get("handwritten") and m.get("filled_in_by_hand", True)):
                continue  # a text layer has no ink; a printed form filled in by hand has both kinds of words
            labelled.append((g / m["file"], 1 if m.get("handwritten") else 0))
            seeds.add(m["seed"])
    if not {y for _, y in labelled} >= {0, 1}:
        raise InputMissingError(gold[0], "need both fully handwritten and printed scanned bills (see --gold)")
    options = OcrOptions.from_settings(settings())
    with ProcessPoolExecutor(max_workers=workers) as ex:
        per_doc = list(ex.map(partial(handwriting.document_features, options=options), [p for p, _ in labelled]))
    xs, ys, pages = [], [], 0
    for (_, y), doc_pages in zip(labelled, per_doc, strict=True):
        for feats in doc_pages:
            pages += bool(feats)
            xs += feats
            ys += [y] * len(feats)
    x, yv = np.vstack(xs), np.asarray(ys, float)
    source = {"gold": [g.name for g in gold], "seeds": sorted(seeds), "documents": len(labelled), "pages": pages,
              "words": len(ys), "handwritten_words": int(yv.sum())}
    model = handwriting.fit(x, yv, source=source)
    target = out or handwriting.SHIPPED
    target.write_text(model.to_json(), "utf-8")
    console.print(f"handwriting weights → {target}  ({len(ys)} words, {int(yv.sum())} handwritten, on {pages} pages "
                  f"of {len(labelled)} documents)")
    for label, name in ((1, "handwritten"), (0, "printed")):
        figures = [handwriting.figures_of(feats, model) for (_, y), doc_pages in zip(labelled, per_doc, strict=True)
                   if y == label for feats in doc_pages if feats]
        medians = [f.median for f in figures if f.median is not None]
        if medians:
            shares = [f.share for f in figures]
            console.print(f"  {name:<12} pages {len(figures):>4}: median log odds {min(medians):+.2f} to "
                          f"{max(medians):+.2f}; share above {handwriting.HANDWRITTEN_WORD:g} {min(shares):.2f} to "
                          f"{max(shares):.2f} (on the fit set, as a page is judged)")


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
        "calibration": _calibration_info(where),
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
    cal = info["calibration"]
    if cal:
        src = cal["source"]
        console.print(f"calibration {cal['digest']}: seeds {src.get('seeds')}, {src.get('documents')} documents; "
                      f"own curves for {', '.join(f for f in cal['fields'] if f != '*') or 'no field'}")
    else:
        console.print("calibration none: confidences are reported raw (run `claimflow model calibrate`)")


def _calibration_info(model_dir: Path) -> dict | None:
    from extractors.calibration import Calibration

    f = model_dir / "calibration.json"
    if not f.is_file():
        return None
    cal = Calibration.from_json(f.read_text("utf-8"), where=str(f))
    return {"digest": cal.digest, "source": dict(cal.source), "fields": sorted(cal.curves)}


@app.command("train-chooser")
@handle_errors
def train_chooser_cmd(
    gold: list[Path] = typer.Option(
        ..., "--gold", exists=True, file_okay=False,
        help="Real receipts (SROIE folders) and/or generated bills with truth files; the held-aside receipts "
             "(numbered ≡ 0 mod 10) are never trained on."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Where to write the total model (default: the shipped "
                                                               "extractors/chooser/total.json)."),
    date_out: Path | None = typer.Option(
        None, "--date-out", help="Where to write the first-date-of-service model (default: the shipped "
                                 "extractors/chooser/service_date.json; with --out and not this, it is not written)."),
    provider_out: Path | None = typer.Option(
        None, "--provider-out", help="Where to write the provider-name model (default: the shipped "
                                     "extractors/chooser/provider.json; with --out and not this, it is not written)."),
    learner: str = typer.Option("logistic", "--learner", help="logistic or lightgbm."),
    seed: int = typer.Option(0, "--seed", help="Training seed."),
    cache: Path = typer.Option(Path("var/ocr-cache"), "--ocr-cache", help="OCR results cached by document sha256."),
    workers: int = typer.Option(1, "--workers", "-w", min=1, max=2, help="OCR processes for documents not cached."),
) -> None:
    """Train the choosers (extractors/chooser: the total, the first date of service and the provider's name) on
    every document of ``--gold`` but the held-aside receipts; deterministic: the same documents and seed give the
    same files."""
    from claimflow.cli import eval_cv
    from claimflow.cli.common import settings
    from claimflow.evaluation.folds import held_aside
    from extractors.chooser import model as M
    from extractors.chooser.train import fit_date, fit_provider, fit_total
    from extractors.ner.ocr_cache import fingerprint

    if learner not in M.LEARNERS:
        raise typer.BadParameter(f"--learner: one of {', '.join(M.LEARNERS)}")
    docs = eval_cv.load_docs(gold)
    unread = eval_cv.read_docs(docs, cache, workers, settings())
    used = [d for d in docs if d.example is not None and not held_aside(d.id)]
    recipe = {"sets": {g.name: sum(1 for d in used if d.set == g.name) for g in gold},
              "held_aside": sum(1 for d in docs if held_aside(d.id)), "unread": unread,
              "ocr_fingerprint": fingerprint()}
    model = fit_total([d.example for d in used], learner=learner, seed=seed, training=recipe)
    target = out or M.shipped_path("total")
    target.write_text(model.to_json(), "utf-8")
    console.print(f"total chooser {model.version} → {target}  ({len(used)} documents, "
                  f"{model.training['candidates']} candidates; {recipe['held_aside']} held aside, never trained on)")
    # the other choosers: to their --*-out file, or beside the total's when it goes to the shipped place
    for name, what, target, fit, examples in (
            ("service_date", "date", date_out, fit_date, [d.date_example for d in used]),
            ("provider", "name", provider_out, fit_provider, [d.provider_example for d in used])):
        target = target or (M.shipped_path(name) if out is None else None)
        if target is not None:
            m = fit(examples, learner=learner, seed=seed, training=recipe)
            target.write_text(m.to_json(), "utf-8")
            console.print(f"{name} chooser {m.version} → {target}  ({m.training['documents']} documents with "
                          f"their {what} among the candidates, {m.training['candidates']} candidates)")


class _RuleSplit:
    """The hand rule the learned page split is measured against (``train-split`` prints both): a page starts a bill
    when it says "page 1 of n", or when the page before printed a total low and the tops of the two pages share
    under a third of their words and the page says no "continued"."""

    def predict(self, x):  # noqa: ANN001, ANN201 - the ChooserModel interface split_pages calls
        import numpy as np

        from extractors.bills import FEATURES

        f = {name: x[:, i] for i, name in enumerate(FEATURES)}
        start = (f["pager_first"] > 0) | ((f["prev_total_low"] > 0) & (f["top_like_prev"] < 1 / 3)
                                          & (f["continued_top"] == 0) & (f["pager_later"] == 0))
        return np.where(start, 1.0, 0.0)


@app.command("train-split")
@handle_errors
def train_split_cmd(
    gold: list[Path] = typer.Option(
        ..., "--gold", exists=True, file_okay=False,
        help="Generated sets with bundles and multi-page bills (`claimflow samples generate --bundles K`)."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Where to write the model (default: the shipped "
                                                               "extractors/chooser/bill_start.json)."),
    seed: int = typer.Option(0, "--seed", help="Training seed."),
    folds: int = typer.Option(5, "--folds", min=2, help="Cross-validation folds for the printed comparison."),
    cache: Path = typer.Option(Path("var/ocr-cache"), "--ocr-cache", help="OCR results cached by document sha256."),
    workers: int = typer.Option(1, "--workers", "-w", min=1, max=2, help="OCR processes for documents not cached."),
) -> None:
    """Train the page split of documents holding several bills (extractors/bills.py) on the multi-page documents of
    ``--gold``; prints the cross-validated share of documents split exactly right, learned vs the hand rule."""
    from claimflow.cli import eval_cv
    from claimflow.cli.common import settings
    from extractors import bills
    from extractors.chooser import model as M
    from extractors.ner.ocr_cache import fingerprint

    docs = eval_cv.load_docs(gold)
    multi = [d for d in docs if (d.truth.get("document") or {}).get("pages", 1) > 1]
    if not multi:
        raise typer.BadParameter("--gold holds no document of several pages")
    eval_cv.read_docs(multi, cache, workers, settings())
    examples = [(d.ocr, bills.starts_of(d.truth)) for d in multi if d.ocr is not None]

    def exact(model, part) -> int:  # noqa: ANN001
        return sum(1 for ocr, starts in part
                   if {b[0][0] for b in bills.split_pages(ocr, model).bills} == starts)

    learned = rule = 0
    for k in range(folds):
        test = examples[k::folds]
        train = [e for i, e in enumerate(examples) if i % folds != k]
        learned += exact(bills.fit(train, seed=seed), test)
        rule += exact(_RuleSplit(), test)
    model = bills.fit(examples, seed=seed, training={
        "sets": {g.name: sum(1 for d in multi if d.set == g.name) for g in gold}, "ocr_fingerprint": fingerprint()})
    target = out or M.shipped_path(bills.FIELD)
    target.write_text(model.to_json(), "utf-8")
    n = len(examples)
    console.print(f"page split {model.version} → {target}  ({n} documents of several pages, "
                  f"{model.training['candidates']} pages after a first)")
    console.print(f"{folds}-fold CV, documents split exactly right: learned {learned / n:.3f}, hand rule "
                  f"{rule / n:.3f}")
