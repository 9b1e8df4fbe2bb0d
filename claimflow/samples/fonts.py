"""Fonts the generator draws with, found by path. A missing font is a clear error naming its Debian package.

The generator never falls back silently: a substitute font would change the documents a seed produces.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import ImageFont

from claimflow.errors import ConfigurationError

_DV = "/usr/share/fonts/truetype/dejavu/"
_LB = "/usr/share/fonts/truetype/liberation/"
_FF = "/usr/share/fonts/truetype/freefont/"


@dataclass(frozen=True)
class Font:
    key: str
    path: str
    package: str
    caps: bool = False  # the font draws every letter as a capital (the visible text is upper case)


FONTS: dict[str, Font] = {
    f.key: f
    for f in (
        Font("dejavu-sans", _DV + "DejaVuSans.ttf", "fonts-dejavu-core"),
        Font("dejavu-sans-bold", _DV + "DejaVuSans-Bold.ttf", "fonts-dejavu-core"),
        Font("dejavu-serif", _DV + "DejaVuSerif.ttf", "fonts-dejavu-core"),
        Font("dejavu-serif-bold", _DV + "DejaVuSerif-Bold.ttf", "fonts-dejavu-core"),
        Font("dejavu-mono", _DV + "DejaVuSansMono.ttf", "fonts-dejavu-core"),
        Font("dejavu-mono-bold", _DV + "DejaVuSansMono-Bold.ttf", "fonts-dejavu-core"),
        Font("liberation-sans", _LB + "LiberationSans-Regular.ttf", "fonts-liberation"),
        Font("liberation-sans-bold", _LB + "LiberationSans-Bold.ttf", "fonts-liberation"),
        Font("liberation-serif", _LB + "LiberationSerif-Regular.ttf", "fonts-liberation"),
        Font("liberation-serif-bold", _LB + "LiberationSerif-Bold.ttf", "fonts-liberation"),
        Font("liberation-narrow", _LB + "LiberationSansNarrow-Regular.ttf", "fonts-liberation"),
        Font("liberation-narrow-bold", _LB + "LiberationSansNarrow-Bold.ttf", "fonts-liberation"),
        Font("liberation-mono", _LB + "LiberationMono-Regular.ttf", "fonts-liberation"),
        Font("liberation-mono-bold", _LB + "LiberationMono-Bold.ttf", "fonts-liberation"),
        Font("free-sans", _FF + "FreeSans.ttf", "fonts-freefont-ttf"),
        Font("free-sans-bold", _FF + "FreeSansBold.ttf", "fonts-freefont-ttf"),
        Font("free-mono", _FF + "FreeMono.ttf", "fonts-freefont-ttf"),
        Font("free-mono-bold", _FF + "FreeMonoBold.ttf", "fonts-freefont-ttf"),
        Font("hand-dkg", "/usr/share/fonts/truetype/fifthhorseman/dkg.ttf", "fonts-dkg-handwriting", caps=True),
        Font("hand-humor", "/usr/share/fonts/truetype/humor-sans/Humor-Sans.ttf", "fonts-humor-sans", caps=True),
    )
}

#: Families a layout variant can choose: (regular, bold).
PROPORTIONAL = (
    ("dejavu-sans", "dejavu-sans-bold"),
    ("liberation-sans", "liberation-sans-bold"),
    ("liberation-serif", "liberation-serif-bold"),
    ("dejavu-serif", "dejavu-serif-bold"),
    ("liberation-narrow", "liberation-narrow-bold"),
    ("free-sans", "free-sans-bold"),
)
MONOSPACE = (
    ("dejavu-mono", "dejavu-mono-bold"),
    ("liberation-mono", "liberation-mono-bold"),
    ("free-mono", "free-mono-bold"),
)
HANDWRITING = (("hand-dkg", "hand-dkg"), ("hand-humor", "hand-humor"))

_REF = 1000  # measuring size: widths scale linearly


def font_path(key: str) -> str:
    font = FONTS[key]
    if not Path(font.path).is_file():
        raise ConfigurationError(
            f"font {key!r} not found at {font.path}",
            hint=f"install it with `apt-get install {font.package}` (the samples generator needs it)",
        )
    return font.path


@cache
def pil_font(key: str, size_px: float) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(font_path(key), size=size_px)


def text_width(key: str, size_pt: float, text: str) -> float:
    """Advance width of ``text`` in points."""
    return pil_font(key, _REF).getlength(text) * size_pt / _REF


@cache
def metrics(key: str) -> tuple[float, float]:
    """(ascent, descent) as fractions of the font size."""
    ascent, descent = pil_font(key, _REF).getmetrics()
    return ascent / _REF, descent / _REF


def missing_fonts() -> list[Font]:
    return [f for f in FONTS.values() if not Path(f.path).is_file()]
