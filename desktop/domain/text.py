"""Vietnamese text rules: input cleaning, search folding, name splitting and collation keys.

Everything here is pure Python so that storage, reports and the CLI share exactly one
definition of "the same name" and "alphabetical order" (DOMAIN.md §5.3, TOOLCHAIN.md §5).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable

__all__ = [
    "KEY_VERSION",
    "NAME_SEPARATOR",
    "clean_text",
    "fold",
    "fold_chars",
    "name_sort_key",
    "sort_key",
    "split_name",
]

# Legacy converters (TCVN3/VNI → Unicode) often produce the Icelandic Eth, which looks like Đ
# but is a different letter: it would not match "Đ" in searches and ICU sorts it as a variant
# of "d". We treat it as Đ everywhere.
_ETH_TO_DSTROKE = {0x00D0: "\u0110", 0x00F0: "\u0111"}
# Invisible characters pasted with text from web pages, chats and office documents: the soft
# hyphen, the zero-width space and joiners, the word joiner and the byte-order mark. No
# Vietnamese text needs them, and a name holding one is not found by a search for it nor
# seen as the same person: a local write drops them.
INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
_HAS_INVISIBLE = re.compile(f"[{INVISIBLE}]").search
_DROP_INVISIBLE = dict.fromkeys(map(ord, INVISIBLE))


def drop_invisible(s: str) -> str:
    """``s`` without the :data:`INVISIBLE` characters (before NFC: one between a letter and
    its accent keeps them apart)."""
    return s.translate(_DROP_INVISIBLE) if _HAS_INVISIBLE(s) else s


class _LazyTable(dict[int, str]):
    """A ``str.translate`` table that computes and caches the mapping of each new character.

    ``str.translate`` looks characters up with ``table[ord(c)]``, so ``__missing__`` runs once
    per distinct character; afterwards the whole translation runs in C.
    """

    def __init__(self, compute: Callable[[str], str]) -> None:
        super().__init__()
        self._compute = compute

    def __missing__(self, code_point: int) -> str:
        value = self._compute(chr(code_point))
        self[code_point] = value
        return value


# --------------------------------------------------------------------------------------------
# Cleaning and folding


def clean_text(s: str) -> str:
    """Normalise user input: invisible characters dropped, NFC, Eth → Đ, trimmed, inner
    whitespace collapsed to one space.

    Official data mixes NFC/NFD and look-alike letters; comparing or storing raw input would
    make the same name look like two different ones.
    """
    s = unicodedata.normalize("NFC", drop_invisible(s))
    if "\u00d0" in s or "\u00f0" in s:  # rare; translate() would cost more than the check
        s = s.translate(_ETH_TO_DSTROKE)
    return " ".join(s.split())


def lower_first(label: str) -> str:
    """A label as it reads inside a sentence: "Đánh giá An toàn về ANTT" → "đánh giá An toàn
    về ANTT". Only the first letter: the label's other capitals are names and abbreviations
    (``str.lower`` once titled an editor «Thêm đánh giá an toàn về antt»); a label that starts
    with an abbreviation ("CCCD …") stays as it is."""
    first = label.split(" ", 1)[0]
    if len(first) > 1 and first.isupper():
        return label
    return label[:1].lower() + label[1:]


def upper_first(value: str) -> str:
    """A value shown on its own, as in a table cell: "chỉ huy" → "Chỉ huy", "có" → "Có" (the
    counterpart of lower_first; only the first letter, the rest as written)."""
    return value[:1].upper() + value[1:]


def in_two_lines(label: str, longer_than: int = 30) -> str:
    """A long column title on two lines, broken at the space nearest its middle (after a comma
    when there is one), so the column need not be as wide as the whole title."""
    label = " ".join(label.split())
    if len(label) <= longer_than or " " not in label:
        return label
    spaces = [i for i, c in enumerate(label) if c == " "]
    after_comma = [i for i in spaces if label[i - 1] == ","]
    middle = len(label) / 2
    best = min(after_comma or spaces, key=lambda i: abs(i - middle))
    if after_comma and abs(best - middle) > len(label) / 4:  # a comma far off: the middle
        best = min(spaces, key=lambda i: abs(i - middle))
    return label[:best] + "\n" + label[best + 1:]


def _fold_char(c: str) -> str:
    if unicodedata.category(c) == "Cf":  # zero-width space, BOM, soft hyphen pasted from the web
        return ""
    base = "".join(ch for ch in unicodedata.normalize("NFD", c) if not unicodedata.combining(ch))
    base = base.translate(_FOLD_D).lower()
    # lower() can reintroduce a mark (e.g. "İ" → "i̇"); drop it again.
    return "".join(ch for ch in unicodedata.normalize("NFD", base) if not unicodedata.combining(ch))


_FOLD_D = {0x0110: "d", 0x0111: "d", 0x00D0: "d", 0x00F0: "d"}
_FOLD_TABLE = _LazyTable(_fold_char)


def fold(s: str) -> str:
    """Search key that ignores tones, letter modifiers, đ/d and case: "Đức" → "duc".

    FTS5's ``remove_diacritics`` keeps "đ", so users typing "duc" would not find "Đức"; the
    folded text is stored beside the original and queries are folded the same way. NFD input
    gives the same result as NFC input because stray combining marks fold to nothing.
    """
    return " ".join(s.translate(_FOLD_TABLE).split())


def fold_chars(s: str) -> str:
    """:func:`fold` of each character, the spaces left as they are (a caller that splits the
    text into words anyway: one pass over many records' text)."""
    return s.translate(_FOLD_TABLE)


_NOT_A_WORD_CHAR = re.compile(r"[\W_]+")  # \w is str.isalnum() plus "_"


def search_words(s: str) -> list[str]:
    """The words a search matches on: folded, split at anything that is not a letter or a
    digit, as FTS5's unicode61 tokenizer splits ("0912.345.678" is three words).

    Stored search text is these words joined by single spaces, so that a word can also be
    matched in plain SQL (``instr``) exactly as the full-text index matches it.
    """
    return [w for w in _NOT_A_WORD_CHAR.split(fold(s)) if w]


# --------------------------------------------------------------------------------------------
# Names


def split_name(full_name: str) -> tuple[str, str, str]:
    """Split "Họ Đệm Tên" into (family, middle, given): first word, words between, last word.

    Only a proposal for the user to review: two-word family names and some ethnic-minority
    names do not follow the pattern (DOMAIN.md §5.3). A single word is taken as the given name.
    """
    words = clean_text(full_name).split(" ")
    if words == [""]:
        return ("", "", "")
    if len(words) == 1:
        return ("", "", words[0])
    return (words[0], " ".join(words[1:-1]), words[-1])


# --------------------------------------------------------------------------------------------
# Collation
#
# A key is three levels joined by _LEVEL_SEP:  primary weights | secondary | tertiary.
# Comparing keys with plain "<" (code point order, also SQLite BINARY order for UTF-8 TEXT)
# compares the primary level first, then the secondary, then the tertiary, like ICU.
# Every weight is one or three characters in U+0022..U+053F: never NUL, never a control
# character, never a surrogate, and the weight codes are prefix-free, so concatenated weights
# compare exactly like the weight sequences. _LEVEL_SEP is below every weight (a string whose
# primary weights are a prefix of another's sorts first) and NAME_SEPARATOR is below that.

KEY_VERSION = 2  # 2: trailing lowest weights trimmed (migration 24)
"""Version of the stored keys (:func:`fold`, :func:`sort_key`, :func:`name_sort_key`).

The keys are stored in the database, so any change to their output must bump this number and
the stored keys must be rebuilt; otherwise old and new rows would sort or match differently.
"""

NAME_SEPARATOR = "\x20"
"""Joins the part keys of :func:`name_sort_key`; lower than any character inside a part key."""

_LEVEL_SEP = "\x21"
_FIRST_WEIGHT = 0x22

# ICU root order of ASCII whitespace, punctuation and symbols (non-ignorable, as QCollator uses
# by default), measured with QCollator(vi_VN) from PySide6 6.12 / ICU 73.
_ASCII_PUNCTUATION = "\t\n\x0b\x0c\r _-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$"
_DIGITS = "0123456789"
# Vietnamese alphabet with the loan letters f j w z in their Latin places.
_LETTERS = (
    "a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "f", "g", "h", "i", "j", "k", "l", "m",
    "n", "o", "ô", "ơ", "p", "q", "r", "s", "t", "u", "ư", "v", "w", "x", "y", "z",
)  # fmt: skip

_primary: dict[str, str] = {}
_next = _FIRST_WEIGHT
for _ch in _ASCII_PUNCTUATION:
    _primary[_ch] = chr(_next)
    _next += 1
_SYMBOL_LEAD = chr(_next)  # other spaces, punctuation and symbols, by code point
_next += 1
for _ch in _DIGITS:
    _primary[_ch] = chr(_next)
    _next += 1
for _ch in _LETTERS:
    _primary[_ch] = chr(_next)
    _next += 1
_OTHER_LETTER_LEAD = chr(_next)  # letters of other alphabets and scripts, by code point
del _next, _ch

# Letter + modifier mark that form one Vietnamese letter (a primary difference: a < ă < â).
_BREVE, _CIRCUMFLEX, _HORN = "\u0306", "\u0302", "\u031b"
_MODIFIED = {
    ("a", _BREVE): "ă",
    ("a", _CIRCUMFLEX): "â",
    ("e", _CIRCUMFLEX): "ê",
    ("o", _CIRCUMFLEX): "ô",
    ("o", _HORN): "ơ",
    ("u", _HORN): "ư",
}

# Secondary level: a letter with no tone, then the five tones in dictionary order
# (huyền < hỏi < ngã < sắc < nặng), then any other diacritic by code point.
_NO_MARK = chr(_FIRST_WEIGHT)
_TONES = {
    "\u0300": chr(_FIRST_WEIGHT + 1),  # huyền  à
    "\u0309": chr(_FIRST_WEIGHT + 2),  # hỏi    ả
    "\u0303": chr(_FIRST_WEIGHT + 3),  # ngã    ã
    "\u0301": chr(_FIRST_WEIGHT + 4),  # sắc    á
    "\u0323": chr(_FIRST_WEIGHT + 5),  # nặng   ạ
}
_OTHER_MARK_LEAD = chr(_FIRST_WEIGHT + 6)

# Tertiary level: lower < compatibility variant (fullwidth, superscript…) < upper.
_LOWER = chr(_FIRST_WEIGHT)
_VARIANT_LOWER = chr(_FIRST_WEIGHT + 1)
_UPPER = chr(_FIRST_WEIGHT + 2)
_VARIANT_UPPER = chr(_FIRST_WEIGHT + 3)


def _code_point_weight(lead: str, code_point: int) -> str:
    """Three characters that sort like the code point, all far from surrogates and NUL."""
    return lead + chr(0x100 + (code_point >> 10)) + chr(0x100 + (code_point & 0x3FF))


def _mark_weight(mark: str) -> str:
    return _TONES.get(mark) or _code_point_weight(_OTHER_MARK_LEAD, ord(mark))


def _base_primary(base: str) -> tuple[str, bool]:
    """Primary weight of one base (non-mark) character, and whether it is a digit variant."""
    weight = _primary.get(base)
    if weight is not None:
        return weight, False
    digit = unicodedata.decimal(base, None)
    if digit is not None:  # other scripts' digits sort with 0-9
        return _primary[_DIGITS[digit]], True
    lead = _OTHER_LETTER_LEAD if unicodedata.category(base)[0] in "LMN" else _SYMBOL_LEAD
    return _code_point_weight(lead, ord(base)), False


def _decomposed_weights(seq: str, variant: bool) -> tuple[str, str, str]:
    """Weights of a decomposed sequence: each base character with the marks that follow it."""
    primary: list[str] = []
    secondary: list[str] = []
    tertiary: list[str] = []
    i = 0
    while i < len(seq):
        base = seq[i]
        i += 1
        if unicodedata.combining(base):  # a mark with no base: secondary weight only
            secondary.append(_mark_weight(base))
            continue
        marks: list[str] = []
        while i < len(seq) and unicodedata.combining(seq[i]):
            marks.append(seq[i])
            i += 1
        letter = base.lower()
        upper = letter != base
        for mark in marks:
            modified = _MODIFIED.get((letter, mark))
            if modified is not None:
                letter = modified
                marks.remove(mark)
                break
        weight, digit_variant = _base_primary(letter)
        primary.append(weight)
        secondary.append("".join(_mark_weight(m) for m in marks) if marks else _NO_MARK)
        if variant or digit_variant:
            tertiary.append(_VARIANT_UPPER if upper else _VARIANT_LOWER)
        else:
            tertiary.append(_UPPER if upper else _LOWER)
    return "".join(primary), "".join(secondary), "".join(tertiary)


@functools.cache
def _char_weights(c: str) -> tuple[str, str, str]:
    c = c.translate(_ETH_TO_DSTROKE)
    category = unicodedata.category(c)
    if category == "Cf" or (category == "Cc" and c not in _primary):
        return ("", "", "")  # ignorable, as in ICU
    canonical = unicodedata.normalize("NFD", c)
    compatible = unicodedata.normalize("NFKD", c)
    if compatible != canonical:  # "ﬁ", "²", no-break space, fullwidth letters
        return _decomposed_weights(compatible, variant=True)
    return _decomposed_weights(canonical, variant=False)


_PRIMARY_TABLE = _LazyTable(lambda c: _char_weights(c)[0])
_SECONDARY_TABLE = _LazyTable(lambda c: _char_weights(c)[1])
_TERTIARY_TABLE = _LazyTable(lambda c: _char_weights(c)[2])


def sort_key(s: str) -> str:
    """Collation key: comparing keys with ``<`` gives Vietnamese dictionary order.

    Python's default order puts "Đ" after "Z" and scatters tones, and SQLite can only sort a
    stored TEXT key by code point, so the order is baked into the key (TOOLCHAIN.md §5):
    primary = letters a ă â b c d đ e ê … (digits before letters, spaces and punctuation before
    both), secondary = tone, compared letter by letter from the left (none < huyền < hỏi < ngã <
    sắc < nặng), tertiary = lower case before upper case. The key contains only characters
    ≥ U+0022, so it can be stored in SQLite TEXT and compared with BINARY collation.
    """
    return _nfc_sort_key(unicodedata.normalize("NFC", s))


def _nfc_sort_key(s: str) -> str:
    # The secondary and tertiary levels lose their trailing lowest weights (no mark, lower
    # case: _FIRST_WEIGHT), as ICU's sort keys do: the separator after them is lower still,
    # so keys compare as before (issue 12: "Giàng Y Dung" 38 characters -> 24, in the row and
    # five indexes). Only strings of equal primary weights whose secondary levels differ in
    # length (a tone mark with no letter, two tones on one letter) may come out equal.
    return (
        s.translate(_PRIMARY_TABLE)
        + _LEVEL_SEP
        + s.translate(_SECONDARY_TABLE).rstrip(_NO_MARK)
        + _LEVEL_SEP
        + s.translate(_TERTIARY_TABLE).rstrip(_LOWER)
    )


def name_sort_key(full_name: str) -> str:
    """Roster key: by given name, then middle name, then family name (DOMAIN.md §5.3).

    The parts are those of :func:`split_name`. Each gets a full :func:`sort_key`, joined by
    :data:`NAME_SEPARATOR`, which is lower than any character of a part key, so comparing the
    keys is the same as comparing the tuples (given, middle, family) part by part.
    """
    # Same split as split_name(); inlined because this runs on every row of a roster.
    words = unicodedata.normalize("NFC", full_name).split()
    given = words[-1] if words else ""
    family = words[0] if len(words) > 1 else ""
    middle = " ".join(words[1:-1])
    return (
        _part_key(given)
        + NAME_SEPARATOR
        + _part_key(middle)
        + NAME_SEPARATOR
        + _part_key(family)
    )


# The parts of names repeat (a few hundred family names, middle names and given names make a
# province's people): each part's key is computed once (issue 12, an import of 10,000 people).
_part_key = functools.lru_cache(maxsize=16_384)(_nfc_sort_key)
