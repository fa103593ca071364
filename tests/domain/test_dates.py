"""Tests for desktop.domain.dates: partial dates, parsing what users type, stored forms."""

from __future__ import annotations

import dataclasses
import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop.domain.dates import (
    MAX_YEAR,
    MIN_YEAR,
    PartialDate,
    format_datetime,
    iso_datetime,
    parse_date,
    parse_datetime,
)
from desktop.domain.errors import UserError, ValidationError

# ---------------------------------------------------------------------------------------------
# PartialDate


@pytest.mark.parametrize(
    ("date", "iso", "display"),
    [
        (PartialDate(2024), "2024", "2024"),
        (PartialDate(2024, 3), "2024-03", "03/2024"),
        (PartialDate(2024, 3, 5), "2024-03-05", "05/03/2024"),
        (PartialDate(1800, 1, 1), "1800-01-01", "01/01/1800"),
        (PartialDate(2200, 12, 31), "2200-12-31", "31/12/2200"),
    ],
)
def test_iso_and_display(date: PartialDate, iso: str, display: str) -> None:
    assert date.iso() == iso
    assert date.display() == display
    assert str(date) == display
    assert PartialDate.from_iso(iso) == date
    assert parse_date(display) == date
    assert parse_date(iso) == date


def test_partial_flags_and_bounds() -> None:
    year = PartialDate(2024)
    month = PartialDate(2024, 2)
    day = PartialDate(2024, 2, 29)
    assert year.is_partial and month.is_partial and not day.is_partial
    assert year.to_date() is None and month.to_date() is None
    assert day.to_date() == datetime.date(2024, 2, 29)
    assert year.earliest() == datetime.date(2024, 1, 1)
    assert year.latest() == datetime.date(2024, 12, 31)
    assert month.earliest() == datetime.date(2024, 2, 1)
    assert month.latest() == datetime.date(2024, 2, 29)  # leap year
    assert PartialDate(2023, 2).latest() == datetime.date(2023, 2, 28)
    assert day.earliest() == day.latest() == datetime.date(2024, 2, 29)


def test_order_follows_iso_text_and_mixes_partial_and_full() -> None:
    dates = [
        PartialDate(2023, 12, 31),
        PartialDate(2024),
        PartialDate(2024, 1),
        PartialDate(2024, 1, 1),
        PartialDate(2024, 1, 31),
        PartialDate(2024, 2),
        PartialDate(2024, 2, 1),
        PartialDate(2025),
    ]
    assert sorted(reversed(dates)) == dates
    assert [d.iso() for d in dates] == sorted(d.iso() for d in dates)
    assert PartialDate(2024) < PartialDate(2024, 1)  # None vs int does not raise
    assert max(dates) == PartialDate(2025)


def test_equality_hash_and_immutability() -> None:
    assert PartialDate(2024, 3) == PartialDate(2024, 3, None)
    assert PartialDate(2024, 3) != PartialDate(2024, 3, 1)
    assert len({PartialDate(2024), PartialDate(2024), PartialDate(2024, 1)}) == 2
    assert repr(PartialDate(2024, 3)) == "PartialDate(year=2024, month=3, day=None)"
    with pytest.raises(dataclasses.FrozenInstanceError):
        PartialDate(2024).year = 2025  # type: ignore[misc]
    assert dataclasses.replace(PartialDate(2024, 3), day=5) == PartialDate(2024, 3, 5)


@pytest.mark.parametrize(
    ("year", "month", "day"),
    [(2024, 13, None), (2024, 0, None), (2024, 2, 30), (2023, 2, 29), (2024, 4, 31),
     (2024, None, 5), (1799, None, None), (2201, 1, 1), (2024, 1, 0)],
)  # fmt: skip
def test_constructor_refuses_impossible_dates(
    year: int, month: int | None, day: int | None
) -> None:
    with pytest.raises(ValidationError):
        PartialDate(year, month, day)


@pytest.mark.parametrize(
    "text", ["", "24", "2024-3", "2024-03-5", "05/03/2024", "2024/03/05", " 2024", "2024-13"]
)
def test_from_iso_is_strict(text: str) -> None:
    with pytest.raises(ValidationError):
        PartialDate.from_iso(text)


dates = st.dates(datetime.date(MIN_YEAR, 1, 1), datetime.date(MAX_YEAR, 12, 31))


