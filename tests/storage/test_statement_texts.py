"""A connection's statement texts do not grow with the data (issue 12): the driver's cache,
once full, keeps no statement first run after (18e5c57), so a long-lived connection (the
window's, an import's of a whole stick) that ran a new IN list or VALUES table for every
length of a chunk filled its cache, and then parsed its loops' statements every time round.
The lists are padded with NULLs to a few lengths (``dbapi.padded``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.storage import db, dbapi, duplicates
from desktop.storage.writer import Store


@pytest.fixture
def texts(monkeypatch: pytest.MonkeyPatch) -> Iterator[set[str]]:
    """Every statement text run on any connection (what the driver's cache is keyed on)."""
    seen: set[str] = set()
    real = dbapi.Connection.cursor

    class Seen(dbapi.Cursor):
        def execute(self, sql: str, *args: object) -> dbapi.Cursor:  # type: ignore[override]
            seen.add(sql)
            return super().execute(sql, *args)

        def executemany(self, sql: str, *args: object) -> dbapi.Cursor:  # type: ignore[override]
            seen.add(sql)
            return super().executemany(sql, *args)

    monkeypatch.setattr(dbapi.Connection, "cursor",
                        lambda self, factory=Seen: real(self, factory))
    yield seen


def test_scans_of_any_number_of_people_run_a_bounded_set_of_statement_texts(
        store: Store, conn: dbapi.Connection, village: str, texts: set[str]) -> None:
    def add(n: int) -> list[str]:  # twins of every earlier round: each scan finds some
        return store.add_many("person", [
            {"full_name": "Lò Văn Pành", "birth_date": f"1980-05-{1 + i % 9:02d}",
             "gender": "male", "residence_unit_id": village} for i in range(n)])

    duplicates.scan(conn, only=add(3))
    texts.clear()
    duplicates.scan(conn, only=add(3))
    one_scan = len(texts)
    for n in range(4, 41):  # scans of 4 to 40 people, after the queue's others
        duplicates.scan(conn, only=add(n))
    new = len(texts) - one_scan
    # One text a length was 5 new texts a round (the people read, the keys looked up, the
    # chunk's candidates, the queue emptied, their twins read): 186 here. Padded to 8, 16, 32,
    # 64, … rows, each statement has a few lengths: 20.
    assert new <= 30, f"{new} new statement texts for 37 scans of different sizes"


def test_padded_in_lists_find_the_same_rows(conn: dbapi.Connection, store: Store,
                                            village: str) -> None:
    ids = store.add_many("person", [{"full_name": f"Người {i}", "gender": "female",
                                     "residence_unit_id": village} for i in range(23)])
    for n in (0, 1, 7, 8, 9, 23):
        got = [r[0] for r in dbapi.rows_in(conn, "SELECT id FROM person WHERE id IN ({}) "
                                                 "ORDER BY id", ids[:n])]
        assert got == sorted(ids[:n])
    marks, params = dbapi.in_marks(ids[:9])
    assert marks.count("?") == len(params) == 16 and params[9:] == [None] * 7
    rows, flat = dbapi.padded(list(range(30)), 3)  # 10 rows of 3
    assert rows == 16 and len(flat) == 48 and flat[:30] == list(range(30))


_READ = 20  # SQLITE_READ: the authorizer is asked while a statement is prepared


def test_a_loop_after_a_window_session_and_an_import_is_prepared_once(tmp_path: Path) -> None:
    """The window's connection ran 153 texts over every page, sort, filter and search, and a
    folder import on it 152 more (measured): the import's per-bundle statements, run after the
    cache had filled, were parsed again at every bundle. (With the driver's 100, a fresh
    connection's import, about 140 texts with its undo journal, already made the duplicates
    scan after it parse its 2,000-parameter lookups for every 500 people: 18e5c57.)"""
    db.open_database(tmp_path / "cache.db").close()  # made (its migrations), then opened
    conn = db.open_database(tmp_path / "cache.db")
    conn.execute("CREATE TEMP TABLE looked_up (k INTEGER, v TEXT)")
    reads: list[str] = []

    def authorizer(action: int, arg1: str | None, *_rest: object) -> int:
        if action == _READ and arg1 == "looked_up":
            reads.append(str(arg1))
        return 0  # SQLITE_OK

    conn.set_authorizer(authorizer)
    for i in range(305):  # the session's texts, most run more than once
        for _ in range(2):
            conn.execute(f"SELECT {i} + ?", (i,)).fetchall()
    loop = ["SELECT v FROM temp.looked_up WHERE k = ?",  # two statements of every bundle
            "SELECT count(*) FROM temp.looked_up WHERE k > ?"]
    first = 0
    for bundle in range(10):
        for sql in loop:
            conn.execute(sql, (bundle,)).fetchall()
        first = first or len(reads)  # the columns read, asked once a prepare
    conn.close()
    assert first and len(reads) == first, f"prepared {len(reads) / first:.1f} times"
