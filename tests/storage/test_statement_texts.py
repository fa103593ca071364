"""A connection's statement texts do not grow with the data (issue 12): the driver's cache,
once full, keeps no statement first run after (18e5c57), so a long-lived connection (the
window's, an import's of a whole stick) that ran a new IN list or VALUES table for every
length of a chunk filled its cache, and then parsed its loops' statements every time round.
The lists are padded with NULLs to a few lengths (``dbapi.padded``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from desktop.storage import dbapi, duplicates
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
