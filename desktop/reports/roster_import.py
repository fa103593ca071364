"""Importing an officer's existing roster (.xlsx or .csv) into an organization.

:func:`preview_roster` finds the header row, maps the Vietnamese headings to fields (the caller
may override the mapping), cleans every row and lists each row's problems with its row number;
nothing is written. :func:`import_roster` then writes either everything (refused if any row has
an error) or only the valid rows, in one transaction through ``Store.add_many``. A person who is
already in the database (same citizen ID and name, or same name and birth date) is reused, and
one who is already a member is skipped, so importing the same file twice creates no duplicates.

Real commune sheets carry more than a table: title rows, a header over two rows with merged
cells, a numbering row "(1) (2) … (8)" under it, group headings ("I. Bản Nà Pen"), and a
footer (the place and date, "Người lập biểu", signatures). All of these are recognised and left
out. The date members joined is read from its column, or asked once for the whole file (default
today), so the movement's figures count them. The rules of the organization's type (Luật
30/2023 for a Tổ bảo vệ ANTT: from 18 years, one Tổ trưởng, living in the thôn) are checked
row by row as the write path checks them. The officer may correct a cell in the preview
(``edits``) without touching the file. :func:`write_template` gives a blank sheet to fill in.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from desktop.domain import text
from desktop.domain.errors import UserError, ValidationError
from desktop.domain.kinds import MEMBERSHIP, PERSON
from desktop.domain.org_rules import check_member
from desktop.domain.validation import clean_field
from desktop.i18n import _
from desktop.reports.letterhead import bare_name, in_sentence
from desktop.reports.spreadsheet import read_table, unneutralise
from desktop.storage import catalogues, dbapi, printouts
from desktop.storage.writer import Store

IGNORE = ""
# Folded headings → field. "stt" is recognised (it marks the header row) and ignored.
HEADINGS: dict[str, str] = {}
for _field, _names in {
    "stt": ("stt", "tt", "so tt", "so thu tu"),
    "full_name": ("ho va ten", "ho ten", "ho, ten", "ho va ten thanh vien", "ten thanh vien"),
    "birth_date": ("ngay sinh", "ngay thang nam sinh", "ngay, thang, nam sinh", "nam sinh",
                   "sinh ngay"),
    "gender": ("gioi tinh", "gioi", "nam/nu", "nam, nu"),
    "ethnicity": ("dan toc",),
    "religion": ("ton giao",),
    "citizen_id": ("so cccd", "cccd", "so dinh danh", "so dinh danh ca nhan", "so cmnd/cccd",
                   "cmnd/cccd", "so can cuoc", "can cuoc cong dan", "so can cuoc cong dan",
                   "so the can cuoc", "so cccd/cmnd", "ma dinh danh"),
    "old_id_number": ("so cmnd", "cmnd", "chung minh nhan dan"),
    "village": ("thon/ban", "thon", "ban", "thon, ban", "thon ban", "to dan pho", "noi cu tru",
                "thon/ban/to dan pho", "thon, ban, to dan pho", "thon/to dan pho", "xom"),
    "address": ("dia chi", "dia chi thuong tru", "noi o", "cho o hien nay"),
    "role": ("chuc danh", "chuc vu", "chuc danh trong to", "chuc vu trong to"),
    "phone": ("so dien thoai", "dien thoai", "sdt", "so dt", "dt"),
    "education": ("trinh do hoc van", "trinh do van hoa", "hoc van", "trinh do"),
    "joined_date": ("ngay tham gia", "ngay vao to", "ngay cong nhan"),
    "decision_number": ("so quyet dinh", "quyet dinh cong nhan", "so qd", "quyet dinh"),
    "notes": ("ghi chu",),
}.items():
    for _n in _names:
        HEADINGS[_n] = _field
FIELDS = tuple(dict.fromkeys(HEADINGS.values())) + ("birth_male", "birth_female")
FIELD_LABELS = {
    "full_name": _("Họ và tên"), "birth_date": _("Ngày sinh"), "gender": _("Giới tính"),
    "ethnicity": _("Dân tộc"), "religion": _("Tôn giáo"), "citizen_id": _("Số định danh (CCCD)"),
    "old_id_number": _("Số CMND"), "village": _("Thôn/Bản"), "address": _("Địa chỉ"),
    "role": _("Chức danh"), "phone": _("Số điện thoại"), "education": _("Trình độ học vấn"),
    "joined_date": _("Ngày tham gia"), "decision_number": _("Số quyết định"),
    "notes": _("Ghi chú"), "birth_male": _("Năm sinh (Nam)"), "birth_female": _("Năm sinh (Nữ)"),
    "stt": _("STT"),
}
_VILLAGE_WORDS = ("to dan pho ", "thon ", "ban ", "xom ", "to ", "khoi ", "ap ", "doi ")
# The first words of a footer: who made the list, who approves it, the signatures, totals.
_END_WORDS = ("nguoi lap", "truong cong an", "chu tich", "xac nhan", "t/m", "tm.", "ky ten",
              "(ky", "ky, ghi ro", "ky va ghi ro", "tong cong", "tong so", "cong:",
              "truong thon", "truong ban", "pho truong cong an", "can bo lap", "noi nhan")
# The place and date above the signatures: "Mường Chà, ngày 05 tháng 12 năm 2026".
_DATE_LINE = re.compile(r"(^|, *)ngay\b.*\bthang\b.*\bnam\b")
# A numbering row under the header: "(1) (2) … (8)", "1 2 3 …", "A B 1 2".
_NUMBERING = re.compile(r"\(?([0-9]{1,2}|[a-z])\)?")


@dataclass
class RowResult:
    row: int  # row number in the sheet, as Excel shows it
    name: str
    status: str = "new"  # new | link (existing person) | skip (already a member) | error
    problems: list[str] = field(default_factory=list)  # errors: the row cannot be imported
    notes: list[str] = field(default_factory=list)  # information, the row is still imported
    person: dict[str, object] = field(default_factory=dict)
    membership: dict[str, object] = field(default_factory=dict)
    person_id: str | None = None  # the existing person, for link/skip
    cells: dict[str, str] = field(default_factory=dict)  # field → the cell as shown (edited)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class ImportPreview:
    path: Path
    organization_id: str
    header_row: int
    mapping: dict[int, str]  # column index (0-based) → field
    headings: list[str]
    rows: list[RowResult]
    joined_date: dt.date | None = None  # for the rows that give none
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (row, why) left out

    @property
    def errors(self) -> list[RowResult]:
        return [r for r in self.rows if r.problems]

    def counts(self) -> dict[str, int]:
        out = {"rows": len(self.rows), "new": 0, "link": 0, "skip": 0, "error": 0}
        for r in self.rows:
            out[r.status] += 1
        return out

    def messages(self) -> list[str]:
        """One line per problem or note: "Dòng 7: Ngày sinh: …"."""
        lines = []
        for r in self.rows:
            for p in r.problems:
                lines.append(_("Dòng {n}: {p}").format(n=r.row, p=p))
            for p in r.notes:
                lines.append(_("Dòng {n} (lưu ý): {p}").format(n=r.row, p=p))
        return lines

    def as_dict(self) -> dict[str, object]:
        return {"file": str(self.path), "organization_id": self.organization_id,
                "header_row": self.header_row,
                "mapping": {_column_letter(c): f for c, f in sorted(self.mapping.items())},
                "joined_date": self.joined_date.isoformat() if self.joined_date else None,
                "skipped": [{"row": n, "why": why} for n, why in self.skipped],
                "counts": self.counts(),
                "rows": [{"row": r.row, "name": r.name, "status": r.status,
                          "problems": r.problems, "notes": r.notes} for r in self.rows]}


@dataclass
class ImportResult:
    people_added: int
    memberships_added: int
    skipped: int
    refused: int

    def as_dict(self) -> dict[str, int]:
        return self.__dict__.copy()


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _heading_key(value: object) -> str:
    s = text.fold(str(value or ""))
    s = re.sub(r"\(.*?\)", " ", s)  # "Ngày sinh (dd/mm/yyyy)"
    s = re.sub(r"[^a-z0-9/,]+", " ", s)
    return " ".join(s.replace(" /", "/").replace("/ ", "/").split()).strip(" ,")


def field_for_heading(value: object) -> str | None:
    key = _heading_key(value)
    if not key:
        return None
    if key in HEADINGS:
        return HEADINGS[key]
    for name, f in sorted(HEADINGS.items(), key=lambda kv: -len(kv[0])):
        if len(name) > 3 and key.startswith(name + " "):
            return f
    return None


def _find_header(rows: list[list[object]]) -> tuple[int, dict[int, str]]:
    best: tuple[int, int, dict[int, str]] = (0, -1, {})
    for i, row in enumerate(rows[:40]):
        mapping: dict[int, str] = {}
        for c, value in enumerate(row):
            f = field_for_heading(value)
            if f and f not in mapping.values():
                mapping[c] = f
        score = len(mapping) + (3 if "full_name" in mapping.values() else 0)
        if score > best[0] and "full_name" in mapping.values():
            best = (score, i, mapping)
    if best[1] < 0:
        raise UserError(_("Không tìm thấy dòng tiêu đề có cột «Họ và tên» trong 40 dòng đầu "
                          "của tệp"))
    header, mapping = best[1], best[2]
    if header > 0:  # a heading over two rows: "Số định danh" above, nothing under it
        for c, value in enumerate(rows[header - 1]):
            f = field_for_heading(value)
            if f and c not in mapping and f not in mapping.values() and (
                    c >= len(rows[header]) or _cell_text(rows[header][c]) == ""):
                mapping[c] = f
    return header, mapping


def _split_birth_columns(rows: list[list[object]], header: int,
                         mapping: dict[int, str]) -> int:
    """Old forms put the birth date under "Nam" or "Nữ" sub-columns of "Năm sinh"."""
    if header + 1 >= len(rows):
        return header
    below = rows[header + 1]
    subs = {c: _heading_key(v) for c, v in enumerate(below) if v is not None}
    males = [c for c, k in subs.items() if k == "nam"]
    females = [c for c, k in subs.items() if k == "nu"]
    if not (males and females):
        return header
    birth_cols = [c for c, f in mapping.items() if f == "birth_date"]
    for c in birth_cols:
        del mapping[c]
    mapping[males[0]] = "birth_male"
    mapping[females[0]] = "birth_female"
    return header + 1


def _cell_text(value: object) -> str:
    if isinstance(value, str):
        return _string_text(value)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return text.clean_text(str(value))


@lru_cache(maxsize=1 << 16)
def _string_text(value: str) -> str:
    """A text cell cleaned, once per distinct text: a roster repeats its villages, genders and
    roles on every row, and each cell is read several times (header, group and footer tests)."""
    return text.clean_text(str(unneutralise(value)))


def _date_value(value: object) -> object:
    """Excel dates arrive as datetimes, serial numbers or text; years as numbers."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        n = int(value)
        if 1800 <= n <= 2200:
            return str(n)
        if 2200 < n < 100000:  # an Excel serial day number
            return dt.date(1899, 12, 30) + dt.timedelta(days=n)
    return _cell_text(value)


