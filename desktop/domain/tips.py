"""Rules of a tip from the public (nguồn tin, tố giác, tin báo về tội phạm; DOMAIN.md §4.5):
its pseudonymous source code, the transfer deadline of TTLT 01/2017, and the checks on a whole
tip record. No database here: storage/tips.py numbers and lists tips."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from desktop.domain import dates
from desktop.domain.errors import ValidationError
from desktop.i18n import _

# "NT-2026-0012": numbered per commune and year; the identity behind it lives in the vault.
# ASCII digits, as everywhere a value is checked ("\d" is any script's: «NT-٢٠٢٦-٠٠١٢»).
SOURCE_CODE = re.compile(r"NT-([0-9]{4})-([0-9]{4,6})")
PREFIX = "NT"

# TTLT 01/2017/TTLT-BCA-BQP-BTC-BNN&PTNT-VKSNDTC: the commune police transfer a tip to the
# investigating agency within 24 hours, 48 hours where the commune is remote or an island.
DEADLINE_HOURS = 24
REMOTE_DEADLINE_HOURS = 48


def format_source_code(year: int, number: int) -> str:
    return f"{PREFIX}-{year:04d}-{number:04d}"


def parse_source_code(text: str) -> tuple[int, int] | None:
    """(year, number) of a well-formed code, else None."""
    m = SOURCE_CODE.fullmatch(text.strip().upper())
    return (int(m[1]), int(m[2])) if m else None


def check_source_code(text: str) -> str:
    """A typed source code in its stored form, or ValidationError naming the field."""
    if parse_source_code(text) is None:
        raise ValidationError("source_code", _("«{v}» không phải mã nguồn tin (dạng "
                                               "NT-2026-0012)").format(v=text))
    return text.strip().upper()


def deadline_hours(remote: bool) -> int:
    return REMOTE_DEADLINE_HOURS if remote else DEADLINE_HOURS


def transfer_deadline(received_at: str, remote: bool) -> dt.datetime:
    """The latest moment the tip may be transferred (stored received_at, ISO)."""
    return dates.parse_datetime(received_at) + dt.timedelta(hours=deadline_hours(remote))


def is_overdue(record: Mapping[str, object], remote: bool, now: dt.datetime) -> bool:
    """Not transferred and past its deadline (a deleted tip is never overdue)."""
    received = record.get("received_at")
    if not received or record.get("transferred_at") or record.get("_deleted"):
        return False
    return transfer_deadline(str(received), remote) < now


def transferred_late(record: Mapping[str, object], remote: bool) -> bool:
    received, sent = record.get("received_at"), record.get("transferred_at")
    if not received or not sent:
        return False
    return dates.parse_datetime(str(sent)) > transfer_deadline(str(received), remote)


def check_tip(r: Mapping[str, object]) -> list[str]:
    """Rules on a whole tip: errors raise naming the field, warnings return."""
    received, sent = r.get("received_at"), r.get("transferred_at")
    # Stored moments are "yyyy-mm-ddTHH:MM": as text they compare as moments do.
    if received and sent and str(sent) < str(received):
        raise ValidationError("transferred_at", _(
            "{s} sớm hơn thời điểm tiếp nhận ({r})").format(s=_shown(sent), r=_shown(received)))
    if r.get("transferred_to") and not sent:
        raise ValidationError("transferred_at", _("cần thời điểm chuyển khi đã ghi cơ quan "
                                                  "nhận"))
    if r.get("case_solved") and not r.get("valuable"):
        raise ValidationError("case_solved", _("vụ việc được khám phá nhờ nguồn tin thì tin "
                                               "phải được đánh dấu «Tin có giá trị»"))
    for name in ("arrested", "weapons"):
        v = r.get(name)
        if isinstance(v, int) and v < 0:
            raise ValidationError(name, _("không được âm"))
    if (r.get("case_serious") or r.get("arrested") or r.get("case_reference")) \
            and not r.get("case_solved"):
        raise ValidationError("case_solved", _("kết quả khám phá (vụ nghiêm trọng, số đối "
                                               "tượng bắt giữ, số hồ sơ vụ án) cần đánh dấu "
                                               "«Đã khám phá vụ việc»"))
    warnings: list[str] = []
    if sent and not r.get("transferred_to"):
        warnings.append(_("transferred_to: chưa ghi cơ quan nhận chuyển giao"))
    return warnings


def _shown(stored: object) -> str:
    return dates.format_datetime(dates.parse_datetime(str(stored)))
