"""The 12-digit personal identification number (số định danh cá nhân, printed on the CCCD card).

The number encodes where the birth was registered, the century and sex, and the birth year
(DOMAIN.md §5.1). There is no check digit, so a number that passes these checks may still not
exist; only the national population database can say. A wrong length or a letter is always a
typo and is refused. DOMAIN.md §5.1 says the birth year and the sex the number encodes *must*
match the record, and the year must not lie in the future: when they disagree the number, the
birth date or the gender is mistyped, and the record cannot be saved so (:attr:`errors`). Only
a province code outside the table is a warning: the birth may have been registered abroad,
under a country code (:attr:`warnings`).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

from desktop.domain.errors import ValidationError
from desktop.i18n import _

__all__ = [
    "PROVINCE_CODES",
    "CitizenIdInfo",
    "check_citizen_id",
    "describe",
    "mask_citizen_id",
    "normalise_citizen_id",
]

PROVINCE_CODES: Mapping[str, str] = MappingProxyType(
    {
        "001": "Hà Nội",
        "002": "Hà Giang",
        "004": "Cao Bằng",
        "006": "Bắc Kạn",
        "008": "Tuyên Quang",
        "010": "Lào Cai",
        "011": "Điện Biên",
        "012": "Lai Châu",
        "014": "Sơn La",
        "015": "Yên Bái",
        "017": "Hòa Bình",
        "019": "Thái Nguyên",
        "020": "Lạng Sơn",
        "022": "Quảng Ninh",
        "024": "Bắc Giang",
        "025": "Phú Thọ",
        "026": "Vĩnh Phúc",
        "027": "Bắc Ninh",
        "030": "Hải Dương",
        "031": "Hải Phòng",
        "033": "Hưng Yên",
        "034": "Thái Bình",
        "035": "Hà Nam",
        "036": "Nam Định",
        "037": "Ninh Bình",
        "038": "Thanh Hóa",
        "040": "Nghệ An",
        "042": "Hà Tĩnh",
        "044": "Quảng Bình",
        "045": "Quảng Trị",
        "046": "Huế",
        "048": "Đà Nẵng",
        "049": "Quảng Nam",
        "051": "Quảng Ngãi",
        "052": "Bình Định",
        "054": "Phú Yên",
        "056": "Khánh Hòa",
        "058": "Ninh Thuận",
        "060": "Bình Thuận",
        "062": "Kon Tum",
        "064": "Gia Lai",
        "066": "Đắk Lắk",
        "067": "Đắk Nông",
        "068": "Lâm Đồng",
        "070": "Bình Phước",
        "072": "Tây Ninh",
        "074": "Bình Dương",
        "075": "Đồng Nai",
        "077": "Bà Rịa - Vũng Tàu",
        "079": "TP HCM",
        "080": "Long An",
        "082": "Tiền Giang",
        "083": "Bến Tre",
        "084": "Trà Vinh",
        "086": "Vĩnh Long",
        "087": "Đồng Tháp",
        "089": "An Giang",
        "091": "Kiên Giang",
        "092": "Cần Thơ",
        "093": "Hậu Giang",
        "094": "Sóc Trăng",
        "095": "Bạc Liêu",
        "096": "Cà Mau",
    }
)
"""The 63 pre-2025 province codes (Thông tư 07/2016/TT-BCA) and their names at that time.

