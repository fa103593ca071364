"""The third plan of a search's page in name order: its matches placed by rank.

A walk down the name index finds a page of a search after 100 / share-of-matches rows,
unless the matches sit together far down the order: a given name typed ("vũ h": every
"Vũ … H…" is named from H on) is a walk of 72,000 rows at 300,000 people (160 ms) before
the page is gathered. Gathering reads every match's row to learn its name key (3-5 µs a
match in the page cache, 10-25 µs read afresh). This plan reads no row but the page's: it
holds every row's place in the name order and the row at each place (four bytes a row
each: 2.4 MB at 300,000 people, read once off the name index and again after the database
changes), takes the matches' rowids from the full-text index (its own cost: 1-2 µs a match
for prefixes), sorts their places and tests only the first ones against the other filters.
Same rows, same order as the other plans (tests/storage/test_ranked_search.py): the ranks
are the order of (name_key, rowid). The names' words are held in that order too (the end of
this module): a search of words common to many names is found there without reading its
matches (tests/storage/test_worded_search.py).
"""

from __future__ import annotations

import ctypes
import math
import mmap
import re
import sys
from array import array
from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Sequence
from itertools import accumulate, repeat

from desktop.storage import dbapi

# The keys of the only order ranked: Vietnamese name order, namesakes by rowid (rosters).
NAME_ORDER = ("p.name_key", "p._rowid")


def most(rows: int, factor: int | None = None) -> int:
    """Matches placed at most among ``rows`` people: M matches cost 1-2 µs each placed (the
    full-text index's own cost), and a walk finds 100 of them in 100·rows/M rows at 0.5 µs
    a row unless they sit together; placed while that costs at most about four such walks:
    M² ≤ 200·rows (4,500 at 100,000 people, 7,700 at 300,000). More (a short prefix) and
    the walk finds the page. ``factor``: another than 200 (PLACED_READ)."""
    return math.isqrt((PLACED if factor is None else factor) * rows)


PLACED = 200  # the factor of :func:`most` (tests set 0: never placed, or more: always)
# The factor for matches read off the CCCD and phone indexes (0.2 µs a match, and 0.2 to
# place it) against a walk that reads each row (1 µs): M² ≤ 250·rows, the two costing about
# the same there (8,700 matches at 300,000 people: 3 ms).
PLACED_READ = 250
# A number alone matching at most most(rows, SCANNED) people is placed; more, and it is found
# in the numbers held in name order (scan: 20 ns a person passed over, 116·rows/M of them for
# a page of M matches, against 0.7 µs a match counted and placed: the two meet near M² =
# 5·rows, 1,200 at 300,000 people). None: never scanned (tests).
SCANNED: int | None = 5


def _hex_rowids(conn: dbapi.Connection, sql: str, args: Sequence[object]) -> array:
    """The integers ``sql`` selects (one column ``r``), in its order: made into four bytes
    each by SQLite (eight hexadecimal digits, unhex) and read into an array by C, not a
    Python step a row (1 µs a row through the driver, a twentieth so; and SQLite's work is
    done without the interpreter's lock)."""
    listed = conn.execute(f"SELECT unhex(group_concat(printf('%08x', r), '')) FROM ({sql})",
                          tuple(args)).fetchone()[0]
    out = array("I", listed or b"")
    if sys.byteorder == "little":
        out.byteswap()
    return out


def ranks(conn: dbapi.Connection, table: str, stamp: object) -> tuple[array, array]:
    """Each rowid's place in name order (``placed[rowid]``) and the rowid at each place
    (``order[place]``), remembered until ``stamp`` (the database's, paging.stamp) changes:
    read off the name index: 140-350 ms of processor at 300,000 people (30-100 at
    100,000) under a load of 6 on two cores, once, and again after any write."""
    while not read_ranks(conn, table, stamp, steps=False):
        pass
    return conn.__dict__[_HELD_RANKS][table][1]


def held(conn: dbapi.Connection, table: str, stamp: object) -> tuple[array, array] | None:
    """The ranks of :func:`ranks` if held for ``stamp``; else read now, or None on a
    connection whose ranks come from a warm-up (:func:`by_warm_up`)."""
    if holds(conn, table, stamp):
        return conn.__dict__[_HELD_RANKS][table][1]
    return None if conn.__dict__.get(_BY_WARM_UP) else ranks(conn, table, stamp)


