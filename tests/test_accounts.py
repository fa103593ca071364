"""Accounts and roles (issue 11): `antq user`, the role checked by the storage layer for the
command line and the window alike, the audit log naming the account."""

from __future__ import annotations

from pathlib import Path

import pytest
from dbkit import TEST_PASSWORD, copy_database, logical_dump

from desktop import cli
from desktop.domain.errors import UserError
from desktop.storage import accounts, db, keyfile, site
from desktop.storage.writer import Store

PW = "mật khẩu của cán bộ"


@pytest.fixture
def path(master_db: Path, tmp_path: Path) -> Path:
    p = tmp_path / "xa.db"
    copy_database(master_db, p)
    conn = db.open_database(p)
    site.init_site(conn, name="Công an xã Mường Nhé", commune_code="03160")
    conn.close()
    return p


def as_user(monkeypatch, name: str, password: str) -> None:
    monkeypatch.setenv(accounts.USER_ENV, name)
    monkeypatch.setenv(accounts.PASSWORD_ENV, password)


def add_user(path: Path, monkeypatch, name: str, role: str) -> None:
    monkeypatch.setenv(accounts.NEW_PASSWORD_ENV, PW)
    assert cli.main(["user", "add", name, "--role", role, "--db", str(path)]) == 0


@pytest.mark.parametrize("typed,role", [("cán bộ", "officer"), ("can bo", "officer"),
                                        ("chi huy", "chief"), ("XEM", "viewer"),
                                        ("tổng hợp tỉnh", "province"), ("tong-hop-tinh",
                                                                        "province")])
def test_roles_are_spelled_as_in_the_window_with_or_without_accents(typed, role):
    assert accounts.parse_role(typed) == role


def test_an_unknown_role_lists_the_roles():
    with pytest.raises(UserError, match="chỉ huy, cán bộ, xem, tổng hợp tỉnh"):
        accounts.parse_role("giám đốc")


def test_user_add_list_and_log_in(path, monkeypatch, capsys):
    add_user(path, monkeypatch, "maiv", "cán bộ")
    capsys.readouterr()
    assert cli.main(["user", "list", "--db", str(path)]) == 0
    out = capsys.readouterr().out
    assert "admin\tchỉ huy" in out and "maiv\tcán bộ" in out
    monkeypatch.setattr(db, "_KEYS", {})
    conn, account, _ = accounts.login(path, "maiv", PW)
    assert (account.name, account.role) == ("maiv", "officer")
    conn.close()


