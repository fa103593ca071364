"""Reading records: one by id, and filtered, ordered pages of a kind (done in SQL)."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter

from desktop.domain import text
from desktop.domain.errors import NotFoundError, ValidationError
from desktop.domain.kinds import FieldType, Kind
from desktop.domain.validation import clean_field, unknown_field
from desktop.i18n import _
from desktop.storage import dbapi, paging, search, walk
from desktop.storage.references import resolve_code

Record = dict[str, object]


@dataclass(frozen=True)
class Query:
    """What a list shows: equality filters on fields, an optional text filter, an order."""

    filters: Mapping[str, object] | None = None
    search: str | None = None  # folded prefix search within this kind
    include_deleted: bool = False
    only_deleted: bool = False
    order_by: str | None = None  # a field name, or None for the kind's default order
    descending: bool = False
    unit_scope: str | None = None  # only records belonging to this unit or the units under it


# Units under a unit: the tree is at most province → commune → village deep.
SUBTREE_SQL = ("SELECT id FROM unit WHERE id = :u OR parent_id = :u OR parent_id IN "
               "(SELECT id FROM unit WHERE parent_id = :u)")

# How a record of each kind belongs to a unit, for Query.unit_scope.
_UNIT_PATHS = {
    "unit": "t.id IN ({sub})",
    "person": "t.residence_unit_id IN ({sub})",
    "organization": "t.unit_id IN ({sub})",
    "model": "t.unit_id IN ({sub})",
    "replication": "t.unit_id IN ({sub})",
    "membership": "t.organization_id IN (SELECT id FROM organization WHERE unit_id IN ({sub}))",
    "meeting": "t.organization_id IN (SELECT id FROM organization WHERE unit_id IN ({sub}))",
    "evaluation": "t.model_id IN (SELECT id FROM model WHERE unit_id IN ({sub}))",
    "model_org": "t.model_id IN (SELECT id FROM model WHERE unit_id IN ({sub}))",
    "tip": "t.unit_id IN ({sub})",
    "camera": "t.unit_id IN ({sub})",
    "establishment": "t.unit_id IN ({sub})",
    "safety_evaluation": "t.unit_id IN ({sub})",
    "crime_stat": "t.unit_id IN ({sub})",
    "deed": "(t.person_id IN (SELECT id FROM person WHERE residence_unit_id IN ({sub})) OR "
            "t.organization_id IN (SELECT id FROM organization WHERE unit_id IN ({sub})))",
}


def has_unit_scope(kind: Kind) -> bool:
    """Whether records of this kind belong to a unit (and so follow the tree selection)."""
    return kind.name in _UNIT_PATHS


def to_record(kind: Kind, row: dbapi.Row) -> Record:
    """The public form of a row: id, the fields, and ``deleted``."""
    rec: Record = {"id": row["id"]}
    for f in kind.fields:
        rec[f.name] = row[f.name]
    rec["deleted"] = bool(row["_deleted"])
    return rec


def to_records(kind: Kind, rows: Sequence[dbapi.Row], *extra: str,
               fields: Collection[str] | None = None) -> list[tuple[Record, tuple]]:
    """:func:`to_record` of the rows of one query, each with the values of its ``extra``
    columns: the columns are found once, not by name in every row (a row looks a name up by
    comparing it with each column before it: 10 µs a person, a third of scrolling a roster).
    ``fields``: only those (what a list shows; the query selected no other)."""
    if not rows:
        return []
    columns = [c.lower() for c in rows[0].keys()]  # noqa: SIM118 (a row iterates values)
    names = ["id", *(f.name for f in kind.fields if fields is None or f.name in fields)]
    fields = _picker([columns.index(n) for n in names])
    more = _picker([columns.index(n) for n in extra])
    deleted = columns.index("_deleted")
    out = []
    for row in rows:
        rec = dict(zip(names, fields(row), strict=True))
        rec["deleted"] = bool(row[deleted])
        out.append((rec, more(row)))
    return out


def _picker(positions: Sequence[int]) -> Callable[[dbapi.Row], tuple]:
    """The values at ``positions`` of a row, always as a tuple."""
    if len(positions) > 1:
        return itemgetter(*positions)
    return lambda row: tuple(row[p] for p in positions)


def get(conn: dbapi.Connection, kind: Kind, record_id: str) -> Record:
    row = conn.execute(f"SELECT * FROM {kind.table} WHERE id = ?", (record_id,)).fetchone()
    if row is None:
        raise NotFoundError(_("Không có {label} với id «{id}»").format(
            label=text.lower_first(kind.label), id=record_id))
    return to_record(kind, row)


def _where(kind: Kind, q: Query, conn: dbapi.Connection | None = None, *,
           scope_unindexed: bool = False) -> tuple[str, dict[str, object]]:
    """The WHERE clause of ``q``; ``scope_unindexed``: the unit test is made with "+" so that
    SQLite keeps to the index of the order (a walk of a province's list)."""
    clauses: list[str] = []
    args: dict[str, object] = {}
    if q.only_deleted:
        clauses.append("t._deleted = 1")
    elif not q.include_deleted:
        clauses.append("t._deleted = 0")
    for name, value in (q.filters or {}).items():
        f = kind.by_name.get(name)
        if f is None:
            raise unknown_field(kind, name)
        stored = clean_field(f, value) if not isinstance(value, int) else value
        if stored is not None and f.type is FieldType.CODE and conn is not None:
            stored = resolve_code(conn, f, str(stored))
        if stored is None:
            clauses.append(f"t.{name} IS NULL")
        else:
            clauses.append(f"t.{name} = :f_{name}")
            args[f"f_{name}"] = stored
    # The search as the paging plans word it (one filter per condition, on ``p``), its
    # positional parameters named here: this clause's parameters are named.
    for i, f in enumerate(_search_filters(kind, q)):
        parts = f.drive.split("?")
        drive = parts[0] + "".join(f":s{i}_{j}{rest}" for j, rest in enumerate(parts[1:]))
        clauses.append(f"t._rowid IN (SELECT p._rowid FROM {kind.table} p WHERE {drive})")
        args.update({f"s{i}_{j}": a for j, a in enumerate(f.drive_args)})
    if q.unit_scope:
        path = _UNIT_PATHS.get(kind.name)
        if path is None:
            raise ValidationError("unit", _("{k} không gắn với địa bàn").format(k=kind.name))
        clauses.append(("+" if scope_unindexed else "") + path.format(sub=SUBTREE_SQL))
        args["u"] = q.unit_scope
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", args


def _order_column(kind: Kind, q: Query) -> str:
    col = q.order_by or kind.order_by
    if col not in {"id", *kind.by_name, *kind.extra_columns}:
        raise unknown_field(kind, col)  # whitelisted: never a user string in SQL
    if col in {"name", "full_name"} and "name_key" in kind.extra_columns:  # Vietnamese order
        col = "name_key"
    return col


def _keys(kind: Kind, q: Query, alias: str = "p") -> tuple[str, ...]:
    """The order as SQL expressions that are never NULL (a keyset compares them): a blank
    sorts first, as NULL does; the kind's own ties, then the id."""
    col = _order_column(kind, q)
    then = kind.then_by if not q.order_by or q.order_by == kind.order_by else ()
    out = []
    for name in (col, *then):
        f = kind.by_name.get(name)
        if name in ("id", "name_key") or (f is not None and f.required):
            out.append(f"{alias}.{name}")
        elif f is not None and f.type in (FieldType.INT, FieldType.BOOL):
            out.append(f"coalesce({alias}.{name}, {_LOWEST:d})")
        else:
            out.append(f"coalesce({alias}.{name}, '')")
    return (*out, f"{alias}.id")


_LOWEST = -(2**63)


def count(conn: dbapi.Connection, kind: Kind, q: Query | None = None) -> int:
    q = q or Query()
    if q.include_deleted or q.only_deleted:
        where, args = _where(kind, q, conn)
        return int(conn.execute(f"SELECT count(*) FROM {kind.table} t{where}",
                                args).fetchone()[0])
    return paging.count(conn, kind.table, _filters(conn, kind, q))


# Lists read down an index of their order (storage/paging.py), each led by the order's
# column: minutes by date (migration 7), good deeds by date, organizations by name (11),
# tips by receipt (tip_received: 30,000 tips at a 300k commune).
# Other orders are gathered and sorted: lists of a few thousand records at most.
WALKED_ORDERS = {("meeting", "started_at"), ("deed", "deed_date"), ("organization", "name_key"),
                 ("tip", "received_at")}


def page(conn: dbapi.Connection, kind: Kind, q: Query | None = None, *,
         offset: int = 0, limit: int = 500, after: tuple | None = None,
         fields: Collection[str] | None = None, every_key: bool = True) -> list[Record]:
    """One page of a list (``limit`` -1: all of it). Every record carries ``sort_key``:
    given back as ``after``, the next page starts after that record (keyset paging).
    ``fields``: only these of each record (and its id and ``deleted``), what a list shows: a
    minutes' row is 26 columns, its texts among them, and 3,200 of them (End held down: the
    window's largest page) cost 27 ms read whole against 16 with the six a list presents.
    ``every_key`` False: only the last record carries ``sort_key`` (all the next page needs),
    the others only their values, which the cycle collector does not track: a list's rows
    held by the window then add nothing to what its collections walk, nor bring the next
    full collection nearer (a key's tuple in each row did both)."""
    q = q or Query()
    if fields is not None:
        fields = [f.name for f in kind.fields if f.name in fields]  # known names only
    keys = _keys(kind, q)
    if q.include_deleted or q.only_deleted:  # the bin and the command line: short lists
        where, args = _where(kind, q, conn)
        t_keys = _keys(kind, q, "t")
        direction = " DESC" if q.descending else ""
        sql = (f"SELECT t.*, {', '.join(f'{k} AS _k{i}' for i, k in enumerate(t_keys))} FROM "
               f"{kind.table} t{where} ORDER BY {', '.join(k + direction for k in t_keys)} "
               "LIMIT :limit OFFSET :offset")
        rows = conn.execute(sql, {**args, "limit": limit, "offset": offset}).fetchall()
    else:
        walked = (kind.name, _order_column(kind, q)) in WALKED_ORDERS
        order = paging.Order(keys, lambda after: [paging.Segment(
            order=keys, descending=q.descending, after=after)], q.descending, walked=walked)
        wanted = -1 if limit < 0 else limit + (0 if after is not None else offset)
        select = "p.*" if fields is None else ", ".join(
            f"p.{c}" for c in ("id", "_deleted", *fields))
        rows = paging.read(conn, kind.table, order, _filters(conn, kind, q), after=after,
                           limit=wanted, select=select)[0 if after is not None else offset:]
    out = []
    for rec, sort_key in to_records(kind, rows, *(f"_k{i}" for i in range(len(keys))),
                                    fields=fields):
        if every_key:
            rec["sort_key"] = sort_key
        out.append(rec)
    if out and not every_key:
        out[-1]["sort_key"] = sort_key
    return out


def _search_filters(kind: Kind, q: Query) -> list[paging.Filter]:
    """What ``q``'s search keeps, as conditions of the paging plans (on ``p``)."""
    words = text.search_words(q.search or "")
    if q.search and q.search.strip() and not kind.searchable:
        raise ValidationError("search", _("không tìm kiếm được trong {k}").format(k=kind.name))
    if words and kind.name == "person":  # its numbers are not in the full-text index
        return search.people_filters(words)
    if not words:
        return []
    test, test_args = walk.word_tests("{t}._search", words)
    fts = f"SELECT rowid FROM {kind.table}_fts WHERE {kind.table}_fts MATCH ?"
    match = fts_query(q.search or "")
    return [paging.Filter(test, tuple(test_args), f"p._rowid IN ({fts})", (match,),
                          fts, (match,), ("_search",))]


def _filters(conn: dbapi.Connection, kind: Kind, q: Query) -> list[paging.Filter]:
    """``q`` as conditions of the paging plans (storage/paging.py), on ``p``."""
    out = _search_filters(kind, q)
    for name, value in (q.filters or {}).items():
        f = kind.by_name.get(name)
        if f is None:
            raise unknown_field(kind, name)
        stored = clean_field(f, value) if not isinstance(value, int) else value
        if stored is not None and f.type is FieldType.CODE:
            stored = resolve_code(conn, f, str(stored))
        same, args = (f"{{c}}{name} IS NULL", ()) if stored is None else \
            (f"{{c}}{name} = ?", (stored,))
        out.append(paging.Filter(same.format(c="+{t}."), args, same.format(c="p."), args,
                                 f"SELECT 1 FROM {kind.table} p WHERE {same.format(c='p.')}",
                                 args, (name,)))
    if q.unit_scope:
        out.append(_scope_filter(conn, kind, q.unit_scope))
    return out


# _UNIT_PATHS with positional parameters, each "?" the place.
_SUBTREE = SUBTREE_SQL.replace(":u", "?")
# A good deed is a person's or an organization's: walking the list, each is looked up (the
# IN form would first list every resident of the place).
_DEED_TEST = ("EXISTS (SELECT 1 FROM person pp WHERE pp.id = {t}.person_id AND "
              f"pp.residence_unit_id IN ({_SUBTREE})) OR EXISTS (SELECT 1 FROM organization "
              f"oo WHERE oo.id = {{t}}.organization_id AND oo.unit_id IN ({_SUBTREE}))")


def _scope_filter(conn: dbapi.Connection, kind: Kind, unit: str) -> paging.Filter:
    path = _UNIT_PATHS.get(kind.name)
    if path is None:
        raise ValidationError("unit", _("{k} không gắn với địa bàn").format(k=kind.name))
    args = (unit,) * (path.count("{sub}") * 3)
    on_p = re.sub(r"\bt\.", "p.", path.format(sub=_SUBTREE))
    placed = -1 if kind.name != "deed" or _is_village(conn, unit) else _placed(conn, unit)
    if kind.name == "deed" and placed < paging.bound(conn, "person", False):
        # its good deeds, listed once (none: no one and nothing is placed there)
        listed = (_deeds_in(conn, unit) if placed else "[]",)
        return paging.Filter(f"+{{t}}._rowid IN ({_LISTED})", listed,
                             f"p._rowid IN ({_LISTED})", listed, _LISTED, listed, ("_rowid",))
    if kind.name == "deed":  # each looked up, walked or gathered (the IN form would list
        # every resident first); not counted: a page reads at most the table (a few thousand)
        test = _DEED_TEST
        return paging.Filter(test, args, test.format(t="p"), args, "SELECT 1 FROM deed p", (),
                             ("person_id", "organization_id"), looked_up=True)
    column = path.split(" ", 1)[0].removeprefix("t.")
    through = _THROUGH.fullmatch(path)
    if through:  # the ids of the place's organizations (models), listed once, not a page,
        # for reading the rows through their index (drive) and counting them; a row walked
        # or gathered otherwise is tested by its organization's place: the list's index
        # (4,400 ids at a province) built again at each statement cost 1.3 ms, the place's
        # units 0.4, and each row tested 1.5 µs against 0.8
        listed = (_ids_in(conn, through[1], unit),)
        test = (f"EXISTS (SELECT 1 FROM {through[1]} oo WHERE oo.id = +{{t}}.{column} AND "
                f"oo.unit_id IN ({_SUBTREE}))")
        on_p = f"p.{column} IN ({_LISTED})"
        return paging.Filter(test, (unit,) * 3, on_p, listed,
                             f"SELECT 1 FROM {kind.table} p WHERE {on_p}", listed, (column,))
    test = "+" + re.sub(r"\bt\.", "{t}.", path.format(sub=_SUBTREE))  # "t.column IN (…)"
    return paging.Filter(test, args, on_p, args, f"SELECT 1 FROM {kind.table} p WHERE {on_p}",
                         args, (column,))


# A kind placed through its organization's (model's) place, and a JSON list as a query.
_THROUGH = re.compile(r"t\.\w+ IN \(SELECT id FROM (\w+) WHERE unit_id IN \(\{sub\}\)\)")
_LISTED = "SELECT value FROM json_each(?)"


def _ids_in(conn: dbapi.Connection, table: str, unit: str) -> str:
    """The ids of ``table``'s records (organizations or models) placed in ``unit`` or under
    it, as a JSON list, remembered until the database changes: each statement of a page read
    them again (3,000 organizations of a commune at 300,000 people: 5 ms of a minutes page)."""
    # one row, the list made by SQLite: each row brought back takes the interpreter's lock
    # again, and a worker's Python holding it makes each wait up to 5 ms (3,000 rows: seconds)
    return str(paging.remembered(conn, "_records_ids_in", (table, unit), lambda: conn.execute(
        SUBTREE_SQL.join((f"SELECT json_group_array(id) FROM {table} WHERE unit_id IN (", ")")),
        {"u": unit}).fetchone()[0]))


# A place's good deeds: each deed's person's rowid read off the id index (no person's row),
# tested against the rowids of the place's residents, read off the residence index alone.
_DEEDS_IN = (f"SELECT json_group_array(d._rowid ORDER BY d._rowid) FROM deed d WHERE "
             f"d.organization_id IN (SELECT id FROM organization WHERE unit_id IN ({_SUBTREE})) "
             f"OR EXISTS (SELECT 1 FROM person pp WHERE pp.id = d.person_id AND pp._rowid IN "
             f"(SELECT p._rowid FROM person p WHERE p.residence_unit_id IN ({_SUBTREE})))")


def _is_village(conn: dbapi.Connection, unit: str) -> bool:
    row = conn.execute("SELECT level FROM unit WHERE id = ?", (unit,)).fetchone()
    return row is not None and row[0] == "village"


# A place's residents and organizations, through their places' indexes (no row read).
_PLACED = (f"SELECT 1 FROM person WHERE residence_unit_id IN ({_SUBTREE}) UNION ALL "
           f"SELECT 1 FROM organization WHERE unit_id IN ({_SUBTREE})")


def _placed(conn: dbapi.Connection, unit: str) -> int:
    """The residents and organizations of a place, counted up to the bound of a few
    (paging.bound). A place with few (a commune of the tree outside the database's own has
    none) has its good deeds listed as a village's: looked up one by one, its first page
    walked every good deed to find the few or none it has, 3,000 at 300,000 people, each
    its person's row read: 80-180 ms on the window's thread the first time."""
    few = paging.bound(conn, "person", False)
    return paging.counted(conn, _PLACED, (unit,) * 6, few)


def _deeds_in(conn: dbapi.Connection, unit: str) -> str:
    """The rowids of the good deeds of a village (its residents' and its organizations'), as
    a JSON list, remembered until the database changes. Each deed looked up its person's row
    for the place: 3,000 deeds read for the ~16 of a village at 300,000 people, 10-20 ms of
    processor a page of every order (90 read afresh), against 5-7 once (30 afresh). A larger
    place keeps the look-up: listing a commune's residents would read nearly everyone."""
    return str(paging.remembered(conn, "_records_deeds_in", unit, lambda: conn.execute(
        _DEEDS_IN, (unit,) * 6).fetchone()[0]))  # one row (_ids_in)


def fts_query(user_text: str) -> str:
    """An FTS5 query for what the user typed: every word, folded, as a prefix.

    Words are quoted so that FTS syntax characters typed by a user mean nothing.
    """
    return " ".join(f'"{w}"*' for w in text.search_words(user_text))
