"""Tips from the public in the database: their source codes, numbered per commune and year
inside the write lock, and which are overdue for transfer to the investigating agency
(TTLT 01/2017: 24 h, 48 h in a commune marked remote; desktop/domain/tips.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from desktop.domain import dates
from desktop.domain import tips as rules
from desktop.domain.errors import ValidationError
from desktop.domain.kinds import KINDS
from desktop.i18n import _
from desktop.storage import dbapi, references
from desktop.storage.site import require_site

TIP = KINDS["tip"]


# -- source codes ---------------------------------------------------------------------------

def fill_defaults(conn: dbapi.Connection, record: dict[str, object], *, is_new: bool) -> None:
    """A new tip without a source code gets the next of its commune and year. Called by the
    write path inside its transaction (BEGIN IMMEDIATE): two officers adding at once are
    numbered one after the other, never alike."""
    code = record.get("source_code")
    if code:
        record["source_code"] = rules.check_source_code(str(code))
        return
    received, unit = record.get("received_at"), record.get("unit_id")
    if not is_new or not received or not unit:
        return  # a missing field is reported by the record's rules
    part = partition(conn, record)
    year = int(str(received)[:4])
    record["source_code"] = rules.format_source_code(year, _next_number(conn, part, year))


def partition(conn: dbapi.Connection, record: dict[str, object]) -> str:
    """The commune whose series numbers the tip (its place's partition)."""
    return references.data_partition(conn, TIP, record)[0] or require_site(conn).home_part


def _highest_used(conn: dbapi.Connection, part: str, year: int) -> int:
    prefix = rules.format_source_code(year, 0)[:-4]  # "NT-2026-"
    row = conn.execute("SELECT max(CAST(substr(source_code, ?) AS INTEGER)) FROM tip "
                       "WHERE _part = ? AND source_code GLOB ?",
                       (len(prefix) + 1, part, prefix + "[0-9]*")).fetchone()
    return int(row[0] or 0)


def _next_number(conn: dbapi.Connection, part: str, year: int) -> int:
    """One past the counter and past every code already used (deleted tips too: their
    identity may still be in the vault), the counter moved on in the same transaction."""
    assert conn.in_transaction, "numbered inside the write path's transaction"
    row = conn.execute("SELECT last FROM tip_counter WHERE part = ? AND year = ?",
                       (part, year)).fetchone()
    number = max(int(row[0]) if row else 0, _highest_used(conn, part, year)) + 1
    conn.execute("INSERT INTO tip_counter(part, year, last) VALUES (?, ?, ?) "
                 "ON CONFLICT(part, year) DO UPDATE SET last = excluded.last",
                 (part, year, number))
    return number


def check_record(conn: dbapi.Connection, record: dict[str, object],
                 record_id: str | None) -> list[str]:
    """A source code is unique in its commune and never changes once given (the vault keys
    the identity by it)."""
    code = record.get("source_code")
    if record_id is not None:
        row = conn.execute("SELECT source_code FROM tip WHERE id = ?", (record_id,)).fetchone()
        if row is not None and row[0] and code != row[0]:
            raise ValidationError("source_code", _("mã nguồn tin «{c}» đã cấp thì không đổi "
                                                   "được").format(c=row[0]))
    if code:
        clash = conn.execute("SELECT id FROM tip WHERE _part = ? AND source_code = ? "
                             "AND id IS NOT ?", (partition(conn, record), code,
                                                 record_id)).fetchone()
        if clash is not None:
            raise ValidationError("source_code", _("mã «{c}» đã dùng cho nguồn tin khác của "
                                                   "xã").format(c=code))
    return []


# -- the transfer deadline --------------------------------------------------------------------

# The commune of a tip's place (itself, or a village's parent) and its remote flag.
_COMMUNE_REMOTE = ("coalesce((SELECT c.remote FROM unit u JOIN unit c ON c.id = CASE "
                   "WHEN u.level = 'village' THEN u.parent_id ELSE u.id END "
                   "WHERE u.id = t.unit_id), 0)")


def is_remote(conn: dbapi.Connection, unit_id: str | None) -> bool:
    if not unit_id:
        return False
    row = conn.execute(f"SELECT {_COMMUNE_REMOTE} FROM (SELECT ? AS unit_id) t",
                       (unit_id,)).fetchone()
    return bool(row[0])


def deadline(conn: dbapi.Connection, record: dict[str, object]) -> dt.datetime | None:
    received = record.get("received_at")
    if not received:
        return None
    return rules.transfer_deadline(str(received), is_remote(conn, str(record.get("unit_id"))))


def _minute(now: dt.datetime | None) -> dt.datetime:
    return (now or dt.datetime.now()).replace(second=0, microsecond=0)


@dataclass(frozen=True)
class Overdue:
    id: str
    source_code: str
    received_at: str
    deadline: dt.datetime
    unit_id: str

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "source_code": self.source_code,
                "received_at": self.received_at,
                "deadline": dates.iso_datetime(self.deadline), "unit_id": self.unit_id}