A code's name depends on the date (052 meant Bình Định and now means Gia Lai); numbers never
change, so the place of birth registration is read with this old table. The 34 post-2025
province codes are a subset of these codes.
"""

_MALE = "male"
_FEMALE = "female"
_GENDERS = (_MALE, _FEMALE)
_SEPARATORS = re.compile(r"[\s.\-]+")
_DIGITS = re.compile(r"[0-9]+")
_LENGTH = 12
_OLD_CMND_LENGTH = 9


class CitizenIdInfo(NamedTuple):
    """What a well-formed number says about its holder, and what is wrong about it: ``errors``
    (it disagrees with the recorded birth year or gender, or lies in the future) refuse the
    record, ``warnings`` (an unknown province code) do not."""

    number: str
    province_code: str
    province_name: str | None
    century: int
    gender: str
    birth_year: int
    warnings: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()


def normalise_citizen_id(text: str) -> str:
    """Remove the spaces, dots and hyphens people type to group digits ("011 085.000-123").

    The result is what is stored (as TEXT: leading zeros matter); it is only digits when the
    input was a number, which :func:`check_citizen_id` verifies.
    """
    return _SEPARATORS.sub("", text)


def check_citizen_id(
    text: str,
    *,
    birth_year: int | None = None,
    gender: str | None = None,
    today: datetime.date | None = None,
) -> CitizenIdInfo:
    """Decode a number and compare it with the recorded birth year and gender ("male"/"female").

    Raises :class:`ValidationError` unless the value is exactly 12 digits once grouping
    characters are removed. A decoded birth year that differs from ``birth_year`` or lies after
    ``today``'s year, and a decoded gender that differs from ``gender``, are returned in
    ``errors`` (the caller refuses the record); a province code outside the 63-code table in
    ``warnings``.
    """
    if gender is not None and gender not in _GENDERS:
        raise ValueError(f"gender must be 'male', 'female' or None, not {gender!r}")
    # (A number already as stored, 12 ASCII digits, skips the regular expressions: an
    # import checks every person's, about 7 µs each before.)
    if len(text) == _LENGTH and text.isascii() and text.isdigit():
        return _decoded(text, birth_year, gender, today)
    shown = text.strip()
    number = normalise_citizen_id(text)
    if not number:
        message = _("Chưa nhập số định danh cá nhân (12 chữ số)")
        raise ValidationError(None, message)
    if _DIGITS.fullmatch(number) is None:
        message = _('"{value}": số định danh cá nhân chỉ gồm chữ số (12 chữ số)')
        raise ValidationError(None, message.format(value=shown))
    if len(number) == _OLD_CMND_LENGTH:
        message = _(
            '"{value}": số định danh cá nhân phải có đúng 12 chữ số, đang có 9; '
            "số 9 chữ số là số CMND cũ, hãy ghi vào mục CMND cũ"
        )
        raise ValidationError(None, message.format(value=shown))
    if len(number) != _LENGTH:
        message = _('"{value}": số định danh cá nhân phải có đúng 12 chữ số, đang có {count}')
        raise ValidationError(None, message.format(value=shown, count=len(number)))
    return _decoded(number, birth_year, gender, today)


def _decoded(number: str, birth_year: int | None, gender: str | None,
             today: datetime.date | None) -> CitizenIdInfo:
    """What the 12 digits of ``number`` say, against the recorded year and gender."""
    province_code = number[:3]
    province_name = PROVINCE_CODES.get(province_code)
    code = int(number[3])
    century = 1900 + 100 * (code // 2)
    decoded_gender = _MALE if code % 2 == 0 else _FEMALE
    decoded_year = century + int(number[4:6])
    current_year = (today or datetime.date.today()).year

    warnings: list[str] = []
    errors: list[str] = []
    if province_name is None:
        message = _(
            'Mã "{code}" (3 chữ số đầu) không thuộc 63 mã tỉnh, thành phố; có thể là mã quốc gia '
            "nếu khai sinh được đăng ký ở nước ngoài."
        )
        warnings.append(message.format(code=province_code))
    if decoded_year > current_year:
        message = _("Năm sinh theo số định danh ({decoded}) ở sau năm hiện tại ({current}).")
        errors.append(message.format(decoded=decoded_year, current=current_year))
    if birth_year is not None and birth_year != decoded_year:
        message = _("Năm sinh theo số định danh là {decoded}, khác năm sinh đã ghi ({recorded}).")
        errors.append(message.format(decoded=decoded_year, recorded=birth_year))
    if gender is not None and gender != decoded_gender:
        message = _("Giới tính theo số định danh là {decoded} (chữ số thứ 4 là {digit}), khác "
                    "giới tính đã ghi ({recorded}).")
        errors.append(message.format(decoded=_gender_word(decoded_gender), digit=code,
                                     recorded=_gender_word(gender)))
    return CitizenIdInfo(
        number=number,
        province_code=province_code,
        province_name=province_name,
        century=century,
        gender=decoded_gender,
        birth_year=decoded_year,
        warnings=tuple(warnings),
        errors=tuple(errors),
    )


def _gender_word(gender: str) -> str:
    return _("nam") if gender == _MALE else _("nữ")


def describe(info: CitizenIdInfo) -> str:
    """One short sentence for the UI and the CLI.

    Example: "Đăng ký khai sinh tại Điện Biên (011), nam, sinh năm 1985". The place is the
    pre-2025 province of the code (see :data:`PROVINCE_CODES`).
    """
    if info.province_name is None:
        place = _("nơi có mã {code} (không thuộc 63 tỉnh, thành phố)").format(
            code=info.province_code
        )
    else:
        place = f"{info.province_name} ({info.province_code})"
    message = _("Đăng ký khai sinh tại {place}, {gender}, sinh năm {year}")
    return message.format(place=place, gender=_gender_word(info.gender), year=info.birth_year)


def mask_citizen_id(number: str) -> str:
    """"011085002345" → "011*****2345" (DOMAIN.md §6, the print mask): the province of birth
    and the last four digits tell two people apart without showing the whole number."""
    s = number.strip()
    if len(s) <= 7:
        return "*" * len(s)
    return s[:3] + "*" * (len(s) - 7) + s[-4:]
