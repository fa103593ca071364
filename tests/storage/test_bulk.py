"""bulk.insert_many (issue 12): many new rows with their simple AFTER INSERT triggers run once
as set-based statements give the same database as the triggers firing per row, and the
triggers are there again afterwards — after a failure and after a rollback too."""

from __future__ import annotations

import re

import pytest

from desktop.storage import bulk, dbapi, duplicates, migrations
from desktop.storage.writer import Store

_FTS_SHADOW = re.compile(r"^person_fts_(data|idx|docsize|config)")


def _triggers(conn: dbapi.Connection) -> list[tuple[str, str]]:
    return sorted((r[0], r[1]) for r in conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' UNION ALL "
        "SELECT name, sql FROM sqlite_temp_master WHERE type = 'trigger'"))


def _people(conn: dbapi.Connection, n: int, start: int = 0) -> tuple[list[str], list[tuple]]:
    first = int(conn.execute("SELECT coalesce(max(_rowid), 0) + 1 FROM person").fetchone()[0])
    cols = ["_rowid", "id", "_part", "full_name", "birth_date", "citizen_id", "_search"]
    rows = [(first + i, f"01a24d0f-0000-7000-8000-{start + i:012d}", "03160",
             f"Lò Văn Sáng {start + i}", "1990-01-02", f"0110900{start + i:05d}",
             f"lo van sang {start + i}") for i in range(n)]
    return cols, rows


def _found(conn: dbapi.Connection, word: str) -> int:
    return int(conn.execute("SELECT count(*) FROM person_fts WHERE person_fts MATCH ?",
                            (word,)).fetchone()[0])


def _state(conn: dbapi.Connection) -> dict[str, object]:
    conn.execute("INSERT INTO person_fts(person_fts, rank) VALUES ('integrity-check', 1)")
    return {"dirty": sorted(r[0] for r in conn.execute("SELECT person_id FROM duplicate_dirty")),
            "written": sorted(r[0] for r in conn.execute(
                "SELECT person_id FROM temp.duplicate_written")),
            "sang": _found(conn, "sang"), "ids": _found(conn, "lo"),
            "triggers": _triggers(conn)}


@pytest.mark.parametrize("sql, expected", [
    ("CREATE TRIGGER person_fts_ai AFTER INSERT ON person BEGIN INSERT INTO person_fts"
     "(rowid, _search) VALUES (new._rowid, new._search); END",
     "INSERT INTO person_fts(rowid, _search) SELECT _rowid, _search FROM main.person WHERE "
     "_rowid > ? ORDER BY _rowid"),
    (duplicates.TRIGGERS[0],
     "INSERT OR IGNORE INTO duplicate_dirty(person_id) SELECT id FROM main.person WHERE "
     "_rowid > ? "
     "ORDER BY _rowid"),
    ("CREATE TRIGGER duplicate_watch_ai AFTER INSERT ON main.person BEGIN INSERT OR IGNORE "
     "INTO temp.duplicate_written VALUES (new.id); END",
     "INSERT OR IGNORE INTO temp.duplicate_written SELECT id FROM main.person WHERE "
     "_rowid > ? ORDER BY _rowid"),
])
def test_simple_triggers_become_one_statement(sql, expected):
    assert bulk.set_based(sql, "person") == expected


@pytest.mark.parametrize("sql", [
    # two statements, a condition, a computed value, a subquery, an update, into itself
    "CREATE TRIGGER t AFTER INSERT ON person BEGIN INSERT INTO a VALUES (new.id); "
    "INSERT INTO b VALUES (new.id); END",
    "CREATE TRIGGER t AFTER INSERT ON person WHEN new.id > 0 BEGIN INSERT INTO a "
    "VALUES (new.id); END",
    "CREATE TRIGGER t AFTER INSERT ON person BEGIN INSERT INTO a VALUES (upper(new.id)); END",
    "CREATE TRIGGER t AFTER INSERT ON person BEGIN INSERT INTO a VALUES "
    "((SELECT max(x) FROM b)); END",
    "CREATE TRIGGER t AFTER INSERT ON person BEGIN UPDATE a SET x = new.id; END",
    "CREATE TRIGGER t AFTER INSERT ON person BEGIN INSERT INTO person (id) VALUES "
    "(new.id); END",
    "CREATE TRIGGER t BEFORE INSERT ON person BEGIN INSERT INTO a VALUES (new.id); END",
    "CREATE TRIGGER t AFTER UPDATE ON person BEGIN INSERT INTO a VALUES (new.id); END",
    "CREATE TRIGGER t AFTER INSERT ON organization BEGIN INSERT INTO a VALUES (new.id); END",
])
def test_other_triggers_are_left_to_fire(sql):
    assert bulk.set_based(sql, "person") is None


