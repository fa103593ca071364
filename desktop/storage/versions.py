"""Field versions, stored compactly (issue 12): the one module that reads and writes them.

Every field of every synced record has the version of its current value: the HLC stamp, the
origin site, the partition, the per-(origin, partition) sequence, and the history of dots the
value knowingly replaced (DESIGN "sync invariants"; merge.py has the rule). Schema 11 and
before kept one ``sync_cell`` row per field, with the table, the 36-character record id and
origin repeated in the row and in an index: about 250 bytes a field, most of the file.

Here, as in cr-sqlite, names become small integers and records their integer ``_rowid``:

``sync_name(n, name)``
    ordinals of table names, field names, origin sites and partitions (one namespace; a few
    hundred rows at a province).
``sync_clock(t, r, o, p, s, c)``
    one row per record and origin site: ``t`` the table's ordinal, ``r`` the record's
    ``_rowid`` (stable: VACUUM keeps an INTEGER PRIMARY KEY), ``o`` the origin, ``p`` the
    record's partition, ``s`` the highest sequence among its cells, ``c`` the cells (below).
    Most records have one row; one edited at two sites has two.
``sync_clock_dot(o, p, s)``
    what a peer has not seen yet: the records holding a sequence above its belief.

A row's cells, in sequence order, are varints: ``tag = field << 1 | same``; ``same`` means
"the previous cell's stamp, its sequence + 1, no history", which is how a record written in one
go looks, at its own site and wherever its cells travel (one or two bytes a field); otherwise
the zigzag delta of the stamp and the delta of the sequence from the previous cell, the
history's length and its dots (origin, partition, sequence ordinals). A person created at
once costs about 40 bytes of versions, not 3,000.

Every function here takes and returns names (table, field, origin, partition as text), so the
write path, the merge and the tests never see the ordinals.
"""

from __future__ import annotations

import json
import operator
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

from desktop.storage import dbapi

# [hlc, origin, part, seq, hist]; hist is a list of [origin, part, seq] dots.
Version = list
# (table, record id, field, hlc, origin, part, seq, hist)
Cell = tuple[str, str, str, int, str, str, int, list]

_CHUNK = 500

SCHEMA = """
CREATE TABLE sync_name (n INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE sync_clock (
    t INTEGER NOT NULL, r INTEGER NOT NULL, o INTEGER NOT NULL,
    p INTEGER NOT NULL, s INTEGER NOT NULL, c BLOB NOT NULL,
    PRIMARY KEY (t, r, o)) WITHOUT ROWID;
CREATE INDEX sync_clock_dot ON sync_clock(o, p, s)
"""


class Names:
    """The ordinals of one database, read once per operation (a rolled-back transaction may
    have taken back an ordinal, so they are never cached across transactions)."""

    def __init__(self, conn: dbapi.Connection) -> None:
        self.conn = conn
        self.no_of: dict[str, int] = {}
        self.name_of: dict[int, str] = {}
        for n, name in conn.execute("SELECT n, name FROM sync_name"):
            self.no_of[name] = n
            self.name_of[n] = name

    def no(self, name: str) -> int:
        n = self.no_of.get(name)
        if n is None:
            n = int(self.conn.execute("INSERT INTO sync_name(name) VALUES (?) RETURNING n",
                                      (name,)).fetchone()[0])
            self.no_of[name] = n
            self.name_of[n] = name
        return n

    def known(self, name: str) -> int | None:
        return self.no_of.get(name)


# -- the cell encoding ---------------------------------------------------------------------------

def _put(out: bytearray, n: int) -> None:
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)


def _zig(n: int) -> int:
    return n << 1 if n >= 0 else ((-n) << 1) - 1


def _unzig(n: int) -> int:
    return n >> 1 if not n & 1 else -((n + 1) >> 1)


def encode(cells: Sequence[tuple[int, int, int, Sequence[tuple[int, int, int]]]]) -> bytes:
    """``cells``: (field ordinal, hlc, seq, history as ordinal dots), sorted by seq."""
    out = bytearray()
    put = _put
    ph = ps = 0
    for f, h, s, hist in cells:
        if h == ph and s == ps + 1 and not hist:  # the common case: one byte or two
            tag = f << 1 | 1
            if tag < 0x80:
                out.append(tag)
            else:
                put(out, tag)
        else:
            put(out, f << 1)
            put(out, _zig(h - ph))
            put(out, s - ps)
            put(out, len(hist))
            for o, p, q in hist:
                put(out, o)
                put(out, p)
                put(out, q)
        ph, ps = h, s
    return bytes(out)


