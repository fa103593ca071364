"""Restore is atomic (issue 10, finding 8): the new sync identity is given in the same step
that makes the copy live. A crash at any point leaves either the old database or the
re-identified copy, never the backup's data under the old site id (the counter reuse the
restore exists to prevent). ``antq restore`` asks for the administrator password too."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from dbkit import TEST_PASSWORD, TEST_USER, logical_dump

from desktop import cli
from desktop.domain.errors import UserError
from desktop.storage import accounts, backup, db, site
from desktop.storage.site import get_meta

CHILD = textwrap.dedent("""
    import os, sys
    from pathlib import Path
    from desktop.storage import accounts, backup

    db_path, saved, module, name, when = sys.argv[1:6]
    conn, account, _notes = accounts.login(Path(db_path), "admin", os.environ["ANTQ_PASSWORD"])
    conn.close()
    target = os if module == "os" else backup
    real = getattr(target, name)

    def crashing(*args, **kwargs):
        # Only the rename of the prepared copy (a backup's own rename comes earlier), and
        # the restore's own audit entry (the safety backup writes one before).
        if (name == "replace" and not str(args[0]).endswith(".restoring")) or (
                name == "_record" and args[1] != "db-restore"):
            return real(*args, **kwargs)
        if when == "before":
            os._exit(3)  # no cleanup, no finally: as if the power went
        real(*args, **kwargs)
        os._exit(3)

    setattr(target, name, crashing)
    backup.restore(Path(saved), Path(db_path))
    print("FINISHED", flush=True)
