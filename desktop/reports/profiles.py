"""Print and export profiles, and the classification mark (issue 11; DOMAIN.md §4.6.6–7).

One definition for every output: the roster PDF, the roster and record exports (.xlsx, .csv)
all pass their rows through :func:`redact` and their columns through :func:`keeps`, so the
three formats cannot drift apart.

* *Nội bộ* (internal): everything.
* *Niêm yết công khai* (public posting): no identity numbers (CCCD, old CMND), no ethnicity, no
  religion (every field the kinds mark ``sensitive``), phone numbers masked to the first two
  and last two digits ("09******78"), birth dates cut to the year.

A document holding at least one record classified *Mật* carries the «MẬT» mark (on every page
of a PDF, in a header line of a spreadsheet) and is never made as a public copy.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from enum import Enum

from desktop.domain import text
from desktop.domain.errors import UserError
from desktop.domain.kinds import KINDS, FieldType
from desktop.i18n import _
from desktop.storage import dbapi


class Profile(Enum):
    INTERNAL = "noi-bo"
    PUBLIC = "cong-khai"

    @property
    def label(self) -> str:
        return _("Nội bộ") if self is Profile.INTERNAL else _("Niêm yết công khai")

    @property
    def description(self) -> str:
        if self is Profile.INTERNAL:
            return _("Đầy đủ mọi thông tin, để lưu và dùng trong cơ quan.")
        return _("Để dán công khai: không có số định danh, dân tộc, tôn giáo; số điện thoại "
                 "che bớt (09******78); ngày sinh chỉ ghi năm.")


# What the public copy leaves out: every sensitive field of every kind (CCCD, CMND, ethnicity,
# religion), so a sensitive field added later is withheld without touching this module.
WITHHELD: frozenset[str] = frozenset(
    f.name for kind in KINDS.values() for f in kind.fields if f.sensitive)
MASKED_PHONES: frozenset[str] = frozenset(
    f.name for kind in KINDS.values() for f in kind.fields if f.type is FieldType.PHONE)
YEAR_ONLY: frozenset[str] = frozenset({"birth_date"})

_NAMES = {  # folded spellings → profile; "public" / "internal" for scripts written in English
    "noi-bo": Profile.INTERNAL, "noi bo": Profile.INTERNAL, "noibo": Profile.INTERNAL,
    "internal": Profile.INTERNAL,
    "cong-khai": Profile.PUBLIC, "cong khai": Profile.PUBLIC, "congkhai": Profile.PUBLIC,
    "niem-yet": Profile.PUBLIC, "niem yet cong khai": Profile.PUBLIC, "public": Profile.PUBLIC,
}


def parse(value: str | Profile) -> Profile:
    """"noi-bo", "nội-bộ", "Nội bộ" → INTERNAL; "cong-khai", "công-khai" → PUBLIC."""
    if isinstance(value, Profile):
        return value
    key = text.fold(text.clean_text(value)).strip()
    found = _NAMES.get(key) or _NAMES.get(key.replace("_", "-"))
    if found is None:
        raise UserError(_("«{v}» không phải hồ sơ in; chọn noi-bo (nội bộ) hoặc cong-khai "
                          "(niêm yết công khai)").format(v=value))
    return found


def keeps(profile: Profile, name: str) -> bool:
    """Whether a column (a field name) appears in this profile's copy at all."""
    return profile is Profile.INTERNAL or name not in WITHHELD


def shown(profile: Profile, name: str, value: str) -> str:
    """A kept column's shown value as this profile prints it."""
    if profile is Profile.INTERNAL or not value:
        return value
    if name in MASKED_PHONES:
        return mask_phone(value)
    if name in YEAR_ONLY:
        return birth_year(value)
    return value


def redact(profile: Profile, row: Mapping[str, str]) -> dict[str, str]:
    """The one function every output applies: a row of shown values, keyed by field name,
    without the withheld columns and with the others as the profile shows them."""
    return {k: shown(profile, k, v) for k, v in row.items() if keeps(profile, k)}


def columns(profile: Profile, names: Iterable[str]) -> list[str]:
    return [n for n in names if keeps(profile, n)]


def mask_phone(value: str) -> str:
    """"0912345678" → "09******78": enough to recognise one's own number, not to call it."""
    s = value.strip()
    if len(s) <= 4:
        return "*" * len(s)
    return s[:2] + re.sub(r"[0-9]", "*", s[2:-2]) + s[-2:]


def birth_year(value: str) -> str:
    """"05/03/1985", "03/1985", "1985" → "1985"."""
    found = re.search(r"(\d{4})\s*$", value)
    return found.group(1) if found else ""


# ---------------------------------------------------------------------------------------------
# Classification (độ mật)

CLASSIFIED = "mat"
# The kinds that carry a classification (kinds.CLASSIFICATION), by kind and table name alike.
CLASSIFIABLE: frozenset[str] = frozenset(
    k.name for k in KINDS.values() if "classification" in k.by_name)


def mark() -> str:
    """The mark printed on a document that holds a Mật record."""
    return _("MẬT")


def any_classified(conn: dbapi.Connection, table: str, ids: Iterable[str]) -> bool:
    """Whether one of these records of ``table`` (person, organization, meeting) is Mật."""
    if table not in CLASSIFIABLE:
        raise ValueError(table)
    wanted = [i for i in ids if i]
    if not wanted:
        return False
    # One JSON parameter, however many ids (a province's roster lists 100,000 people).
    row = conn.execute(f"SELECT 1 FROM {table} WHERE classification = ? AND id IN "
                       "(SELECT value FROM json_each(?)) LIMIT 1",
                       (CLASSIFIED, json.dumps(wanted))).fetchone()
    return row is not None


def check_public(profile: Profile, classified: bool) -> None:
    """A Mật record is never posted publicly: refuse the public copy of such a document
    (Luật Bảo vệ bí mật nhà nước 2018, Điều 5: disclosing state secrets is forbidden)."""
    if profile is Profile.PUBLIC and classified:
        raise UserError(_("Có bản ghi độ mật «Mật»: không làm bản niêm yết công khai; dùng "
                          "bản nội bộ (có dấu «MẬT») hoặc đổi độ mật của bản ghi"))
