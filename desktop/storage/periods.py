"""Period approval (issue 15, as DHIS2's data approval; SYNC.md §3.6).

The province approves a commune's figures for a period (a quarter ``2026-Q3``, a month
``2026-11`` or a year ``2026``). The approval is a ``period_approval`` record in the commune's
partition, written by the province and sent down with its next bundle. While a period is
approved, records dated in it (minutes, tips, good deeds, evaluations, replications, crime
figures, cameras) are locked at both ends: the write path refuses to add, change, delete or
restore them, with a line saying which period and how to unlock. A chief unlocks a period
(``antq unlock-period``): a versioned, audited change of the same record, which syncs like any
other; approving again locks it again. Only the province approves or withdraws; a commune
writes nothing of an approval but its unlock.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from desktop.domain import dates
from desktop.domain.errors import UserError, ValidationError
from desktop.domain.kinds import KINDS, Kind
from desktop.i18n import _
from desktop.storage import accounts, dbapi, references
from desktop.storage.site import Site

APPROVAL = KINDS["period_approval"]
# The date that places a record of each kind in a period.
DATED = {"meeting": "started_at", "tip": "received_at", "deed": "deed_date",
         "evaluation": "evaluated_date", "replication": "replicated_date",
         "crime_stat": "period_start", "camera": "installed_date"}
# What a commune may write of an approval: the unlock.
UNLOCK_FIELDS = frozenset({"unlocked", "unlocked_by", "unlock_reason"})

_QUARTER = re.compile(r"(\d{4})-[Qq]([1-4])\Z")
_MONTH = re.compile(r"(\d{4})-(\d{1,2})\Z")
_YEAR = re.compile(r"(\d{4})\Z")


@dataclass(frozen=True)
class Period:
    name: str  # 2026-Q3, 2026-11, 2026
    start: dt.date
    end: dt.date

    def shown(self) -> str:
        return _("{p} ({a} – {b})").format(p=self.name, a=self.start.strftime("%d/%m/%Y"),
                                          b=self.end.strftime("%d/%m/%Y"))


def parse_period(text: str) -> Period:
    """``2026-Q3``, ``2026-11`` or ``2026``; ValidationError naming the period otherwise."""
    value = text.strip()
    try:
        if m := _QUARTER.fullmatch(value):
            year, q = int(m[1]), int(m[2])
            start = dt.date(year, 3 * q - 2, 1)
            end = _month_end(year, 3 * q)
            return Period(f"{year}-Q{q}", start, end)
        if m := _MONTH.fullmatch(value):
            year, month = int(m[1]), int(m[2])
            return Period(f"{year}-{month:02d}", dt.date(year, month, 1),
                          _month_end(year, month))
        if m := _YEAR.fullmatch(value):
            year = int(m[1])
            return Period(str(year), dt.date(year, 1, 1), dt.date(year, 12, 31))
    except ValueError:
        pass
    raise ValidationError("period", _("«{v}» không phải kỳ số liệu (dạng 2026-Q3, 2026-11 "
                                      "hoặc 2026)").format(v=value), label=_("Kỳ số liệu"))


def _month_end(year: int, month: int) -> dt.date:
    first_next = dt.date(year + month // 12, month % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)


@dataclass(frozen=True)
class Approval:
    id: str
    part: str
    unit_id: str
    period: str
    start: str
    end: str
    status: str
    decided_by: str | None
    unlocked: bool
    unlocked_by: str | None
    unlock_reason: str | None

    @property
    def locks(self) -> bool:
        return self.status == "approved" and not self.unlocked

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "commune": self.part, "period": self.period,
                "start": self.start, "end": self.end, "status": self.status,
                "decided_by": self.decided_by, "unlocked": self.unlocked,
                "unlocked_by": self.unlocked_by, "unlock_reason": self.unlock_reason,
                "locked": self.locks}


def _approval(r: dbapi.Row) -> Approval:
    return Approval(str(r["id"]), str(r["_part"]), str(r["unit_id"]), str(r["period"]),
                    str(r["period_start"]), str(r["period_end"]), str(r["status"]),
                    r["decided_by"], bool(r["unlocked"]), r["unlocked_by"],
                    r["unlock_reason"])


def approvals(conn: dbapi.Connection, part: str | None = None) -> list[Approval]:
    sql = "SELECT * FROM period_approval WHERE _deleted = 0"
    args: tuple[object, ...] = ()
    if part is not None:
        sql += " AND _part = ?"
        args = (part,)
    return [_approval(r) for r in conn.execute(sql + " ORDER BY _part, period_start, id", args)]


def find(conn: dbapi.Connection, part: str, period: Period) -> Approval | None:
    r = conn.execute("SELECT * FROM period_approval WHERE _part = ? AND period = ? AND "
                     "_deleted = 0 ORDER BY id LIMIT 1", (part, period.name)).fetchone()
    return None if r is None else _approval(r)


# -- the lock, checked by the write path -------------------------------------------------------

def locks(conn: dbapi.Connection) -> dict[str, list[tuple[str, str, str]]]:
    """The locked periods: partition -> [(start, end, period)], ISO dates."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    for r in conn.execute("SELECT _part, period_start, period_end, period FROM "
                          "period_approval WHERE status = 'approved' AND "
                          "coalesce(unlocked, 0) = 0 AND _deleted = 0"):
        out.setdefault(str(r[0]), []).append((str(r[1]), str(r[2]), str(r[3])))
    return out


