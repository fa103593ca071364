"""The sync private keys are sealed under the database key (issue 11): the login opens them,
no second password; a copy under another key cannot; keys an earlier version sealed under a
passphrase are opened with it once and re-sealed; only the roles with the right make keys,
enrol, export and import."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from dbkit import TEST_PASSWORD, logical_dump
from synckit import COMMUNES, Node, make_legacy, make_node

from desktop import cli
from desktop.domain.errors import UserError
from desktop.storage import accounts, db
from desktop.sync import enrol, exchange, keys

OLD = "mật khẩu khóa cũ"
VIEWER, VIEWER_PW = "xemv", "mật khẩu người xem"


def boxes(node: Node) -> list[dict]:
    return [json.loads(r[0]) for r in node.conn.execute(
        "SELECT sealed FROM sync_key UNION ALL SELECT sealed FROM sync_key_retired")]


def test_the_sealed_box_is_not_the_key_and_needs_the_database_key(network, tmp_path):
    prov, (a,) = network(1)
    key = db.known_key(a.path)
    sealed = dict(a.conn.execute("SELECT purpose, sealed FROM sync_key").fetchall())
    box = json.loads(sealed["sign"])
    assert box["kdf"] == "dbkey" and set(box) == {"kdf", "salt", "nonce", "ct"}
    private = a.keys.signer.private_bytes_raw()
    assert keys.b64(private) not in sealed["sign"] and private not in keys.unb64(box["ct"])
    assert "AGE-SECRET-KEY" not in sealed["recv"]
    assert keys.unseal(sealed["sign"], key, "sign") == private
    with pytest.raises(UserError, match="không mở được"):
        keys.unseal(sealed["sign"], os.urandom(32), "sign")
    with pytest.raises(UserError, match="không mở được"):  # a box cannot pass for the other
        keys.unseal(sealed["sign"], key, "recv")

    # A copy of the database re-encrypted under another key: the public keys read, the
    # private ones do not open.
    a.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    copy = tmp_path / "copy.db"
    shutil.copy(a.path, copy)
    other = os.urandom(32)
    raw = db.open_file(copy, key)
    raw.execute("PRAGMA journal_mode = DELETE")
    raw.execute(f"PRAGMA rekey = \"x'{other.hex()}'\"")
    raw.close()
    assert not db.key_opens(copy, key) and db.key_opens(copy, other)
    db.remember_key(copy, other)
    conn = db.open_database(copy)
    try:
        assert keys.public_keys(conn) == a.keys.public
        with pytest.raises(UserError, match="không mở được bằng khóa của cơ sở dữ liệu này"):
            keys.unlock(conn)
    finally:
        conn.close()
        db.forget_key(copy)


def test_a_new_site_is_never_asked_a_passphrase(master_db, tmp_path, monkeypatch, capsys):
    """keys init, enrolment, export and import on the command line with no ANTQ_PASSPHRASE
    and no prompt."""
    monkeypatch.delenv(keys.PASSPHRASE_ENV, raising=False)
    monkeypatch.setattr("getpass.getpass", lambda *a, **k: pytest.fail("a prompt: " + a[0]))
    from test_keys_and_enrol import enrol_from_the_command_line

    pdb, cdb, _fp = enrol_from_the_command_line(master_db, tmp_path, capsys)
    usb = tmp_path / "usb"
    usb.mkdir()
    assert cli.main(["add", "person", "full_name=Lò Văn Sáng", "--db", str(cdb)]) == 0
    assert cli.main(["export-bundle", "--to", str(usb), "--db", str(cdb)]) == 0
    assert cli.main(["keys", "rotate", "--db", str(pdb)]) == 0
    capsys.readouterr()
    assert cli.main(["import-bundle", str(usb), "--db", str(pdb)]) == 0
    assert "Lò Văn Sáng" in logical_dump_of(pdb)

    # And in a separate process with no terminal at all (a script, a scheduled task).
    env = {k: v for k, v in os.environ.items() if k != keys.PASSPHRASE_ENV}
    env["PYTHONPATH"] = os.getcwd()
    done = subprocess.run([sys.executable, "-m", "desktop", "export-bundle", "--to",
                           str(usb), "--db", str(pdb), "--json"],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env,
                          start_new_session=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[0]["recipient_name"] == "xa"


def logical_dump_of(path: Path) -> str:
    conn = db.open_database(path)
    try:
        return "\n".join(logical_dump(conn))
    finally:
        conn.close()


def test_legacy_keys_are_opened_once_with_their_passphrase_and_resealed(network, tmp_path):
    prov, (a,) = network(1)
    keys.rotate_keys(a.conn)  # a retired pair too
    a.keys = keys.unlock(a.conn)
    make_legacy(a, OLD)
    assert keys.needs_passphrase(a.conn)
    assert {b["kdf"] for b in boxes(a)} == {"argon2id"} and len(boxes(a)) == 4
    before = logical_dump(a.conn)
    with pytest.raises(UserError, match=keys.PASSPHRASE_ENV):
        keys.unlock(a.conn)
    with pytest.raises(UserError, match="Sai mật khẩu khóa đồng bộ cũ"):
        keys.unlock(a.conn, legacy_passphrase="không phải nó")
    assert logical_dump(a.conn) == before  # nothing half re-sealed

    opened = keys.unlock(a.conn, legacy_passphrase=OLD)
    assert opened.public == a.keys.public and opened.old_recv_pubs == a.keys.old_recv_pubs
    assert not keys.needs_passphrase(a.conn)
    assert {b["kdf"] for b in boxes(a)} == {"dbkey"} and len(boxes(a)) == 4
    again = keys.unlock(a.conn)  # never asked again
    assert str(again.identity) == str(a.keys.identity)
    assert [str(i) for i in again.old_identities] == [str(i) for i in a.keys.old_identities]
    a.store.add("person", {"full_name": "Lò Văn Sáng"})
    [bundle] = exchange.export_to_folder(a.conn, again, _folder(tmp_path / "usb"))
    assert prov.import_(bundle.path)[0].status == "imported"


def _folder(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_the_command_line_asks_the_legacy_passphrase_once(network, tmp_path, monkeypatch,
                                                          capsys):
    prov, (a,) = network(1)
    make_legacy(a, OLD)
    usb = _folder(tmp_path / "usb")
    monkeypatch.delenv(keys.PASSPHRASE_ENV, raising=False)
    monkeypatch.setattr("getpass.getpass", lambda *a, **k: (_ for _ in ()).throw(EOFError))
    assert cli.main(["export-bundle", "--to", str(usb), "--db", str(a.path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and keys.PASSPHRASE_ENV in err
    assert keys.needs_passphrase(a.conn) and not list(usb.iterdir())

    monkeypatch.setenv(keys.PASSPHRASE_ENV, "sai mật khẩu")
    assert cli.main(["export-bundle", "--to", str(usb), "--db", str(a.path)]) == 2
    assert "Sai mật khẩu khóa đồng bộ cũ" in capsys.readouterr().err
    assert keys.needs_passphrase(a.conn)

    monkeypatch.setenv(keys.PASSPHRASE_ENV, OLD)
    assert cli.main(["export-bundle", "--to", str(usb), "--db", str(a.path)]) == 0
    assert not keys.needs_passphrase(a.conn)
    monkeypatch.delenv(keys.PASSPHRASE_ENV)
    assert cli.main(["export-bundle", "--to", str(usb), "--db", str(a.path)]) == 0


@pytest.fixture
def with_viewer(network):
    prov, (a,) = network(1)
    for node in (prov, a):
        accounts.add(node.conn, VIEWER, "viewer", VIEWER_PW)  # the program's own connection
    return prov, a


def test_a_viewer_cannot_make_keys_enrol_export_or_import(with_viewer, tmp_path):
    prov, a = with_viewer
    usb = _folder(tmp_path / "usb")
    [bundle] = a.export(usb)
    req = tmp_path / "req.json"
    for node in (prov, a):
        accounts.bind(node.conn, accounts.get(node.conn, VIEWER))
    before = {n.name: logical_dump(n.conn) for n in (prov, a)}
    refused = [
        lambda: keys.init_keys(a.conn),
        lambda: keys.rotate_keys(a.conn),
        lambda: enrol.make_request(a.conn, a.keys, req),
        lambda: enrol.revoke_site(prov.conn, a.site_id),
        lambda: exchange.export_to_folder(a.conn, a.keys, usb),
        lambda: exchange.import_files(prov.conn, prov.keys, [bundle]),
        lambda: exchange.import_files(prov.conn, prov.keys, [bundle], dry_run=True),
    ]
    for attempt in refused:
        with pytest.raises(accounts.PermissionDenied) as e:
            attempt()
        assert "\n" not in str(e.value) and f"«{VIEWER}» (xem) không được" in str(e.value)
    assert {n.name: logical_dump(n.conn) for n in (prov, a)} == before
    assert not req.exists() and list(usb.iterdir()) == [bundle]


@pytest.mark.parametrize("argv, word", [
    (["keys", "rotate"], "đăng ký điểm đồng bộ"),
    (["enrol", "request", "--out", "{tmp}/req.json"], "đăng ký điểm đồng bộ"),
    (["export-bundle", "--to", "{tmp}"], "đồng bộ"),
    (["import-bundle", "{tmp}"], "đồng bộ"),
])
def test_a_viewer_is_refused_on_the_command_line_in_one_line(with_viewer, tmp_path,
                                                             monkeypatch, capsys, argv, word):
    _prov, a = with_viewer
    monkeypatch.setenv("ANTQ_PASSWORD", VIEWER_PW)
    monkeypatch.setattr("getpass.getpass", lambda *a, **k: pytest.fail("asked a passphrase"))
    before = logical_dump(a.conn)
    capsys.readouterr()
    args = [x.replace("{tmp}", str(tmp_path)) for x in argv]
    assert cli.main([*args, "--db", str(a.path), "--user", VIEWER]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"Lỗi: Tài khoản «{VIEWER}» (xem) không được {word}"
    assert [x for x in logical_dump(a.conn) if not x.startswith("audit_log")] == \
        [x for x in before if not x.startswith("audit_log")]  # only the login is logged
    monkeypatch.setenv("ANTQ_PASSWORD", TEST_PASSWORD)


def test_keys_init_needs_the_enrolment_right(master_db, tmp_path, monkeypatch, capsys):
    node = make_node(master_db, tmp_path, "c", commune=COMMUNES[0])
    try:
        node.conn.execute("DELETE FROM sync_key")  # a site that has no keys yet
        accounts.add(node.conn, VIEWER, "viewer", VIEWER_PW)
        accounts.add(node.conn, "canbo", "officer", VIEWER_PW)
    finally:
        node.conn.close()
    monkeypatch.setenv("ANTQ_PASSWORD", VIEWER_PW)
    for user, role in ((VIEWER, "xem"), ("canbo", "cán bộ")):
        capsys.readouterr()
        assert cli.main(["keys", "init", "--db", str(node.path), "--user", user]) == 2
        assert capsys.readouterr().err.strip() == (
            f"Lỗi: Tài khoản «{user}» ({role}) không được đăng ký điểm đồng bộ")
    monkeypatch.setenv("ANTQ_PASSWORD", TEST_PASSWORD)
    assert cli.main(["keys", "init", "--db", str(node.path)]) == 0  # the chief may
