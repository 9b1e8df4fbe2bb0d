"""OCR benchmark (not a test): `python bench/ocr_bench.py` (``make bench``).

Measures in one run, on the same images:
1. seconds per scanned page: claimflow's OCR (detect + load + preprocess + tesseract + re-reading the words it was
   unsure of, one worker, in-process) vs the raw ``tesseract FILE stdout`` CLI — both with OMP_THREAD_LIMIT=1 (the
   raw CLI with its default OpenMP threads is reported too) — and claimflow's tesseract stage without the re-reading
   (the 1.3x budget of preprocessing overhead; the re-reading is a second recogniser, reported as its own cost); runs
   interleaved image by image so machine load hits all alike;
2. throughput of 1 vs 2 workers on a 40-page batch (read_documents, worker start-up included; best of alternating
   rounds, since the machine may be shared);
3. digital-PDF pages per second (text layer, no OCR);
4. peak RSS of one worker reading an A4 page at 300 dpi (the Python worker, and tesseract on that page).

Real receipts from ../shared/datasets/sroie-dev are used when present; otherwise generated pages.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from extractors.ocr import OcrOptions, read_document, read_documents  # noqa: E402
from extractors.ocr import engine as ocr_engine  # noqa: E402
from fixtures.ocr import make  # noqa: E402

SROIE = [REPO.parent / "shared" / "datasets" / "sroie-dev" / "img", Path("/work/shared/datasets/sroie-dev/img")]

LINES = [
    "GREENFIELD COMMUNITY HOSPITAL", "1200 Harbor Road, Springfield", "Statement date 04/11/2024",
    "Account number 7781-22-019", "Patient Maria Gonzalez", "Member ID HX88120934",
    "Date       Code    Description                       Amount", "03/28/2024 99214 Office visit, established 180.00",
    "03/28/2024 80053 Comprehensive metabolic panel 64.25", "03/28/2024 85025 Complete blood count 38.10",
    "03/28/2024 93000 Electrocardiogram 95.00", "Subtotal 377.35", "Insurance adjustment -120.00",
    "Amount due 257.35", "Please pay within 30 days. Questions? Call 555-0148.",
]


def a4_page(dpi: int = 300):
    w, h = round(8.27 * dpi), round(11.69 * dpi)
    return make.render_page(LINES * 3, size=(w, h), font_size=round(dpi * 0.14), margin=round(dpi * 0.8))


def scanned_set(tmp: Path, n_real: int, n_gen: int) -> list[Path]:
    paths: list[Path] = []
    src = next((p for p in SROIE if p.is_dir()), None)
    if src is not None:
        paths += sorted(src.glob("*.jpg"))[:n_real]
    for i in range(n_gen if src is not None else n_real + n_gen):
        p = tmp / f"gen{i}.png"
        make.rotated(a4_page(200), [0, 1.5, -2][i % 3]).save(p)
        paths.append(p)
    return paths


def cpu() -> float:
    """CPU seconds used so far by this process and its finished children (tesseract, poppler)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def raw_tesseract(path: Path, omp_one: bool) -> tuple[float, float]:
    env = dict(os.environ)
    if omp_one:
        env["OMP_THREAD_LIMIT"] = "1"
    else:
        env.pop("OMP_THREAD_LIMIT", None)
    t, c = time.perf_counter(), cpu()
    subprocess.run(["tesseract", str(path), "stdout"], capture_output=True, check=True, env=env)
    return time.perf_counter() - t, cpu() - c