def by_warm_up(conn: dbapi.Connection) -> None:
    """The ranks and numbers of ``conn`` are read by a warm-up (the window's, on a worker:
    paging.hold_ranks) or lent by the connection that read them (:func:`lend`), never by a
    search: one that would place its matches by rank before they are held is read by the
    other plans instead (the same rows; reading the ranks there was a pause of 0.1-0.3 s
    at 300,000 people)."""
    conn.__dict__[_BY_WARM_UP] = True


_BY_WARM_UP = "_ranked_by_warm_up"
_HELD_RANKS = "_ranked_ranks"
_RANKING = "_ranked_ranking"  # the ranks half read: [stamp, order, placed, last key read]
RANKS_STEP = 8_192  # entries of the name index read a step (their places set: 1-2 ms)


def read_ranks(conn: dbapi.Connection, table: str, stamp: object, steps: bool = True,
               rows: int | None = None) -> bool:
    """One step of reading the ranks of :func:`ranks` for ``stamp``: the next ``rows``
    entries of the name index (RANKS_STEP; SQLite's work, done without the interpreter's
    lock; it also reads the index into the connection's cache, which every walk and search
    reads), each one's place set (1-2 ms holding the lock); ``steps`` False: all at once.
    A worker reading them so never holds the lock long while the UI thread waits for it
    (one loop over 300,000 rowids held it 20-40 ms). True once they are held."""
    if holds(conn, table, stamp):
        return True
    rows = rows or RANKS_STEP
    building = conn.__dict__.get(_RANKING, {}).get(table)
    if building is None or building[0] != stamp:
        top = conn.execute(f"SELECT max(_rowid) FROM {table}").fetchone()[0]
        building = [stamp, array("I"), array("i", bytes(4 * (int(top or 0) + 1))), None]
        conn.__dict__.setdefault(_RANKING, {})[table] = building
    _stamp, order, placed, after = building
    where, args = ("WHERE (p.name_key, p._rowid) > (?, ?) ", after) if after else ("", ())
    chunk = _hex_rowids(conn, f"SELECT p._rowid AS r FROM {table} p {where}ORDER BY "
                              f"p.name_key, p._rowid{f' LIMIT {rows:d}' if steps else ''}",
                        args)
    at = len(order)
    try:
        # placed[order[k]] = k, stepped by map in C (a Python loop: a third dearer)
        deque(map(placed.__setitem__, chunk, range(at, at + len(chunk))), maxlen=0)
    except IndexError:  # a row written since the first step: read again
        conn.__dict__[_RANKING].pop(table, None)
        return False
    order += chunk
    if steps and len(chunk) == rows:
        key = conn.execute(f"SELECT name_key FROM {table} WHERE _rowid = ?",
                           (chunk[-1],)).fetchone()
        if key is None:  # gone since: read again
            conn.__dict__[_RANKING].pop(table, None)
            return False
        building[3] = (key[0], chunk[-1])
        return False
    conn.__dict__[_RANKING].pop(table, None)
    conn.__dict__.setdefault(_HELD_RANKS, {})[table] = (stamp, (placed, order))
    return True


def holds(conn: dbapi.Connection, table: str, stamp: object) -> bool:
    """Whether the ranks of ``table`` are held for ``stamp`` (:func:`ranks` reads nothing)."""
    held = conn.__dict__.get(_HELD_RANKS, {}).get(table)
    return held is not None and held[0] == stamp


def span(conn: dbapi.Connection, table: str, stamp: object, first: int, last: int
         ) -> int | None:
    """How many places of the name order lie from the row ``first`` to the row ``last``
    (itself included), if the ranks are held for ``stamp`` (None: not held, or a row
    placed since)."""
    if not holds(conn, table, stamp):
        return None
    placed = conn.__dict__[_HELD_RANKS][table][1][0]
    if max(first, last) >= len(placed):
        return None
    return placed[last] - placed[first] + 1


