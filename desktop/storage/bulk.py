"""Many new rows of one table at once, their per-row triggers run as one statement each
(issue 12).

An import at a province inserts tens of thousands of records in one transaction. Each row
inserted fires the table's AFTER INSERT triggers (the search index, the duplicates queue, an
import's note of the people it wrote), and firing a trigger program per row cost as much as
the inserts themselves (10,000 people: 0.8 s of processor time with them, 0.4 s without).
:func:`insert_many` takes the triggers of the simplest form, ``INSERT [OR IGNORE] INTO x
[(columns)] VALUES (new.a, new.b, …)``, out of the way for the one ``executemany`` and then
runs each once over the rows it inserted (``INSERT … SELECT a, b … WHERE _rowid > before``),
which writes the same rows into ``x``. Any other trigger stays and fires per row as always.
Such a trigger reads nothing but the new row and writes only into its own ``x``, so when it
runs (per row, or once after all of them) changes nothing of what it writes.

The triggers are dropped and created again from their own text in ``sqlite_master`` inside
the caller's transaction: a rollback puts them back with everything else, other connections
never see the table without them (a writer holds the lock; readers see the last commit), and
a trigger changed by a later migration is recreated as it then is (or, in another form,
simply left to fire).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from desktop.storage import dbapi

# Below this many rows the triggers' per-row cost is smaller than dropping and creating them.
MIN_ROWS = 200

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_SIMPLE = re.compile(
    rf"CREATE\s+(?:TEMP\s+|TEMPORARY\s+)?TRIGGER\s+(?:(?:main|temp)\.)?{_NAME}\s+"
    rf"AFTER\s+INSERT\s+ON\s+(?:main\.)?(?P<table>{_NAME})\s+BEGIN\s+"
    rf"INSERT\s+(?P<ignore>OR\s+IGNORE\s+)?INTO\s+(?P<target>(?:(?:main|temp)\.)?{_NAME})\s*"
    rf"(?P<cols>\(\s*{_NAME}(?:\s*,\s*{_NAME})*\s*\))?\s*"
    rf"VALUES\s*\((?P<values>\s*new\.{_NAME}(?:\s*,\s*new\.{_NAME})*\s*)\)\s*;\s*END\s*\Z",
    re.IGNORECASE)


def set_based(sql: str, table: str) -> str | None:
    """The statement doing for every row above a ``_rowid`` (its one parameter) what the
    trigger ``sql`` does for one inserted row of ``table``; None if the trigger is not of the
    simple form (or writes into ``table`` itself)."""
    m = _SIMPLE.match(sql.strip())
    if m is None or m["table"].lower() != table.lower():
        return None
    if m["target"].split(".")[-1].lower() == table.lower():
        return None
    values = ", ".join(v.strip()[len("new."):] for v in m["values"].split(","))
    return (f"INSERT {'OR IGNORE ' if m['ignore'] else ''}INTO {m['target']}"
            f"{m['cols'] or ''} SELECT {values} FROM main.{table} WHERE _rowid > ? "
            f"ORDER BY _rowid")


def _deferrable(conn: dbapi.Connection, table: str) -> list[tuple[str, str, str, str]]:
    """(schema, trigger name, its text, the set-based statement) of the table's triggers
    that :func:`set_based` can run after the rows are in."""
    out = []
    for schema, master in (("main", "sqlite_master"), ("temp", "sqlite_temp_master")):
        for name, sql in conn.execute(f"SELECT name, sql FROM {schema}.{master} WHERE "
                                      f"type = 'trigger' AND tbl_name = ?", (table,)):
            stmt = set_based(sql or "", table)
            if stmt is not None:
                if schema == "temp":  # SQLite keeps a temporary trigger's text without TEMP
                    sql = re.sub(r"\A\s*CREATE\s+TRIGGER\b", "CREATE TEMP TRIGGER", sql,
                                 flags=re.IGNORECASE)
                out.append((schema, name, sql, stmt))
    return out


def insert_many(conn: dbapi.Connection, table: str, columns: Sequence[str],
                rows: Sequence[Sequence[object]]) -> None:
    """``INSERT INTO table (columns) VALUES …`` for every row, inside the caller's
    transaction. The first column is ``_rowid``, each row's above every rowid in the table
    (else the triggers fire per row, as in a plain ``executemany``)."""
    insert = (f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
              f"({', '.join('?' * len(columns))})")
    if not conn.in_transaction:
        raise RuntimeError("bulk.insert_many: call inside a transaction")
    deferred = _deferrable(conn, table) if len(rows) >= MIN_ROWS else []
    if deferred and columns[0] == "_rowid":
        before = int(conn.execute(f"SELECT coalesce(max(_rowid), 0) FROM {table}")
                     .fetchone()[0])
        if min(int(r[0]) for r in rows) <= before:  # type: ignore[call-overload]
            deferred = []
    else:
        deferred = []
    if not deferred:
        conn.executemany(insert, rows)
        return
    for schema, name, _sql, _stmt in deferred:
        conn.execute(f"DROP TRIGGER {schema}.{name}")
    try:
        conn.executemany(insert, rows)
        for _schema, _name, _sql, stmt in deferred:
            conn.execute(stmt, (before,))
    finally:  # after a failure too, unless SQLite rolled back already (that put them back)
        if conn.in_transaction:
            for schema, name, sql, _stmt in deferred:
                if not _exists(conn, schema, name):
                    conn.execute(sql)


def _exists(conn: dbapi.Connection, schema: str, name: str) -> bool:
    master = "sqlite_master" if schema == "main" else "sqlite_temp_master"
    return conn.execute(f"SELECT 1 FROM {schema}.{master} WHERE type = 'trigger' AND name = ?",
                        (name,)).fetchone() is not None