@st.composite
def partial_dates(draw: st.DrawFn) -> PartialDate:
    day = draw(dates)
    precision = draw(st.sampled_from(["year", "month", "day"]))
    if precision == "year":
        return PartialDate(day.year)
    if precision == "month":
        return PartialDate(day.year, day.month)
    return PartialDate(day.year, day.month, day.day)


@given(partial_dates())
def test_round_trips(date: PartialDate) -> None:
    assert PartialDate.from_iso(date.iso()) == date
    assert parse_date(date.iso()) == date
    assert parse_date(date.display()) == date
    assert date.earliest() <= date.latest()
    assert PartialDate.from_iso(date.earliest().isoformat()) >= date


@given(partial_dates(), partial_dates())
def test_order_equals_iso_text_order(a: PartialDate, b: PartialDate) -> None:
    assert (a < b) == (a.iso() < b.iso())
    assert (a == b) == (a.iso() == b.iso())


# ---------------------------------------------------------------------------------------------
# parse_date: accepted forms


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("05/03/2024", PartialDate(2024, 3, 5)),
        ("5/3/2024", PartialDate(2024, 3, 5)),
        ("05-03-2024", PartialDate(2024, 3, 5)),
        ("5.3.2024", PartialDate(2024, 3, 5)),
        ("05 / 03 / 2024", PartialDate(2024, 3, 5)),
        ("  05/03/2024 ", PartialDate(2024, 3, 5)),
        ("29/02/2024", PartialDate(2024, 2, 29)),
        ("03/2024", PartialDate(2024, 3)),
        ("3/2024", PartialDate(2024, 3)),
        ("03-2024", PartialDate(2024, 3)),
        ("03.2024", PartialDate(2024, 3)),
        ("2024", PartialDate(2024)),
        ("2024-03-05", PartialDate(2024, 3, 5)),
        ("2024-3-5", PartialDate(2024, 3, 5)),
        ("2024-03", PartialDate(2024, 3)),
        ("01/01/1800", PartialDate(1800, 1, 1)),
        ("31/12/2200", PartialDate(2200, 12, 31)),
    ],
)
def test_parse_date_accepts(text: str, expected: PartialDate) -> None:
    assert parse_date(text) == expected


def test_parse_date_full_only() -> None:
    assert parse_date("05/03/2024", allow_partial=False) == PartialDate(2024, 3, 5)
    assert parse_date("2024-03-05", allow_partial=False) == PartialDate(2024, 3, 5)
    for text in ["2024", "03/2024", "2024-03"]:
        with pytest.raises(ValidationError) as info:
            parse_date(text, allow_partial=False)
        assert f'"{text}"' in info.value.message
        assert "đầy đủ" in info.value.message
        assert "dd/mm/yyyy" in info.value.message


# ---------------------------------------------------------------------------------------------
# parse_date: refused forms


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("31/02/2024", ["không phải ngày hợp lệ", "dd/mm/yyyy"]),
        ("29/02/2023", ["không phải ngày hợp lệ", "dd/mm/yyyy"]),
        ("31/04/2024", ["không phải ngày hợp lệ"]),
        ("05/13/2024", ["không phải ngày hợp lệ"]),
        ("00/03/2024", ["không phải ngày hợp lệ"]),
        ("13/2024", ["không phải ngày hợp lệ", "mm/yyyy"]),
        ("2024-02-30", ["không phải ngày hợp lệ", "yyyy-mm-dd"]),
        ("2024-13", ["không phải ngày hợp lệ"]),
        ("05/03/24", ["4 chữ số"]),
        ("5-3-24", ["4 chữ số"]),
        ("03/24", ["4 chữ số"]),
        ("24", ["4 chữ số"]),
        ("05/03/1799", ["1800", "2200"]),
        ("01/01/2201", ["1800", "2200"]),
        ("1700", ["1800", "2200"]),
        ("05/03/02024", ["không phải ngày hợp lệ"]),
        ("5/3", ["không phải ngày hợp lệ", "dd/mm/yyyy"]),
        ("05/03-2024", ["không phải ngày hợp lệ"]),  # mixed separators
        ("2024/03/05", ["không phải ngày hợp lệ"]),
        ("ngày 5 tháng 3", ["không phải ngày hợp lệ"]),
        ("05/03/2024 14:30", ["không phải ngày hợp lệ"]),
        ("٠٥/٠٣/٢٠٢٤", ["không phải ngày hợp lệ"]),  # non-ASCII digits
    ],
)
def test_parse_date_refuses(text: str, words: list[str]) -> None:
    with pytest.raises(ValidationError) as info:
        parse_date(text)
    error = info.value
    assert error.field is None
    assert f'"{text.strip()}"' in error.message  # the bad value is quoted
    for word in words:
        assert word in error.message
    assert str(error) == error.message


