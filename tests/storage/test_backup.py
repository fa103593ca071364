"""Backups are consistent copies made with the backup API (kept by age: see
test_backup_schedule.py); a restore replaces the database safely and gives it a new sync
identity."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from desktop import cli
from desktop.domain.errors import UserError
from desktop.storage import backup, db, site
from desktop.storage.site import get_meta


def _people(path: Path) -> int:
    c = db.open_file(path, db.key_for(path))
    try:
        return c.execute("SELECT count(*) FROM person").fetchone()[0]
    finally:
        c.close()


def test_a_backup_of_a_live_wal_database_holds_uncheckpointed_writes(store, conn, db_path):
    store.add("person", {"full_name": "Lò Văn Ấn", "birth_date": "1985"})
    assert Path(str(db_path) + "-wal").stat().st_size > 0  # the write is still in the WAL
    made = backup.backup_now(conn, db_path, "manual")
    assert made.parent == db_path.with_name("test-backups")
    assert _people(made) == 1
    check = db.open_file(made, db.key_for(made))
    assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert check.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    check.close()
    (b,) = backup.list_backups(db_path)
    assert b.path == made and b.reason == "manual" and b.size > 0


def test_restore_brings_the_data_back_with_a_new_site_identity(store, conn, db_path,
                                                               commune_site):
    old_instance = get_meta(conn, "db_instance_id")
    site.set_meta(conn, "sync_certificate", "{}")
    saved = backup.backup_now(conn, db_path, "manual")
    store.add("person", {"full_name": "Người thêm sau khi sao lưu", "birth_date": "1990"})
    conn.close()
    result = backup.restore(saved, db_path)
    assert result.previous_site_id == commune_site.site_id
    assert result.site_id and result.site_id != commune_site.site_id
    assert _people(db_path) == 0
    assert _people(result.safety_copy) == 1  # what was replaced is kept
    c = db.open_database(db_path)
    try:
        assert site.load_site(c).site_id == result.site_id
        assert get_meta(c, "previous_site_id") == commune_site.site_id
        assert get_meta(c, "db_instance_id") != old_instance
        assert get_meta(c, "sync_certificate") is None
        assert get_meta(c, "previous_sync_certificate") == "{}"
        assert site.load_site(c).unit_code == commune_site.unit_code
    finally:
        c.close()


def test_restore_refuses_what_is_not_a_backup_and_changes_nothing(conn, db_path, tmp_path,
                                                                   commune_site, dump):
    before = dump(conn)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all")
    with pytest.raises(UserError, match="không phải bản sao lưu"):
        backup.restore(junk, db_path)
    other = tmp_path / "other.db"
    db.open_file(other, os.urandom(32)).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(UserError, match="không phải bản sao lưu"):
        backup.restore(other, db_path)
    with pytest.raises(UserError, match="Không có tệp sao lưu"):
        backup.restore(tmp_path / "missing.db", db_path)
    assert dump(conn) == before


def test_cli_backup_list_and_restore(conn, db_path, commune_site, capsys):
    conn.close()
    assert cli.main(["backup", "--db", str(db_path)]) == 0
    assert "Đã sao lưu vào" in capsys.readouterr().out
    assert cli.main(["backup", "--list", "--db", str(db_path), "--json"]) == 0
    (only,) = __import__("json").loads(capsys.readouterr().out)
    assert only["reason"] == "manual"
    assert cli.main(["restore", only["file"], "--db", str(db_path)]) == 0
    out = capsys.readouterr().out
    assert "Đã khôi phục" in out and "đăng ký lại với tỉnh" in out
    assert cli.main(["restore", str(db_path), "--db", str(db_path)]) == 2  # itself


def test_admin_password_is_an_argon2_hash(conn):
    s = site.init_site(conn, name="Công an tỉnh Điện Biên", province_code="11",
                       admin_password="mat-khau-1")
    assert s.site_kind == "province"
    stored = get_meta(conn, site.ADMIN_PASSWORD_KEY)
    assert stored.startswith("$argon2id$") and "mat-khau-1" not in stored
    assert site.check_admin_password(conn, "mat-khau-1")
    assert not site.check_admin_password(conn, "sai")


def test_a_too_short_password_sets_up_nothing(conn, dump):
    before = dump(conn)
    with pytest.raises(UserError, match="ít nhất 8"):
        site.init_site(conn, name="X", commune_code="03160", admin_password="ngan")
    assert site.load_site(conn) is None and dump(conn) == before


def test_units_to_choose_from(conn):
    provinces = dict(site.provinces(conn))
    assert len(provinces) == 34 and "11" in provinces
    communes = dict(site.communes_of(conn, "11"))
    assert len(communes) == 45 and "03160" in communes
