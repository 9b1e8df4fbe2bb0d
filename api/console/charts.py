"""Inline SVG charts for the console dashboard: pure functions from numbers to markup (no JavaScript, no library).

Every chart is ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` stating its data in words, so a screen reader
gets the numbers; colours come from CSS classes (``series-0`` …) in console.css, so the CSP needs no inline styles.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 560, 200
LEFT, RIGHT, TOP, BOTTOM = 44, 10, 12, 34


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]  # one per x label; None: no data that day


def _fmt(v: float) -> str:
    return f"{v:.0f}" if float(v).is_integer() else f"{v:.2f}"


def _frame(title: str, desc: str, body: list[str], x_labels: Sequence[str], top: float,
           legend: Sequence[str]) -> Markup:
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{{id}}-t {{id}}-d" '
             f'xmlns="http://www.w3.org/2000/svg">',
             f'<title id="{{id}}-t">{escape(title)}</title><desc id="{{id}}-d">{escape(desc)}</desc>',
             f'<line class="axis" x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}"/>',
             f'<line class="axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}"/>',
             f'<text class="tick" x="{LEFT - 4}" y="{TOP + 4}" text-anchor="end">{escape(_fmt(top))}</text>',
             f'<text class="tick" x="{LEFT - 4}" y="{TOP + plot_h}" text-anchor="end">0</text>']
    n = len(x_labels)
    step = max(1, n // 6)
    for i, label in enumerate(x_labels):
        if i % step == 0 or i == n - 1:
            x = LEFT + (i + 0.5) * plot_w / max(n, 1)
            parts.append(f'<text class="tick" x="{x:.1f}" y="{HEIGHT - BOTTOM + 14}" text-anchor="middle">'
                         f'{escape(label)}</text>')
    x = LEFT
    for j, name in enumerate(legend):
        parts.append(f'<rect class="series-{j % 6}" x="{x}" y="{HEIGHT - 12}" width="10" height="10"/>'
                     f'<text class="tick" x="{x + 14}" y="{HEIGHT - 3}">{escape(name)}</text>')
        x += 14 + 7 * len(name) + 16  # about 7 px a character at the tick font size
    parts += body
    parts.append("</svg>")
    ident = "c" + format(abs(hash((title, desc))) % 10**8, "x")
    return Markup("".join(parts).replace("{id}", ident))


def _describe(x_labels: Sequence[str], series: Sequence[Series]) -> str:
    out = []
    for s in series:
        shown = [f"{x} {_fmt(v)}" for x, v in zip(x_labels, s.values, strict=True) if v is not None]
        out.append(f"{s.name}: " + (", ".join(shown) if shown else "no data"))
    return "; ".join(out)


def _scale(x_labels: Sequence[str], series: Sequence[Series], top: float | None) -> tuple[float, float, float]:
    """The value at the top of the plot (``top``, else the largest value, at least 1) and the plot's width and
    height; every series must have one value per x label."""
    if any(len(s.values) != len(x_labels) for s in series):
        raise ValueError("every series needs one value per x label")
    peak = top or max([v for s in series for v in s.values if v is not None] + [1.0])
    return peak, WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM


def bars(title: str, x_labels: Sequence[str], series: Sequence[Series], *, top: float | None = None) -> Markup:
    """Grouped bars, one group per x label (e.g. claims per day by outcome)."""
    peak, plot_w, plot_h = _scale(x_labels, series, top)
    group = plot_w / max(len(x_labels), 1)
    bar = group * 0.8 / max(len(series), 1)
    body = []
    for j, s in enumerate(series):
        for i, v in enumerate(s.values):
            if v is None or v <= 0:
                continue
            h = plot_h * min(v, peak) / peak
            x = LEFT + i * group + group * 0.1 + j * bar
            body.append(f'<rect class="series-{j % 6}" x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar:.1f}" '
                        f'height="{h:.1f}"><title>{escape(s.name)} {escape(x_labels[i])}: {_fmt(v)}</title></rect>')
    return _frame(title, _describe(x_labels, series), body, x_labels, peak, [s.name for s in series])


def lines(title: str, x_labels: Sequence[str], series: Sequence[Series], *, top: float | None = None) -> Markup:
    """Lines with a dot per point; a gap where a value is None (e.g. median time to decision per day)."""
    peak, plot_w, plot_h = _scale(x_labels, series, top)
    step = plot_w / max(len(x_labels), 1)
    body = []
    for j, s in enumerate(series):
        runs: list[list[str]] = [[]]
        for i, v in enumerate(s.values):
            if v is None:
                runs.append([])
                continue
            x, y = LEFT + (i + 0.5) * step, TOP + plot_h - plot_h * min(v, peak) / peak
            runs[-1].append(f"{x:.1f},{y:.1f}")
            body.append(f'<circle class="series-{j % 6}" cx="{x:.1f}" cy="{y:.1f}" r="3"><title>{escape(s.name)} '
                        f'{escape(x_labels[i])}: {_fmt(v)}</title></circle>')
        body += [f'<polyline class="line series-{j % 6}" points="{" ".join(r)}"/>' for r in runs if len(r) > 1]
    return _frame(title, _describe(x_labels, series), body, x_labels, peak, [s.name for s in series])
