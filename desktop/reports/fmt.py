"""Numbers, dates and changes as documents write them: 4.400, 22,5%, 05/01/2026,
"ngày 05 tháng 01 năm 2026", "giảm 22,5%". Numbers and dates go through
``desktop.domain.formatting`` (babel, explicit patterns), so English shows 4,400 and 22.5%."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from desktop.domain import formatting
from desktop.i18n import _

DASH = "—"


def number(n: int | float | None) -> str:
    """4400 → "4.400"; 22.5 → "22,5"; None → ""."""
    return formatting.number(n)


def one_decimal(x: float | Decimal) -> str:
    """Rounded half up to one decimal, comma mark, ",0" dropped: 22.5 → "22,5", 25 → "25"."""
    return formatting.decimal(x)


def percent(part: int | float, whole: int | float) -> str:
    """Share as "22,5%"; "—" when the whole is 0."""
    if not whole:
        return DASH
    return formatting.percent(Decimal(str(part)) / Decimal(str(whole)))


def change(current: int, previous: int) -> dict[str, object]:
    """Increase/decrease as data and words: "tăng 3", "giảm 22,5%", "—" when previous is 0;
    ``text`` says it once for a sentence ("giảm 9 (22,5%)", "không đổi")."""
    diff = current - previous
    word = _("tăng") if diff > 0 else _("giảm") if diff < 0 else _("không đổi")
    if previous:
        pct = Decimal(diff) * 100 / Decimal(previous)
        pct_value: float | None = float(pct.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
        pct_text = (f"{word} {formatting.percent(abs(pct) / 100)}" if diff else _("không đổi"))
    else:
        pct_value, pct_text = None, DASH
    diff_text = f"{word} {number(abs(diff))}" if diff else _("không đổi")
    # The change said once in a sentence: "tăng 1 (16,7%)", "tăng 3", "không đổi".
    sentence = (f"{diff_text} ({formatting.percent(abs(pct) / 100)})" if diff and previous
                else diff_text)
    return {"diff": diff, "diff_text": diff_text, "percent": pct_value, "percent_text": pct_text,
            "text": sentence}


def date(d: dt.date | None) -> str:
    return formatting.date(d)


def long_date(d: dt.date) -> str:
    """"ngày 05 tháng 01 năm 2026": days below 10 and months 1–2 take a leading zero."""
    month = f"{d.month:02d}" if d.month <= 2 else str(d.month)
    return _("ngày {d} tháng {m} năm {y}").format(d=f"{d.day:02d}", m=month, y=d.year)


def place_date(place: str, d: dt.date) -> str:
    """"Mường Nhé, ngày 05 tháng 01 năm 2026" (ô 4 of Nghị định 30/2020)."""
    return f"{place}, {long_date(d)}" if place else long_date(d)[:1].upper() + long_date(d)[1:]


def clock(t: dt.datetime) -> str:
    """"08 giờ 30" as minutes say it."""
    return _("{h} giờ {m}").format(h=f"{t.hour:02d}", m=f"{t.minute:02d}")


def moment(t: dt.datetime | None) -> str:
    """"08 giờ 30, ngày 05 tháng 01 năm 2026"; dotted blanks to fill in by hand when unknown."""
    if t is None:
        return _("… giờ …, ngày … tháng … năm …")
    return f"{clock(t)}, {long_date(t.date())}"
