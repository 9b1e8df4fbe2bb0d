"""Extraction speed after OCR: NER + layout + normalizers per page (not a test; run by hand or `make bench`).

    .venv/bin/python bench/extract_bench.py [--gold var/heldout] [--limit 200] [--ocr-cache var/ocr-cache]

Without ``--gold`` (as ``make bench`` runs it), ``--count`` bills of every layout and degradation are generated
once into var/bench-extract (seed 5, a seed no model is trained or evaluated on; about a minute of OCR on 2 cores
the first time). OCR results come from the cache (``claimflow model train`` and this script fill it), so only
extraction is timed.
One-off start-up (loading the spaCy model, building the ICD-10-CM description index) is reported separately.
Target (issue #6): <= 100 ms per page.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gold", type=Path, default=None,
                    help="Folder of generated documents (NAME.truth.json); default: generate --count of them.")
    ap.add_argument("--count", type=int, default=40, help="Bills to generate when no --gold is given.")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--ocr-cache", type=Path, default=Path("var/ocr-cache"))
    ap.add_argument("--repeat", type=int, default=3, help="Timed runs per document (the best is kept).")
    args = ap.parse_args()

    from extractors import icd
    from extractors.extract import extract
    from extractors.ner import corpus, pipeline
    from extractors.ner.ocr_cache import read_cached

    gold = args.gold or _generated(args.count)

    t0 = time.perf_counter()
    pipeline.load()
    icd.warm()
    startup = time.perf_counter() - t0

    paths = [p for p, _ in corpus.gold_documents([gold])][: args.limit]
    per_page: list[float] = []
    per_doc: list[float] = []
    pages = 0
    for _, ocr in read_cached(paths, args.ocr_cache, workers=2):
        if not hasattr(ocr, "pages"):
            continue
        best = min(_timed(extract, ocr) for _ in range(args.repeat))
        n = max(1, len(ocr.pages))
        pages += n
        per_doc.append(best)
        per_page.extend([best / n] * n)
    per_page.sort()
    ms = lambda s: f"{s * 1000:.1f} ms"  # noqa: E731
    print(f"documents {len(per_doc)}, pages {pages}; start-up (model + ICD index, once per process) {ms(startup)}")
    print(f"per page: median {ms(statistics.median(per_page))}, p95 {ms(per_page[int(0.95 * (len(per_page) - 1))])}, "
          f"max {ms(per_page[-1])}; mean per document {ms(statistics.fmean(per_doc))}")


#: Where the default set is generated (kept, with the OCR cache, for the next run).
GENERATED = Path(__file__).resolve().parent.parent / "var" / "bench-extract"
BENCH_SEED = 5


def _generated(count: int) -> Path:
    """``count`` generated bills in ``GENERATED`` (made once; remade when the count differs)."""
    from claimflow.samples.generate import generate

    manifest = GENERATED / "manifest.json"
    if not manifest.is_file() or len(json.loads(manifest.read_text("utf-8"))) != count:
        print(f"generating {count} bills (seed {BENCH_SEED}) into {GENERATED}", flush=True)
        generate(GENERATED, count=count, seed=BENCH_SEED)
    return GENERATED


def _timed(fn, arg) -> float:  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    fn(arg)
    return time.perf_counter() - t


if __name__ == "__main__":
    main()
