"""The same person recorded twice: candidates found, reviewed, merged or dismissed (issue 15).

Two records are a candidate when they share a citizen ID (CCCD), or a folded name (text.fold:
tones, đ/Đ and case ignored) and a birth date; ethnicity, village and gender raise or lower
the score. Each person has match keys in ``duplicate_key`` (an index: a candidate is found by
looking up a person's keys, never by comparing every pair); since migration 24 a key is filed
as a 47-bit hash of its text beside the person's integer ``_rowid``, and the CCCD is looked up
in the people's own ``person_citizen_id`` index (issue 12: the text keys with the 36-character
record id, twice, were 24 MB of a 100k commune); since migration 28 without an index by person
(3 MB more): a person's old keys are made again from the old values its queue row keeps
(:data:`TRIGGERS`) and deleted by key; since migration 30 one key a person, the name, birth
year and day in one integer, looked up by ranges (:func:`_hashes`). Triggers put every person
written (locally or by an import) into ``duplicate_dirty``; :func:`scan` looks again at those
only, so it runs before the queue is shown at the cost of what changed. An import (or its
undo) scans only the people it wrote itself (:func:`watching`, ``scan(only=…)``): the backlog
a migration or a bulk build leaves (everyone dirty) waits for the page's scan or ``antq
duplicates scan`` instead of making the first import pay for the whole database (issue 12).

The queue (``duplicate_candidate``, one row per unordered pair, local to this site) has three
states: open, not_same (the officer said they are two people: the pair never comes back),
merged. A merge (same_person.merge_people) keeps one record, the other becoming its alias;
what it changed is kept with the candidate so that :func:`unmerge` can take it back.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from desktop.domain import text
from desktop.domain.errors import NotFoundError, UserError
from desktop.domain.kinds import PERSON
from desktop.i18n import _
from desktop.storage import db, dbapi, records
from desktop.storage.history import Change, UndoStack, Writer, store_of, take_back
from desktop.storage.same_person import ALIAS, merge_people
from desktop.storage.writer import Store

OPEN, NOT_SAME, MERGED = "open", "not_same", "merged"
STATUSES = {OPEN: _("Chờ xem xét"), NOT_SAME: _("Không phải một người"), MERGED: _("Đã gộp")}
MIN_SCORE = 40  # below this a pair sharing a key is not worth the officer's time
_CHUNK = 500
# What a candidate's reasons say, for the officer.
REASONS = {
    "citizen_id": _("trùng số CCCD"),
    "name": _("trùng họ tên"),
    "birth_date": _("trùng ngày sinh"),
    "birth_year": _("trùng năm sinh"),
    "ethnicity": _("cùng dân tộc"),
    "village": _("cùng nơi cư trú"),
    "gender": _("cùng giới tính"),
    "gender_differs": _("khác giới tính"),
    "citizen_id_differs": _("khác số CCCD"),
}
_FIELDS = ("id", "_rowid", "full_name", "birth_date", "gender", "ethnicity", "citizen_id",
           "residence_unit_id", "_deleted", ALIAS, "_part")
# Their positions, for the scan's loop over every person of a chunk.
_ID, _ROWID, _NAME, _BORN, _CITIZEN_ID, _DELETED, _MERGED_INTO = (0, 1, 2, 3, 6, 8, 9)

SCHEMA = """
ALTER TABLE person ADD COLUMN merged_into TEXT;
CREATE INDEX person_merged ON person(merged_into) WHERE merged_into IS NOT NULL;
CREATE TABLE duplicate_key (key TEXT NOT NULL, person_id TEXT NOT NULL,
    PRIMARY KEY (key, person_id)) WITHOUT ROWID;
CREATE INDEX duplicate_key_person ON duplicate_key(person_id);
CREATE TABLE duplicate_dirty (person_id TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE duplicate_candidate (
    id INTEGER PRIMARY KEY,
    a TEXT NOT NULL, b TEXT NOT NULL,
    score INTEGER NOT NULL, reasons TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'not_same', 'merged')),
    found_local TEXT NOT NULL, decided_by TEXT, decided_local TEXT,
    kept TEXT, merge_log TEXT,
    UNIQUE (a, b), CHECK (a < b));
