"""Shipped fonts cover Vietnamese; numbers, dates, changes and periods are written the
Vietnamese way."""

from __future__ import annotations

import datetime as dt

import pytest
from reportlab.pdfbase.ttfonts import TTFont

from desktop.domain.errors import UserError
from desktop.reports import fmt, fonts, periods
from desktop.resources import resource_path


def test_the_alphabet_has_178_letters_134_of_them_outside_ascii():
    letters = fonts.VIETNAMESE_LETTERS
    assert len(letters) == 178 and sum(not c.isascii() for c in letters) == 134
    for c in "đĐưƯơƠẫẶềỂỗỢữỰỹỴ":
        assert c in letters


@pytest.mark.parametrize("name", sorted(fonts.FILES))
def test_every_vietnamese_letter_has_a_glyph_in_each_shipped_font(name):
    face = TTFont(name + "-check", str(fonts.font_files()[name])).face
    missing = [c for c in fonts.VIETNAMESE_LETTERS if ord(c) not in face.charToGlyph]
    assert missing == []
    assert fonts.missing(fonts.VIETNAMESE_LETTERS + "–—…“”’", name) == []


def test_fonts_are_liberation_2_with_their_licence():
    licence = resource_path("fonts", fonts.LICENCE).read_text("utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence
    for path in fonts.font_files().values():
        face = TTFont("v-" + path.stem, str(path)).face
        assert "LiberationSerif" in face.name.decode() if isinstance(face.name, bytes) \
            else "LiberationSerif" in face.name
        assert 0x1EA0 in face.charToGlyph  # Ạ: missing from Liberation 1.07


def test_printable_is_nfc_and_never_a_missing_glyph():
    decomposed = "Nguye\u0302\u0303n"  # NFD "Nguyễn"
    assert fonts.printable(decomposed) == "Nguyễn"
    assert fonts.printable("Đức 😀") == "Đức ?"


def test_numbers_and_percentages():
    assert fmt.number(4400) == "4.400"
    assert fmt.number(1234567) == "1.234.567"
    assert fmt.percent(9, 40) == "22,5%"
    assert fmt.percent(1, 0) == "—"
    assert fmt.change(31, 40)["percent_text"] == "giảm 22,5%"
    assert fmt.change(31, 40)["diff_text"] == "giảm 9"
    assert fmt.change(5, 4)["percent_text"] == "tăng 25%"
    assert fmt.change(3, 0) == {"diff": 3, "diff_text": "tăng 3", "percent": None,
                                "percent_text": "—", "text": "tăng 3"}
    # Said once in a sentence: never "không đổi, không đổi".
    assert fmt.change(31, 40)["text"] == "giảm 9 (22,5%)"
    assert fmt.change(4, 4)["text"] == "không đổi" and fmt.change(0, 0)["text"] == "không đổi"


def test_dates():
    assert fmt.date(dt.date(2026, 1, 5)) == "05/01/2026"
    assert fmt.place_date("Mường Nhé", dt.date(2026, 1, 5)) == \
        "Mường Nhé, ngày 05 tháng 01 năm 2026"
    assert fmt.long_date(dt.date(2026, 11, 5)) == "ngày 05 tháng 11 năm 2026"


def test_periods_and_the_same_period_last_year():
    q = periods.parse("2026-Q3")
    assert (q.start, q.end, q.label) == (dt.date(2026, 7, 1), dt.date(2026, 9, 30),
                                         "quý III năm 2026")
    assert q.previous_year().label == "quý III năm 2025"
    assert periods.parse("2026-06").end == dt.date(2026, 6, 30)
    assert periods.parse("2026-H1").label == "6 tháng đầu năm 2026"
    assert periods.parse("2026").previous_year().start == dt.date(2025, 1, 1)
    leap = periods.parse(start="01/02/2028", end="29/02/2028").previous_year()
    assert (leap.start, leap.end) == (dt.date(2027, 2, 1), dt.date(2027, 2, 28))
    assert leap.label == "từ ngày 01/02/2027 đến ngày 28/02/2027"
    with pytest.raises(UserError):
        periods.parse("2026-13")
    with pytest.raises(UserError):
        periods.parse("Q3")
