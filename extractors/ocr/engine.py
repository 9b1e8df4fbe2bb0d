"""Read one page image: straighten a photo → analyse → rotate/deskew/rescale → tesseract → retry if need be → Page.

Word boxes are returned in the coordinates of the *page image*: the original page — a page photographed at an angle
first warped square on from ``Page.corners`` — turned by ``Page.rotation`` (clockwise) and then deskewed by
``Page.skew`` (counter-clockwise positive, canvas grown to fit) at its original resolution; any rescaling done for
tesseract is undone.
"""

from __future__ import annotations

import functools
import logging
from collections import Counter
from dataclasses import dataclass, replace

import numpy as np

from claimflow.errors import OcrTimeoutError
from claimflow.model import BBox, Page, PageSource, Word
from extractors.ocr import _tesseract, handwriting, preprocess, reread
from extractors.ocr.options import OcrOptions

log = logging.getLogger(__name__)

#: Mean word confidence (0..1) under which a page gets a warning that its text is unreliable.
UNREADABLE_CONFIDENCE = 0.45
#: Words with no letter or digit read below this confidence (0..100) are marks on the page, not text.
NOISE_CONFIDENCE = 30.0

#: At most this many unread regions are re-read per page (bounds the cost on noisy photos).
MAX_GAPS = 12
#: Words read in a gap below this confidence (0..100) are dropped: a gap is often a logo, a stamp or a rule.
GAP_MIN_CONFIDENCE = 40.0
#: A reading whose word boxes hold less than this share of the page's glyph-sized ink left most of the text unread
#: (measured on 269 generated pages: median 0.98; receipts with separator rows of "*" about 0.7, photographed on a
#: textured table down to 0.4; a faded receipt photographed on a dark table, read without its light grey print, 0.06).
SPARSE_READ = 0.3
#: A full page whose reading holds less than this share of its glyph-sized ink has lost whole columns or fields to
#: tesseract's sparse-text segmentation (a hospital bill read without its column of post dates: 0.55; the generated
#: held-out full pages read 0.63-1.0, median 0.98). Its unread lines are read in a stacked strip, up to
#: ``MAX_SPARSE_GAPS`` of them.
SPARSE_PAGE = 0.7
MAX_SPARSE_GAPS = 40

#: Per-process counters (pages read, pages that took the retry path): the benchmark reports the retry rate.
STATS: Counter[str] = Counter()


@dataclass(frozen=True)
class Recipe:
    """The preprocessing choices. Defaults are the measured winners (see README, "OCR").

    Full pages are read as sparse text (psm 11): tesseract's page layout analysis (psm 3) drops whole columns of
    amounts on statements, and rows are rebuilt from word boxes afterwards anyway. A narrow column of text (a till
    receipt, see ``preprocess.NARROW_TEXT``) is read as one uniform block (psm 6), which keeps
    right-aligned amounts that the other modes cut or drop.
    """

    psm: int = 11
    target_char_height: float = preprocess.TARGET_CHAR_HEIGHT  # 0 disables rescaling
    max_upscale: float = preprocess.MAX_UPSCALE
    receipt_psm: int | None = 6  # None: receipts are read like full pages
    deskew: bool = True
    illumination: bool = False
    thresholding: int = 0  # tesseract thresholding_method: 0 Otsu, 1 Leptonica adaptive Otsu, 2 Sauvola
    retry: bool = True
    binarize: bool = False  # Otsu in OpenCV before tesseract (after rescaling)
    invert: bool = False  # tesseract's second pass over low-confidence lines as white-on-black text
    #: Read lines of ink the first pass left out (see _read_gaps). Off by default: on the held-out set it recovered
    #: one document in 300 for total, date, member id and provider, for +33% time on a full page (1.5x raw
    #: tesseract, over the OCR speed budget of 1.3x).
    fill_gaps: bool = False
    #: Paint out table rules and box borders before reading full pages (``preprocess.remove_rules``): held-out first
    #: service date 0.967 -> 0.980, member id 0.957 -> 0.963, balance due 0.687 -> 0.800 (extractors/ocr/README.md).
    remove_rules: bool = True


DEFAULT_RECIPE = Recipe()