CREATE INDEX duplicate_candidate_b ON duplicate_candidate(b);
CREATE INDEX duplicate_candidate_status ON duplicate_candidate(status, score);
INSERT INTO duplicate_dirty SELECT id FROM person
"""
# The fields a match or a merge reads: an update of another leaves the person as it was.
_MATCHED = ("full_name, birth_date, gender, ethnicity, citizen_id, residence_unit_id, _deleted, "
            "merged_into")
# Every person written, by any path (a local write, an import, an undo), is looked at again.
# Migration 20's form; migration 28 gives the queue the old values (TRIGGERS below).
V20_TRIGGERS = (
    "CREATE TRIGGER person_duplicate_ai AFTER INSERT ON person BEGIN "
    "INSERT OR IGNORE INTO duplicate_dirty VALUES (new.id); END",
    f"CREATE TRIGGER person_duplicate_au AFTER UPDATE OF {_MATCHED} ON person BEGIN "
    "INSERT OR IGNORE INTO duplicate_dirty VALUES (new.id); END",
    # Rows are removed only by undoing an import that made them (desktop/storage/undo.py).
    "CREATE TRIGGER person_duplicate_ad AFTER DELETE ON person BEGIN "
    "INSERT OR IGNORE INTO duplicate_dirty VALUES (old.id); END",
)
# Since migration 28 the queue keeps, from a person's first write after its last scan, what
# the keys filed at that scan were made of (its _rowid, name and birth date: the keys are a
# function of them), so that the scan deletes exactly those keys without an index of the keys
# by person (issue 12: 3 MB of a 100k commune). OR IGNORE keeps that first write's old
# values; a new person (nothing filed) has none. The insert trigger keeps the simple form
# desktop/storage/bulk.py runs set-based.
TRIGGERS = (
    "CREATE TRIGGER person_duplicate_ai AFTER INSERT ON person BEGIN "
    "INSERT OR IGNORE INTO duplicate_dirty (person_id) VALUES (new.id); END",
    f"CREATE TRIGGER person_duplicate_au AFTER UPDATE OF {_MATCHED} ON person BEGIN "
    "INSERT OR IGNORE INTO duplicate_dirty VALUES (new.id, old._rowid, old.full_name, "
    "old.birth_date); END",
    # Rows are removed only by undoing an import that made them (desktop/storage/undo.py).
    "CREATE TRIGGER person_duplicate_ad AFTER DELETE ON person BEGIN "
    "INSERT OR IGNORE INTO duplicate_dirty VALUES (old.id, old._rowid, old.full_name, "
    "old.birth_date); END",
)


# Migration 24: the match keys as integers. A hash that two keys share costs one more pair
# scored (the score reads the people themselves), never a pair missed.
COMPACT_KEYS = """
CREATE TABLE duplicate_key (key INTEGER NOT NULL, person INTEGER NOT NULL,
    PRIMARY KEY (key, person)) WITHOUT ROWID;
CREATE INDEX duplicate_key_person ON duplicate_key(person)
"""
_CCCD = "c:"  # keys of this prefix are looked up in person_citizen_id, not filed


def key_hash(key: str) -> int:
    """A match key as 47 bits: six bytes stored, one chance in 10**14 that two keys meet."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=6).digest(), "big") >> 1


def compact_keys(conn: dbapi.Connection) -> None:
    """Migration 24: the keys filed so far, hashed and beside the person's ``_rowid``; the
    CCCD keys dropped (the person_citizen_id index answers them). What was to scan stays so."""
    old = conn.execute("SELECT k.key, p._rowid FROM duplicate_key k "
                       "JOIN person p ON p.id = k.person_id").fetchall()
    conn.execute("DROP TABLE duplicate_key")  # and its index
    for stmt in COMPACT_KEYS.split(";"):
        conn.execute(stmt)
    conn.executemany("INSERT OR IGNORE INTO duplicate_key VALUES (?, ?)",
                     sorted((key_hash(k), r) for k, r in old if not k.startswith(_CCCD)))


def create_schema(conn: dbapi.Connection) -> None:
    """Migration 20: the alias column, the match keys, the queue; every person to scan."""
    for stmt in SCHEMA.split(";"):
        if stmt.strip():
            conn.execute(stmt)
    for stmt in V20_TRIGGERS:
        conn.execute(stmt)


def keys_without_person_index(conn: dbapi.Connection) -> None:
    """Migration 28: the match keys without their index by person (the scan knows which keys
    to delete from the old values the queue keeps, see TRIGGERS); the queue's old-value
    columns and triggers. The keys are filed again from every person not waiting to be
    scanned (what a scan would file; keys a person kept from before a write not yet scanned,
    or that name a _rowid since taken back, are gone), those waiting get theirs at the scan."""
    conn.execute("DROP INDEX IF EXISTS duplicate_key_person")
    for col in ("old_rowid INTEGER", "old_name TEXT", "old_birth TEXT"):
        conn.execute(f"ALTER TABLE duplicate_dirty ADD COLUMN {col}")
    for name in ("ai", "au", "ad"):
        conn.execute(f"DROP TRIGGER IF EXISTS person_duplicate_{name}")
    for stmt in TRIGGERS:
        conn.execute(stmt)
    file_keys_anew(conn)


def file_keys_anew(conn: dbapi.Connection) -> None:
    """Every key filed again as this program makes them (migrations 28 and 30): from every
    live person not waiting to be scanned (what a scan would file); those waiting get theirs
    at the scan, with nothing to delete (the old values their queue rows kept made keys of
    the format gone)."""
    conn.execute("DELETE FROM duplicate_key")
    conn.execute("UPDATE duplicate_dirty SET old_rowid = NULL, old_name = NULL, "
                 "old_birth = NULL WHERE old_rowid IS NOT NULL")
    cols = ", ".join(_FIELDS)
    filed: list[tuple[int, int]] = []
    for row in conn.execute(f"SELECT {cols} FROM person WHERE id NOT IN "
                            "(SELECT person_id FROM duplicate_dirty)"):
        if _live(row):
            filed += [(h, row["_rowid"]) for h in _hashed_keys(row)[0]]
    conn.executemany("INSERT OR IGNORE INTO duplicate_key VALUES (?, ?)", sorted(filed))


# -- keys and scores ---------------------------------------------------------------------------

def _name(row: dbapi.Row | dict) -> str:
    return text.fold(str(row["full_name"] or ""))


