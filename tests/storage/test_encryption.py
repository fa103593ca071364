"""Encryption at rest (issue 11): the database, its backups and the key file reveal nothing;
accounts unlock it; wrong passwords slow down; a plain database of an earlier version is
encrypted at its first login and leaves no plain copy behind."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from dbkit import TEST_PASSWORD, TEST_USER, copy_database

from desktop import cli
from desktop.domain.errors import UserError
from desktop.storage import accounts, backup, db, keyfile, site
from desktop.storage.writer import Store

CCCD = "011085000123"
NAME = "Lò Văn Ấn"


@pytest.fixture
def filled(master_db: Path, tmp_path: Path) -> Path:
    path = tmp_path / "data" / "antq.db"
    path.parent.mkdir()
    copy_database(master_db, path)
    conn = db.open_database(path)
    site.init_site(conn, name="Công an xã Mường Nhé", commune_code="03160")
    Store(conn, actor="t").add("person", {"full_name": NAME, "citizen_id": CCCD,
                                          "birth_date": "05/03/1985", "gender": "nam"})
    backup.backup_now(conn, path, "manual")
    conn.close()
    return path


def forget_all_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "_KEYS", {})


def test_no_file_in_the_data_folder_reveals_a_name_or_a_cccd(filled):
    files = [p for p in filled.parent.rglob("*") if p.is_file()]
    assert any(p.parent.name.endswith("-backups") for p in files)
    for p in files:
        data = p.read_bytes()
        for secret in (CCCD.encode(), NAME.encode(), "Mường Nhé".encode()):
            assert secret not in data, (p.name, secret)


@pytest.mark.parametrize("which", ["database", "backup"])
def test_sqlite_says_it_is_not_a_database(filled, which):
    path = filled if which == "database" else backup.list_backups(filled)[0].path
    with pytest.raises(sqlite3.DatabaseError, match="not a database"):
        sqlite3.connect(path).execute("SELECT name FROM sqlite_master").fetchall()


def test_fts5_wal_and_the_backup_api_work_encrypted(filled):
    conn, account, _ = accounts.login(filled, TEST_USER, TEST_PASSWORD)
    try:
        assert account.role == "chief"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA cipher_version").fetchone()[0]
        from desktop.storage import search

        assert [h.title for h in search.search(conn, "lo van an")] == [NAME]
        made = backup.backup_now(conn, filled, "manual")
        check = db.open_file(made, db.known_key(filled), readonly=True)
        assert check.execute("SELECT full_name FROM person").fetchone()[0] == NAME
        check.close()
    finally:
        conn.close()


def test_a_locked_database_cannot_be_opened_without_logging_in(filled, monkeypatch):
    forget_all_keys(monkeypatch)
    with pytest.raises(db.LockedError, match="đăng nhập"):
        db.open_database(filled)


def test_a_wrong_password_is_one_line_and_opens_nothing(filled, monkeypatch, capsys):
    forget_all_keys(monkeypatch)
    monkeypatch.setenv(accounts.PASSWORD_ENV, "not the password")
    assert cli.main(["search", "lo", "--db", str(filled)]) == 2
    err = capsys.readouterr().err
    assert err.strip().count("\n") == 0 and "Sai tài khoản hoặc mật khẩu" in err
    assert db.known_key(filled) is None


def test_failures_slow_down_and_the_count_lives_in_the_key_file(filled, monkeypatch):
    forget_all_keys(monkeypatch)
    t = 1_000_000.0
    for _ in range(keyfile.FREE_FAILURES):
        with pytest.raises(UserError, match="Sai"):
            keyfile.unlock(filled, TEST_USER, "wrong", now=t)
    # The count survives a restart: it is in the file, not in memory.
    assert json.loads(keyfile.keyfile_path(filled).read_text())["failures"]["count"] == 3
    with pytest.raises(UserError, match="đợi"):  # even the right password must wait
        keyfile.unlock(filled, TEST_USER, TEST_PASSWORD, now=t + 1)
    wait = keyfile.delay_after(3)
    assert keyfile.unlock(filled, TEST_USER, TEST_PASSWORD, now=t + wait + 1)
    assert json.loads(keyfile.keyfile_path(filled).read_text())["failures"]["count"] == 0
    assert keyfile.delay_after(4) > keyfile.delay_after(3)


def test_a_clock_set_back_does_not_end_the_wait(filled):
    t = 2_000_000.0
    for _ in range(keyfile.FREE_FAILURES):
        with pytest.raises(UserError):
            keyfile.unlock(filled, TEST_USER, "wrong", now=t)
    with pytest.raises(UserError, match="đợi"):
        keyfile.unlock(filled, TEST_USER, TEST_PASSWORD, now=t - 10_000)


def test_changing_a_password_rewraps_without_reencrypting(filled, monkeypatch):
    conn, _a, _ = accounts.login(filled, TEST_USER, TEST_PASSWORD)
    salt = filled.read_bytes()[:16]  # SQLCipher's per-file salt: a re-encryption changes it
    key = db.known_key(filled)
    accounts.change_password(conn, TEST_USER, "mật khẩu mới dài")
    conn.close()
    assert filled.read_bytes()[:16] == salt
    forget_all_keys(monkeypatch)
    with pytest.raises(UserError):
        keyfile.unlock(filled, TEST_USER, TEST_PASSWORD)
    assert keyfile.unlock(filled, TEST_USER, "mật khẩu mới dài") == key


def test_the_key_file_is_private_and_holds_no_key_in_clear(filled):
    path = keyfile.keyfile_path(filled)
    assert path.stat().st_mode & 0o777 == 0o600
    assert db.known_key(filled).hex() not in path.read_text()


def make_plain_database(master_db: Path, path: Path, password: str | None) -> None:
    """A database as an earlier version left it: plain SQLite, an administrator password,
    a plain backup beside it."""
    src = db.open_file(master_db, db.known_key(master_db))
    plain = sqlite3.connect(path)
    src.execute(f"ATTACH DATABASE '{path}' AS plain KEY ''")
    src.execute("SELECT sqlcipher_export('plain')")
    version = src.execute("PRAGMA user_version").fetchone()[0]
    src.execute(f"PRAGMA plain.user_version = {version}")
    src.execute("DETACH DATABASE plain")
    src.close()
    plain.execute("DELETE FROM account")
    plain.execute("INSERT INTO site_meta VALUES ('site_id', 'x')")
    if password is not None:
        from argon2 import PasswordHasher

        plain.execute("INSERT INTO site_meta VALUES ('admin_password_hash', ?)",
                      (PasswordHasher().hash(password),))
    plain.execute("CREATE TABLE IF NOT EXISTS note (x)")
    plain.execute("INSERT INTO note VALUES (?)", (CCCD,))
    plain.commit()
    plain.close()
    folder = backup.backups_dir(path)
    folder.mkdir()
    (folder / f"{path.stem}-20260101-080000-000000-start.db").write_bytes(path.read_bytes())


def test_a_plain_database_is_encrypted_at_its_first_login(master_db, tmp_path, monkeypatch):
    path = tmp_path / "old.db"
    make_plain_database(master_db, path, "mật khẩu cũ dài")
    assert path.read_bytes().startswith(b"SQLite format 3")
    forget_all_keys(monkeypatch)
    with pytest.raises(UserError, match="Sai mật khẩu quản trị"):
        accounts.login(path, "admin", "sai mật khẩu")
    assert path.read_bytes().startswith(b"SQLite format 3")  # nothing changed
    conn, account, notes = accounts.login(path, "admin", "mật khẩu cũ dài")
    try:
        assert account.role == "chief"
        assert conn.execute("SELECT x FROM note").fetchone()[0] == CCCD
        assert "mã hóa" in notes[0] and "đã xóa 1 bản sao lưu chưa mã hóa" in notes[1]
    finally:
        conn.close()
    for p in tmp_path.rglob("*"):
        if p.is_file():
            assert not p.read_bytes().startswith(b"SQLite format 3"), p
            assert CCCD.encode() not in p.read_bytes(), p
    assert [b.reason for b in backup.list_backups(path)] == ["after-encryption"]
    forget_all_keys(monkeypatch)
    again, _a, notes = accounts.login(path, "admin", "mật khẩu cũ dài")
    again.close()
    assert notes == []


@pytest.mark.parametrize("param,value", [("m", 1 << 22), ("t", 10_000), ("p", 0), ("m", "x")])
def test_a_key_file_asking_for_absurd_key_derivation_is_refused(filled, param, value):
    """A key file from a stick could ask argon2 for gigabytes or hours: refused at once."""
    obj = json.loads(keyfile.keyfile_path(filled).read_text())
    obj["accounts"][TEST_USER]["params"][param] = value
    keyfile.write(filled, obj)
    with pytest.raises(UserError, match="Tệp khóa bị hỏng"):
        keyfile.unlock(filled, TEST_USER, TEST_PASSWORD)
