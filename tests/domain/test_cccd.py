"""Tests for desktop.domain.cccd: decoding and checking the 12-digit personal ID number."""

from __future__ import annotations

import datetime
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop.domain.cccd import (
    PROVINCE_CODES,
    CitizenIdInfo,
    check_citizen_id,
    describe,
    normalise_citizen_id,
)
from desktop.domain.errors import ValidationError

TODAY = datetime.date(2026, 11, 29)

# DOMAIN.md §5.1: the 63 pre-2025 codes.
EXPECTED_CODES = (
    "001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 033 034 035 "
    "036 037 038 040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 067 068 070 072 "
    "074 075 077 079 080 082 083 084 086 087 089 091 092 093 094 095 096"
)


def check(
    text: str,
    *,
    birth_year: int | None = None,
    gender: str | None = None,
    today: datetime.date = TODAY,
) -> CitizenIdInfo:
    return check_citizen_id(text, birth_year=birth_year, gender=gender, today=today)


# ---------------------------------------------------------------------------------------------
# The province table


def test_province_table_is_the_63_codes_of_domain_md() -> None:
    assert len(PROVINCE_CODES) == 63
    assert list(PROVINCE_CODES) == EXPECTED_CODES.split()
    assert all(len(code) == 3 and code.isdigit() for code in PROVINCE_CODES)
    assert all(unicodedata.is_normalized("NFC", name) for name in PROVINCE_CODES.values())


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("001", "Hà Nội"),
        ("011", "Điện Biên"),
        ("017", "Hòa Bình"),
        ("038", "Thanh Hóa"),
        ("046", "Huế"),
        ("052", "Bình Định"),  # the pre-2025 name, not today's Gia Lai
        ("066", "Đắk Lắk"),
        ("077", "Bà Rịa - Vũng Tàu"),
        ("079", "TP HCM"),
        ("096", "Cà Mau"),
    ],
)
def test_province_names(code: str, name: str) -> None:
    assert PROVINCE_CODES[code] == name


def test_province_table_is_read_only() -> None:
    with pytest.raises(TypeError):
        PROVINCE_CODES["999"] = "x"  # type: ignore[index]


# ---------------------------------------------------------------------------------------------
# Decoding a valid number


def test_decodes_a_valid_number() -> None:
    info = check("011085000123", birth_year=1985, gender="male")
    assert info == CitizenIdInfo(
        number="011085000123",
        province_code="011",
        province_name="Điện Biên",
        century=1900,
        gender="male",
        birth_year=1985,
        warnings=(),
    )
    assert describe(info) == "Đăng ký khai sinh tại Điện Biên (011), nam, sinh năm 1985"


@pytest.mark.parametrize(
    ("digit", "century", "gender", "year"),
    [
        ("0", 1900, "male", 1907),
        ("1", 1900, "female", 1907),
        ("2", 2000, "male", 2007),
        ("3", 2000, "female", 2007),
        ("4", 2100, "male", 2107),
        ("5", 2100, "female", 2107),
        ("6", 2200, "male", 2207),
        ("7", 2200, "female", 2207),
        ("8", 2300, "male", 2307),
        ("9", 2300, "female", 2307),
    ],
)
def test_century_and_gender_digit(digit: str, century: int, gender: str, year: int) -> None:
    info = check(f"001{digit}07123456")
    assert (info.century, info.gender, info.birth_year) == (century, gender, year)


def test_female_born_2001_in_hanoi() -> None:
    info = check("001301987654", birth_year=2001, gender="female")
    assert info.warnings == ()
    assert describe(info) == "Đăng ký khai sinh tại Hà Nội (001), nữ, sinh năm 2001"


@pytest.mark.parametrize(
    "typed",
    [
        "011 085 000 123",
        "011.085.000.123",
        "011-085-000-123",
        "  011085000123  ",
        "0110 8500 0123",
        "011\u00a0085\t000123",  # no-break space and tab pasted from a spreadsheet
        "011 - 085 . 000123",
    ],
)
def test_grouping_characters_are_removed(typed: str) -> None:
    assert normalise_citizen_id(typed) == "011085000123"
    assert check(typed).number == "011085000123"


def test_leading_zeros_are_kept() -> None:
    info = check("001085000001")
    assert info.number == "001085000001"
    assert info.province_code == "001"


@given(st.from_regex(r"[0-9]{12}", fullmatch=True))
def test_any_12_digits_decode_without_error(number: str) -> None:
    info = check(number)
    assert info.number == number
    assert info.birth_year % 100 == int(number[4:6])
    assert info.century == info.birth_year - info.birth_year % 100
    assert (info.province_name is None) == (number[:3] not in PROVINCE_CODES)
    assert describe(info).startswith("Đăng ký khai sinh tại ")


# ---------------------------------------------------------------------------------------------
# Warnings


def test_warning_unknown_province_code() -> None:
    info = check("999085000123", birth_year=1985, gender="male")
    assert info.province_name is None
    assert len(info.warnings) == 1
    assert '"999"' in info.warnings[0]
    assert "63" in info.warnings[0]
    assert "nước ngoài" in info.warnings[0]
    assert describe(info) == (
        "Đăng ký khai sinh tại nơi có mã 999 (không thuộc 63 tỉnh, thành phố), nam, sinh năm 1985"
    )


