"""Turning what a user typed into the stored form of each field, and the rules on whole records.

Field values arrive as text (CLI, spreadsheet, editor) or as Python values (code); they leave
as the stored form: NFC text, ISO dates, ints, 0/1. Catalogue codes and references are checked
against the database by storage; everything that needs no database is checked here.

The same rules hold for values that arrive in a bundle (:func:`check_stored`): they must
already be in the stored form a local write makes — the same types, date forms, choices,
lengths and characters, text as the local write's cleaning leaves it, ASCII digits — so that
nothing another site sends can hold what this site could not have written itself.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from desktop import i18n
from desktop.domain import catalogue_attrs, cccd, dates, results, text, tips
from desktop.domain.errors import ValidationError
from desktop.domain.kinds import MEETING, MEMBERSHIP, PERSON, Field, FieldType, Kind
from desktop.i18n import _

Stored = str | int | None

_TRUE = {"1", "true", "yes", "y", "có", "co", "x", "đúng", "dung"}
_FALSE = {"0", "false", "no", "n", "không", "khong", ""}
_PHONE_JUNK = re.compile(r"[\s.\-()]")
_PHONE = re.compile(r"\+?[0-9]{8,12}")  # ASCII digits: "\d" is any script's (٠٩١٢…)
_CITIZEN_ID = re.compile(r"[0-9]{12}")  # as a local write stores it (not any Unicode digit)
_INT = re.compile(r"[+-]?[0-9]{1,12}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Multi-line free text keeps its line breaks and the tabs pasted with it; nothing else.
_CONTROL_LONG = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_STORED_DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}")
# Record ids: the 19-character compact ids made since issue 12 (ids.new_record_id), and the
# UUID text made before (UUIDv7) or shipped (UUIDv5 reference rows), valid forever.
COMPACT_RECORD_ID = re.compile(r"[0-9a-hjkmnp-tv-z]{19}")
RECORD_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
                       r"|[0-9a-hjkmnp-tv-z]{19}")

LONG_MAX = 200_000  # characters of one multi-line text (some 60 pages of minutes)
INT_MAX = 10**12 - 1  # what 12 typed digits can say; far inside SQLite's 64 bits
EXTRA_INT_MAX = 2**53  # a field of a newer version of the program, kept in _extras


@dataclass
class Cleaned:
    values: dict[str, Stored]
    warnings: list[str] = field(default_factory=list)


def unknown_field(kind: Kind, name: str) -> ValidationError:
    known = ", ".join(f.name for f in kind.fields)
    return ValidationError(name, _("«{kind}» không có trường này (các trường: {known})").format(
        kind=kind.name, known=known))


def clean_values(kind: Kind, raw: Mapping[str, object],
                 *, today: dt.date | None = None) -> dict[str, Stored]:
    """Clean each given field; unknown names and bad values raise ValidationError."""
    out: dict[str, Stored] = {}
    for name, value in raw.items():
        f = kind.by_name.get(name)
        if f is None:
            raise unknown_field(kind, name)
        out[name] = clean_field(f, value, today=today)
    return out


def clean_field(f: Field, value: object, *, today: dt.date | None = None) -> Stored:
    """The stored form of one value; empty input means "no value"."""
    if value is None or (isinstance(value, str) and not text.drop_invisible(value).strip()):
        if f.type is FieldType.BOOL and value is not None:
            return 0
        return None
    try:
        return _CLEANERS[f.type](f, value, today or dt.date.today())
    except ValidationError as e:
        raise ValidationError(f.name, e.message, label=f.label) from None


def _as_text(value: object) -> str:
    if isinstance(value, bool | int | float):
        return str(value)
    if not isinstance(value, str):
        raise ValidationError(None, _("giá trị không hợp lệ: {v!r}").format(v=value))
    return value


def _clean_line(f: Field, value: object, today: dt.date) -> str:
    s = text.clean_text(_as_text(value))
    if len(s) > f.max_length:
        raise ValidationError(f.name, _("dài quá {n} ký tự").format(n=f.max_length))
    if not s.isprintable() and _CONTROL.search(s):
        raise ValidationError(f.name, _("có ký tự điều khiển không hợp lệ"))
    return s


def _clean_long(f: Field, value: object, today: dt.date) -> str:
    s = long_text(_as_text(value))
    if len(s) > LONG_MAX:
        raise ValidationError(f.name, _("dài quá {n} ký tự").format(n=LONG_MAX))
    if _CONTROL_LONG.search(s):
        raise ValidationError(f.name, _("có ký tự điều khiển không hợp lệ"))
    return s


def long_text(s: str) -> str:
    """Multi-line text as a local write stores it: invisible characters dropped
    (text.INVISIBLE), NFC, Windows and old Mac line ends as
    "\\n", Eth as Đ (text.clean_text), no space at either end nor at the end of a line. Indents,
    tabs and runs of spaces inside a line are kept: minutes are laid out with them."""
    s = unicodedata.normalize("NFC", text.drop_invisible(s))
    s = s.replace("\r\n", "\n").replace("\r", "\n")
    if "\u00d0" in s or "\u00f0" in s:
        s = s.replace("\u00d0", "Đ").replace("\u00f0", "đ")
    return "\n".join(line.rstrip() for line in s.strip().split("\n"))


def _clean_date(f: Field, value: object, today: dt.date) -> str:
    if isinstance(value, dt.date):
        d = dates.PartialDate(value.year, value.month, value.day)
    else:
        d = dates.parse_date(_as_text(value), allow_partial=f.partial)
    if f.not_future and d.earliest() > today:
        raise ValidationError(f.name, _("{d} là ngày trong tương lai").format(d=d.display()))
    return d.iso()


def _clean_datetime(f: Field, value: object, today: dt.date) -> str:
    t = value if isinstance(value, dt.datetime) else dates.parse_datetime(_as_text(value))
    return dates.iso_datetime(t)


def _clean_int(f: Field, value: object, today: dt.date) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        if abs(value) > INT_MAX:
            raise ValidationError(f.name, _("số quá lớn (tối đa 12 chữ số)"))
        return value
    s = _as_text(value).strip().replace(".", "")
    if not _INT.fullmatch(s):  # int() would take any script's digits too
        _need_ascii_digits(f, s)
        raise ValidationError(f.name, _("«{v}» không phải số nguyên").format(v=value))
    return int(s)


def _clean_bool(f: Field, value: object, today: dt.date) -> int:
    if isinstance(value, bool | int):
        return 1 if value else 0
    s = text.clean_text(_as_text(value)).lower()
    if s in _TRUE or text.fold(s) in _TRUE:
        return 1
    if s in _FALSE or text.fold(s) in _FALSE:
        return 0
    raise ValidationError(f.name, _("«{v}» không phải có/không").format(v=value))


def _clean_choice(f: Field, value: object, today: dt.date) -> str:
    s = text.clean_text(_as_text(value))
    key = text.fold(s)
    for stored, label in f.choices:
        if key in (stored, text.fold(label)):
            return stored
    alias = _CHOICE_ALIASES.get(key)
    if alias and any(alias == stored for stored, _label in f.choices):
        return alias
    allowed = ", ".join(label for _stored, label in f.choices)
    raise ValidationError(f.name, _("«{v}» không hợp lệ; chọn một trong: {a}").format(
        v=s, a=allowed))


def _clean_citizen_id(f: Field, value: object, today: dt.date) -> str:
    return cccd.check_citizen_id(_as_text(value), today=today).number


def _clean_phone(f: Field, value: object, today: dt.date) -> str:
    s = _PHONE_JUNK.sub("", text.clean_text(_as_text(value)))
    if not _PHONE.fullmatch(s):
        _need_ascii_digits(f, s)
        raise ValidationError(f.name, _("«{v}» không phải số điện thoại").format(v=value))
    return s


def _need_ascii_digits(f: Field, s: str) -> None:
    """Name a digit of another script (Arabic-Indic, fullwidth…): it looks like a digit, and
    "8 to 12 digits" would not say what is wrong."""
    other = next((c for c in s if not c.isascii() and c.isdecimal()), None)
    if other is not None:
        raise ValidationError(f.name, _("có chữ số «{c}» (U+{u:04X}) không phải 0–9").format(
            c=other, u=ord(other)))


_CLEANERS = {
    FieldType.TEXT: _clean_line,
    FieldType.REF: _clean_line,
    FieldType.CODE: _clean_line,
    FieldType.LONGTEXT: _clean_long,
    FieldType.DATE: _clean_date,
    FieldType.DATETIME: _clean_datetime,
    FieldType.INT: _clean_int,
    FieldType.BOOL: _clean_bool,
    FieldType.CHOICE: _clean_choice,
    FieldType.CITIZEN_ID: _clean_citizen_id,
    FieldType.PHONE: _clean_phone,
}

# Shorthands found in the gender column of old spreadsheets.
_CHOICE_ALIASES = {"m": "male", "f": "female"}


# -- values that arrive in a bundle -------------------------------------------------------------

def check_stored(kind: Kind, name: str, value: object) -> None:
    """Refuse (ValidationError naming the field) a value that a local write of field ``name``
    of ``kind`` could not have stored; ``None`` (a cleared field) always passes.

    What needs the database (catalogue codes, partitions) is checked by storage. Dates are
    checked for their form only: "not in the future" depends on the receiving computer's
    clock, which may be wrong. A field this version does not know (kept in ``_extras`` for a
    newer version) may be a bounded integer or text without control characters.
    """
    stored_checker(kind, name)(value)


def stored_checker(kind: Kind, name: str) -> Callable[[object], None]:
    """:func:`check_stored` for one field, looked up once (for the many cells of a bundle)."""
    f = kind.by_name.get(name)
    if f is None:
        def extra(value: object) -> None:
            if value is not None:
                _stored_extra(name, value)
        return extra
    check = _STORED[f.type]

    def known(value: object) -> None:
        if value is None:
            return
        if isinstance(value, bool):  # JSON true/false: never a stored form
            raise ValidationError(name, _("kiểu giá trị không hợp lệ"))
        check(f, value)
    return known


def stored_all(kind: Kind, name: str, values: Iterable[object]) -> bool:
    """Whether every one of ``values`` passes :func:`check_stored` for the field (False: one
    may not, and :func:`stored_checker` on each says which and why). The same rules for an
    import's many distinct values (issue 12: 50,000 in a bundle of 10,000 people), each test
    one pass in C over them instead of a few calls of Python a value."""
    vals = [v for v in values if v is not None]
    if not vals:
        return True
    f = kind.by_name.get(name)
    rule = None if f is None else _STORED[f.type]
    types = set(map(type, vals))
    if types == {str} and rule in (_stored_line, _stored_long):
        limit, control = ((f.max_length, _CONTROL) if rule is _stored_line  # type: ignore[union-attr]
                          else (LONG_MAX, _CONTROL_LONG))
        inside = _UNCLEAN_LINE_INSIDE if rule is _stored_line else _UNCLEAN_LONG_INSIDE
        return (max(map(len, vals)) <= limit and not any(map(control.search, vals))
                and all(map(_IS_NFC, vals)) and all(vals)
                and all(map(str.__eq__, vals, map(str.strip, vals)))
                and not any(map(inside.search, vals)))
    pattern = {_stored_ref: RECORD_ID, _stored_citizen_id: _CITIZEN_ID,
               _stored_phone: _PHONE}.get(rule)  # type: ignore[call-overload]
    if types == {str} and pattern is not None:
        return all(map(pattern.fullmatch, vals))
    if rule is _stored_choice and types <= {str, int}:  # hashable, and == is membership
        return set(vals) <= {stored for stored, _label in f.choices}  # type: ignore[union-attr]
    check = stored_checker(kind, name)
    try:
        for v in vals:
            check(v)
    except ValidationError:
        return False
    return True


def sent_form(kind: Kind, name: str, value: object) -> object:
    """``value`` of field ``name`` held here, in the form :func:`check_stored` takes: what a
    local write stores now. A value stored before these rules (text a local write would have
    cleaned, taken from a bundle before 7 December 2026; a phone typed in other digits, which
    a local write took until then) would make every peer refuse the bundle until someone
    edits it: it is sent cleaned instead (the same words, spaces, Đ and digits, nothing of
    its meaning lost), and the copy here is left as it is. A value that needs nothing, the
    usual case, costs a test in C."""
    if type(value) is not str:
        return value
    key = (kind.name, name)
    fix = _sent_fixes.get(key, _sent_fixes)
    if fix is _sent_fixes:  # the first value of the field (a FieldType hashes in Python)
        f = kind.by_name.get(name)
        fix = _sent_fixes[key] = None if f is None else _SENT.get(f.type)
    return value if fix is None else fix(value)


_sent_fixes: dict[tuple[str, str], Callable[[str], object] | None] = {}


def _sent_line(s: str) -> str | None:
    if _IS_NFC(s) and not _UNCLEAN_LINE.search(s):
        return s
    return text.clean_text(s) or None


def _sent_long(s: str) -> str | None:
    if _IS_NFC(s) and not _UNCLEAN_LONG.search(s):
        return s
    return long_text(s) or None


def _sent_digits(s: str) -> str:
    if s.isascii():
        return s
    return "".join(str(d) if (d := unicodedata.decimal(c, None)) is not None else c for c in s)


def shown(value: object, limit: int = 40) -> str:
    """A value for a message: control characters escaped, long text cut."""
    s = value if isinstance(value, str) else repr(value)
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", s[:limit])
    if len(s) > limit:
        return _("«{v}…» ({n} ký tự)").format(v=text, n=len(s))
    return f"«{text}»"


def _need_text(f: Field, value: object) -> str:
    if not isinstance(value, str):
        raise ValidationError(f.name, _("phải là chữ, không phải {t}").format(
            t=type(value).__name__))
    return value


def _stored_line(f: Field, value: object) -> None:
    s = _need_text(f, value)
    if len(s) > f.max_length:
        raise ValidationError(f.name, _("dài quá {n} ký tự").format(n=f.max_length))
    if _CONTROL.search(s):
        raise ValidationError(f.name, _("có ký tự điều khiển không hợp lệ"))
    _need_nfc(f, s)
    _need_clean(f, s, _UNCLEAN_LINE)


def _stored_long(f: Field, value: object) -> None:
    s = _need_text(f, value)
    if len(s) > LONG_MAX:
        raise ValidationError(f.name, _("dài quá {n} ký tự").format(n=LONG_MAX))
    if _CONTROL_LONG.search(s):
        raise ValidationError(f.name, _("có ký tự điều khiển không hợp lệ"))
    _need_nfc(f, s)
    _need_clean(f, s, _UNCLEAN_LONG)


# What a local write's cleaning would change in NFC text (text.clean_text for one line,
# long_text for several), found in C: an Eth for Đ, an invisible character (text.INVISIBLE),
# a space at either end, and in one line
# two spaces running or any space but the plain one (a tab, a no-break or thin space…), in
# several lines a space at the end of a line or a carriage return (a control character,
# refused before this, but sent_form must find it). "\s" is str.isspace, what str.split()
# and str.strip() take as space. The empty text is no stored form either: a local write
# stores "no value" (None) for it.
_UNCLEAN_LINE = re.compile(rf"\A\s|\s\Z|\s\s|[^\S ]|[\u00d0\u00f0{text.INVISIBLE}]|\A\Z")
_UNCLEAN_LONG = re.compile(rf"\A\s|\s\Z|[^\S\n]\n|\r|[\u00d0\u00f0{text.INVISIBLE}]|\A\Z")
# The same refusals over many values (stored_all, an import's distinct values), the ends and
# the empty text found by str.strip in C: a pattern whose every branch starts with a class of
# characters lets re skip to a candidate, where the anchored branches above make each search
# try every position (issue 12: 0.1 s of an import of 10,000 people).
_UNCLEAN_LINE_INSIDE = re.compile(rf"\s\s|[^\S ]|[\u00d0\u00f0{text.INVISIBLE}]")
_UNCLEAN_LONG_INSIDE = re.compile(rf"[^\S\n]\n|[\r\u00d0\u00f0{text.INVISIBLE}]")


def _need_clean(f: Field, s: str, unclean: re.Pattern[str]) -> None:
    """Refuse text a local write would have stored otherwise, saying what it would change
    (an officer reading «Lò Văn Sáng» cannot see a no-break space or an Eth)."""
    m = unclean.search(s)
    if m is None:
        return
    got = m.group()
    if not s:
        why = _("chữ rỗng (một lần ghi trên máy này lưu là «không có giá trị»)")
    elif got in ("\u00d0", "\u00f0"):
        why = _("có chữ «{c}» (U+{u:04X}, chữ eth) thay cho «{d}»").format(
            c=got, u=ord(got), d="Đ" if got == "\u00d0" else "đ")
    elif len(got) == 1 and got in text.INVISIBLE:
        why = _("có ký tự vô hình (U+{u:04X}), một lần ghi trên máy này bỏ nó đi").format(
            u=ord(got))
    elif m.start() == 0 or m.end() == len(s):
        why = _("có khoảng trắng ở đầu hoặc cuối")
    elif unclean is _UNCLEAN_LONG:
        why = _("có khoảng trắng ở cuối dòng")
    elif got.strip(" "):
        odd = got.strip(" ")[0]
        why = _("có khoảng trắng lạ (U+{u:04X}) thay cho dấu cách").format(u=ord(odd))
    else:
        why = _("có hai khoảng trắng liền nhau")
    raise ValidationError(f.name, why)


_IS_NFC = functools.partial(unicodedata.is_normalized, "NFC")


def _need_nfc(f: Field, s: str) -> None:
    """A local write stores text NFC (text.clean_text): the same letters decomposed would
    look the same and be another name to search, sort and compare."""
    if not _IS_NFC(s):
        raise ValidationError(f.name, _("phải ở dạng lưu trữ «{v}»").format(
            v=unicodedata.normalize("NFC", s)[:40]))


def _stored_ref(f: Field, value: object) -> None:
    if not RECORD_ID.fullmatch(_need_text(f, value)):
        raise ValidationError(f.name, _("không phải mã bản ghi"))


def _stored_date(f: Field, value: object) -> None:
    try:
        d = dates.PartialDate.from_iso(_need_text(f, value))
    except ValidationError:
        raise ValidationError(f.name, _("không phải ngày (dạng yyyy-mm-dd)")) from None
    if d.is_partial and not f.partial:
        raise ValidationError(f.name, _("phải là ngày đầy đủ (dạng yyyy-mm-dd)"))


def _stored_datetime(f: Field, value: object) -> None:
    s = _need_text(f, value)
    try:
        ok = bool(_STORED_DATETIME.fullmatch(s)) and dates.iso_datetime(
            dates.parse_datetime(s)) == s
    except ValidationError:
        ok = False
    if not ok:
        raise ValidationError(f.name, _("không phải thời điểm (dạng yyyy-mm-ddTHH:MM)"))


def _stored_int(f: Field, value: object) -> None:
    if not isinstance(value, int) or abs(value) > INT_MAX:
        raise ValidationError(f.name, _("không phải số nguyên (tối đa 12 chữ số)"))


def _stored_bool(f: Field, value: object) -> None:
    if value not in (0, 1) or not isinstance(value, int):
        raise ValidationError(f.name, _("phải là 0 hoặc 1"))


def _stored_choice(f: Field, value: object) -> None:
    if not any(value == stored for stored, _label in f.choices):
        raise ValidationError(f.name, _("không phải một trong: {a}").format(
            a=", ".join(stored for stored, _label in f.choices)))


def _stored_citizen_id(f: Field, value: object) -> None:
    if not _CITIZEN_ID.fullmatch(_need_text(f, value)):
        _need_ascii_digits(f, str(value))
        raise ValidationError(f.name, _("số định danh cá nhân phải có đúng 12 chữ số"))


def _stored_phone(f: Field, value: object) -> None:
    if not _PHONE.fullmatch(_need_text(f, value)):
        _need_ascii_digits(f, str(value))
        raise ValidationError(f.name, _("không phải số điện thoại (8 đến 12 chữ số)"))


def _stored_extra(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValidationError(name, _("kiểu giá trị không hợp lệ"))
    if isinstance(value, int):
        if abs(value) > EXTRA_INT_MAX:
            raise ValidationError(name, _("số quá lớn"))
        return
    if len(value) > LONG_MAX:
        raise ValidationError(name, _("dài quá {n} ký tự").format(n=LONG_MAX))
    if _CONTROL_LONG.search(value):
        raise ValidationError(name, _("có ký tự điều khiển không hợp lệ"))


_STORED = {
    FieldType.TEXT: _stored_line,
    FieldType.CODE: _stored_line,
    FieldType.REF: _stored_ref,
    FieldType.LONGTEXT: _stored_long,
    FieldType.DATE: _stored_date,
    FieldType.DATETIME: _stored_datetime,
    FieldType.INT: _stored_int,
    FieldType.BOOL: _stored_bool,
    FieldType.CHOICE: _stored_choice,
    FieldType.CITIZEN_ID: _stored_citizen_id,
    FieldType.PHONE: _stored_phone,
}


_SENT: dict[FieldType, Callable[[str], object]] = {
    FieldType.TEXT: _sent_line,
    FieldType.CODE: _sent_line,
    FieldType.LONGTEXT: _sent_long,
    FieldType.CITIZEN_ID: _sent_digits,
    FieldType.PHONE: _sent_digits,
}


def check_record(kind: Kind, record: Mapping[str, Stored]) -> list[str]:
    """Rules on a whole record (after an edit is merged in): errors raise, warnings return."""
    for f in kind.required:
        if record.get(f.name) in (None, ""):
            raise ValidationError(f.name, _("bắt buộc phải có"), label=f.label)
    warnings: list[str] = []
    rule = _RECORD_RULES.get(kind.name)
    if rule:
        try:
            warnings.extend(rule(record))
        except ValidationError as e:
            # The officer reads the field's label, never its name ("citizen_id: …").
            if e.label is None and e.field in kind.by_name:
                e.label = kind.by_name[e.field].label
            raise
    return warnings


def _person_rules(r: Mapping[str, Stored]) -> list[str]:
    number = r.get("citizen_id")
    if not number:
        return []
    birth = r.get("birth_date")
    year = int(str(birth)[:4]) if birth else None
    gender = r.get("gender")
    number, sex = str(number), str(gender) if gender else None
    if len(number) == 12 and number.isascii() and number.isdigit():
        errors, warnings = _cccd_said(number[:6], year, sex, dt.date.today().year,
                                      i18n.current_language())
    else:  # not as stored: normalised, or refused with the message naming it
        info = cccd.check_citizen_id(number, birth_year=year, gender=sex)
        errors, warnings = info.errors, info.warnings
    label = PERSON.field("citizen_id").label
    if errors:  # DOMAIN.md §5.1: year and sex must match; one of them is mistyped
        raise ValidationError("citizen_id", " ".join(errors), label=label)
    return [f"{label}: {w}" for w in warnings]


@functools.lru_cache(maxsize=4096)
def _cccd_said(head: str, year: int | None, sex: str | None, this_year: int,
               _language: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(errors, warnings) of cccd.check_citizen_id for a number of 12 digits starting with
    ``head``: what they say depends on its first six only (the province, the century and
    sex, the year) and on the current year, so an import's 10,000 numbers, sharing a few
    hundred of those, are decoded once each (issue 12: 40 → 15 ms of the whole-record rules
    at 10,000 people); the messages in the language they were made in."""
    info = cccd.check_citizen_id(head + "000000", birth_year=year, gender=sex,
                                 today=dt.date(this_year, 1, 1))
    return info.errors, info.warnings


