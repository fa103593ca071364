"""The shipped fonts, registered once for reportlab (and listed for Qt): Liberation Serif 2.x.

Liberation Serif 2.1.5 (SIL OFL 1.1, ``resources/fonts``) has the advance widths of Times New
Roman, which Nghị định 30/2020 asks for, and covers every Vietnamese letter; Liberation 1.07
does not, so only the 2.x files may ever be shipped or mixed in (TOOLCHAIN.md §3). Text must be
NFC: reportlab draws decomposed marks detached unless it shapes, and shaping is off for speed.
"""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from desktop.resources import resource_path

FAMILY = "LiberationSerif"
REGULAR = FAMILY
BOLD = f"{FAMILY}-Bold"
ITALIC = f"{FAMILY}-Italic"
BOLD_ITALIC = f"{FAMILY}-BoldItalic"

FILES = {
    REGULAR: "LiberationSerif-Regular.ttf",
    BOLD: "LiberationSerif-Bold.ttf",
    ITALIC: "LiberationSerif-Italic.ttf",
    BOLD_ITALIC: "LiberationSerif-BoldItalic.ttf",
}
LICENCE = "OFL-LiberationSerif.txt"

# The Vietnamese alphabet (29 letters) and every toned vowel, lower and upper case: 178
# precomposed code points, of which 134 lie outside ASCII.
_VOWELS = "aăâeêioôơuưy"
_TONES = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")  # huyền sắc hỏi ngã nặng
_CONSONANTS = "bcdđghklmnpqrstvx"


def _letters() -> str:
    lower = [unicodedata.normalize("NFC", v + t) for v in _VOWELS for t in _TONES]
    lower += list(_CONSONANTS)
    return "".join(sorted(set(lower))) + "".join(sorted({c.upper() for c in lower}))


VIETNAMESE_LETTERS = _letters()


def font_files() -> dict[str, Path]:
    """Font name → file, for reportlab here and for ``QFontDatabase.addApplicationFont``."""
    return {name: resource_path("fonts", file) for name, file in FILES.items()}


@functools.cache
def register() -> str:
    """Register the four faces and the family (so <b>/<i> in Paragraphs work); idempotent."""
    for name, path in font_files().items():
        if not path.exists():  # pragma: no cover - a broken installation
            raise FileNotFoundError(f"missing font file {path}")
        pdfmetrics.registerFont(TTFont(name, str(path)))
    pdfmetrics.registerFontFamily(FAMILY, normal=REGULAR, bold=BOLD, italic=ITALIC,
                                  boldItalic=BOLD_ITALIC)
    for bold, italic, name in ((0, 0, REGULAR), (1, 0, BOLD), (0, 1, ITALIC),
                               (1, 1, BOLD_ITALIC)):
        addMapping(FAMILY, bold, italic, name)
    return FAMILY


def covered(font_name: str) -> frozenset[int]:
    """Code points that have a glyph in a registered font."""
    register()
    return _covered(font_name)


@functools.cache
def _covered(font_name: str) -> frozenset[int]:
    font = pdfmetrics.getFont(font_name)
    return frozenset(font.face.charToGlyph)  # type: ignore[attr-defined]


def missing(text: str, font_name: str = REGULAR) -> list[str]:
    cmap = covered(font_name)
    return sorted({c for c in text if ord(c) not in cmap and not c.isspace()})


class _Printable(dict[int, str]):
    """``str.translate`` table: characters no shipped face can draw become "?"."""

    def __missing__(self, code: int) -> str:
        ok = all(code in covered(name) for name in FILES)
        value = chr(code) if ok or chr(code) in "\n\t" else "?"
        self[code] = value
        return value


_PRINTABLE = _Printable()


def printable(value: object) -> str:
    """Text safe to draw: NFC (marks attached) and no character without a glyph (no tofu)."""
    s = "" if value is None else str(value)
    if not s.isascii():
        s = unicodedata.normalize("NFC", s).translate(_PRINTABLE)
    return s
