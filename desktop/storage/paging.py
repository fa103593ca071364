"""One page of a long list, read by whichever of two plans reads fewer rows.

A list is the rows of a table that pass some filters (a place, a membership, a search) in an
order whose last key is unique. A page is the ``limit`` rows after the last one shown (keyset
paging: OFFSET would cost more the deeper the page).

- **Walk**: down the index of the order from the last row shown, testing each row against
  the filters: 1/density rows read per row found. A commune's roster (nearly everyone in its
  database) is a page in about 100 rows, at any size and depth.
- **Gather**: the rows the most selective filter admits, read through that filter's own index
  and sorted: as many rows as it admits, whatever the order.

Each filter is counted through its own index up to a bound (:func:`bound`), and one that
admits fewer rows is gathered. Otherwise every filter admits at least that many, and a walk
finds its page soon — unless the matches sit together far down the order, or the filters
together are rare: so a walk reads at most as many rows as gathering would cost (at least
``walk.WALK_ROWS`` for 100 found) before the page is gathered after all. An order is walked
as a chain of segments, each a range of one index (the rest of the last row's group, then the
groups after it), so that every segment is read in index order. Both plans give the same rows
in the same order (tests/storage/test_paging.py).

A search in name order has a third plan (:func:`_by_rank`, storage/ranked.py): after a short
walk, its matches' rowids from the full-text index sorted by their place in the name order,
held in memory — no walk down to matches far down the order, no row read to sort them. A
number typed alone that many people have is found in their CCCDs and phones held in name
order (:func:`_by_number`), where a walk read every row it passed. Once the window's warm-up
holds the names' words in name order, a search of words is found there first
(:func:`_by_words`, ranked.worded): «nguyen van d», whose 5,900 matches at 300,000 people lie
70,000 places down, cost 11 ms read off the full-text index and costs about 1.

A page of rows (:func:`read`) is read by the same statement that finds it: the plan's query
of rowids, joined to the table row by row. Finding the rowids first and reading their rows
by a second statement cost a third more when scrolling every row of 300,000 people (the
list of rowids sent back, parsed, planned and sorted again for each page).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from desktop.storage import db, dbapi, ranked, walk

T = TypeVar("T")


@dataclass(frozen=True)
class Filter:
    """One condition of a list, in the forms the two plans need.

    ``test`` reads the row walked or gathered, named ``{t}``; it is written with "+" before
    indexed columns, so that SQLite never reads it through an index instead of the plan's
    own. ``drive`` is the same condition on ``p``, worded for SQLite to read it through an
    index. ``admitted`` selects one row per row it admits, counted up to a bound.
    """

    test: str
    test_args: tuple[object, ...]
    drive: str
    drive_args: tuple[object, ...]
    admitted: str
    admitted_args: tuple[object, ...]
    columns: tuple[str, ...] = ()  # what the test reads of the row (the walk selects them)
    rowids: bool = False  # ``admitted`` selects the rowids (a search's: storage/ranked.py)
    looked_up: bool = False  # the test reads another row for each (a good deed's person's)
    # A number typed alone: its digits begin a CCCD or a phone (found in the numbers held in
    # name order, storage/ranked.py) or a word of the name (``named`` selects those rowids).
    digits: str = ""
    named: str = ""
    named_args: tuple[object, ...] = ()
    # The condition on the row whose rowid is ``{r}``, read off an index alone (no row), with
    # ``test_args``: a listed row tested so before its row is read (paging._gather_segment),
    # a segment's own condition so on each entry walked (paging._walk).
    probe: str = ""
    # A search's words (not of digits): each begins a word of the row's search text, as
    # ``test`` tests them (the words held in name order test them so: ranked.worded).
    words: tuple[str, ...] = ()
    # A place's roster: the test admits the people who live in one of these units.
    units: tuple[str, ...] = ()


@dataclass(frozen=True)
class Segment:
    """A part of a walk: the rows matching ``where`` read in ``order`` down one index, from
    after ``after`` (values of the first columns of ``order``), tested against ``extra``
    too — a condition of this part only (e.g. "no CCCD"), gathered through its own index
    when it admits few rows."""

    where: str = ""
    args: tuple[object, ...] = ()
    order: tuple[str, ...] = ()
    descending: bool = False
    after: tuple[object, ...] | None = None
    extra: Filter | None = None
    # The first keys of ``order`` its index holds, when not all (0: all): what a walk reads
    # off the index alone to know how far it goes (the rest are read off each row: an index
    # on the birth date alone, rosters._by_column).
    indexed: int = 0
    # The ``test`` of filters that ``where`` implies, left out of this part's statements: a
    # place's residents are in the place's commune (rosters._by_place: a province's list by
    # place tested each of 48 places' residents against its 676 units, bound again each time)
    implied: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Order:
    """The order of a list: ``keys`` are SQL expressions (on ``p`` and ``joins``), never NULL,
    the last one unique; ``segments(after)`` is the walk from after a row's keys (None: from
    the start)."""

    keys: tuple[str, ...]
    segments: Callable[[tuple | None], Sequence[Segment]]
    descending: bool = False
    joins: str = ""
    walked: bool = field(default=True)  # False: always gathered (no index walks this order)
    covers: frozenset[str] = frozenset()  # columns the walk reads off its index, not the row


def read(conn: dbapi.Connection, table: str, order: Order, filters: Sequence[Filter], *,
         after: tuple | None = None, limit: int = 100, select: str = "p.*"
         ) -> list[dbapi.Row]:
    """One page: rows of ``table`` (as ``select``, plus the order's keys as ``_k0``, ``_k1``…)
    after the row whose keys are ``after``; ``limit`` -1: all of them."""
    keys = ", ".join(f"{k} AS _k{i}" for i, k in enumerate(order.keys))
    if limit < 0:  # SQLite picks the index of the filters
        where, args = _gathered_where(order, filters, None, after, drive_all=True)
        sql = (f"SELECT {select}, {keys} FROM {table} p {order.joins} WHERE {where} "
               f"ORDER BY {_order_by(order.keys, order.descending)}")
        return conn.execute(sql, args).fetchall()
    return _page(conn, table, order, filters, after, limit, _Rows(table, order, select))


class _Rows:
    """What a plan's query of rowids gives back: the rowids (``select`` None), or the rows
    themselves as ``select`` (plus ``_r``, the rowid, and the order's keys), read in the same
    statement: the query of rowids (in the page's order, ``r`` its rowid column) drives a
    CROSS JOIN, so the rows come in its order — SQLite keeps the left table of a CROSS JOIN
    in the outer loop."""

    def __init__(self, table: str = "", order: Order | None = None,
                 select: str | None = None) -> None:
        self.select = select
        if select is not None and order is not None:
            keys = ", ".join(f"{k} AS _k{i}" for i, k in enumerate(order.keys))
            self.head = f"SELECT p._rowid AS _r, {select}, {keys} FROM ("
            self.tail = f") x CROSS JOIN {table} p ON p._rowid = x.r {order.joins}"

    def __call__(self, conn: dbapi.Connection, sql: str, args: Sequence[object]) -> list:
        if self.select is None:
            return [int(r[0]) for r in conn.execute(sql, args)]
        return conn.execute(self.head + sql + self.tail, args).fetchall()


_ROWIDS = _Rows()  # rowids only


def rows_of(conn: dbapi.Connection, table: str, order: Order, rowids: Sequence[int],
            select: str = "p.*") -> list[dbapi.Row]:
    """The rows of ``rowids`` in that order (those gone since left out), with their keys.
    One statement for any number of rowids (a JSON list, not a new text to plan each time)."""
    if not rowids:
        return []
    keys = ", ".join(f"{k} AS _k{i}" for i, k in enumerate(order.keys))
    rows = conn.execute(f"SELECT p._rowid AS _r, {select}, {keys} FROM {table} p {order.joins} "
                        "WHERE p._rowid IN (SELECT value FROM json_each(?))",
                        (json.dumps([int(r) for r in rowids]),)).fetchall()
    by_rowid = {r["_r"]: r for r in rows}
    return [by_rowid[r] for r in rowids if r in by_rowid]


def keys_of(conn: dbapi.Connection, table: str, order: Order, rowid: int) -> tuple | None:
    """The order's keys of one row: what the next page starts after."""
    row = conn.execute(f"SELECT {', '.join(order.keys)} FROM {table} p {order.joins} "
                       "WHERE p._rowid = ?", (rowid,)).fetchone()
    return None if row is None else tuple(row)


def count(conn: dbapi.Connection, table: str, filters: Sequence[Filter]) -> int:
    where = ["p._deleted = 0"] + [f"({f.drive})" for f in filters]
    args = [a for f in filters for a in f.drive_args]
    return int(conn.execute(f"SELECT count(*) FROM {table} p WHERE {' AND '.join(where)}",
                            args).fetchone()[0])


# What a row gathered costs, in rows walked. Gathered rows lie anywhere in the file: each one
# is a page read and decrypted (18 µs measured at 100,000 people). A walk reads its index in
# order: 0.3 µs a row when the index holds what the filters test (the name index holds the
# place, the tombstone and the search words), about a gathered row when each row is read too.
GATHER_COST = {True: 60, False: 1}


def _rows(conn: dbapi.Connection, table: str) -> int:
    return _remembered(conn, f"SELECT max(_rowid) FROM {table}", ())


def bound(conn: dbapi.Connection, table: str, covered: bool) -> int:
    """Fewer rows than this are gathered. A page gathered from S rows reads S; one walked at
    a density of S/N reads 100·N/S: the two meet where S² = 100·N / GATHER_COST, e.g. 5,500
    rows of 300,000 when each walked row is read, 700 on the name index."""
    return max(100, math.isqrt(100 * _rows(conn, table) // max(1, GATHER_COST[covered])))


def admitted(conn: dbapi.Connection, f: Filter, upto: int) -> int:
    """How many rows ``f`` admits, counted up to ``upto``."""
    return counted(conn, f.admitted, f.admitted_args, upto)


def counted(conn: dbapi.Connection, sql: str, args: tuple[object, ...], upto: int) -> int:
    """How many rows ``sql`` selects, counted up to ``upto``, remembered until the database
    changes."""
    return _remembered(conn, f"SELECT count(*) FROM ({sql} LIMIT ?)", (*args, upto))


def stamp(conn: dbapi.Connection) -> tuple[int, int]:
    """What changes when the database does (this connection's writes, others' commits): a
    value remembered with it is good while this stays the same. Read once per page."""
    held = conn.__dict__.get("_paging_stamp")
    if held is not None:
        return held
    return conn.total_changes, int(conn.execute("PRAGMA data_version").fetchone()[0])


def remembered(conn: dbapi.Connection, name: str, key: Hashable, read: Callable[[], T], *,
               most: int = 16) -> T:
    """``read()``'s answer for ``key``, kept with ``conn`` (in its cache ``name``) until the
    database changes (:func:`stamp`): what every page of a list, or every editor opened,
    would otherwise read again. A cache grown past ``most`` answers starts again."""
    now = stamp(conn)
    cache: dict = conn.__dict__.setdefault(name, {})
    held = cache.get(key)
    if held is not None and held[0] == now:
        return held[1]
    value = read()
    if len(cache) > most:
        cache.clear()
    cache[key] = (now, value)
    return value


def _remembered(conn: dbapi.Connection, sql: str, args: tuple[object, ...]) -> int:
    """A count, remembered until the database changes (every page of a list asks again)."""
    return remembered(conn, "_paging_counts", (sql, args),
                      lambda: int(conn.execute(sql, args).fetchone()[0] or 0), most=256)


def rowids(conn: dbapi.Connection, table: str, order: Order, filters: Sequence[Filter], *,
           after: tuple | None = None, limit: int = 100, probe: bool = True) -> list[int]:
    """The rowids of one page, read by the cheaper plan (see the module's text); ``probe``
    False: a search's page is not looked for by a short walk first (the caller knows that
    walk finds too few: :func:`_by_rank`)."""
    return _page(conn, table, order, filters, after, limit, _ROWIDS, probe)


def _page(conn: dbapi.Connection, table: str, order: Order, filters: Sequence[Filter],
          after: tuple | None, limit: int, rows: _Rows, probe: bool = True) -> list:
    if "_paging_stamp" in conn.__dict__:
        return _plan(conn, table, order, filters, after, limit, rows, probe)
    conn.__dict__["_paging_stamp"] = stamp(conn)  # nothing is written while a page is read
    try:
        return _plan(conn, table, order, filters, after, limit, rows, probe)
    finally:
        conn.__dict__.pop("_paging_stamp", None)  # (another thread may share the connection)


def _plan(conn: dbapi.Connection, table: str, order: Order, filters: Sequence[Filter],
          after: tuple | None, limit: int, rows: _Rows, probe: bool = True) -> list:
    """The page's rowids (or rows: ``rows``) by the cheaper plan (the module's text)."""
    covered = all(set(f.columns) <= order.covers for f in filters)
    if order.walked and (covered or any(f.rowids for f in filters)):
        page = _by_rank(conn, table, order, filters, after, limit, rows, covered, probe)
        if page is not None:
            return page
    if order.walked:
        page = _listed(conn, table, order, filters, after, limit, rows, covered)
        if page is not None:
            return page
    few = bound(conn, table, covered)
    sizes = sorted(((admitted(conn, f, few), i) for i, f in enumerate(filters)))
    driver = filters[sizes[0][1]] if sizes else None
    if (sizes and sizes[0][0] < few) or not order.walked:
        return _gather(conn, table, order, filters, driver, after, limit, rows)
    cost = max(1, GATHER_COST[covered])
    further = min(_rows(conn, table) // cost + 1, 16 * few)
    found: list = []
    for segment in order.segments(after):
        need = limit - len(found)
        extra = segment.extra
        if extra is not None and admitted(conn, extra, few) < few:
            found += _gather_segment(conn, table, segment, filters, need, rows)
            if len(found) >= limit:
                break
            continue
        most = int(walk.WALK_ROWS) * max(1, need // 100)
        if covered and driver is not None:  # a cheap count (a few thousand at most): go as
            # far as it is worth at once rather than walk the first rows twice
            most = max(most, admitted(conn, driver, further) * GATHER_COST[covered]
                       * max(1, need // 100))
        if extra is not None:  # a part of the order (an ethnic group): each part walks the
            # whole index, so a list whose fewest filter admits rows a few thousand (a
            # village) is gathered through it, as when the walk read each row; otherwise
            # walked as far as gathering the part, or the list, would cost, then the cheaper
            # of the two gathered (not the whole list when the part is the fewer)
            wide = bound(conn, table, False)
            if driver is not None and admitted(conn, driver, wide) < wide:
                return _gather(conn, table, order, filters, driver, after, limit, rows)
            part = admitted(conn, extra, further)
            factor = GATHER_COST[covered] * max(1, need // 100)
            # First as far as the part's count, or the bound the list is known to pass, says:
            # no further than below, and the list's own count mostly not needed (the
            # commune's residents counted up to 60,000-88,000 at 300,000 people cost its first
            # page by phone or CCCD 9-20 ms, for a page found 500-1,250 rows down)
            least = max(1, min(part, wide) * factor)
            got = _walk(conn, table, segment, filters, need, least, rows)
            if got is None:  # counted only as far as the part: all the walk needs to know
                whole = further if driver is None else admitted(conn, driver, part)
                most = max(1, min(part, whole) * factor)
                if most > least:
                    got = _walk(conn, table, segment, filters, need, most, rows)
                if got is None and part <= whole:
                    got = _gather_segment(conn, table, segment, filters, need, rows)
                if got is None:
                    return _gather(conn, table, order, filters, driver, after, limit, rows)
            found += got
            if len(found) >= limit:
                break
            continue
        got = _walk(conn, table, segment, filters, need, most, rows)
        if got is None and driver is not None:
            # The matches may sit together far down the order (every "Giàng" has a Hmong
            # given name): walk as far as gathering the smallest filter would cost.
            worth = admitted(conn, driver, further) * GATHER_COST[covered] * max(1, need // 100)
            if worth > most:
                got = _walk(conn, table, segment, filters, need, worth, rows)
        if got is None:  # the filters together are rare: gathered after all, from the one
            # that admits fewest (each counted further now; the first of equals)
            driver = min(filters, key=lambda f: admitted(conn, f, further), default=None)
            return _gather(conn, table, order, filters, driver, after, limit, rows)
        found += got
        if len(found) >= limit:
            break
    return found[:limit]


# A page of L listed rows of N walked down an index reads about N/L entries a row found,
# 0.2-0.35 µs each (the list tested on the entry), where gathering the list reads each listed
# row once, 2 µs in the page cache, 15 read afresh, and holds it: walked while it reads at
# most this many entries a listed row (L ≥ 2,000 at 300,000 people: an organization type's
# 3,229 members by phone, 3-5 ms a page, against 6-45 gathered; a role's 1,198: 8-19 ms a
# page by name, 9 by phone, against 3-18 gathered, then 0.3).
LISTED_WALK = 8


def _listed(conn: dbapi.Connection, table: str, order: Order, filters: Sequence[Filter],
            after: tuple | None, limit: int, rows: _Rows, covered: bool) -> list | None:
    """A page of a list of rowids (the members of an organization type), walked down the
    order's index in one statement, the list tested on each entry (every entry ends with the
    rowid) before its row is read. In an order whose index holds not every column tested (the
    phone, the CCCD, the birth date) only the listed rows are read, where gathering read every
    one (3,229 members at 300,000 people: 20-45 ms a first page by phone, against 4-9); the
    rows of a segment of its own (those without a phone) are found through that segment's
    index, the list tested there too. Down an index holding every column (the name's), the
    walk is bounded by the keys of the row about twice as far as the list's share of the rows
    says holds the page: one stretch, where stretches from 1,000 rows built the list's index
    from its JSON again for each (0.7 ms each). None (the other plans) when the list is short
    enough to gather, another filter keeps few rows (a village's: gathered through its own
    index), a covered segment has a condition of its own, or the bounded walk fell short; the
    list gathered (:func:`_gather`) when a walk would read more than LISTED_WALK entries a
    listed row."""
    listed = next((f for f in filters if f.columns == ("_rowid",)), None)
    if listed is None or limit < 0:
        return None
    few, many = bound(conn, table, True), bound(conn, table, False)
    if admitted(conn, listed, few) < few or any(
            admitted(conn, f, many) < many for f in filters if f is not listed):
        return None
    segments = order.segments(after)
    if covered and any(s.extra is not None for s in segments):
        return None
    total = _rows(conn, table)
    if LISTED_WALK * admitted(conn, listed, total) ** 2 < total * limit:
        # a walk would read more entries a listed row than gathering them costs: gathered,
        # and held whole from the second page (a role's 1,198 leaders at 300,000 people by
        # name: 25,000 entries of the name index a page, 8-19 ms, against 0.3 once held)
        return _gather(conn, table, order, filters, listed, after, limit, rows)
    tests = " AND ".join(["p._deleted = 0", *(f"({f.test.format(t='p')})" for f in filters)])
    test_args = [a for f in filters for a in f.test_args]
    found: list = []
    for segment in segments:
        need = limit - len(found)
        if segment.extra is not None:
            found += _gather_segment(conn, table, segment, filters, need, rows, listed)
            if len(found) >= limit:
                break
            continue
        where, args = _segment_where(segment, plus=False)
        last = None
        span = 2 * need * total // max(1, admitted(conn, listed, total))
        if covered and span < total:  # to the keys of the span's last row, off the index
            keys = segment.order
            last = conn.execute(f"SELECT {', '.join(keys)} FROM {table} p WHERE {where} "
                                f"ORDER BY {_order_by(keys, segment.descending)} LIMIT 1 "
                                f"OFFSET {max(span, WALK_STEP) - 1:d}", args).fetchone()
            if last is not None:
                where += (f" AND ({', '.join(keys)}) {'>=' if segment.descending else '<='} "
                          f"({', '.join('?' for _ in keys)})")
                args = [*args, *last]
        got = rows(conn, f"SELECT p._rowid AS r FROM {table} p WHERE {where} AND {tests} "
                   f"ORDER BY {_order_by(segment.order, segment.descending)} LIMIT ?",
                   [*args, *test_args, need])
        if last is not None and len(got) < need:
            return None  # the list sits further down than its share says: walked in stretches
        found += got
        if len(found) >= limit:
            break
    return found[:limit]


def hold_ranks(conn: dbapi.Connection, table: str, rows: int | None = None) -> bool:
    """Read the name order's ranks (storage/ranked.py) now, ``rows`` entries of the name
    index a step, while the window is idle, rather than at the first search that places
    its matches by rank (a pause of 0.1-0.3 s there at 300,000 people); once they are held,
    a step of reading the names' words held in name order (ranked.read_words), then of the
    numbers in name order that a number typed alone is found in (ranked.read_numbers: read
    only so, never by a search): the words first, as a name is what an officer types most
    and first (at 300,000 people the numbers took the worker 0.8 s, and a name typed in the
    window's first two seconds met the plans before the words). True when all three
    are held: call again until then. Steps of SQLite's work (done without
    the interpreter's lock) and of 1-3 ms holding it: a worker's warm-up
    (ui/common/read_ahead.py) never holds a key of the UI thread back long."""
    now = stamp(conn)
    ranked.by_warm_up(conn)  # (a search meanwhile does not read them itself)
    if not ranked.read_ranks(conn, table, now, rows=rows):
        return False
    if not ranked.read_words(conn, table, now):
        return False
    return ranked.read_numbers(conn, table, now, lambda: _aside(conn))


def _aside(conn: dbapi.Connection) -> dbapi.Connection | None:
    """A connection of its own to ``conn``'s file with a small cache, for a read whose pages
    should not stay in ``conn``'s (ranked.read_numbers: the whole table once); None: read
    on ``conn`` (in memory, the key not known, or the file not opened)."""
    path = database_file(conn)
    try:
        return reader(path, ASIDE_CACHE_KIB) if path is not None else None
    except (OSError, dbapi.Error):
        return None


ASIDE_CACHE_KIB = 1024  # (a read of the table in rowid order reads each page once)


def lend(source: dbapi.Connection, target: dbapi.Connection, target_stamp: tuple[int, int],
         table: str) -> bool:
    """Give ``target`` the ranks, numbers and words of :func:`hold_ranks` that ``source``
    holds for the database as it is now (ranked.lend), for ``target``'s ``target_stamp``,
    taken before this call with no transaction open: read once for both connections. Called on
    ``source``'s thread. True when lent."""
    return ranked.lend(source, stamp(source), target, target_stamp, table)


def warmed(conn: dbapi.Connection, table: str) -> bool:
    """Whether the ranks, numbers and words of :func:`hold_ranks` are held for the database
    as it is (after a write they are read again)."""
    now = stamp(conn)
    return ranked.holds(conn, table, now) and ranked.numbers_read(conn, table, now) and \
        ranked.words_read(conn, table, now)


PROBE_ROWS = 3000  # rows a search walks before its matches are counted (about 1 ms)


def probed(limit: int) -> int:
    """Entries of the name index a search's page of ``limit`` rows is first looked for in
    (:func:`_by_rank`): fewer than ``limit`` matches there, and the walk gives up."""
    return PROBE_ROWS * max(1, limit // 100)


def _by_rank(conn: dbapi.Connection, table: str, order: Order, filters: Sequence[Filter],
             after: tuple | None, limit: int, rows: _Rows, covered: bool = True,
             probe: bool = True) -> list | None:
    """A search's page in name order: found by a short walk (``covered``: the walk reads
    the name index alone; ``probe`` False: not tried), else its matches placed by rank
    (storage/ranked.py) when they are not too many; None: the other plans read it (a
    village's roster, or a short prefix matching many)."""
    search = next((f for f in filters if f.rowids), None)
    if search is None or order.keys != ranked.NAME_ORDER or order.descending or order.joins \
            or limit < 0:
        return None
    segments = order.segments(after)
    if len(segments) != 1 or segments[0].extra is not None or segments[0].where:
        return None
    others = [f for f in filters if f is not search]  # the search: its matches are read
    few = bound(conn, table, True)
    if any(admitted(conn, f, few) < few for f in others):
        return None  # a village's people: gathered through its index
    held_words = ranked.words(conn, table, stamp(conn)) if covered and search.words and \
        WORDED_MOST > 0 else None
    if held_words is not None:
        # Its words tested on the search text held in name order, from its first letters'
        # ranks (ranked.worded): no long walk, no match read off the full-text index. A page
        # of matches right at its start (a key that extends the last: «nguyen» after
        # «nguye») is a walk of a few hundred rows, one statement (0.2 ms at 300,000 people
        # against 0.5 tested on the text and then on the rows) — unless no row is left to
        # test (_left_to_test): the words alone are as quick, and a walk that found too few
        # cost 0.5-0.7 ms more (the first key of a word, searched at once)
        found = _walk(conn, table, segments[0], filters, limit, WORDED_PROBE * max(
            1, limit // 100), rows, sure=False) if probe and WORDED_PROBE and \
            _left_to_test(others, held_words) else None
        if found is not None:
            return found
        page = _by_words(conn, table, search, others, after, limit, rows)
        if page is not None:
            return page
    if covered:
        # Most searches find their page a short walk away (a match in a few dozen rows):
        # found so before their matches are read (a short prefix's: 2-14 ms at 300,000).
        found = _walk(conn, table, segments[0], filters, limit, probed(limit), rows,
                      sure=False) if probe else None
        if found is not None:
            return found
        most, spread = ranked.most(_rows(conn, table)), _rows(conn, table)
    else:
        # A walk reads each row (a number alone: the CCCD and phone are not in the name
        # index, 1 µs a row): found in the numbers held in name order when many have it,
        # else counted first off their own indexes and placed.
        page = _by_number(conn, table, search, others, after, limit, rows)
        if page is not None:
            return page
        most = ranked.most(_rows(conn, table), ranked.PLACED_READ)
        few = _few_numbers(conn, table)  # (counted so by _by_number: not counted again)
        if not (search.digits and few <= most and admitted(conn, search, few + 1) <= few) \
                and admitted(conn, search, most + 1) > most:
            return None
        spread = None  # (their rowids come in the numbers' order)
    # Placed when the matches are few enough; more, and a walk finds the page sooner.
    found = ranked.matches(conn, search.admitted, search.admitted_args, most, spread)
    if found is None and covered:  # many: walked to the page (the other plans' choice too,
        # without counting the matches again: up to 5,000 of a few words' cost 3-8 ms)
        return _walk(conn, table, segments[0], filters, limit, _rows(conn, table), rows)
    if found is None:
        return None
    held = ranked.held(conn, table, stamp(conn))
    if held is None:  # not read yet by the warm-up: the other plans (ranked.by_warm_up)
        return None
    begin = ranked.start(conn, table, held[0], after)
    return _tested(conn, table, others, lambda count: ranked.first(held, found, begin, count),
                   limit, rows)


# Steps of ranked.worded (each 1-2 µs: a next rank by the first letters, a find of each word
# on its line) before a search's page is left to the other plans; 0: never (tests).
WORDED_MOST = 4_000
WORDED_PROBE = 400  # rows walked first (about 0.1 ms when it finds too few)


class _TooMany(Exception):
    """More ranks than WORDED_MOST to test: the other plans read the page."""


def _by_words(conn: dbapi.Connection, table: str, search: Filter, others: Sequence[Filter],
              after: tuple | None, limit: int, rows: _Rows) -> list | None:
    """A search's page in name order found in the words held in name order (ranked.words),
    its rows tested against the other filters; None when not held (until the window's
    warm-up has read them) or when its words' first letters leave too many to test."""
    if WORDED_MOST <= 0:
        return None
    now = stamp(conn)
    held_words = ranked.words(conn, table, now)
    held = ranked.held(conn, table, now) if held_words is not None else None
    if held is None or held_words is None:
        return None
    begin = ranked.start(conn, table, held[0], after)
    others = _left_to_test(others, held_words)

    def first(count: int) -> list[int]:
        found = ranked.worded(held, held_words, search.words, begin, count, WORDED_MOST)
        if found is None:
            raise _TooMany
        return found

    try:
        # With no other filter nothing is left to test: the words never give a deleted person
        # (at 300,000 people reading each match's row for that was most of a key searched at
        # once in a commune's roster: 116 rows, 2-8 ms where their pages were not yet read)
        return _tested(conn, table, others, first, limit, rows, undeleted=True)
    except _TooMany:
        return None


def _left_to_test(others: Sequence[Filter], held_words: ranked.Words) -> list[Filter]:
    """The filters the people the words find are still tested against: not a place's roster
    holding everyone who lives anywhere (a commune's: ranked.Words.units)."""
    return [f for f in others if not (f.units and held_words.units is not None and
                                      held_words.units <= frozenset(f.units))]


def _tested(conn: dbapi.Connection, table: str, others: Sequence[Filter],
            first: Callable[[int], list[int]], limit: int, rows: _Rows, *,
            most_pass: bool = False, undeleted: bool = False) -> list | None:
    """The page of the rowids ``first(count)`` gives (the first ``count`` matches of a search
    in name order) that pass the other filters and are not deleted, read further down as
    long as they keep too few; ``most_pass``: None (the other plans) when the first ones
    show that the other filters keep fewer than half (an organization type's members, a
    village's people: read through their own lists and indexes). ``undeleted``: ``first``
    gives no deleted person (with no other filter, no row is read to test)."""
    if undeleted and not others:
        return rows(conn, "SELECT value AS r FROM json_each(?) ORDER BY key",
                    [json.dumps(first(limit))])
    tests = " AND ".join(["p._deleted = 0", *(f"({f.test.format(t='p')})" for f in others)])
    args = [a for f in others for a in f.test_args]
    count = limit + 16  # most pass: in a commune's roster all but the deleted
    while True:
        found = first(count)
        passed = {int(r[0]) for r in conn.execute(
            f"SELECT p._rowid FROM {table} p WHERE p._rowid IN (SELECT value FROM "
            f"json_each(?)) AND {tests}", (json.dumps(found), *args))}
        page = [r for r in found if r in passed][:limit]
        if len(page) >= limit or len(found) < count:
            break
        if most_pass and 2 * len(passed) < len(found):
            return None
        count *= 4  # the other filters keep few of them: further down
    return rows(conn, "SELECT value AS r FROM json_each(?) ORDER BY key", [json.dumps(page)])


SCAN_FIRST = 1024  # ranks scanned for a number's page before its matches are counted


def _few_numbers(conn: dbapi.Connection, table: str) -> int:
    """A number alone that at most this many people have is placed, not scanned for."""
    total = _rows(conn, table)
    return total if ranked.SCANNED is None else ranked.most(total, ranked.SCANNED)


def _by_number(conn: dbapi.Connection, table: str, search: Filter, others: Sequence[Filter],
               after: tuple | None, limit: int, rows: _Rows) -> list | None:
    """A number typed alone that many people have, found in the CCCDs and phones held in
    name order (ranked.numbers: about 20 ns a person passed over); None when few (placed by
    rank, cheaper than scanning far for them), a word of many names begins with it, or the
    numbers are not held (until the window's warm-up has read them, or not digits).

    The page is looked for in the first SCAN_FIRST people from its start (20 µs; a short
    prefix's there: "011" begins nine CCCDs in ten), else the matches are counted up to
    :func:`_few_numbers` off their indexes (0.2 µs each). Another filter that keeps few
    (a village, an organization type: 60 ms of scanning and testing at 300,000 people,
    against 2-30 by their own plans) is left to the other plans: counted up to the bound
    of gathering a row read each, or seen to keep fewer than half of the first found."""
    few, wide = _few_numbers(conn, table), bound(conn, table, False)
    if not (search.digits and search.named) or few >= _rows(conn, table) or any(
            admitted(conn, f, wide) < wide for f in others):
        return None  # (a village's people, an organization type's: their own plans)
    now = stamp(conn)
    numbers = ranked.numbers(conn, table, now)
    if numbers is None:
        return None
    held = ranked.held(conn, table, now)
    if held is None:
        return None
    begin = ranked.start(conn, table, held[0], after)
    count = limit + 16
    if len(ranked.scan(numbers, search.digits, begin, count, begin + 1 + SCAN_FIRST)) < count \
            and admitted(conn, search, few + 1) <= few:
        return None
    named = ranked.matches(conn, search.named, search.named_args, few)
    if named is None:
        return None
    return _tested(conn, table, others, lambda count: ranked.scanned(
        held, numbers, search.digits, named, begin, count), limit, rows, most_pass=True)


def _walk(conn: dbapi.Connection, table: str, segment: Segment, filters: Sequence[Filter],
          need: int, most: int, rows: _Rows = _ROWIDS, *, sure: bool = True) -> list | None:
    """Rowids (or ``rows``) of up to ``need`` rows of ``segment`` passing the filters, read
    down its index; None when ``most`` rows were read without finding them all (``sure``
    False: whenever fewer were found, the segment's end not told from the walk's)."""
    tests = [f for f in (*filters, segment.extra) if f is not None
             and f.test not in segment.implied]
    where, args = _segment_where(segment, plus=False)
    test_args = [a for f in tests for a in f.test_args]

    def test(f: Filter, t: str) -> str:
        # The part's own condition off its index when it can be (those without a CCCD,
        # walked down the name index: a step down the CCCD's index an entry, not its row,
        # 2-15 µs: the commune's first page by CCCD at 300,000 people 19-28 ms → 3)
        return f.probe.format(r=f"{t}._rowid") if f is segment.extra and f.probe else \
            f.test.format(t=t)

    if most >= _rows(conn, table):  # nothing to bound: tested as read (a third cheaper)
        test_sql = " AND ".join(["p._deleted = 0", *(f"({test(f, 'p')})" for f in tests)])
        return rows(conn, f"SELECT p._rowid AS r FROM {table} p WHERE {where} AND {test_sql} "
                    f"ORDER BY {_order_by(segment.order, segment.descending)} LIMIT ?",
                    [*args, *test_args, need])
    columns = dict.fromkeys(("_rowid", "_deleted", *(
        c for f in tests if not (f is segment.extra and f.probe) for c in f.columns)))
    scanned = (f"SELECT {', '.join(f'p.{c} AS {c}' for c in columns)} FROM {table} p "
               f"WHERE {where} ORDER BY {_order_by(segment.order, segment.descending)} "
               f"LIMIT {most:d}")
    test_sql = " AND ".join(["w._deleted = 0", *(f"({test(f, 'w')})" for f in tests)])
    found = rows(conn, f"SELECT w._rowid AS r FROM ({scanned}) w WHERE {test_sql} LIMIT ?",
                 [*args, *test_args, need])
    if len(found) < need and not sure:
        return None
    if len(found) < need:  # the segment ended, or the walk gave up
        read = conn.execute(f"SELECT count(*) FROM ({scanned})", args).fetchone()[0]
        if read >= most:
            return None
    return found


WALK_STEP = 1000  # rows a bounded read down an index reads at least (paging._listed)


def _gather(conn: dbapi.Connection, table: str, order: Order, filters: Sequence[Filter],
            driver: Filter | None, after: tuple | None, limit: int, rows: _Rows = _ROWIDS
            ) -> list:
    # A list in an order no index walks, whose filters each admit many rows and one looks
    # another row up for each (good deeds of a whole commune: a good deed's place is its
    # person's): its rows sorted, then tested in that order until the page is full, rather
    # than each row tested before the sort (3,000 people read afresh at 300,000, 115 ms,
    # against 14). Filters without look-ups cost less than sorting every row instead of the
    # page's (minutes of a commune: 10-15 ms more a first page).
    covered = all(set(f.columns) <= order.covers for f in filters)
    few = bound(conn, table, covered)
    if not order.walked and any(f.looked_up for f in filters) and all(
            admitted(conn, f, few) >= few for f in filters):
        page = _sorted_walk(conn, table, order, filters, after, limit, rows)
        if page is not None:
            return page
    # From the list gathered whole, from its second page (its first page is sorted off the
    # top: reading the whole list into memory cost a first page more).
    if after is not None:
        held = _gathered(conn, table, order, filters, driver)
        at = _held_at(conn, table, order, held, after) if held else None
        if held is not None and at is not None:
            page = held[0][at + 1:at + 1 + limit]
            if rows.select is None:
                return list(page)
            return rows(conn, "SELECT value AS r FROM json_each(?)", [json.dumps(page)])
    where, args = _gathered_where(order, filters, driver, after)
    sql = (f"SELECT p._rowid AS r FROM {table} p {order.joins} WHERE {where} "
           f"ORDER BY {_order_by(order.keys, order.descending, plus=True)} LIMIT ?")
    return rows(conn, sql, [*args, limit])


def _sorted_walk(conn: dbapi.Connection, table: str, order: Order, filters: Sequence[Filter],
                 after: tuple | None, limit: int, rows: _Rows) -> list | None:
    """The first ``limit`` rows after ``after`` of the table sorted in ``order`` that pass the
    filters: the table's rows in that order (held, below) tested a few at a time from there.
    None when the first of them show the filters keep few (a village's good deeds, one in a
    hundred): the rows they admit are gathered instead, in the order of the table. A first
    page is one statement (:func:`_sorted_scan`) unless the sorted rows are held already:
    reading them all into memory cost a first page of minutes 10-20 ms more, read afresh."""
    # every row, sorted (no filter)
    held = _gathered(conn, table, order, [], None, build=after is not None)
    at = -1 if after is None else _held_at(conn, table, order, held, after) if held else None
    if held is None or at is None:  # too many to hold, or that row is gone: read in SQL
        return _sorted_scan(conn, table, order, filters, after, limit, rows)
    tests = " AND ".join(f"({f.test.format(t='p')})" for f in filters)
    args = [a for f in filters for a in f.test_args]
    found: list[int] = []
    start, count = at + 1, limit + 16  # most pass: a commune's records all but a few
    while len(found) < limit and start < len(held[0]):
        some = held[0][start:start + count]
        passed = {int(r[0]) for r in conn.execute(
            f"SELECT p._rowid FROM {table} p WHERE p._rowid IN (SELECT value FROM "
            f"json_each(?)) AND {tests}", [json.dumps(some), *args])}
        found += [r for r in some if r in passed]
        if len(found) * 8 < len(some) and len(found) < limit and start + count < len(held[0]):
            return None  # fewer than one in eight kept: the rest is tested in the table's order
        start, count = start + count, count * 4  # the filters keep few: further at once
    page = found[:limit]
    if rows.select is None:
        return page
    return rows(conn, "SELECT value AS r FROM json_each(?)", [json.dumps(page)])


def _sorted_scan(conn: dbapi.Connection, table: str, order: Order, filters: Sequence[Filter],
                 after: tuple | None, limit: int, rows: _Rows) -> list:
    """:func:`_sorted_walk` in one statement: the rows sorted, each tested as read (the
    subquery's LIMIT keeps SQLite from testing them before the sort)."""
    columns = dict.fromkeys(("_rowid", *(c for f in filters for c in f.columns)))
    where, args = ["p._deleted = 0"], []
    if after is not None:
        where.append(_after(order.keys, after, order.descending, plus=True))
        args += after
    scanned = (f"SELECT {', '.join(f'p.{c} AS {c}' for c in columns)} FROM {table} p "
               f"{order.joins} WHERE {' AND '.join(where)} ORDER BY "
               f"{_order_by(order.keys, order.descending, plus=True)} "
               f"LIMIT {_rows(conn, table) + 1:d}")
    tests = " AND ".join(f"({f.test.format(t='w')})" for f in filters)
    return rows(conn, f"SELECT w._rowid AS r FROM ({scanned}) w WHERE {tests} LIMIT ?",
                [*args, *(a for f in filters for a in f.test_args), limit])


# A gathered list held whole (its rowids in order, and where each rowid stands) until the
# database changes: each page of it read the rows its filter admits and sorted them again (a
# meeting's list by title, 6,000 minutes at 300,000 people: 11 ms a page; the members of an
# organization type by phone: 7-15 ms), for lists of at most GATHER_HELD rows, a few lists a
# connection. Read as one JSON list of rowids made by SQLite: the rows with their keys, each
# made a Python row and its keys a tuple, cost the page that reads it (the second of a list:
# Ctrl+End on 6,000 minutes) 13-21 ms at 300,000 people.
GATHER_HELD = 50_000
_HELD = "_paging_gathered"


def _gathered(conn: dbapi.Connection, table: str, order: Order, filters: Sequence[Filter],
              driver: Filter | None, *, build: bool = True
              ) -> tuple[list[int], dict[int, int]] | None:
    """The whole gathered list (rowids in order; each rowid → its place), read once
    (``build`` False: only if held already)."""
    where, args = _gathered_where(order, filters, driver, None)
    order_by = _order_by(order.keys, order.descending, plus=True)
    key = (table, where, tuple(args), order.keys, order.descending, order.joins)
    now = stamp(conn)
    cache: dict = conn.__dict__.setdefault(_HELD, {})
    held = cache.get(key)
    if held is not None and held[0] == now:
        return held[1]
    if not build:
        return None
    listed = conn.execute(f"SELECT CASE WHEN count(*) <= {GATHER_HELD:d} THEN "
                          f"json_group_array(p._rowid ORDER BY {order_by}) END FROM {table} p "
                          f"{order.joins} WHERE {where}", args).fetchone()[0]
    found: list[int] | None = None if listed is None else json.loads(listed)
    whole = None if found is None else (found, {r: i for i, r in enumerate(found)})
    if len(cache) >= 8:
        cache.clear()
    cache[key] = (now, whole)  # too long to hold: remembered too, not read again each page
    return whole


def _held_at(conn: dbapi.Connection, table: str, order: Order,
             held: tuple[list[int], dict[int, int]], after: tuple) -> int | None:
    """Where in a held list the row whose keys are ``after`` stands (None: no row has them
    now, or it is not in the list): found by its keys (the last one unique, indexed)."""
    row = conn.execute(f"SELECT p._rowid FROM {table} p {order.joins} WHERE "
                       f"({', '.join(order.keys)}) = ({', '.join('?' for _ in after)})",
                       tuple(after)).fetchone()
    return None if row is None else held[1].get(int(row[0]))


def _gathered_where(order: Order, filters: Sequence[Filter], driver: Filter | None,
                    after: tuple | None, *, drive_all: bool = False
                    ) -> tuple[str, list[object]]:
    where, args = ["p._deleted = 0"], []
    for f in filters:
        if f is driver or drive_all:
            where.append(f"({f.drive})")
            args += f.drive_args
        else:
            where.append(f"({f.test.format(t='p')})")
            args += f.test_args
    if after is not None:
        where.append(_after(order.keys, after, order.descending, plus=True))
        args += after
    return " AND ".join(where), args


def _gather_segment(conn: dbapi.Connection, table: str, segment: Segment,
                    filters: Sequence[Filter], need: int, rows: _Rows = _ROWIDS,
                    listed: Filter | None = None) -> list:
    """A segment whose own condition admits few rows, read through that condition's index;
    with ``listed`` (a list of rowids, paging._listed) and a condition that can be probed
    (``Filter.probe``), the listed rowids that pass it off its index: the rows of a list's
    part (the 600 of an organization type's 3,229 members at 300,000 people who have no
    phone) found in 2 ms, where the condition's index (60,000 without a phone) was read
    whole, each entry tested against the list (4-5 ms), at each page."""
    extra = segment.extra
    assert extra is not None
    where, args = _segment_where(segment, plus=True)
    order_by = _order_by(segment.order, segment.descending, plus=True)
    filters = [f for f in filters if f.test not in segment.implied]
    if listed is not None and extra.probe:  # (its ``admitted`` selects the rowids, "value")
        others = [f for f in filters if f is not listed]
        tests = " AND ".join(f"({f.test.format(t='p')})" for f in others) or "1"
        sql = (f"SELECT p._rowid AS r FROM {table} p WHERE p._rowid IN (SELECT x.value FROM "
               f"({listed.admitted}) x WHERE {extra.probe.format(r='x.value')}) AND "
               f"p._deleted = 0 AND {tests} AND {where} ORDER BY {order_by} LIMIT ?")
        return rows(conn, sql, [*listed.admitted_args, *extra.test_args,
                                *(a for f in others for a in f.test_args), *args, need])
    tests = " AND ".join(f"({f.test.format(t='p')})" for f in filters) or "1"
    sql = (f"SELECT p._rowid AS r FROM {table} p WHERE p._deleted = 0 AND ({extra.drive}) AND "
           f"{tests} AND {where} ORDER BY {order_by} LIMIT ?")
    return rows(conn, sql, [*extra.drive_args, *(a for f in filters for a in f.test_args), *args,
                            need])


def _segment_where(segment: Segment, *, plus: bool) -> tuple[str, list[object]]:
    where, args = [segment.where] if segment.where else [], list(segment.args)
    if segment.after is not None:
        columns = segment.order[:len(segment.after)]
        where.append(_after(columns, segment.after, segment.descending, plus=plus))
        args += segment.after
    return " AND ".join(where) or "1", args


def _after(columns: Sequence[str], values: Sequence[object], descending: bool, *,
           plus: bool) -> str:
    """Rows after ``values`` in the order of ``columns`` (a row-value comparison, which
    SQLite reads as a range of an index on those columns unless ``plus``)."""
    cols = ", ".join(("+" if plus else "") + c for c in columns)
    marks = ", ".join("?" for _ in values)
    return f"({cols}) {'<' if descending else '>'} ({marks})"


def _order_by(columns: Sequence[str], descending: bool, *, plus: bool = False) -> str:
    """ORDER BY terms; ``plus``: sorted, never read off an index (the gather plan)."""
    return ", ".join(("+" if plus else "") + c + (" DESC" if descending else "")
                     for c in columns)


def database_file(conn: dbapi.Connection) -> Path | None:
    """The file ``conn`` reads, or None (in memory, or the connection is closed)."""
    try:
        row = conn.execute("PRAGMA database_list").fetchone()
    except dbapi.Error:
        return None
    return Path(row[2]) if row and row[2] else None


def reader(path: Path, cache_kib: int = 2048) -> dbapi.Connection | None:
    """A read-only connection of its own to ``path``, to count or read a list off the UI
    thread: with the key this process unlocked it with (None once locked or closed), and a
    page cache of ``cache_kib`` (small by default: a count reads once)."""
    key = db.known_key(path)
    if key is None or not path.exists():
        return None
    conn = db.open_file(path, key, readonly=True)
    try:
        conn.execute(f"PRAGMA cache_size = -{int(cache_kib)}")
    except BaseException:
        conn.close()
        raise
    return conn
