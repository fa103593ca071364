"""*Hoàn tác lần nhập này*: undoing the last bundle imports, from a journal each import writes
in its own transaction (issue 12: a whole copy of the database before every import was half
the import's time at a province).

What a journal holds, for one import:

``sync_undo``
    the import (bundle, sender, file, time, account), this site's own sequences then (a later
    local write raises one: the undo is refused), the highest name ordinal of the versions
    (ordinals above it are the import's), the sender's counters in ``sync_site``.
``sync_undo_record``
    every record the bundle names, as it was: its row (JSON of its columns but the empty ones,
    made by SQLite; NULL: the import made it).
``sync_undo_clock``
    the field versions of those records as they were: their ``sync_clock`` rows copied as they
    are, ordinals and all, by one ``INSERT … SELECT`` (decoding them to names and JSON, as
    ``versions.dump`` does, was a fifth of the import's time). Ordinals are never renumbered
    while a journal lives: the import only adds names (the undo removes those), and a
    migration that rewrote ``sync_clock`` would have to empty the journals (:func:`drop_all`).
``sync_undo_row``
    in order, every change of the small sync tables (version vector, beliefs, conflicts, the
    import log): the old row of an update or delete, the key of an insert; temporary triggers
    on the importing connection write these while the import runs.

An undo puts all of it back in one transaction, newest import first, and records itself in
the audit log. It is allowed only while nothing has been written since: no local write (this
site's sequences are as they were) and no later import (it is the newest journal). The site's
clock is not set back (a clock never goes backwards), and what the import taught about the
sender's trust (site list, key rotation, its audit head) is kept: undoing data does not
unlearn a revocation. Attached files the bundle brought stay in the file store (encrypted,
named by their content: the same bytes come back if the bundle is imported again). The
journals of the last :data:`KEEP` imports are kept; an erasure drops them all (they hold old
values).
"""

from __future__ import annotations

import json
import operator
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import Any

from desktop.domain.errors import UserError
from desktop.i18n import _
from desktop.storage import audit, dbapi, versions
from desktop.storage.writer import Store

KEEP = 5
# The small sync tables an import changes, journalled row by row by temporary triggers.
SMALL_TABLES = ("sync_vv", "sync_belief", "sync_conflict", "sync_import_log",
                "sync_bundle_note")
_CHUNK = 500
_TABLE, _RECORD = operator.itemgetter(0), operator.itemgetter(1)
_LINE_TABLE, _LINE_ID = operator.attrgetter("t"), operator.attrgetter("pk")

SCHEMA = """
CREATE TABLE sync_undo (
    id INTEGER PRIMARY KEY,
    bundle_id TEXT NOT NULL, sender TEXT NOT NULL, file TEXT NOT NULL,
    imported_local_time TEXT NOT NULL, actor TEXT NOT NULL,
    site_id TEXT NOT NULL, own_seqs TEXT NOT NULL, names_above INTEGER NOT NULL,
    sender_counter INTEGER, sender_import_time TEXT, records INTEGER NOT NULL DEFAULT 0);
CREATE TABLE sync_undo_record (
    undo INTEGER NOT NULL, tbl TEXT NOT NULL, id TEXT NOT NULL, row TEXT,
    PRIMARY KEY (undo, tbl, id)) WITHOUT ROWID;
CREATE TABLE sync_undo_clock (
    undo INTEGER NOT NULL, t INTEGER NOT NULL, r INTEGER NOT NULL, o INTEGER NOT NULL,
    p INTEGER NOT NULL, s INTEGER NOT NULL, c BLOB NOT NULL,
    PRIMARY KEY (undo, t, r, o)) WITHOUT ROWID;
CREATE TABLE sync_undo_row (
    n INTEGER PRIMARY KEY, undo INTEGER NOT NULL, tbl TEXT NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete')), old TEXT NOT NULL);
CREATE INDEX sync_undo_row_undo ON sync_undo_row(undo)
"""


@dataclass(frozen=True)
class Journal:
    """One import that can be undone (while nothing was written after it)."""

    id: int
    bundle_id: str
    sender: str
    sender_name: str
    file: str
    imported_local_time: str
    actor: str
    records: int

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "bundle_id": self.bundle_id, "sender": self.sender,
                "sender_name": self.sender_name, "file": self.file,
                "imported": self.imported_local_time, "actor": self.actor,
                "records": self.records}


