"""Reading records: one by id, and filtered, ordered pages of a kind (done in SQL)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from desktop.domain import text
from desktop.domain.errors import NotFoundError, ValidationError
from desktop.domain.kinds import FieldType, Kind
from desktop.domain.validation import clean_field, unknown_field
from desktop.i18n import _
from desktop.storage import dbapi, walk
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


def get(conn: dbapi.Connection, kind: Kind, record_id: str) -> Record:
    row = conn.execute(f"SELECT * FROM {kind.table} WHERE id = ?", (record_id,)).fetchone()
    if row is None:
        raise NotFoundError(_("Không có {label} với id «{id}»").format(
            label=kind.label.lower(), id=record_id))
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
    if q.search and q.search.strip():
        if not kind.searchable:
            raise ValidationError("search", _("không tìm kiếm được trong {k}").format(k=kind.name))
        match = fts_query(q.search)
        if match:
            clauses.append(f"t._rowid IN (SELECT rowid FROM {kind.table}_fts "
                           f"WHERE {kind.table}_fts MATCH :match)")
            args["match"] = match
    if q.unit_scope:
        path = _UNIT_PATHS.get(kind.name)
        if path is None:
            raise ValidationError("unit", _("{k} không gắn với địa bàn").format(k=kind.name))
        clauses.append(("+" if scope_unindexed else "") + path.format(sub=SUBTREE_SQL))
        args["u"] = q.unit_scope
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", args


def _order(kind: Kind, q: Query) -> str:
    col = q.order_by or kind.order_by
    if col not in {"id", *kind.by_name, *kind.extra_columns}:
        raise unknown_field(kind, col)  # whitelisted: never a user string in SQL
    if col in {"name", "full_name"} and "name_key" in kind.extra_columns:  # Vietnamese order
        col = "name_key"
    direction = "DESC" if q.descending else "ASC"
    then = "".join(f", t.{c} {direction}" for c in kind.then_by) if not q.order_by or \
        q.order_by == kind.order_by else ""
    return f" ORDER BY t.{col} {direction}{then}, t.id {direction}"


def count(conn: dbapi.Connection, kind: Kind, q: Query | None = None) -> int:
    where, args = _where(kind, q or Query(), conn)
    return int(conn.execute(f"SELECT count(*) FROM {kind.table} t{where}", args).fetchone()[0])


# Lists that a broad search walks in their order (see ``walk``): each has an index that
# leads with its order column (migration 7). Minutes are the largest of them (20,000 at a
# province); the others stay small enough for the full-text index alone.
WALKED_ORDERS = {("meeting", "started_at")}


def page(conn: dbapi.Connection, kind: Kind, q: Query | None = None, *,
         offset: int = 0, limit: int = 500) -> list[Record]:
    q = q or Query()
    order = _order(kind, q)
    walked = _walked_page(conn, kind, q, order, offset, limit)
    if walked is not None:
        return walked
    # Unsearched, the first pages of a province's list of a walked order are read down its
    # order's index (5 ms for 20,000 minutes) rather than gathered by unit and sorted (20 ms);
    # deep down the list, skipping rows on the index costs more than the sort.
    down_the_index = (_walkable(kind, q) and not q.search and offset < 2000
                      and q.unit_scope is not None
                      and _level(conn, q.unit_scope) == "province")
    where, args = _where(kind, q, conn, scope_unindexed=down_the_index)
    sql = f"SELECT t.* FROM {kind.table} t{where}{order} LIMIT :limit OFFSET :offset"
    return [to_record(kind, r) for r in conn.execute(sql, {**args, "limit": limit,
                                                           "offset": offset})]


def _walked_page(conn: dbapi.Connection, kind: Kind, q: Query, order: str, offset: int,
                 limit: int) -> list[Record] | None:
    """The page found by walking the list in its order, for a broad search of a walked
    list; None when the full-text index is the better reader (or the walk gave up)."""
    if limit < 0 or not _walkable(kind, q):
        return None
    words = text.search_words(q.search or "")
    if not words or not walk.is_broad(conn, kind.table, fts_query(q.search or "")):
        return None
    if q.unit_scope and _level(conn, q.unit_scope) != "province":
        return None  # a commune's list is short: reading and sorting its matches is cheap
    where, args = _where(kind, replace(q, search=None), conn, scope_unindexed=True)
    scanned = f"SELECT t._rowid AS r, t._search AS s FROM {kind.table} t{where}{order}"
    rowids = walk.first_page(conn, scanned, args, words, limit, offset)
    if rowids is None:
        return None
    rows = conn.execute(f"SELECT t.* FROM {kind.table} t WHERE t._rowid IN "
                        f"{walk.rowid_list(rowids)}{order}")
    return [to_record(kind, r) for r in rows]


def _walkable(kind: Kind, q: Query) -> bool:
    return (kind.name, q.order_by or kind.order_by) in WALKED_ORDERS


def _level(conn: dbapi.Connection, unit_id: str) -> str | None:
    row = conn.execute("SELECT level FROM unit WHERE id = ?", (unit_id,)).fetchone()
    return None if row is None else str(row[0])


def fts_query(user_text: str) -> str:
    """An FTS5 query for what the user typed: every word, folded, as a prefix.

    Words are quoted so that FTS syntax characters typed by a user mean nothing.
    """
    return " ".join(f'"{w}"*' for w in text.search_words(user_text))
