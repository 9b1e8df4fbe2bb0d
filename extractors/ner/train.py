"""Train the NER model from generated documents: OCR (cached) → gold spans from truth → spaCy training → model dir.

Reproducible: the same documents (the generator is deterministic per seed) and the same ``seed`` give the same
model on the same machine. One process, CPU only; a few minutes on 2 cores for a few hundred documents.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spacy.tokens import DocBin

from extractors.ner import corpus
from extractors.ner.ocr_cache import read_cached
from extractors.ner.pipeline import LABELS, blank

log = logging.getLogger(__name__)

CONFIG = Path(__file__).resolve().parent / "config.cfg"
#: Bump when the training recipe (config, corpus alignment, labels) changes; it is part of every extraction.
MODEL_VERSION = "1.2.0"


@dataclass(frozen=True)
class TrainReport:
    model_dir: Path
    version: str
    train_docs: int
    dev_docs: int
    labels: dict[str, int]
    dev_scores: dict[str, Any]
    skipped: list[str]


def _is_dev(name: str, seed: int, fraction: float) -> bool:
    h = int(hashlib.sha256(f"{seed}:{name}".encode()).hexdigest()[:8], 16)
    return h / 0xFFFFFFFF < fraction


def train(
    data_dirs: list[Path],
    out_dir: Path,
    *,
    seed: int = 0,
    cache_dir: Path = Path("var/ocr-cache"),
    dev_fraction: float = 0.1,
    max_epochs: int | None = None,
    ocr_workers: int = 1,
    cached_only: bool = False,
) -> TrainReport:
    """Train on every ``*.truth.json`` document under ``data_dirs`` and write the model to ``out_dir``."""
    import spacy
    from spacy.cli.train import train as spacy_train

    gold = list(corpus.gold_documents(data_dirs))
    if cached_only:  # train on what is already OCR'd (the OCR of the rest can go on elsewhere)
        from extractors.ner.ocr_cache import is_cached

        gold = [(p, t) for p, t in gold if is_cached(p, cache_dir)]
    if not gold:
        raise ValueError(f"no documents with truth files under {', '.join(map(str, data_dirs))}")
    truths = {p: t for p, t in gold}
    items, skipped = [], []
    for path, out in read_cached([p for p, _ in gold], cache_dir, workers=ocr_workers):
        if hasattr(out, "pages"):
            items.append((path, truths[path], out))
        else:
            skipped.append(f"{path.name}: {out}")
    nlp = blank()
    train_bin, dev_bin = DocBin(store_user_data=False), DocBin(store_user_data=False)
    counts: Counter[str] = Counter()
    n_train = n_dev = 0
    for ex in corpus.examples(nlp, items):
        if _is_dev(ex.name, seed, dev_fraction):
            dev_bin.add(ex.doc)
            n_dev += 1
        else:
            train_bin.add(ex.doc)
            n_train += 1
            counts.update(e.label_ for e in ex.doc.ents)
    if n_dev == 0 or n_train == 0:
        raise ValueError("too few documents to split into train and dev sets")
    with tempfile.TemporaryDirectory(prefix="claimflow-ner-") as tmp:
        work = Path(tmp)
        train_bin.to_disk(work / "train.spacy")
        dev_bin.to_disk(work / "dev.spacy")
        overrides: dict[str, Any] = {
            "paths.train": str(work / "train.spacy"),
            "paths.dev": str(work / "dev.spacy"),
            "system.seed": seed,
        }
        if max_epochs is not None:
            overrides["training.max_epochs"] = max_epochs
        spacy_train(CONFIG, work / "out", use_gpu=-1, overrides=overrides)
        best = spacy.load(work / "out" / "model-best")
        meta = json.loads((work / "out" / "model-best" / "meta.json").read_text("utf-8"))
        scores = {k: v for k, v in (meta.get("performance") or {}).items() if k.startswith("ents")}
        best.meta.update(
            name="claimflow_ner",
            version=MODEL_VERSION,
            description="claimflow claim-document NER (trained on OCR output of generated bills)",
            license="Apache-2.0",
            claimflow={
                "seed": seed,
                "data": [str(d) for d in data_dirs],
                "train_docs": n_train,
                "dev_docs": n_dev,
                "train_entities": dict(sorted(counts.items())),
                "labels": list(LABELS),
            },
        )
        if out_dir.exists():
            shutil.rmtree(out_dir)
        best.to_disk(out_dir)
    report = TrainReport(out_dir, MODEL_VERSION, n_train, n_dev, dict(sorted(counts.items())), scores, skipped)
    (out_dir / "training-report.json").write_text(
        json.dumps(
            {"version": report.version, "seed": seed, "data": [str(d) for d in data_dirs], "train_docs": n_train,
             "dev_docs": n_dev, "train_entities": report.labels, "dev_scores": scores, "skipped": skipped},
            indent=2, sort_keys=True,
        ) + "\n",
        "utf-8",
    )
    return report


__all__ = ["CONFIG", "MODEL_VERSION", "TrainReport", "train"]
