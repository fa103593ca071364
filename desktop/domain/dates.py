"""Dates as Vietnamese users type them (dd/mm/yyyy, partial dates) and as the database stores them.

Records often know only the year or the month of an event or a birth, so a date is a
:class:`PartialDate`. It is stored as ISO text ("2024", "2024-03", "2024-03-05"), whose text
order is date order, and shown as "2024", "03/2024", "05/03/2024". Qt's vi_VN short format
("d/M/yy") is wrong for forms (DOMAIN.md §5.3), so nothing here depends on a locale.
"""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass, field

from desktop.domain.errors import ValidationError
from desktop.i18n import _

__all__ = [
    "MAX_YEAR",
    "MIN_YEAR",
    "PartialDate",
    "format_datetime",
    "iso_datetime",
    "parse_date",
    "parse_datetime",
]

MIN_YEAR = 1800
MAX_YEAR = 2200


@dataclass(frozen=True, order=True)
class PartialDate:
    """A calendar date of which the month and the day may be unknown.

    Ordering follows the stored ISO text: 2024 < 2024-01 < 2024-01-01 < 2024-02. (The fields
    themselves are excluded from comparison because ``None`` cannot be compared with an int;
    the hidden ``_order`` field carries the same information.)
    """

    year: int = field(compare=False)
    month: int | None = field(default=None, compare=False)
    day: int | None = field(default=None, compare=False)
    _order: tuple[int, int, int] = field(init=False, repr=False, compare=True)

    def __post_init__(self) -> None:
        value = self.iso()
        if not MIN_YEAR <= self.year <= MAX_YEAR:
            raise ValidationError(None, _year_range_message(value))
        if self.day is not None and self.month is None:
            message = _('"{value}": có ngày ({day}) nhưng thiếu tháng')
            raise ValidationError(None, message.format(value=value, day=self.day))
        if self.month is not None and not 1 <= self.month <= 12:
            raise ValidationError(None, _invalid_message(value, _FORM_ISO))
        if self.day is not None:
            assert self.month is not None
            if not 1 <= self.day <= calendar.monthrange(self.year, self.month)[1]:
                raise ValidationError(None, _invalid_message(value, _FORM_ISO))
        object.__setattr__(self, "_order", (self.year, self.month or 0, self.day or 0))

    @classmethod
    def from_iso(cls, text: str) -> PartialDate:
        """Read the stored form: "yyyy", "yyyy-mm" or "yyyy-mm-dd" (nothing else)."""
        match = _ISO_DATE.fullmatch(text)
        if match is None:
            raise ValidationError(None, _invalid_message(text, _FORM_ISO))
        year, month, day = match.group("y", "m", "d")
        return cls(int(year), _int_or_none(month), _int_or_none(day))

    @property
    def is_partial(self) -> bool:
        """True when the day (and perhaps the month) is unknown."""
        return self.day is None

    def iso(self) -> str:
        """Stored form, whose text order is date order: "2024", "2024-03", "2024-03-05"."""
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    def display(self) -> str:
        """Form for tables and printouts: "2024", "03/2024", "05/03/2024"."""
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.month:02d}/{self.year:04d}"
        return f"{self.day:02d}/{self.month:02d}/{self.year:04d}"

    def to_date(self) -> datetime.date | None:
        """The exact date, or None when the date is partial."""
        if self.month is None or self.day is None:
            return None
        return datetime.date(self.year, self.month, self.day)

    def earliest(self) -> datetime.date:
        """First day of the period the date may stand for ("03/2024" → 01/03/2024)."""
        return datetime.date(self.year, self.month or 1, self.day or 1)

    def latest(self) -> datetime.date:
        """Last day of the period the date may stand for ("02/2024" → 29/02/2024).

        Use it for checks such as "not in the future": a year-only date of the current year
        is acceptable, its ``earliest()`` is what must not be after today.
        """
        month = self.month or 12
        day = self.day or calendar.monthrange(self.year, month)[1]
        return datetime.date(self.year, month, day)

    def __str__(self) -> str:
        return self.display()


# ---------------------------------------------------------------------------------------------
# Parsing

_FORM_DATE = "dd/mm/yyyy"
_FORM_MONTH = "mm/yyyy"
_FORM_ISO = "yyyy-mm-dd"
_FORM_DATETIME = "HH:MM dd/mm/yyyy"

_ISO_DATE = re.compile(r"(?P<y>[0-9]{4})(?:-(?P<m>[0-9]{2})(?:-(?P<d>[0-9]{2}))?)?")
_ISO_DATE_LOOSE = re.compile(r"(?P<y>[0-9]{4})(?:-(?P<m>[0-9]{1,2})(?:-(?P<d>[0-9]{1,2}))?)?")
# d/m/yyyy with "/", "-" or "." (the same one twice), spaces allowed around the separator.
_DMY = re.compile(
    r"(?P<d>[0-9]{1,2})\s*(?P<sep>[/.-])\s*(?P<m>[0-9]{1,2})\s*(?P=sep)\s*(?P<y>[0-9]+)"
)
_MY = re.compile(r"(?P<m>[0-9]{1,2})\s*[/.-]\s*(?P<y>[0-9]+)")
_Y = re.compile(r"(?P<y>[0-9]+)")
_TIME = r"(?P<H>[0-9]{1,2})(?::|h)(?P<M>[0-9]{2})(?::(?P<S>[0-9]{2}))?"
_DATE_THEN_TIME = re.compile(r"(?P<date>[0-9][0-9/.\s-]*[0-9])(?:\s+|\s*[T,]\s*)" + _TIME)
_TIME_THEN_DATE = re.compile(_TIME + r"(?:\s+|\s*,\s*)(?P<date>[0-9][0-9/.\s-]*[0-9])")
_ISO_DATETIME = re.compile(r"(?P<date>[0-9]{4}-[0-9]{1,2}-[0-9]{1,2})[T ]" + _TIME)