def decode(blob: bytes) -> list[tuple[int, int, int, list[tuple[int, int, int]]]]:
    out: list[tuple[int, int, int, list[tuple[int, int, int]]]] = []
    i, end = 0, len(blob)
    ph = ps = 0

    def get() -> int:
        nonlocal i
        n = shift = 0
        while True:
            b = blob[i]
            i += 1
            n |= (b & 0x7F) << shift
            if b < 0x80:
                return n
            shift += 7

    while i < end:
        tag = get()
        f = tag >> 1
        hist: list[tuple[int, int, int]] = []
        if tag & 1:
            h, s = ph, ps + 1
        else:
            h = ph + _unzig(get())
            s = ps + get()
            for _n in range(get()):
                hist.append((get(), get(), get()))
        out.append((f, h, s, hist))
        ph, ps = h, s
    return out


# -- records ---------------------------------------------------------------------------------------

def _rows_of(names: Names, versions: Mapping[str, Version]) -> list[tuple[int, int, int, bytes]]:
    """One record's versions as (origin, partition, max seq, cells) rows."""
    no, add = names.no_of.get, names.no
    first = next(iter(versions.values()), None)
    if first is not None:  # most records: every field from one origin, no history
        o, p = first[1], first[2]
        same = [(no(f) or add(f), v[0], v[3], ()) for f, v in versions.items()
                if v[1] == o and v[2] == p and not v[4]]
        if len(same) == len(versions):
            same.sort(key=_seq)
            return [(no(o) or add(o), no(p) or add(p), same[-1][2], encode(same))]
    by_origin: dict[tuple[str, str], list] = {}
    for field, (h, o, p, s, hist) in versions.items():
        cells = by_origin.get((o, p))
        if cells is None:
            cells = by_origin[(o, p)] = []
        dots = [(no(d[0]) or add(d[0]), no(d[1]) or add(d[1]), int(d[2])) for d in hist] \
            if hist else ()
        cells.append((no(field) or add(field), h, s, dots))
    rows = []
    for (o, p), cells in by_origin.items():
        cells.sort(key=_seq)
        rows.append((no(o) or add(o), no(p) or add(p), max(c[2] for c in cells), encode(cells)))
    return rows


_seq = operator.itemgetter(2)  # a cell's sequence, the sort key of a record's cells


def _versions_of(names: Names, rows: Iterable[tuple[int, int, bytes]]) -> dict[str, Version]:
    out: dict[str, Version] = {}
    name = names.name_of
    for o, p, blob in rows:
        origin, part = name[o], name[p]
        for f, h, s, hist in decode(blob):
            out[name[f]] = [h, origin, part, s, [[name[a], name[b], c] for a, b, c in hist]]
    return out


def read_rowids(conn: dbapi.Connection, tbl: str, rowids: Iterable[int],
                names: Names | None = None) -> dict[int, dict[str, Version]]:
    """The versions of the records with these ``_rowid``s (absent: no version)."""
    names = names or Names(conn)
    t = names.known(tbl)
    out: dict[int, dict[str, Version]] = {}
    if t is None:
        return out
    raw: dict[int, list[tuple[int, int, bytes]]] = defaultdict(list)
    ids = list(rowids)
    for i in range(0, len(ids), _CHUNK):
        marks, params = dbapi.in_marks(ids[i:i + _CHUNK])  # a few lengths (dbapi.padded)
        for r, o, p, c in conn.execute(f"SELECT r, o, p, c FROM sync_clock WHERE t = ? AND "
                                       f"r IN ({marks})", (t, *params)):
            raw[r].append((o, p, c))
    for r, rows in raw.items():
        out[r] = _versions_of(names, rows)
    return out


def read(conn: dbapi.Connection, tbl: str, pks: Iterable[str],
         names: Names | None = None) -> dict[str, dict[str, Version]]:
    """The versions of the records with these ids (absent: no such record or no version)."""
    ids = list(pks)
    rowid_of: dict[int, str] = {}
    for i in range(0, len(ids), _CHUNK):
        marks, params = dbapi.in_marks(ids[i:i + _CHUNK])
        for r, pk in conn.execute(f"SELECT _rowid, id FROM {tbl} WHERE id IN ({marks})", params):
            rowid_of[r] = pk
    got = read_rowids(conn, tbl, rowid_of, names)
    return {rowid_of[r]: v for r, v in got.items()}


