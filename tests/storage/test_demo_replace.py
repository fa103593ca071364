"""``antq demo --replace`` deletes only a demo database (issue 10, finding 7): a real site's
database (keys, enrolment, records) given by a mistyped ``--db`` is refused in one line and
left as it was; a demo database is still replaced."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from dbkit import copy_database

from desktop import cli
from desktop.domain.errors import UserError
from desktop.storage import db, demo, keyfile, site
from desktop.storage.writer import Store


def files_of(path: Path) -> dict[str, str]:
    """The database and its key file (SQLite's own -wal/-shm may come and go)."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in (path, keyfile.keyfile_path(path)) if p.is_file()}


def make_demo(path: Path) -> None:
    demo.create_demo_database(path, communes=1, people_per_village=1)


def test_a_real_site_is_not_replaced(master_db, tmp_path, capsys):
    real = tmp_path / "real.db"
    copy_database(master_db, real)
    conn = db.open_database(real)
    site.init_site(conn, name="Công an xã Mường Nhé", commune_code="03160")
    pid = Store(conn, actor="tester").add("person", {"full_name": "Lò Văn Ấn"}).id
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    before = files_of(real)
    assert cli.main(["demo", "--replace", "--db", str(real), "--communes", "1"]) == 2
    err = capsys.readouterr().err
    assert "không phải cơ sở dữ liệu mẫu" in err and len(err.strip().splitlines()) == 1
    assert files_of(real) == before and len(before) == 2  # byte for byte
    conn = db.open_database(real)
    try:
        assert conn.execute("SELECT full_name FROM person WHERE id = ?",
                            (pid,)).fetchone()[0] == "Lò Văn Ấn"
    finally:
        conn.close()


def test_a_database_that_cannot_be_opened_as_a_demo_is_not_deleted(master_db, tmp_path,
                                                                  monkeypatch):
    real = tmp_path / "real.db"
    copy_database(master_db, real)
    db.forget_key(real)
    monkeypatch.setenv("ANTQ_PASSWORD", "not the chief's password")  # nor the demo's
    before = files_of(real)
    with pytest.raises(UserError, match="không phải cơ sở dữ liệu mẫu"):
        demo.create_demo_database(real, communes=1, people_per_village=1, replace=True)
    other = tmp_path / "notes.db"
    other.write_bytes(b"a file of some other program")
    with pytest.raises(UserError, match="không phải cơ sở dữ liệu mẫu"):
        demo.create_demo_database(other, communes=1, people_per_village=1, replace=True)
    assert other.read_bytes() == b"a file of some other program"
    assert files_of(real) == before and len(before) == 2


def test_a_demo_is_replaced(tmp_path, capsys):
    path = tmp_path / "demo.db"
    make_demo(path)
    conn = db.open_database(path)
    try:
        first = site.load_site(conn).site_id
        assert site.get_meta(conn, demo.DEMO_MARK) == "1"
    finally:
        conn.close()
    db.forget_key(path)  # as in a new process: the demo's password opens it
    assert cli.main(["demo", "--replace", "--db", str(path), "--communes", "1",
                     "--people-per-village", "1"]) == 0
    assert "Đã tạo cơ sở dữ liệu mẫu" in capsys.readouterr().out
    conn = db.open_database(path)
    try:
        assert site.load_site(conn).site_id != first
    finally:
        conn.close()
    assert keyfile.exists(path)
