"""A commune's thôn, bản, tổ dân phố: add, rename, merge and retire them (DOMAIN: the unit
kind, level "village").

A village's name is never overwritten once it is in use: renaming or merging makes the old
village end (``valid_to``) with a ``successor_id``, so old documents and figures keep the
name they had. What lives in the village now — its residents, its organizations, its models
— moves to the successor as ordinary versioned edits through the write path, in one
transaction with the rest, and so syncs like any other change. Only a spelling correction
(``correction=True``) edits the name in place.

The window (the Địa bàn page, the tree's right-click) and ``antq village`` call these same
functions; they take a :class:`~desktop.storage.writer.Store` or, from the window, an
:class:`~desktop.storage.history.UndoStack`, so that one Ctrl+Z takes a whole merge back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

from desktop.domain import text
from desktop.domain.errors import NotFoundError, UserError, ValidationError
from desktop.domain.kinds import UNIT
from desktop.i18n import _
from desktop.storage import accounts, dbapi
from desktop.storage.history import Writer, atomic, store_of
from desktop.storage.site import Site
from desktop.storage.writer import Store

# The word a village's name starts with, and the division type it means.
DIVISION_TYPES = (("tổ dân phố", "tổ dân phố"), ("thôn", "thôn"), ("bản", "bản"),
                  ("xóm", "xóm"), ("ấp", "ấp"), ("khối", "khối"), ("buôn", "buôn"),
                  ("làng", "làng"), ("khóm", "khóm"), ("plei", "plei"), ("phum", "phum"),
                  ("sóc", "sóc"), ("tổ", "tổ dân phố"))
# What moves from a village that ends to its successor: (table, field, kind name).
MOVED = (("person", "residence_unit_id", "person"), ("organization", "unit_id", "organization"),
         ("model", "unit_id", "model"))


@dataclass(frozen=True)
class Village:
    id: str
    name: str
    commune_id: str
    division_type: str | None
    valid_from: str | None
    valid_to: str | None
    successor_id: str | None
    successor_name: str | None
    residents: int | None  # None: not counted in this read (see :func:`villages`)
    organizations: int

    @property
    def current(self) -> bool:
        return self.valid_to is None

    def as_dict(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class Moved:
    """What a rename or merge moved to the successor."""

    successor_id: str
    people: int = 0
    organizations: int = 0
    models: int = 0


# -- reading ----------------------------------------------------------------------------------


def commune_of_site(conn: dbapi.Connection, site: Site | None) -> str | None:
    """The unit id of a commune site's own commune; None for the province."""
    if site is None or site.site_kind != "commune":
        return None
    row = conn.execute("SELECT id FROM unit WHERE code = ? AND level = 'commune' "
                       "AND valid_to IS NULL AND _deleted = 0", (site.unit_code,)).fetchone()
    return None if row is None else str(row[0])


def find_commune(conn: dbapi.Connection, typed: str) -> str:
    """A current commune by id or official code ("03160", "3160")."""
    value = typed.strip()
    row = conn.execute("SELECT id FROM unit WHERE (id = ? OR (code = ? AND valid_to IS NULL)) "
                       "AND level = 'commune' AND _deleted = 0",
                       (value, value.zfill(5))).fetchone()
    if row is None:
        raise NotFoundError(_("Không có xã, phường, đặc khu «{v}» (cần mã 5 chữ số hoặc id)")
                            .format(v=value))
    return str(row[0])


def commune_for(conn: dbapi.Connection, unit_id: str | None) -> str | None:
    """The commune a unit is or belongs to (a village's commune); None above communes."""
    if not unit_id:
        return None
    row = conn.execute("SELECT id, level, parent_id FROM unit WHERE id = ?",
                       (unit_id,)).fetchone()
    if row is None:
        return None
    if row["level"] == "commune":
        return str(row["id"])
    if row["level"] == "village":
        return str(row["parent_id"])
    return None


def area_of(conn: dbapi.Connection, unit_id: str | None) -> tuple[str, str] | None:
    """What a page about villages shows for a unit chosen in the tree: ("commune", id) for a
    commune or one of its villages, ("province", id) for a province."""
    if not unit_id:
        return None
    commune = commune_for(conn, unit_id)
    if commune is not None:
        return "commune", commune
    row = conn.execute("SELECT level FROM unit WHERE id = ?", (unit_id,)).fetchone()
    return ("province", unit_id) if row is not None and row[0] == "province" else None