@dataclass(frozen=True)
class Undone:
    journals: list[Journal]

    @property
    def bundle_ids(self) -> list[str]:
        return [j.bundle_id for j in self.journals]

    @property
    def records(self) -> int:
        return sum(j.records for j in self.journals)


# -- writing a journal (inside the import's transaction) -----------------------------------------

class Recorder:
    """The journal of one import being written; :meth:`finish` before the commit."""

    def __init__(self, conn: dbapi.Connection, undo_id: int) -> None:
        self.conn, self.id = conn, undo_id

    def finish(self) -> None:
        # The triggers are the connection's: gone at a rollback, dropped here before a commit.
        _drop_triggers(self.conn)


def start(store: Store, bundle_id: str, sender: str, file: Path | str,
          cells: Sequence[Sequence[object]], records: Sequence[Any] | None = None
          ) -> Recorder:
    """Begin the journal of an import inside its transaction (``store.transaction``), before
    anything is merged: the records ``cells`` name as they are now, and triggers that note
    every change of the small sync tables. ``records``: the record lines the cells were
    expanded from (merge.Record: each record once, its table ``t`` and id ``pk``), read for
    the records' ids instead of the cells (a tenth as many: 10 field versions a new person).
    Drops the journals older than the last KEEP."""
    conn = store.conn
    site_id = store.site.site_id
    own = {r[0]: int(r[1]) for r in conn.execute(
        "SELECT part, seq FROM sync_vv WHERE origin = ?", (site_id,))}
    names_above = int(conn.execute("SELECT coalesce(max(n), 0) FROM sync_name").fetchone()[0])
    peer = conn.execute("SELECT last_counter, last_import_local_time FROM sync_site "
                        "WHERE site_id = ?", (sender,)).fetchone()
    undo_id = int(conn.execute(
        "INSERT INTO sync_undo (bundle_id, sender, file, imported_local_time, actor, site_id, "
        "own_seqs, names_above, sender_counter, sender_import_time) VALUES "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (bundle_id, sender, str(file), audit.now_local(), store.actor, site_id,
         json.dumps(own, sort_keys=True), names_above, peer[0] if peer else None,
         peer[1] if peer else None)).fetchone()[0])
    _drop_older(conn, undo_id - KEEP)
    by_table: dict[str, dict[str, None]] = defaultdict(dict)
    if records is not None:
        for tbl, lines in groupby(records, _LINE_TABLE):  # the record ids, each once, in C
            by_table[str(tbl)].update(dict.fromkeys(map(str, map(_LINE_ID, lines))))
    else:
        for tbl, of_table in groupby(cells, _TABLE):
            by_table[str(tbl)].update(dict.fromkeys(map(str, map(_RECORD, of_table))))
    records = 0
    names = versions.Names(conn)  # read once: nothing is merged (or named) until this returns
    for tbl, pks in by_table.items():
        records += _journal_records(conn, undo_id, tbl, list(pks), names.known(tbl))
    conn.execute("UPDATE sync_undo SET records = ? WHERE id = ?", (records, undo_id))
    _create_triggers(conn)
    return Recorder(conn, undo_id)


def _journal_records(conn: dbapi.Connection, undo_id: int, tbl: str, pks: list[str],
                     t: int | None) -> int:
    """Each record as it is and its versions (``t``: the table's ordinal in them, None if no
    record of it has any), copied by SQLite; the absent ones as new."""
    row_json = _row_json(_columns(conn, tbl))
    absent: list[str] = []
    for i in range(0, len(pks), _CHUNK):
        chunk = pks[i:i + _CHUNK]
        marks, params = dbapi.in_marks(chunk)  # a few lengths: the same texts every import
        found = conn.execute(f"INSERT INTO sync_undo_record (undo, tbl, id, row) SELECT ?, ?, "
                             f"id, {row_json} FROM {tbl} WHERE id IN ({marks})",
                             (undo_id, tbl, *params)).rowcount
        if found != len(chunk):  # some are new: noted below (an edit's chunk skips that)
            absent += chunk
        if t is not None and found:
            conn.execute(f"INSERT INTO sync_undo_clock SELECT ?, t, r, o, p, s, c FROM "
                         f"sync_clock WHERE t = ? AND r IN (SELECT _rowid FROM {tbl} WHERE id "
                         f"IN ({marks}))", (undo_id, t, *params))
    conn.executemany("INSERT OR IGNORE INTO sync_undo_record (undo, tbl, id, row) "
                     "VALUES (?, ?, ?, NULL)", [(undo_id, tbl, pk) for pk in absent])
    return len(pks)