def _shown(value: object) -> str:
    """A cell as the officer reads it in the preview: dates dd/mm/yyyy, numbers whole."""
    value = _date_value(value) if isinstance(value, dt.date | dt.datetime) else value
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return _cell_text(value)


def _citizen_text(value: object) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(int(value)).zfill(12)  # Excel drops the leading 0 of every province code
    s = re.sub(r"[\s.'’-]", "", _cell_text(value))
    return s.zfill(12) if s.isdigit() and len(s) == 11 else s


class _Catalogue:
    def __init__(self, conn: dbapi.Connection, catalogue: str,
                 allowed: list[str] | None = None) -> None:
        self.names: dict[str, str] = {}
        self.labels: dict[str, str] = {}
        self.examples: list[str] = []
        for row in conn.execute("SELECT code, name, aliases FROM catalogue_item WHERE "
                                "catalogue = ? AND _deleted = 0 ORDER BY sort_order",
                                (catalogue,)):
            if allowed is not None and row["code"] not in allowed:
                continue
            self.examples.append(row["name"])
            self.labels[row["code"]] = row["name"]
            for n in (row["code"], row["name"], *(row["aliases"] or "").split(";")):
                if n.strip():
                    self.names.setdefault(text.fold(n.replace("_", " ")), row["code"])

    def code(self, value: str) -> str | None:
        return self.names.get(text.fold(value))

    def name_of(self, code: str) -> str:
        return self.labels.get(code, code)