@dataclass
class _Attempt:
    words: list[_tesseract.TessWord]
    rotation: int  # clockwise quadrant applied
    image_shape: tuple[int, int]  # page image (h, w) at original resolution after rotation + deskew
    factor: float  # rescale applied for tesseract
    note: str
    work: np.ndarray | None = None  # the image tesseract read

    @functools.cached_property
    def read_share(self) -> float:  # checked once or twice a page: computed once (before any gap words are added)
        if self.work is None:
            return 1.0
        return preprocess.read_share(self.work, [(w.left, w.top, w.width, w.height) for w in self.words])

    @property
    def score(self) -> float:
        """Characters read with confidence: garbage from an upside-down page scores near zero."""
        return sum(len(w.text) for w in self.words if w.conf >= 60)

    @property
    def mean_conf(self) -> float:
        return sum(w.conf for w in self.words) / len(self.words) / 100 if self.words else 0.0


def _prepare(gray: np.ndarray, rotation: int, skew: float, factor: float, background: int, recipe: Recipe,
             char_height: float = 0.0):
    page = preprocess.rotate_quadrant(gray, rotation)
    page = preprocess.deskew(page, skew, background)
    shape = page.shape
    work = preprocess.resize(page, factor)
    if recipe.illumination:
        work = preprocess.flatten_illumination(work)
    if recipe.remove_rules:
        work = preprocess.remove_rules(work, char_height * factor)
    if recipe.binarize:
        work = preprocess.binarize(work)
    return work, shape


def _config(recipe: Recipe) -> dict[str, str]:
    config: dict[str, str] = {}
    if recipe.thresholding:
        config["thresholding_method"] = str(recipe.thresholding)
    if not recipe.invert:
        config["tessedit_do_invert"] = "0"
    return config


def _attempt(gray, rotation, skew, factor, background, recipe: Recipe, options: OcrOptions, what: str,
             char_height: float = 0.0) -> _Attempt:
    work, shape = _prepare(gray, rotation, skew, factor, background, recipe, char_height)
    config = _config(recipe)
    words = _tesseract.recognize(
        work, psm=recipe.psm, language=options.language, timeout=options.page_timeout, config=config, what=what
    )
    if recipe.fill_gaps and words:
        words += _read_gaps(work, words, options, config, what)
    return _Attempt(words, rotation, (int(shape[0]), int(shape[1])), factor, f"rot{rotation}", work)


def _read_gaps(work: np.ndarray, words: list[_tesseract.TessWord], options: OcrOptions, config: dict[str, str],
               what: str, max_regions: int = MAX_GAPS) -> list[_tesseract.TessWord]:
    """Read the text the first pass left out: page segmentation sometimes drops a whole column of amounts or a
    shaded band of a form. Lines of ink that no word box covers are cropped, stacked into one strip (one more
    tesseract call, whatever their number) and read as a block (psm 6); their words join the page under fresh block
    numbers. Bounded: at most ``max_regions`` crops per page."""
    regions = preprocess.unread_regions(work, [(w.left, w.top, w.width, w.height) for w in words],
                                        max_regions=max_regions)
    if not regions:
        return []
    gap = max(20, max(y1 - y0 for _, y0, _, y1 in regions))
    width = max(x1 - x0 for x0, _, x1, _ in regions) + 2 * gap
    strips, spans, y = [], [], 0  # spans: (strip top, strip bottom, x shift, y shift) per crop
    for x0, y0, x1, y1 in regions:
        strip = np.full((y1 - y0 + 2 * gap, width), 255, np.uint8)
        strip[gap : gap + y1 - y0, gap : gap + x1 - x0] = work[y0:y1, x0:x1]
        strips.append(strip)
        spans.append((y, y + strip.shape[0], x0 - gap, y0 - gap - y))
        y += strip.shape[0]
    got = _tesseract.recognize(np.vstack(strips), psm=6, language=options.language, timeout=options.page_timeout,
                               config=config, what=what)
    out: list[_tesseract.TessWord] = []
    next_block = max(w.block for w in words) + 1
    for w in got:
        yc = w.top + w.height / 2
        span = next((sp for sp in spans if sp[0] <= yc < sp[1]), None)
        if span is None or w.conf < GAP_MIN_CONFIDENCE:
            continue
        placed = replace(w, block=next_block + spans.index(span), left=w.left + span[2], top=w.top + span[3])
        if not any(_tesseract.overlap(placed, o) > 0.25 * max(1, placed.width * placed.height) for o in [*words, *out]):
            out.append(placed)  # a crop also catches the edges of words already read: keep only new text
    STATS["gaps"] += len(regions)
    return out


