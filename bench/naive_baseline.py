"""How hard is the generated set? Raw tesseract + a naive regex for the total, on N generated documents.

    .venv/bin/python bench/naive_baseline.py --count 100 --seed 4242 [--workers 2] [--gold DIR] [--json]

Generates N documents (same seed → same documents) unless --gold points at an existing set, OCRs every page with
plain tesseract (default settings, no preprocessing, no rotation fix; PDFs rasterized at 300 dpi with pdftoppm),
then takes the last amount on the first line that contains "total" as the total. The score is the share of
documents where that equals the truth's total exactly: the floor later extractors must beat.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal, InvalidOperation
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # one tesseract thread per worker: the machine has 2 cores

AMOUNT = re.compile(r"\d[\d,]*\.\d{2}")
TOTAL_LINE = re.compile(r"total", re.IGNORECASE)


def naive_total(text: str) -> Decimal | None:
    for line in text.splitlines():
        if TOTAL_LINE.search(line):
            found = AMOUNT.findall(line)
            if found:
                try:
                    return Decimal(found[-1].replace(",", ""))
                except InvalidOperation:
                    return None
    return None


def ocr_pages(path: Path) -> str:
    import pytesseract
    from PIL import Image

    if path.suffix.lower() == ".pdf":
        from pdf2image import convert_from_path

        images = convert_from_path(str(path), dpi=300)
    else:
        im = Image.open(path)
        images = []
        for i in range(getattr(im, "n_frames", 1)):
            im.seek(i)
            images.append(im.convert("RGB"))
    return "\n".join(pytesseract.image_to_string(img) for img in images)


def _one(args: tuple[str, str]) -> tuple[str, str | None, str | None, float]:
    path, truth_total = args
    t0 = time.perf_counter()
    try:
        got = naive_total(ocr_pages(Path(path)))
    except Exception as e:  # noqa: BLE001 - a benchmark counts failures, it does not stop on them
        print(f"{path}: {type(e).__name__}: {e}", file=sys.stderr)
        got = None
    return path, truth_total, None if got is None else f"{got:.2f}", time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--seed", type=int, default=4242)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--gold", type=Path, help="use an existing generated set instead of generating one")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    tmp = None
    if args.gold is None:
        from claimflow.samples.generate import generate

        tmp = tempfile.TemporaryDirectory(prefix="naive-baseline-")
        gold = Path(tmp.name)
        t0 = time.perf_counter()
        generate(gold, count=args.count, seed=args.seed, workers=args.workers)
        gen_s = time.perf_counter() - t0
    else:
        gold, gen_s = args.gold, None
    jobs = []
    for truth_file in sorted(gold.glob("*.truth.json"))[: args.count]:
        truth = json.loads(truth_file.read_text())
        jobs.append((str(gold / truth["document"]["file"]), truth["total"]))
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        results = list(pool.map(_one, jobs))
    ocr_s = time.perf_counter() - t0
    exact = sum(1 for _, want, got, _ in results if got == want)
    found = sum(1 for _, _, got, _ in results if got is not None)
    by_layout: dict[str, list[int]] = {}
    for path, want, got, _ in results:
        layout = Path(path).name.split("-s")[0]
        by_layout.setdefault(layout, [0, 0])
        by_layout[layout][0] += got == want
        by_layout[layout][1] += 1
    out = {
        "documents": len(results), "seed": args.seed, "total_exact": exact / len(results) if results else None,
        "total_found": found / len(results) if results else None,
        "by_layout": {k: v[0] / v[1] for k, v in sorted(by_layout.items())},
        "generate_seconds": gen_s, "ocr_seconds": ocr_s, "workers": args.workers,
    }
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print(f"naive baseline (raw tesseract + first 'total' line regex) on {len(results)} generated documents, "
              f"seed {args.seed}: total exact match {exact}/{len(results)} = {out['total_exact']:.1%} "
              f"(a value found on {found}); OCR {ocr_s:.0f} s with {args.workers} workers")
        for k, v in out["by_layout"].items():
            print(f"  {k:14s} {v:.1%}")
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