def home_area(conn: dbapi.Connection, site: Site | None) -> tuple[str, str] | None:
    """The area of this site itself (see ``area_of``): its commune, or its province."""
    if site is None:
        return None
    row = conn.execute("SELECT id FROM unit WHERE code = ? AND level = ? AND valid_to IS NULL "
                       "AND _deleted = 0", (site.unit_code, site.site_kind)).fetchone()
    return None if row is None else (site.site_kind, str(row[0]))


def tree_path(conn: dbapi.Connection, unit_id: str) -> list[str]:
    """The ids from the province down to ``unit_id``: where it is in the navigation tree."""
    path: list[str] = []
    current: str | None = unit_id
    while current and len(path) < 5:
        row = conn.execute("SELECT id, parent_id FROM unit WHERE id = ?", (current,)).fetchone()
        if row is None:
            break
        path.insert(0, str(row["id"]))
        current = row["parent_id"]
    return path


def villages(conn: dbapi.Connection, commune_id: str, *,
             include_retired: bool = False, counted: bool = True) -> list[Village]:
    """The villages of a commune in Vietnamese order, current ones first, each with how many
    people live there and how many organizations it has. ``counted`` False: the residents
    not counted (None), the list read at once — counting them reads every resident's index
    entry (11 ms warm, 130-180 ms of the window's thread cold, at 300,000 people): the Địa
    bàn page has them counted by :func:`residents` off the UI thread."""
    return _villages(conn, "v.parent_id = ?", commune_id, include_retired, counted=counted)


def villages_of_province(conn: dbapi.Connection, province_id: str, *,
                         include_retired: bool = False,
                         counted: bool = True) -> list[Village]:
    """The villages of every commune of a province, commune by commune."""
    return _villages(conn, "v.parent_id IN (SELECT id FROM unit WHERE parent_id = ? "
                           "AND level = 'commune')", province_id, include_retired,
                     by_commune=True, counted=counted)


def unit_names(conn: dbapi.Connection, unit_ids: Sequence[str]) -> dict[str, str]:
    """The names of ``unit_ids`` (one not found, or without a name: its id, as the lists show
    a reference), read in one question a chunk."""
    out = {u: u for u in unit_ids}
    for unit_id, name in dbapi.rows_in(conn, "SELECT id, name FROM unit WHERE id IN ({})",
                                       list(out)):
        if name is not None:
            out[unit_id] = str(name)
    return out


def residents(conn: dbapi.Connection, village_ids: Sequence[str]) -> dict[str, int]:
    """How many people live in each of ``village_ids`` (those with none: 0), one grouped
    count a chunk over the index person_residence(residence_unit_id, _deleted)."""
    out = dict.fromkeys(village_ids, 0)
    for village_id, n in dbapi.rows_in(conn, "SELECT residence_unit_id, count(*) FROM person "
                                             "WHERE residence_unit_id IN ({}) AND _deleted = 0 "
                                             "GROUP BY residence_unit_id", list(out)):
        out[village_id] = n
    return out


def _villages(conn: dbapi.Connection, where: str, unit_id: str, include_retired: bool, *,
              by_commune: bool = False, counted: bool = True) -> list[Village]:
    residents = ("(SELECT count(*) FROM person p WHERE p.residence_unit_id = v.id AND "
                 "p._deleted = 0)") if counted else "NULL"
    sql = (
        "SELECT v.id, v.name, v.parent_id, v.division_type, v.valid_from, v.valid_to, "
        f"v.successor_id, s.name AS successor_name, {residents} AS residents, "
        "(SELECT count(*) FROM organization o WHERE o.unit_id = v.id AND o._deleted = 0) "
        "AS organizations "
        "FROM unit v LEFT JOIN unit s ON s.id = v.successor_id "
        "JOIN unit c ON c.id = v.parent_id "
        f"WHERE {where} AND v.level = 'village' AND v._deleted = 0")
    if not include_retired:
        sql += " AND v.valid_to IS NULL"
    order = "c.name_key, c.id, " if by_commune else ""
    rows = conn.execute(sql + f" ORDER BY {order}v.valid_to IS NOT NULL, v.name_key, v.id",
                        (unit_id,))
    return [Village(r["id"], r["name"], r["parent_id"], r["division_type"], r["valid_from"],
                    r["valid_to"], r["successor_id"], r["successor_name"], r["residents"],
                    r["organizations"]) for r in rows]