""")

# The steps of a restore, in order, and whether the copy is live once each has run.
STEPS = [("backup", "backup_now", False), ("backup", "_copy_into", False),
         ("backup", "_record", False), ("backup", "_new_site_identity", False),
         ("backup", "fsync_file", False), ("backup", "_quiesce", False),
         ("os", "replace", True), ("backup", "fsync_dir", True)]


def people(conn) -> int:
    return conn.execute("SELECT count(*) FROM person").fetchone()[0]


@pytest.fixture
def restorable(conn, db_path, store, commune_site):
    """A backup holding one person; the database holds a second one made after it."""
    store.add("person", {"full_name": "Lò Văn Ấn", "birth_date": "1985"})
    site.set_meta(conn, "sync_certificate", "{}")
    saved = backup.backup_now(conn, db_path, "manual")
    store.add("person", {"full_name": "Người thêm sau khi sao lưu", "birth_date": "1990"})
    return conn, db_path, saved, commune_site.site_id


def state(db_path: Path, old_site: str) -> str:
    """'old' (the database as it was) or 'restored' (the backup, re-identified)."""
    conn = db.open_database(db_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        site_id = get_meta(conn, "site_id")
        if people(conn) == 2:
            assert site_id == old_site
            return "old"
        assert people(conn) == 1
        # The backup's data never comes back under the old site id.
        assert site_id != old_site and get_meta(conn, "previous_site_id") == old_site
        assert get_meta(conn, "sync_certificate") is None
        return "restored"
    finally:
        conn.close()


@pytest.mark.parametrize("when", ["before", "after"])
@pytest.mark.parametrize("module, name, live", STEPS, ids=[s[1] for s in STEPS])
def test_a_crash_at_any_step_leaves_the_old_database_or_the_reidentified_copy(
        restorable, module, name, live, when):
    conn, db_path, saved, old_site = restorable
    conn.close()
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    child = subprocess.run([sys.executable, "-c", CHILD, str(db_path), str(saved), module, name,
                            when], capture_output=True, text=True, env=env, timeout=120)
    assert child.returncode == 3, child.stderr
    expected = "restored" if live and (when == "after" or name == "fsync_dir") else "old"
    assert state(db_path, old_site) == expected
    # The next restore goes through, whatever the crash left beside the database.
    current = site_of(db_path)
    result = backup.restore(saved, db_path)
    assert result.previous_site_id == old_site and site_of(db_path) not in (current, old_site)
    assert not backup.staging_path(db_path).exists()
    assert not Path(f"{backup.staging_path(db_path)}-journal").exists()


def site_of(db_path: Path) -> str | None:
    c = db.open_database(db_path)
    try:
        assert people(c) in (1, 2)
        return get_meta(c, "site_id")
    finally:
        c.close()


@pytest.mark.parametrize("module, name, live", [s for s in STEPS if not s[2]],
                         ids=[s[1] for s in STEPS if not s[2]])
def test_a_failure_before_the_rename_changes_nothing(restorable, monkeypatch, module, name,
                                                     live):
    conn, db_path, saved, old_site = restorable
    before = logical_dump(conn)
    conn.close()

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backup, name, fail)
    with pytest.raises(OSError):
        backup.restore(saved, db_path)
    monkeypatch.undo()
    assert state(db_path, old_site) == "old"
    again = db.open_database(db_path)
    try:
        assert logical_dump(again) == before
    finally:
        again.close()
    assert not backup.staging_path(db_path).exists()


def test_a_database_still_open_elsewhere_is_not_replaced(restorable):
    conn, db_path, saved, old_site = restorable
    before = logical_dump(conn)
    with pytest.raises(UserError, match="đang được mở ở nơi khác"):
        backup.restore(saved, db_path)
    assert logical_dump(conn) == before and get_meta(conn, "site_id") == old_site
    assert not backup.staging_path(db_path).exists()


# -- the administrator password on the command line --------------------------------------------

def fingerprint(db_path: Path) -> tuple[str, list[str]]:
    return (hashlib.sha256(db_path.read_bytes()).hexdigest(),
            sorted(b.path.name for b in backup.list_backups(db_path)))


def test_restore_asks_for_the_password_and_a_wrong_one_changes_nothing(restorable,
                                                                       monkeypatch, capsys):
    conn, db_path, saved, old_site = restorable
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    before = fingerprint(db_path)
    monkeypatch.setenv("ANTQ_PASSWORD", "không phải mật khẩu")
    assert cli.main(["restore", str(saved), "--db", str(db_path)]) == 2
    err = capsys.readouterr().err
    assert "Sai" in err and "mật khẩu" in err and len(err.strip().splitlines()) == 1
    assert fingerprint(db_path) == before and state(db_path, old_site) == "old"
    # No ANTQ_PASSWORD: asked at the terminal (getpass), then restored.
    monkeypatch.delenv("ANTQ_PASSWORD")
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    asked: list[str] = []

    def getpass(prompt: str = "") -> str:
        asked.append(prompt)
        return TEST_PASSWORD

    monkeypatch.setattr("getpass.getpass", getpass)
    assert cli.main(["restore", str(saved), "--db", str(db_path)]) == 0
    assert asked and "Mật khẩu" in asked[0]
    assert "Đã khôi phục" in capsys.readouterr().out
    assert state(db_path, old_site) == "restored"


def test_restore_without_a_terminal_or_password_is_refused(restorable, monkeypatch, capsys):
    conn, db_path, saved, old_site = restorable
    conn.close()
    monkeypatch.delenv("ANTQ_PASSWORD")
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert cli.main(["restore", str(saved), "--db", str(db_path)]) == 2
    assert "ANTQ_PASSWORD" in capsys.readouterr().err
    assert state(db_path, old_site) == "old"


def test_only_an_account_allowed_to_restore_may(restorable, monkeypatch, capsys):
    conn, db_path, saved, old_site = restorable
    accounts.add(conn, "canbo", "officer", "mật khẩu cán bộ")
    conn.close()
    monkeypatch.setenv("ANTQ_PASSWORD", "mật khẩu cán bộ")
    assert cli.main(["restore", str(saved), "--db", str(db_path), "--user", "canbo"]) == 2
    err = capsys.readouterr().err
    assert "không được khôi phục" in err and "canbo" in err
    assert state(db_path, old_site) == "old"


def test_a_site_with_an_administrator_password_needs_it(conn, db_path, capsys):
    site.init_site(conn, name="Công an xã Mường Nhé", commune_code="03160",
                   admin_password="mat-khau-quan-tri")
    old_site = site.load_site(conn).site_id
    saved = backup.backup_now(conn, db_path, "manual")
    conn.close()
    with pytest.raises(UserError, match="Sai mật khẩu quản trị"):
        c = db.open_database(db_path)
        try:
            accounts.bind(c, accounts.get(c, TEST_USER))
            backup.check_restore_rights(c, TEST_PASSWORD)
        finally:
            c.close()
    assert cli.main(["restore", str(saved), "--db", str(db_path)]) == 2
    assert "Sai mật khẩu quản trị" in capsys.readouterr().err
    c = db.open_database(db_path)
    try:
        assert site.load_site(c).site_id == old_site
    finally:
        c.close()