def preview_roster(conn: dbapi.Connection, path: Path, organization_id: str, *,
                   mapping: Mapping[str | int, str] | None = None,
                   today: dt.date | None = None, joined_date: dt.date | None = None,
                   edits: Mapping[tuple[int, str], object] | None = None) -> ImportPreview:
    """Read and check the whole file; write nothing. ``joined_date`` (default ``today``) is
    the date members joined, for the rows that give none; ``edits`` maps (sheet row, field)
    to a value the officer typed in the preview in place of the cell's."""
    org = printouts.organization(conn, organization_id)
    rows = read_table(Path(path))
    header, found = _find_header(rows)
    header_end = _split_birth_columns(rows, header, found)
    headings = [_cell_text(v) for v in rows[header]]
    if mapping:
        found = _override(found, mapping, headings)
    today = today or dt.date.today()
    joined = joined_date or today
    ctx = _Context(conn, org, today, joined)
    results: list[RowResult] = []
    skipped: list[tuple[int, str]] = []
    header_row = [_cell_text(v) for v in rows[header]]
    for i in range(header_end + 1, len(rows)):
        row = rows[i]
        number = i + 1
        cells = {f: row[c] for c, f in found.items() if c < len(row)}
        for (n, f), value in (edits or {}).items():
            if n == number:
                cells[f] = value
        texts = [_cell_text(v) for v in row]
        filled = [t for t in texts if t]
        if not filled and not any(n == number for n, _f in (edits or {})):
            continue
        if _is_end(filled):
            skipped.append((number, _("chân trang (người lập, chữ ký): dừng đọc ở đây")))
            break
        if _is_numbering(filled):
            skipped.append((number, _("dòng đánh số cột")))
            continue
        if _repeats_header(texts, header_row):
            skipped.append((number, _("dòng tiêu đề (ô gộp)")))
            continue
        if all(_cell_text(cells.get(f)) == "" for f in found.values() if f != "stt"):
            skipped.append((number, _("dòng tiêu đề nhóm")))
            continue  # a title or group heading row (text in the STT column only)
        if len(set(filled)) == 1 and (len(filled) > 1 or _cell_text(
                cells.get("full_name")) == ""):
            skipped.append((number, _("dòng tiêu đề nhóm")))
            continue  # a group heading such as "I. Bản Nà Pen", merged across the row
        results.append(ctx.check(number, cells))
    ctx.match_existing(results)
    _rules_pass(ctx, results)
    return ImportPreview(Path(path), organization_id, header + 1, found, headings, results,
                         joined_date=joined, skipped=skipped)


