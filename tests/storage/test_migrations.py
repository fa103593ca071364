from __future__ import annotations

from pathlib import Path

import pytest
import sqlite_utils

from desktop.domain.errors import SchemaTooNewError, UserError
from desktop.domain.kinds import KINDS
from desktop.storage import backup as backup_module
from desktop.storage import db, dbapi, migrations, search
from desktop.storage.migrations import Migration


def _columns(conn: dbapi.Connection, table: str) -> set[str]:
    return {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}


def test_fresh_database_is_at_the_latest_version_with_reference_data(conn):
    assert migrations.current_version(conn) == migrations.latest_version()
    versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations")]
    assert versions == [m.version for m in migrations.MIGRATIONS]
    provinces = conn.execute("SELECT count(*) FROM unit WHERE level='province' "
                             "AND valid_to IS NULL").fetchone()[0]
    communes = conn.execute("SELECT count(*) FROM unit WHERE level='commune' "
                            "AND valid_to IS NULL").fetchone()[0]
    assert (provinces, communes) == (34, 3321)
    assert conn.execute("SELECT count(*) FROM catalogue_item WHERE catalogue='ethnicity'"
                        ).fetchone()[0] == 54
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_every_field_of_every_kind_has_its_column(conn):
    for kind in KINDS.values():
        cols = _columns(conn, kind.table)
        missing = {f.name for f in kind.fields} - cols
        assert not missing, (kind.name, missing)
        assert {"id", "_part", "_deleted", "_extras"} <= cols


def test_legacy_units_are_kept_apart_from_reused_codes(conn):
    rows = conn.execute("SELECT name, code_version, valid_to FROM unit WHERE code = '03334' "
                        "ORDER BY code_version").fetchall()
    # 03334 was Xã Thanh Xương before the reform and is Phường Mường Thanh after it.
    assert [tuple(r) for r in rows] == [
        ("Xã Thanh Xương", "GSO-2025-01-04", "2025-06-30"),
        ("Phường Mường Thanh", "GSO-2025-07-01", None),
    ]
    districts = conn.execute("SELECT count(*) FROM unit WHERE level='district'").fetchone()[0]
    old_communes = conn.execute("SELECT count(*) FROM unit WHERE level='commune' "
                                "AND code_version='GSO-2025-01-04'").fetchone()[0]
    assert (districts, old_communes) == (10, 129)


def test_database_from_a_newer_program_is_refused_and_left_alone(db_path: Path):
    c = db.open_file(db_path, db.key_for(db_path))
    c.execute(f"PRAGMA user_version = {migrations.latest_version() + 1}")
    c.close()
    before = db_path.read_bytes()
    with pytest.raises(SchemaTooNewError, match="cập nhật"):
        db.open_database(db_path)
    assert db_path.read_bytes() == before


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path):
    bogus = tmp_path / "notes.db"
    bogus.write_text("hello, not a database")
    with pytest.raises(UserError, match="không phải cơ sở dữ liệu"):
        db.open_database(bogus)


def test_upgrade_from_an_older_version_backs_up_and_seeds(tmp_path: Path):
    path = tmp_path / "old.db"
    conn = db.open_database(path, migrate=False)
    migrations.apply(conn, stop_before=2)
    assert migrations.current_version(conn) == 1
    assert conn.execute("SELECT count(*) FROM unit").fetchone()[0] == 0
    conn.close()
    conn = db.open_database(path)
    assert migrations.current_version(conn) == migrations.latest_version()
    assert conn.execute("SELECT count(*) FROM unit").fetchone()[0] > 3000
    (made,) = backup_module.list_backups(path)
    assert made.reason == "before-migration-v1" and made.path.parent == tmp_path / "old-backups"
    backup = db.open_file(made.path, db.key_for(made.path))
    assert backup.execute("PRAGMA user_version").fetchone()[0] == 1
    backup.close()
    conn.close()


def test_a_failing_migration_leaves_the_previous_version(conn, monkeypatch):
    def boom(c: dbapi.Connection) -> None:
        c.execute("CREATE TABLE half_done (x)")
        raise RuntimeError("disk on fire")

    version = migrations.latest_version()
    monkeypatch.setattr(migrations, "MIGRATIONS",
                        [*migrations.MIGRATIONS, Migration(version + 1, "boom", boom)])
    with pytest.raises(RuntimeError):
        migrations.apply(conn)
    assert migrations.current_version(conn) == version
    assert "half_done" not in {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}


def test_search_survives_a_migration_that_rebuilds_a_table(store, conn, monkeypatch):
    """sqlite-utils transform() drops the FTS triggers; the migration runner restores them."""
    before = store.add("person", {"full_name": "Nguyễn Văn Đức"}).id

    def rebuild_person(c: dbapi.Connection) -> None:
        sqlite_utils.Database(c)["person"].transform(types={"education": str})

    version = migrations.latest_version()
    monkeypatch.setattr(migrations, "MIGRATIONS",
                        [*migrations.MIGRATIONS, Migration(version + 1, "rebuild", rebuild_person)])
    migrations.apply(conn)
    after = store.add("person", {"full_name": "Lò Văn Đức"}).id
    found = {h.id for h in search.search(conn, "van duc")}
    assert {before, after} <= found


def test_unit_names_read_as_officially_written(conn):
    names = {r[0] for r in conn.execute("SELECT name FROM unit WHERE level = 'province' "
                                        "AND valid_to IS NULL")}
    assert {"Thành phố Hà Nội", "Tỉnh Điện Biên", "Thành phố Huế"} <= names
    assert not [n for n in names if n.count("Thành phố") > 1 or n.count("Tỉnh") > 1]


def test_v6_rewrites_search_text_with_punctuation_as_plain_words(tmp_path):
    """A database of version 5 stored folded text with its punctuation ("0912.345.678"); after
    v6 the stored text is plain words and the index still finds every word."""
    path = tmp_path / "v5.db"
    conn = db.open_database(path, migrate=False)
    migrations.apply(conn, stop_before=6)
    conn.execute("BEGIN")
    conn.execute("INSERT INTO person(id, _part, full_name, phone, _search) VALUES "
                 "('p1', 'x', 'Hờ A Dính', '0912.345.678', 'ho a dinh 0912.345.678')")
    conn.execute("INSERT INTO person(id, _part, full_name, _search) VALUES "
                 "('p2', 'x', 'Lò Văn Đức', 'lo van duc')")
    conn.execute("COMMIT")
    assert migrations.apply(conn, stop_before=7) == [6]
    rows = dict(conn.execute("SELECT id, _search FROM person WHERE id IN ('p1', 'p2')"))
    assert rows == {"p1": "ho a dinh 0912 345 678", "p2": "lo van duc"}
    found = [r[0] for r in conn.execute(
        "SELECT p.id FROM person_fts JOIN person p ON p._rowid = person_fts.rowid "
        "WHERE person_fts MATCH '\"345\"*'")]
    assert found == ["p1"]
    conn.close()


def test_the_version_an_up_to_date_open_trusts_is_the_last_migration():
    assert migrations.latest_version() == db.SCHEMA_VERSION