def _row_json(cols: Sequence[tuple[str, int]]) -> str:
    """SQL making the JSON object of a row's columns but the empty ones (a sixth smaller):
    the pieces of the non-null ones joined by concat_ws, which skips NULLs. The same object
    as ``json_patch('{}', json_object(…))`` (whose json_patch, parsing the object again, was
    half the journal's copying of the records) at two thirds of the processor time."""
    pieces = ", ".join(f"CASE WHEN {c} IS NOT NULL THEN '{json.dumps(c)}:' || json_quote({c}) "
                       f"END" for c, _pk in cols)
    return f"'{{' || concat_ws(',', {pieces}) || '}}'"


def _columns(conn: dbapi.Connection, tbl: str) -> list[tuple[str, int]]:
    """(name, position in the primary key, 0 if none) of each column of ``tbl``."""
    return [(r[1], int(r[5])) for r in conn.execute(f"PRAGMA table_info({tbl})")]


def _json_object(cols: Sequence[tuple[str, int]], prefix: str) -> str:
    return "json_object(" + ", ".join(f"'{c}', {prefix}{c}" for c, _pk in cols) + ")"


def _create_triggers(conn: dbapi.Connection) -> None:
    """The triggers noting the small tables' changes into the newest journal (this import's:
    made first in its transaction). Their text is the same at every import, as the statements
    that drop them: the connection's statement cache keeps one copy of each, where an id in the
    text made 15 new statements an import (a folder import of 45 bundles runs on one
    connection: once its cache is full, a statement first run after is not kept, db.py)."""
    for tbl in SMALL_TABLES:
        cols = _columns(conn, tbl)
        key = [c for c in cols if c[1]]
        for op, when, noted in (("insert", "INSERT", _json_object(key, "new.")),
                                ("update", "UPDATE", _json_object(cols, "old.")),
                                ("delete", "DELETE", _json_object(cols, "old."))):
            conn.execute(
                f"CREATE TEMP TRIGGER antq_undo_{tbl}_{op} AFTER {when} ON main.{tbl} BEGIN "
                f"INSERT INTO main.sync_undo_row (undo, tbl, op, old) VALUES "
                f"((SELECT max(id) FROM main.sync_undo), '{tbl}', '{op}', {noted}); END")


def _drop_triggers(conn: dbapi.Connection) -> None:
    for tbl in SMALL_TABLES:
        for op in ("insert", "update", "delete"):
            conn.execute(f"DROP TRIGGER IF EXISTS temp.antq_undo_{tbl}_{op}")


def _drop_older(conn: dbapi.Connection, upto: int) -> None:
    if upto > 0:
        for sql in ("DELETE FROM sync_undo_record WHERE undo <= ?",
                    "DELETE FROM sync_undo_clock WHERE undo <= ?",
                    "DELETE FROM sync_undo_row WHERE undo <= ?",
                    "DELETE FROM sync_undo WHERE id <= ?"):
            conn.execute(sql, (upto,))


def drop_all(conn: dbapi.Connection) -> None:
    """Forget every journal (an erasure: they hold old values); no import can be undone."""
    _drop_older(conn, 2 ** 62)


# -- reading -------------------------------------------------------------------------------------

def journals(conn: dbapi.Connection) -> list[Journal]:
    """The imports that have a journal, newest first."""
    return [Journal(int(r[0]), r[1], r[2], r[3] or r[2], r[4], r[5], r[6], int(r[7]))
            for r in conn.execute(
                "SELECT u.id, u.bundle_id, u.sender, s.name, u.file, u.imported_local_time, "
                "u.actor, u.records FROM sync_undo u LEFT JOIN sync_site s "
                "ON s.site_id = u.sender ORDER BY u.id DESC")]