def _locked_in(held: Mapping[str, list[tuple[str, str, str]]], part: str,
               value: object) -> str | None:
    """The locked period of ``part`` a date (ISO, partial, or a moment) falls in."""
    if not value or part not in held:
        return None
    day = str(value)[:10]
    for start, end, period in held[part]:
        n = len(day)  # a partial date (a year, a month) counts if it touches the period
        if start[:n] <= day <= end[:n]:
            return period
    return None


def check_write(conn: dbapi.Connection, site: Site, kind: Kind, part: str,
                records: Iterable[Mapping[str, object]], changed: Iterable[str] = ()) -> None:
    """Refuse (UserError) a write of records of ``kind`` in ``part`` whose date, before or
    after the change (``records``), lies in a locked period; and a write of an approval that
    this site or account may not make."""
    if kind.name == "period_approval":
        fields = set(changed)
        if site.site_kind != "province" and not fields <= UNLOCK_FIELDS:
            raise UserError(_("Chỉ Công an tỉnh phê duyệt số liệu kỳ; xã/phường chỉ mở khóa "
                              "được (antq unlock-period)"))
        accounts.require(conn, "unlock" if fields <= UNLOCK_FIELDS else "approve")
        return
    name = DATED.get(kind.name)
    if name is None:
        return
    held = locks(conn)
    if part not in held:
        return
    for record in records:
        period = _locked_in(held, part, record.get(name))
        if period is not None:
            raise UserError(_("{k} ngày {d} thuộc kỳ {p} của {c} đã được tỉnh phê duyệt: "
                              "không sửa được. Chỉ huy mở khóa bằng «antq unlock-period "
                              "--unit {u} --period {p}»").format(
                k=kind.label, d=_shown_date(record.get(name)), p=period,
                c=references.part_name(conn, part), u=part))


def _shown_date(value: object) -> str:
    text = str(value)
    try:
        if "T" in text or " " in text:
            return dates.format_datetime(dates.parse_datetime(text))
        return dates.parse_date(text).display()
    except ValidationError:
        return text


# -- approving, withdrawing, unlocking -------------------------------------------------------------

def _commune(conn: dbapi.Connection, code: str) -> tuple[str, str]:
    """(unit id, partition) of a commune given by its code or id."""
    row = conn.execute("SELECT id, code FROM unit WHERE (code = ? OR id = ?) AND level = "
                       "'commune' AND valid_to IS NULL", (code.strip(), code.strip())).fetchone()
    if row is None:
        raise UserError(_("--unit: không có xã/phường/đặc khu mã «{c}»").format(c=code))
    return str(row[0]), str(row[1])


def _at_province(store, refusal: str, unit: str, period_text: str) -> tuple[str, str, Period]:
    """(unit id, partition, period) of a decision only the province takes; elsewhere
    ``refusal``."""
    if store.site.site_kind != "province":
        raise UserError(refusal)
    unit_id, part = _commune(store.conn, unit)
    return unit_id, part, parse_period(period_text)


def _written(conn: dbapi.Connection, part: str, period: Period) -> Approval:
    """The approval just written, read back as the caller's answer."""
    got = find(conn, part, period)
    assert got is not None
    return got


def approve(store, unit: str, period_text: str) -> Approval:
    """At the province: approve a commune's figures for a period (again: lock it again)."""
    conn = store.conn
    unit_id, part, period = _at_province(store, _("Chỉ Công an tỉnh phê duyệt số liệu kỳ"),
                                         unit, period_text)
    with store.transaction("approve"):
        had = find(conn, part, period)
        values = {"status": "approved", "decided_by": store.actor, "unlocked": False,
                  "unlocked_by": None, "unlock_reason": None}
        if had is None:
            store.add("period_approval", {"unit_id": unit_id, "period": period.name,
                                          "period_start": period.start,
                                          "period_end": period.end, **values})
        else:
            store.edit("period_approval", had.id, values)
        return _written(conn, part, period)


