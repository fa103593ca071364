"""A person who moves to another commune (issue 15).

A record lives in the partition of its commune, and a commune writes only in its own. So a
move is done in two steps, each by a site allowed to write where it writes:

1. The old commune (or the province) records the move, in the old partition: the person's new
   residence (a commune: the old commune holds no other commune's villages), their memberships
   of the old commune's organizations ended with the reason «chuyển nơi cư trú», and a history
   line (``person_move``) saying who moved where and when, *pending*.
2. The province, which holds every partition, puts the person in the new commune's partition
   (:meth:`Store.rehome`: every version written again there, the old ones in their history)
   and marks the history line *done* — when it records the move itself, or when it imports
   the old commune's bundle. The new commune receives the person with the province's next
   bundle; the old one receives the *done* line, and once the province has acknowledged
   every version of the person it made, keeps the person only as an unversioned snapshot in
   the new partition (shown in its old rosters, written by nobody here, never sent).

Races: an edit the old commune makes before it learns of a move arrives at the province in the
old partition (:func:`stray` says "left"); the province merges it, and writes it again into
the new one. An edit that knew the value the province copied wins over the copy (merge.py),
any other by the ordinary rule, its loser kept for review. A stale version of a person who has
left is recognised and skipped. A person moving back into a commune that kept a snapshot takes
the arriving versions whole. A move overtaken by a concurrent edit of the residence is marked
*cancelled*.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from desktop.domain import dates, validation
from desktop.domain.errors import UserError, ValidationError
from desktop.domain.kinds import KINDS, PERSON, Kind
from desktop.i18n import _
from desktop.storage import dbapi, references, versions
from desktop.storage.site import Site
from desktop.storage.writer import Store

EXIT_REASON = "chuyen_noi_o"  # catalogue exit_reason: «Chuyển nơi cư trú ra khỏi địa bàn»
MOVE = KINDS["person_move"]


@dataclass
class MoveResult:
    move_id: str
    person_id: str
    from_part: str
    to_part: str
    ended: list[str] = field(default_factory=list)  # memberships ended
    done: bool = False  # the record is already in the new partition (at the province)

    def as_dict(self) -> dict[str, object]:
        return {"move_id": self.move_id, "person_id": self.person_id,
                "from": self.from_part, "to": self.to_part, "ended_memberships": self.ended,
                "done": self.done}


def commune_unit(conn: dbapi.Connection, part: str) -> str | None:
    row = conn.execute("SELECT id FROM unit WHERE code = ? AND level = 'commune' AND "
                       "valid_to IS NULL", (part,)).fetchone()
    return None if row is None else str(row[0])


def mover(conn: dbapi.Connection, person_id: str) -> tuple[str, str]:
    """(full name, partition) of the person about to move, for the window's move dialog."""
    row = conn.execute("SELECT full_name, _part FROM person WHERE id = ?",
                       (person_id,)).fetchone()
    if row is None:
        raise UserError(_("Không tìm thấy người có mã {id}").format(id=person_id))
    return str(row["full_name"]), str(row["_part"])


def destinations(conn: dbapi.Connection, part: str) -> list[tuple[str, str]]:
    """(code, name) of the communes of the same province as ``part``, but ``part`` itself:
    where a person of ``part`` may move (the province holds only its own communes)."""
    return [(str(r[0]), str(r[1])) for r in conn.execute(
        "SELECT u.code, u.name FROM unit u WHERE u.level = 'commune' AND u.valid_to IS NULL "
        "AND u.code != ? AND u.parent_id = (SELECT parent_id FROM unit WHERE code = ? AND "
        "level = 'commune' AND valid_to IS NULL) ORDER BY u.name_key", (part, part))]


# -- recording a move --------------------------------------------------------------------------

