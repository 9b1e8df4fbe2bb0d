"""A second recogniser for the words tesseract read unsurely.

tesseract finds the words and their boxes well but misreads a share of them on real scans: a faded letter, a
dot-matrix digit, a dashed rule under a date ("27/03/2018" read as "sce OSI2ONS"). Every run of words on a line
holding one read below ``UNSURE`` confidence is cropped from the image tesseract read and read again by PP-OCR's
text-line recogniser (PP-OCRv6 small, shipped inside the ``rapidocr`` wheel, its output cut to the classes
re-reading uses by ``recmodel``, run by onnxruntime on the CPU: no download). Each crop is read alone, batched with
crops of about its width, so one model call reads many.

The recogniser spells out each character with its position and confidence; each character is given to the
tesseract word whose box it falls in. A word takes the new spelling only when the recogniser is surer of every
character of it than tesseract was of the word (and at least ``MIN_SCORE``), and the new spelling keeps what made
the old one a date, an amount or a name: no mark between letters or digits dropped ("27/03/2018" is not replaced by
"27032018"), no letter put into a number, no more switches between letters and digits ("POS" -> "P0S"), no letter
from another alphabet. tesseract's word boxes are kept, except where the words it read were junk (below ``JUNK``)
and the recogniser reads them as a different number of words: then the recogniser's words, with boxes from its
character positions, replace them ("sce OSI2ONS" -> "27/03/2018"). Where the recogniser spells a word as tesseract
did, the word takes the surer of the two confidences.

The lines of ink tesseract read no word of (a letterhead in a display face, see :func:`read_unread`) are read by
the same recogniser and join the page as new words.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from typing import Any

import cv2
import numpy as np

from extractors.ocr import preprocess, recmodel
from extractors.ocr._tesseract import TessWord, overlap

#: Words tesseract read below this confidence (0-100) are read again.
UNSURE = 85.0
#: ... and take the new reading when its least sure character is at least this sure (0-1).
MIN_SCORE = 0.80
#: Below this confidence tesseract's words are junk: the recogniser's own word split replaces theirs.
JUNK = 50.0
#: Words further apart than this many glyph heights are in different columns: read apart.
GAP = 1.2
#: The recogniser's input height (PP-OCR rec: 48 px); the white paper set either side of each crop; the input widths
#: a crop is padded to (``MIN_WIDTH`` px and on, each ``WIDTH_STEP`` times the last, see ``_width``); at most
#: ``BATCH_COLUMNS`` px of input (crops of one width) in a model call.
REC_HEIGHT = 48
MARGIN = 24
MIN_WIDTH = 64
WIDTH_STEP = 1.125
BATCH_COLUMNS = 4800
#: At most this much model input (px at the recogniser's height, margins included) is read again on a page.
MAX_WIDTH = 25_000
#: A long vertical line (a fold, a scanner's streak: not a table rule, which reading paints out) crossing a line of
#: text where a word ends: tesseract takes the glyph under it for part of the line and drops it ("W01591870" for
#: W015918709, "utine" for Routine). Such a word is read again with its crop carried ``LINE_REACH`` glyph heights
#: past the line. A line is a column of pixels ``LINE_DARKER`` grey levels darker than the paper down at least
#: ``LINE_COVER`` of the ``LINE_SPAN`` glyph heights around the word (a glyph's stroke spans one).
LINE_REACH = 0.8
LINE_DARKER = 20
LINE_SLANT = 3
LINE_COVER = 0.85
LINE_SPAN = 5
#: ... and a character read back past the line stands at most this many of the word's character pitches from it.
PAST_LINE_PITCH = 1.5
#: Lines of ink tesseract read no word of (see :func:`read_unread`): at most this many regions of a page, and the
#: recogniser's words kept when their characters are this sure on average, and none less than ``UNREAD_LEAST`` (0-1).
MAX_UNREAD = 12
UNREAD_MIN_SCORE = 0.7
UNREAD_LEAST = 0.3


@dataclass(frozen=True, slots=True)
class Char:
    x: float  # centre, in the crop's pixels
    text: str
    conf: float  # 0-1
    word: int  # which of the recogniser's words (within the crop) it belongs to


Recognizer = Callable[[Sequence[np.ndarray]], list[list[Char]]]


@functools.cache
def model_version() -> str:
    """What decides the re-reading's output: the rapidocr release (its shipped model, of which ``recmodel`` keeps
    the classes re-reading uses, and its CTC decoder) and onnxruntime."""
    from importlib.metadata import version

    return f"rapidocr {version('rapidocr')} onnxruntime {version('onnxruntime')}"


@dataclass(frozen=True)
class _Engine:
    session: Any  # onnxruntime.InferenceSession
    decode: Any  # rapidocr's CTCLabelDecode: its classes to characters, with each one's time step and probability


@functools.cache
def _engine() -> _Engine:
    """The recogniser alone (tesseract found the lines: no detector is loaded), PP-OCR's model cut to the classes
    re-reading uses (``recmodel``) and rapidocr's CTC decoder. One per process: a pool worker loads it once."""
    from rapidocr.ch_ppocr_rec.utils import CTCLabelDecode

    session, characters = recmodel.load()
    return _Engine(session, CTCLabelDecode(character=list(characters)))