def get(conn: dbapi.Connection, village_id: str) -> Village:
    row = conn.execute("SELECT parent_id, level FROM unit WHERE id = ? AND _deleted = 0",
                       (village_id,)).fetchone()
    if row is None or row["level"] != "village":
        raise NotFoundError(_("Không có thôn, bản, tổ dân phố với id «{id}»").format(
            id=village_id))
    # Its own residents counted, not every village's of the commune (the tree's right-click
    # on a village: every resident's index entry at 300k people, 11 ms warm, 40-60 cold)
    found = next(v for v in villages(conn, str(row["parent_id"]), include_retired=True,
                                     counted=False) if v.id == village_id)
    return replace(found, residents=residents(conn, [village_id])[village_id])


def find(conn: dbapi.Connection, commune_id: str | None, typed: str) -> Village:
    """A village by id, or by its name typed with or without accents ("ban huoi lech")
    among the current villages of ``commune_id``."""
    value = typed.strip()
    row = conn.execute("SELECT id FROM unit WHERE id = ? AND level = 'village'",
                       (value,)).fetchone()
    if row is not None:
        return get(conn, str(row[0]))
    if commune_id is None:
        raise UserError(_("Cần chọn xã, phường (--commune) để tìm thôn, bản theo tên"))
    key = text.fold(value)
    found = [v for v in villages(conn, commune_id) if text.fold(v.name) == key]
    if not found:  # "huoi lech" for "Bản Huổi Lếch"
        found = [v for v in villages(conn, commune_id)
                 if _bare(text.fold(v.name)) == _bare(key)]
    if len(found) != 1:
        names = ", ".join(v.name for v in villages(conn, commune_id)[:12]) or _("chưa có")
        what = (_("Có nhiều thôn, bản tên «{v}» trong {c} (có: {n})") if found
                else _("Không có thôn, bản «{v}» trong {c} (có: {n})"))
        raise NotFoundError(what.format(v=value, c=_unit_name(conn, commune_id), n=names))
    return found[0]


def division_type_of(name: str) -> str | None:
    """The kind of village a name says it is: "Bản Huổi Lếch" → "bản"."""
    low = text.clean_text(name).lower()
    for word, kind in DIVISION_TYPES:
        if low.startswith(word + " "):
            return kind
    return None


# -- writing ----------------------------------------------------------------------------------


def add(w: Writer, commune_id: str, names: Sequence[str], *,
        valid_from: dt.date | None = None) -> list[str]:
    """Add villages to a commune, one per name; all or none (a bad or repeated name names
    itself and nothing is added). Returns their ids in the order given."""
    store = store_of(w)
    conn = store.conn
    accounts.require(conn, "write")  # before any question about the names
    _require_commune(conn, commune_id)
    cleaned = [text.clean_text(n) for n in names if n and n.strip()]
    if not cleaned:
        raise ValidationError("name", _("cần ít nhất một tên thôn, bản, tổ dân phố"))
    taken = {text.fold(v.name): v.name for v in villages(conn, commune_id)}
    for name in cleaned:
        _check_name(name)
        key = text.fold(name)
        if key in taken:
            raise ValidationError("name", _("«{n}»: {c} đã có «{o}»").format(
                n=name, c=_unit_name(conn, commune_id), o=taken[key]))
        taken[key] = name
    ids = []
    with atomic(w):
        for name in cleaned:
            values: dict[str, object] = {"name": name, "level": "village",
                                         "parent_id": commune_id,
                                         "division_type": division_type_of(name)}
            if valid_from is not None:
                values["valid_from"] = valid_from
            ids.append(w.add("unit", values).id)
    return ids