def _is_end(filled: list[str]) -> bool:
    """A footer: who made the list and who signs it, a total, the place and date line."""
    if not filled:
        return False
    first = text.fold(filled[0])
    return first.startswith(_END_WORDS) or bool(_DATE_LINE.search(first)) and len(
        set(filled)) <= 2


def _is_numbering(filled: list[str]) -> bool:
    """The row under a header that numbers its columns: "(1)", "(2)", … or "1", "2", …"""
    if len(filled) < 3:
        return False
    marks = [_NUMBERING.fullmatch(text.fold(t)) for t in filled]
    if not all(marks):
        return False
    numbers = [int(m.group(1)) for m in marks if m and m.group(1).isdigit()]
    return len(numbers) >= 3 and numbers == sorted(numbers) and len(set(numbers)) == len(
        numbers)


def _repeats_header(texts: list[str], header: list[str]) -> bool:
    """The second row of a header merged over two rows: the merged cells repeat the header,
    the rest are sub-headings, and no name is in it."""
    same = sum(1 for c, t in enumerate(texts) if t and c < len(header) and t == header[c])
    return same >= 2 and same >= len([t for t in texts if t]) / 2


def _override(found: dict[int, str], mapping: Mapping[str | int, str],
              headings: list[str]) -> dict[int, str]:
    from openpyxl.utils import column_index_from_string

    out = dict(found)
    for key, f in mapping.items():
        if f and f not in FIELDS:
            raise UserError(_("Ánh xạ cột: không có trường «{f}» (có: {a})").format(
                f=f, a=", ".join(x for x in FIELDS if x != "stt")))
        if isinstance(key, int):
            col = key
        elif re.fullmatch(r"[A-Za-z]{1,3}", key.strip()) and key.strip().upper() not in (
                h.upper() for h in headings):
            col = column_index_from_string(key.strip().upper()) - 1
        else:
            matches = [c for c, h in enumerate(headings) if _heading_key(h) == _heading_key(key)]
            if not matches:
                raise UserError(_("Ánh xạ cột: không có cột «{k}» trong dòng tiêu đề").format(
                    k=key))
            col = matches[0]
        for c in [c for c, g in out.items() if g == f and f]:
            del out[c]
        if f:
            out[col] = f
        else:
            out.pop(col, None)
    if "full_name" not in out.values():
        raise UserError(_("Ánh xạ cột: cần một cột «Họ và tên» (full_name)"))
    return out