def test_parse_date_error_is_a_user_error() -> None:
    with pytest.raises(UserError):
        parse_date("31/02/2024")
    with pytest.raises(ValueError):
        parse_date("31/02/2024")
    with pytest.raises(ValidationError) as info:
        parse_date("31/02/2024")
    assert info.value.message == '"31/02/2024" không phải ngày hợp lệ (dạng dd/mm/yyyy)'


def test_parse_date_empty() -> None:
    for text in ["", "   "]:
        with pytest.raises(ValidationError) as info:
            parse_date(text)
        assert "Chưa nhập ngày" in info.value.message


# ---------------------------------------------------------------------------------------------
# parse_datetime / format_datetime / iso_datetime

MOMENT = datetime.datetime(2024, 3, 5, 14, 30)


@pytest.mark.parametrize(
    "text",
    [
        "05/03/2024 14:30",
        "5/3/2024 14:30",
        "05-03-2024 14:30",
        "05.03.2024  14:30",
        "14:30 05/03/2024",
        "14:30, 05/03/2024",
        "14:30,05/03/2024",
        "14h30 05/03/2024",
        "2024-03-05T14:30",
        "2024-03-05 14:30",
        " 2024-03-05T14:30 ",
    ],
)
def test_parse_datetime_accepts(text: str) -> None:
    assert parse_datetime(text) == MOMENT


def test_parse_datetime_seconds_and_edges() -> None:
    assert parse_datetime("2024-03-05T14:30:15") == MOMENT.replace(second=15)
    assert parse_datetime("05/03/2024 14:30:15") == MOMENT.replace(second=15)
    assert parse_datetime("05/03/2024 0:05") == datetime.datetime(2024, 3, 5, 0, 5)
    assert parse_datetime("31/12/2024 23:59") == datetime.datetime(2024, 12, 31, 23, 59)
    assert parse_datetime("2024-03-05T14:30").tzinfo is None


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("05/03/2024 24:00", "05/03/2024 24:00"),
        ("05/03/2024 14:60", "05/03/2024 14:60"),
        ("2024-03-05T14:30:61", "2024-03-05T14:30:61"),
        ("05/03/2024", "05/03/2024"),
        ("14:30", "14:30"),
        ("2024-03-05T14:30Z", "2024-03-05T14:30Z"),
        ("2024-03-05T14:30:00.123", "2024-03-05T14:30:00.123"),
        ("2024-03-05T14:30+07:00", "2024-03-05T14:30+07:00"),
        ("05/03/2024 2:30 PM", "05/03/2024 2:30 PM"),
        ("14:30 31/02/2024", "31/02/2024"),  # the bad part is quoted
        ("14:30 05/03/24", "05/03/24"),
        ("14:30 2024", "2024"),  # a moment needs a full date
        ("14:30 03/2024", "03/2024"),
        ("", ""),
    ],
)
def test_parse_datetime_refuses(text: str, quoted: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_datetime(text)
    message = info.value.message
    if quoted:
        assert f'"{quoted}"' in message
    else:
        assert "Chưa nhập" in message
    assert "dd/mm/yyyy" in message


def test_format_and_iso_datetime() -> None:
    assert format_datetime(MOMENT) == "14:30 05/03/2024"
    assert iso_datetime(MOMENT) == "2024-03-05T14:30"
    assert format_datetime(datetime.datetime(2024, 1, 2, 3, 4, 59)) == "03:04 02/01/2024"
    assert iso_datetime(datetime.datetime(2024, 1, 2, 3, 4, 59)) == "2024-01-02T03:04"


moments = st.datetimes(datetime.datetime(MIN_YEAR, 1, 1), datetime.datetime(MAX_YEAR, 12, 31))


@given(moments)
def test_datetime_round_trips(moment: datetime.datetime) -> None:
    minute = moment.replace(second=0, microsecond=0)
    assert parse_datetime(iso_datetime(moment)) == minute
    assert parse_datetime(format_datetime(moment)) == minute
    assert iso_datetime(parse_datetime(format_datetime(moment))) == iso_datetime(moment)
    # The stored form sorts like the moment.
    assert iso_datetime(minute) == minute.isoformat(timespec="minutes")