def match_keys(row: dbapi.Row | dict) -> tuple[list[str], list[str]]:
    """(the keys a person is filed under, the keys looked up to find its twins). The same
    CCCD; the same folded name with the same full birth date; a birth date known only in part
    (a year, a month) meets everyone of that name born that year. A full date does not look
    at the whole year (a common name has dozens there, all with other dates)."""
    filed, looked = [], []
    if row["citizen_id"]:
        filed.append(f"c:{row['citizen_id']}")
        looked.append(f"c:{row['citizen_id']}")
    name, born = _name(row), str(row["birth_date"] or "")
    if name and born:
        year = f"{name}|{born[:4]}"
        filed.append(f"y:{year}")
        if len(born) == 10:
            filed.append(f"d:{name}|{born}")
            looked += [f"d:{name}|{born}", f"p:{year}"]
        else:
            filed.append(f"p:{year}")
            looked.append(f"y:{year}")
    return filed, looked


def score(p: dbapi.Row | dict, q: dbapi.Row | dict) -> tuple[int, list[str]]:
    """0-100 and the reasons: the same CCCD is 100; the same folded name with the same birth
    date 60 (the same year, one date partial or both the same partial date: 35); the same
    ethnicity +10, village +15, gender +5; a different gender -30, different CCCDs -40."""
    reasons: list[str] = []
    value = 0
    if p["citizen_id"] and p["citizen_id"] == q["citizen_id"]:
        reasons.append("citizen_id")
        value = 100
    same_name = bool(_name(p)) and _name(p) == _name(q)
    if same_name:
        reasons.append("name")
    a, b = str(p["birth_date"] or ""), str(q["birth_date"] or "")
    if a and b and a == b:
        reasons.append("birth_date")
        if same_name and value < 100:
            value = 60 if len(a) == 10 else 35
    elif a and b and (a.startswith(b) or b.startswith(a)):
        reasons.append("birth_year")
        if same_name and value < 100:
            value = 35
    if value < 100 and p["citizen_id"] and q["citizen_id"]:
        reasons.append("citizen_id_differs")
        value -= 40
    if value <= 0:
        return max(value, 0), reasons
    if p["ethnicity"] and p["ethnicity"] == q["ethnicity"]:
        reasons.append("ethnicity")
        value += 10
    if p["residence_unit_id"] and p["residence_unit_id"] == q["residence_unit_id"]:
        reasons.append("village")
        value += 15
    if p["gender"] and q["gender"]:
        if p["gender"] == q["gender"]:
            reasons.append("gender")
            value += 5
        else:
            reasons.append("gender_differs")
            value -= 30
    return max(0, min(value, 100)), reasons


def _live(row: dbapi.Row | dict) -> bool:
    return not row["_deleted"] and not row[ALIAS]


def _pair(x: str, y: str) -> tuple[str, str]:
    return (x, y) if x < y else (y, x)


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


# -- scanning ------------------------------------------------------------------------------------

@dataclass
class ScanResult:
    checked: int = 0
    found: int = 0  # new open candidates
    dropped: int = 0  # open candidates that no longer match
    compared: int = 0  # pairs scored (sharing a key): grows with the people looked at only


def pending(conn: dbapi.Connection) -> int:
    """People written since the last scan (after migration 20: everyone)."""
    return int(conn.execute("SELECT count(*) FROM duplicate_dirty").fetchone()[0])


def scan(conn: dbapi.Connection, *, everyone: bool = False,
         only: Collection[str] | None = None,
         progress: Callable[[int, int], None] | None = None) -> ScanResult:
    """Look again at the people written since the last scan (all of them if ``everyone``;
    with ``only``, those of these ids still to scan, the others staying so); one
    transaction. Decided pairs keep their decision; an open pair that no longer matches
    leaves the queue. ``progress(done, total)`` after each chunk may raise to stop: nothing
    is then changed."""
    result = ScanResult()
    if only is not None and (everyone or not only):
        if everyone:
            raise ValueError("scan: everyone or only, not both")
        return result
    if not everyone and conn.execute("SELECT 1 FROM duplicate_dirty LIMIT 1").fetchone() is None:
        return result  # nothing written since: no write lock taken
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN IMMEDIATE")
    try:
        if everyone:
            # No old values: a person not written since its last scan has its keys filed
            # from what it is now, filed again as they are.
            conn.execute("INSERT OR IGNORE INTO duplicate_dirty (person_id) SELECT id FROM person")
        if only is None:
            dirty = [r[0] for r in conn.execute("SELECT person_id FROM duplicate_dirty")]
        else:
            dirty = _still_dirty(conn, only)
        _drop_filed_keys(conn, dirty)
        for i in range(0, len(dirty), _CHUNK):
            _scan_chunk(conn, dirty[i:i + _CHUNK], result)
            if progress is not None:
                progress(min(i + _CHUNK, len(dirty)), len(dirty))
        if only is None:
            conn.execute("DELETE FROM duplicate_dirty")
        else:
            for i in range(0, len(dirty), _CHUNK):
                marks, params = dbapi.in_marks(dirty[i:i + _CHUNK])
                conn.execute(f"DELETE FROM duplicate_dirty WHERE person_id IN ({marks})", params)
        if own:
            conn.execute("COMMIT")
    except BaseException:
        if own and conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    if own:  # the queue's pages emptied (a bulk import's: 2.7 MB at 100,000 people)
        db.give_back_free_pages(conn)
    return result