def refusal(conn: dbapi.Connection, bundle_ids: Sequence[str] | None = None) -> str | None:
    """Why the imports of ``bundle_ids`` (the newest one if None) cannot be undone now, in
    one sentence saying what to do; None if they can."""
    try:
        _chosen(conn, bundle_ids)
    except UserError as e:
        return str(e)
    return None


def _chosen(conn: dbapi.Connection, bundle_ids: Sequence[str] | None) -> list[Journal]:
    """The journals to undo, newest first, checked (UserError saying why not)."""
    kept = journals(conn)
    if not kept:
        raise UserError(_("Không có lần nhập nào để hoàn tác (chương trình chỉ giữ được {n} "
                          "lần nhập gần nhất, và không giữ sau khi xóa vĩnh viễn)").format(
            n=KEEP))
    wanted = list(dict.fromkeys(bundle_ids or [kept[0].bundle_id]))
    known = {j.bundle_id: j for j in kept}
    for b in wanted:
        if b not in known:
            raise UserError(_("Gói {b} không còn nhật ký hoàn tác (chương trình chỉ giữ {n} "
                              "lần nhập gần nhất); không hoàn tác được").format(b=b, n=KEEP))
    chosen = kept[:len(wanted)]
    later = [j for j in chosen if j.bundle_id not in wanted]
    if later:
        j = later[-1]
        raise UserError(_("Sau lần nhập này đã nhập gói {b} của {s} lúc {t}: hãy hoàn tác lần "
                          "nhập đó trước").format(b=j.bundle_id, s=j.sender_name,
                                                  t=_shown_time(j.imported_local_time)))
    site = conn.execute("SELECT value FROM site_meta WHERE key = 'site_id'").fetchone()
    own_now = {r[0]: int(r[1]) for r in conn.execute(
        "SELECT part, seq FROM sync_vv WHERE origin = ?", (site[0] if site else "",))}
    for j in chosen:
        site_then, own_then = conn.execute("SELECT site_id, own_seqs FROM sync_undo WHERE id = ?",
                                           (j.id,)).fetchone()
        if site is None or site_then != site[0] or json.loads(own_then) != own_now:
            raise UserError(_("Sau lần nhập gói {b} lúc {t} đã có thay đổi ghi trên máy này: "
                              "hoàn tác bây giờ sẽ làm mất các thay đổi đó, nên không hoàn tác "
                              "được nữa. Hãy sửa lại bằng tay những gì gói đã đổi, hoặc khôi "
                              "phục từ một bản sao lưu").format(
                b=j.bundle_id, t=_shown_time(j.imported_local_time)))
    return chosen


def _shown_time(local: str) -> str:
    return local.replace("T", " ")


# -- undoing -------------------------------------------------------------------------------------

def undo(conn: dbapi.Connection, bundle_ids: Sequence[str] | None = None, *,
         actor: str | None = None) -> Undone:
    """Undo the imports of ``bundle_ids`` (the newest import if None), which must be the
    newest ones, in one transaction; recorded in the audit log. Re-importing a bundle undone
    works (its line of the import log is gone). UserError (nothing changed) if not allowed."""
    store = Store(conn, actor=actor)
    with store.transaction("sync"):
        chosen = _chosen(conn, bundle_ids)
        from desktop.storage import duplicates  # the queue follows the people put back

        with duplicates.watching(conn) as written:  # those alone: not a migration's backlog
            for j in chosen:
                _revert(conn, j.id)
            duplicates.scan(conn, only=written.ids())
        audit.record_event(conn, store.actor, "import-undo", {
            "bundles": [{"bundle_id": j.bundle_id, "sender": j.sender, "file": j.file,
                         "imported": j.imported_local_time, "records": j.records}
                        for j in chosen]})
    return Undone(chosen)