def read_page(
    gray: np.ndarray, number: int, options: OcrOptions, *, recipe: Recipe = DEFAULT_RECIPE, what: str = "a page",
    features_out: list | None = None,
) -> Page:
    """Read one page. ``features_out``, when given, receives the handwriting features of its scored words (for
    ``claimflow model handwriting``)."""
    # A page photographed at an angle on a table: its lines converge, so no one deskew angle straightens them all
    # (tesseract then cuts rows into pieces and loses small print between them). Undo the perspective first.
    corners = preprocess.page_quad(gray)
    if corners is not None:
        gray = preprocess.rectify(gray, corners, preprocess.paper_grey(gray))
    a = preprocess.analyse(gray)
    if a.blank:
        h, w = gray.shape
        return Page(
            number=number, width=w, height=h, source=PageSource.ocr, words=[],
            warnings=[f"page {number} looks blank (no text found)"],
        )
    if a.narrow and recipe.receipt_psm is not None:
        # a block read leaves no gaps; a receipt's dashed separators are not boxes, and its text is often bold or
        # smeared, which rule removal would nibble
        recipe = replace(recipe, psm=recipe.receipt_psm, fill_gaps=False, remove_rules=False)
    if a.uneven:
        recipe = replace(recipe, illumination=True)
    factor = preprocess.scale_factor(a.char_height, recipe.target_char_height, recipe.max_upscale)
    skew = a.skew if recipe.deskew else 0.0
    rotation = 90 if a.vertical else 0
    notes: list[str] = []
    try:
        best = _attempt(gray, rotation, skew, factor, a.background, recipe, options, what, a.char_height)
    except OcrTimeoutError:
        # Grain noise on a faint page: sparse-text mode takes every speck for a word (seen: 340 s, 2,400 "words" at
        # confidence 0.23 on a grainy, low-contrast 150 dpi scan; 0.8 s once denoised). Read once more without the
        # grain; a second timeout fails the document as before.
        STATS["grain_retries"] += 1
        gray = preprocess.denoise(gray)
        best = _attempt(gray, rotation, skew, factor, a.background, recipe, options, what, a.char_height)
        notes.append(f"page {number}: the first reading took longer than {options.page_timeout:g} s; read again "
                     "with its grain noise removed")
    STATS["pages"] += 1
    retried = False
    try:  # second opinions on a page already read, each kept only if it reads more
        if recipe.retry and best.mean_conf < options.retry_below_confidence:
            # Upside down (or the other quarter turn) reads as low-confidence garbage: try the opposite orientation.
            retried = True
            STATS["retried"] += 1
            other = _attempt(gray, (rotation + 180) % 360, skew, factor, a.background, recipe, options, what,
                             a.char_height)
            if other.score > best.score:
                best = other
            if best.mean_conf < options.retry_below_confidence and not recipe.illumination:
                alt = _attempt(gray, best.rotation, skew, factor, a.background, replace(recipe, illumination=True),
                               options, what, a.char_height)
                if alt.score > best.score:
                    best = alt
        if recipe.retry and not recipe.thresholding and best.read_share < SPARSE_READ:
            # Most of the page's text was never read, with confidence: tesseract's one global threshold (Otsu) fell
            # between bold print and the rest, so light grey print (a faded thermal receipt next to its bold total)
            # landed on the paper's side. Leptonica's adaptive Otsu thresholds each tile on its own (the dark
            # surface around a photographed page is painted out first: tile by tile, its texture reads as junk).
            retried = True
            STATS["sparse"] += 1
            alt = _attempt(preprocess.mask_surround(gray), best.rotation, skew, factor, a.background,
                           replace(recipe, thresholding=1), options, what, a.char_height)
            if alt.score > best.score:
                best = alt
        if recipe.retry and not a.narrow and not recipe.fill_gaps and best.words and best.read_share < SPARSE_PAGE:
            # Sparse-text segmentation dropped whole lines or a column of a full page: read what is left unread.
            retried = True
            STATS["sparse_gaps"] += 1
            best.words += _read_gaps(best.work, best.words, options, _config(recipe), what, MAX_SPARSE_GAPS)
    except OcrTimeoutError:
        # On a page of grain noise tesseract can spend minutes on every speck (seen: 176 s for the flattened copy of
        # a faint, grainy receipt); running out of time keeps the best reading so far instead of failing the
        # whole document.
        STATS["retry_timeouts"] += 1
        notes.append(f"page {number}: a second reading took longer than {options.page_timeout:g} s and was "
                     "dropped; the best reading so far is kept")
    log.debug("page %d: psm %d rotation %d skew %.2f scale %.2f retried %s conf %.2f", number, recipe.psm,
              best.rotation, skew, factor, retried, best.mean_conf)
    page = _to_page(best, number, skew, features_out, reread_unsure=options.reread_unsure)
    update: dict = {}
    if corners is not None:
        update["corners"] = [(round(float(x), 1), round(float(y), 1)) for x, y in corners]
    if notes:
        update["warnings"] = [*page.warnings, *notes]
    return page.model_copy(update=update) if update else page