def _drop_filed_keys(conn: dbapi.Connection, dirty: Sequence[str]) -> None:
    """The keys filed at the last scan of the people about to be scanned, made again from the
    old values the queue kept (none: a new person, or one filed from what it is now, which
    the scan files again as it is) and deleted by (key, person), the table's own order: no
    index by person (issue 12). All before any is filed: a person deleted (an undone import)
    may have left keys under a _rowid another one scanned now was given since; such a
    person's old keys go now even if it waits for a later scan, which then has none to
    delete (else it would delete the same keys filed now for the other)."""
    scanned = set(dirty)
    olds = []
    # A person live now under the same _rowid, name and birth date has the same keys as at its
    # last scan (an edit of its village, gender, CCCD…: most writes): the chunk files them
    # again as they are, nothing to delete.
    for pid, rowid, name, born, same in conn.execute(
            f"SELECT d.person_id, d.old_rowid, d.old_name, d.old_birth, p._rowid IS d.old_rowid "
            f"AND p.full_name IS d.old_name AND p.birth_date IS d.old_birth "
            f"AND NOT coalesce(p._deleted, 0) AND coalesce(p.{ALIAS}, '') = '' "
            "FROM duplicate_dirty d LEFT JOIN person p ON p.id = d.person_id "
            "WHERE d.old_rowid IS NOT NULL"):
        if not (same and pid in scanned):
            olds.append((pid, rowid, name, born))
    if not olds:
        return
    later = [r for r in olds if r[0] not in scanned]
    if later:  # only some scanned now: those whose old _rowid one of them holds go too
        holders = _held_by(conn, [r[1] for r in later])
        later = [r for r in later if holders.get(r[1]) in scanned]
    stale = sorted({(h, r[1]) for r in [*(r for r in olds if r[0] in scanned), *later]
                    for h in _hashed_keys({"full_name": r[2], "birth_date": r[3],
                                           "citizen_id": None})[0]})
    conn.executemany("DELETE FROM duplicate_key WHERE key = ? AND person = ?", stale)
    conn.executemany("UPDATE duplicate_dirty SET old_rowid = NULL, old_name = NULL, "
                     "old_birth = NULL WHERE person_id = ?", [(r[0],) for r in later])


def _held_by(conn: dbapi.Connection, rowids: Sequence[int]) -> dict[int, str]:
    return dict(dbapi.rows_in(conn, "SELECT _rowid, id FROM person WHERE _rowid IN ({})",
                              rowids))


def _still_dirty(conn: dbapi.Connection, ids: Iterable[str]) -> list[str]:
    """Those of ``ids`` waiting in the queue, sorted. A queue no longer than the ids (after
    an import, its people are most or all of it) is read whole in one walk of its leaves
    rather than probed an id at a time (issue 12: 4.7 ms for 9.3 at 10,000 people)."""
    wanted = set(ids)
    queue = [r[0] for r in conn.execute(
        "SELECT person_id FROM duplicate_dirty ORDER BY person_id LIMIT ?", (len(wanted) + 1,))]
    if len(queue) <= len(wanted):  # the whole queue
        return [pid for pid in queue if pid in wanted]
    ids = sorted(wanted)
    out: list[str] = []
    for i in range(0, len(ids), _CHUNK):
        marks, params = dbapi.in_marks(ids[i:i + _CHUNK])
        out += [r[0] for r in conn.execute("SELECT person_id FROM duplicate_dirty WHERE "
                                           f"person_id IN ({marks})", params)]
    return out