def _revert(conn: dbapi.Connection, undo_id: int) -> None:
    head = conn.execute("SELECT sender, names_above, sender_counter, sender_import_time "
                        "FROM sync_undo WHERE id = ?", (undo_id,)).fetchone()
    for tbl, op, old in conn.execute("SELECT tbl, op, old FROM sync_undo_row WHERE undo = ? "
                                     "ORDER BY n DESC", (undo_id,)).fetchall():
        _put_back_row(conn, tbl, op, json.loads(old))
    by_table: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
    for tbl, pk, row in conn.execute("SELECT tbl, id, row FROM sync_undo_record WHERE undo = ?",
                                     (undo_id,)):
        by_table[tbl].append((pk, row))
    names = versions.Names(conn)
    for tbl, items in by_table.items():
        _put_back_records(conn, undo_id, tbl, names.known(tbl), items)
    conn.execute("DELETE FROM sync_name WHERE n > ?", (head[1],))
    conn.execute("UPDATE sync_site SET last_counter = ?, last_import_local_time = ? "
                 "WHERE site_id = ?", (head[2], head[3], head[0]))
    for sql in ("DELETE FROM sync_undo_record WHERE undo = ?",
                "DELETE FROM sync_undo_clock WHERE undo = ?",
                "DELETE FROM sync_undo_row WHERE undo = ?", "DELETE FROM sync_undo WHERE id = ?"):
        conn.execute(sql, (undo_id,))


def _put_back_row(conn: dbapi.Connection, tbl: str, op: str, old: dict[str, object]) -> None:
    if tbl not in SMALL_TABLES:  # the journal is ours; never a name from elsewhere in SQL
        raise UserError(_("Nhật ký hoàn tác hỏng (bảng «{t}»)").format(t=tbl))
    cols = list(old)
    if not set(cols) <= {c for c, _pk in _columns(conn, tbl)}:
        raise UserError(_("Nhật ký hoàn tác hỏng (bảng «{t}»)").format(t=tbl))
    if op == "insert":
        conn.execute(f"DELETE FROM {tbl} WHERE " + " AND ".join(f"{c} = ?" for c in cols),
                     [old[c] for c in cols])
    else:
        conn.execute(f"INSERT OR REPLACE INTO {tbl} ({', '.join(cols)}) VALUES "
                     f"({', '.join('?' * len(cols))})", [old[c] for c in cols])


def _put_back_records(conn: dbapi.Connection, undo_id: int, tbl: str, t: int | None,
                      items: Sequence[tuple[str, str | None]]) -> None:
    """The records of one table as they were: the new ones removed with their versions, the
    others' rows and versions put back."""
    from desktop.domain.kinds import KINDS_BY_TABLE

    if tbl not in KINDS_BY_TABLE:
        raise UserError(_("Nhật ký hoàn tác hỏng (bảng «{t}»)").format(t=tbl))
    made = [pk for pk, row in items if row is None]
    gone: list[int] = []
    for i in range(0, len(made), _CHUNK):
        marks, params = dbapi.in_marks(made[i:i + _CHUNK])
        gone += [r[0] for r in conn.execute(f"SELECT _rowid FROM {tbl} WHERE id IN ({marks})",
                                            params)]
    rows = [json.loads(row) for _pk, row in items if row is not None]
    if t is not None:  # every version the import wrote for these records, then the old ones
        conn.executemany("DELETE FROM sync_clock WHERE t = ? AND r = ?",
                         [(t, r) for r in gone + [int(row["_rowid"]) for row in rows]])
        conn.execute("INSERT INTO sync_clock (t, r, o, p, s, c) SELECT t, r, o, p, s, c FROM "
                     "sync_undo_clock WHERE undo = ? AND t = ?", (undo_id, t))
    conn.executemany(f"DELETE FROM {tbl} WHERE _rowid = ?", [(r,) for r in gone])
    if rows:
        cols = [c for c, _pk in _columns(conn, tbl) if c != "_rowid"]
        if any(set(r) - set(cols) - {"_rowid"} for r in rows):
            raise UserError(_("Nhật ký hoàn tác hỏng (bảng «{t}»)").format(t=tbl))
        conn.executemany(f"UPDATE {tbl} SET {', '.join(f'{c} = ?' for c in cols)} "
                         f"WHERE _rowid = ?", [(*(r.get(c) for c in cols), r["_rowid"])
                                               for r in rows])