def rename(w: Writer, village_id: str, new_name: str, *, on: dt.date | None = None,
           correction: bool = False) -> Moved:
    """Give a village a new name from ``on`` (default today). The old name is kept: the
    village under it ends the day before and its residents, organizations and models move to
    the village under the new name. ``correction``: a spelling mistake is corrected in place
    and nothing is kept."""
    store = store_of(w)
    accounts.require(store.conn, "write")
    village = _current_village(store.conn, village_id)
    name = text.clean_text(new_name or "")
    _check_name(name)
    if name == village.name:
        raise ValidationError("name", _("tên mới giống tên đang dùng"))
    _check_free(store.conn, village.commune_id, name, except_id=village.id)
    if correction:
        with atomic(w):
            w.edit("unit", village.id, {"name": name, "division_type": division_type_of(name)})
        return Moved(village.id)
    day = _effective_day(store, village, on)
    with atomic(w):
        successor = w.add("unit", {"name": name, "level": "village",
                                   "parent_id": village.commune_id,
                                   "division_type": division_type_of(name),
                                   "valid_from": day}).id
        moved = _move_into(w, village, successor)
        _end(w, village, successor, day)
    return moved


def merge(w: Writer, village_ids: Sequence[str], into: str, *,
          on: dt.date | None = None) -> Moved:
    """Merge villages into another of the same commune from ``on`` (default today): their
    residents, organizations and models move to it; each merged village keeps its name and
    ends the day before, with ``into`` as its successor."""
    store = store_of(w)
    accounts.require(store.conn, "write")
    target = _current_village(store.conn, into)
    sources = [_current_village(store.conn, v) for v in dict.fromkeys(village_ids)]
    if not sources:
        raise ValidationError("village", _("cần chọn thôn, bản để sáp nhập"))
    for v in sources:
        if v.id == target.id:
            raise ValidationError("into", _("không sáp nhập «{n}» vào chính nó").format(
                n=v.name))
        if v.commune_id != target.commune_id:
            raise ValidationError("into", _("«{a}» và «{b}» thuộc hai xã, phường khác nhau")
                                  .format(a=v.name, b=target.name))
    day = max([_effective_day(store, v, on) for v in sources]
              + [_effective_day(store, target, on, ends=False)])
    total = Moved(target.id)
    with atomic(w):
        for v in sources:
            moved = _move_into(w, v, target.id)
            _end(w, v, target.id, day)
            total = Moved(target.id, total.people + moved.people,
                          total.organizations + moved.organizations,
                          total.models + moved.models)
    return total


def retire(w: Writer, village_id: str, *, on: dt.date | None = None) -> None:
    """A village that no longer exists and whose people went nowhere in particular: it
    ends the day before ``on`` and keeps its name. Refused while anyone lives there or an
    organization works there (merging moves them)."""
    store = store_of(w)
    accounts.require(store.conn, "write")
    village = _current_village(store.conn, village_id)
    people, orgs, models = _still_there(store.conn, village.id)
    if people or orgs or models:
        raise UserError(_("«{n}» còn {p} người cư trú, {o} tổ chức và {m} mô hình đang hoạt "
                          "động: hãy sáp nhập vào thôn, bản khác (họ chuyển sang đó) hoặc "
                          "chuyển họ đi trước").format(n=village.name, p=people, o=orgs,
                                                       m=models))
    day = _effective_day(store, village, on)
    with atomic(w):
        _end(w, village, None, day)


# -- internals --------------------------------------------------------------------------------


def _unit_name(conn: dbapi.Connection, unit_id: str) -> str:
    row = conn.execute("SELECT name FROM unit WHERE id = ?", (unit_id,)).fetchone()
    return str(row[0]) if row else unit_id


def _bare(folded: str) -> str:
    """A folded village name without the word for its kind: "ban huoi lech" → "huoi lech"."""
    for word in ("to dan pho ", "thon ", "ban ", "xom ", "ap ", "khoi ", "buon ", "lang ",
                 "khom ", "to "):
        if folded.startswith(word):
            return folded[len(word):]
    return folded


def _require_commune(conn: dbapi.Connection, commune_id: str) -> None:
    row = conn.execute("SELECT level, valid_to, _deleted FROM unit WHERE id = ?",
                       (commune_id,)).fetchone()
    if row is None or row["level"] != "commune" or row["_deleted"]:
        raise ValidationError("parent_id", _("thôn, bản, tổ dân phố phải thuộc một xã, "
                                             "phường hoặc đặc khu"))
    if row["valid_to"] is not None:
        raise ValidationError("parent_id", _("{c} không còn (đã sắp xếp lại); hãy chọn xã, "
                                             "phường hiện nay").format(c=_unit_name(conn,
                                                                                   commune_id)))