def move_person(store: Store, person_id: str, to_unit: str, moved_date: object, *,
                notes: str | None = None) -> MoveResult:
    """Record that ``person_id`` moved to ``to_unit`` (an id, or a commune's official code) on
    ``moved_date``; one transaction. Raises ValidationError naming the field when the new
    residence is in the same commune, or is not a commune or village."""
    conn = store.conn
    residence = PERSON.field("residence_unit_id")
    with store.transaction():
        row = store.get_row(PERSON, person_id)
        if row["_deleted"]:
            raise UserError(_("Người «{id}» đã bị xóa; hãy khôi phục trước khi ghi chuyển đi")
                            .format(id=person_id))
        moved = validation.clean_field(MOVE.field("moved_date"), moved_date, today=store.today)
        to_id = references.resolve_ref(conn, residence, str(to_unit).strip())
        unit = conn.execute("SELECT level FROM unit WHERE id = ?", (to_id,)).fetchone()
        if unit is None or unit["level"] not in ("commune", "village"):
            raise ValidationError("residence_unit_id", _("nơi chuyển đến phải là một xã, "
                                                         "phường, đặc khu hoặc thôn/bản"),
                                  label=residence.label)
        old_part = str(row["_part"])
        new_part = references.data_partition(conn, PERSON, {"residence_unit_id": to_id})[0]
        if new_part is None or new_part == old_part:
            raise ValidationError("residence_unit_id", _(
                "nơi mới vẫn thuộc {p}: chỉ cần sửa nơi cư trú, không phải chuyển đi").format(
                p=references.part_name(conn, old_part)), label=residence.label)
        to_commune = commune_unit(conn, new_part) or to_id
        from_unit = row["residence_unit_id"] or commune_unit(conn, old_part)
        if from_unit is None:
            raise UserError(_("Không rõ xã/phường cũ của «{n}»").format(n=row["full_name"]))
        # The new residence, written where the record is (the old commune's partition).
        store._update(PERSON, row, {"residence_unit_id": to_id})
        ended = end_memberships(store, person_id, old_part, str(moved))
        move_id = store.add("person_move", {
            "person_id": person_id, "full_name": row["full_name"],
            "birth_date": row["birth_date"], "from_unit_id": from_unit,
            "to_unit_id": to_commune, "moved_date": moved, "status": "pending",
            "notes": notes}).id
        settle(store)
        done = conn.execute("SELECT status FROM person_move WHERE id = ?",
                            (move_id,)).fetchone()[0] == "done"
    return MoveResult(move_id, person_id, old_part, new_part, ended, done)


def summary(conn: dbapi.Connection, moved: MoveResult) -> str:
    """One line for the officer: who went where, what ended, what happens next."""
    name = conn.execute("SELECT full_name FROM person WHERE id = ?",
                        (moved.person_id,)).fetchone()[0]
    text = _("Đã ghi {n} chuyển từ {a} đến {b}; {k} tổ chức ở nơi cũ đã ghi thôi tham gia "
             "(chuyển nơi cư trú)").format(n=name, a=references.part_name(conn, moved.from_part),
                                           b=references.part_name(conn, moved.to_part),
                                           k=len(moved.ended))
    if moved.done:
        return text + _("; hồ sơ đã chuyển sang {b}").format(
            b=references.part_name(conn, moved.to_part))
    return text + _("; hồ sơ sẽ chuyển sang {b} khi tỉnh nhận gói đồng bộ").format(
        b=references.part_name(conn, moved.to_part))


def end_memberships(store: Store, person_id: str, part: str, moved: str) -> list[str]:
    """End the person's open memberships of organizations in ``part`` on ``moved`` (or on the
    day they joined, if that is later), reason «chuyển nơi cư trú»."""
    ended = []
    for m in store.conn.execute(
            "SELECT id, joined_date FROM membership WHERE person_id = ? AND _part = ? AND "
            "_deleted = 0 AND left_date IS NULL ORDER BY id", (person_id, part)).fetchall():
        joined = m["joined_date"]
        left = str(joined) if joined and str(joined) > moved else moved
        store.edit("membership", m["id"], {"left_date": left, "exit_reason": EXIT_REASON})
        ended.append(str(m["id"]))
    return ended