def recognize(crops: Sequence[np.ndarray]) -> list[list[Char]]:
    """PP-OCR's reading of each grayscale crop: its characters, positions and confidences.

    Each crop is read alone: scaled to the model's ``REC_HEIGHT``, set ``MARGIN`` px into white paper, and batched
    with crops padded to the same width (see :func:`_width`), each batch one model call; a crop's reading therefore
    does not depend on which other crops the page happened to hold."""
    scaled = []
    for c in crops:
        s = REC_HEIGHT / c.shape[0]
        how = cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC
        scaled.append((cv2.resize(c, (max(1, round(c.shape[1] * s)), REC_HEIGHT), interpolation=how), s))
    engine = _engine()
    out: list[list[Char]] = [[] for _ in crops]
    for batch in _batches([img.shape[1] for img, _ in scaled]):
        width = _width(scaled[batch[0]][0].shape[1])
        page = np.full((len(batch), REC_HEIGHT, width), 255, np.uint8)
        for k, i in enumerate(batch):
            img = scaled[i][0]
            page[k, :, MARGIN : MARGIN + img.shape[1]] = img
        # the model's input: grey in all three channels, scaled to [-1, 1] as PP-OCR's own preprocessing does
        x = np.repeat((page.astype(np.float32) / 127.5 - 1.0)[:, None], 3, axis=1)
        ratio = width / REC_HEIGHT
        (probs,) = engine.session.run(None, {"x": x})
        _, infos = engine.decode(probs, True, wh_ratio_list=[ratio] * len(batch), max_wh_ratio=ratio)
        for i, info in zip(batch, infos, strict=True):
            if not info.words or not info.line_txt_len:
                continue
            step = width / info.line_txt_len  # px per CTC time step
            k = 0
            for n, (chars, cols) in enumerate(zip(info.words, info.word_cols)):
                for ch, col in zip(chars, cols):
                    conf = float(info.confs[k]) if k < len(info.confs) else 0.0
                    k += 1
                    x_crop = ((col + 0.5) * step - MARGIN) / scaled[i][1]
                    out[i].append(Char(x_crop, unicodedata.normalize("NFKC", ch), conf, n))
    return out