def _check_name(name: str) -> None:
    if not name:
        raise ValidationError("name", _("tên thôn, bản, tổ dân phố không được trống"))
    field = UNIT.field("name")
    if len(name) > field.max_length:
        raise ValidationError("name", _("dài quá {n} ký tự").format(n=field.max_length))


def _check_free(conn: dbapi.Connection, commune_id: str, name: str, *, except_id: str) -> None:
    key = text.fold(name)
    for v in villages(conn, commune_id):
        if v.id != except_id and text.fold(v.name) == key:
            raise ValidationError("name", _("{c} đã có «{o}»").format(
                c=_unit_name(conn, commune_id), o=v.name))


def _current_village(conn: dbapi.Connection, village_id: str) -> Village:
    village = get(conn, village_id)
    if not village.current:
        raise UserError(_("«{n}» đã thôi từ sau ngày {d}; chỉ đổi tên, sáp nhập thôn, bản "
                          "hiện có").format(n=village.name, d=_display(village.valid_to)))
    return village


def _effective_day(store: Store, village: Village, on: dt.date | None, *,
                   ends: bool = True) -> dt.date:
    """The day a change takes effect: not in the future; for a village that ends, after the
    day it began (it ends the day before), for one that goes on, not before it."""
    day = on or store.today
    if day > store.today:
        raise ValidationError("date", _("ngày hiệu lực {d} còn ở tương lai: hãy làm việc "
                                        "này vào ngày đó").format(d=day.strftime("%d/%m/%Y")))
    start = village.valid_from
    if start and (day.isoformat() <= start if ends else day.isoformat() < start):
        raise ValidationError("date", _("ngày hiệu lực phải sau ngày «{n}» bắt đầu "
                                        "({d})").format(n=village.name, d=_display(start)))
    return day


def _display(iso: str | None) -> str:
    if not iso:
        return ""
    parts = iso.split("-")
    return "/".join(reversed(parts))


def _still_there(conn: dbapi.Connection, village_id: str) -> tuple[int, int, int]:
    """Residents, organizations not dissolved, models not stopped."""
    row = conn.execute(
        "SELECT (SELECT count(*) FROM person WHERE residence_unit_id = :v AND _deleted = 0), "
        "(SELECT count(*) FROM organization WHERE unit_id = :v AND _deleted = 0 "
        "AND coalesce(status, 'active') != 'dissolved'), "
        "(SELECT count(*) FROM model WHERE unit_id = :v AND _deleted = 0 "
        "AND coalesce(status, 'active') != 'stopped')", {"v": village_id}).fetchone()
    return int(row[0]), int(row[1]), int(row[2])


def _move_into(w: Writer, village: Village, successor: str) -> Moved:
    """Everything that is in ``village`` now (not deleted records, which stay where they
    were) moves to ``successor``, one ordinary edit each."""
    conn = store_of(w).conn
    counts = []
    for table, field, kind in MOVED:
        ids = [str(r[0]) for r in conn.execute(
            f"SELECT id FROM {table} WHERE {field} = ? AND _deleted = 0 ORDER BY _rowid",
            (village.id,))]
        for record_id in ids:
            try:
                w.edit(kind, record_id, {field: successor})
            except ValidationError as e:  # a record that no longer passes today's rules
                title = conn.execute(f"SELECT * FROM {table} WHERE id = ?",
                                     (record_id,)).fetchone()
                name = title["full_name"] if kind == "person" else title["name"]
                raise UserError(_("Không chuyển được «{n}» sang nơi mới: {e}. Hãy sửa bản ghi "
                                  "này trước; chưa có gì thay đổi").format(n=name, e=e)) from None
        counts.append(len(ids))
    return Moved(successor, *counts)


def _end(w: Writer, village: Village, successor: str | None, day: dt.date) -> None:
    values: dict[str, object] = {"valid_to": day - dt.timedelta(days=1)}
    if successor is not None:
        values["successor_id"] = successor
    w.edit("unit", village.id, values)