def record_from_edit(store: Store, person_id: str,
                     values: dict[str, object]) -> MoveResult | None:
    """``antq edit person ID residence_unit_id=CODE moved_date=…``: the move (and any other
    field given, as an ordinary edit before it); None when no ``moved_date`` was given."""
    if "moved_date" not in values:
        return None
    moved = values.pop("moved_date")
    notes = values.pop("move_notes", None)
    to_unit = values.pop("residence_unit_id", None)
    if not to_unit:
        raise ValidationError("residence_unit_id", _("cần nơi cư trú mới (mã xã/phường) khi "
                                                     "ghi ngày chuyển đi"),
                              label=PERSON.field("residence_unit_id").label)
    with store.transaction():
        if values:
            store.edit("person", person_id, values)
        return move_person(store, person_id, str(to_unit), moved,
                           notes=str(notes) if notes else None)


# -- at the province: the record goes to its new partition -------------------------------------

def settle(store: Store, strays: Iterable[str] = ()) -> list[str]:
    """At the province, inside a transaction: every person named by a pending move, or with
    versions that arrived in a partition it has left (``strays``), is put in the partition of
    its residence, and the pending moves of a person no longer in the move's partition are
    marked done (their memberships there ended); a pending move of someone whose residence
    is back in the move's partition (a concurrent edit won) is marked cancelled. Returns the
    people put elsewhere."""
    if store.site.site_kind != "province":
        return []
    conn = store.conn
    if store._txn is not None:  # a merge may have named tables or sites in its own Names
        store._txn.names = versions.Names(conn)
    pending = conn.execute("SELECT id, person_id, _part, moved_date FROM person_move WHERE "
                           "status = 'pending' AND _deleted = 0 ORDER BY id").fetchall()
    moved: list[str] = []
    left: dict[str, str] = {}  # person -> the partition it was just taken out of
    for pid in dict.fromkeys([*strays, *(str(m["person_id"]) for m in pending)]):
        row = conn.execute("SELECT * FROM person WHERE id = ?", (pid,)).fetchone()
        if row is None:
            continue
        record = {f.name: row[f.name] for f in PERSON.fields}
        target = references.data_partition(conn, PERSON, record)[0] or str(row["_part"])
        if target == references.REF_PART:
            continue
        if store.rehome("person", pid, target) and target != row["_part"]:
            left[pid] = str(row["_part"])
            moved.append(pid)
    for m in pending:
        pid, part = str(m["person_id"]), str(m["_part"])
        now = conn.execute("SELECT _part FROM person WHERE id = ?", (pid,)).fetchone()
        if now is None:
            continue
        if now[0] == part:  # its residence is here again: a concurrent edit won over it
            store._update(MOVE, store.get_row(MOVE, str(m["id"])), {"status": "cancelled"})
            continue
        if left.get(pid) != part and not conn.execute(
                "SELECT 1 FROM person_move WHERE person_id = ? AND _part = ? AND "
                "status = 'done' AND _deleted = 0", (pid, part)).fetchone():
            continue  # the person never lived there: a move of someone else's record
        row = store.get_row(MOVE, str(m["id"]))
        store._update(MOVE, row, {"status": "done"})
        end_memberships(store, pid, part, str(m["moved_date"]))
    return moved


# -- while merging -----------------------------------------------------------------------------

def stray(conn: dbapi.Connection, site: Site, kind: Kind, row: dbapi.Row | dict,
          part: str) -> str | None:
    """What an incoming version in ``part`` of a record held here in another partition is:
    ``"left"`` (a person who moved out of ``part``, at a site holding where it went: merged,
    then written again there by :func:`settle`), ``"snapshot"`` (the record left this
    commune, which kept a snapshot: the versions are of its return), None (refused)."""
    if kind.name != "person":
        return None
    own = references.own_partitions(conn, site)
    if own is not None and row["_part"] not in own:
        return "snapshot"
    if conn.execute("SELECT 1 FROM person_move WHERE person_id = ? AND _part = ? AND "
                    "_deleted = 0", (row["id"], part)).fetchone():
        return "left"
    return None


def clear_snapshot(conn: dbapi.Connection, kind: Kind, row: dict, part: str) -> None:
    """A snapshot kept after a move becomes the record again: emptied (the arriving versions
    fill it whole) and put in ``part``."""
    conn.execute(f"UPDATE {kind.table} SET _part = ? WHERE id = ?", (part, row["id"]))
    row.update({f.name: None for f in kind.fields})
    row.update(_part=part, _deleted=0, _extras=None)