class Written:
    """The people written on one connection while :func:`watching` it."""

    def __init__(self, conn: dbapi.Connection) -> None:
        self.conn = conn

    def ids(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT person_id FROM temp.duplicate_written")]


_WATCH_EVENTS = (("ai", "AFTER INSERT", "new"), ("au", f"AFTER UPDATE OF {_MATCHED}", "new"),
                 ("ad", "AFTER DELETE", "old"))


@contextlib.contextmanager
def watching(conn: dbapi.Connection) -> Iterator[Written]:
    """Note every person written on ``conn`` inside the block, whatever the path (an import's
    merge, the moves it settles, the aliases followed after it, an undo), so that
    ``scan(conn, only=written.ids())`` looks at those and leaves the rest of the backlog:
    temporary triggers beside the ones that fill ``duplicate_dirty``, seen by this connection
    only (another window's writes stay for the page's scan); a rolled-back write leaves no
    note. Not nested."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS duplicate_written "
                 "(person_id TEXT PRIMARY KEY) WITHOUT ROWID")
    conn.execute("DELETE FROM temp.duplicate_written")
    for name, when, row in _WATCH_EVENTS:
        conn.execute(f"DROP TRIGGER IF EXISTS temp.duplicate_watch_{name}")
        conn.execute(f"CREATE TEMP TRIGGER duplicate_watch_{name} {when} ON main.person BEGIN "
                     f"INSERT OR IGNORE INTO temp.duplicate_written VALUES ({row}.id); END")
    try:
        yield Written(conn)
    finally:
        for name, _when, _row in _WATCH_EVENTS:
            conn.execute(f"DROP TRIGGER IF EXISTS temp.duplicate_watch_{name}")
        conn.execute("DELETE FROM temp.duplicate_written")


def _rows(conn: dbapi.Connection, ids: Iterable[str]) -> dict[str, dbapi.Row]:
    ids = list(ids)
    out: dict[str, dbapi.Row] = {}
    cols = ", ".join(_FIELDS)
    for i in range(0, len(ids), _CHUNK):
        marks, params = dbapi.in_marks(ids[i:i + _CHUNK])
        for r in conn.execute(f"SELECT {cols} FROM person WHERE id IN ({marks})", params):
            out[r["id"]] = r
    return out


def _hashed_keys(row: dbapi.Row | dict) -> tuple[list[int], list[tuple[int, int]]]:
    """:func:`match_keys` without the CCCD, as integers: (the key filed, the ranges of keys
    looked up); see :func:`_hashes`."""
    filed, looked = _hashes(row["full_name"], row["birth_date"])
    return list(filed), list(looked)


_blake2b, _from_bytes = hashlib.blake2b, int.from_bytes
# A key since migration 30 (issue 12: one key a person, not two; 1.5 MB less at 100,000
# people): 30 bits of the folded name's hash, 8 of the birth year, 9 of the day in it — 47 bits,
# six bytes stored. The day is 0 for a date known in part (a year, a month), so the year's
# people of a name are one range of keys.
_YEAR_SHIFT, _DAY_BITS = 17, 9
_DAYS = (1 << _DAY_BITS) - 1


def _hashes(full_name: object, birth_date: object
            ) -> tuple[tuple[int, ...], tuple[tuple[int, int], ...]]:
    """The key a person is filed under and the ranges of keys looked up to find its twins:
    the keys of :func:`match_keys` but the CCCD's, in one. A full birth date meets the same
    date and the year's partial dates (its year with day 0); a partial date meets the whole
    year (every day of it). Two names, years or days meeting in one key cost a pair scored
    (the score reads the people), never a pair missed (tests/storage/test_one_match_key.py
    holds the ranges to :func:`match_keys`). Spelled out for the scan's speed (issue 12)."""
    name, born = text.fold(str(full_name or "")), str(birth_date or "")
    if not (name and born):
        return (), ()
    year, day = _born_codes(born)
    base = (_from_bytes(_blake2b(name.encode(), digest_size=4).digest(), "big") >> 2
            ) << _YEAR_SHIFT | year
    if day:
        key = base | day
        return (key,), ((key, key), (base, base))
    return (base,), ((base, base | _DAYS),)


@functools.lru_cache(maxsize=1 << 16)
def _born_codes(born: str) -> tuple[int, int]:
    """A birth date's year code in its place in a key, and its day code (0: a date known in
    part): a scan's people share a few thousand dates (issue 12: a fifth of the hashing)."""
    return _year_code(born[:4]) << _DAY_BITS, _day_code(born) if len(born) == 10 else 0


def _digits(s: str) -> bool:
    return s.isascii() and s.isdigit()


def _year_code(year: str) -> int:
    """1800-2055 one each (a year 256 apart shares one); anything else by its hash."""
    if len(year) == 4 and _digits(year):
        return (int(year) - 1800) % 256
    return _blake2b(f"y:{year}".encode(), digest_size=1).digest()[0]


def _day_code(born: str) -> int:
    """A full date's day in its year, 33-415 (month * 32 + day); a ten-character date that
    is not one, 416-510 by its hash (the same text, the same code). Never 0."""
    month, day = born[5:7], born[8:10]
    if born[4] + born[7] == "--" and _digits(month) and _digits(day) and \
            1 <= int(month) <= 12 and 1 <= int(day) <= 31:
        return int(month) * 32 + int(day)
    return 416 + _blake2b(born.encode(), digest_size=1).digest()[0] % 95


_VALUES_ROWS = 1000  # rows of one VALUES table: a few thousand parameters, far below the bound


def _looked_up(conn: dbapi.Connection, table: str, flat: Sequence[object], width: int,
               select: str) -> Iterator[tuple[str, str]]:
    """The rows of ``select`` reading ``table`` (``name(columns)``), whose rows are ``flat``
    taken ``width`` at a time: a chunk's lookups as a ``VALUES`` table of the statement itself,
    no temporary table written and emptied (issue 12). Its rows padded to a power of two
    (``dbapi.padded``): a chunk's number of ranges depends on its people (one or two each), so
    a scan of everyone at 10,000 people prepared 15 texts of 1,000-row tables for its 40
    lookups (29 for 400 at 100,000), now 2; that scan's processor time 0.89 of before (5
    pairs, every one faster)."""
    row = f"({', '.join('?' * width)})"
    step = _VALUES_ROWS * width
    for i in range(0, len(flat), step):
        rows, part = dbapi.padded(flat[i:i + step], width)  # rows of NULLs match nothing
        values = ", ".join([row] * rows)
        yield from conn.execute(f"WITH {table} AS (VALUES {values}) {select}", part)


def _scan_chunk(conn: dbapi.Connection, ids: Sequence[str], result: ScanResult) -> None:
    """One chunk of people, set-based (issue 12): their rows read at once; the twins sharing
    a key (the looked-up ranges of keys joined with ``duplicate_key``, the CCCDs with
    ``person_citizen_id``) and their candidates come from a few joins, the lookups given as
    ``VALUES`` rows that carry each person's ``_rowid``: a person finds itself under its own
    key and number, and is left out from the index entry, before its row is read; per person
    only the pairs it shares a key with and the ones it had, in the order of the per-person
    scan it replaces (ids sorted, which tests/storage/test_duplicates_setbased.py compares
    with that scan)."""
    cols = ", ".join(_FIELDS)
    marks, params = dbapi.in_marks(ids)
    rows = {r[_ID]: r for r in conn.execute(
        f"SELECT {cols} FROM person WHERE id IN ({marks}) ORDER BY id", params)}
    filed: list[tuple[int, int]] = []
    looks: list[object] = []  # lo, hi, id, _rowid of each range looked up, flat
    numbers: list[object] = []  # CCCD, id, _rowid of each live person having one, flat
    # _hashes spelled out here, as it is a third of the scan (issue 12): a Row by position
    # (by name it compares the column names), the functions and constants held in locals.
    fold, blake2b, from_bytes, born_codes = text.fold, _blake2b, _from_bytes, _born_codes
    shift, days = _YEAR_SHIFT, _DAYS
    for pid, row in rows.items():
        if row[_DELETED] or row[_MERGED_INTO]:  # not _live
            continue
        rowid, number = row[_ROWID], row[_CITIZEN_ID]
        if number is not None and number != "":
            numbers += (number, pid, rowid)
        full_name, born = row[_NAME], row[_BORN]
        name = fold(full_name if type(full_name) is str else str(full_name or ""))
        if not born or not name:
            continue
        if type(born) is not str:
            born = str(born)
        year, day = born_codes(born)
        base = (from_bytes(blake2b(name.encode(), digest_size=4).digest(), "big") >> 2
                ) << shift | year
        if day:
            filed.append((base | day, rowid))
            looks += (base | day, base | day, pid, rowid, base, base, pid, rowid)
        else:
            filed.append((base, rowid))
            looks += (base, base | days, pid, rowid)
    conn.executemany("INSERT OR IGNORE INTO duplicate_key VALUES (?, ?)", sorted(filed))
    gone = set(ids) - set(rows)
    for pid in sorted(gone):  # gone: its import was undone
        result.dropped += conn.execute("DELETE FROM duplicate_candidate WHERE (a = :p OR "
                                       "b = :p) AND status = 'open'", {"p": pid}).rowcount
    # The twins: whoever is filed under a key of a looked-up range (a key two names, years or
    # days share gives both's people), and the live people with the same CCCD as a live one here.
    matched_of: dict[str, set[str]] = defaultdict(set)
    for pid, other in _looked_up(
            conn, "l(lo, hi, person_id, person)", looks, 4,
            "SELECT l.person_id, p.id FROM l CROSS JOIN duplicate_key k "
            "ON k.key BETWEEN l.lo AND l.hi AND k.person <> l.person "
            "CROSS JOIN person p ON p._rowid = k.person WHERE p.id <> l.person_id"):
        matched_of[pid].add(other)
    for pid, other in _looked_up(
            conn, "c(citizen_id, person_id, person)", numbers, 3,
            "SELECT c.person_id, q.id FROM c CROSS JOIN person q "
            "ON q.citizen_id = c.citizen_id AND q._rowid <> c.person "
            f"WHERE NOT coalesce(q._deleted, 0) AND coalesce(q.{ALIAS}, '') = '' "
            "AND q.id <> c.person_id"):
        matched_of[pid].add(other)
    people = dict(rows)
    people.update(_rows(conn, {o for m in matched_of.values() for o in m} - set(rows)))
    theirs: dict[str, list[tuple[int, str, str, str]]] = defaultdict(list)
    for cid, a, b, status in conn.execute(
            f"SELECT id, a, b, status FROM duplicate_candidate WHERE a IN ({marks}) UNION "
            f"SELECT id, a, b, status FROM duplicate_candidate WHERE b IN ({marks})",
            (*params, *params)).fetchall():
        if a in rows:
            theirs[a].append((cid, a, b, status))
        if b in rows:
            theirs[b].append((cid, a, b, status))
    result.checked += len(rows)
    for pid, row in rows.items():
        mine = theirs.get(pid, ())
        merged = row[_MERGED_INTO] and row[_DELETED]
        matched = matched_of.get(pid)
        if not (merged or mine or matched):
            continue  # the common case: nobody to compare, nothing to drop
        matched = matched or set()
        if merged or any(c[3] == MERGED for c in mine):
            _follow_merge_state(conn, row)
        result.compared += len(matched)
        for other_id in matched:
            if other_id in people:
                value, reasons = score(row, people[other_id])
                _record(conn, pid, other_id, value, reasons, result)
        # Open pairs of this person that no longer match leave the queue.
        for cid, a, b, status in mine:
            other_id = b if a == pid else a
            if status == OPEN and (other_id not in matched or not _live(row)):
                conn.execute("DELETE FROM duplicate_candidate WHERE id = ? AND status = 'open'",
                             (cid,))
                result.dropped += 1


def _record(conn: dbapi.Connection, x: str, y: str, value: int, reasons: list[str],
            result: ScanResult) -> None:
    a, b = _pair(x, y)
    row = conn.execute("SELECT id, status FROM duplicate_candidate WHERE a = ? AND b = ?",
                       (a, b)).fetchone()
    text_reasons = json.dumps(reasons)
    if row is None:
        if value >= MIN_SCORE:
            conn.execute("INSERT INTO duplicate_candidate (a, b, score, reasons, status, "
                         "found_local) VALUES (?, ?, ?, ?, 'open', ?)",
                         (a, b, value, text_reasons, _now()))
            result.found += 1
    elif row["status"] == OPEN and value < MIN_SCORE:
        conn.execute("DELETE FROM duplicate_candidate WHERE id = ?", (row["id"],))
        result.dropped += 1
    else:  # a decision stays; only what the pair has in common is brought up to date
        conn.execute("UPDATE duplicate_candidate SET score = ?, reasons = ? WHERE id = ?",
                     (value, text_reasons, row["id"]))


def _follow_merge_state(conn: dbapi.Connection, row: dbapi.Row) -> None:
    """A merge made elsewhere (it came in a bundle) or taken back (undo): the queue says so."""
    pid = row["id"]
    if row[ALIAS] and row["_deleted"]:
        a, b = _pair(pid, str(row[ALIAS]))
        conn.execute("INSERT INTO duplicate_candidate (a, b, score, reasons, status, "
                     "found_local, decided_local, kept) VALUES (?, ?, 0, '[]', 'merged', ?, ?, ?) "
                     "ON CONFLICT(a, b) DO UPDATE SET status = 'merged', kept = excluded.kept, "
                     "decided_local = coalesce(decided_local, excluded.decided_local)",
                     (a, b, _now(), _now(), row[ALIAS]))
    elif not row[ALIAS]:
        # Its pairs marked merged stay so only while the other record is its alias.
        for cid, a, b in conn.execute("SELECT id, a, b FROM duplicate_candidate WHERE "
                                      "(a = :p OR b = :p) AND status = 'merged'",
                                      {"p": pid}).fetchall():
            other = conn.execute("SELECT merged_into, _deleted FROM person WHERE id = ?",
                                 (b if a == pid else a,)).fetchone()
            if other is not None and other[0] == pid and other[1]:
                conn.execute("UPDATE duplicate_candidate SET kept = ? WHERE id = ?", (pid, cid))
            else:
                conn.execute("UPDATE duplicate_candidate SET status = 'open', kept = NULL, "
                             "merge_log = NULL, decided_by = NULL, decided_local = NULL "
                             "WHERE id = ?", (cid,))


# -- the queue ----------------------------------------------------------------------------------

@dataclass
class Candidate:
    id: int
    a: str
    b: str
    score: int
    reasons: list[str]
    status: str
    found_local: str
    decided_by: str | None
    decided_local: str | None
    kept: str | None
    people: list[dict[str, object]] = field(default_factory=list)  # a, b as records
    partial: bool = False  # unmerged without the list of what the merge moved

    def reasons_text(self) -> str:
        return ", ".join(str(REASONS.get(r, r)) for r in self.reasons)

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "a": self.a, "b": self.b, "score": self.score,
                "reasons": self.reasons, "status": self.status, "found": self.found_local,
                "decided_by": self.decided_by, "decided": self.decided_local,
                "kept": self.kept, "people": self.people}


