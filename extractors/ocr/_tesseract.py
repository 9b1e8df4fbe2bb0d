"""The one place tesseract runs. Failures become OcrError, timeouts OcrTimeoutError.

Images go in on stdin as uncompressed PNM (no temp files, no PNG encoding cost); words come back as TSV.
Every call runs with ``OMP_THREAD_LIMIT=1``: parallelism comes from the process pool, and tesseract's OpenMP threads
only spin against each other on a shared machine (measured: 2.5x slower per page with the default).
"""

from __future__ import annotations

import functools
import logging
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from claimflow.errors import OcrError, OcrTimeoutError

log = logging.getLogger(__name__)

TESSERACT = "tesseract"


@dataclass(frozen=True, slots=True)
class TessWord:
    """One word as tesseract reports it (TSV level 5), in the pixel coordinates of the image it was given."""

    block: int
    par: int
    line: int
    left: int
    top: int
    width: int
    height: int
    conf: float  # 0..100
    text: str


def overlap(a: TessWord, b: TessWord) -> int:
    """The area (px) two words' boxes share."""
    w = min(a.left + a.width, b.left + b.width) - max(a.left, b.left)
    h = min(a.top + a.height, b.top + b.height) - max(a.top, b.top)
    return w * h if w > 0 and h > 0 else 0


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["OMP_THREAD_LIMIT"] = "1"
    return env


def _run(args: list[str], *, stdin: bytes | None, timeout: float, what: str) -> str:
    try:
        proc = subprocess.run(
            [TESSERACT, *args], input=stdin, capture_output=True, timeout=timeout, env=_env(), check=False
        )
    except FileNotFoundError as e:
        raise OcrError("tesseract is not installed or not on PATH") from e
    except subprocess.TimeoutExpired as e:
        raise OcrTimeoutError(f"tesseract took longer than {timeout:g} s on {what}") from e
    if proc.returncode != 0:
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        raise OcrError(f"tesseract failed on {what} (exit {proc.returncode}): {' / '.join(tail)}")
    return proc.stdout.decode("utf-8", "replace")


def _pnm(gray: np.ndarray) -> bytes:
    if gray.dtype != np.uint8 or gray.ndim != 2:
        raise ValueError("expected a 2-D uint8 grayscale image")
    h, w = gray.shape
    return b"P5\n%d %d\n255\n" % (w, h) + np.ascontiguousarray(gray).tobytes()


def parse_tsv(tsv: str) -> list[TessWord]:
    words: list[TessWord] = []
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5":
            continue
        text = cols[11].strip()
        if not text:
            continue
        words.append(
            TessWord(
                block=int(cols[2]),
                par=int(cols[3]),
                line=int(cols[4]),
                left=int(cols[6]),
                top=int(cols[7]),
                width=int(cols[8]),
                height=int(cols[9]),
                conf=max(0.0, min(100.0, float(cols[10]))),
                text=text,
            )
        )
    return words


def recognize(
    gray: np.ndarray,
    *,
    psm: int = 3,
    language: str = "eng",
    timeout: float = 120.0,
    dpi: int | None = None,
    config: dict[str, str] | None = None,
    what: str = "a page",
) -> list[TessWord]:
    """OCR a grayscale image; words with boxes in the image's pixel coordinates."""
    args = ["stdin", "stdout", "-l", language, "--psm", str(psm)]
    if dpi:
        args += ["--dpi", str(dpi)]
    for k, v in (config or {}).items():
        args += ["-c", f"{k}={v}"]
    return parse_tsv(_run([*args, "tsv"], stdin=_pnm(gray), timeout=timeout, what=what))


def recognize_file(path: Path, *, timeout: float = 120.0, language: str = "eng") -> list[TessWord]:
    """Plain ``tesseract FILE stdout`` (default page segmentation, no preprocessing) as words: the baseline."""
    return parse_tsv(_run([str(path), "stdout", "-l", language, "tsv"], stdin=None, timeout=timeout, what=str(path)))


@functools.cache
def version() -> str:
    """e.g. ``5.3.0``."""
    out = _run(["--version"], stdin=None, timeout=30, what="--version")
    m = re.search(r"tesseract\s+v?(\S+)", out)
    return m.group(1) if m else out.splitlines()[0] if out else "unknown"
