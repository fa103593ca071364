"""A full logical dump of a database (schema and every row), to prove that a refused change
changed nothing. SQLCipher's driver has no ``iterdump``; rows are sorted, so the dump does not
depend on the order rows were stored in."""

from __future__ import annotations

from desktop.storage import dbapi


def logical_dump(conn: dbapi.Connection) -> list[str]:
    out = [f"{t} {n}: {s}" for t, n, s in conn.execute(
        "SELECT type, name, sql FROM sqlite_master ORDER BY type, name")]
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' "
        "AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name")]
    for name in tables:
        rows = sorted(repr(tuple(r)) for r in conn.execute(f'SELECT * FROM "{name}"'))
        out += [f"{name}: {r}" for r in rows]
    return out