def _candidate(r: dbapi.Row, people: dict[str, dict[str, object]]) -> Candidate:
    return Candidate(r["id"], r["a"], r["b"], r["score"], json.loads(r["reasons"]),
                     r["status"], r["found_local"], r["decided_by"], r["decided_local"],
                     r["kept"], [dict(people.get(pid) or {"id": pid}) for pid in (r["a"], r["b"])])


_PEOPLE_CHUNK = 400  # ids a statement: well under SQLite's bound on parameters


def _people(conn: dbapi.Connection, ids: Collection[str]) -> dict[str, dict[str, object]]:
    """The pairs' people as records, each with ``_part`` (its commune), read a chunk of ids a
    statement: a queue of 500 pairs read a person at a time was 2,000 statements on the UI
    thread (134-245 ms at 300k people). One the commune does not hold (an alias naming a
    survivor kept elsewhere) is missing."""
    wanted = list(dict.fromkeys(ids))
    out: dict[str, dict[str, object]] = {}
    for i in range(0, len(wanted), _PEOPLE_CHUNK):
        marks, params = dbapi.in_marks(wanted[i:i + _PEOPLE_CHUNK])
        for row in conn.execute(f"SELECT * FROM person WHERE id IN ({marks})", params):
            rec = records.to_record(PERSON, row)
            rec["_part"] = row["_part"]
            out[row["id"]] = rec
    return out