def bench_per_page(paths: list[Path]) -> dict:
    opts = OcrOptions(workers=1)
    read_document(paths[0], opts)  # warm caches (imports, tesseract version, the second recogniser's model)
    ocr_engine.STATS.clear()
    # claimflow's tesseract stage alone (preprocessing, tesseract, retries), without the second recogniser
    tess_only = replace(opts, reread_unsure=False)
    ours, tess, raw1, rawd, ours_cpu, raw1_cpu = [], [], [], [], [], []
    for p in paths:
        w, c = raw_tesseract(p, True)
        raw1.append(w)
        raw1_cpu.append(c)
        t, c = time.perf_counter(), cpu()
        read_document(p, opts)
        ours.append(time.perf_counter() - t)
        ours_cpu.append(cpu() - c)
        t = time.perf_counter()
        read_document(p, tess_only)
        tess.append(time.perf_counter() - t)
        rawd.append(raw_tesseract(p, False)[0])
    return {
        "pages": len(paths),
        "claimflow_s_per_page": statistics.mean(ours),
        "raw_tesseract_s_per_page": statistics.mean(raw1),
        "raw_tesseract_default_threads_s_per_page": statistics.mean(rawd),
        "ratio": sum(ours) / sum(raw1),
        "tesseract_stage_ratio": sum(tess) / sum(raw1),
        "reread_s_per_page": statistics.mean(o - t for o, t in zip(ours, tess, strict=True)),
        "cpu_ratio": sum(ours_cpu) / sum(raw1_cpu),
        "ratio_vs_default_threads": sum(ours) / sum(rawd),
        "retry_rate": ocr_engine.STATS["retried"] / max(1, ocr_engine.STATS["pages"]),
        # pages read again because the first reading left most of their ink unread (engine.SPARSE_READ/_PAGE)
        "sparse_rate": (ocr_engine.STATS["sparse"] + ocr_engine.STATS["sparse_gaps"])
        / max(1, ocr_engine.STATS["pages"]),
        # full pages (generated A4 statements, read as sparse text) and receipts (read as one block) apart
        **{f"{kind}_ratio": sum(o for o, p in zip(ours, paths, strict=True) if p.name.startswith("gen") == full)
           / max(1e-9, sum(r for r, p in zip(raw1, paths, strict=True) if p.name.startswith("gen") == full))
           for kind, full in (("full_page", True), ("receipt", False))},
        "full_pages": sum(p.name.startswith("gen") for p in paths),
    }


def bench_throughput(paths: list[Path], rounds: int = 2) -> dict:
    """Best of ``rounds`` alternating runs per worker count (the machine is shared: the best run is the least
    disturbed one). The forkserver is started once beforehand, as it is once per application lifetime."""
    from extractors.ocr.pool import make_pool

    with make_pool(1) as pool:
        pool.submit(os.getpid).result()
    best: dict[int, float] = {}
    pages = 0
    for _ in range(rounds):
        for workers in (1, 2):
            t = time.perf_counter()
            results = list(read_documents(paths, OcrOptions(workers=workers)))
            dt = time.perf_counter() - t
            pages = sum(len(r.pages) for _, r in results if not isinstance(r, Exception))
            best[workers] = min(best.get(workers, dt), dt)
    out: dict = {"pages": pages, "rounds": rounds}
    for workers, dt in best.items():
        out[f"{workers}_workers_pages_per_s"] = pages / dt
        out[f"{workers}_workers_seconds"] = dt
    out["speedup"] = out["2_workers_pages_per_s"] / out["1_workers_pages_per_s"]
    return out


def bench_digital(tmp: Path, n: int = 20) -> dict:
    pdf = make.digital_pdf(tmp / "digital.pdf", [LINES] * n)
    opts = OcrOptions(workers=1)
    read_document(pdf, opts)
    runs = []
    for _ in range(3):
        t = time.perf_counter()
        res = read_document(pdf, opts)
        runs.append(time.perf_counter() - t)
    assert res.engine == "pdf-text-layer"
    best = min(runs)
    return {"pages": n, "ms_per_page": 1000 * best / n, "pages_per_s": n / best}


_RSS_CHILD = """
import sys, json
sys.path.insert(0, {repo!r})
from pathlib import Path
from extractors.ocr import OcrOptions, read_document
from extractors.ocr.rasterize import render_pdf_page
opts = OcrOptions(workers=1, dpi=300)
read_document(Path({pdf!r}), opts)
import cv2
cv2.imwrite({pgm!r}, render_pdf_page(Path({pdf!r}), 1, opts))
hwm = next(l for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(json.dumps({{"worker_mb": int(hwm.split()[1]) / 1024}}))
"""