def test_the_same_database_as_triggers_firing_per_row(conn, store: Store, monkeypatch):
    """The same rows inserted both ways into two copies (savepoint, rollback): the search
    index, the duplicates queue and an import's note of its people are the same."""
    cols, rows = _people(conn, 250)
    got = {}
    for way, least in (("per row", 10**9), ("bulk", 1)):
        monkeypatch.setattr(bulk, "MIN_ROWS", least)
        with duplicates.watching(conn):
            conn.execute("BEGIN IMMEDIATE")
            before = _triggers(conn)
            bulk.insert_many(conn, "person", cols, rows)
            got[way] = _state(conn)
            assert _triggers(conn) == before
            conn.execute("ROLLBACK")
    assert got["bulk"] == got["per row"]
    assert got["bulk"]["sang"] == 250 and len(got["bulk"]["dirty"]) >= 250
    assert len(got["bulk"]["written"]) == 250


def test_triggers_fire_again_after_a_bulk_insert_and_after_a_rollback(conn, store: Store,
                                                                       monkeypatch):
    monkeypatch.setattr(bulk, "MIN_ROWS", 1)
    before = _triggers(conn)
    cols, rows = _people(conn, 5)
    conn.execute("BEGIN IMMEDIATE")
    bulk.insert_many(conn, "person", cols, rows)
    conn.execute("ROLLBACK")
    assert _triggers(conn) == before
    conn.execute("BEGIN IMMEDIATE")
    bulk.insert_many(conn, "person", cols, rows)
    conn.execute("COMMIT")
    assert _triggers(conn) == before
    one = store.add("person", {"full_name": "Quàng Thị Xôm", "citizen_id": "011190012345"})
    assert _found(conn, "xom") == 1 and _found(conn, "sang") == 5
    dirty = {r[0] for r in conn.execute("SELECT person_id FROM duplicate_dirty")}
    assert one.id in dirty and {r[1] for r in rows} <= dirty


def test_a_failed_insert_leaves_the_triggers_in_place(conn, monkeypatch):
    monkeypatch.setattr(bulk, "MIN_ROWS", 1)
    before = _triggers(conn)
    cols, rows = _people(conn, 3)
    rows.append((rows[-1][0] + 1, rows[0][1], *rows[0][2:]))  # the same id twice
    conn.execute("BEGIN IMMEDIATE")
    with pytest.raises(dbapi.IntegrityError):
        bulk.insert_many(conn, "person", cols, rows)
    assert conn.in_transaction and _triggers(conn) == before
    assert _found(conn, "sang") == 0  # the failed statement wrote nothing, nor its triggers
    conn.execute("ROLLBACK")


def test_rows_below_the_tables_rowids_fire_their_triggers_per_row(conn, store: Store,
                                                                  monkeypatch):
    """A row taking a free rowid below the table's highest would not be in the set-based
    statements' range: the plain executemany is used, and every row is indexed."""
    monkeypatch.setattr(bulk, "MIN_ROWS", 1)
    gone = store.add("person", {"full_name": "Giàng A Páo"})
    store.add("person", {"full_name": "Giàng A Dính"})
    free = int(conn.execute("SELECT _rowid FROM person WHERE id = ?", (gone.id,)).fetchone()[0])
    conn.execute("DELETE FROM person WHERE id = ?", (gone.id,))
    cols, rows = _people(conn, 3)
    rows[0] = (free, *rows[0][1:])
    conn.execute("BEGIN IMMEDIATE")
    bulk.insert_many(conn, "person", cols, rows)
    conn.execute("COMMIT")
    assert _found(conn, "sang") == 3
    dirty = {r[0] for r in conn.execute("SELECT person_id FROM duplicate_dirty")}
    assert {r[1] for r in rows} <= dirty


def test_outside_a_transaction_is_refused(conn):
    cols, rows = _people(conn, 1)
    with pytest.raises(RuntimeError):
        bulk.insert_many(conn, "person", cols, rows)


def test_the_search_triggers_are_of_the_simple_form(conn):
    """If a migration changes the search index's insert trigger, it should stay simple (or
    this benchmark-relevant shortcut silently stops applying)."""
    for kind in migrations.search_kinds():
        sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?",
                           (f"{kind.table}_fts_ai",)).fetchone()[0]
        assert bulk.set_based(sql, kind.table) is not None, kind.table