def _width(w: int) -> int:
    """The model input width a crop ``w`` px wide (at ``REC_HEIGHT``) is padded to: its width and ``MARGIN`` either
    side, rounded up to the next of a fixed series of widths ``WIDTH_STEP`` apart (as a ratio) and a whole number of
    CTC steps (the model's stride is 8 px). Fixed, so that a crop reads the same whatever other crops it is batched
    with (the recogniser attends across the whole input, white padding included)."""
    need = w + 2 * MARGIN
    k = max(0, math.ceil(math.log(need / MIN_WIDTH) / math.log(WIDTH_STEP) - 1e-9))
    return -(-math.ceil(MIN_WIDTH * WIDTH_STEP**k) // 8) * 8


def _batches(widths: Sequence[int]) -> list[list[int]]:
    """Crops (indices into ``widths``, px at ``REC_HEIGHT``) grouped into model calls: those padded to the same
    width (:func:`_width`), at most ``BATCH_COLUMNS`` px of input a call."""
    by_width: dict[int, list[list[int]]] = {}
    for i, w in enumerate(widths):
        batches = by_width.setdefault(_width(w), [[]])
        if _width(w) * (len(batches[-1]) + 1) > BATCH_COLUMNS and batches[-1]:
            batches.append([])
        batches[-1].append(i)
    return [b for _, bs in sorted(by_width.items()) for b in bs]


def _runs(words: list[TessWord], lined: Collection[int] = ()) -> list[list[int]]:
    """Runs of words side by side on one tesseract line (indices into ``words``, left to right), split where a
    gap wider than ``GAP`` glyph heights separates columns; only runs holding a word read below ``UNSURE`` or one
    of ``lined`` (a word a line crosses the end of)."""
    lines: dict[tuple[int, int, int], list[int]] = {}
    for i, w in enumerate(words):
        lines.setdefault((w.block, w.par, w.line), []).append(i)
    runs: list[list[int]] = []
    for idx in lines.values():
        idx = sorted(idx, key=lambda i: words[i].left)
        runs.append([idx[0]])
        for a, b in zip(idx, idx[1:]):
            wa, wb = words[a], words[b]
            if wb.left - (wa.left + wa.width) > GAP * max(wa.height, wb.height):
                runs.append([b])
            else:
                runs[-1].append(b)
    return [r for r in runs if min(words[i].conf for i in r) < UNSURE or any(i in lined for i in r)]


def _lines_beside(work: np.ndarray, words: list[TessWord]) -> dict[int, tuple[int, int]]:
    """The words a long vertical line crosses at an end (see ``LINE_REACH``): index -> (the line's x left of the
    word, right of it; -1 where none)."""
    H, W = work.shape[:2]
    out: dict[int, tuple[int, int]] = {}
    for i, w in enumerate(words):
        h = w.height
        if h < 6 or not any(c.isalnum() for c in w.text):
            continue
        y0, y1 = max(0, round(w.top - (LINE_SPAN - 1) / 2 * h)), min(H, round(w.top + (LINE_SPAN + 1) / 2 * h))
        right = w.left + w.width
        found = []
        for a, b in ((w.left - LINE_REACH * h, w.left + 0.3 * h), (right - 0.3 * h, right + LINE_REACH * h)):
            a, b = max(0, round(a)), min(W, round(b))
            band = work[y0:y1, a:b]
            if band.size == 0 or y1 - y0 < (LINE_SPAN - 1) * h:  # too near the page's edge to tell
                found.append(-1)
                continue
            dark = (band.astype(np.int16) < int(_percentile(band, 90)) - LINE_DARKER).astype(np.uint8)
            # a line a page's deskewing left a little off vertical still fills a column this wide
            cover = cv2.dilate(dark, np.ones((1, LINE_SLANT), np.uint8)).mean(axis=0)
            found.append(a + int(cover.argmax()) if cover.max() >= LINE_COVER else -1)
        if found != [-1, -1]:
            out[i] = (found[0], found[1])
    return out


def _percentile(gray: np.ndarray, q: float) -> float:
    """``np.percentile(gray, q)`` of an 8-bit image, as numpy computes it (linear between the two nearest ranks), from
    its histogram: a tenth of the cost on the small bands ``_lines_beside`` looks at, thousands a page."""
    cum = np.cumsum(np.bincount(gray.ravel(), minlength=256))
    at = q / 100 * (gray.size - 1)
    lo = int(math.floor(at))
    a, b = np.searchsorted(cum, [lo, min(lo + 1, gray.size - 1)], side="right")
    t = at - lo
    return float(b - (b - a) * (1 - t)) if t >= 0.5 else float(a + (b - a) * t)


def reread(work: np.ndarray, words: list[TessWord], recognizer: Recognizer | None = None, *,
           others: Sequence[TessWord] = ()) -> list[tuple[int, TessWord]]:
    """``words`` (tesseract's, in ``work``'s pixels) with the unsure ones read again (see the module docstring), in
    reading order; each paired with the index of the tesseract word it stands for (so what was measured on that word,
    such as its handwriting score, carries over)."""
    H, W = work.shape[:2]
    picked, crops = [], []
    budget = MAX_WIDTH
    lined = _lines_beside(work, words)
    neighbours = [*words, *others]  # a reach past a line stops short of these: ``others`` are read_unread's
    # the least sure runs first, while the page's budget lasts
    for idx in sorted(_runs(words, lined), key=lambda r: min(words[i].conf for i in r)):
        ws = [words[i] for i in idx]
        if sum(c.isalnum() for w in ws for c in w.text) < 2:
            continue
        x0, x1 = min(w.left for w in ws), max(w.left + w.width for w in ws)
        y0, y1 = min(w.top for w in ws), max(w.top + w.height for w in ws)
        h = y1 - y0
        if h < 6:
            continue
        px, py = max(3, round(0.4 * h)), max(2, round(0.2 * h))
        # past a line at either end of the run, by a glyph, but no farther than halfway to the next word on the
        # text line (which may reach across the same line from its side)
        left_line, right_line = lined.get(idx[0], (-1, -1))[0], lined.get(idx[-1], (-1, -1))[1]
        reach = (max(px, min(x0 - left_line + round(LINE_REACH * h), (x0 - _neighbour(neighbours, idx[0], -1)) // 2))
                 if left_line >= 0 else px,
                 max(px, min(right_line - x1 + round(LINE_REACH * h), (_neighbour(neighbours, idx[-1], 1) - x1) // 2))
                 if right_line >= 0 else px)
        cx0, cy0 = max(0, x0 - reach[0]), max(0, y0 - py)
        crop = work[cy0 : min(H, y1 + py), cx0 : min(W, x1 + reach[1])]
        budget -= crop.shape[1] * REC_HEIGHT / crop.shape[0] + 2 * MARGIN
        if budget < 0:
            break
        crops.append(crop)
        picked.append((idx, cx0, reach, (left_line, right_line)))
    # handed over in reading order (each is read alone: the order decides nothing but the recogniser's batching)
    order = sorted(range(len(crops)), key=lambda k: picked[k][0][0])
    crops, picked = [crops[k] for k in order], [picked[k] for k in order]
    out: dict[int, list[TessWord]] = {}
    if crops:
        for (idx, cx0, reach, at), chars in zip(picked, (recognizer or recognize)(crops), strict=True):
            new = _merge([words[i] for i in idx], [replace(c, x=c.x + cx0) for c in chars], reach, at)
            if new is not None:
                for i, ws in zip(idx, new, strict=True):
                    out[i] = ws
    return [(i, n) for i, w in enumerate(words) for n in out.get(i, [w])]


def _neighbour(words: list[TessWord], i: int, side: int) -> int:
    """Where the nearest word on ``words[i]``'s text line begins to its right (``side`` 1) or ends to its left (-1),
    less a pixel; the page's edge where there is none."""
    w = words[i]
    on_line = [o for o in words if o is not w and min(o.top + o.height, w.top + w.height) - max(o.top, w.top)
               > 0.5 * min(o.height, w.height)]
    if side > 0:
        return min((o.left for o in on_line if o.left >= w.left + w.width), default=10**9) - 1
    return max((o.left + o.width for o in on_line if o.left + o.width <= w.left), default=-(10**9)) + 1


def _merge(ws: list[TessWord], chars: list[Char], reach: tuple[float, float] | None = None,
           lines: tuple[int, int] = (-1, -1)) -> list[list[TessWord]] | None:
    """What stands in place of each word of the run ``ws`` as the recogniser's ``chars`` (x on the page) spell it
    (a word, several, or none where one word of the recogniser's covers several of tesseract's), or None when
    nothing changes. The run's span reaches ``reach`` px past its ends (default 0.4 glyph heights); ``lines`` are
    where a vertical line crosses its text line at the left and right (-1: none)."""
    if not chars:
        return None
    # each old word's span, widened halfway into the gaps beside it (and a little past the ends)
    bounds = []
    for j, w in enumerate(ws):
        lo = (w.left - (0.4 * w.height if reach is None else reach[0]) if j == 0
              else (ws[j - 1].left + ws[j - 1].width + w.left) / 2)
        hi = (w.left + w.width + (0.4 * w.height if reach is None else reach[1]) if j == len(ws) - 1
              else (w.left + w.width + ws[j + 1].left) / 2)
        bounds.append((lo, hi))

    def owner(x: float) -> int | None:
        return next((j for j, (lo, hi) in enumerate(bounds) if lo <= x < hi), None)

    chars = [c for c in chars if owner(c.x) is not None]
    if not chars:
        return None
    new_words: dict[int, list[Char]] = {}
    for c in chars:
        new_words.setdefault(c.word, []).append(c)
    # groups: old and new words linked by shared characters (one to one, a split, a merge)
    groups: list[tuple[set[int], list[int]]] = []
    for n, cs in new_words.items():
        own = {owner(c.x) for c in cs}
        hit = [g for g in groups if g[0] & own]
        for g in hit:
            own |= g[0]
            groups.remove(g)
        groups.append((own, [m for g in hit for m in g[1]] + [n]))
    replaced: dict[int, list[TessWord]] = {}  # old word index -> what stands in its place
    for old_js, ns in groups:
        js = sorted(old_js)
        olds = [ws[j] for j in js]
        if max(w.conf for w in olds) < JUNK and len(ns) != len(js):
            # junk words read as other words: the recogniser's split, boxes from its character positions
            cs_all = [c for n in ns for c in new_words[n]]
            least = min(c.conf for c in cs_all)
            old = " ".join(w.text for w in olds)
            new = " ".join("".join(c.text for c in new_words[n]) for n in ns)
            if new == old or not _better(old, new, least, max(w.conf for w in olds)):
                continue
            top, bottom = min(w.top for w in olds), max(w.top + w.height for w in olds)
            pitch = _pitch(cs_all, olds[0].height / 2)
            made = []
            for n in ns:
                cs = new_words[n]
                left, width = _span(cs, pitch)
                made.append(replace(olds[0], left=round(left), top=top, width=width, height=bottom - top,
                                    text="".join(c.text for c in cs), conf=100.0 * least))
            replaced[js[0]] = made
            for j in js[1:]:
                replaced[j] = []
            continue
        # otherwise tesseract's words and boxes stay; each takes the characters inside its span. A word tesseract
        # read surely gains a character only where the run gains one (tesseract lost the 5 between "1" and
        # "7818712"), not where the recogniser put the last letter of the word before in its span ("lLab")
        grows = sum(_alnum(c.text) for c in chars if owner(c.x) in old_js) > sum(_alnum(ws[j].text) for j in js)
        for j in js:
            w = ws[j]
            mine = [c for c in chars if owner(c.x) == j]
            text = "".join(c.text for c in mine)
            least = min((c.conf for c in mine), default=0.0)
            near = (lines[0] if j == 0 else -1, lines[1] if j == len(ws) - 1 else -1)  # lines at this word's ends
            longer = _alnum(text) > _alnum(w.text)  # beside a line, only what it hid (``_past_line``)
            better = (mine and text != w.text and _better(w.text, text, least, w.conf)
                      and (not longer or (near == (-1, -1) and (w.conf < UNSURE or grows))))
            if not better and mine and text != w.text and _past_line(w, mine, near):
                better, least = True, min(least, w.conf / 100.0)  # tesseract's word and a character it lost
            if better and not _line_read(w, mine, near):
                left, right = w.left, w.left + w.width
                if near != (-1, -1):  # the box takes in what was read past the line
                    left = min(left, round(mine[0].x - _pitch(mine, w.height / 2) / 2))
                    right = max(right, round(mine[-1].x + _pitch(mine, w.height / 2) / 2))
                replaced[j] = [replace(w, text=text, conf=100.0 * least, left=left, width=right - left)]
            elif mine and text == w.text and 100.0 * least > w.conf:
                replaced[j] = [replace(w, conf=100.0 * least)]  # two readers agree: the surer one's confidence
    if not replaced:
        return None
    return [replaced.get(j, [w]) for j, w in enumerate(ws)]


def _line_read(w: TessWord, chars: list[Char], lines: tuple[int, int]) -> bool:
    """Whether the recogniser may have read a vertical line beside the word ``w`` as a character of it: a thin glyph
    ("1", "l", "|") centred on the line (``lines``: its x left and right of the word, -1 where none)."""
    return any(abs(c.x - x) < 0.3 * w.height and c.text in "1lI|!/[]()" for x in lines if x >= 0 for c in chars)


def _past_line(w: TessWord, chars: list[Char], lines: tuple[int, int]) -> bool:
    """Whether the recogniser spelled the word ``w`` as tesseract did plus characters past its box on the side of a
    vertical line (``lines``), each at least ``MIN_SCORE`` sure: what tesseract lost under the line ("65" and
    "8")."""
    text = "".join(c.text for c in chars)
    if not w.text or len(text) <= len(w.text):
        return False
    if lines[1] >= 0 and text.startswith(w.text):
        kept, added = chars[: len(w.text)], chars[len(w.text) :]
        outside, step = all(c.x > w.left + w.width for c in added), added[0].x - kept[-1].x
    elif lines[0] >= 0 and text.endswith(w.text):
        cut = len(text) - len(w.text)
        kept, added = chars[cut:], chars[:cut]
        outside, step = all(c.x < w.left for c in added), kept[0].x - added[-1].x
    else:
        return False
    # ... and go on at the word's pitch: a character a glyph or more beyond is another word's ("INV-2024-67734" and a
    # "2" past the page's edge)
    return (outside and step <= PAST_LINE_PITCH * _pitch(kept, w.height / 2)
            and all(c.text.isalnum() and c.conf >= MIN_SCORE for c in added))


def _pitch(chars: list[Char], fallback: float) -> float:
    """The recogniser's character pitch on a line (its characters' spacing), ``fallback`` for a single one."""
    return (chars[-1].x - chars[0].x) / (len(chars) - 1) if len(chars) > 1 else fallback


def _span(chars: list[Char], pitch: float) -> tuple[float, int]:
    """Left edge and width of the word these characters spell: half a pitch beyond its first and last centres."""
    return chars[0].x - pitch / 2, max(1, round(chars[-1].x - chars[0].x + pitch))


def _better(old: str, new: str, least: float, old_conf: float) -> bool:
    """Whether the recogniser's ``new`` spelling (its least sure character at ``least``, 0-1) replaces tesseract's
    ``old`` one, read at ``old_conf`` (0-100). How junk mixes letters and digits says nothing ("LEA NG3205" for
    L82N6463205); a word tesseract read surely is re-read only because a neighbour was not (or a line is beside it,
    see ``_past_line``), and the recogniser may change its characters, not drop one ("521" read "52" beside an
    unsure "W577"); see ``_merge`` for the characters it may add."""
    return (least >= MIN_SCORE and 100 * least > old_conf and not _lost_separator(old, new)
            and (old_conf < JUNK or _mixing(new) <= _mixing(old)) and _same_alphabet(old, new)
            and not (old_conf >= UNSURE and _alnum(new) < _alnum(old)))


def _alnum(text: str) -> int:
    return sum(c.isalnum() for c in text)


def _same_alphabet(old: str, new: str) -> bool:
    """The recogniser reads Chinese too: a letter outside ASCII where the old word had none ("JOHOR" -> "JOHüR") is
    its guess, and so is a letter or digit where the old word had only a mark ("&" -> "G")."""
    if any(not c.isascii() for c in new) and all(c.isascii() for c in old):
        return False
    return any(c.isalnum() for c in old) or not any(c.isalnum() for c in new)


def _mixing(text: str) -> int:
    """Switches between letters and digits: "P0S" and "0f" mix more than "POS" and "Of" (an O read as 0)."""
    kinds = ["d" if c.isdigit() else "a" for c in text if c.isalnum()]
    return sum(a != b for a, b in zip(kinds, kinds[1:]))


#: a mark between letters or digits; "!" and "|" are not ones a word is written with ("RES!AURANT": a T misread)
_SEPARATED = re.compile(r"(?<=[^\W_])[^\w\s!|](?=[^\W_])")
_NUMERIC = re.compile(r"[\d/.,:$-]*\d[\d/.,:$-]*")


def _lost_separator(old: str, new: str) -> bool:
    """The new reading drops a mark between letters or digits the old one had ("27/03/2018" -> "27032018",
    "INTERNATIONAL-SDN" -> "INTERNATIONALSDN"), or puts a letter into what was a number ("18/03/16" -> "18/03/1E")."""
    if len(_SEPARATED.findall(new)) < len(_SEPARATED.findall(old)):
        return True
    return bool(_NUMERIC.fullmatch(old)) and not _NUMERIC.fullmatch(new) and not new.isalpha()


def read_unread(work: np.ndarray, words: list[TessWord], recognizer: Recognizer | None = None) -> list[TessWord]:
    """Words on the lines of ink none of ``words`` covers, as the recogniser reads them.

    A block read (psm 6, receipts) passes over a line in a much larger font than the rest, typically the shop's or
    clinic's name in a display face at the top ("POPULAR BOOK CO. (M) SDN BHD" at three times the body's height
    came back with no word at all). Such lines (``preprocess.unread_regions``, pieces side by side joined into one
    line) are read by the recogniser; its words, with boxes from its character positions and their characters' mean
    confidence, join the page under fresh block numbers when sure enough (``UNREAD_MIN_SCORE``, ``UNREAD_LEAST``),
    in ASCII, on a line that holds a letter or digit.
    """
    if not words:
        return []
    lines = _lines(preprocess.unread_regions(work, [(w.left, w.top, w.width, w.height) for w in words],
                                             max_regions=MAX_UNREAD, margin=0.35))
    lines = [b for b in lines if b[3] - b[1] >= 6]
    if not lines:
        return []
    read = (recognizer or recognize)([work[y0:y1, x0:x1] for x0, y0, x1, y1 in lines])
    block = max(w.block for w in words) + 1
    out: list[TessWord] = []
    for k, ((x0, y0, x1, y1), chars) in enumerate(zip(lines, read, strict=True)):
        if not chars:
            continue
        top, bottom = _ink_band(work[y0:y1, x0:x1])
        y0, y1 = y0 + top, y0 + bottom  # the words' boxes hug their ink, as tesseract's do
        pitch = _pitch(chars, (y1 - y0) / 2)
        by_word: dict[int, list[Char]] = {}
        for c in chars:
            by_word.setdefault(c.word, []).append(c)
        made = []
        for cs in by_word.values():
            text = "".join(c.text for c in cs).strip()
            mean = sum(c.conf for c in cs) / len(cs)
            if mean < UNREAD_MIN_SCORE or min(c.conf for c in cs) < UNREAD_LEAST or not text or not text.isascii():
                continue
            left, width = _span(cs, pitch)
            word = TessWord(block=block + k, par=1, line=1, left=max(0, round(x0 + left)), top=y0, width=width,
                            height=y1 - y0, conf=100.0 * mean, text=text)
            if not any(overlap(word, w) > 0.25 * min(word.width * word.height, w.width * w.height) for w in words):
                made.append(word)  # a region's margin also catches the edge of a word already read
        if any(c.isalnum() for w in made for c in w.text):  # marks alone are a logo or a stamp
            out.extend(made)
    return out


def _ink_band(crop: np.ndarray) -> tuple[int, int]:
    """The rows (top, bottom) of the tallest band of ink in a line's crop: its text without the margin and the
    edges of the lines above and below that the margin caught."""
    _, ink = cv2.threshold(crop, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    rows = ink.sum(axis=1)
    on = rows > max(1, 0.05 * int(rows.max()))
    runs, start = [], None
    for y, v in enumerate([*on, False]):
        if v and start is None:
            start = y
        elif not v and start is not None:
            runs.append((start, y))
            start = None
    return max(runs, key=lambda r: r[1] - r[0], default=(0, crop.shape[0]))


def _lines(regions: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Regions (x0, y0, x1, y1) side by side on one line of text joined, top to bottom: the pieces of a line whose
    word gaps are wider than the smear that found them."""
    lines: list[list[int]] = []
    for r in sorted(regions, key=lambda b: (b[1] + b[3]) / 2):
        for ln in lines:
            h = min(r[3] - r[1], ln[3] - ln[1])
            same = min(r[3], ln[3]) - max(r[1], ln[1]) >= 0.6 * h and max(r[3] - r[1], ln[3] - ln[1]) <= 1.6 * h
            if same and max(r[0], ln[0]) - min(r[2], ln[2]) <= 3 * h:
                ln[:] = [min(r[0], ln[0]), min(r[1], ln[1]), max(r[2], ln[2]), max(r[3], ln[3])]
                break
        else:
            lines.append(list(r))
    return [(a, b, c, d) for a, b, c, d in lines]