def candidates(conn: dbapi.Connection, status: str | None = OPEN,
               limit: int = 500) -> list[Candidate]:
    """The queue (after a scan of what changed), highest score first."""
    scan(conn)
    return queue(conn, status, limit)


def queue(conn: dbapi.Connection, status: str | None = OPEN,
          limit: int = 500) -> list[Candidate]:
    """The queue as it stands, without a scan first (it only reads: the Trùng lặp page reads
    it on a worker's connection once its own has scanned)."""
    where = "" if status is None else "WHERE status = ?"
    args: tuple[object, ...] = () if status is None else (status,)
    rows = conn.execute(f"SELECT * FROM duplicate_candidate {where} ORDER BY "
                        f"score DESC, id LIMIT {int(limit)}", args).fetchall()
    people = _people(conn, [pid for r in rows for pid in (r["a"], r["b"])])
    return [_candidate(r, people) for r in rows]


def count_open(conn: dbapi.Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM duplicate_candidate WHERE "
                            "status = 'open'").fetchone()[0])


def get(conn: dbapi.Connection, candidate_id: int | str) -> Candidate:
    try:
        number = int(candidate_id)
    except (TypeError, ValueError):
        raise UserError(_("Mã cặp trùng lặp phải là một số (antq duplicates list): «{v}»")
                        .format(v=candidate_id)) from None
    row = conn.execute("SELECT * FROM duplicate_candidate WHERE id = ?", (number,)).fetchone()
    if row is None:
        raise NotFoundError(_("Không có cặp trùng lặp số {n} (antq duplicates list)").format(
            n=number))
    return _candidate(row, _people(conn, (row["a"], row["b"])))


