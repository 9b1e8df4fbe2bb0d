"""OCR accuracy against ground truth: character error rate and word recall, claimflow vs raw tesseract.

Gold formats (auto-detected):

- **SROIE**: ``DIR/img/NAME.jpg`` + ``DIR/box/NAME.csv`` (``x1,y1,...,x4,y4,transcript`` per text segment).
- **Generated documents**: ``DIR/**/NAME.<pdf|png|jpg|jpeg|tif|tiff|webp>`` + ``NAME.truth.txt`` (pages separated
  by form feed, lines in reading order).

How text is compared (the same for both engines):

1. Reading order is rebuilt from geometry, so that it is not judged: SROIE segments, and OCR lines (tesseract's own
   line grouping), are grouped into rows (vertical overlap > half the smaller height), rows top to bottom, segments
   left to right. A page split into columns by the segmenter therefore scores the same as one read row by row.
2. Normalisation: Unicode NFKC, case-folded (SROIE transcripts are upper-cased whatever the print says; case
   errors matter little to field extraction), whitespace runs collapsed to one space, empty lines dropped.
3. CER = Levenshtein distance(truth, ocr) / len(truth) on the rows joined by newlines, micro-averaged over the set
   (total edits / total truth characters). Insertions count, so garbage read from noise is penalised.
4. Word recall = |truth words ∩ OCR words| / |truth words| (multisets, whitespace-separated), order-free.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from claimflow.errors import ClaimflowError
from claimflow.model import OcrResult
from extractors.ocr.options import OcrOptions

DOC_EXTS = (".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp")

Box = tuple[float, float, float, float, str]  # x0, y0, x1, y1, text


@dataclass(frozen=True)
class GoldDoc:
    path: Path
    pages: list[list[Box]] | None  # SROIE: boxes (one page)
    truth_text: str | None  # generated: text with form feeds

    def truth(self) -> str:
        if self.pages is not None:
            return "\n".join(normalize_lines(rows_from_boxes(b)) for b in self.pages)
        assert self.truth_text is not None
        return "\n".join(normalize_lines(p.splitlines()) for p in self.truth_text.split("\f"))


def load_gold(gold: Path) -> list[GoldDoc]:
    if (gold / "box").is_dir() and (gold / "img").is_dir():
        docs = []
        for csv in sorted((gold / "box").glob("*.csv")):
            imgs = [p for p in (gold / "img").glob(csv.stem + ".*") if p.suffix.lower() in DOC_EXTS]
            if imgs:
                docs.append(GoldDoc(imgs[0], [read_sroie_boxes(csv)], None))
        return docs
    docs = []
    for truth in sorted(gold.rglob("*.truth.txt")):
        stem = truth.name[: -len(".truth.txt")]
        cands = [p for p in truth.parent.glob(stem + ".*") if p.suffix.lower() in DOC_EXTS and p.stem == stem]
        if cands:
            docs.append(GoldDoc(sorted(cands)[0], None, truth.read_text(encoding="utf-8")))
    return docs


def read_sroie_boxes(csv: Path) -> list[Box]:
    boxes: list[Box] = []
    for raw in csv.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = raw.split(",", 8)
        if len(parts) < 9:
            continue
        try:
            xs = [float(parts[i]) for i in (0, 2, 4, 6)]
            ys = [float(parts[i]) for i in (1, 3, 5, 7)]
        except ValueError:
            continue
        boxes.append((min(xs), min(ys), max(xs), max(ys), parts[8]))
    return boxes


def rows_from_boxes(boxes: Sequence[Box]) -> list[str]:
    """Group boxes into rows by vertical overlap, rows top to bottom, boxes left to right."""
    rows: list[list[Box]] = []
    for b in sorted(boxes, key=lambda b: (b[1] + b[3]) / 2):
        cy, h = (b[1] + b[3]) / 2, max(1.0, b[3] - b[1])
        if rows:
            r = rows[-1]
            ry0, ry1 = min(x[1] for x in r), max(x[3] for x in r)
            overlap = min(ry1, b[3]) - max(ry0, b[1])
            rh = min(max(1.0, ry1 - ry0), h)
            if overlap > 0.5 * rh and ry0 <= cy <= ry1:
                r.append(b)
                continue
        rows.append([b])
    return [" ".join(x[4] for x in sorted(r, key=lambda x: x[0])) for r in rows]


def normalize_lines(lines: Iterable[str]) -> str:
    out = []
    for line in lines:
        s = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", line).casefold()).strip()
        if s:
            out.append(s)
    return "\n".join(out)


def line_boxes(words: Iterable[tuple[int, float, float, float, float, str]]) -> list[Box]:
    """(line id, x0, y0, x1, y1, text) words → one box per OCR line."""
    lines: dict[int, list[tuple[int, float, float, float, float, str]]] = {}
    for w in words:
        lines.setdefault(w[0], []).append(w)
    out: list[Box] = []
    for ws in lines.values():
        ws.sort(key=lambda w: w[1])
        out.append((min(w[1] for w in ws), min(w[2] for w in ws), max(w[3] for w in ws), max(w[4] for w in ws),
                    " ".join(w[5] for w in ws)))
    return out


def result_text(result: OcrResult) -> str:
    pages = []
    for p in result.pages:
        ws = [(w.line, w.bbox.x0, w.bbox.y0, w.bbox.x1, w.bbox.y1, w.text) for w in p.words]
        pages.append(normalize_lines(rows_from_boxes(line_boxes(ws))))
    return "\n".join(pages)


@dataclass
class Score:
    edits: int = 0
    chars: int = 0
    words_hit: int = 0
    words: int = 0
    docs: int = 0
    failed: int = 0
    pages: int = 0
    seconds: float = 0.0

    def add(self, truth: str, ocr: str) -> None:
        self.edits += Levenshtein.distance(truth, ocr)
        self.chars += len(truth)
        tw, ow = Counter(truth.split()), Counter(ocr.split())
        self.words_hit += sum((tw & ow).values())
        self.words += sum(tw.values())
        self.docs += 1

    @property
    def cer(self) -> float:
        return self.edits / self.chars if self.chars else 0.0

    @property
    def word_recall(self) -> float:
        return self.words_hit / self.words if self.words else 0.0

    def as_dict(self) -> dict:
        return {
            "cer": round(self.cer, 4),
            "word_recall": round(self.word_recall, 4),
            "documents": self.docs,
            "failed": self.failed,
            "pages": self.pages,
            "seconds": round(self.seconds, 2),
            "seconds_per_page": round(self.seconds / self.pages, 3) if self.pages else None,
        }


@dataclass
class EvalReport:
    gold: str
    format: str
    workers: int
    engines: dict[str, Score] = field(default_factory=dict)
    per_doc: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "gold": self.gold,
            "format": self.format,
            "workers": self.workers,
            "engines": {k: v.as_dict() for k, v in self.engines.items()},
            "documents": self.per_doc,
        }


def raw_tesseract_text(path_str: str, options: OcrOptions) -> tuple[str, int]:
    """Baseline: plain tesseract (default page segmentation, no preprocessing) on the same images.

    Single images go to the tesseract CLI as files (exactly ``tesseract FILE stdout``, as TSV to get line boxes);
    PDF pages are rendered at the OCR dpi and multi-page TIFFs split first, then passed as they are.
    """
    from extractors.ocr import _tesseract
    from extractors.ocr.detect import detect_full
    from extractors.ocr.rasterize import load_image_page, render_pdf_page

    path = Path(path_str)
    det = detect_full(path, options)
    doc = det.document
    pages = []
    for n in range(1, doc.pages + 1):
        if doc.media_type == "application/pdf":
            words = _tesseract.recognize(render_pdf_page(path, n, options), psm=3, timeout=options.page_timeout)
        elif doc.pages == 1:
            words = _tesseract.recognize_file(path, timeout=options.page_timeout)
        else:
            words = _tesseract.recognize(load_image_page(path, det.pil_format or "", n - 1, options), psm=3,
                                         timeout=options.page_timeout)
        ids: dict[tuple[int, int, int], int] = {}
        ws = [(ids.setdefault((w.block, w.par, w.line), len(ids)), float(w.left), float(w.top),
               float(w.left + w.width), float(w.top + w.height), w.text) for w in words]
        pages.append(normalize_lines(rows_from_boxes(line_boxes(ws))))
    return "\n".join(pages), doc.pages


def _raw_job(args: tuple[str, OcrOptions]) -> tuple[str, int] | str:
    try:
        return raw_tesseract_text(*args)
    except ClaimflowError as e:
        return f"error: {e.message}"


def evaluate(
    gold: Path,
    options: OcrOptions,
    *,
    limit: int | None = None,
    raw: bool = True,
    reader: Callable[[list[Path], OcrOptions], Iterable[tuple[Path, OcrResult | ClaimflowError]]] | None = None,
) -> EvalReport:
    from extractors.ocr import read_documents

    docs = load_gold(gold)[:limit]
    fmt = "sroie" if docs and docs[0].pages is not None else "generated"
    report = EvalReport(gold=str(gold), format=fmt, workers=options.workers)
    ours, base = Score(), Score()
    report.engines = {"claimflow": ours}
    truths = {d.path: d.truth() for d in docs}
    rows: dict[Path, dict] = {d.path: {"file": d.path.name} for d in docs}

    t0 = time.perf_counter()
    for path, out in (reader or read_documents)([d.path for d in docs], options):
        if isinstance(out, ClaimflowError):
            ours.failed += 1
            rows[path]["claimflow_error"] = out.message
            continue
        text = result_text(out)
        before = ours.edits
        ours.add(truths[path], text)
        ours.pages += len(out.pages)
        rows[path]["claimflow_cer"] = round((ours.edits - before) / max(1, len(truths[path])), 4)
    ours.seconds = time.perf_counter() - t0

    if raw:
        report.engines["raw_tesseract"] = base
        t0 = time.perf_counter()
        jobs = [(str(d.path), options) for d in docs]
        if options.workers == 1:
            results = map(_raw_job, jobs)
            for d, res in zip(docs, results, strict=True):
                _add_raw(base, rows[d.path], truths[d.path], res)
        else:
            from extractors.ocr.pool import make_pool

            with make_pool(options.workers) as ex:
                for d, res in zip(docs, ex.map(_raw_job, jobs), strict=True):
                    _add_raw(base, rows[d.path], truths[d.path], res)
        base.seconds = time.perf_counter() - t0
    report.per_doc = [rows[d.path] for d in docs]
    return report


def _add_raw(base: Score, row: dict, truth: str, res: tuple[str, int] | str) -> None:
    if isinstance(res, str):
        base.failed += 1
        row["raw_error"] = res
        return
    text, pages = res
    before = base.edits
    base.add(truth, text)
    base.pages += pages
    row["raw_cer"] = round((base.edits - before) / max(1, len(truth)), 4)
