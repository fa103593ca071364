"""Rules of the movement's results (issue 13): citizen cameras, establishments and their yearly
"An toàn về an ninh, trật tự" evaluation (Thông tư 124/2021/TT-BCA, DOMAIN.md §1.4), and crime
figures per unit and period (DOMAIN.md §6). No database here: storage/results.py checks what
needs other records (uniqueness, a quarter against its months, the criteria catalogue)."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Mapping

from desktop.domain.errors import ValidationError
from desktop.i18n import _

# -- cameras ----------------------------------------------------------------------------------

MAX_CAMERAS = 500  # one system: a household or an organization, not a city
MAX_RETENTION_DAYS = 3650
# ASCII digits only ("\d" and float() take any script's): the text is stored as typed.
_COORDS = re.compile(r"(-?[0-9]{1,2}(?:[.,][0-9]+)?)\s*[;, ]\s*(-?[0-9]{1,3}(?:[.,][0-9]+)?)")


def _non_negative(r: Mapping[str, object], names: tuple[str, ...]) -> None:
    for name in names:
        v = r.get(name)
        if isinstance(v, int) and v < 0:
            raise ValidationError(name, _("không được âm"))


def check_camera(r: Mapping[str, object]) -> list[str]:
    if not (r.get("owner_name") or r.get("owner_person_id") or r.get("owner_organization_id")):
        raise ValidationError("owner_name", _("cần chủ sở hữu: tên, chủ hộ (owner_person_id) "
                                              "hoặc tổ chức (owner_organization_id)"))
    count = r.get("camera_count")
    if isinstance(count, int) and not 1 <= count <= MAX_CAMERAS:
        raise ValidationError("camera_count", _("phải từ 1 đến {n}").format(n=MAX_CAMERAS))
    days = r.get("retention_days")
    if isinstance(days, int) and not 0 <= days <= MAX_RETENTION_DAYS:
        raise ValidationError("retention_days", _("phải từ 0 đến {n} ngày").format(
            n=MAX_RETENTION_DAYS))
    _non_negative(r, ("helped_tips", "helped_cases"))
    coords = r.get("coordinates")
    if coords and parse_coordinates(str(coords)) is None:
        raise ValidationError("coordinates", _("«{v}» không phải tọa độ (vĩ độ, kinh độ), ví "
                                               "dụ 21.3856, 103.0169").format(v=coords))
    warnings = []
    if r.get("connected") and not r.get("consent"):
        warnings.append(_("Camera kết nối với Công an xã nhưng chưa ghi sự đồng ý trích xuất "
                          "hình ảnh của chủ sở hữu"))
    return warnings


def parse_coordinates(text: str) -> tuple[float, float] | None:
    m = _COORDS.fullmatch(text.strip())
    if m is None:
        return None
    lat, lon = (float(g.replace(",", ".")) for g in m.groups())
    return (lat, lon) if -90 <= lat <= 90 and -180 <= lon <= 180 else None


# -- establishments and the An toàn evaluation ---------------------------------------------

# Which exemption of TT 124 Điều 2 fits which kind of establishment.
EXEMPTION_FITS = {"armed_forces": "agency", "small_enterprise": "enterprise",
                  "primary_school": "school", "kindergarten": "school"}


def check_establishment(r: Mapping[str, object]) -> list[str]:
    reason, kind = r.get("exemption"), r.get("establishment_type")
    if reason and kind and EXEMPTION_FITS.get(str(reason)) != kind:
        raise ValidationError("exemption", _("lý do miễn này không áp dụng cho loại «{k}»").format(
            k=_type_label(str(kind))))
    return []


def _type_label(kind: str) -> str:
    from desktop.domain.kinds import SAFETY_SUBJECTS

    return dict(SAFETY_SUBJECTS).get(kind, kind)


def exemption_message(reason: str) -> str:
    """Why an establishment is not evaluated (TT 124/2021 Điều 2)."""
    from desktop.domain.kinds import EXEMPTIONS

    return _("không thuộc diện đánh giá «An toàn về an ninh, trật tự» (Thông tư 124/2021/TT-BCA"
             " Điều 2: {r})").format(r=dict(EXEMPTIONS).get(reason, reason).lower())


def safety_window(subject_kind: str, year: int) -> tuple[dt.date, dt.date]:
    """The evaluation year's window (TT 124 Điều 8 k2): 01/11 of the year before to 31/10
    for a khu dân cư, 16/11 to 15/11 for the others."""
    if subject_kind == "residential":
        return dt.date(year - 1, 11, 1), dt.date(year, 10, 31)
    return dt.date(year - 1, 11, 16), dt.date(year, 11, 15)


MIN_YEAR = 2022  # TT 124/2021 took effect on 10/02/2022


def check_safety_evaluation(r: Mapping[str, object]) -> list[str]:
    kind, year = r.get("subject_kind"), r.get("year")
    if isinstance(year, int) and not MIN_YEAR <= year <= 2100:
        raise ValidationError("year", _("phải từ {y} (Thông tư 124/2021/TT-BCA có hiệu lực "
                                        "10/02/2022)").format(y=MIN_YEAR))
    establishment = r.get("establishment_id")
    if kind in ("agency", "enterprise", "school") and not establishment:
        raise ValidationError("establishment_id", _("cần cơ quan, doanh nghiệp, nhà trường "
                                                    "được đánh giá"))
    if kind in ("residential", "commune") and establishment:
        raise ValidationError("establishment_id", _("chỉ ghi với cơ quan, doanh nghiệp, cơ sở "
                                                    "giáo dục"))
    pct = r.get("households_percent")
    if isinstance(pct, int) and not 0 <= pct <= 100:
        raise ValidationError("households_percent", _("tỷ lệ phải từ 0 đến 100%"))
    if pct is not None and kind != "residential":
        raise ValidationError("households_percent", _("chỉ ghi với khu dân cư"))
    if kind and isinstance(year, int):
        start, end = safety_window(str(kind), year)
        registered = r.get("registered_date")
        if registered and not start.isoformat() <= str(registered) <= end.isoformat():
            raise ValidationError("registered_date", _(
                "ngoài kỳ đánh giá năm {y} (từ {s} đến {e})").format(
                y=year, s=start.strftime("%d/%m/%Y"), e=end.strftime("%d/%m/%Y")))
        decided = r.get("decision_date")
        if decided and str(decided) < start.isoformat():
            raise ValidationError("decision_date", _(
                "trước kỳ đánh giá năm {y} (bắt đầu {s})").format(
                y=year, s=start.strftime("%d/%m/%Y")))
    if r.get("registered_date") and r.get("registered") == 0:
        raise ValidationError("registered", _("có ngày đăng ký thì cần đánh dấu «Đăng ký»"))
    result = r.get("result")
    if result == "passed" and r.get("registered") == 0:
        raise ValidationError("result", _("«Đạt» cần đăng ký xây dựng đạt tiêu chuẩn từ đầu "
                                          "kỳ"))
    if result == "passed" and kind == "residential" and isinstance(pct, int) and pct < 100:
        raise ValidationError("result", _("khu dân cư «Đạt» cần 100% hộ gia đình đăng ký "
                                          "(đang ghi {p}%)").format(p=pct))
    if (r.get("decision_number") or r.get("decision_date")) and result != "passed":
        raise ValidationError("decision_number", _("quyết định công nhận chỉ có khi kết quả "
                                                   "«Đạt»"))
    return []


def criteria_codes(value: object) -> list[str]:
    """The criteria codes typed in criteria_met ("a; b; c"), without duplicates."""
    out: list[str] = []
    for part in re.split(r"[;\n]", str(value or "")):
        code = part.strip()
        if code and code not in out:
            out.append(code)
    return out


# -- crime figures and their periods ------------------------------------------------------

_PERIOD = re.compile(r"(?:(?P<k>K)(?P<ky>[0-9]{4})-(?P<km>[0-9]{1,2})|PT(?P<py>[0-9]{4})|"
                     r"(?P<y>[0-9]{4})(?:-(?:Q(?P<q>[1-4])|H(?P<h>[12])|(?P<m>[0-9]{1,2})))?)")

STAT_FIELDS = ("social_cases", "social_serious", "social_solved", "social_offenders",
               "drug_cases", "drug_offenders", "drug_users", "gambling_cases",
               "gambling_offenders", "admin_cases", "admin_people")


def parse_stat_period(spec: str) -> tuple[str, dt.date, dt.date]:
    """(the spec in its stored form, first day, last day) of a figures period: "2025",
    "2025-Q1", "2025-01", "2025-H1", "K2025-01" (the 15→14 month: 15/12/2024-14/01/2025)
    or "PT2025" (the movement year: 15/11/2024-14/11/2025)."""
    s = spec.strip().upper()
    m = _PERIOD.fullmatch(s)
    if m is None:
        raise ValidationError("period", _("«{p}» không phải kỳ số liệu (ví dụ: 2025, 2025-Q1, "
                                          "2025-01, 2025-H1, K2025-01, PT2025)").format(p=spec))
    if m["k"]:
        y, mo = int(m["ky"]), int(m["km"])
        _month_ok(spec, mo)
        start = dt.date(y - 1, 12, 15) if mo == 1 else dt.date(y, mo - 1, 15)
        return f"K{y}-{mo:02d}", start, dt.date(y, mo, 14)
    if m["py"]:
        y = int(m["py"])
        return f"PT{y}", dt.date(y - 1, 11, 15), dt.date(y, 11, 14)
    y = int(m["y"])
    if m["q"]:
        q = int(m["q"])
        last = 3 * q
        return f"{y}-Q{q}", dt.date(y, last - 2, 1), _month_end(y, last)
    if m["h"]:
        h = int(m["h"])
        return f"{y}-H{h}", dt.date(y, 1 if h == 1 else 7, 1), _month_end(y, 6 if h == 1 else 12)
    if m["m"]:
        mo = int(m["m"])
        _month_ok(spec, mo)
        return f"{y}-{mo:02d}", dt.date(y, mo, 1), _month_end(y, mo)
    return str(y), dt.date(y, 1, 1), dt.date(y, 12, 31)


_ROMAN = ("I", "II", "III", "IV")


def stat_period_label(spec: str) -> str:
    """A figures period as the officer reads it, not as stored: «tháng 10/2026»,
    «quý IV/2026», «6 tháng đầu năm 2026», «năm 2026», «tháng 1/2026 (15/12/2025 – 14/01/2026)»
    for the 15→14 month, «năm phong trào 2026 (15/11/2025 – 14/11/2026)»; a spec this
    version does not know (written by a newer one) as it is stored."""
    m = _PERIOD.fullmatch(spec.strip().upper())
    if m is None:
        return spec
    if m["k"] or m["py"]:
        try:
            _stored, start, end = parse_stat_period(spec)
        except ValidationError:
            return spec
        span = f"{start:%d/%m/%Y} – {end:%d/%m/%Y}"
        if m["k"]:
            return _("tháng {m}/{y} ({span})").format(m=int(m["km"]), y=m["ky"], span=span)
        return _("năm phong trào {y} ({span})").format(y=m["py"], span=span)
    y = m["y"]
    if m["q"]:
        return _("quý {q}/{y}").format(q=_ROMAN[int(m["q"]) - 1], y=y)
    if m["h"]:
        return (_("6 tháng đầu năm {y}") if m["h"] == "1" else _("6 tháng cuối năm {y}")).format(
            y=y)
    if m["m"]:
        month = int(m["m"])
        return _("tháng {m}/{y}").format(m=month, y=y) if 1 <= month <= 12 else spec
    return _("năm {y}").format(y=y)


def _month_ok(spec: str, month: int) -> None:
    if not 1 <= month <= 12:
        raise ValidationError("period", _("«{p}»: tháng phải từ 1 đến 12").format(p=spec))


def _month_end(y: int, m: int) -> dt.date:
    return dt.date(y, m, calendar.monthrange(y, m)[1])


def quarter_months(period: str) -> list[str] | None:
    """The three month specs of a quarter spec ("2025-Q1" → 2025-01..03), else None."""
    m = re.fullmatch(r"([0-9]{4})-Q([1-4])", period)
    if m is None:
        return None
    y, q = m[1], int(m[2])
    return [f"{y}-{3 * (q - 1) + i:02d}" for i in (1, 2, 3)]


def quarter_of(period: str) -> str | None:
    m = re.fullmatch(r"([0-9]{4})-([0-9]{2})", period)
    return f"{m[1]}-Q{(int(m[2]) - 1) // 3 + 1}" if m else None


def check_crime_stat(r: Mapping[str, object]) -> list[str]:
    _non_negative(r, STAT_FIELDS)

    def more(part: str, whole: str) -> bool:
        a, b = r.get(part), r.get(whole)
        return isinstance(a, int) and isinstance(b, int) and a > b

    if more("social_serious", "social_cases"):
        raise ValidationError("social_serious", _("không được lớn hơn số vụ tội phạm về TTXH"))
    if isinstance(r.get("social_serious"), int) and r.get("social_serious") \
            and r.get("social_cases") is None:
        raise ValidationError("social_cases", _("cần số vụ tội phạm về TTXH khi có số vụ rất "
                                                "nghiêm trọng"))
    warnings = []
    if more("social_solved", "social_cases"):
        warnings.append(_("Số vụ khám phá lớn hơn số vụ xảy ra trong kỳ (có vụ của kỳ trước?)"))
    if more("drug_cases", "drug_offenders"):
        warnings.append(_("Ma túy: số vụ lớn hơn số đối tượng"))
    return warnings
