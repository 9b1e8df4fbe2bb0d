"""The page model every layout draws on: text runs and simple shapes positioned in points.

Coordinates are points (1/72 in) from the top-left corner, y growing downwards; a run's ``y`` is its baseline.
Renderers (``render.py``) turn a :class:`Sheet` into page images or a PDF; ``tags`` name the truth field a run shows
(``"total"``, ``"line_items[3]"``) so its box can become evidence.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from claimflow.samples.fonts import text_width

Color = tuple[int, int, int]
BLACK: Color = (0, 0, 0)


@dataclass(frozen=True)
class Run:
    x: float
    y: float
    text: str
    font: str
    size: float
    color: Color = BLACK
    tag: str | None = None


@dataclass(frozen=True)
class Shape:
    kind: str  # "line", "rect", "ellipse"
    box: tuple[float, float, float, float]
    stroke: Color | None = BLACK
    fill: Color | None = None
    width: float = 0.6


@dataclass
class Page:
    runs: list[Run] = field(default_factory=list)
    shapes: list[Shape] = field(default_factory=list)


@dataclass(frozen=True)
class Style:
    regular: str
    bold: str
    size: float = 9.5
    handwriting: bool = False
    #: A filled-in form: printed labels in ``regular``/``bold``, values (tagged runs) written in this font.
    hand: str | None = None


class Sheet:
    """A document being laid out: pages of runs and shapes, plus a cursor ``y``."""

    def __init__(self, width: float, height: float, style: Style, *, margin: float = 42,
                 jitter: random.Random | None = None):
        self.width, self.height, self.style, self.margin = width, height, style, margin
        self.pages: list[Page] = [Page()]
        self.y = margin
        self._jitter = jitter

    @property
    def page(self) -> Page:
        return self.pages[-1]

    @property
    def right(self) -> float:
        return self.width - self.margin

    @property
    def bottom(self) -> float:
        return self.height - self.margin

    def new_page(self) -> None:
        self.pages.append(Page())
        self.y = self.margin

    def measure(self, text: str, *, bold: bool = False, size: float | None = None, font: str | None = None) -> float:
        key = font or (self.style.bold if bold else self.style.regular)
        return text_width(key, size or self.style.size, text)

    def text(
        self,
        x: float,
        y: float,
        text: str,
        *,
        bold: bool = False,
        size: float | None = None,
        align: str = "left",
        tag: str | None = None,
        color: Color = BLACK,
        font: str | None = None,
    ) -> float:
        """Draw ``text`` with its baseline at ``y``; ``x`` is its left, right or centre per ``align``.

        Returns the width."""
        if not text:
            return 0.0
        key = font or (self.style.bold if bold else self.style.regular)
        size = size or self.style.size
        by_hand = self._jitter is not None and (self.style.hand is None or tag is not None)
        if by_hand and self.style.hand is not None:
            key, size = self.style.hand, size * 1.15
        width = text_width(key, size, text)
        left = x - width if align == "right" else (x - width / 2 if align == "center" else x)
        if by_hand and self._jitter is not None:  # handwriting: a wandering baseline and uneven size
            size *= self._jitter.uniform(0.92, 1.1)
            left += self._jitter.uniform(-2.0, 2.0)
            y += self._jitter.uniform(-1.6, 1.6)
        self.page.runs.append(Run(round(left, 2), round(y, 2), text, key, round(size, 2), color, tag))
        return width

    def hline(self, x0: float, x1: float, y: float, *, width: float = 0.6, color: Color = BLACK) -> None:
        self.page.shapes.append(Shape("line", (x0, y, x1, y), stroke=color, width=width))

    def vline(self, x: float, y0: float, y1: float, *, width: float = 0.6, color: Color = BLACK) -> None:
        self.page.shapes.append(Shape("line", (x, y0, x, y1), stroke=color, width=width))

    def rect(self, x0: float, y0: float, x1: float, y1: float, *, stroke: Color | None = BLACK,
             fill: Color | None = None, width: float = 0.6) -> None:
        self.page.shapes.append(Shape("rect", (x0, y0, x1, y1), stroke=stroke, fill=fill, width=width))

    def ellipse(self, x0: float, y0: float, x1: float, y1: float, *, stroke: Color | None = BLACK,
                fill: Color | None = None, width: float = 0.6) -> None:
        self.page.shapes.append(Shape("ellipse", (x0, y0, x1, y1), stroke=stroke, fill=fill, width=width))
