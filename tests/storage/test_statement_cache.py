"""A connection keeps the statements of a loop even after a bundle import's worth of others
(issue 12): the driver's cache of 100, once full, evicts its newest entry, so the duplicates
scan after an import parsed its large lookups again for every chunk of people."""

from __future__ import annotations

from pathlib import Path

from desktop.storage import db

_READ = 20  # SQLITE_READ: the authorizer is asked while a statement is prepared


def test_a_loops_statements_are_prepared_once_after_an_imports_worth_of_others(
        tmp_path: Path) -> None:
    db.open_database(tmp_path / "cache.db").close()  # made (its migrations), then opened
    conn = db.open_database(tmp_path / "cache.db")
    conn.execute("CREATE TEMP TABLE looked_up (k INTEGER, v TEXT)")
    reads: list[str] = []

    def authorizer(action: int, arg1: str | None, *_rest: object) -> int:
        if action == _READ and arg1 == "looked_up":
            reads.append(str(arg1))
        return 0  # SQLITE_OK

    conn.set_authorizer(authorizer)
    for i in range(130):  # what an import runs on its connection before the scan, about
        conn.execute(f"SELECT {i} + ?", (i,)).fetchall()
    lookup = ("WITH l(k) AS (VALUES " + ", ".join(["(?)"] * 500) + ") "
              "SELECT t.v FROM l JOIN temp.looked_up t ON t.k = l.k")
    per_prepare = None
    for chunk in range(6):  # the scan: the same lookup for every chunk, others in between
        before = len(reads)
        conn.execute(lookup, list(range(chunk * 500, chunk * 500 + 500))).fetchall()
        if per_prepare is None:
            per_prepare = len(reads) - before
        conn.execute(f"SELECT 'other statement of chunk {chunk}'").fetchall()
    conn.close()
    assert per_prepare
    assert len(reads) // per_prepare == 1, f"prepared {len(reads) // per_prepare} times"