def lend(source: dbapi.Connection, source_stamp: object, target: dbapi.Connection,
         target_stamp: object, table: str) -> bool:
    """Give ``target`` the ranks, and the numbers and words once read, that ``source`` holds for
    ``source_stamp`` (the same arrays: read once for both connections, not twice), held
    there for ``target_stamp``. The caller vouches that both saw the same database at
    those stamps (ReadAhead: ``target``'s taken with no transaction open, ``source``'s read
    since and equal to the one its ranks were read for). True when the ranks are lent."""
    ranks_held = source.__dict__.get(_HELD_RANKS, {}).get(table)
    if ranks_held is None or ranks_held[0] != source_stamp:
        return False
    target.__dict__.setdefault(_HELD_RANKS, {})[table] = (target_stamp, ranks_held[1])
    if numbers_read(source, table, source_stamp):
        numbers_held = source.__dict__[_HELD_NUMBERS][table]
        target.__dict__.setdefault(_HELD_NUMBERS, {})[table] = (target_stamp, numbers_held[1])
    if words_read(source, table, source_stamp):
        words_held = source.__dict__[_HELD_WORDS][table]
        target.__dict__.setdefault(_HELD_WORDS, {})[table] = (target_stamp, words_held[1])
    return True


def matches(conn: dbapi.Connection, sql: str, args: Sequence[object], most: int,
            spread: int | None = None) -> array | None:
    """The rowids ``sql`` selects (the full-text index's matches), or None if more than
    ``most``. ``spread``: the table's last rowid, ``sql`` selecting in rowid order (the
    full-text index's): the first eighth are read, and the rest only if they foretell at
    most ``most`` in all — at the pace of rowids they came at (a name's words are spread
    over the rowids, written in no order of names). Reading 7,700 matches of "nguyen t"
    (18,000) cost 8-11 ms at 300,000 people before a walk found the page anyway."""
    if spread is None:
        found = _hex_rowids(conn, f"SELECT s.rowid AS r FROM ({sql}) s LIMIT {most + 1:d}",
                            args)
        return None if len(found) > most else found
    some = max(1, most // 8)
    found = _hex_rowids(conn, f"SELECT s.rowid AS r FROM ({sql}) s ORDER BY s.rowid "
                              f"LIMIT {some:d}", args)
    if len(found) < some:
        return found
    if some * spread > most * found[-1]:
        return None  # foretold: more than ``most``
    found += _hex_rowids(conn, f"SELECT s.rowid AS r FROM ({sql}) s WHERE s.rowid > ? "
                               f"ORDER BY s.rowid LIMIT {most + 1 - some:d}",
                         (*args, found[-1]))
    return None if len(found) > most else found


def start(conn: dbapi.Connection, table: str, placed: array, after: tuple | None) -> int:
    """The rank a page after the keys ``after`` (name_key, rowid) starts after: that of the
    row before the first one after them in name order (one step down the name index; the
    keys need not be a row's), -1 for the start."""
    if after is None:
        return -1
    row = conn.execute(f"SELECT p._rowid FROM {table} p WHERE (p.name_key, p._rowid) > (?, ?) "
                       "ORDER BY p.name_key, p._rowid LIMIT 1", tuple(after)).fetchone()
    if row is None or int(row[0]) >= len(placed):
        return len(placed)  # none after them: nothing is placed further
    return placed[int(row[0])] - 1


def first(held: tuple[array, array], rowids: array, after: int, count: int) -> list[int]:
    """The ``count`` rowids of ``rowids`` placed first after rank ``after``. A rowid may be
    given up to four times (a number's CCCD and phone: search.NUMBER_ROWIDS): once here.

    Few: their places found, kept and sorted by C's steps (map, filter, sorted), not
    Python's: 0.25 µs a match (a random read of the places and an int made for each). Many:
    the name order read from ``after`` a window at a time, each rowid looked up in a set of
    the matches (0.05 µs a match, 0.04 a rowid read), as far as the places of a sample of
    them foretell the page's last (a given name's first letters typed last: the matches sit
    together, maybe far down; then sorted)."""
    placed, order = held
    if 3 * len(rowids) ** 2 <= count * len(order):
        return _sorted(held, rowids, after, count)
    sample = rowids[::max(1, len(rowids) // SAMPLE)]
    later = sorted(filter(after.__lt__, map(placed.__getitem__, (
        r for r in sample if r < len(placed)))))
    at = count * len(sample) // len(rowids)  # the page's last, in the sample
    if at >= len(later) or later[at] - after > 4 * len(rowids):
        return _sorted(held, rowids, after, count)  # further than sorting them costs
    wanted = set(rowids)
    out: list[int] = []
    start, width = after + 1, max(256, 5 * (later[at] - after) // 4)
    while len(out) < count and start < len(order):
        if start - after > 4 * len(rowids):  # further than sorting them costs
            return out + _sorted(held, rowids, start - 1, count - len(out))
        out += filter(wanted.__contains__, order[start:start + width])
        start, width = start + width, 2 * width
    return out[:count]


SAMPLE = 256  # matches whose places foretell how far a window reads (ranked.first)


def _sorted(held: tuple[array, array], rowids: array, after: int, count: int) -> list[int]:
    placed, order = held
    if rowids and max(rowids) >= len(placed):  # (read again whenever the table changes)
        rowids = array("I", (r for r in rowids if r < len(placed)))
    if len(rowids) >= MARKED:
        # Each match's place marked in a byte a rank and the first ones after ``after``
        # found by C's search for a marked byte, not sorted (6,000 matches: 0.3 ms, not 1)
        marks = bytearray(len(order))
        deque(map(marks.__setitem__, map(placed.__getitem__, rowids), repeat(1)), maxlen=0)
        out: list[int] = []
        at = marks.find(1, after + 1)
        while at >= 0 and len(out) < count:
            out.append(order[at])
            at = marks.find(1, at + 1)
        return out
    later = sorted(filter(after.__lt__, map(placed.__getitem__, rowids)))
    return [order[place] for place in list(dict.fromkeys(later[:4 * count]))[:count]]


MARKED = 512  # matches from which _sorted marks their places rather than sort them


# -- numbers held in name order ---------------------------------------------------------------
#
# A number typed alone that many people have («0111»: a third of a commune) was found by a walk
# down the name order reading each person's row to test the CCCD and the phone (they are not in
# the name index: it would take the file past 3× its plain rows), 1 µs a row: 5-30 ms at
# 300,000 people when the first matches lie far down. Held here instead: every person's CCCD and
# phone as text, in name order, two SLOT-wide slots a rank (9.6 MB at 300,000 people), read off
# the table (on a connection of its own) a step at a time by the window's idle warm-up after
# the ranks and the names' words (rosters.warm), and again when the officer searches after a
# write; a page is found by bytes.find for a newline and the digits, from the page's start
# (C's speed: about 0.6 ns a byte), and only the page's rows are read.
SLOT = 16  # a newline, a number of up to 15 characters, spaces after it
# The numbers as the CCCD and phone indexes read them: a phone written with its country code
# ("+84…") is held without its "+" (search.number_ranges: "84…" begins it).
_NUMBERS = (("citizen_id", "citizen_id"),
            ("phone", "substr(phone, 1 + (substr(phone, 1, 1) = '+'))"))
_EMPTY = b"\n" + b" " * (SLOT - 1)


def numbers(conn: dbapi.Connection, table: str, stamp: object) -> bytearray | None:
    """Each person's CCCD and phone in name order (slots ``2·rank`` and ``2·rank + 1``) when
    read for ``stamp`` (:func:`read_numbers`, with the ranks of that stamp); else None: not
    yet read, read before the database changed, or a number holds other than digits (never
    written so: validation.py) or is longer than a slot — the other plans read those."""
    held = conn.__dict__.get(_HELD_NUMBERS, {}).get(table)
    if held is None or held[0] != stamp or isinstance(held[1], _Reading):
        return None
    return held[1]


def numbers_read(conn: dbapi.Connection, table: str, stamp: object) -> bool:
    """Whether :func:`read_numbers` is done for ``stamp`` (the numbers held, or found not
    digits)."""
    held = conn.__dict__.get(_HELD_NUMBERS, {}).get(table)
    return held is not None and held[0] == stamp and not isinstance(held[1], _Reading)


_HELD_NUMBERS = "_ranked_numbers"
# Rows read a step off the table (SQLite's work, 2-3 ms at 300,000 people, without the
# interpreter's lock), and ranks put in name order a step (about 2 ms holding it)
NUMBERS_STEP = 4_096
_RECORD = ctypes.c_char * (2 * SLOT)  # a person's two slots


class _Reading:
    """The numbers of :func:`read_numbers` half read: every person's two slots by rowid, as
    the table's rows are read in rowid order (``by_rowid``: one buffer, written in place),
    then put in name order (``out``); the connection they are read on, and where it
    stopped."""

    def __init__(self, rows: int, top: int, aside: dbapi.Connection | None) -> None:
        # (memory of its own, given back whole once read, and left zeros where not written: a
        # rowid not in the table is in no rank either; spaces written cost 5 ms at 300,000)
        self.by_rowid: mmap.mmap | None = mmap.mmap(-1, 2 * SLOT * max(top, 1))
        self.out = bytearray()
        self.at = 0  # the ranks put in name order
        self.rows = rows
        self.after = -1  # the last rowid read (while reading the table)
        self.aside = aside  # a connection of its own (closed once read), or None: the one

    def done(self) -> bytearray:
        if self.by_rowid is not None:
            self.by_rowid.close()
            self.by_rowid = None
        if self.aside is not None:
            self.aside.close()
            self.aside = None
        return self.out


def read_numbers(conn: dbapi.Connection, table: str, stamp: object,
                 aside: Callable[[], dbapi.Connection | None] | None = None) -> bool:
    """One step of reading the numbers in name order (:func:`numbers`) for ``stamp``, whose
    ranks are held; True once they are held (or found not digits). Read off the table in
    rowid order, NUMBERS_STEP rows a step, each row's two slots made by SQLite (printf: the
    padding, the phone's "+" left out) into one buffer by rowid, a chunk at a time (a
    rowid's place is its offset: no Python step a row); then put in name order a step of
    ranks at a time (each rank's 32 bytes found by rowid and joined by C: ``order``'s
    rowids, 0.2-0.4 µs a rank). The table is read on ``aside()`` (a short-lived connection with
    a small cache, closed once read: its pages do not stay in ``conn``'s cache, which keeps
    the name index a roster scrolls and searches; None: on ``conn``). It was read off the
    CCCD's and the phone's indexes, each number placed at its person's rank by a Python step
    a number: 0.6-1 s of processor at 300,000 people, half holding the lock, and the two
    indexes' pages (11.7 MB) left in ``conn``'s cache. Read again, from the start, after the
    database changes; a row written since the ranks were read reads them again."""
    if numbers_read(conn, table, stamp):
        return True
    cache = conn.__dict__.setdefault(_HELD_NUMBERS, {})
    held = cache.get(table)
    placed, order = ranks(conn, table, stamp)
    if held is not None and held[0] == stamp:
        reading = held[1]
    else:
        if held is not None and isinstance(held[1], _Reading):
            held[1].done()
        reading = _Reading(len(order), len(placed), aside() if aside is not None else None)
    cache[table] = (stamp, reading)
    by_rowid = reading.by_rowid
    assert by_rowid is not None
    if reading.after < len(placed) - 1:
        source = reading.aside if reading.aside is not None else conn
        n, low, high, given = source.execute(
            f"SELECT count(*), min(r), max(r), CAST(group_concat(s, '') AS BLOB) FROM ("
            f"SELECT _rowid AS r, printf('%-{SLOT}s%-{SLOT}s', char(10) || CASE WHEN "
            f"typeof({_NUMBERS[0][0]}) = 'text' THEN {_NUMBERS[0][1]} ELSE '' END, char(10) "
            f"|| CASE WHEN typeof({_NUMBERS[1][0]}) = 'text' THEN {_NUMBERS[1][1]} ELSE '' "
            f"END) AS s FROM {table} WHERE _rowid > ? ORDER BY _rowid "
            f"LIMIT {NUMBERS_STEP:d})", (reading.after,)).fetchone()
        given = bytes(given or b"")
        width = 2 * SLOT
        if len(given) != width * n or given.count(b"\n") != 2 * n or given.translate(
                None, b"\n 0123456789"):
            reading.done()
            cache[table] = (stamp, None)  # not digits alone, or too long: never held
            return True
        if n and high >= len(placed):  # written since the ranks were read: read again
            reading.done()
            cache.pop(table, None)
            return False
        if n and n == high - low + 1:  # (rowids one after another: as they are written)
            by_rowid[width * low:width * (high + 1)] = given
        elif n:
            rowids = _hex_rowids(source, f"SELECT _rowid AS r FROM {table} WHERE _rowid > ? "
                                         f"ORDER BY _rowid LIMIT {NUMBERS_STEP:d}",
                                 (reading.after,))
            if len(rowids) != n or max(rowids) >= len(placed):  # written between the two
                reading.done()
                cache.pop(table, None)
                return False
            for at, rowid in enumerate(rowids):
                by_rowid[width * rowid:width * (rowid + 1)] = given[width * at:
                                                                    width * (at + 1)]
        reading.after = high if n == NUMBERS_STEP else len(placed) - 1
        # the name order's buffer made a part a step (all at once: 7 ms holding the lock)
        reading.out += bytes(min(width * NUMBERS_STEP, width * reading.rows - len(reading.out)))
        if reading.after == len(placed) - 1 and reading.aside is not None:
            reading.aside.close()  # (its cache let go of at once)
            reading.aside = None
        return False
    at, width = reading.at, 2 * SLOT
    if len(reading.out) < width * reading.rows:  # (rows written since: the stamp changed)
        reading.out += bytes(width * reading.rows - len(reading.out))
    records = (_RECORD * (len(by_rowid) // width)).from_buffer(by_rowid)
    try:
        gathered = b"".join(map(records.__getitem__, order[at:at + NUMBERS_STEP]))
    finally:
        del records  # (the buffer's export let go of)
    reading.out[width * at:width * at + len(gathered)] = gathered
    reading.at += NUMBERS_STEP
    if reading.at < reading.rows:
        return False
    cache[table] = (stamp, reading.done())
    return True


def scan(numbers: bytearray, digits: str, after: int, count: int, end: int | None = None
         ) -> list[int]:
    """The ranks of the first ``count`` people after rank ``after`` (before rank ``end``)
    whose CCCD or phone, held in ``numbers``, begins with ``digits``; each once."""
    width = 2 * SLOT
    needle = b"\n" + digits.encode()
    stop = len(numbers) if end is None else min(len(numbers), end * width)
    find = numbers.find
    out: list[int] = []
    at = find(needle, (after + 1) * width, stop)
    while at >= 0 and len(out) < count:
        out.append(at // width)
        at = find(needle, (at // width + 1) * width, stop)
    return out


def scanned(held: tuple[array, array], numbers: bytearray, digits: str, named: array,
            after: int, count: int) -> list[int]:
    """The rowids of the first ``count`` people after rank ``after`` whose CCCD or phone
    begins with ``digits`` (:func:`scan`) or who are in ``named`` (rowids: a word of the
    name begins so, read off the full-text index), in name order."""
    placed, order = held
    found = scan(numbers, digits, after, count)
    if named:
        found = sorted(set(found).union(
            p for p in map(placed.__getitem__, (r for r in named if r < len(placed)))
            if p > after))
    return [order[place] for place in found[:count]]


# -- the names' words held in name order --------------------------------------------------------
#
# A search whose matches sit far down the name order and are many («nguyen van d»: 5,900 at
# 300,000 people, the first 70,000 places down) was placed by reading every match off the
# full-text index: its words are common, and the index reads every one of their entries
# (nguyen 45,000, van 81,000, d 69,000: 6.5 ms), or walked to (0.2 µs a place passed over).
# Held here instead, read by the window's idle warm-up after the ranks, before the numbers
# (a name is typed far more often than a number alone): each person's
# search text in name order (a line a rank: 5 MB at 300,000 people) and, for each first letter
# of a word, the ranks that have a word beginning with it as the bits of an integer (37 KB a
# letter at 300,000 people, read off the full-text index's one-letter prefixes). A page is the
# ranks after its start whose bits hold every typed word's first letter (Python's integers:
# AND and shifts in C over all the ranks at once), each tested on its line as the walk tests
# its row (``instr``), until enough pass.
WORDS_STEP = 8_192  # lines read a step (SQLite's group_concat: about 3 ms at 300,000 people)
LETTER_STEP = 16_384  # a letter's ranks read a step off the full-text index (about 4 ms)
_LETTERS = "abcdefghijklmnopqrstuvwxyz0123456789"  # the first characters of folded words
_HELD_WORDS = "_ranked_words"
# bytes.translate tables: a byte 1 becomes bit k (bytes of ranks 8·j + k, packed: _bits)
_TO_BIT = [bytes((1 << k) if b == 1 else 0 for b in range(256)) for k in range(8)]


class Words:
    """The search text of every rank (``text[starts[r]:starts[r + 1]]`` is " words\\n", " \\n"
    for a deleted person: never found), the ranks whose text has a word beginning with each
    letter (``letters[c]``, an integer whose bit r is rank r's) and the places where the
    people not deleted live (``units``; None: someone lives in none)."""

    def __init__(self, rows: int) -> None:
        self.rows = rows
        self.text = bytearray()
        self.starts = array("I", [0])
        self.units: frozenset[str] | None = None
        self.units_read = False
        self.letters: dict[str, int] = {}
        self.letter = 0  # how many of _LETTERS are read (while reading)
        self.after = 0  # the last rowid of the letter read (while reading it)
        self.marks: bytearray | None = None  # a byte a rank: its ranks so far


def _bits(marks: bytearray) -> int:
    """The integer whose bit r is set where byte r of ``marks`` is 1 (their length a multiple
    of 8): each eighth of them made bit k of its byte (translate) and the eight merged as
    integers, in C's steps (no Python step a rank)."""
    out = 0
    for k in range(8):
        out |= int.from_bytes(marks[k::8].translate(_TO_BIT[k]), "little")
    return out


def words(conn: dbapi.Connection, table: str, stamp: object) -> Words | None:
    """The words held in name order for ``stamp`` (:func:`read_words`), or None: not yet
    read, or read before the database changed."""
    held = conn.__dict__.get(_HELD_WORDS, {}).get(table)
    if held is None or held[0] != stamp or held[1] is None or \
            held[1].letter < len(_LETTERS):
        return None
    return held[1]


def words_read(conn: dbapi.Connection, table: str, stamp: object) -> bool:
    """Whether :func:`read_words` is done for ``stamp`` (held, or found not to be held)."""
    held = conn.__dict__.get(_HELD_WORDS, {}).get(table)
    return held is not None and held[0] == stamp and (
        held[1] is None or held[1].letter == len(_LETTERS))


def read_words(conn: dbapi.Connection, table: str, stamp: object) -> bool:
    """One step of reading the words in name order (:func:`words`) for ``stamp``, whose ranks
    are held: WORDS_STEP lines of the name index (which holds the search text), then one
    letter's ranks a step off the full-text index. True once held (or found not holdable: a
    line not as the ranks placed it, a rank not placed)."""
    if words_read(conn, table, stamp):
        return True
    cache = conn.__dict__.setdefault(_HELD_WORDS, {})
    held = cache.get(table)
    placed, order = ranks(conn, table, stamp)
    reading = held[1] if held is not None and held[0] == stamp else Words(len(order))
    cache[table] = (stamp, reading)
    at = len(reading.starts) - 1
    if at < reading.rows:
        where, args = "", ()
        if at:
            key = conn.execute(f"SELECT name_key FROM {table} WHERE _rowid = ?",
                               (order[at - 1],)).fetchone()
            if key is None:  # gone since (the stamp changed): read again when it shows
                cache.pop(table, None)
                return False
            where, args = "WHERE (p.name_key, p._rowid) > (?, ?) ", (key[0], order[at - 1])
        # (the rowids summed, not read: as many lines, of the rows the ranks placed there; a
        # deleted person's line blank, as the name index says)
        total, lines, n = conn.execute(
            f"SELECT sum(r), CAST(group_concat(' ' || s || char(10), '') AS BLOB), count(*) "
            f"FROM (SELECT p._rowid AS r, CASE WHEN p._deleted = 0 THEN coalesce(p._search, "
            f"'') ELSE '' END AS s FROM {table} p {where}ORDER BY p.name_key, p._rowid "
            f"LIMIT {WORDS_STEP:d})", args).fetchone()
        lines = bytes(lines or b"")
        if n != min(WORDS_STEP, reading.rows - at) or (total or 0) != sum(order[at:at + n]) \
                or lines.count(b"\n") != n:
            cache[table] = (stamp, None)  # not as the ranks placed them: never held
            return True
        reading.starts.extend(accumulate(map((1).__add__, map(len, lines.split(b"\n")[:-1])),
                                         initial=len(reading.text)))
        reading.starts.pop(at)  # (the first start is the last step's end)
        reading.text += lines
        return False
    if not reading.units_read:
        # Where the people live: a place's roster that holds every one of them has nothing to
        # test of the people the words find (paging._by_words). Each place found by a step
        # down the residence index from the last one (and one more to see that someone not
        # deleted lives there), not by reading every entry of it (DISTINCT: 16-47 ms at
        # 300,000 people in one statement, 0.6-2 now, and the whole index in the cache)
        listed, nowhere = conn.execute(
            f"WITH RECURSIVE u(x) AS (SELECT min(residence_unit_id) FROM {table} UNION ALL "
            f"SELECT (SELECT residence_unit_id FROM {table} WHERE residence_unit_id > u.x "
            f"ORDER BY residence_unit_id LIMIT 1) FROM u WHERE u.x IS NOT NULL) "
            f"SELECT (SELECT group_concat(x, char(10)) FROM u WHERE x IS NOT NULL AND EXISTS ("
            f"SELECT 1 FROM {table} WHERE residence_unit_id = u.x AND _deleted = 0)), EXISTS ("
            f"SELECT 1 FROM {table} WHERE residence_unit_id IS NULL AND _deleted = 0)"
            ).fetchone()
        reading.units = None if nowhere else frozenset((listed or "").split("\n")) - {""}
        reading.units_read = True
        return False
    letter = _LETTERS[reading.letter]
    rowids = _hex_rowids(conn, f"SELECT rowid AS r FROM {table}_fts WHERE {table}_fts MATCH ? "
                               f"AND rowid > ? ORDER BY rowid LIMIT {LETTER_STEP:d}",
                         (f'"{letter}"*', reading.after))
    if reading.marks is None:
        reading.marks = bytearray(reading.rows + 8 - reading.rows % 8)
    try:
        deque(map(reading.marks.__setitem__, map(placed.__getitem__, rowids), repeat(1)),
              maxlen=0)
    except IndexError:  # written since the ranks were read: read again when it shows
        cache.pop(table, None)
        return False
    if len(rowids) == LETTER_STEP:
        reading.after = rowids[-1]
        return False
    reading.letters[letter] = _bits(reading.marks)
    reading.letter, reading.after, reading.marks = reading.letter + 1, 0, None
    return reading.letter == len(_LETTERS)


def worded(held: tuple[array, array], words_held: Words, typed: Sequence[str], after: int,
           count: int, most: int) -> list[int] | None:
    """The rowids of the first ``count`` people after rank ``after`` whose search text has a
    word beginning with each of ``typed`` (as the walk's ``instr`` tests it), in name order,
    none deleted (their lines are blank); None when a word begins with a character not held,
    or after ``most`` steps.

    Ways to the next match, each at C's speed, taken in turn (a leapfrog, as the full-text
    index intersects its lists): the next rank whose bits hold every typed word's first
    letter (the letters' bits ANDed, then a search for a byte not zero), and for each typed
    word the next line of the text that holds it at a word's start (bytes.find, its rank by
    bisection of the lines' starts). A rank where all of them agree is a match; else the
    search starts again from the furthest. So «nguyen van d» skips the lines lacking a word
    in d (most of those with «nguyen») and «nguyen van duc» those lacking «duc»."""
    found = -1
    for word in typed:
        bits = words_held.letters.get(word[:1])
        if bits is None:
            return None
        found &= bits
    if found < 0:
        return None
    base = after + 1
    found >>= base
    marks = found.to_bytes((found.bit_length() + 7) // 8, "little")
    needles = sorted({b" " + w.encode() for w in typed}, key=len, reverse=True)
    text, starts, order = words_held.text, words_held.starts, held[1]
    find, nonzero = text.find, _NONZERO.search
    out: list[int] = []
    rank, steps = base, 0
    while len(out) < count:
        # the next rank holding every first letter, from ``rank``
        at = rank - base
        byte = at >> 3
        bits = marks[byte] >> (at & 7) if byte < len(marks) else 0
        if bits:
            rank += (bits & -bits).bit_length() - 1
        else:
            hit = nonzero(marks, byte + 1)
            if hit is None:
                break
            byte = hit.start()
            bits = marks[byte]
            rank = base + 8 * byte + (bits & -bits).bit_length() - 1
        # each word's next line from there: the first not on this line moves the search on
        begin, end = starts[rank], starts[rank + 1]
        for needle in needles:
            line = find(needle, begin)
            if line < 0:
                return out  # no line further holds it
            if line >= end:
                rank = bisect_right(starts, line) - 1
                break
        else:
            out.append(order[rank])
            rank += 1
        steps += 1
        if steps > most:
            return None
    return out


_NONZERO = re.compile(rb"[^\x00]")