class _Context:
    def __init__(self, conn: dbapi.Connection, org: dict[str, object],
                 today: dt.date, joined: dt.date) -> None:
        self.conn = conn
        self.org = org
        self.today = today
        self.joined = joined
        chain = printouts.unit_chain(conn, str(org["unit_id"]))
        self.default_village = str(chain[0]["id"]) if chain[0]["level"] == "village" else None
        commune = next((u for u in chain if u["level"] == "commune"), None)
        self.commune_name = str(commune["name"]) if commune else ""
        self.villages: dict[str, str] = {}
        if commune:
            for v in printouts.villages_of(conn, str(commune["id"])):
                key = text.fold(str(v["name"]))
                self.villages[key] = str(v["id"])
                for w in _VILLAGE_WORDS:
                    if key.startswith(w):
                        self.villages.setdefault(key[len(w):], str(v["id"]))
        self.unit_names = {str(v["id"]): str(v["name"]) for v in (
            printouts.villages_of(conn, str(commune["id"])) if commune else [])}
        # A sheet made before a rename or a merge writes the old name: it means the village
        # that took over (storage/villages.py keeps the succession), said in the row's notes.
        self.renamed: dict[str, str] = {}  # old name, folded → the old name as written
        if commune:
            self._add_old_names(str(commune["id"]))
        self.area = self.default_village
        self.rules = catalogues.type_rules(conn, str(org["org_type"]))
        type_row = conn.execute("SELECT attrs FROM catalogue_item WHERE catalogue = 'org_type' "
                                "AND code = ?", (org["org_type"],)).fetchone()
        attrs = json.loads(type_row["attrs"]) if type_row and type_row["attrs"] else {}
        roles = attrs.get("roles")
        self.roles = _Catalogue(conn, "role", roles)
        self.default_role = roles[-1] if roles else "to_vien"
        self.ethnicities = _Catalogue(conn, "ethnicity")
        self.seen_ids: dict[str, int] = {}
        self.seen_names: dict[tuple[str, str], int] = {}

    def _add_old_names(self, commune_id: str) -> None:
        """The names of the commune's retired villages, each to its current successor (a
        chain of renames followed to its end); a current village's name always wins."""
        from desktop.storage import villages

        every = villages.villages(self.conn, commune_id, include_retired=True)
        successor = {v.id: v.successor_id for v in every if v.valid_to}
        for v in every:
            if not v.valid_to or not v.successor_id:
                continue
            now, seen = v.successor_id, {v.id}
            while now in successor and successor[now] and now not in seen:
                seen.add(now)
                now = successor[now]  # type: ignore[assignment]
            if now not in self.unit_names:  # ends in a retired village (no successor now)
                continue
            keys = [text.fold(v.name)]
            keys += [keys[0][len(w):] for w in _VILLAGE_WORDS if keys[0].startswith(w)]
            for key in keys:
                if key not in self.villages:
                    self.villages[key] = now
                    self.renamed[key] = v.name

    def _clean(self, r: RowResult, name: str, value: object, label: str) -> object:
        f = PERSON.by_name.get(name) or MEMBERSHIP.field(name)
        try:
            return clean_field(f, value, today=self.today)
        except ValidationError as e:
            r.problems.append(f"{label}: {e.message}")
            return None

    def check(self, number: int, cells: dict[str, object]) -> RowResult:
        name = _cell_text(cells.get("full_name"))
        r = RowResult(number, name, cells={f: _shown(v) for f, v in cells.items()})
        person: dict[str, object] = {}
        if not name:
            r.problems.append(_("thiếu họ và tên"))
        else:
            person["full_name"] = self._clean(r, "full_name", name, FIELD_LABELS["full_name"])
        birth: object = None
        if "birth_male" in cells or "birth_female" in cells:
            male, female = (_date_value(cells.get("birth_male")),
                            _date_value(cells.get("birth_female")))
            if male not in (None, "") and female not in (None, ""):
                r.problems.append(_("có năm sinh ở cả cột Nam và cột Nữ"))
            elif male not in (None, ""):
                birth, person["gender"] = male, "male"
            elif female not in (None, ""):
                birth, person["gender"] = female, "female"
        else:
            birth = _date_value(cells.get("birth_date"))
        if birth not in (None, ""):
            person["birth_date"] = self._clean(r, "birth_date", birth, FIELD_LABELS["birth_date"])
        gender = _cell_text(cells.get("gender"))
        if gender:
            person["gender"] = self._clean(r, "gender", gender, FIELD_LABELS["gender"])
        eth = _cell_text(cells.get("ethnicity"))
        if eth:
            code = self.ethnicities.code(eth)
            if code is None:
                r.problems.append(_("Dân tộc: «{v}» không có trong danh mục 54 dân tộc").format(
                    v=eth))
            person["ethnicity"] = code
        cid = _citizen_text(cells.get("citizen_id"))
        if cid:
            if cid.isdigit() and len(cid) == 9:  # an old CMND number in the CCCD column
                person["old_id_number"] = cid
            else:
                person["citizen_id"] = self._clean(r, "citizen_id", cid,
                                                   FIELD_LABELS["citizen_id"])
        old = _cell_text(cells.get("old_id_number"))
        if old:
            person["old_id_number"] = self._clean(r, "old_id_number", old,
                                                  FIELD_LABELS["old_id_number"])
        phone = _cell_text(cells.get("phone"))
        if phone:
            if not phone.startswith(("0", "+")) and phone.isdigit() and len(phone) in (9, 10):
                phone = "0" + phone  # Excel dropped the leading 0
            person["phone"] = self._clean(r, "phone", phone, FIELD_LABELS["phone"])
        for name_ in ("religion", "address", "education", "notes"):
            value = _cell_text(cells.get(name_))
            if value:
                person[name_] = self._clean(r, name_, value, FIELD_LABELS[name_])
        village = _cell_text(cells.get("village"))
        if village:
            vid = self.villages.get(text.fold(village))
            if vid is None:
                r.problems.append(_("Thôn/Bản: «{v}» không có trong {c}").format(
                    v=village, c=in_sentence(self.commune_name) or _("xã")))
            elif text.fold(village) in self.renamed:
                r.notes.append(_("Thôn/Bản: «{old}» nay là {new}").format(
                    old=village, new=self.unit_names.get(vid, vid)))
            person["residence_unit_id"] = vid
        elif self.default_village:
            person["residence_unit_id"] = self.default_village
        membership: dict[str, object] = {"organization_id": self.org["id"],
                                         "role": self.default_role}
        role = _cell_text(cells.get("role"))
        if role:
            code = self.roles.code(role)
            if code is None:
                r.problems.append(_("Chức danh: «{v}» không dùng cho loại tổ chức này "
                                    "(dùng: {a})").format(v=role, a=", ".join(
                                        self.roles.examples)))
            membership["role"] = code
        joined = _date_value(cells.get("joined_date"))
        if joined not in (None, ""):
            membership["joined_date"] = self._clean(r, "joined_date", joined,
                                                    FIELD_LABELS["joined_date"])
        else:  # asked once for the whole file: the movement's figures count them
            membership["joined_date"] = self.joined.isoformat()
        decision = _cell_text(cells.get("decision_number"))
        if decision:
            membership["decision_number"] = decision
        # Duplicates inside the file.
        if person.get("citizen_id"):
            first = self.seen_ids.setdefault(str(person["citizen_id"]), number)
            if first != number:
                r.problems.append(_("trùng số định danh {c} với dòng {n}").format(
                    c=person["citizen_id"], n=first))
        if name and person.get("birth_date"):
            key = (text.fold(name), str(person["birth_date"]))
            first = self.seen_names.setdefault(key, number)
            if first != number:
                r.problems.append(_("trùng họ tên và ngày sinh với dòng {n}").format(n=first))
        r.person = {k: v for k, v in person.items() if v is not None}
        r.membership = membership
        if r.problems:
            r.status = "error"
        return r

    def match_existing(self, results: list[RowResult]) -> None:
        """Reuse people already in the database; skip those already members."""
        ids = [str(r.person["citizen_id"]) for r in results if r.person.get("citizen_id")]
        by_id: dict[str, tuple[str, str]] = {}
        for chunk in range(0, len(ids), 500):
            part = ids[chunk:chunk + 500]
            for row in self.conn.execute(
                    f"SELECT id, citizen_id, full_name FROM person WHERE _deleted = 0 AND "
                    f"citizen_id IN ({','.join('?' * len(part))})", part):
                by_id[row["citizen_id"]] = (row["id"], row["full_name"])
        births = sorted({str(r.person["birth_date"]) for r in results
                         if r.person.get("birth_date")})
        by_name: dict[tuple[str, str], tuple[str, str | None]] = {}
        for chunk in range(0, len(births), 500):
            part = births[chunk:chunk + 500]
            for row in self.conn.execute(
                    f"SELECT id, full_name, birth_date, citizen_id FROM person WHERE "
                    f"_deleted = 0 AND birth_date IN ({','.join('?' * len(part))})", part):
                by_name.setdefault((text.fold(row["full_name"]), row["birth_date"]),
                                   (row["id"], row["citizen_id"]))
        members = {row[0]: row[1] for row in self.conn.execute(
            "SELECT m.person_id, p.full_name FROM membership m JOIN person p "
            "ON p.id = m.person_id WHERE m.organization_id = ? AND m._deleted = 0 "
            "AND m.left_date IS NULL", (self.org["id"],))}
        member_names = {text.fold(n): pid for pid, n in members.items()}
        for r in results:
            if r.problems:
                continue
            cid = r.person.get("citizen_id")
            key = (text.fold(r.name), str(r.person.get("birth_date") or ""))
            if cid and str(cid) in by_id and text.fold(by_id[str(cid)][1]) != key[0]:
                # Two people cannot share one number (storage/references.py refuses it).
                r.problems.append(_("số định danh {c} đã là số của {n}, khác họ tên trong "
                                    "tệp: sửa số, hoặc sửa tên nếu là cùng một người").format(
                    c=cid, n=by_id[str(cid)][1]))
                r.status = "error"
                continue
            if cid and str(cid) in by_id:
                r.person_id, other = by_id[str(cid)]
                r.notes.append(_("đã có người cùng số định danh ({n}): dùng hồ sơ đã có").format(
                    n=other))
            elif r.person.get("birth_date") and key in by_name and (
                    not cid or not by_name[key][1]):
                r.person_id = by_name[key][0]
                r.notes.append(_("trùng họ tên và ngày sinh với người đã có: dùng hồ sơ đã có"))
            elif not cid and not r.person.get("birth_date") and key[0] in member_names:
                r.person_id = member_names[key[0]]
            if r.person_id is None:
                r.status = "new"
            elif r.person_id in members:
                r.status = "skip"
                r.notes.append(_("đã là thành viên của tổ chức: bỏ qua"))
            else:
                r.status = "link"