def cell(conn: dbapi.Connection, tbl: str, pk: str, field: str) -> Version | None:
    return read(conn, tbl, [pk]).get(pk, {}).get(field)


def write(conn: dbapi.Connection, tbl: str, records: Mapping[int, Mapping[str, Version]],
          names: Names | None = None, *, fresh: bool = False) -> None:
    """Replace all versions of the records with these ``_rowid``s. ``fresh``: the records
    are new (no version to remove)."""
    if not records:
        return
    names = names or Names(conn)
    t = names.no(tbl)
    if not fresh:
        conn.executemany("DELETE FROM sync_clock WHERE t = ? AND r = ?",
                         [(t, r) for r in records])
    conn.executemany("INSERT INTO sync_clock(t, r, o, p, s, c) VALUES (?, ?, ?, ?, ?, ?)",
                     [(t, r, *row) for r, versions in records.items()
                      for row in _rows_of(names, versions)])


def write_run(conn: dbapi.Connection, tbl: str, rowids: Sequence[int], fields: Sequence[str],
              order: Sequence[int], hlcs: Sequence[int], firsts: Sequence[int], origin: str,
              part: str, names: Names) -> None:
    """:func:`write` (``fresh``) of new records written in one go by one writer: record ``i``
    (``rowids[i]``) has each of ``fields`` stamped ``hlcs[i]``, the field ``fields[order[k]]``
    with the sequence ``firsts[i] + k``, no history. The same rows and bytes :func:`write`
    gives (the names numbered in its order: the table, the fields, the writer), each record's
    cells but its first being the same tags (issue 12: one encoding per batch, not per
    record)."""
    no = names.no
    t = no(tbl)
    numbers = [no(f) for f in fields]
    o, p = no(origin), no(part)
    tail = bytearray()
    for j in order[1:]:
        _put(tail, numbers[j] << 1 | 1)
    tag = bytearray()
    _put(tag, numbers[order[0]] << 1)
    rest, head, last = bytes(tail), bytes(tag), len(order) - 1
    rows = []
    high: dict[int, bytes] = {}  # a varint's bytes after its first two, by what they say:
    # the stamps of a batch differ in their low bits, so most share them
    for r, h, s in zip(rowids, hlcs, firsts, strict=True):
        if h == 0 and s == 1:  # the first cell follows "nothing": encode's short form
            blob = encode([(numbers[order[0]], 0, 1, ())]) + rest
        else:
            z = h << 1 if h >= 0 else ((-h) << 1) - 1  # _zig
            if z >> 14:
                top = high.get(z >> 14)
                if top is None:
                    top = bytearray()
                    _put(top, z >> 14)
                    top = high[z >> 14] = bytes(top)
                out = bytearray(head)
                out.append(z & 0x7F | 0x80)
                out.append(z >> 7 & 0x7F | 0x80)
                out += top
            else:
                out = bytearray(head)
                _put(out, z)
            _put(out, s)
            out.append(0)  # no history
            blob = bytes(out) + rest
        rows.append((t, r, o, p, s + last, blob))
    conn.executemany("INSERT INTO sync_clock(t, r, o, p, s, c) VALUES (?, ?, ?, ?, ?, ?)", rows)


def forget(conn: dbapi.Connection, tbl: str, rowids: Iterable[int]) -> None:
    """Remove the versions of records removed from the table (an import undone)."""
    names = Names(conn)
    t = names.known(tbl)
    if t is not None:
        conn.executemany("DELETE FROM sync_clock WHERE t = ? AND r = ?",
                         [(t, r) for r in rowids])


def dump(conn: dbapi.Connection, tbl: str, rowids: Iterable[int]) -> dict[int, str]:
    """The versions of these records as JSON text with names (kept outside this module, e.g.
    by an undo journal: independent of the ordinals). A record without versions is absent."""
    return {r: json.dumps(v, ensure_ascii=False, separators=(",", ":"))
            for r, v in read_rowids(conn, tbl, rowids).items()}