def merge(w: Writer, candidate_id: int | str, keep_id: str) -> Candidate:
    """«Là một người»: keep ``keep_id``, the other record becoming its alias; one transaction,
    one step of the window's undo, and taken back later by :func:`unmerge`."""
    store = store_of(w)
    conn = store.conn
    scan(conn)
    c = get(conn, candidate_id)
    if c.status == MERGED:
        raise UserError(_("Cặp số {n} đã được gộp").format(n=c.id))
    if keep_id not in (c.a, c.b):
        raise UserError(_("--keep: «{k}» không phải một trong hai hồ sơ của cặp số {n} ({a}, "
                          "{b})").format(k=keep_id, n=c.id, a=c.a, b=c.b))
    drop_id = c.b if keep_id == c.a else c.a
    stack = w if isinstance(w, UndoStack) else UndoStack(store)
    with store.transaction():
        with stack.batch():
            merge_people(stack, keep_id, drop_id=drop_id)
        log = [{"kind": ch.kind, "id": ch.id, "action": ch.action, "before": dict(ch.before)}
               for ch in stack.last_changes()]
        conn.execute("UPDATE duplicate_candidate SET status = 'merged', kept = ?, "
                     "merge_log = ?, decided_by = ?, decided_local = ? WHERE id = ?",
                     (keep_id, json.dumps(log, ensure_ascii=False), store.actor, _now(), c.id))
        _decided(store, "duplicate-merge", c, kept=keep_id)
    scan(conn)
    return get(conn, c.id)


def _decided(store: Store, action: str, c: Candidate, *, kept: str | None = None) -> None:
    """The officer's answer in the audit log (ids and the score only: no personal values)."""
    from desktop.storage import audit

    audit.record_event(store.conn, store.actor, action, {
        "candidate": c.id, "a": c.a, "b": c.b, "score": c.score, "kept": kept},
        tbl=PERSON.table, pk=kept or c.a)


def dismiss(store: Store, candidate_id: int | str) -> Candidate:
    """«Không phải một người»: the pair leaves the queue for good."""
    c = get(store.conn, candidate_id)
    if c.status == MERGED:
        raise UserError(_("Cặp số {n} đã được gộp; hãy bỏ gộp trước (antq duplicates "
                          "unmerge {n})").format(n=c.id))
    with store.transaction():
        store.conn.execute("UPDATE duplicate_candidate SET status = 'not_same', decided_by = ?, "
                           "decided_local = ? WHERE id = ?", (store.actor, _now(), c.id))
        _decided(store, "duplicate-dismiss", c)
    return get(store.conn, c.id)


def reopen(store: Store, candidate_id: int | str) -> Candidate:
    """A dismissal taken back: the pair is open again."""
    c = get(store.conn, candidate_id)
    if c.status != NOT_SAME:
        raise UserError(_("Cặp số {n} không ở trạng thái «Không phải một người»").format(n=c.id))
    with store.transaction():
        store.conn.execute("UPDATE duplicate_candidate SET status = 'open', decided_by = NULL, "
                           "decided_local = NULL WHERE id = ?", (c.id,))
        _decided(store, "duplicate-reopen", c)
    return get(store.conn, c.id)


def unmerge(store: Store, candidate_id: int | str) -> Candidate:
    """Take a merge made here back: the other record restored with its memberships,
    attendance, deeds and files, the survivor's fields as they were; the pair is open again.
    Refused, with nothing changed, if one of those records was changed in a way that no
    longer allows it (deleted since). A merge made elsewhere (or by «Là cùng một người»)
    left no list of what it moved: the other record is restored and is no alias any more,
    what was moved stays with the survivor (``partial`` is set)."""
    conn = store.conn
    c = get(conn, candidate_id)
    if c.status != MERGED:
        raise UserError(_("Cặp số {n} chưa được gộp").format(n=c.id))
    log = conn.execute("SELECT merge_log FROM duplicate_candidate WHERE id = ?",
                       (c.id,)).fetchone()[0]
    if not log:
        return _unmerge_unlogged(store, c)
    changes = [Change(e["kind"], e["id"], e["action"], e["before"]) for e in json.loads(log)]
    with store.transaction():
        take_back(store, changes)
        _decided(store, "duplicate-unmerge", c, kept=c.kept)
        conn.execute("UPDATE duplicate_candidate SET status = 'open', kept = NULL, "
                     "merge_log = NULL, decided_by = NULL, decided_local = NULL WHERE id = ?",
                     (c.id,))
    scan(conn)
    return get(conn, c.id)


def _unmerge_unlogged(store: Store, c: Candidate) -> Candidate:
    from desktop.storage.references import own_partitions, part_name

    conn = store.conn
    drop = c.b if c.kept == c.a else c.a
    row = store.get_row(PERSON, drop)
    own = own_partitions(conn, store.site)
    if own is not None and row["_part"] not in own:
        raise UserError(_("Hồ sơ {id} thuộc {p}: bỏ gộp ở đó hoặc ở tỉnh").format(
            id=drop, p=part_name(conn, str(row["_part"]))))
    with store.transaction():
        if row["_deleted"]:
            store.restore("person", drop)
        store.link("person", drop, {ALIAS: None})
        _decided(store, "duplicate-unmerge", c, kept=c.kept)
        conn.execute("UPDATE duplicate_candidate SET status = 'open', kept = NULL, "
                     "merge_log = NULL, decided_by = NULL, decided_local = NULL WHERE id = ?",
                     (c.id,))
    scan(conn)
    result = get(conn, c.id)
    result.partial = True
    return result