def test_a_viewer_cannot_change_anything(path, monkeypatch, capsys):
    add_user(path, monkeypatch, "xemv", "xem")
    conn = db.open_database(path)
    before = logical_dump(conn)
    as_user(monkeypatch, "xemv", PW)
    capsys.readouterr()
    assert cli.main(["add", "person", "full_name=Lò Văn Sáng", "--db", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "Lỗi: Tài khoản «xemv» (xem) không được sửa dữ liệu"
    assert cli.main(["user", "add", "khac", "--role", "xem", "--db", str(path)]) == 2
    assert "không được quản lý tài khoản" in capsys.readouterr().err
    # Reading is allowed.
    assert cli.main(["search", "lo", "--db", str(path)]) == 0
    assert logical_dump(conn) == before
    conn.close()


def test_an_officer_writes_and_the_audit_log_names_the_account(path, monkeypatch):
    add_user(path, monkeypatch, "maiv", "can bo")
    as_user(monkeypatch, "maiv", PW)
    assert cli.main(["add", "person", "full_name=Lò Văn Sáng", "--db", str(path)]) == 0
    conn = db.open_database(path)
    actors = {r[0] for r in conn.execute("SELECT actor FROM audit_log WHERE tbl = 'person'")}
    assert actors == {"maiv"}
    conn.close()
    assert cli.main(["user", "disable", "admin", "--db", str(path)]) == 2  # not a chief


def test_the_role_is_checked_in_the_storage_layer(path, monkeypatch):
    add_user(path, monkeypatch, "xemv", "xem")
    conn, account, _ = accounts.login(path, "xemv", PW)
    try:
        with pytest.raises(accounts.PermissionDenied, match="xem"):
            Store(conn).add("person", {"full_name": "Lò Văn Sáng"})
        with pytest.raises(accounts.PermissionDenied):
            accounts.add(conn, "x", "viewer", "mật khẩu đủ dài")
    finally:
        conn.close()


def test_passwords_change_and_accounts_are_disabled(path, monkeypatch, capsys):
    add_user(path, monkeypatch, "maiv", "cán bộ")
    # An officer changes their own password, not another's.
    as_user(monkeypatch, "maiv", PW)
    monkeypatch.setenv(accounts.NEW_PASSWORD_ENV, "mật khẩu mới của mai")
    assert cli.main(["user", "passwd", "maiv", "--db", str(path)]) == 0
    as_user(monkeypatch, "maiv", "mật khẩu mới của mai")
    assert cli.main(["user", "passwd", "admin", "--db", str(path)]) == 2
    # The chief disables it: it can no longer open the database.
    as_user(monkeypatch, "admin", TEST_PASSWORD)
    assert cli.main(["user", "disable", "maiv", "--db", str(path)]) == 0
    assert "maiv" not in keyfile.accounts(path)
    monkeypatch.setattr(db, "_KEYS", {})
    with pytest.raises(UserError):
        accounts.login(path, "maiv", "mật khẩu mới của mai")
    capsys.readouterr()
    assert cli.main(["user", "disable", "admin", "--db", str(path)]) == 2
    assert "chỉ huy cuối cùng" in capsys.readouterr().err


def test_a_new_password_is_typed_twice_or_given_in_the_environment(path, monkeypatch):
    monkeypatch.delenv(accounts.NEW_PASSWORD_ENV, raising=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    answers = iter(["mật khẩu một", "mật khẩu hai"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    with pytest.raises(UserError, match="không giống nhau"):
        accounts.new_password()
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    with pytest.raises(UserError, match="ANTQ_NEW_PASSWORD"):
        accounts.new_password()


def test_logins_and_failed_logins_are_in_the_audit_log(path, monkeypatch):
    monkeypatch.setattr(db, "_KEYS", {})
    with pytest.raises(UserError):
        accounts.login(path, "admin", "sai mật khẩu")  # nothing can be written yet
    conn, _a, _ = accounts.login(path, "admin", TEST_PASSWORD)
    rows = conn.execute("SELECT action, actor, new FROM audit_log WHERE action LIKE 'login%' "
                        "ORDER BY seq").fetchall()
    conn.close()
    assert [tuple(r) for r in rows] == [("login-failed", "admin", '{"count": 1}'),
                                         ("login", "admin", None)]


def test_a_viewer_can_read_but_not_print_export_or_write_off_the_ui_thread(path, monkeypatch):
    """Every further connection to a database carries the account logged in on it (the
    window's workers too): the checks cannot be sidestepped by opening another one."""
    from desktop.reports import export, roster
    from desktop.storage import rosters

    add_user(path, monkeypatch, "xemv", "xem")
    monkeypatch.setattr(db, "_KEYS", {})
    first, _a, _ = accounts.login(path, "xemv", PW)
    worker = db.connect(path)
    try:
        assert accounts.current(worker).name == "xemv"
        assert worker.execute("SELECT count(*) FROM person").fetchone()[0] >= 0
        with pytest.raises(accounts.PermissionDenied, match="sửa dữ liệu"):
            Store(worker).add("person", {"full_name": "Lò Văn Sáng"})
        with pytest.raises(accounts.PermissionDenied, match="xuất dữ liệu"):
            export.export_kind(worker, "person", path.with_name("people.csv"))
        with pytest.raises(accounts.PermissionDenied, match="không được in"):
            roster.render_roster(worker, rosters.Scope())
        assert not path.with_name("people.csv").exists()
    finally:
        worker.close()
        first.close()


@pytest.mark.parametrize("role", ["cán bộ", "xem"])
def test_only_the_chief_reads_the_audit_log(path, monkeypatch, capsys, role):
    add_user(path, monkeypatch, "nv", role)
    as_user(monkeypatch, "nv", PW)
    capsys.readouterr()
    for action in ("list", "verify"):
        assert cli.main(["audit", action, "--db", str(path)]) == 2
        assert "không được xem nhật ký" in capsys.readouterr().err
    as_user(monkeypatch, "admin", TEST_PASSWORD)
    assert cli.main(["audit", "verify", "--db", str(path)]) == 0


def test_a_key_file_of_another_database_opens_nothing_and_leaves_no_key(path, tmp_path,
                                                                         monkeypatch):
    """The login opens the database once, under the key its key file gives (issue 12): a key
    file swapped for another database's is one clear line, and no key stays remembered for
    the file, so nothing opens it afterwards without a login."""
    other = tmp_path / "khac.db"  # a database of its own key, the same account and password
    conn = db.open_database(other)
    accounts.create_first(conn, "admin", TEST_PASSWORD)
    conn.close()
    keyfile.keyfile_path(path).write_bytes(keyfile.keyfile_path(other).read_bytes())
    monkeypatch.setattr(db, "_KEYS", {})
    with pytest.raises(UserError, match="khóa không đúng"):
        accounts.login(path, "admin", TEST_PASSWORD)
    assert db.known_key(path) is None
    with pytest.raises(db.LockedError):
        db.open_database(path)