def may_differ(conn: dbapi.Connection, kind: Kind, pk: str, record: dict[str, object],
               carried: str, via: str | None) -> bool:
    """Whether a record arriving in partition ``carried`` may have data placing it elsewhere:
    a person with a move recorded out of ``carried`` (the province puts it where it now
    lives), or a record placed by a person who moved out of ``carried`` (a good deed stays
    where it was done)."""
    if kind.name == "person":
        person = pk
    elif via is not None and kind.field(via).ref == "person" and record.get(via):
        person = str(record[via])
    else:
        return False
    return conn.execute("SELECT 1 FROM person_move WHERE person_id = ? AND _part = ? AND "
                        "_deleted = 0", (person, carried)).fetchone() is not None


# -- at the old commune: the person leaves -----------------------------------------------------

def depart(store: Store, province: str) -> list[str]:
    """At a commune, after importing the province's bundle (its acknowledgements raised):
    each person whose move the province marked done leaves this commune's partition once the
    province has every version of it made here. The row stays as an unversioned snapshot in
    the new partition, living in the new commune (old rosters still name the person); nobody
    here writes it and it is never sent. Returns the people who left."""
    conn = store.conn
    if store.site.site_kind == "province":
        return []
    belief = {(r[0], r[1]): int(r[2]) for r in conn.execute(
        "SELECT origin, part, seq FROM sync_belief WHERE peer = ?", (province,))}
    here = store.site.site_id
    names = versions.Names(conn)
    done: dict[str, tuple[int, str, int]] = {}  # person -> (stamp of «done», unit, rowid)
    for m in conn.execute(
            "SELECT m.id, m.person_id, m.to_unit_id, p._rowid FROM person_move m JOIN person p "
            "ON p.id = m.person_id AND p._part = m._part WHERE m.status = 'done' AND "
            "m._deleted = 0").fetchall():
        stamp = versions.read(conn, "person_move", [m["id"]], names).get(
            m["id"], {}).get("status")
        if stamp is not None and stamp[0] > done.get(m["person_id"], (-1,))[0]:
            done[str(m["person_id"])] = (stamp[0], str(m["to_unit_id"]), int(m["_rowid"]))
    gone = []
    for pid, (stamp, to_unit, rowid) in sorted(done.items()):
        cells = versions.read_rowids(conn, "person", [rowid], names).get(rowid, {})
        if any(c[1] != here and c[0] > stamp for c in cells.values()):
            continue  # the province put the person back here after that move
        if any(c[3] > belief.get((c[1], c[2]), 0) for c in cells.values()):
            continue  # an edit made here the province has not acknowledged yet
        to_part = conn.execute("SELECT code FROM unit WHERE id = ?", (to_unit,)).fetchone()
        if to_part is None:
            continue
        versions.forget(conn, "person", [rowid])
        conn.execute("UPDATE person SET _part = ?, residence_unit_id = ? WHERE id = ?",
                     (to_part[0], to_unit, pid))
        gone.append(pid)
    return gone


def history_lines(conn: dbapi.Connection, person_id: str) -> list[str]:
    """The moves of a person recorded here, one line each, for ``antq show person``."""
    status = dict(MOVE.field("status").choices)
    out = []
    for m in history(conn, person_id):
        to = conn.execute("SELECT name FROM unit WHERE id = ?", (m["to_unit_id"],)).fetchone()
        out.append(_("Chuyển nơi cư trú: ngày {d} đến {b} ({s})").format(
            d=dates.PartialDate.from_iso(str(m["moved_date"])).display(),
            b=to[0] if to else m["to_unit_id"], s=status.get(str(m["status"]), "?")))
    return out


def history(conn: dbapi.Connection, person_id: str) -> list[dict[str, object]]:
    """The moves recorded here for a person, oldest first."""
    return [dict(r) for r in conn.execute(
        "SELECT id, _part AS part, full_name, from_unit_id, to_unit_id, moved_date, status "
        "FROM person_move WHERE person_id = ? AND _deleted = 0 ORDER BY moved_date, id",
        (person_id,))]
