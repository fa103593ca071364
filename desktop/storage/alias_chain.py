"""Which person a merged person's id names (issue 15): the end of its ``merged_into`` chain.

Apart from desktop/storage/aliases.py so that reference checks (references.py) can follow an
alias without importing what brings late references to the survivor."""

from __future__ import annotations

from desktop.storage import dbapi

MAX_CHAIN = 32  # merges of merges; a cycle (two sites merging each way) stops here


def resolve(conn: dbapi.Connection, person_id: str) -> str:
    """The survivor ``person_id`` names: itself, or the end of its ``merged_into`` chain.
    A cycle (A into B here, B into A at another site, both synced) ends at the smallest id,
    the same at every site."""
    seen = [person_id]
    current = person_id
    for _i in range(MAX_CHAIN):
        row = conn.execute("SELECT merged_into FROM person WHERE id = ?", (current,)).fetchone()
        if row is None or not row[0]:
            return current
        current = str(row[0])
        if current in seen:
            return min(seen[seen.index(current):])
        seen.append(current)
    return current