def _rules_pass(ctx: _Context, results: list[RowResult]) -> None:
    """The rules of the organization's type on each row, as the write path will check them:
    what it refuses (a member under 18) is a problem of the row, what it warns about (over
    70, a second Tổ trưởng, a member living elsewhere) a note."""
    rules = ctx.rules
    if not rules.any:
        return
    linked = [r.person_id for r in results if r.person_id and r.status == "link"]
    known: dict[str, dbapi.Row] = {}
    for chunk in range(0, len(linked), 500):
        part = linked[chunk:chunk + 500]
        for row in ctx.conn.execute(
                f"SELECT id, birth_date, residence_unit_id FROM person WHERE id IN "
                f"({','.join('?' * len(part))})", part):
            known[row["id"]] = row
    holders: dict[str, list[tuple[str | None, str]]] = {}  # role → (person id, name)
    for row in ctx.conn.execute(
            "SELECT m.role, m.person_id, p.full_name FROM membership m JOIN person p "
            "ON p.id = m.person_id WHERE m.organization_id = ? AND m._deleted = 0 AND "
            "m.left_date IS NULL", (ctx.org["id"],)):
        holders.setdefault(str(row["role"]), []).append((row["person_id"], row["full_name"]))
    for r in results:
        if r.problems or r.status == "skip":
            continue
        db = known.get(r.person_id or "")
        birth = r.person.get("birth_date") or (db["birth_date"] if db else None)
        home = r.person.get("residence_unit_id") or (db["residence_unit_id"] if db else None)
        role = str(r.membership.get("role") or "")
        joined = str(r.membership.get("joined_date") or "")
        on = dt.date.fromisoformat(joined) if len(joined) == 10 else ctx.joined
        others = [n for pid, n in holders.get(role, []) if pid is None or pid != r.person_id]
        found = check_member(rules, name=r.name, birth_date=str(birth) if birth else None,
                             on=on, role=role, role_name=ctx.roles.name_of(role),
                             other_holders=others, residence=str(home) if home else None,
                             residence_name=ctx.unit_names.get(str(home), ""),
                             area=ctx.area, area_name=ctx.unit_names.get(ctx.area or "", ""))
        r.problems += found.errors
        r.notes += found.warnings
        if found.errors:
            r.status = "error"
        holders.setdefault(role, []).append((r.person_id, r.name))


