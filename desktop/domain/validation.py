"""Turning what a user typed into the stored form of each field, and the rules on whole records.

Field values arrive as text (CLI, spreadsheet, editor) or as Python values (code); they leave
as the stored form: NFC text, ISO dates, ints, 0/1. Catalogue codes and references are checked
against the database by storage; everything that needs no database is checked here.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from desktop.domain import cccd, dates, text
from desktop.domain.errors import ValidationError
from desktop.domain.kinds import Field, FieldType, Kind
from desktop.i18n import _

Stored = str | int | None

_TRUE = {"1", "true", "yes", "y", "có", "co", "x", "đúng", "dung"}
_FALSE = {"0", "false", "no", "n", "không", "khong", ""}
_PHONE_JUNK = re.compile(r"[\s.\-()]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


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
    if value is None or (isinstance(value, str) and not value.strip()):
        if f.type is FieldType.BOOL and value is not None:
            return 0
        return None
    try:
        return _CLEANERS[f.type](f, value, today or dt.date.today())
    except ValidationError as e:
        raise ValidationError(f.name, e.message) from None


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
    s = unicodedata.normalize("NFC", _as_text(value)).replace("\r\n", "\n").replace("\r", "\n")
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
        return value
    s = _as_text(value).strip().replace(".", "")
    if not re.fullmatch(r"[+-]?\d{1,12}", s):
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
    if not re.fullmatch(r"\+?\d{8,12}", s):
        raise ValidationError(f.name, _("«{v}» không phải số điện thoại").format(v=value))
    return s


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


def check_record(kind: Kind, record: Mapping[str, Stored]) -> list[str]:
    """Rules on a whole record (after an edit is merged in): errors raise, warnings return."""
    for f in kind.fields:
        if f.required and record.get(f.name) in (None, ""):
            raise ValidationError(f.name, _("bắt buộc phải có ({label})").format(label=f.label))
    warnings: list[str] = []
    rule = _RECORD_RULES.get(kind.name)
    if rule:
        warnings.extend(rule(record))
    return warnings


def _person_rules(r: Mapping[str, Stored]) -> list[str]:
    number = r.get("citizen_id")
    if not number:
        return []
    birth = r.get("birth_date")
    year = int(str(birth)[:4]) if birth else None
    gender = r.get("gender")
    info = cccd.check_citizen_id(str(number), birth_year=year,
                                 gender=str(gender) if gender else None)
    return [f"citizen_id: {w}" for w in info.warnings]


def _not_before(r: Mapping[str, Stored], first: str, later: str) -> None:
    a, b = r.get(first), r.get(later)
    # ISO text compares as dates do; a partial date compares by its prefix.
    if a and b and str(b) < str(a)[: len(str(b))]:
        raise ValidationError(later, _("phải sau {f}").format(f=first))


def _membership_rules(r: Mapping[str, Stored]) -> list[str]:
    _not_before(r, "joined_date", "left_date")
    if r.get("exit_reason") and not r.get("left_date"):
        raise ValidationError("left_date", _("cần ngày thôi tham gia khi có lý do thôi"))
    return []


def _meeting_rules(r: Mapping[str, Stored]) -> list[str]:
    _not_before(r, "started_at", "ended_at")
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


_RECORD_RULES = {
    "person": _person_rules,
    "membership": _membership_rules,
    "meeting": _meeting_rules,
    "deed": _deed_rules,
}
