"""Cheap OpenCV page analysis and corrections, each applied only when it pays off.

Everything is estimated on a small binarized copy of the page (long side <= ANALYSIS_SIDE px), so analysis costs a
few tens of milliseconds whatever the scan size; only the corrections that are needed touch the full image.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

ANALYSIS_SIDE = 1000
#: Median height (px) of character components that tesseract reads best at; smaller text is upscaled to it.
TARGET_CHAR_HEIGHT = 20.0
#: Very large glyphs are downscaled to this (keeps huge scans fast); in between, the page is left alone.
MAX_CHAR_HEIGHT = 80.0
MAX_UPSCALE = 1.5
#: Text whose lines span at most this many glyph heights is one narrow column: a till receipt, even when it was
#: scanned on an A4 sheet. Measured: receipts (SROIE scans, generated pharmacy slips) 12–50, full-page statements
#: and forms 51–117.
NARROW_TEXT = 48.0
#: Deskew range (degrees) and the smallest angle worth a rotation.
MAX_SKEW = 15.0
MIN_SKEW = 0.4
#: A run of ink longer than this many glyph heights, one stroke thick, is a table rule or a box border, not text.
RULE_GLYPHS = 10.0
#: Vertical rules: no letter stroke is three glyph heights tall, so the borders of a one-line box are caught too.
RULE_GLYPHS_VERTICAL = 3.0
#: ... and at most this many glyph heights thick on average (its area over its length: a rule a fraction of a degree
#: off level spans a few pixel rows more than its thickness). Ink merged into a solid bar by bold or blurred print
#: is a glyph or more thick. 0.25 had left the 4.8 px box border of a photographed bill's `Amount Due` row (glyph
#: 18.6 px) in place, and tesseract passed over the box and the row above it.
RULE_THICKNESS = 0.4
#: Spread (5th–95th percentile, grey levels) of the page background above which lighting is uneven enough to flatten
#: before tesseract: its global threshold otherwise turns the dark part of the page into one black or blank area and
#: the text there is lost. Measured: flat scans 0–11, unevenly lit scans and photos 22–200.
UNEVEN_BACKGROUND = 16.0


@dataclass(frozen=True)
class Analysis:
    blank: bool
    char_height: float  # median character height in full-image pixels (0 when unknown)
    skew: float  # degrees, counter-clockwise positive (OpenCV convention); rotate by this to straighten
    vertical: bool  # text lines run top-bottom: the page is turned by 90 or 270 degrees
    background: int
    text_width: float = 0.0  # width of the text column in glyph heights (0 when unknown)
    background_spread: float = 0.0  # 5th–95th percentile spread of the background's grey level

    @property
    def uneven(self) -> bool:
        """Lit unevenly (a shadow, a photo's falloff, a page on a darker table): flatten before reading."""
        return self.background_spread > UNEVEN_BACKGROUND

    @property
    def narrow(self) -> bool:
        """One narrow column of text (a receipt), as opposed to a full page with columns and fields."""
        return 0 < self.text_width <= NARROW_TEXT


def _small(gray: np.ndarray) -> tuple[np.ndarray, float]:
    h, w = gray.shape
    s = min(1.0, ANALYSIS_SIDE / max(h, w))
    if s < 1.0:
        return cv2.resize(gray, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA), s
    return gray, 1.0


def _ink(small: np.ndarray, contrast: int | None = None) -> np.ndarray:
    """Binary ink mask (255 = ink) robust to uneven lighting: local contrast against a blurred background, at least
    ``contrast`` grey levels, or as Otsu splits it (None). Otsu can split bold print from light grey print."""
    h, w = small.shape
    if min(h, w) >= 32:  # background = median over ~30 px neighbourhoods, computed at quarter size
        tiny = cv2.resize(small, (w // 4, h // 4), interpolation=cv2.INTER_AREA)
        bg = cv2.resize(cv2.medianBlur(tiny, 7), (w, h), interpolation=cv2.INTER_LINEAR)
    else:
        bg = np.full_like(small, int(np.median(small)))
    diff = cv2.subtract(bg, small)  # how much darker than its surroundings
    if contrast is not None:
        return cv2.threshold(diff, contrast - 1, 255, cv2.THRESH_BINARY)[1]
    _, mask = cv2.threshold(diff, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    mask[diff < 25] = 0  # Otsu on a blank page would split noise: demand real contrast
    return mask


def _background_spread(small: np.ndarray) -> float:
    """How much the paper's own grey level varies over the page: the background (text closed away by a large
    morphological closing at 1/8 size) compared between its 5th and 95th percentiles."""
    h, w = small.shape
    tiny = cv2.resize(small, (max(1, w // 8), max(1, h // 8)), interpolation=cv2.INTER_AREA)
    if min(tiny.shape) < 8:
        return 0.0
    k = max(3, (min(tiny.shape) // 6) | 1)
    bg = cv2.morphologyEx(tiny, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    lo, hi = np.percentile(bg, [5, 95])
    return float(hi - lo)


def _profile_score(mask: np.ndarray, angle: float, kernel_h: np.ndarray) -> float:
    """Sharpness of the row profile after rotating by ``angle``: highest when text lines are level."""
    h, w = mask.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    rot = cv2.warpAffine(mask, m, (w, h), flags=cv2.INTER_NEAREST, borderValue=0)
    rows = cv2.morphologyEx(rot, cv2.MORPH_CLOSE, kernel_h).sum(axis=1, dtype=np.float64)
    return float(np.square(np.diff(rows)).sum())


def _lines_run_vertically(cx: np.ndarray, cy: np.ndarray, sample: int = 1500) -> bool:
    """Docstrum-style: a character's nearest neighbour sits beside it along the text line, not across lines."""
    if cx.size > sample:
        idx = np.random.default_rng(0).choice(cx.size, sample, replace=False)
        cx, cy = cx[idx], cy[idx]
    dx = cx[:, None] - cx[None, :]
    dy = cy[:, None] - cy[None, :]
    d = dx * dx + dy * dy
    np.fill_diagonal(d, np.inf)
    nn = np.argmin(d, axis=1)
    ndx, ndy = np.abs(dx[np.arange(cx.size), nn]), np.abs(dy[np.arange(cx.size), nn])
    return float(np.mean(ndy > ndx)) > 0.6


def _glyph_sized(stats: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Which connected components (``stats`` rows after the background's) are the size of a glyph: at least 3 px
    tall and under an eighth of the image each way (not a speck, a rule running across the page or a picture)."""
    hs, ws = stats[1:, cv2.CC_STAT_HEIGHT], stats[1:, cv2.CC_STAT_WIDTH]
    return (hs >= 3) & (ws >= 1) & (hs < shape[0] / 8) & (ws < shape[1] / 8)


def analyse(gray: np.ndarray) -> Analysis:
    small, s = _small(gray)
    background = int(np.median(small))
    mask = _ink(small)
    ink = float(np.count_nonzero(mask)) / mask.size
    if ink < 0.0015:
        return Analysis(blank=True, char_height=0.0, skew=0.0, vertical=False, background=background)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    hs, ws = stats[1:, cv2.CC_STAT_HEIGHT], stats[1:, cv2.CC_STAT_WIDTH]
    keep = _glyph_sized(stats, small.shape)
    if np.count_nonzero(keep) < 5:
        return Analysis(blank=False, char_height=0.0, skew=0.0, vertical=False, background=background)
    # a component's extent along the text line direction is unknown until orientation is known; use both
    ch = float(np.median(hs[keep])) / s
    cw = float(np.median(ws[keep])) / s
    cx = stats[1:, cv2.CC_STAT_LEFT][keep] + ws[keep] / 2
    cy = stats[1:, cv2.CC_STAT_TOP][keep] + hs[keep] / 2
    # the direction is voted by letter-shaped components: the two bars of an "=" (a receipt's "=====" separator
    # rows), a "-", the stem and dot of an "i" lie side by side across the line, and a sideways receipt with four
    # separator rows was read upright
    shaped = np.minimum(hs[keep], ws[keep]) * 3 >= np.maximum(hs[keep], ws[keep])
    vertical = (_lines_run_vertically(cx[shaped], cy[shaped]) if np.count_nonzero(shaped) >= 5
                else _lines_run_vertically(cx, cy))
    # the skew is measured on glyph-sized ink only: a table rule, a box border or the edge of a grey scanner bed
    # is long and straight, and where it lies level in the frame while the text does not (a page laid askew on the
    # bed) it pulls the profile to 0 degrees
    glyphs = np.zeros(n, np.uint8)
    glyphs[1:][keep] = 255
    mask = glyphs[labels]
    if vertical:  # analyse the page turned a quarter, so text lines run along rows
        mask = cv2.rotate(mask, cv2.ROTATE_90_CLOCKWISE)
    # the skew search needs lines, not letters: a half-size mask is plenty and 4x cheaper
    char = float(np.median(ws[keep] if vertical else hs[keep]))
    if char >= 8 and max(mask.shape) > 400:
        mask = cv2.resize(mask, (mask.shape[1] // 2, mask.shape[0] // 2), interpolation=cv2.INTER_AREA)
        char /= 2
    k = max(3, round(char * 1.5))
    kh = np.ones((1, k), np.uint8)
    coarse = np.arange(-MAX_SKEW, MAX_SKEW + 0.01, 2.0)
    best = coarse[int(np.argmax([_profile_score(mask, a, kh) for a in coarse]))]
    fine = np.arange(best - 1.5, best + 1.51, 0.25)
    skew = float(fine[int(np.argmax([_profile_score(mask, a, kh) for a in fine]))])
    char_height = cw if vertical else ch
    return Analysis(
        blank=False,
        char_height=char_height,
        skew=skew if abs(skew) >= MIN_SKEW else 0.0,
        vertical=vertical,
        background=background,
        text_width=_text_width(cy if vertical else cx, s, char_height),
        background_spread=_background_spread(small),
    )


#: A dark region touching the image's edge and covering at least this share of it may be the surface a photographed
#: page lies on (a table, an open scanner lid) ...
SURROUND_AREA = 0.02
#: ... if it holds no text: at most this share of it is ink (a grey fold or shadow across a receipt holds print).
SURROUND_INK = 0.01


def _surround(small: np.ndarray) -> tuple[np.ndarray, int, int] | None:
    """On the analysis-size image: the mask (1 = surface) of the dark surface around a photographed page, with the
    Otsu split of the image and the opening's size; None when there is no such surface.

    The surface is found as dark regions far thicker than any stroke (a morphological opening removes text),
    touching the image's edge and holding no ink of their own.
    """
    t, _ = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    dark = np.where(small < t, 255, 0).astype(np.uint8)
    k = max(15, int(0.03 * min(small.shape)) | 1)
    big = cv2.morphologyEx(dark, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(big, connectivity=8)
    h, w = small.shape
    x, y, bw, bh, area = (stats[1:, i] for i in range(5))
    candidates = np.flatnonzero(((x == 0) | (y == 0) | (x + bw == w) | (y + bh == h)) & (area >= SURROUND_AREA * h * w))
    if not candidates.size:
        return None
    ink = _ink(small) > 0
    surround = np.zeros(n, bool)
    for i in candidates + 1:
        inner = cv2.erode((labels == i).astype(np.uint8), np.ones((k, k), np.uint8)) > 0  # away from the page's edge
        surround[i] = np.count_nonzero(ink & inner) <= SURROUND_INK * max(1, np.count_nonzero(inner))
    if not surround.any():
        return None
    return surround[labels].astype(np.uint8), int(t), k


def mask_surround(gray: np.ndarray) -> np.ndarray:
    """The page with the dark surface around it (a table, an open scanner lid) painted the paper's grey; the page
    itself unchanged when there is no such surface.

    Read with a threshold of its own per tile, the surface's texture turns into rows of junk words; the page inside
    is left as it is.
    """
    small, _ = _small(gray)
    found = _surround(small)
    if found is None:
        return gray
    surface, t, k = found
    mask = cv2.dilate(surface, np.ones((k // 2 | 1, k // 2 | 1), np.uint8))  # its fringe
    paper = small[(mask == 0) & (small >= t)]
    if paper.size == 0:
        return gray
    full = cv2.resize(mask, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_NEAREST)
    out = gray.copy()
    out[full > 0] = int(np.median(paper))
    return out


#: A photographed page is straightened only when its outline is a quadrilateral covering at least this share of the
#: image ...
QUAD_AREA = 0.25
#: ... that the paper fills (the rest of the outline's hull: a dog-ear, a shadow) at least to this share ...
QUAD_FILL = 0.97
#: ... with every corner inside the picture (a page cut by the frame has no fourth corner to trust) ...
QUAD_INSIDE = 0.01
#: ... and is no rectangle: some corner's angle differs from a right angle by at least this (degrees). A rectangle
#: (a flat scan, however turned) is left to the deskew, as before.
QUAD_KEYSTONE = 1.0


def page_quad(gray: np.ndarray) -> np.ndarray | None:
    """The corners (top-left, top-right, bottom-right, bottom-left; x, y at full resolution, float32 4×2) of a page
    photographed at an angle on a darker surface, or None when there is no such outline or it is a rectangle.

    The paper is what the surface (``_surround``) leaves, its outline's convex hull simplified to four corners.
    """
    small, s = _small(gray)
    found = _surround(small)
    if found is None:
        return None
    surface, _, _ = found
    n, labels, stats, _ = cv2.connectedComponentsWithStats((surface == 0).astype(np.uint8), connectivity=4)
    if n < 2:
        return None
    paper = (labels == 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))).astype(np.uint8)
    contours, _ = cv2.findContours(paper, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    hull = cv2.convexHull(max(contours, key=cv2.contourArea))
    h, w = small.shape
    quad = None
    for eps in (0.01, 0.02, 0.03, 0.04, 0.05):
        approx = cv2.approxPolyDP(hull, eps * cv2.arcLength(hull, True), True)
        if len(approx) == 4:
            quad = approx.reshape(4, 2).astype(np.float32)
            break
    if quad is None:
        return None
    area = cv2.contourArea(quad)
    if area < QUAD_AREA * h * w or np.count_nonzero(paper) < QUAD_FILL * area:
        return None
    m = QUAD_INSIDE * min(h, w)
    if (quad[:, 0] < m).any() or (quad[:, 1] < m).any() or (quad[:, 0] > w - 1 - m).any() or (
            quad[:, 1] > h - 1 - m).any():
        return None
    total, diff = quad.sum(axis=1), quad[:, 1] - quad[:, 0]
    corners = np.float32([quad[np.argmin(total)], quad[np.argmin(diff)], quad[np.argmax(total)], quad[np.argmax(diff)]])
    if len({tuple(c) for c in corners.tolist()}) < 4:
        return None
    worst = 0.0
    for i in range(4):
        a, b = corners[i - 1] - corners[i], corners[(i + 1) % 4] - corners[i]
        cos = float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))
        worst = max(worst, abs(np.degrees(np.arccos(np.clip(cos, -1, 1))) - 90))
    if worst < QUAD_KEYSTONE:
        return None
    return corners / s


def paper_grey(gray: np.ndarray) -> int:
    """The paper's grey level: the median of the image's bright side (Otsu's split), with which a warp fills what
    lies past the page's corners."""
    small, _ = _small(gray)
    t, _ = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    bright = small[small >= t]
    return int(np.median(bright)) if bright.size else 255


def rectify(gray: np.ndarray, corners: np.ndarray, background: int = 255) -> np.ndarray:
    """The quadrilateral ``corners`` (``page_quad``) of ``gray`` warped to an upright rectangle: the page as if
    photographed square on, its sides the longer of each pair of opposite edges."""
    tl, tr, br, bl = corners
    w = int(round(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl))))
    h = int(round(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr))))
    target = np.float32([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]])
    m = cv2.getPerspectiveTransform(corners.astype(np.float32), target)
    return cv2.warpPerspective(gray, m, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_CONSTANT,
                               borderValue=int(background))


def _boxes_mask(shape: tuple[int, ...], boxes: list[tuple[int, int, int, int]], s: float, grow: float) -> np.ndarray:
    """255 inside the word ``boxes`` (left, top, width, height, full-size pixels) scaled by ``s`` onto an image of
    ``shape``, each box grown by ``grow`` of its height on every side."""
    covered = np.zeros(shape[:2], np.uint8)
    for x, y, w, h in boxes:
        g = h * s * grow
        covered[max(0, int(y * s - g)) : int((y + h) * s + g) + 1, max(0, int(x * s - g)) : int((x + w) * s + g) + 1] = 255
    return covered


def read_share(work: np.ndarray, boxes: list[tuple[int, int, int, int]]) -> float:
    """The share of the glyph-sized ink on ``work`` that lies inside the word ``boxes`` (left, top, width, height):
    near 1 when the reading covered the page, low when whole lines were never read. Checked on every page, so the
    image is halved by Gaussian pyramid steps (a fifth of the cost of an area resize) to about the analysis size."""
    small, s = work, 1.0
    while max(small.shape) > 1.4 * ANALYSIS_SIDE:
        small, s = cv2.pyrDown(small), s / 2
    mask = _ink(small, contrast=40)  # a fixed bar: light grey print counts even beside bold print
    _, _, stats, centres = cv2.connectedComponentsWithStats(mask, connectivity=8)
    glyphs = centres[1:][_glyph_sized(stats, small.shape)]
    if not len(glyphs):
        return 1.0
    covered = _boxes_mask(small.shape, boxes, s, grow=1 / 5) > 0
    rows = np.clip(glyphs[:, 1].astype(int), 0, small.shape[0] - 1)
    cols = np.clip(glyphs[:, 0].astype(int), 0, small.shape[1] - 1)
    return float(covered[rows, cols].mean())


def _text_width(centres: np.ndarray, s: float, char_height: float) -> float:
    """Extent of the text across its lines (2nd–98th percentile of character centres), in glyph heights."""
    if char_height <= 0 or centres.size < 20:
        return 0.0
    lo, hi = np.percentile(centres, [2, 98])
    return float((hi - lo) / s / char_height)


def scale_factor(char_height: float, target: float = TARGET_CHAR_HEIGHT, max_upscale: float = MAX_UPSCALE) -> float:
    if char_height <= 0 or target <= 0:
        return 1.0
    if char_height < target * 0.8:
        return min(max_upscale, target / char_height)
    if char_height > MAX_CHAR_HEIGHT:
        return MAX_CHAR_HEIGHT / char_height
    return 1.0


def resize(gray: np.ndarray, factor: float) -> np.ndarray:
    if abs(factor - 1.0) < 1e-3:
        return gray
    h, w = gray.shape
    interp = cv2.INTER_CUBIC if factor > 1 else cv2.INTER_AREA
    return cv2.resize(gray, (max(1, round(w * factor)), max(1, round(h * factor))), interpolation=interp)


def rotate_quadrant(gray: np.ndarray, clockwise: int) -> np.ndarray:
    """Rotate by 0/90/180/270 degrees clockwise (lossless)."""
    codes = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    return gray if clockwise % 360 == 0 else cv2.rotate(gray, codes[clockwise % 360])


def deskew(gray: np.ndarray, angle: float, background: int = 255) -> np.ndarray:
    """Rotate by ``angle`` degrees (counter-clockwise positive), growing the canvas so nothing is cut off."""
    if angle == 0:
        return gray
    h, w = gray.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(h * sin + w * cos + 0.5), int(h * cos + w * sin + 0.5)
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    return cv2.warpAffine(gray, m, (nw, nh), flags=cv2.INTER_LINEAR, borderValue=int(background))


def flatten_illumination(gray: np.ndarray) -> np.ndarray:
    """Divide by a smooth background estimate: evens out shadows and faint, unevenly lit thermal prints."""
    h, w = gray.shape
    s = min(1.0, 400 / max(h, w))
    small = cv2.resize(gray, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
    k = max(3, (min(small.shape) // 8) | 1)
    bg = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    bg = cv2.resize(bg, (w, h), interpolation=cv2.INTER_LINEAR)
    out = cv2.divide(gray, np.maximum(bg, 1), scale=255)
    return out


def grain(gray: np.ndarray) -> float:
    """The page's pixel noise in grey levels: the robust spread (1.4826 × median absolute deviation) of the image
    minus its 3×3 median, in six 128-pixel tiles, the median tile. A flat scan measures 1–3, a noisy one 10–12."""
    h, w = gray.shape
    spreads = []
    for fy in (0.25, 0.5, 0.75):
        for fx in (0.3, 0.7):
            y, x = max(0, int(h * fy) - 64), max(0, int(w * fx) - 64)
            tile = np.ascontiguousarray(gray[y : y + 128, x : x + 128])
            if tile.size == 0:
                continue
            d = tile.astype(np.int16) - cv2.medianBlur(tile, 3).astype(np.int16)
            spreads.append(1.4826 * float(np.median(np.abs(d))))
    return float(np.median(spreads)) if spreads else 0.0


def denoise(gray: np.ndarray) -> np.ndarray:
    """Non-local means, of a strength set by the page's own ``grain``: grain noise gone, strokes kept (0.6 s on a
    150 dpi page, 2 s on a 300 dpi A4 page)."""
    strength = float(np.clip(1.3 * grain(gray), 8.0, 25.0))
    return cv2.fastNlMeansDenoising(gray, None, h=strength, templateWindowSize=7, searchWindowSize=21)


def remove_rules(gray: np.ndarray, char_height: float) -> np.ndarray:
    """Paint out the rules of tables and boxed form fields (long thin runs of ink, horizontal or vertical) with the
    paper's grey: a cell border touching its text makes tesseract read the cell as a picture, or glue "|" and "_"
    onto the values. Text strokes are far shorter than ``RULE_GLYPHS`` glyph heights, so they are left alone."""
    if char_height <= 0:
        return gray
    ink = _ink_full(gray)
    n = max(15, int(RULE_GLYPHS * char_height))
    nv = max(15, int(RULE_GLYPHS_VERTICAL * char_height))
    thin = max(2, int(RULE_THICKNESS * char_height))
    horiz = _thin_runs(cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((1, n), np.uint8)), thin, axis=0)
    vert = _thin_runs(cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((nv, 1), np.uint8)), thin, axis=1)
    rules = cv2.dilate(cv2.bitwise_or(horiz, vert), np.ones((3, 3), np.uint8))
    if not np.count_nonzero(rules):
        return gray
    paper = cv2.medianBlur(gray, 5)
    bg = cv2.morphologyEx(paper, cv2.MORPH_CLOSE, np.ones((7, 7), np.uint8))  # the paper around the rule
    out = gray.copy()
    out[rules > 0] = bg[rules > 0]
    return out


def _thin_runs(mask: np.ndarray, thin: int, axis: int) -> np.ndarray:
    """The components of ``mask`` at most ``thin`` px across on average (``axis`` 0: area over width, 1: area over
    height): a rule, not the merged strokes of a bold word. The average, not the box: a long rule a fraction of a
    degree off level (a page deskewed to the nearest quarter degree, or not turned at all under ``MIN_SKEW``)
    spans a few more pixel rows end to end than it is thick (a 600 px box border 2 px thick, 0.3 degrees off: 5
    rows)."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    length = stats[:, cv2.CC_STAT_WIDTH if axis == 0 else cv2.CC_STAT_HEIGHT]
    across = stats[:, cv2.CC_STAT_AREA] / np.maximum(1, length)
    out = mask.copy()
    for i in np.flatnonzero(across[1:] > thin) + 1:  # the few thick ones, cleared inside their own box
        x, y, w, h = stats[i, :4]
        box = out[y : y + h, x : x + w]
        box[labels[y : y + h, x : x + w] == i] = 0
    return out


def _ink_full(gray: np.ndarray) -> np.ndarray:
    """Ink mask (255 = ink) at full resolution: darker than a local background by a clear margin."""
    h, w = gray.shape
    tiny = cv2.resize(gray, (max(1, w // 8), max(1, h // 8)), interpolation=cv2.INTER_AREA)
    bg = cv2.resize(cv2.morphologyEx(tiny, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8)), (w, h),
                    interpolation=cv2.INTER_LINEAR)
    diff = cv2.subtract(bg, gray)
    # a low bar (12 grey levels): faint grey box borders count; noise never forms the long runs that make a rule
    return cv2.threshold(diff, 11, 255, cv2.THRESH_BINARY)[1]


def binarize(gray: np.ndarray) -> np.ndarray:
    """Global Otsu (what tesseract does itself), done here so that tesseract lays out a clean 2-level image."""
    _, out = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return out


def unread_regions(work: np.ndarray, boxes: list[tuple[int, int, int, int]], *, max_regions: int = 12,
                   margin: float = 0.5) -> list[tuple[int, int, int, int]]:
    """Boxes (x0, y0, x1, y1) of text-like ink on ``work`` that none of ``boxes`` (left, top, width, height) covers,
    grown by ``margin`` times their height on every side.

    Ink is found as in :func:`analyse`; covered ink is masked out (boxes grown by a third of their height); what is
    left is smeared along the text line and kept where it is shaped like a line of text of the page's glyph size.
    Largest first, at most ``max_regions``.
    """
    small, s = _small(work)
    mask = _ink(small)
    if not boxes or not np.count_nonzero(mask):
        return []
    hs = sorted(h for _, _, _, h in boxes)
    glyph = max(2.0, hs[len(hs) // 2] * s)  # median word height on the small image
    covered = _boxes_mask(mask.shape, boxes, s, grow=1 / 3)
    left = cv2.bitwise_and(mask, cv2.bitwise_not(covered))
    k = max(3, round(glyph * 1.2))
    lines = cv2.morphologyEx(left, cv2.MORPH_CLOSE, np.ones((max(1, round(glyph / 4)), k), np.uint8))
    n, _, stats, _ = cv2.connectedComponentsWithStats(lines, connectivity=8)
    found = []
    for i in range(1, n):
        x, y, w, h, area = stats[i]
        ink = int(np.count_nonzero(left[y : y + h, x : x + w]))
        if not (0.5 * glyph <= h <= 4 * glyph) or w < 1.5 * glyph or ink < glyph * glyph * 0.8 or ink > 0.6 * w * h:
            continue  # specks, rules, pictures, a filled box (a logo's square): not a line of text
        found.append((ink, x, y, w, h))
    found.sort(reverse=True)
    H, W = work.shape[:2]
    out = []
    for _, x, y, w, h in found[:max_regions]:
        m = h * margin
        out.append((max(0, int((x - m) / s)), max(0, int((y - m) / s)), min(W, int((x + w + m) / s) + 1),
                    min(H, int((y + h + m) / s) + 1)))
    return out