def _int_or_none(text: str | None) -> int | None:
    return None if text is None else int(text)


def _invalid_message(value: str, form: str) -> str:
    return _('"{value}" không phải ngày hợp lệ (dạng {form})').format(value=value, form=form)


def _year_range_message(value: str) -> str:
    return _('"{value}": năm phải trong khoảng {low}–{high}').format(
        value=value, low=MIN_YEAR, high=MAX_YEAR
    )


def _check_year(value: str, year: str, form: str) -> int:
    if len(year) == 2:
        message = _('"{value}": năm phải ghi đủ 4 chữ số (dạng {form})')
        raise ValidationError(None, message.format(value=value, form=form))
    if len(year) != 4:
        raise ValidationError(None, _invalid_message(value, _FORM_DATE))
    number = int(year)
    if not MIN_YEAR <= number <= MAX_YEAR:
        raise ValidationError(None, _year_range_message(value))
    return number


def parse_date(text: str, *, allow_partial: bool = True) -> PartialDate:
    """Read a date as typed: "05/03/2024", "5/3/2024", "5-3-2024", "5.3.2024", "03/2024",
    "2024", or the stored ISO forms "2024-03-05" and "2024-03" (so JSON output can be read back).

    Two-digit years are refused (is "24" 1924 or 2024?), and so are impossible dates such as
    31/02/2024. With ``allow_partial=False`` only a full date is accepted.
    """
    value = text.strip()
    if not value:
        raise ValidationError(None, _("Chưa nhập ngày (dạng {form})").format(form=_FORM_DATE))
    month: str | None
    day: str | None
    if match := _ISO_DATE_LOOSE.fullmatch(value):
        form, (year, month, day) = _FORM_ISO, match.group("y", "m", "d")
    elif match := _DMY.fullmatch(value):
        form, (year, month, day) = _FORM_DATE, match.group("y", "m", "d")
    elif match := _MY.fullmatch(value):
        form, (year, month), day = _FORM_MONTH, match.group("y", "m"), None
    elif match := _Y.fullmatch(value):
        form, year, month, day = _FORM_DATE, match["y"], None, None
    else:
        raise ValidationError(None, _invalid_message(value, _FORM_DATE))
    if not allow_partial:
        form = _FORM_DATE
    number = _check_year(value, year, form)
    try:
        result = PartialDate(number, _int_or_none(month), _int_or_none(day))
    except ValidationError:
        raise ValidationError(None, _invalid_message(value, form)) from None
    if result.is_partial and not allow_partial:
        message = _('"{value}": cần ngày đầy đủ dạng {form}')
        raise ValidationError(None, message.format(value=value, form=_FORM_DATE))
    return result


def parse_datetime(text: str) -> datetime.datetime:
    """Read a moment as typed: "05/03/2024 14:30", "14:30 05/03/2024", "14:30, 05/03/2024",
    "14h30 05/03/2024", or the stored ISO forms "2024-03-05T14:30[:SS]" / "2024-03-05 14:30".

    The result is naive local time: the program runs at one post, in one time zone.
    """
    value = text.strip()
    if not value:
        message = _("Chưa nhập thời điểm (dạng {form})")
        raise ValidationError(None, message.format(form=_FORM_DATETIME))
    match = (
        _ISO_DATETIME.fullmatch(value)
        or _DATE_THEN_TIME.fullmatch(value)
        or _TIME_THEN_DATE.fullmatch(value)
    )
    if match is None:
        raise ValidationError(None, _invalid_moment_message(value))
    day = parse_date(match["date"], allow_partial=False).to_date()
    assert day is not None
    hour, minute = int(match["H"]), int(match["M"])
    second = int(match["S"] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise ValidationError(None, _invalid_moment_message(value))
    return datetime.datetime(day.year, day.month, day.day, hour, minute, second)


def _invalid_moment_message(value: str) -> str:
    message = _('"{value}" không phải thời điểm hợp lệ (dạng {form})')
    return message.format(value=value, form=_FORM_DATETIME)


def format_datetime(dt: datetime.datetime) -> str:
    """Display form "HH:MM dd/mm/yyyy", as in Vietnamese minutes ("14:30 05/03/2024")."""
    return f"{dt.hour:02d}:{dt.minute:02d} {dt.day:02d}/{dt.month:02d}/{dt.year:04d}"


def iso_datetime(dt: datetime.datetime) -> str:
    """Stored form "yyyy-mm-ddTHH:MM": minutes are the precision users enter and see."""
    return f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d}T{dt.hour:02d}:{dt.minute:02d}"