def overdue(conn: dbapi.Connection, *, now: dt.datetime | None = None,
            unit_scope: str | None = None) -> list[Overdue]:
    """Tips not transferred whose deadline has passed, oldest first (few: read in full from
    the partial index of untransferred tips)."""
    now = _minute(now)
    cut = {h: dates.iso_datetime(now - dt.timedelta(hours=h))
           for h in (rules.DEADLINE_HOURS, rules.REMOTE_DEADLINE_HOURS)}
    scope, args = "", {"cut": cut[rules.DEADLINE_HOURS],
                       "cut_remote": cut[rules.REMOTE_DEADLINE_HOURS]}
    if unit_scope:
        from desktop.storage.records import SUBTREE_SQL

        # "+": the place's tips are looked for among the untransferred (the partial index),
        # not the untransferred among the place's: SQLite took the place's index, every tip
        # of its villages read (30,000 tips at 300,000 people, 1,500 of them overdue: 28 ms)
        scope = f" AND +t.unit_id IN ({SUBTREE_SQL})"
        args["u"] = unit_scope
    rows = conn.execute(
        f"SELECT t.id, t.source_code, t.received_at, t.unit_id, {_COMMUNE_REMOTE} AS remote "
        "FROM tip t WHERE t.transferred_at IS NULL AND t._deleted = 0 AND t.received_at < :cut"
        f"{scope} ORDER BY t.received_at", args).fetchall()
    return [Overdue(r["id"], r["source_code"] or "", r["received_at"],
                    _deadline(r["received_at"], bool(r["remote"])), r["unit_id"])
            for r in rows if not r["remote"] or r["received_at"] < args["cut_remote"]]


def _deadline(received_at: str, remote: bool) -> dt.datetime:
    """``rules.transfer_deadline`` of a stored moment, read at once when in the stored form
    ("2026-12-07T08:30"), by the typed forms' reader otherwise: it took 7 µs a tip (1,500
    overdue tips: 11 ms)."""
    if len(received_at) == 16 and received_at[10] == "T":
        try:
            moment = dt.datetime.fromisoformat(received_at)
        except ValueError:
            return rules.transfer_deadline(received_at, remote)
        return moment + dt.timedelta(hours=rules.deadline_hours(remote))
    return rules.transfer_deadline(received_at, remote)


def overdue_ids(conn: dbapi.Connection, *, now: dt.datetime | None = None) -> set[str]:
    return {o.id for o in overdue(conn, now=now)}


def overdue_message(items: list[Overdue]) -> str:
    """One line for the home page and the list: how many and the oldest."""
    if not items:
        return ""
    oldest = items[0]
    return _("{n} nguồn tin quá hạn chuyển Cơ quan điều tra (TTLT 01/2017: 24 giờ, 48 giờ với "
             "xã vùng sâu, vùng xa); cũ nhất {c}, hạn {d}").format(
        n=len(items), c=oldest.source_code, d=dates.format_datetime(oldest.deadline))


# -- figures (Biểu 3: "Nguồn tin, tố giác tội phạm từ quần chúng", DOMAIN.md §6.2) ------------

@dataclass(frozen=True)
class Figures:
    received: int = 0  # tips received in the period
    valuable: int = 0  # of which valuable
    transferred: int = 0  # transferred to the investigating agency
    in_time: int = 0  # of which within 24 h (48 h in a remote commune)
    solved: int = 0  # cases solved thanks to a tip
    serious: int = 0  # of which very or especially serious
    arrested: int = 0  # people arrested
    weapons: int = 0  # weapons and explosives handed in

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def figures(conn: dbapi.Connection, unit_id: str, start: dt.date, end: dt.date) -> Figures:
    """The counts of the tips of a unit and the units under it received from ``start`` to
    ``end`` (both included): the same at a commune and, summed over its communes, at the
    province. Counts only: no source code, no identity."""
    from desktop.storage.records import SUBTREE_SQL

    # Summed in SQL (the home page asks on every reload): "in time" is a transfer no later
    # than the deadline, received_at plus 24 or 48 hours in the stored "yyyy-mm-ddTHH:MM".
    row = conn.execute(
        "SELECT count(*), sum(valuable = 1), sum(transferred_at IS NOT NULL), "
        "sum(transferred_at <= strftime('%Y-%m-%dT%H:%M', received_at, '+' || "
        "CASE WHEN remote THEN :remote_h ELSE :h END || ' hours')), sum(case_solved = 1), "
        "sum(case_solved = 1 AND case_serious = 1), "
        "sum(CASE WHEN case_solved = 1 THEN coalesce(arrested, 0) ELSE 0 END), "
        "sum(coalesce(weapons, 0)) "
        f"FROM (SELECT t.*, {_COMMUNE_REMOTE} AS remote FROM tip t "
        f"WHERE t._deleted = 0 AND t.unit_id IN ({SUBTREE_SQL}) "
        "AND t.received_at >= :start AND t.received_at < :end)",
        {"u": unit_id, "start": start.isoformat(),
         "end": (end + dt.timedelta(days=1)).isoformat(), "h": rules.DEADLINE_HOURS,
         "remote_h": rules.REMOTE_DEADLINE_HOURS}).fetchone()
    return Figures(*(int(v or 0) for v in row))
