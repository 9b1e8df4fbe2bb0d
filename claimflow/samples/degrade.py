"""Scan and photo degradations (numpy/OpenCV), each tracking where the page's pixels went.

Every geometric step updates a 3×3 homography ``H`` from the clean page's pixels to the output's, so truth boxes
follow the text through skew, rotation and perspective. Randomness comes only from the ``numpy`` generator passed in.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

Box = tuple[float, float, float, float]


@dataclass
class Img:
    pixels: np.ndarray  # uint8, HxW (gray) or HxWx3 (RGB)
    H: np.ndarray  # 3x3: clean page pixels -> these pixels

    @property
    def rgb(self) -> bool:
        return self.pixels.ndim == 3


def start(pixels: np.ndarray) -> Img:
    return Img(pixels, np.eye(3))


def _fill(img: Img, value: int | tuple[int, int, int]) -> int | tuple[int, int, int]:
    if img.rgb:
        return value if isinstance(value, tuple) else (value, value, value)
    return value if isinstance(value, int) else int(np.mean(value))


def skew(img: Img, angle: float, *, fill: int | tuple[int, int, int] = 255) -> Img:
    """Rotate by ``angle`` degrees (counter-clockwise positive), growing the canvas so nothing is cut."""
    h, w = img.pixels.shape[:2]
    M = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(M[0, 0]), abs(M[0, 1])
    nw, nh = int(h * sin + w * cos + 0.5), int(h * cos + w * sin + 0.5)
    M[0, 2] += nw / 2 - w / 2
    M[1, 2] += nh / 2 - h / 2
    out = cv2.warpAffine(img.pixels, M, (nw, nh), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                         borderValue=_fill(img, fill))
    return Img(out, np.vstack([M, [0, 0, 1]]) @ img.H)


def rotate(img: Img, degrees: int) -> Img:
    """Whole-page rotation, clockwise: 90, 180 or 270."""
    h, w = img.pixels.shape[:2]
    if degrees == 90:
        out, M = cv2.rotate(img.pixels, cv2.ROTATE_90_CLOCKWISE), np.array([[0, -1, h], [1, 0, 0], [0, 0, 1]], float)
    elif degrees == 180:
        out, M = cv2.rotate(img.pixels, cv2.ROTATE_180), np.array([[-1, 0, w], [0, -1, h], [0, 0, 1]], float)
    elif degrees == 270:
        out = cv2.rotate(img.pixels, cv2.ROTATE_90_COUNTERCLOCKWISE)
        M = np.array([[0, 1, 0], [-1, 0, w], [0, 0, 1]], float)
    else:
        raise ValueError(f"rotation must be 90, 180 or 270, not {degrees}")
    return Img(out, M @ img.H)


def blur(img: Img, sigma: float) -> Img:
    return Img(cv2.GaussianBlur(img.pixels, (0, 0), sigma), img.H)


def noise(img: Img, rng: np.random.Generator, sigma: float) -> Img:
    n = rng.normal(0, sigma, img.pixels.shape).astype(np.float32)
    return Img(np.clip(img.pixels.astype(np.float32) + n, 0, 255).astype(np.uint8), img.H)


def specks(img: Img, rng: np.random.Generator, density: float = 0.0004) -> Img:
    """Dust: dark specks scattered over the page."""
    out = img.pixels.copy()
    h, w = out.shape[:2]
    n = int(h * w * density / 10)
    ys, xs = rng.integers(0, h, n), rng.integers(0, w, n)
    rs = rng.integers(1, 3, n)
    for y, x, r in zip(ys, xs, rs, strict=True):
        cv2.circle(out, (int(x), int(y)), int(r), _fill(img, 40), -1)
    return Img(out, img.H)


def jpeg_artifacts(img: Img, quality: int) -> Img:
    ok, enc = cv2.imencode(".jpg", img.pixels, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    flag = cv2.IMREAD_COLOR if img.rgb else cv2.IMREAD_GRAYSCALE
    return Img(cv2.imdecode(enc, flag), img.H)


def uneven_light(img: Img, rng: np.random.Generator, strength: float = 0.35) -> Img:
    """A smooth shading across the page, as from a desk lamp or a phone held at an angle."""
    h, w = img.pixels.shape[:2]
    cx, cy = rng.uniform(-0.3, 1.3) * w, rng.uniform(-0.3, 1.3) * h
    yy, xx = np.mgrid[0:h:8, 0:w:8].astype(np.float32)
    d = np.sqrt((xx - cx) ** 2 + (yy - cy) ** 2) / np.hypot(w, h)
    shade = 1.0 - strength * np.clip(d, 0, 1)
    shade = cv2.resize(shade, (w, h), interpolation=cv2.INTER_LINEAR)
    if img.rgb:
        shade = shade[:, :, None]
    return Img(np.clip(img.pixels * shade, 0, 255).astype(np.uint8), img.H)


def low_contrast(img: Img, rng: np.random.Generator) -> Img:
    lo, hi = rng.uniform(70, 110), rng.uniform(185, 225)
    out = lo + img.pixels.astype(np.float32) * (hi - lo) / 255
    return Img(out.astype(np.uint8), img.H)


def coffee_stain(img: Img, rng: np.random.Generator) -> Img:
    """A ring-shaped brownish blotch with a darker rim."""
    h, w = img.pixels.shape[:2]
    mask = np.zeros((h, w), np.float32)
    cx, cy = int(rng.uniform(0.1, 0.9) * w), int(rng.uniform(0.1, 0.9) * h)
    r = int(rng.uniform(0.06, 0.14) * min(w, h))
    cv2.circle(mask, (cx, cy), r, 0.35, -1)
    cv2.circle(mask, (cx, cy), r, 0.8, max(2, r // 12))
    k = max(3, (r // 6) | 1)
    mask = cv2.GaussianBlur(mask, (k, k), 0) * rng.uniform(0.5, 0.9)
    tint = np.array([150, 105, 60], np.float32) if img.rgb else np.float32(110)
    px = img.pixels.astype(np.float32)
    m = mask[:, :, None] if img.rgb else mask
    out = px * (1 - m) + np.minimum(px, tint) * m
    return Img(out.astype(np.uint8), img.H)


def fold_lines(img: Img, rng: np.random.Generator) -> Img:
    """One or two fold creases: a thin dark line with a soft shadow on one side."""
    out = img.pixels.astype(np.float32)
    h, w = out.shape[:2]
    for _ in range(int(rng.integers(1, 3))):
        horizontal = rng.random() < 0.75
        pos = int(rng.uniform(0.3, 0.7) * (h if horizontal else w))
        width = max(6, (h if horizontal else w) // 120)
        prof = np.ones(h if horizontal else w, np.float32)
        ramp = np.linspace(0.82, 1.0, width, dtype=np.float32)
        prof[pos:pos + width] = ramp[: len(prof[pos:pos + width])]
        prof[max(0, pos - 2):pos + 1] = 0.6
        if horizontal:
            shade = prof[:, None]
        else:
            shade = prof[None, :]
        out = out * (shade[:, :, None] if img.rgb else shade)
    return Img(np.clip(out, 0, 255).astype(np.uint8), img.H)


def photo(img: Img, rng: np.random.Generator, background: tuple[int, int, int]) -> Img:
    """Paper photographed on a table: a perspective warp onto a larger textured background (RGB)."""
    px = img.pixels if img.rgb else cv2.cvtColor(img.pixels, cv2.COLOR_GRAY2RGB)
    h, w = px.shape[:2]
    pad = int(0.08 * max(w, h))
    W, Hh = w + 2 * pad, h + 2 * pad
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    jitter = lambda: rng.uniform(-0.045, 0.045) * min(w, h)  # noqa: E731
    dst = np.float32([[pad + jitter(), pad + jitter()], [pad + w + jitter(), pad + jitter()],
                      [pad + w + jitter(), pad + h + jitter()], [pad + jitter(), pad + h + jitter()]])
    P = cv2.getPerspectiveTransform(src, dst)
    bg = np.empty((Hh, W, 3), np.uint8)
    bg[:] = background
    grain = rng.normal(0, 6, (Hh // 4 + 1, W // 4 + 1)).astype(np.float32)
    grain = cv2.resize(grain, (W, Hh))[:, :, None]
    bg = np.clip(bg.astype(np.float32) + grain, 0, 255).astype(np.uint8)
    out = cv2.warpPerspective(px, P, (W, Hh), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_TRANSPARENT, dst=bg)
    return Img(out, P @ img.H)


def map_box(box: Box, H: np.ndarray, size: tuple[int, int]) -> Box:
    """The axis-aligned envelope of ``box`` after ``H``, clipped to an image of ``size`` (w, h)."""
    x0, y0, x1, y1 = box
    pts = np.array([[x0, y0, 1], [x1, y0, 1], [x1, y1, 1], [x0, y1, 1]], float).T
    q = H @ pts
    xs, ys = q[0] / q[2], q[1] / q[2]
    w, h = size
    return (
        round(float(np.clip(xs.min(), 0, w)), 1), round(float(np.clip(ys.min(), 0, h)), 1),
        round(float(np.clip(xs.max(), 0, w)), 1), round(float(np.clip(ys.max(), 0, h)), 1),
    )