def bench_rss(tmp: Path) -> dict:
    """Peak RSS of a fresh worker process (VmHWM: ru_maxrss would inherit the parent's peak across fork/exec) and of
    tesseract on the same page (``/usr/bin/time -f %M``); a worker holds both at most, one after the other."""
    pdf = make.image_pdf(tmp / "a4.pdf", [a4_page(300)], dpi=300)
    pgm = tmp / "a4.pgm"
    out = subprocess.run([sys.executable, "-c", _RSS_CHILD.format(repo=str(REPO), pdf=str(pdf), pgm=str(pgm))],
                         capture_output=True, text=True, check=True)
    d = json.loads(out.stdout.strip().splitlines()[-1])
    try:
        t = subprocess.run(["/usr/bin/time", "-f", "%M", "tesseract", str(pgm), "stdout"], capture_output=True,
                           text=True, check=True, env={**os.environ, "OMP_THREAD_LIMIT": "1"})
        d["largest_child_mb"] = int(t.stderr.strip().splitlines()[-1]) / 1024
    except FileNotFoundError:  # GNU time (Debian package `time`) missing: report the worker alone
        d["largest_child_mb"] = 0.0
    d["worst_case_mb"] = d["worker_mb"] + d["largest_child_mb"]
    return d


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=12, help="scanned pages for the per-page comparison")
    ap.add_argument("--batch", type=int, default=40, help="pages in the 1-vs-2-workers batch")
    ap.add_argument("--rounds", type=int, default=2, help="alternating 1/2-worker rounds (best of)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        report = {
            "per_page": bench_per_page(scanned_set(tmp, args.pages - args.pages // 4, args.pages // 4)),
            "throughput": bench_throughput(scanned_set(tmp, args.batch, 0)[: args.batch], args.rounds),
            "digital_pdf": bench_digital(tmp),
            "peak_rss_a4_300dpi": bench_rss(tmp),
        }
    if args.json:
        print(json.dumps(report, indent=2))
        return
    pp, th, dg, rss = report["per_page"], report["throughput"], report["digital_pdf"], report["peak_rss_a4_300dpi"]
    print(f"scanned pages ({pp['pages']}): claimflow {pp['claimflow_s_per_page']:.2f} s/page, raw tesseract "
          f"{pp['raw_tesseract_s_per_page']:.2f} s/page -> ratio {pp['ratio']:.2f}x wall, {pp['cpu_ratio']:.2f}x CPU "
          f"(the tesseract stage alone {pp['tesseract_stage_ratio']:.2f}x: target <= 1.3x; re-reading unsure words "
          f"adds {pp['reread_s_per_page']:.2f} s/page); "
          f"raw with default OpenMP threads {pp['raw_tesseract_default_threads_s_per_page']:.2f} s/page "
          f"(ratio {pp['ratio_vs_default_threads']:.2f}x); retry rate {pp['retry_rate']:.0%}, "
          f"read again as sparse {pp['sparse_rate']:.0%}")
    print(f"  of which {pp['full_pages']} full A4 pages: {pp['full_page_ratio']:.2f}x, receipts: {pp['receipt_ratio']:.2f}x")
    print(f"batch of {th['pages']} pages: 1 worker {th['1_workers_pages_per_s']:.2f} pages/s, 2 workers "
          f"{th['2_workers_pages_per_s']:.2f} pages/s -> {th['speedup']:.2f}x (target >= 1.8x)")
    print(f"digital PDF ({dg['pages']} pages): {dg['ms_per_page']:.1f} ms/page, {dg['pages_per_s']:.0f} pages/s "
          f"(target < 50 ms/page)")
    print(f"A4 page at 300 dpi: worker peak RSS {rss['worker_mb']:.0f} MB, tesseract on the page "
          f"{rss['largest_child_mb']:.0f} MB, together {rss['worst_case_mb']:.0f} MB (target <= 500 MB)")


if __name__ == "__main__":
    main()