def load(conn: dbapi.Connection, tbl: str, dumps: Mapping[int, str | None]) -> None:
    """Put back what :func:`dump` gave (None: the record had no versions)."""
    names = Names(conn)
    forget(conn, tbl, list(dumps))
    write(conn, tbl, {r: json.loads(d) for r, d in dumps.items() if d}, names, fresh=True)


# -- what a peer has not seen ----------------------------------------------------------------------

def since(conn: dbapi.Connection, belief: Mapping[tuple[str, str], int],
          parts: Callable[[str], bool]) -> list[Cell]:
    """Every current cell whose sequence is above ``belief`` for its (origin, partition), in
    partitions ``parts`` allows, ordered by (table, record id, field)."""
    names = Names(conn)
    name = names.name_of
    wanted: dict[int, dict[int, list[tuple[int, int, bytes]]]] = defaultdict(dict)
    heads = conn.execute("SELECT o, p, max(s) FROM sync_clock GROUP BY o, p").fetchall()
    for o, p, top in heads:
        origin, part = name[o], name[p]
        floor = belief.get((origin, part), 0)
        if top <= floor or not parts(part):
            continue
        for t, r, c in conn.execute("SELECT t, r, c FROM sync_clock WHERE o = ? AND p = ? "
                                    "AND s > ?", (o, p, floor)):
            wanted[t].setdefault(r, []).append((o, p, c))
    out: list[Cell] = []
    for t, recs in wanted.items():
        tbl = name[t]
        pk_of: dict[int, str] = {}
        ids = list(recs)
        for i in range(0, len(ids), _CHUNK):
            marks, params = dbapi.in_marks(ids[i:i + _CHUNK])
            for r, pk in conn.execute(f"SELECT _rowid, id FROM {tbl} WHERE _rowid IN "
                                      f"({marks})", params):
                pk_of[r] = pk
        for r, rows in recs.items():
            pk = pk_of[r]
            for o, p, c in rows:
                origin, part = name[o], name[p]
                floor = belief.get((origin, part), 0)
                for f, h, s, hist in decode(c):
                    if s > floor:
                        out.append((tbl, pk, name[f], h, origin, part, s,
                                    [[name[a], name[b], q] for a, b, q in hist]))
    out.sort(key=lambda c: (c[0], c[1], c[2]))
    return out


def all_cells(conn: dbapi.Connection, tbl: str | None = None) -> Iterator[Cell]:
    """Every stored cell (checks, tests, migration), ordered by table, record id, field."""
    return iter(since(conn, {}, lambda _p: True) if tbl is None
                else [c for c in since(conn, {}, lambda _p: True) if c[0] == tbl])


def counts(conn: dbapi.Connection) -> tuple[int, int]:
    """(records with versions, cells): for the benchmarks and the size report."""
    records = conn.execute("SELECT count(DISTINCT t || ':' || r) FROM sync_clock").fetchone()[0]
    cells = sum(len(decode(c)) for (c,) in conn.execute("SELECT c FROM sync_clock"))
    return int(records), cells


# -- from schema 11 ------------------------------------------------------------------------------

def convert_cells(conn: dbapi.Connection,
                  progress: Callable[[int], None] | None = None) -> int:
    """Move every ``sync_cell`` row into ``sync_clock`` (migration 12); returns the cells.
    Cells of a record id no table holds (none should exist) are dropped with the old table:
    no record, no value to version."""
    names = Names(conn)
    moved = 0
    tables = [r[0] for r in conn.execute("SELECT DISTINCT tbl FROM sync_cell ORDER BY tbl")]
    for tbl in tables:
        batch: dict[int, dict[str, Version]] = {}
        cur = conn.execute(f"SELECT t._rowid, c.field, c.hlc, c.origin, c.part, c.seq, c.hist "
                           f"FROM sync_cell c JOIN {tbl} t ON t.id = c.pk WHERE c.tbl = ? "
                           f"ORDER BY t._rowid", (tbl,))
        for r, f, h, o, p, s, hist in cur:
            batch.setdefault(r, {})[f] = [h, o, p, s, json.loads(hist) if hist else []]
            moved += 1
            if len(batch) > 5_000:  # write all but this record, whose cells may go on
                last = batch.pop(r)
                write(conn, tbl, batch, names, fresh=True)
                batch = {r: last}
                if progress is not None:
                    progress(moved)
        write(conn, tbl, batch, names, fresh=True)
    return moved