def _not_before(r: Mapping[str, Stored], first: str, later: str, kind: Kind) -> None:
    a, b = r.get(first), r.get(later)
    # ISO text compares as dates do; a partial date compares by its prefix.
    if a and b and str(b) < str(a)[: len(str(b))]:
        raise ValidationError(later, _("phải sau {f}").format(f=kind.field(first).label.lower()))


def _membership_rules(r: Mapping[str, Stored]) -> list[str]:
    _not_before(r, "joined_date", "left_date", MEMBERSHIP)
    if r.get("exit_reason") and not r.get("left_date"):
        raise ValidationError("left_date", _("cần ngày thôi tham gia khi có lý do thôi"))
    return []


def _meeting_rules(r: Mapping[str, Stored]) -> list[str]:
    _not_before(r, "started_at", "ended_at", MEETING)
    for name in ("votes_for", "votes_against", "votes_abstain", "number"):
        v = r.get(name)
        if isinstance(v, int) and v < 0:
            raise ValidationError(name, _("không được âm"))
    return []


def _deed_rules(r: Mapping[str, Stored]) -> list[str]:
    if not r.get("person_id") and not r.get("organization_id"):
        raise ValidationError("person_id", _("cần người (person_id) hoặc tập thể "
                                             "(organization_id) được khen"))
    return []


def _catalogue_rules(r: Mapping[str, Stored]) -> list[str]:
    return catalogue_attrs.check(r, clean_field)


_RECORD_RULES = {
    "catalogue": _catalogue_rules,
    "person": _person_rules,
    "membership": _membership_rules,
    "meeting": _meeting_rules,
    "deed": _deed_rules,
    "tip": tips.check_tip,
    "camera": results.check_camera,
    "establishment": results.check_establishment,
    "safety_evaluation": results.check_safety_evaluation,
    "crime_stat": results.check_crime_stat,
}