def withdraw(store, unit: str, period_text: str) -> Approval:
    """At the province: withdraw an approval (the period is open again)."""
    conn = store.conn
    _unit_id, part, period = _at_province(store, _("Chỉ Công an tỉnh hủy phê duyệt số liệu kỳ"),
                                          unit, period_text)
    with store.transaction("approve"):
        had = find(conn, part, period)
        if had is None or had.status != "approved":
            raise UserError(_("Kỳ {p} của {c} chưa được phê duyệt").format(
                p=period.name, c=references.part_name(conn, part)))
        store.edit("period_approval", had.id, {"status": "withdrawn",
                                               "decided_by": store.actor})
        return _written(conn, part, period)


def unlock(store, unit: str, period_text: str, reason: str) -> Approval:
    """A chief (at the commune or the province) unlocks an approved period, saying why."""
    conn = store.conn
    if not reason.strip():
        raise ValidationError("unlock_reason", _("cần ghi lý do mở khóa"),
                              label=APPROVAL.field("unlock_reason").label)
    _unit_id, part = _commune(conn, unit)
    period = parse_period(period_text)
    with store.transaction("unlock"):
        had = find(conn, part, period)
        if had is None or had.status != "approved":
            raise UserError(_("Kỳ {p} của {c} chưa được phê duyệt: không có gì để mở khóa")
                            .format(p=period.name, c=references.part_name(conn, part)))
        if had.unlocked:
            raise UserError(_("Kỳ {p} của {c} đã được {n} mở khóa").format(
                p=period.name, c=references.part_name(conn, part), n=had.unlocked_by))
        store.edit("period_approval", had.id, {"unlocked": True, "unlocked_by": store.actor,
                                               "unlock_reason": reason})
        return _written(conn, part, period)


# -- bundles --------------------------------------------------------------------------------------

def incoming_changes(conn: dbapi.Connection, cells: Iterable[tuple],
                     vector: Mapping[tuple[str, str], int]) -> list[str]:
    """Lines for the import's result: records dated in a locked period that a bundle changes
    (new versions, ``vector`` being what this site held before). They were made elsewhere
    before the approval reached there; they are merged like any change, and said."""
    held = locks(conn)
    if not held:
        return []
    tables = {KINDS[k].table: (KINDS[k], f) for k, f in DATED.items()}
    # table -> record -> (its partition, its date in the bundle if there)
    touched: dict[str, dict[str, tuple[str, object]]] = {}
    for c in cells:
        if c[0] in tables and c[6] in held and c[7] > vector.get((c[5], c[6]), 0):
            dated = touched.setdefault(c[0], {})
            if c[2] == tables[c[0]][1]:
                dated[c[1]] = (c[6], c[3])
            else:
                dated.setdefault(c[1], (c[6], None))
    counts: dict[tuple[str, str], int] = {}
    for tbl, dated in touched.items():
        name = tables[tbl][1]
        ids = list(dated)
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            here = dict(conn.execute(f"SELECT id, {name} FROM {tbl} WHERE id IN "
                                     f"({','.join('?' * len(chunk))})", chunk).fetchall())
            for pk in chunk:
                part, date = dated[pk]
                period = _locked_in(held, part, date or here.get(pk))
                if period is not None:
                    counts[(part, period)] = counts.get((part, period), 0) + 1
    return [_("{n} bản ghi thuộc kỳ {p} của {c} (đã phê duyệt) được sửa ở nơi khác trước khi "
              "nhận phê duyệt: đã nhập, hãy xem lại số liệu kỳ này").format(
        n=n, p=period, c=references.part_name(conn, part))
        for (part, period), n in sorted(counts.items())]


def check_incoming(cells: Iterable[tuple], sender_kind: str, sender: str) -> str | None:
    """Why a bundle from ``sender`` (a site of ``sender_kind``) may not carry these approval
    changes: a commune writes only unlocks (it may pass on the province's own versions);
    None if it may."""
    if sender_kind == "province":
        return None
    for c in cells:
        if c[0] == "period_approval" and c[5] == sender and c[2] not in UNLOCK_FIELDS:
            return _("chỉ tỉnh phê duyệt số liệu kỳ (period_approval/{pk}, trường {f})").format(
                pk=c[1], f=c[2])
    return None
