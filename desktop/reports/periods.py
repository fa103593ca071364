"""Reporting periods (DOMAIN.md §6.1): a month, a quarter, six months, a year or any dates,
and "cùng kỳ", the same window one year earlier."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from desktop.domain import dates
from desktop.domain.errors import UserError
from desktop.i18n import _
from desktop.reports import fmt

ROMAN_QUARTERS = ("I", "II", "III", "IV")


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    label: str  # "quý III năm 2026", as it reads after "Kết quả …"
    calendar_unit: bool = False  # a month, quarter, half or year of one calendar year

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise UserError(_("Kỳ báo cáo: ngày kết thúc {e} trước ngày bắt đầu {s}").format(
                e=fmt.date(self.end), s=fmt.date(self.start)))

    def previous_year(self) -> Period:
        """Cùng kỳ: the same window a year earlier (29/02 becomes 28/02)."""
        start, end = _year_back(self.start), _year_back(self.end)
        label = (self.label[:-4] + str(end.year) if self.calendar_unit
                 else _range_label(start, end))
        return Period(start, end, label)

    def as_dict(self) -> dict[str, str]:
        return {"label": self.label, "start": self.start.isoformat(),
                "end": self.end.isoformat()}


def _year_back(d: dt.date) -> dt.date:
    day = min(d.day, calendar.monthrange(d.year - 1, d.month)[1])
    return dt.date(d.year - 1, d.month, day)


def _range_label(start: dt.date, end: dt.date) -> str:
    return _("từ ngày {s} đến ngày {e}").format(s=fmt.date(start), e=fmt.date(end))


def year(y: int) -> Period:
    return Period(dt.date(y, 1, 1), dt.date(y, 12, 31), _("năm {y}").format(y=y), True)


def quarter(y: int, q: int) -> Period:
    first = 3 * (q - 1) + 1
    end = dt.date(y, first + 2, calendar.monthrange(y, first + 2)[1])
    return Period(dt.date(y, first, 1), end,
                  _("quý {q} năm {y}").format(q=ROMAN_QUARTERS[q - 1], y=y), True)


def month(y: int, m: int) -> Period:
    return Period(dt.date(y, m, 1), dt.date(y, m, calendar.monthrange(y, m)[1]),
                  _("tháng {m} năm {y}").format(m=m, y=y), True)


def half(y: int, h: int) -> Period:
    if h == 1:
        return Period(dt.date(y, 1, 1), dt.date(y, 6, 30),
                      _("6 tháng đầu năm {y}").format(y=y), True)
    return Period(dt.date(y, 7, 1), dt.date(y, 12, 31), _("6 tháng cuối năm {y}").format(y=y), True)


def between(start: dt.date, end: dt.date) -> Period:
    return Period(start, end, _range_label(start, end))


_SPEC = re.compile(r"(?P<y>\d{4})(?:-(?:(?P<q>[Qq][1-4])|(?P<h>[Hh][12])|(?P<m>\d{1,2})))?")


def parse(spec: str | None = None, *, start: str | None = None,
          end: str | None = None) -> Period:
    """"2026", "2026-Q3", "2026-06", "2026-H1", a span of them ("2020..2023-Q1": the first's
    first day to the last's last day), or start/end dates typed as dd/mm/yyyy."""
    if start or end:
        if not (start and end):
            raise UserError(_("Kỳ báo cáo: cần cả --from và --to (dạng dd/mm/yyyy)"))
        s = dates.parse_date(start, allow_partial=False).to_date()
        e = dates.parse_date(end, allow_partial=False).to_date()
        assert s is not None and e is not None
        return between(s, e)
    if spec and ".." in spec:
        first, last = (parse(part) for part in spec.split("..", 1))
        return between(first.start, last.end)
    match = _SPEC.fullmatch((spec or "").strip())
    if match is None:
        raise UserError(_("Kỳ báo cáo «{p}» không hợp lệ (ví dụ: 2026, 2026-Q3, 2026-06, "
                          "2026-H1, hoặc --from 01/01/2026 --to 30/06/2026)").format(p=spec))
    y = int(match["y"])
    if match["q"]:
        return quarter(y, int(match["q"][1]))
    if match["h"]:
        return half(y, int(match["h"][1]))
    if match["m"]:
        m = int(match["m"])
        if not 1 <= m <= 12:
            raise UserError(_("Kỳ báo cáo «{p}»: tháng phải từ 1 đến 12").format(p=spec))
        return month(y, m)
    return year(y)
