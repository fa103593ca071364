"""Which person a merged person's id names (issue 15): the end of its ``merged_into`` chain.

Apart from desktop/storage/aliases.py so that reference checks (references.py) can follow an
alias without importing what brings late references to the survivor."""

from __future__ import annotations

from collections.abc import Callable

from desktop.storage import dbapi

MAX_CHAIN = 32  # merges of merges; a cycle (two sites merging each way) stops here


def resolve(conn: dbapi.Connection, person_id: str) -> str:
    """The survivor ``person_id`` names: itself, or the end of its ``merged_into`` chain.
    A cycle (A into B here, B into A at another site, both synced) ends at the smallest id,
    the same at every site."""
    def step(current: str) -> str | None:
        row = conn.execute("SELECT merged_into FROM person WHERE id = ?", (current,)).fetchone()
        return str(row[0]) if row is not None and row[0] else None

    return _follow(person_id, step)


def resolve_all(conn: dbapi.Connection) -> dict[str, str]:
    """:func:`resolve` of every alias here, from one read of the aliases."""
    links = {str(r[0]): str(r[1]) for r in conn.execute(
        "SELECT id, merged_into FROM person WHERE merged_into IS NOT NULL")}
    return {pid: _follow(pid, links.get) for pid in links}


def _follow(person_id: str, step: Callable[[str], str | None]) -> str:
    seen = [person_id]
    current = person_id
    for _i in range(MAX_CHAIN):
        nxt = step(current)
        if nxt is None:
            return current
        current = nxt
        if current in seen:
            return min(seen[seen.index(current):])
        seen.append(current)
    return current
