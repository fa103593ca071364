"""The page HMAC is HMAC-SHA256 (issue 11, cipher_upgrade.CIPHER_SETTINGS): new databases,
their backups and a plain database encrypted at its first login are written so; a database of
the earlier settings (SQLCipher 4's defaults, HMAC-SHA512) still opens, is rewritten once in
place behind a backup with the same key and the same data, and stays unreadable to plain
SQLite."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from dbkit import TEST_PASSWORD, TEST_USER, copy_database, logical_dump

from desktop.domain.errors import UserError
from desktop.storage import accounts, backup, cipher_upgrade, db, dbapi, keyfile, site
from desktop.storage.writer import Store

NAME, CCCD = "Lò Thị Hoa", "011185000777"


def reads_with(path: Path, key: bytes, *, legacy: bool) -> bool:
    """Whether the file opens under ``key`` in the current settings (or the earlier ones)."""
    conn = dbapi.connect(str(path))
    try:
        db.set_key(conn, key, legacy=legacy)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return True
    except dbapi.DatabaseError:
        return False
    finally:
        conn.close()


def plain_sqlite_refuses(path: Path) -> bool:
    try:
        sqlite3.connect(path).execute("SELECT name FROM sqlite_master").fetchall()
    except sqlite3.DatabaseError as e:
        return "not a database" in str(e)
    return False


def write_legacy(source: Path, key: bytes, target: Path) -> None:
    """``source`` exported under the same key in SQLCipher 4's default settings, as this
    program wrote every database before CIPHER_SETTINGS."""
    src = db.open_file(source, key)
    try:
        version = src.execute("PRAGMA user_version").fetchone()[0]
        src.execute(f"ATTACH DATABASE ? AS old KEY \"x'{key.hex()}'\"", (str(target),))
        src.execute("SELECT sqlcipher_export('old')")
        src.execute(f"PRAGMA old.user_version = {int(version)}")
        src.execute("DETACH DATABASE old")
    finally:
        src.close()


@pytest.fixture
def filled(master_db: Path, tmp_path: Path) -> Path:
    path = tmp_path / "data" / "antq.db"
    path.parent.mkdir()
    copy_database(master_db, path)
    conn = db.open_database(path)
    site.init_site(conn, name="Công an xã Mường Nhé", commune_code="03160")
    Store(conn, actor="t").add("person", {"full_name": NAME, "citizen_id": CCCD,
                                          "birth_date": "05/03/1985", "gender": "nữ"})
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path


@pytest.fixture
def legacy(filled: Path, tmp_path: Path) -> Path:
    """``filled`` as the earlier program left it: same key, same key file, old settings."""
    path = tmp_path / "old" / "antq.db"
    path.parent.mkdir()
    write_legacy(filled, db.known_key(filled), path)
    Path(keyfile.keyfile_path(path)).write_bytes(keyfile.keyfile_path(filled).read_bytes())
    db.remember_key(path, db.known_key(filled))
    assert reads_with(path, db.known_key(path), legacy=True)
    assert not reads_with(path, db.known_key(path), legacy=False)
    return path


def dump(path: Path) -> list[str]:
    conn = db.open_file(path, db.known_key(path), readonly=True)
    try:
        return logical_dump(conn)
    finally:
        conn.close()


def test_a_new_database_and_its_backups_are_written_in_the_current_settings(filled):
    key = db.known_key(filled)
    assert reads_with(filled, key, legacy=False)
    assert not reads_with(filled, key, legacy=True)  # HMAC-SHA512 pages would read so
    conn = db.open_database(filled)
    try:
        assert conn.execute("PRAGMA cipher_hmac_algorithm").fetchone()[0] == "HMAC_SHA256"
        made = backup.backup_now(conn, filled, "manual")
    finally:
        conn.close()
    assert reads_with(made, key, legacy=False) and not reads_with(made, key, legacy=True)
    assert plain_sqlite_refuses(filled) and plain_sqlite_refuses(made)


def test_an_old_settings_database_opens_and_is_rewritten_with_the_same_data(legacy,
                                                                            monkeypatch):
    key = db.known_key(legacy)
    before = dump(legacy)  # read in the old settings
    keys_before = keyfile.keyfile_path(legacy).read_bytes()
    monkeypatch.setattr(db, "_KEYS", {})  # a fresh start: the officer logs in
    conn, account, _notes = accounts.login(legacy, TEST_USER, TEST_PASSWORD)
    try:
        assert account.name == TEST_USER
        assert not conn.cipher_legacy
        assert conn.execute("SELECT full_name FROM person WHERE citizen_id = ?",
                            (CCCD,)).fetchone()[0] == NAME
    finally:
        conn.close()
    assert db.known_key(legacy) == key  # the same key, the same key file
    assert keyfile.keyfile_path(legacy).read_bytes() == keys_before
    assert reads_with(legacy, key, legacy=False) and not reads_with(legacy, key, legacy=True)
    assert plain_sqlite_refuses(legacy)
    assert NAME.encode() not in legacy.read_bytes() and CCCD.encode() not in legacy.read_bytes()
    after = dump(legacy)
    assert [x for x in after if not x.startswith("audit_log:")] == \
        [x for x in before if not x.startswith("audit_log:")]
    # Behind the usual backup: the file as it was, which still opens (either settings).
    old = [b for b in backup.list_backups(legacy) if b.reason == cipher_upgrade.REASON]
    assert len(old) == 1 and plain_sqlite_refuses(old[0].path)
    assert not any(p.name.endswith(".rewriting") for p in legacy.parent.iterdir())
    conn = db.open_database(legacy)  # once: the next open rewrites nothing
    conn.close()
    assert [b.reason for b in backup.list_backups(legacy)].count(cipher_upgrade.REASON) == 1


@pytest.mark.parametrize("reading", [True, False])
def test_an_old_settings_database_in_use_elsewhere_is_left_as_it_is(legacy, reading):
    """Another connection open to it, reading (a backup's snapshot, say) or idle: an idle one
    of this process would go on writing the old settings into the new file's -wal."""
    key = db.known_key(legacy)
    other = db.connect(legacy)
    try:
        if reading:
            other.execute("BEGIN")
        other.execute("SELECT count(*) FROM person").fetchone()
        conn = db.open_database(legacy)
        try:
            assert conn.cipher_legacy  # works in its old settings meanwhile
            Store(conn, actor="t").add("person", {"full_name": "Vàng A Sình"})
        finally:
            conn.close()
        if reading:
            other.execute("ROLLBACK")
        assert other.execute("SELECT count(*) FROM person WHERE full_name = ?",
                             ("Vàng A Sình",)).fetchone()[0] == 1
        Store(other, actor="t").add("person", {"full_name": "Giàng Thị Dua"})
    finally:
        other.close()
    assert reads_with(legacy, key, legacy=True)
    conn = db.open_database(legacy)  # alone now: rewritten, with what both wrote
    try:
        assert not conn.cipher_legacy
        assert conn.execute("SELECT count(*) FROM person WHERE full_name IN (?, ?)",
                            ("Vàng A Sình", "Giàng Thị Dua")).fetchone()[0] == 2
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    assert reads_with(legacy, key, legacy=False) and not reads_with(legacy, key, legacy=True)


def test_a_backup_of_the_old_settings_restores(filled, tmp_path):
    key = db.known_key(filled)
    folder = backup.backups_dir(filled)
    folder.mkdir(exist_ok=True)
    old = folder / f"{filled.stem}-20261101-080000-000000-manual.db"
    write_legacy(filled, key, old)
    assert reads_with(old, key, legacy=True)
    conn = db.open_database(filled)
    try:
        Store(conn, actor="t").add("person", {"full_name": "Sau bản sao lưu"})
    finally:
        conn.close()
    backup.restore(old, filled)
    conn = db.open_database(filled)
    try:
        assert not conn.cipher_legacy
        names = {r[0] for r in conn.execute("SELECT full_name FROM person")}
        assert NAME in names and "Sau bản sao lưu" not in names
    finally:
        conn.close()
    assert reads_with(filled, key, legacy=False) and plain_sqlite_refuses(filled)


def test_a_failed_check_leaves_the_old_file_in_place(legacy, monkeypatch):
    key = db.known_key(legacy)
    before = dump(legacy)
    with monkeypatch.context() as m:
        m.setattr(cipher_upgrade, "_shape", lambda conn: object())  # never equal
        with pytest.raises(UserError, match="không khớp"):
            db.open_database(legacy)
    assert reads_with(legacy, key, legacy=True) and dump(legacy) == before
    assert not cipher_upgrade.staging_path(legacy).exists()
    conn = db.open_database(legacy)  # the next open tries again
    conn.close()
    assert reads_with(legacy, key, legacy=False) and dump(legacy) == before


def test_a_plain_database_is_encrypted_in_the_current_settings(master_db, tmp_path,
                                                               monkeypatch):
    path = tmp_path / "plain.db"
    src = db.open_file(master_db, db.known_key(master_db))
    src.execute(f"ATTACH DATABASE '{path}' AS plain KEY ''")
    src.execute("SELECT sqlcipher_export('plain')")
    src.execute(f"PRAGMA plain.user_version = {src.execute('PRAGMA user_version').fetchone()[0]}")
    src.execute("DETACH DATABASE plain")
    src.close()
    monkeypatch.setattr(db, "_KEYS", {})
    conn, _account, _notes = accounts.login(path, TEST_USER, TEST_PASSWORD)
    conn.close()
    key = db.known_key(path)
    assert reads_with(path, key, legacy=False) and not reads_with(path, key, legacy=True)
    assert not any(b.reason == cipher_upgrade.REASON for b in backup.list_backups(path))


def test_a_disk_full_under_the_rewrite_leaves_the_old_file_working(legacy, monkeypatch):
    """The copy needs as much room again as the database: without it the officer still opens
    the database, in its old settings, unchanged; a later open with room rewrites it."""
    key = db.known_key(legacy)

    def full(*_args, **_kwargs):
        raise dbapi.OperationalError("database or disk is full")

    with monkeypatch.context() as m:
        m.setattr(cipher_upgrade, "export", full)
        conn = db.open_database(legacy)
        try:
            assert conn.cipher_legacy
            Store(conn, actor="t").add("person", {"full_name": "Thào A Chứ"})
        finally:
            conn.close()
    assert not cipher_upgrade.staging_path(legacy).exists()
    assert reads_with(legacy, key, legacy=True)
    conn = db.open_database(legacy)  # room again: rewritten, with what was written meanwhile
    try:
        assert not conn.cipher_legacy
        names = {r[0] for r in conn.execute("SELECT full_name FROM person")}
        assert {NAME, "Thào A Chứ"} <= names
    finally:
        conn.close()
    assert reads_with(legacy, key, legacy=False)
