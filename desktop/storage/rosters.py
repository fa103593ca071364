"""Rosters and the unit tree as the window and the printouts need them, queried in SQL.

A roster is people in a scope: everyone, the residents of a commune or village, or the
current members of one organization (ordered by role, then Vietnamese name order).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import overload

from desktop.domain import text
from desktop.domain.kinds import PERSON
from desktop.storage import dbapi, paging, ranked, roster_members
from desktop.storage import search as search_module
from desktop.storage.records import Record, to_record, to_records


@dataclass(frozen=True)
class Scope:
    """What a roster covers: kind is "all", "unit" or "organization"; optionally only the
    people who now belong to an organization of ``org_type``, or hold ``role``; for an
    organization, its former members instead of the current ones."""

    kind: str = "all"
    id: str | None = None
    org_type: str | None = None
    role: str | None = None
    former: bool = False  # an organization's former members (membership ended) instead


@dataclass(frozen=True)
class UnitNode:
    id: str
    name: str
    level: str
    code: str | None
    has_children: bool


@dataclass(frozen=True)
class OrgNode:
    id: str
    name: str
    org_type: str
    members: int


# Units under a unit, itself included: the tree is at most province → commune → village.
_SUBTREE = ("(SELECT u.id FROM unit u WHERE u.id = ? OR u.parent_id = ? OR u.parent_id IN "
            "(SELECT id FROM unit WHERE parent_id = ?))")


def _filters(conn: dbapi.Connection, scope: Scope, search: str | None) -> list[paging.Filter]:
    """What the roster of a place (or of everyone) holds, as conditions on ``p`` (person)."""
    out = search_filters(search)  # first: the most selective tests of a walked row
    if scope.kind == "unit":
        args = subtree(conn, str(scope.id))
        units = f"({', '.join('?' for _ in args)})"
        out.append(paging.Filter(
            test=_in_units(len(args)), test_args=args,
            drive=f"p.residence_unit_id IN {units}", drive_args=args,
            admitted=f"SELECT 1 FROM person p WHERE p.residence_unit_id IN {units} "
                     "AND p._deleted = 0", admitted_args=args,
            columns=("residence_unit_id",), units=tuple(args)))
    if scope.org_type or scope.role:
        listed = (member_rowids(conn, scope),)
        out.insert(0, paging.Filter(  # rare (a few percent of people): tested first
            test=f"+{{t}}._rowid IN ({_LISTED})", test_args=listed,
            drive=f"p._rowid IN ({_LISTED})", drive_args=listed, admitted=_LISTED,
            admitted_args=listed, columns=("_rowid",)))
    return out


def _in_units(n: int) -> str:
    """The test of a place's roster: the row's place is one of ``n`` units (bound)."""
    return f"+{{t}}.residence_unit_id IN ({', '.join('?' for _ in range(n))})"


# A list of rowids (JSON) as a query: SQLite reads it into a temporary index once a statement.
_LISTED = "SELECT value FROM json_each(?)"


def member_rowids(conn: dbapi.Connection, scope: Scope) -> str:
    """The rowids of the people who now belong to an organization of ``scope.org_type`` /
    hold ``scope.role``, as a JSON list, remembered until the database changes. A filter on
    rowids is tested on the index entry a walk reads (every index of the person ends with
    the rowid), where one on ids read each walked person's row; and each page after the
    first no longer finds the members again (a walk down the name index under an
    organization type cost 30 ms a page at 300,000 people, 200 ms the first). Read off
    ``roster_member`` (storage/roster_members.py): from their ids, the members of an
    organization type cost 30-50 ms at 300,000 people, read afresh."""
    return str(paging.remembered(
        conn, "_roster_members", (scope.org_type, scope.role),
        lambda: roster_members.person_rowids_json(conn, scope.org_type, scope.role)))


def subtree(conn: dbapi.Connection, unit_id: str) -> tuple[str, ...]:
    """The ids of the units under ``unit_id``, itself included, remembered until the
    database changes: every page of a place's roster tests its rows against them, and
    finding them again (150 villages) cost a page more than walking it (0.4 ms of 0.6)."""
    # one row, the list made by SQLite (records._ids_in: a row each took the interpreter's
    # lock again, each waiting up to 5 ms while a worker's Python held it)
    return paging.remembered(conn, "_roster_subtrees", unit_id, lambda: tuple(json.loads(
        conn.execute("SELECT json_group_array(id ORDER BY id) FROM " + _SUBTREE,
                     (unit_id,) * 3).fetchone()[0])), most=64)


def search_filters(search: str | None) -> list[paging.Filter]:
    """What was typed in a roster's search box, as conditions on ``p``: words begin words of
    the name (the full-text index); a word of digits begins the CCCD, the phone or a word of
    the name (search.people_filters). One number alone is read through the CCCD and phone
    indexes (any length costs the same) when few people have it."""
    return search_module.people_filters(text.search_words(search or ""))


def count_people(conn: dbapi.Connection, scope: Scope, search: str | None = None) -> int:
    if scope.kind == "organization":
        join, where, args = _members_join(scope, search)
        return int(conn.execute(f"SELECT count(*) FROM person p {join} WHERE p._deleted = 0"
                                f"{where}", args).fetchone()[0])
    return paging.count(conn, "person", _filters(conn, scope, search))


# Columns a roster can be sorted by (a click on the header), as SQL: whitelisted, so no user
# text reaches the query. Never NULL (a keyset compares them); those without a value come
# first. Codes sort in their official order (ethnic groups as the GSO numbers them); a place
# by its name (then its id: two villages may share a name).
SORTABLE = {
    "full_name": "p.name_key",
    "birth_date": "coalesce(p.birth_date, '')",
    "gender": "coalesce(p.gender, '')",
    "ethnicity": "coalesce(p.ethnicity, '')",
    "citizen_id": "coalesce(p.citizen_id, '')",
    "phone": "coalesce(p.phone, '')",
    "residence_unit_id": "coalesce(ru.name_key, '')",  # then the place's id (_PLACE_KEYS)
    # An organization's roster only:
    "role": "coalesce(json_extract(r.attrs, '$.rank'), 99)",
    "left_date": "coalesce(m.left_date, '')",
    "exit_reason": "coalesce(m.exit_reason, '')",
}
MEMBERSHIP_COLUMNS = {"role", "left_date", "exit_reason"}
# Sorted through an index on (expression, name_key), then the row's integer key, which ends
# every index entry (migration 18): none since migration 31.
_INDEXED_EXPRESSIONS: frozenset[str] = frozenset()
# Sorted through a plain index on the column, those without a value in name order first (the
# few sharing a value sorted by name: the birth date's index without the name key, migration
# 31, 2.6 MB less at 100,000 people for about four people a date).
_INDEXED_COLUMNS = {"citizen_id": "p.citizen_id", "phone": "p.phone",
                    "birth_date": "p.birth_date"}
# Their indexes: a listed person without a value is found by one step down it, the entry
# (NULL, rowid) (paging.Filter.probe), not by reading the row.
_COLUMN_INDEXES = {"p.citizen_id": "person_citizen_id", "p.phone": "person_phone",
                   "p.birth_date": "person_birth"}
# Vietnamese name order; namesakes by ``_rowid``, which every index entry ends with (the
# 36-character id would cost 37 bytes an entry in each of the five indexes: migration 18).
_NAME = ("p.name_key", "p._rowid")
# What the name index holds besides the order (migrations 18, 26 and 31).
_NAME_INDEX = frozenset({"_rowid", "name_key", "_deleted", "residence_unit_id", "_search",
                         "gender", "ethnicity"})
# Sorted by gender: each of the two genders is a walk down the name index (it holds the
# gender, migration 26: an index of its own cost 4 MB at 100,000 people, 12 at 300,000); a
# person of no gender or another value is read off a small partial index when few.
_GENDERS = ("female", "male")
_RARE_GENDER = "(p.gender IS NULL OR p.gender NOT IN ('female', 'male'))"
_PLACE_KEYS = ("coalesce(ru.name_key, '')", "coalesce(p.residence_unit_id, '')")


def people_page(conn: dbapi.Connection, scope: Scope, *, search: str | None = None,
                offset: int = 0, limit: int = 500, after: tuple | None = None,
                order: str | None = None, descending: bool = False,
                fields: Collection[str] | None = None) -> list[Record]:
    """One page of the roster (``limit`` -1: all of it); members of an organization also
    carry ``role``, ``joined_date``, ``membership_id``, ``left_date`` and ``exit_reason``.
    ``fields``: a place's roster gives only these fields of each person (those a list shows:
    fewer values read and made), besides ``id``; an organization's gives every field.

    The order is Vietnamese name order (an organization's: by role, then name) unless
    ``order`` names a column of SORTABLE; ties follow name order. Every row carries
    ``sort_key``: given back as ``after``, the next page starts after that row (keyset
    paging; see storage/paging.py for how a page is read).
    """
    custom = order is not None and (
        (order, descending) != ("full_name", False) or scope.kind == "organization")
    if custom and (order not in SORTABLE or (order in MEMBERSHIP_COLUMNS
                                             and scope.kind != "organization")):
        raise ValueError(f"not a roster column: {order}")
    if scope.kind == "organization":
        return _members_page(conn, scope, search, order if custom else None, descending,
                             after, offset, limit)
    plan = _order(conn, scope, order if custom else "full_name", descending)
    if after is not None:
        offset = 0  # the page starts after that row
    wanted = limit + offset if limit >= 0 else -1
    rows = paging.read(conn, "person", plan, _filters(conn, scope, search), after=after,
                       limit=wanted, select=_select(fields))[offset:]
    out = []
    for rec, (name_key, *sort_key) in to_records(PERSON, rows, "name_key", *(
            f"_k{i}" for i in range(len(plan.keys))), fields=fields):
        rec["name_key"] = name_key
        rec["sort_key"] = tuple(sort_key)
        out.append(rec)
    return out


def people_rowids(conn: dbapi.Connection, scope: Scope, *, search: str | None = None,
                  after: tuple | None = None, limit: int = 100, order: str | None = None,
                  descending: bool = False) -> tuple[list[int], tuple | None]:
    """One page of a place's roster (not an organization's) as person rowids, and the sort
    key of its last row (``after`` of the next page): what a window scrolling through
    300,000 people keeps, eight bytes a person, reading the rows only when shown."""
    if scope.kind == "organization":
        raise ValueError("an organization's roster is read whole (people_page)")
    if order is not None and (order not in SORTABLE or order in MEMBERSHIP_COLUMNS):
        raise ValueError(f"not a roster column: {order}")
    plan = _order(conn, scope, order or "full_name", descending)
    typed = order in (None, "full_name") and not descending and after is None
    start, far = _typed_on(conn, scope, search, limit) if typed else (after, False)
    found = paging.rowids(conn, "person", plan, _filters(conn, scope, search), after=start,
                          limit=limit, probe=not far)
    if typed:
        _typed_found(conn, scope, search, plan, found, limit)
    return found, (paging.keys_of(conn, "person", plan, found[-1]) if found else None)


# Search as you type: the search of each key mostly extends the last one (every word of the
# last begins a word of this one), so it finds part of what the last one found, and none of
# the rows before the last one's first row (they matched none of it). Its first page in name
# order starts at that row rather than at the roster's first: at 100,000 people the first
# "Nguyễn Văn" is 54,000 entries down the name index, a walk of 13 ms at every key. Held by
# the connection until the database changes.
_TYPED = "_roster_typed"


def _typed_on(conn: dbapi.Connection, scope: Scope, search: str | None, limit: int
              ) -> tuple[tuple | None, bool]:
    """Where the first page of ``search`` may start: after this key (None: at the start);
    and whether a short walk from there surely finds fewer than ``limit`` of its matches
    (the last one's page, whose matches include these, lay further than that walk reads:
    the walk is not tried; 1-2 ms a key at 300,000 people as a given name is typed)."""
    held = conn.__dict__.get(_TYPED)
    if held is None:
        return None, False
    last_scope, last_words, stamp, start, last_limit, last_found, span = held
    words = text.search_words(search or "")
    if last_scope != scope or stamp != paging.stamp(conn) or \
            not all(any(w.startswith(last) for w in words) for last in last_words):
        return None, False
    if last_found < last_limit:  # all of the last one's matches from there: fewer
        return start, limit > last_found
    return start, limit >= last_limit and span is not None and span > paging.probed(limit)


def _typed_found(conn: dbapi.Connection, scope: Scope, search: str | None,
                 plan: paging.Order, found: Sequence[int], limit: int) -> None:
    """Remember where the first page of ``search`` began, for the next key's search, and
    how far down the name order its page reached (the places of its first and last rows,
    when the warm-up's ranks are held)."""
    keys = paging.keys_of(conn, "person", plan, found[0]) if found else None
    if keys is None:
        conn.__dict__.pop(_TYPED, None)
        return
    name_key, rowid = keys  # the name order's keys; its last, the integer rowid, is unique
    words = text.search_words(search or "")
    now = paging.stamp(conn)
    conn.__dict__[_TYPED] = (scope, words, now, (name_key, int(rowid) - 1), limit, len(found),
                             ranked.span(conn, "person", now, found[0], found[-1]))


def people_rows(conn: dbapi.Connection, rowids: Sequence[int], *,
                fields: Collection[str] | None = None) -> list[Record]:
    """The people of ``rowids`` (from :func:`people_rowids`) in that order, each with its
    ``rowid``; those deleted or gone since are left out. ``fields``: only these (and ``id``)."""
    plan = _order(conn, Scope(), "full_name", False)
    out = []
    rows = paging.rows_of(conn, "person", plan, rowids, _select(fields))
    for rec, (name_key, rowid) in to_records(PERSON, rows, "name_key", "_r", fields=fields):
        if rec["deleted"]:
            continue
        rec["name_key"] = name_key
        rec["rowid"] = rowid
        out.append(rec)
    return out


def _select(fields: Collection[str] | None) -> str:
    """The columns of a person to read: every one, or ``fields`` (names of PERSON's fields,
    checked: they become SQL) with what every record carries."""
    if fields is None:
        return "p.*"
    unknown = set(fields) - PERSON.by_name.keys()
    if unknown:
        raise ValueError(f"not a field of a person: {', '.join(sorted(unknown))}")
    return ", ".join(["p.id", "p._deleted", "p.name_key",
                      *(f"p.{f.name}" for f in PERSON.fields if f.name in fields)])


def warm(conn: dbapi.Connection, after: tuple | None, rows: int | None = None
         ) -> tuple | None:
    """A step of reading the name index into this connection's page cache, ``rows`` entries
    (ranked.RANKS_STEP) after those of the last step, and with them the name order's ranks
    that a search places its matches by; then steps of reading the names' words held in
    name order that a search of words is found in (ranked.read_words, off the name index's
    search text and the full-text index), then the numbers held in name order that a number
    typed alone is found in (ranked.read_numbers: paging.hold_ranks). None once all three are
    held; else call again with what it gave. Every page of a roster and of its search reads
    this index: read cold, each of its pages is decrypted (a whole walk at 300,000 people:
    257 ms; warm: 15 ms)."""
    if paging.hold_ranks(conn, "person", rows):
        return None
    return ("", -1)  # (where the steps are is held by the connection: ranked.read_ranks)


def warmed(conn: dbapi.Connection) -> bool:
    """Whether :func:`warm` has read what it reads for the database as it is: after a write,
    the window warms again."""
    return paging.warmed(conn, "person")


def lend_warm_up(source: dbapi.Connection, target: dbapi.Connection,
                 target_stamp: tuple[int, int]) -> bool:
    """Give ``target`` what :func:`warm` read on ``source`` (the ranks, and the numbers and
    the words held in name order: the same arrays, read once for both connections) if
    ``source`` read them for the database as it is now and ``target`` saw it so at
    ``target_stamp`` (its paging.stamp, taken before this call with no transaction open).
    On ``source``'s thread. True when lent."""
    return paging.lend(source, target, target_stamp, "person")


def warmed_elsewhere(conn: dbapi.Connection) -> None:
    """A search on ``conn`` never reads the ranks itself: they come from a warm-up on
    another connection (:func:`lend_warm_up`); until then the other plans read its page
    (ranked.by_warm_up)."""
    ranked.by_warm_up(conn)


def person_rowid(conn: dbapi.Connection, person_id: str) -> int | None:
    row = conn.execute("SELECT _rowid FROM person WHERE id = ?", (person_id,)).fetchone()
    return None if row is None else int(row[0])


def _order(conn: dbapi.Connection, scope: Scope, column: str, descending: bool
           ) -> paging.Order:
    """A roster's order and how it is walked: down the name index, down the index of the
    column (first its rows that tie with the last row shown, then those after), or a
    place's residents village after village."""
    if column == "full_name":
        return paging.Order(_NAME, lambda after: [paging.Segment(
            order=_NAME, descending=descending, after=after)], descending, covers=_NAME_INDEX)
    if column == "residence_unit_id":
        return _by_place(conn, scope, descending)
    if column in _INDEXED_COLUMNS:
        return _by_column(_INDEXED_COLUMNS[column], descending)
    if column == "gender":
        return _by_gender(conn, descending)
    if column == "ethnicity":
        return _by_ethnicity(conn, descending)
    expr = SORTABLE[column]
    keys = (expr, *_NAME)

    def segments(after: tuple | None) -> list[paging.Segment]:
        if after is None:
            return [paging.Segment(order=keys, descending=descending)]
        return [paging.Segment(f"{expr} = ?", (after[0],), _NAME, descending, after[1:]),
                paging.Segment(f"{expr} {'<' if descending else '>'} ?", (after[0],), keys,
                               descending)]

    return paging.Order(keys, segments, descending, walked=column in _INDEXED_EXPRESSIONS)


def _per_value(values: list[str], part: Callable[[str, tuple | None], paging.Segment],
               descending: bool) -> Callable[[tuple | None], list[paging.Segment]]:
    """An order's segments, one ``part`` a value of its first key (in ``values``' order):
    from the value of ``after`` on, that part resumed after it."""
    def segments(after: tuple | None) -> list[paging.Segment]:
        if after is None:
            return [part(v, None) for v in values]
        here = str(after[0])
        later = [v for v in values if (v < here if descending else v > here)]
        return [part(here, tuple(after[1:]))] + [part(v, None) for v in later]

    return segments


def _by_gender(conn: dbapi.Connection, descending: bool) -> paging.Order:
    """By gender, then name: the people of each gender (in the order of its value) walked
    down the name index, which holds the gender; those of no gender or another value first
    found through the partial index person_gender_rare (few: gathered there)."""
    expr = SORTABLE["gender"]
    keys = (expr, *_NAME)
    values = sorted(set(_rare_genders(conn)) | set(_GENDERS), reverse=descending)

    def part(value: str, after: tuple | None) -> paging.Segment:
        if value in _GENDERS:
            return paging.Segment("p.gender = ?", (value,), _NAME, descending, after)
        drive = f"{_RARE_GENDER} AND coalesce(p.gender, '') = ?"
        few = paging.Filter(test="coalesce({t}.gender, '') = ?", test_args=(value,),
                            drive=drive, drive_args=(value,),
                            admitted=f"SELECT 1 FROM person p WHERE {drive}",
                            admitted_args=(value,), columns=("gender",))
        return paging.Segment(f"{expr} = ?", (value,), _NAME, descending, after, extra=few)

    return paging.Order(keys, _per_value(values, part, descending), descending,
                        covers=_NAME_INDEX)


def _by_ethnicity(conn: dbapi.Connection, descending: bool) -> paging.Order:
    """By ethnic group, then name: each group (in the order of its code) walked down the
    name index, which holds the group (migration 31: an index of the group and the name key
    cost 3.8 MB at 100,000 people, 11.6 at 300,000; the group's own index, without the name,
    1.3 and 4); a small group gathered through its own index, and sorted."""
    expr = SORTABLE["ethnicity"]
    keys = (expr, *_NAME)
    values = sorted(_ethnicities(conn), reverse=descending)

    def part(value: str, after: tuple | None) -> paging.Segment:
        drive, args = ("p.ethnicity IS NULL OR p.ethnicity = ''", ()) if value == "" else (
            "p.ethnicity = ?", (value,))
        group = paging.Filter(test="coalesce({t}.ethnicity, '') = ?", test_args=(value,),
                              drive=drive, drive_args=args,
                              admitted=f"SELECT 1 FROM person p WHERE {drive}",
                              admitted_args=args, columns=("ethnicity",))
        return paging.Segment(f"{expr} = ?", (value,), _NAME, descending, after, extra=group)

    return paging.Order(keys, _per_value(values, part, descending), descending,
                        covers=_NAME_INDEX)


def _ethnicities(conn: dbapi.Connection) -> tuple[str, ...]:
    """The ethnic groups people have ("": none), one step of the group's index each,
    remembered until the database changes (every page of the order asks)."""
    return paging.remembered(conn, "_roster_ethnicities", None, lambda: tuple(
        str(r[0]) for r in conn.execute(
            "WITH RECURSIVE g(v) AS (SELECT min(ethnicity) FROM person WHERE ethnicity > '' "
            "UNION ALL SELECT (SELECT min(ethnicity) FROM person WHERE ethnicity > g.v) FROM g "
            "WHERE g.v IS NOT NULL) "
            "SELECT '' WHERE EXISTS (SELECT 1 FROM person WHERE ethnicity IS NULL OR "
            "ethnicity = '') UNION ALL SELECT v FROM g WHERE v IS NOT NULL")))


def _rare_genders(conn: dbapi.Connection) -> tuple[str, ...]:
    """The values of gender besides the two a form writes: "" (none) if anyone has none, and
    any other value a row holds; remembered until the database changes (every page of the
    gender order asks, and a roster imported without genders has many of the first)."""
    return paging.remembered(conn, "_roster_rare_genders", None, lambda: tuple(
        str(r[0]) for r in conn.execute(
            "SELECT '' WHERE EXISTS (SELECT 1 FROM person p WHERE p.gender IS NULL) UNION "
            f"SELECT DISTINCT p.gender FROM person p WHERE {_RARE_GENDER} AND "
            "p.gender IS NOT NULL")))


def _by_column(column: str, descending: bool) -> paging.Order:
    """A column read through its plain index: those without a value (first, in name order;
    found through that index when they are few) and those with one, by value."""
    keys = (f"coalesce({column}, '')", *_NAME)
    blank = paging.Filter(test=f"{{t}}.{column[2:]} IS NULL", test_args=(),
                          drive=f"{column} IS NULL", drive_args=(),
                          admitted=f"SELECT 1 FROM person p WHERE {column} IS NULL",
                          admitted_args=(), columns=(column[2:],),
                          probe=f"EXISTS (SELECT 1 FROM person q INDEXED BY "
                                f"{_COLUMN_INDEXES[column]} WHERE q.{column[2:]} IS NULL AND "
                                "q._rowid = {r})")

    def none(after: tuple | None) -> paging.Segment:
        return paging.Segment(order=_NAME, descending=descending, after=after, extra=blank)

    def some(where: str, args: tuple[object, ...]) -> paging.Segment:
        return paging.Segment(where, args, (column, *_NAME), descending, indexed=1)

    def segments(after: tuple | None) -> list[paging.Segment]:
        if after is not None and after[0] == "":  # within those without a value
            return [none(after[1:])] + ([] if descending else [some(f"{column} > ''", ())])
        if after is None:
            with_value = some(f"{column} > ''", ())
            return [with_value, none(None)] if descending else [none(None), with_value]
        ties = paging.Segment(f"{column} = ?", (after[0],), _NAME, descending, after[1:])
        if descending:
            return [ties, some(f"{column} < ? AND {column} > ''", (after[0],)), none(None)]
        return [ties, some(f"{column} > ?", (after[0],))]

    return paging.Order(keys, segments, descending)


def _by_place(conn: dbapi.Connection, scope: Scope, descending: bool) -> paging.Order:
    """Residents village after village (by the place's name), each village's in name
    order; those with no place first (the whole list only)."""
    keys = (*_PLACE_KEYS, *_NAME)
    implied: frozenset[str] = frozenset()
    if scope.kind == "unit":
        units = conn.execute(f"SELECT coalesce(u.name_key, ''), u.id FROM unit u WHERE u.id IN "
                             f"{_SUBTREE} ORDER BY 1, 2", (scope.id,) * 3).fetchall()
        # each part's place is one of the scope's units (the same query as ``subtree``'s):
        # its residents pass the scope's test without it
        implied = frozenset({_in_units(len(subtree(conn, str(scope.id))))})
    else:
        units = conn.execute("SELECT coalesce(u.name_key, ''), u.id FROM unit u WHERE EXISTS "
                             "(SELECT 1 FROM person p WHERE p.residence_unit_id = u.id) "
                             "ORDER BY 1, 2").fetchall()
    places: list[tuple[str, str]] = [(str(r[0]), str(r[1])) for r in units]
    if scope.kind != "unit":
        places.insert(0, ("", ""))  # no place
    if descending:
        places.reverse()

    def part(place: tuple[str, str], after: tuple | None) -> paging.Segment:
        # A place of few residents is gathered off the residence index; a larger one walked
        # down the name index, which holds the place ("+": never the residence index, which
        # holds no name order since migration 26).
        here, args = (("{t}.residence_unit_id IS NULL", ()) if place[1] == "" else
                      ("{t}.residence_unit_id = ?", (place[1],)))
        few = paging.Filter(test="+" + here, test_args=args, drive=here.format(t="p"),
                            drive_args=args, admitted=f"SELECT 1 FROM person p WHERE "
                            f"{here.format(t='p')} AND p._deleted = 0", admitted_args=args,
                            columns=("residence_unit_id",))
        return paging.Segment(f"+{here.format(t='p')} AND p._deleted = 0", args, _NAME,
                              descending, after, extra=few, implied=implied)

    def segments(after: tuple | None) -> Sequence[paging.Segment]:
        if after is None:
            return _Parts(places, None, part)
        here = (str(after[0]), str(after[1]))
        later = [p for p in places if (p < here if descending else p > here)]
        return _Parts(later, after[2:] if here in places else None, part, here)

    return paging.Order(keys, segments, descending,
                        joins="LEFT JOIN unit ru ON ru.id = p.residence_unit_id",
                        covers=_NAME_INDEX)


class _Parts(Sequence[paging.Segment]):
    """The parts of a list by place, each made when a plan comes to it: a page is mostly
    in the first few, and making all of a province's 676 at each page cost 2-3 ms."""

    def __init__(self, places: list[tuple[str, str]], after: tuple | None,
                 part: Callable[[tuple[str, str], tuple | None], paging.Segment],
                 resumed: tuple[str, str] | None = None) -> None:
        # ``resumed``: the place of ``after``, resumed after it before ``places``
        self._first = [] if resumed is None or after is None else [(resumed, after)]
        self._places, self._part = places, part
        self._made: dict[int, paging.Segment] = {}

    def __len__(self) -> int:
        return len(self._first) + len(self._places)

    @overload
    def __getitem__(self, i: int) -> paging.Segment: ...

    @overload
    def __getitem__(self, i: slice) -> list[paging.Segment]: ...

    def __getitem__(self, i: int | slice) -> paging.Segment | list[paging.Segment]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        made = self._made.get(i)
        if made is None:
            made = self._made[i] = self._part(*self._first[i]) if i < len(self._first) \
                else self._part(self._places[i - len(self._first)], None)
        return made


def _members_join(scope: Scope, search: str | None) -> tuple[str, str, list[object]]:
    """An organization's members (or former members): (join, where, args) on ``p``."""
    ended = "IS NOT NULL" if scope.former else "IS NULL"
    join = ("JOIN membership m ON m.person_id = p.id AND m.organization_id = ? "
            f"AND m._deleted = 0 AND m.left_date {ended} "
            "LEFT JOIN catalogue_item r ON r.catalogue = 'role' AND r.code = m.role")
    where, args = "", [scope.id]
    if scope.role:
        where += " AND m.role = ?"
        args.append(scope.role)
    for found in search_filters(search):  # walked with the members: an organization is short
        where += f" AND ({found.test.format(t='p')})"
        args += found.test_args
    return join, where, args


def _members_page(conn: dbapi.Connection, scope: Scope, search: str | None,
                  order: str | None, descending: bool, after: tuple | None, offset: int,
                  limit: int) -> list[Record]:
    """An organization's roster: its members (a few hundred at most) sorted, by role then
    name unless ``order``; keys end with the membership (a person may have left twice)."""
    join, where, args = _members_join(scope, search)
    first = SORTABLE[order or "role"]
    keys = (first, *_NAME, "m.id")
    if order is not None:
        direction = " DESC" if descending else ""
        order_sql = ", ".join(k + direction for k in keys)
    else:
        order_sql = ", ".join(keys)
    if after is not None:
        where += (f" AND ({', '.join(keys)}) {'<' if descending and order else '>'} "
                  f"({', '.join('?' for _ in after)})")
        args += after
    select = ", ".join(f"{k} AS _k{i}" for i, k in enumerate(keys))
    rows = conn.execute(
        f"SELECT p.*, {select}, m.role AS role, m.joined_date AS joined_date, m.id AS "
        f"membership_id, m.left_date AS left_date, m.exit_reason AS exit_reason FROM person p "
        f"{join} WHERE p._deleted = 0{where} ORDER BY {order_sql} LIMIT ? OFFSET ?",
        [*args, limit, offset])
    out = []
    for row in rows:
        rec = to_record(PERSON, row)
        rec["name_key"] = row["name_key"]
        rec["sort_key"] = tuple(row[f"_k{i}"] for i in range(len(keys)))
        for name in ("role", "joined_date", "membership_id", "left_date", "exit_reason"):
            rec[name] = row[name]
        out.append(rec)
    return out


def root_units(conn: dbapi.Connection, province_code: str | None = None) -> list[UnitNode]:
    """The current provinces (or just one): the top of the navigation tree."""
    sql = ("SELECT id, name, level, code FROM unit WHERE level = 'province' AND valid_to IS NULL "
           "AND _deleted = 0")
    args: list[object] = []
    if province_code:
        sql += " AND code = ?"
        args.append(province_code)
    return [UnitNode(r["id"], r["name"], r["level"], r["code"], True)
            for r in conn.execute(sql + " ORDER BY name_key", args)]


def child_units(conn: dbapi.Connection, parent_id: str) -> list[UnitNode]:
    rows = conn.execute(
        "SELECT u.id, u.name, u.level, u.code, "
        "EXISTS(SELECT 1 FROM unit c WHERE c.parent_id = u.id AND c._deleted = 0) "
        "OR EXISTS(SELECT 1 FROM organization o WHERE o.unit_id = u.id AND o._deleted = 0) "
        "AS has_children FROM unit u WHERE u.parent_id = ? AND u._deleted = 0 "
        "AND u.valid_to IS NULL ORDER BY u.name_key", (parent_id,))
    return [UnitNode(r["id"], r["name"], r["level"], r["code"], bool(r["has_children"]))
            for r in rows]


def organizations_in(conn: dbapi.Connection, unit_id: str) -> list[OrgNode]:
    rows = conn.execute(
        "SELECT o.id, o.name, o.org_type, (SELECT count(*) FROM membership m "
        "WHERE m.organization_id = o.id AND m._deleted = 0 AND m.left_date IS NULL) AS members "
        "FROM organization o WHERE o.unit_id = ? AND o._deleted = 0 ORDER BY o.name_key",
        (unit_id,))
    return [OrgNode(r["id"], r["name"], r["org_type"], r["members"]) for r in rows]


def unit_of_site(conn: dbapi.Connection, code: str) -> str | None:
    row = conn.execute("SELECT id FROM unit WHERE code = ? AND valid_to IS NULL "
                       "AND level IN ('province', 'commune')", (code,)).fetchone()
    return None if row is None else str(row[0])


def unit_choices(conn: dbapi.Connection, under: str | None) -> list[tuple[str, str]]:
    """Communes and villages a record can be placed in: those under ``under`` (a province or
    commune), or every current commune and village when None. Villages read "Bản X (Xã Y)"."""
    sql = ("SELECT u.id, u.name, u.level, p.name AS parent FROM unit u "
           "LEFT JOIN unit p ON p.id = u.parent_id WHERE u._deleted = 0 AND u.valid_to IS NULL "
           "AND u.level IN ('commune', 'village')")
    args: list[object] = []
    if under:
        sql += (" AND (u.id = ? OR u.parent_id = ? OR u.parent_id IN "
                "(SELECT id FROM unit WHERE parent_id = ?))")
        args = [under] * 3
    rows = conn.execute(sql + " ORDER BY coalesce(p.name_key, ''), u.level, u.name_key", args)
    return [(r["id"], f"{r['name']} ({r['parent']})" if r["level"] == "village" else r["name"])
            for r in rows]


def people_choices(conn: dbapi.Connection, typed: str, limit: int = 20
                   ) -> list[tuple[str, str]]:
    """People matching what was typed, labelled so that namesakes can be told apart."""
    found = search_filters(typed)
    if not found:
        return []
    rows = conn.execute(
        "SELECT p.id, p.full_name, p.birth_date, u.name AS place FROM person p "
        "LEFT JOIN unit u ON u.id = p.residence_unit_id WHERE p._deleted = 0 AND "
        f"{' AND '.join(f'({f.drive})' for f in found)} ORDER BY p.name_key LIMIT ?",
        (*(a for f in found for a in f.drive_args), limit))
    out = []
    for r in rows:
        extra = ", ".join(x for x in (str(r["birth_date"] or "")[:4], r["place"] or "") if x)
        out.append((r["id"], f"{r['full_name']} ({extra})" if extra else r["full_name"]))
    return out


def record_choices(conn: dbapi.Connection, table: str, unit_scope: str | None,
                   limit: int = 5000) -> list[tuple[str, str]]:
    """Organizations, models or establishments (table) in a unit's subtree, by name, for a
    picker."""
    if table not in ("organization", "model", "establishment"):
        raise ValueError(table)
    sql = f"SELECT id, name FROM {table} WHERE _deleted = 0"
    args: list[object] = []
    if unit_scope:
        sql += (" AND unit_id IN (SELECT id FROM unit WHERE id = ? OR parent_id = ? OR "
                "parent_id IN (SELECT id FROM unit WHERE parent_id = ?))")
        args = [unit_scope] * 3
    return [(r["id"], r["name"]) for r in conn.execute(sql + " ORDER BY name_key LIMIT ?",
                                                        [*args, limit])]


def commune_of(conn: dbapi.Connection, unit_id: str) -> str | None:
    """The commune a unit is or lies in; None for a province."""
    row = conn.execute("SELECT u.level, u.id, u.parent_id FROM unit u WHERE u.id = ?",
                       (unit_id,)).fetchone()
    if row is None or row["level"] == "province":
        return None
    return str(row["id"] if row["level"] == "commune" else row["parent_id"])


def is_village(conn: dbapi.Connection, unit_id: str) -> bool:
    row = conn.execute("SELECT level FROM unit WHERE id = ?", (unit_id,)).fetchone()
    return row is not None and row[0] == "village"


def organization_unit(conn: dbapi.Connection, organization_id: str) -> str | None:
    row = conn.execute("SELECT unit_id FROM organization WHERE id = ?",
                       (organization_id,)).fetchone()
    return None if row is None else str(row[0])


def province_of(conn: dbapi.Connection, commune_code: str) -> str | None:
    """The code of the province a current commune belongs to."""
    row = conn.execute("SELECT p.code FROM unit c JOIN unit p ON p.id = c.parent_id "
                       "WHERE c.code = ? AND c.level = 'commune' AND c.valid_to IS NULL",
                       (commune_code,)).fetchone()
    return None if row is None else str(row[0])
