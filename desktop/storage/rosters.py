"""Rosters and the unit tree as the window and the printouts need them, queried in SQL.

A roster is people in a scope: everyone, the residents of a commune or village, or the
current members of one organization (ordered by role, then Vietnamese name order).
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop.domain import text
from desktop.domain.kinds import PERSON
from desktop.storage import dbapi, walk
from desktop.storage.records import Record, fts_query, to_record


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


def _scope_sql(conn: dbapi.Connection, scope: Scope) -> tuple[str, str, list[object]]:
    """(extra FROM/JOIN, extra WHERE, args) for people in ``scope``."""
    join, where, args = _place_sql(conn, scope)
    if scope.kind == "organization" and scope.role:
        return join, where + " AND m.role = ?", [*args, scope.role]
    if scope.org_type or scope.role:
        where += (" AND EXISTS (SELECT 1 FROM membership fm JOIN organization fo "
                  "ON fo.id = fm.organization_id AND fo._deleted = 0 "
                  "WHERE fm.person_id = p.id AND fm._deleted = 0 AND fm.left_date IS NULL")
        if scope.org_type:
            where += " AND fo.org_type = ?"
            args = [*args, scope.org_type]
        if scope.role:
            where += " AND fm.role = ?"
            args = [*args, scope.role]
        where += ")"
    return join, where, args


def _place_sql(conn: dbapi.Connection, scope: Scope) -> tuple[str, str, list[object]]:
    if scope.kind == "organization":
        ended = "IS NOT NULL" if scope.former else "IS NULL"
        return ("JOIN membership m ON m.person_id = p.id AND m.organization_id = ? "
                f"AND m._deleted = 0 AND m.left_date {ended} "
                "LEFT JOIN catalogue_item r ON r.catalogue = 'role' AND r.code = m.role",
                "", [scope.id])
    if scope.kind == "unit":
        level = conn.execute("SELECT level FROM unit WHERE id = ?", (scope.id,)).fetchone()
        if level and level[0] == "province":
            # "+" keeps SQLite off the residence index: a province holds most people, so
            # walking the name index and stopping after one page beats sorting them all
            # (73 ms → a few ms at 100,000 people).
            return ("", " AND +p.residence_unit_id IN (SELECT u.id FROM unit u WHERE u.id = ? "
                        "OR u.parent_id = ? OR u.parent_id IN (SELECT id FROM unit "
                        "WHERE parent_id = ?))", [scope.id] * 3)
        return ("", " AND p.residence_unit_id IN (SELECT id FROM unit WHERE id = ? "
                    "OR parent_id = ?)", [scope.id, scope.id])
    return "", "", []


def count_people(conn: dbapi.Connection, scope: Scope, search: str | None = None) -> int:
    join, where, args = _scope_sql(conn, scope)
    words = text.search_words(search or "")
    if words:  # counting reads every match: the index reads fewest, whatever the breadth
        where, args = _search_sql(where, args, words, fts_query(search or ""),
                                  scope.kind == "organization")
    sql = f"SELECT count(*) FROM person p {join} WHERE p._deleted = 0{where}"
    return int(conn.execute(sql, args).fetchone()[0])


# Columns a roster can be sorted by (a click on the header), as SQL on ``p``: whitelisted, so
# no user text reaches the query. Codes sort in their official order (ethnic groups as the
# GSO numbers them); a place sorts by its name.
SORTABLE = {
    "full_name": "p.name_key",
    "birth_date": "coalesce(p.birth_date, '')",
    "gender": "coalesce(p.gender, '')",
    "ethnicity": "coalesce(p.ethnicity, '')",
    "citizen_id": "coalesce(p.citizen_id, '')",
    "phone": "coalesce(p.phone, '')",
    "residence_unit_id": "coalesce(ru.name_key, '')",  # joined below
    # An organization's roster only:
    "role": "coalesce(json_extract(r.attrs, '$.rank'), 99)",
    "left_date": "coalesce(m.left_date, '')",
    "exit_reason": "coalesce(m.exit_reason, '')",
}
MEMBERSHIP_COLUMNS = {"role", "left_date", "exit_reason"}


def people_page(conn: dbapi.Connection, scope: Scope, *, search: str | None = None,
                offset: int = 0, limit: int = 500, after: tuple | None = None,
                order: str | None = None, descending: bool = False) -> list[Record]:
    """One page of the roster (``limit`` -1: all of it); members of an organization also
    carry ``role``. Every row carries ``sort_key``.

    The order is Vietnamese name order (an organization's: by role, then name) unless
    ``order`` names a column of SORTABLE; ties follow name order.

    ``after`` = the ``sort_key`` of the last row already shown: the next page is then found
    through the index (keyset paging) instead of skipping ``offset`` rows, which at 100,000
    people costs 140 ms deep in the list.
    """
    join, where, args = _scope_sql(conn, scope)
    # Name order ascending is the default, except in an organization (role, then name).
    custom = order is not None and (
        (order, descending) != ("full_name", False) or scope.kind == "organization")
    if custom and (order not in SORTABLE or (order in MEMBERSHIP_COLUMNS
                                             and scope.kind != "organization")):
        raise ValueError(f"not a roster column: {order}")
    direction = "DESC" if descending else "ASC"
    sort_sql = SORTABLE[order] if custom else ""  # type: ignore[index]
    if order == "residence_unit_id":
        join += " LEFT JOIN unit ru ON ru.id = p.residence_unit_id"
    if custom:
        order_sql = f"{sort_sql} {direction}, p.name_key {direction}, p.id {direction}"
        key_sql = f"{sort_sql}, p.name_key, p.id"
    elif scope.kind == "organization":
        order_sql = "coalesce(json_extract(r.attrs, '$.rank'), 99), p.name_key, p.id"
        key_sql = "p.name_key, p.id"
    else:
        order_sql = key_sql = "p.name_key, p.id"
    if after is not None and scope.kind != "organization":
        marks = ", ".join("?" for _ in after)
        where += f" AND ({key_sql}) {'<' if custom and descending else '>'} ({marks})"
        args = [*args, *after]
        offset = 0
    found = _search_terms(conn, scope, search)
    if found is not None:
        words, match, broad = found
        page = None
        if broad and not custom and scope.kind != "organization" and limit >= 0:
            page = _walk(conn, join, where, args, words, limit, offset)
        if page is not None:  # found by the walk: read those rows
            join, args, offset = "", [], 0
            where = f" AND p._rowid IN {walk.rowid_list(page)}"
        else:  # or through the index (an organization's members: walked in their order)
            where, args = _search_sql(where, args, words, match, scope.kind == "organization")
    select = f"p.*, {sort_sql} AS _sort" if custom else "p.*"
    if scope.kind == "organization":
        select += (", m.role AS role, m.joined_date AS joined_date, m.id AS membership_id, "
                   "m.left_date AS left_date, m.exit_reason AS exit_reason")
    sql = (f"SELECT {select} FROM person p {join} WHERE p._deleted = 0{where} "
           f"ORDER BY {order_sql} LIMIT ? OFFSET ?")
    out = []
    for row in conn.execute(sql, [*args, limit, offset]):
        rec = to_record(PERSON, row)
        rec["name_key"] = row["name_key"]
        rec["sort_key"] = ((row["_sort"], row["name_key"], row["id"]) if custom
                           else (row["name_key"], row["id"]))
        if scope.kind == "organization":
            rec["role"] = row["role"]
            rec["joined_date"] = row["joined_date"]
            rec["membership_id"] = row["membership_id"]
            rec["left_date"] = row["left_date"]
            rec["exit_reason"] = row["exit_reason"]
        out.append(rec)
    return out


def _search_terms(conn: dbapi.Connection, scope: Scope, search: str | None
                  ) -> tuple[list[str], str, bool] | None:
    """(words, FTS query, broad?) of a search; None when nothing searchable was typed."""
    words = text.search_words(search or "")
    if not words:
        return None
    match = fts_query(search or "")
    return words, match, scope.kind != "organization" and walk.is_broad(conn, "person", match)


def _search_sql(where: str, args: list[object], words: list[str], match: str,
                by_walking: bool) -> tuple[str, list[object]]:
    """The search as a condition on ``p``, in either plan (see ``walk``)."""
    if by_walking:
        test, test_args = walk.word_tests("p._search", words)
        return where + " AND " + test, [*args, *test_args]
    return (where + " AND p._rowid IN (SELECT rowid FROM person_fts WHERE person_fts MATCH ?)",
            [*args, match])


def _walk(conn: dbapi.Connection, join: str, where: str, args: list[object],
          words: list[str], limit: int, offset: int) -> list[int] | None:
    """One page of matches found by walking the roster in name order on the covering name
    index (``walk.first_page``)."""
    scanned = (f"SELECT p._rowid AS r, p._search AS s FROM person p {join} "
               f"WHERE p._deleted = 0{where} ORDER BY p.name_key, p.id")
    return walk.first_page(conn, scanned, args, words, limit, offset)


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
    rows = conn.execute(
        "SELECT p.id, p.full_name, p.birth_date, u.name AS place FROM person p "
        "LEFT JOIN unit u ON u.id = p.residence_unit_id WHERE p._deleted = 0 AND p._rowid IN "
        "(SELECT rowid FROM person_fts WHERE person_fts MATCH ?) ORDER BY p.name_key LIMIT ?",
        (fts_query(typed) or '""', limit))
    out = []
    for r in rows:
        extra = ", ".join(x for x in (str(r["birth_date"] or "")[:4], r["place"] or "") if x)
        out.append((r["id"], f"{r['full_name']} ({extra})" if extra else r["full_name"]))
    return out


def record_choices(conn: dbapi.Connection, table: str, unit_scope: str | None,
                   limit: int = 5000) -> list[tuple[str, str]]:
    """Organizations or models (table) in a unit's subtree, by name, for a picker."""
    if table not in ("organization", "model"):
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
