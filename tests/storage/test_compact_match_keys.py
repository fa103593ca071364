"""Smaller keys (migration 24, issue 12). The duplicates' match keys as integers: a 47-bit
hash of the key beside the person's _rowid; the CCCD looked up in person_citizen_id. A
database whose keys were filed as text keeps what it had found and still finds the twins of
its people. Sort keys without their trailing lowest weights (text.KEY_VERSION 2): rebuilt in
place, rosters in the same order."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from desktop.domain import text
from desktop.storage import backup, db, duplicates, migrations, search, site
from desktop.storage.writer import Store

COMMUNE = "03160"
OLD_KEYS = """
CREATE TABLE duplicate_key (key TEXT NOT NULL, person_id TEXT NOT NULL,
    PRIMARY KEY (key, person_id)) WITHOUT ROWID;
CREATE INDEX duplicate_key_person ON duplicate_key(person_id)
"""


def _sneak_cccd(conn, pid: str, number: str) -> None:
    """A second record with one CCCD arrives by sync (a local write refuses it): straight
    into the table, as an import's row write does."""
    conn.execute("UPDATE person SET citizen_id = ? WHERE id = ?", (number, pid))


def _whole_key(part: str) -> str:
    """A sort key as KEY_VERSION 1 made it: every level whole."""
    s = unicodedata.normalize("NFC", part)
    return "\x21".join(s.translate(t) for t in (text._PRIMARY_TABLE, text._SECONDARY_TABLE,
                                                  text._TERTIARY_TABLE))


def _v1_name_key(full_name: str) -> str:
    words = full_name.split()
    return " ".join(_whole_key(p) for p in (words[-1], " ".join(words[1:-1]),
                                            words[0] if len(words) > 1 else ""))


def _candidates(conn) -> set[frozenset[str]]:
    return {frozenset((c.a, c.b)) for c in duplicates.candidates(conn)}


def test_a_person_files_one_integer_key_and_the_cccd_stays_in_its_index(store, conn):
    pid = store.add("person", {"full_name": "Lò Văn Sáng", "birth_date": "05/03/1985",
                               "citizen_id": "011085000123"}).id
    duplicates.scan(conn)
    rowid = conn.execute("SELECT _rowid FROM person WHERE id = ?", (pid,)).fetchone()[0]
    rows = conn.execute("SELECT key, person FROM duplicate_key").fetchall()
    # One key since migration 30 (two before: the year's and the date's).
    assert [tuple(r) for r in rows] == [(duplicates._hashes("lo van sang", "1985-03-05")[0][0],
                                         rowid)]
    assert all(0 <= r[0] < 2**47 for r in rows)
    # The same CCCD under another name and birth date is found by the number alone.
    twin = store.add("person", {"full_name": "Lò Văn Sán"}).id
    _sneak_cccd(conn, twin, "011085000123")
    duplicates.scan(conn)
    assert _candidates(conn) == {frozenset((pid, twin))}


def test_a_deleted_person_is_no_longer_found_by_its_cccd(store, conn):
    pid = store.add("person", {"full_name": "Lò Văn Sáng", "citizen_id": "011085000123"}).id
    duplicates.scan(conn)
    store.delete("person", pid)
    duplicates.scan(conn)
    _sneak_cccd(conn, store.add("person", {"full_name": "Lò Văn Sán"}).id, "011085000123")
    duplicates.scan(conn)
    assert _candidates(conn) == set()


def test_migration_24_converts_the_text_keys_in_place_behind_a_backup(db_path: Path):
    conn = db.open_database(db_path)
    site.init_site(conn, name="Công an xã Mường Nhé", commune_code=COMMUNE)
    store = Store(conn, actor="tester")
    names = [("Lò Văn Sáng", "05/03/1985", "011085000123"), ("Quàng Thị Hoa", "1990", None),
             ("Cà Văn Pọm", "12/12/1970", None), ("Lò Văn Sang", None, None),
             ("Lò văn Sáng", None, None), ("Điêu Chính Ún", None, None), ("Ún", None, None)]
    people = [store.add("person", {"full_name": n, "birth_date": b, "citizen_id": c,
                                   "gender": "female" if "Thị" in n else "male"}).id
              for n, b, c in names]
    # The database as migration 23 left it: keys as text with the record id, none to scan.
    conn.execute("BEGIN")
    conn.execute("DROP TABLE duplicate_key")
    for stmt in OLD_KEYS.split(";"):
        conn.execute(stmt)
    for pid in people:
        row = conn.execute("SELECT * FROM person WHERE id = ?", (pid,)).fetchone()
        conn.executemany("INSERT INTO duplicate_key VALUES (?, ?)",
                         [(k, pid) for k in duplicates.match_keys(row)[0]])
    conn.execute("INSERT INTO duplicate_key VALUES ('d:gone|2000-01-01', 'not-a-person')")
    conn.execute("DELETE FROM duplicate_dirty")
    for pid in people:  # and sort keys as KEY_VERSION 1 made them
        conn.execute("UPDATE person SET name_key = ? WHERE id = ?", (_v1_name_key(
            conn.execute("SELECT full_name FROM person WHERE id = ?", (pid,)).fetchone()[0]), pid))
    roster = [r[0] for r in conn.execute("SELECT id FROM person ORDER BY name_key, _rowid")]
    # 30 too: it files the keys anew (one a person), as it would after 24 on such a file.
    conn.execute("DELETE FROM schema_migrations WHERE version IN (24, 30)")
    conn.execute("PRAGMA user_version = 23")
    conn.execute("COMMIT")
    conn.close()

    conn = db.open_database(db_path)  # migrates
    try:
        assert migrations.current_version(conn) == 30
        assert [b.reason for b in backup.list_backups(db_path)] == ["before-migration-v23"]
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rowid = dict(conn.execute("SELECT id, _rowid FROM person").fetchall())
        assert sorted(tuple(r) for r in conn.execute("SELECT key, person FROM duplicate_key")) \
            == sorted((k, rowid[pid])
                      for pid in people
                      for k in duplicates._hashed_keys(conn.execute(
                          "SELECT * FROM person WHERE id = ?", (pid,)).fetchone())[0])
        assert duplicates.pending(conn) == 0
        for name, key in conn.execute("SELECT full_name, name_key FROM person"):
            assert key == text.name_sort_key(name) and len(key) < len(_v1_name_key(name))
        assert [r[0] for r in conn.execute(
            "SELECT id FROM person ORDER BY name_key, _rowid")] == roster
        # The full-text index made again: leaves that fit an encrypted page, no row sizes.
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        assert "person_fts" in tables and "person_fts_docsize" not in tables
        assert conn.execute("SELECT v FROM person_fts_config WHERE k = 'pgsz'").fetchone()[0] \
            == migrations.FTS_LEAF_BYTES
        assert {h.id for h in search.search(conn, "lo van sang")} >= {people[0], people[3]}
        # The people filed before the migration are found by the twins written after it.
        store = Store(conn, actor="tester")
        twins = [store.add("person", {"full_name": "LÒ VĂN SÁNG", "birth_date": "05/03/1985"}).id,
                 store.add("person", {"full_name": "Quàng Thị Hoa", "birth_date": "1990",
                                      "gender": "female"}).id,
                 store.add("person", {"full_name": "Cà Văn Pôm"}).id]
        _sneak_cccd(conn, twins[2], "011085000123")
        duplicates.scan(conn)
        assert _candidates(conn) == {frozenset((people[0], twins[0])),
                                     frozenset((people[1], twins[1])),
                                     frozenset((people[0], twins[2]))}
    finally:
        conn.close()
