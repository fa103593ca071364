"""Free pages go back to the file system (issue 12, migration 30): a database has incremental
auto-vacuum from its first page (an older one from migration 30's VACUUM), and the duplicates
scan that empties its queue — after a bulk import, every person written — gives the queue's
pages back instead of leaving them free in the file (2.7 MB at 100,000 people)."""

from __future__ import annotations

from pathlib import Path

from dbkit import logical_dump

from desktop.storage import backup, db, duplicates, migrations, site
from desktop.storage.writer import Store

COMMUNE = "03160"


def _people(n: int, first: int = 0) -> list[dict[str, object]]:
    return [{"full_name": f"Lò Văn Người {i:05d}", "birth_date": f"0{1 + i % 9}/03/1985",
             "citizen_id": f"011085{i:06d}"} for i in range(first, first + n)]


def _rows(conn) -> list[str]:
    return [line for line in logical_dump(conn) if not line.startswith("schema_migrations:")]


def _free(conn) -> int:
    return int(conn.execute("PRAGMA freelist_count").fetchone()[0])


def test_a_new_database_gives_free_pages_back(conn):
    assert conn.execute("PRAGMA auto_vacuum").fetchone()[0] == 2  # incremental


def test_the_scan_gives_back_the_pages_of_the_queue_it_emptied(store, conn, monkeypatch):
    monkeypatch.setattr(db, "FREE_PAGES_KEPT", 8)
    store.add_many("person", _people(3000))
    assert duplicates.pending(conn) == 3000
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
    duplicates.scan(conn)
    assert duplicates.pending(conn) == 0
    assert _free(conn) <= 8
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    # Smaller than with the queue's pages left free (what the scan did before migration 30).
    assert int(conn.execute("PRAGMA page_count").fetchone()[0]) < pages + 4
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_the_pages_stay_when_few_or_when_a_transaction_is_open(store, conn, monkeypatch):
    store.add_many("person", _people(300))
    conn.execute("BEGIN")
    conn.execute("DELETE FROM duplicate_dirty")
    assert db.give_back_free_pages(conn, kept=0) == 0  # the caller's transaction: not now
    conn.execute("COMMIT")
    free = _free(conn)
    assert free > 0
    assert db.give_back_free_pages(conn, kept=free) == 0  # few: kept for the next writes
    assert _free(conn) == free
    assert db.give_back_free_pages(conn, kept=0) == free
    assert _free(conn) == 0


def test_migration_30_turns_it_on_in_place_behind_a_backup(db_path: Path, monkeypatch):
    conn = db.open_database(db_path)
    site.init_site(conn, name="Công an xã Mường Nhé", commune_code=COMMUNE)
    Store(conn, actor="tester").add_many("person", _people(500))
    # The database as migration 28 left it: no auto-vacuum, the queue's pages left free.
    conn.execute("PRAGMA auto_vacuum = NONE")
    conn.execute("VACUUM")
    conn.execute("DELETE FROM schema_migrations WHERE version = 30")
    conn.execute("PRAGMA user_version = 28")
    assert conn.execute("PRAGMA auto_vacuum").fetchone()[0] == 0
    monkeypatch.setattr(db, "FREE_PAGES_KEPT", 0)
    duplicates.scan(conn)
    left = _free(conn)
    assert left > 0  # an older file keeps them: nothing given back before the migration
    before = _rows(conn)
    conn.close()

    conn = db.open_database(db_path)  # migrates
    try:
        # Every migration ran; the version is 30's, the highest this open ran (those above
        # it had run: the file was set back to 28 by hand, as no program leaves one).
        assert not migrations.missing(conn) and migrations.current_version(conn) == 30
        assert [b.reason for b in backup.list_backups(db_path)] == ["before-migration-v28"]
        assert conn.execute("PRAGMA auto_vacuum").fetchone()[0] == 2
        assert _free(conn) == 0  # the VACUUM after it
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert _rows(conn) == before  # every row as it was
        Store(conn, actor="tester").add_many("person", _people(500, first=500))
        duplicates.scan(conn)
        assert _free(conn) == 0
    finally:
        conn.close()