def _handwriting(work: np.ndarray | None, kept: list[_tesseract.TessWord], features_out: list | None
                 ) -> tuple[list[float | None], handwriting.PageFigures]:
    """Each word's handwriting log odds (None: not scored) and the page's figures. An even sample of the words is
    scored first; a page it shows to be plainly print is left at that (most pages), any other has every word scored.
    Fitting (``features_out`` given) scores every word."""
    hand: list[float | None] = [None] * len(kept)
    if work is None or not kept:
        return hand, handwriting.PageFigures(None, 0.0)
    n = len(kept)
    boxes = [(tw.left, tw.top, tw.width, tw.height) for tw in kept]
    texts = [tw.text for tw in kept]
    confs = [tw.conf / 100.0 for tw in kept]
    heights = [tw.height for tw in kept]
    feats: dict[int, np.ndarray | None] = {}  # each word's features, computed once
    step = 1 if features_out is not None else -(-n // handwriting.SAMPLE_WORDS)
    for idx in [range(0, n, step)] + ([range(n)] if step > 1 else []):
        new = [i for i in idx if i not in feats]
        feats.update(zip(new, handwriting.word_features(work, [boxes[i] for i in new], [texts[i] for i in new],
                                                        [confs[i] for i in new]), strict=True))
        scores = handwriting.score_features([feats[i] for i in idx])
        hand = [None] * n
        for i, sc in zip(idx, scores, strict=True):
            hand[i] = sc
        figures = handwriting.page_figures(scores, [heights[i] for i in idx], [confs[i] for i in idx],
                                           [feats[i] for i in idx])
        if handwriting.plainly_print(figures):
            break
    if features_out is not None:  # one pass over every word
        features_out.extend(handwriting.counted([feats[i] for i in range(n)], heights))
    return hand, figures


def _to_page(att: _Attempt, number: int, skew: float, features_out: list | None = None, *,
             reread_unsure: bool = False) -> Page:
    inv = 1.0 / att.factor
    line_ids: dict[tuple[int, int, int], int] = {}
    words: list[Word] = []
    h, w = att.image_shape
    kept = [tw for tw in att.words if tw.conf >= NOISE_CONFIDENCE or any(c.isalnum() for c in tw.text)]
    # (specks and rules read as "|", "—", "~" are dropped: sparse-text mode reads every mark on the page)
    hand, by_hand = _handwriting(att.work, kept, features_out)
    # the handwriting figures are tesseract's (what they were fitted on); a word read again keeps its word's score
    read: list[tuple[int | None, _tesseract.TessWord]] = list(enumerate(kept))
    failed = None
    if reread_unsure and att.work is not None and kept:
        try:
            unread = reread.read_unread(att.work, kept)
            read = [*reread.reread(att.work, kept, others=unread), *((None, w) for w in unread)]
        except Exception as e:  # noqa: BLE001 - a second opinion that fails must not fail the page
            failed = f"page {number}: the second recogniser failed ({type(e).__name__}); tesseract's reading is kept"
            log.warning("%s", failed)
    for i, tw in read:
        hw = hand[i] if i is not None else None  # lines only the recogniser read have no handwriting score
        key = (tw.block, tw.par, tw.line)
        line = line_ids.setdefault(key, len(line_ids))
        x0, y0 = tw.left * inv, tw.top * inv
        x1, y1 = (tw.left + tw.width) * inv, (tw.top + tw.height) * inv
        words.append(
            Word(
                text=tw.text,
                bbox=BBox(x0=max(0.0, x0), y0=max(0.0, y0), x1=min(float(w), x1), y1=min(float(h), y1)),
                confidence=round(tw.conf / 100.0, 4),
                block=tw.block,
                line=line,
                handwriting=hw,
            )
        )
    if not words:
        warnings = [f"page {number}: no text could be read"]
    elif att.mean_conf < UNREADABLE_CONFIDENCE:
        warnings = [f"page {number}: text read with very low confidence ({att.mean_conf:.2f}); it may be "
                    "handwriting, a photo or a poor scan"]
    else:
        warnings = []
    if failed:
        warnings.append(failed)
    return Page(
        number=number,
        width=w,
        height=h,
        source=PageSource.ocr,
        words=words,
        rotation=att.rotation,
        skew=round(skew, 2),
        mean_confidence=round(att.mean_conf, 4),
        handwritten_share=by_hand.share,
        handwriting=by_hand.median,
        handwriting_aligned=by_hand.aligned,
        handwriting_baseline=by_hand.baseline_dev,
        warnings=warnings,
    )