def import_roster(store: Store, preview: ImportPreview, *,
                  valid_only: bool = False) -> ImportResult:
    """Write the previewed rows in one transaction. With rows in error, nothing is written
    unless ``valid_only`` (the user confirmed importing only the valid rows)."""
    bad = preview.errors
    if bad and not valid_only:
        raise UserError(_("Có {n} dòng lỗi (dòng đầu tiên: {first}); không nhập dòng nào. "
                          "Sửa tệp, hoặc xác nhận chỉ nhập các dòng hợp lệ (--valid-only).")
                        .format(n=len(bad), first=bad[0].row))
    new = [r for r in preview.rows if r.status == "new"]
    link = [r for r in preview.rows if r.status == "link"]
    with store.transaction():
        ids = store.add_many("person", [r.person for r in new]) if new else []
        for r, pid in zip(new, ids, strict=True):
            r.person_id = pid
        memberships = [{**r.membership, "person_id": r.person_id} for r in new + link]
        if memberships:
            store.add_many("membership", memberships)
    return ImportResult(people_added=len(new), memberships_added=len(new) + len(link),
                        skipped=sum(1 for r in preview.rows if r.status == "skip"),
                        refused=len(bad))


# -- a blank sheet to fill in ------------------------------------------------------------------

TEMPLATE_COLUMNS = (  # heading, field, width (characters), kept as text (leading zeros)
    (_("STT"), "stt", 5, False),
    (_("Họ và tên"), "full_name", 26, False),
    (_("Ngày sinh (dd/mm/yyyy)"), "birth_date", 13, True),
    (_("Giới tính"), "gender", 9, False),
    (_("Dân tộc"), "ethnicity", 10, False),
    (_("Số định danh cá nhân (CCCD)"), "citizen_id", 16, True),
    (_("Thôn/Bản"), "village", 16, False),
    (_("Chức danh"), "role", 12, False),
    (_("Số điện thoại"), "phone", 13, True),
    (_("Ngày tham gia (dd/mm/yyyy)"), "joined_date", 13, True),
    (_("Số quyết định"), "decision_number", 14, False),
    (_("Ghi chú"), "notes", 18, False),
)
TEMPLATE_ROWS = 40