@pytest.mark.parametrize("code", ["000", "003", "047", "050", "097", "100"])
def test_codes_outside_the_table_warn(code: str) -> None:
    assert check(f"{code}085000123").warnings


# DOMAIN.md §5.1: the year and the sex the number encodes must match the record: errors.


def test_error_birth_year_differs() -> None:
    info = check("011085000123", birth_year=1986)
    assert info.birth_year == 1985
    assert info.errors == ("Năm sinh theo số định danh là 1985, khác năm sinh đã ghi (1986).",)
    assert info.warnings == ()


def test_error_century_differs() -> None:
    # Same last two digits, wrong century digit: 2 means 2000s.
    info = check("011285000123", birth_year=1985, gender="male")
    assert info.birth_year == 2085
    assert len(info.errors) == 2
    assert "2085" in info.errors[0] and "2026" in info.errors[0]  # in the future
    assert "1985" in info.errors[1]


def test_error_birth_year_in_the_future() -> None:
    info = check("011227000123")  # 2027, one year after TODAY
    assert info.errors == ("Năm sinh theo số định danh (2027) ở sau năm hiện tại (2026).",)
    assert check("011226000123").errors == ()  # this year is fine
    assert check("011227000123", today=datetime.date(2027, 1, 1)).errors == ()


def test_today_defaults_to_the_clock() -> None:
    year = datetime.date.today().year
    assert check_citizen_id(f"0112{(year + 1) % 100:02d}000123").errors
    assert not check_citizen_id("011085000123").errors


def test_error_gender_differs() -> None:
    info = check("011085000123", birth_year=1985, gender="female")
    assert info.gender == "male"
    assert info.errors == ("Giới tính theo số định danh là nam (chữ số thứ 4 là 0), khác giới "
                           "tính đã ghi (nữ).",)
    info = check("011185000123", gender="male")
    assert info.errors == ("Giới tính theo số định danh là nữ (chữ số thứ 4 là 1), khác giới "
                           "tính đã ghi (nam).",)


def test_all_problems_together() -> None:
    info = check("999399000123", birth_year=1999, gender="male")
    assert info.birth_year == 2099
    assert len(info.warnings) == 1  # province: may be a country code, birth abroad
    assert len(info.errors) == 3  # future, year, gender


def test_gender_argument_must_be_male_or_female() -> None:
    with pytest.raises(ValueError, match="gender"):
        check("011085000123", gender="nam")


def test_info_is_frozen() -> None:
    info = check("011085000123")
    with pytest.raises(AttributeError):  # (an immutable NamedTuple)
        info.number = "x"  # type: ignore[misc]


# ---------------------------------------------------------------------------------------------
# Hard errors


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("01108500012", ["12 chữ số", "đang có 11"]),
        ("0110850001234", ["12 chữ số", "đang có 13"]),
        ("1", ["12 chữ số", "đang có 1"]),
        ("011 085 000 12", ["12 chữ số", "đang có 11"]),
        ("123456789", ["12 chữ số", "CMND"]),  # the old 9-digit ID card
        ("01108500012A", ["chỉ gồm chữ số"]),
        ("O11085000123", ["chỉ gồm chữ số"]),  # letter O for zero
        ("011085000l23", ["chỉ gồm chữ số"]),  # letter l for one
        ("011/085/000/123", ["chỉ gồm chữ số"]),
        ("٠١١٠٨٥٠٠٠١٢٣", ["chỉ gồm chữ số"]),  # Arabic-Indic digits are not stored
        ("+84 011085000123", ["chỉ gồm chữ số"]),
    ],
)
def test_refused(typed: str, words: list[str]) -> None:
    with pytest.raises(ValidationError) as info:
        check(typed)
    error = info.value
    assert error.field is None
    assert f'"{typed.strip()}"' in error.message  # quotes the value as typed
    for word in words:
        assert word in error.message


@pytest.mark.parametrize("typed", ["", "   ", " . - "])
def test_refused_empty(typed: str) -> None:
    with pytest.raises(ValidationError) as info:
        check(typed)
    assert "Chưa nhập số định danh" in info.value.message


@given(digits=st.text(alphabet="0123456789", min_size=12, max_size=12),
       birth_year=st.none() | st.integers(1900, 2100),
       gender=st.sampled_from([None, "male", "female"]))
def test_a_number_as_stored_is_decoded_as_when_typed_with_separators(digits, birth_year, gender):
    # 12 ASCII digits skip the regular expressions (an import checks every person's): the
    # same decoding, warnings and errors as the same number typed grouped.
    assert check(digits, birth_year=birth_year, gender=gender) == check(
        f" {digits[:3]} {digits[3:6]}.{digits[6:]} ", birth_year=birth_year, gender=gender)


@pytest.mark.parametrize("text", ["٠١١٠٨٥٠٠٠١٢٣", "０１１０８５０００１２３"])
def test_digits_of_another_script_are_refused_even_twelve_of_them(text):
    with pytest.raises(ValidationError, match="chỉ gồm chữ số"):
        check(text)
