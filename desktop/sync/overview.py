"""The province's overview of its communes (issue 15, *Các xã*, ``antq communes``): for each
enrolled commune, when its last bundle came and how old that is (late past a threshold the
province sets), when the province last wrote one for it, its figures, open conflicts, clock
warnings, when its key is due for replacement, and the months it sent nothing in.

Read-only but for the threshold (kept in ``site_meta``: this site's own setting, never synced).
The figures are counted over the commune's partitions with one grouped scan per table, not one
query per commune.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from desktop.domain.errors import UserError
from desktop.domain.kinds import KINDS
from desktop.i18n import _, ngettext
from desktop.storage import accounts, dbapi, periods, printouts, rosters
from desktop.storage.site import get_meta, load_site, require_site, set_meta
from desktop.sync import enrol
from desktop.sync.conflicts import RULE

LATE_AFTER_KEY = "communes_late_after_days"
DEFAULT_LATE_AFTER = 35  # a monthly bundle, and a few days for the stick to travel
MAX_LATE_AFTER = 3650
# A site's keys are replaced (antq keys rotate) at the latest this long after they were made
# or last replaced: a key in use for years has had years to leak. A policy of this program:
# the certificate itself carries no expiry, nothing is refused when the date passes.
KEY_LIFETIME_DAYS = 730
MONTHS_BACK = 12  # the months checked for "sent nothing in"


def late_after(conn: dbapi.Connection) -> int:
    raw = get_meta(conn, LATE_AFTER_KEY)
    return int(raw) if raw is not None and raw.isdigit() else DEFAULT_LATE_AFTER


def set_late_after(conn: dbapi.Connection, days: object) -> int:
    """Store the threshold, checked as a local write would be; returns it."""
    accounts.require(conn, "sync")
    try:
        value = int(str(days).strip())
    except ValueError:
        value = -1
    if not 1 <= value <= MAX_LATE_AFTER:
        raise UserError(_("--late-after: cần số ngày từ 1 đến {m} (không phải «{v}»)").format(
            m=MAX_LATE_AFTER, v=days))
    set_meta(conn, LATE_AFTER_KEY, str(value))
    return value


@dataclass
class CommuneRow:
    site_id: str
    name: str
    unit_code: str
    status: str  # active | revoked
    enrolled: dt.datetime | None
    last_received: dt.datetime | None = None  # when its last bundle was imported here
    last_created: dt.datetime | None = None  # when the commune wrote that bundle (its clock)
    age_days: int | None = None  # days since its last bundle was received
    late: bool = False
    last_sent: dt.datetime | None = None  # when this site last wrote a bundle for it
    counts: dict[str, int] = field(default_factory=dict)
    open_conflicts: int = 0
    # Its records an import left breaking a rule a local write enforces (conflicts.RULE):
    # not a conflict between two sites, so not counted as one.
    rule_items: int = 0
    clock_warnings: list[str] = field(default_factory=list)
    key_since: dt.date | None = None
    key_due: dt.date | None = None
    key_overdue: bool = False
    missing_months: list[str] = field(default_factory=list)  # "2026-10", oldest first
    # Its periods the province approved (desktop/storage/periods.py): (period, still locked)
    approved: list[tuple[str, bool]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"site_id": self.site_id, "name": self.name, "unit_code": self.unit_code,
                "status": self.status, "last_received": _iso(self.last_received),
                "last_received_shown": _day(self.last_received),
                "last_created": _iso(self.last_created), "age_days": self.age_days,
                "late": self.late, "last_sent": _iso(self.last_sent),
                "last_sent_shown": _day(self.last_sent), "counts": dict(self.counts),
                "open_conflicts": self.open_conflicts, "rule_items": self.rule_items,
                "clock_warnings": self.clock_warnings,
                "key_since": _iso(self.key_since), "key_due": _iso(self.key_due),
                "key_due_shown": _day(self.key_due), "key_overdue": self.key_overdue,
                "missing_months": self.missing_months,
                "approved_periods": [{"period": p, "locked": locked}
                                     for p, locked in self.approved]}

    def approved_shown(self) -> str:
        """«2026-Q3, 2026-10 (đã mở khóa)»: the approved periods, the unlocked said so."""
        return ", ".join(p if locked else _("{p} (đã mở khóa)").format(p=p)
                         for p, locked in self.approved)

    def line(self, labels: dict[str, str]) -> str:
        """One line of ``antq communes``: who, received (and how late), sent, figures."""
        if self.last_received is None:
            received = _("chưa nhận gói nào")
        else:
            received = _("nhận {d} ({n})").format(d=_day(self.last_received), n=ngettext(
                "{n} ngày trước", "{n} ngày trước", self.age_days or 0).format(
                n=self.age_days or 0))
        sent = _("gửi {d}").format(d=_day(self.last_sent)) if self.last_sent \
            else _("chưa gửi gói nào")
        figures = ", ".join(f"{labels.get(k, k)}: {v}" for k, v in self.counts.items())
        parts = [received, sent, figures,
                 ngettext("{n} xung đột", "{n} xung đột", self.open_conflicts).format(
                     n=self.open_conflicts),
                 *([ngettext("{n} bản ghi sai quy tắc", "{n} bản ghi sai quy tắc",
                             self.rule_items).format(n=self.rule_items)]
                   if self.rule_items else []),
                 ngettext("{n} cảnh báo đồng hồ", "{n} cảnh báo đồng hồ",
                          len(self.clock_warnings)).format(n=len(self.clock_warnings)),
                 (_("khóa quá hạn thay từ {d}") if self.key_overdue else
                  _("thay khóa trước {d}")).format(d=_day(self.key_due))]
        if self.missing_months:
            parts.append(_("tháng không gửi: {m}").format(
                m=", ".join(month_shown(m) for m in self.missing_months)))
        if self.approved:
            parts.append(_("kỳ đã phê duyệt: {p}").format(p=self.approved_shown()))
        mark = _("TRỄ ") if self.late else ""
        revoked = _(" (đã thu hồi)") if self.status != "active" else ""
        return f"{mark}{self.name} ({self.unit_code}){revoked}: " + "; ".join(parts)


@dataclass
class Overview:
    rows: list[CommuneRow]
    late_after: int
    today: dt.date
    labels: dict[str, str]  # count key -> the officer's word

    def as_dict(self) -> dict[str, object]:
        return {"today": self.today.isoformat(), "late_after_days": self.late_after,
                "period": self.today.strftime("%Y-%m"), "labels": self.labels,
                "communes": [r.as_dict() for r in self.rows]}

    def lines(self) -> list[str]:
        late = sum(1 for r in self.rows if r.late)
        head = _("{n} xã/phường; trễ khi quá {d} ngày không có gói mới: {k}").format(
            n=len(self.rows), d=self.late_after, k=late)
        return [head, *(r.line(self.labels) for r in self.rows)]


def _iso(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _day(value: dt.date | None) -> str:
    return "" if value is None else value.strftime("%d/%m/%Y")


def month_shown(month: str) -> str:
    """"2026-10" as the officer writes it: 10/2026."""
    year, _sep, m = month.partition("-")
    return f"{m}/{year}"


def _moment(text: object) -> dt.datetime | None:
    """A stored time (local, or with the sender's offset) as local naive time."""
    if not isinstance(text, str):
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return value.astimezone().replace(tzinfo=None) if value.tzinfo else value


def count_labels() -> dict[str, str]:
    labels = {"organizations": _("Tổ chức"), "members": _("Thành viên"),
              "minutes": _("Biên bản tháng này"), "tips": _("Nguồn tin")}
    if "camera" in KINDS:  # the kind arrived with issue 13; an older tree has none
        labels["cameras"] = _("Camera")
    return labels


def overview(conn: dbapi.Connection, today: dt.date | None = None) -> Overview:
    """Every commune enrolled here (the province's view)."""
    site = require_site(conn)
    if site.site_kind != "province":
        raise UserError(_("Chỉ tỉnh có tổng hợp các xã (đây là {n})").format(n=site.name))
    today = today or dt.date.today()
    threshold = late_after(conn)
    peers = [p for p in enrol.list_sites(conn) if p.site_kind == "commune"]
    counts = _counts(conn, today)
    open_items = _open_items(conn)
    approved: dict[str, list[tuple[str, bool]]] = {}
    for a in periods.approvals(conn):
        if a.status == "approved":
            approved.setdefault(a.part, []).append((a.period, a.locks))
    rows = []
    for p in peers:
        row = _row(conn, p, today, threshold)
        parts = p.partitions or (p.unit_code,)
        row.counts = {k: sum(by_part.get(part, 0) for part in parts)
                      for k, by_part in counts.items()}
        mine = [rule for involved, rule in open_items if involved & set(parts)]
        row.rule_items = sum(mine)
        row.open_conflicts = len(mine) - row.rule_items
        row.approved = [a for part in parts for a in approved.get(part, [])]
        rows.append(row)
    rows.sort(key=_order)
    return Overview(rows, threshold, today, count_labels())


def _order(r: CommuneRow) -> tuple[bool, int, str]:
    """The late first, the longest silent at the top (never heard from: before all), then
    the others by name."""
    silent = r.age_days if r.age_days is not None else 10**6
    return (not r.late, -silent if r.late else 0, r.name)


def _row(conn: dbapi.Connection, p: enrol.Peer, today: dt.date, threshold: int) -> CommuneRow:
    info = conn.execute("SELECT enrolled_local_time FROM sync_site WHERE site_id = ?",
                        (p.site_id,)).fetchone()
    enrolled = _moment(info[0]) if info else None
    row = CommuneRow(p.site_id, p.name, p.unit_code, p.status, enrolled)
    received = _received(conn, p.site_id)
    if received:
        last = max(received, key=lambda r: r[0])
        row.last_received, row.last_created = last[0], last[1]
        row.clock_warnings = last[2]
        row.age_days = max(0, (today - last[0].date()).days)
        row.late = row.age_days > threshold
    elif enrolled is not None:
        row.late = (today - enrolled.date()).days > threshold
    sent = conn.execute("SELECT max(local_time) FROM sync_bundle_note WHERE peer = ? AND "
                        "direction = 'out'", (p.site_id,)).fetchone()[0]
    row.last_sent = _moment(sent)
    rotated = conn.execute("SELECT max(retired_local_time) FROM sync_site_retired_key WHERE "
                           "site_id = ?", (p.site_id,)).fetchone()[0]
    since = max((m for m in (enrolled, _moment(rotated)) if m is not None), default=None)
    if since is not None:
        row.key_since = since.date()
        row.key_due = since.date() + dt.timedelta(days=KEY_LIFETIME_DAYS)
        row.key_overdue = today > row.key_due
    row.missing_months = missing_months(written(received), enrolled, today)
    return row


def written(received: list[tuple[dt.datetime, dt.datetime | None, list[str]]]
            ) -> list[dt.datetime]:
    """When each bundle was written: the commune's clock, but never after it arrived here (a
    clock running ahead does not make a bundle count for a month it had not reached); the
    import time for a bundle from before the notes."""
    return [min(created, got) if created else got for got, created, _w in received]


def _received(conn: dbapi.Connection, peer: str
              ) -> list[tuple[dt.datetime, dt.datetime | None, list[str]]]:
    """(received here, written there, clock warnings) of each bundle of ``peer`` still
    imported (an undone import is gone from the log); bundles imported before the notes
    existed have only their import time."""
    out = []
    for got, created, warnings in conn.execute(
            "SELECT l.imported_local_time, n.created_local, n.clock_warnings "
            "FROM sync_import_log l LEFT JOIN sync_bundle_note n "
            "ON n.bundle_id = l.bundle_id AND n.direction = 'in' WHERE l.sender = ?", (peer,)):
        moment = _moment(got)
        if moment is None:
            continue
        try:
            listed = json.loads(warnings) if warnings else []
        except ValueError:
            listed = []
        out.append((moment, _moment(created),
                    [str(w) for w in listed] if isinstance(listed, list) else []))
    return out


def missing_months(sent: Iterable[dt.datetime], enrolled: dt.datetime | None,
                   today: dt.date) -> list[str]:
    """The finished months (of the last ``MONTHS_BACK``, none before enrolment) in which the
    commune wrote no bundle, as "yyyy-mm"."""
    have = {m.strftime("%Y-%m") for m in sent}
    first = dt.date(today.year, today.month, 1)
    months = []
    for back in range(MONTHS_BACK, 0, -1):
        y, m = divmod(first.year * 12 + first.month - 1 - back, 12)
        start = dt.date(y, m + 1, 1)
        if enrolled is not None and (start.year, start.month) < (enrolled.year,
                                                                 enrolled.month):
            continue
        months.append(start.strftime("%Y-%m"))
    return [m for m in months if m not in have]


def _counts(conn: dbapi.Connection, today: dt.date) -> dict[str, dict[str, int]]:
    """Per count, per partition: one grouped scan of each table."""
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    start = dt.date(today.year, today.month, 1)
    y, m = divmod(today.year * 12 + today.month, 12)
    end = dt.date(y, m + 1, 1)
    queries = {
        "organizations": ("organization", "", ()),
        "members": ("membership", " AND left_date IS NULL", ()),
        "minutes": ("meeting", " AND started_at >= ? AND started_at < ?",
                    (start.isoformat(), end.isoformat())),
        "tips": ("tip", "", ()),
        "cameras": ("camera", "", ()),
    }
    out: dict[str, dict[str, int]] = {}
    for key in count_labels():
        table, where, params = queries[key]
        if table not in tables:
            out[key] = {}
            continue
        out[key] = {part: n for part, n in conn.execute(
            f"SELECT _part, count(*) FROM {table} WHERE _deleted = 0{where} GROUP BY _part",
            params)}
    return out


def _open_items(conn: dbapi.Connection) -> list[tuple[set[str], bool]]:
    """The partitions each open item of the conflicts queue involves, and whether it is a
    rule item (conflicts.RULE) rather than a conflict."""
    return [({loser, winner}, kind == RULE) for loser, winner, kind in conn.execute(
        "SELECT loser_part, winner_part, kind FROM sync_conflict WHERE status = 'open'")]


def not_sent(conn: dbapi.Connection, unit_id: str, start: dt.date
             ) -> list[dict[str, object]] | None:
    """The communes that have sent no data for a period beginning ``start`` (issue 13, the
    province's report): those enrolled here and active, under ``unit_id``, from which no bundle
    :func:`written` on or after ``start`` has been received. A bundle written after the start
    carries what the commune had recorded by then, so a later one (after the period, as a
    monthly bundle is) counts too; one written before the start does not. Per commune (its
    bundles under a revoked key count as well), by code, with when its last bundle came here.
    None where the line does not belong: at a commune site, for a unit that is not a
    province, or with no commune enrolled."""
    site = load_site(conn)
    unit = conn.execute("SELECT level FROM unit WHERE id = ?", (unit_id,)).fetchone()
    if site is None or site.site_kind != "province" or unit is None or unit[0] != "province":
        return None
    under = {str(r[0]) for r in conn.execute(
        printouts.AREA_CTE + "SELECT u.id FROM unit u JOIN area a ON a.id = u.id "
        "WHERE u.level = 'commune'", (unit_id,))}
    by_code: dict[str, list[enrol.Peer]] = {}
    for p in enrol.list_sites(conn):
        if p.site_kind == "commune":
            by_code.setdefault(p.unit_code, []).append(p)
    out, enrolled = [], 0
    since = dt.datetime.combine(start, dt.time())
    for code, peers in sorted(by_code.items()):
        commune = rosters.unit_of_site(conn, code)
        if commune not in under or all(p.status != "active" for p in peers):
            continue
        enrolled += 1
        received = [r for p in peers for r in _received(conn, p.site_id)]
        if any(moment >= since for moment in written(received)):
            continue
        name = conn.execute("SELECT name FROM unit WHERE id = ?", (commune,)).fetchone()
        last = max((got for got, _c, _w in received), default=None)
        out.append({"code": code, "name": str(name[0]) if name else peers[0].name,
                    "last_received": _iso(last.date() if last else None),
                    "last_received_shown": _day(last)})
    return out if enrolled else None


def not_sent_text(rows: list[dict[str, object]]) -> str:
    """The report's line: «Các xã chưa gửi số liệu kỳ này: Xã A (03160, gói cuối nhận
    05/06/2026), Xã B (03301, chưa gửi gói nào).» or that every commune has sent."""
    if not rows:
        return _("Tất cả các xã đã gửi số liệu.")
    named = [_("{n} ({c}, gói cuối nhận {d})").format(
        n=r["name"], c=r["code"], d=r["last_received_shown"]) if r["last_received"] else
        _("{n} ({c}, chưa gửi gói nào)").format(n=r["name"], c=r["code"]) for r in rows]
    return _("Các xã chưa gửi số liệu kỳ này: {x}.").format(x=", ".join(named))