def write_template(conn: dbapi.Connection, path: Path,
                   organization_id: str | None = None) -> Path:
    """A blank roster sheet as commune sheets are laid out (title, header, numbering row,
    empty rows, the place-date line and "Người lập biểu"), with the organization's roles and
    the genders offered in drop-down lists, and a second sheet that says how to fill it in.
    Reading it back gives no row until one is filled."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        path = path.with_suffix(".xlsx")
    title = _("DANH SÁCH THÀNH VIÊN")
    subtitle = ""
    roles = [i.name for i in catalogues.items(conn, "role")]
    place = ""
    if organization_id:
        org = printouts.organization(conn, organization_id)
        title = _("DANH SÁCH THÀNH VIÊN {o}").format(o=str(org["name"]).upper())
        allowed = catalogues.item(conn, "org_type", str(org["org_type"]))
        codes = allowed.attrs.get("roles") if allowed else None
        if isinstance(codes, list):
            roles = [catalogues.item(conn, "role", str(c)).name  # type: ignore[union-attr]
                     for c in codes if catalogues.item(conn, "role", str(c))]
        chain = printouts.unit_chain(conn, str(org["unit_id"]))
        commune = next((u for u in chain if u["level"] == "commune"), None)
        if commune:
            subtitle = in_sentence(str(commune["name"]))
            place = bare_name(str(commune["name"]))
    wb = Workbook()
    ws = wb.active
    ws.title = _("Danh sách")
    n = len(TEMPLATE_COLUMNS)
    last = get_column_letter(n)
    bold = Font(bold=True)
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.append([title])
    ws.merge_cells(f"A1:{last}1")
    ws["A1"].font = Font(bold=True, size=13)
    ws["A1"].alignment = centre
    ws.append([subtitle])
    ws.merge_cells(f"A2:{last}2")
    ws["A2"].alignment = centre
    ws.append([])
    ws.append([heading for heading, _f, _w, _t in TEMPLATE_COLUMNS])
    ws.append([f"({i})" for i in range(1, n + 1)])  # the numbering row real sheets have
    header, numbering = 4, 5
    for c, (_h, _f, width, as_text) in enumerate(TEMPLATE_COLUMNS, start=1):
        letter = get_column_letter(c)
        ws.column_dimensions[letter].width = width
        for r in (header, numbering):
            cell = ws.cell(row=r, column=c)
            cell.font = bold if r == header else Font(italic=True)
            cell.alignment = centre
            cell.border = box
        for r in range(numbering + 1, numbering + 1 + TEMPLATE_ROWS):
            cell = ws.cell(row=r, column=c)
            cell.border = box
            if as_text:  # "011085000123" keeps its 0; a date stays as typed
                cell.number_format = "@"
    ws.row_dimensions[header].height = 45
    first, end = numbering + 1, numbering + TEMPLATE_ROWS
    for heading_field, choices in (("gender", [_("Nam"), _("Nữ")]), ("role", roles)):
        col = next(i for i, c in enumerate(TEMPLATE_COLUMNS, start=1) if c[1] == heading_field)
        letter = get_column_letter(col)
        listed = ",".join(choices)
        if choices and len(listed) < 250:  # Excel's limit for a list written in place
            check = DataValidation(type="list", formula1=f'"{listed}"', allow_blank=True)
            check.error = _("Chọn một giá trị trong danh sách")
            ws.add_data_validation(check)
            check.add(f"{letter}{first}:{letter}{end}")
    footer = end + 2
    date_line = _("{p}, ngày …… tháng …… năm ……").format(p=place) if place else _(
        "……, ngày …… tháng …… năm ……")
    ws.cell(row=footer, column=n - 3, value=date_line).font = Font(italic=True)
    ws.cell(row=footer + 1, column=2, value=_("NGƯỜI LẬP BIỂU")).font = bold
    ws.cell(row=footer + 1, column=n - 3, value=_("TRƯỞNG CÔNG AN XÃ")).font = bold
    ws.cell(row=footer + 2, column=2, value=_("(Ký, ghi rõ họ tên)")).font = Font(italic=True)
    ws.cell(row=footer + 2, column=n - 3,
            value=_("(Ký, ghi rõ họ tên, đóng dấu)")).font = Font(italic=True)
    ws.freeze_panes = ws.cell(row=first, column=3)
    guide = wb.create_sheet(_("Hướng dẫn"))
    guide.column_dimensions["A"].width = 100
    for line in (
            _("Cách điền danh sách"),
            _("- Mỗi người một dòng, từ dòng ngay dưới dòng đánh số (1), (2)…; giữ nguyên "
              "dòng tiêu đề."),
            _("- Họ và tên: bắt buộc. Ngày sinh: dd/mm/yyyy, hoặc chỉ năm sinh (1985)."),
            _("- Số định danh cá nhân: đủ 12 chữ số (giữ số 0 ở đầu); số CMND cũ 9 chữ số "
              "cũng được."),
            _("- Thôn/Bản: tên như trong chương trình (ví dụ: Bản Nà Pen); bỏ trống nếu ở "
              "thôn của tổ."),
            _("- Chức danh: chọn trong danh sách (mỗi Tổ chỉ một Tổ trưởng); bỏ trống là "
              "thành viên."),
            _("- Ngày tham gia: bỏ trống thì dùng ngày chọn khi nhập vào chương trình."),
            _("- Thành viên Tổ bảo vệ an ninh, trật tự phải từ đủ 18 tuổi (Luật 30/2023/QH15)."),
            _("- Có thể thêm dòng trống; dòng «Người lập biểu» và chữ ký ở cuối được bỏ qua "
              "khi nhập.")):
        guide.append([line])
    guide["A1"].font = bold
    wb.save(path)
    return path
