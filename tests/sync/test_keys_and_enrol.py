"""Keys sealed in the database, enrolment files, fingerprints, and the CLI end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from dbkit import copy_database
from synckit import COMMUNES, PROVINCE, enrol_pair, make_node

from desktop import cli
from desktop.domain.errors import UserError
from desktop.storage import db, site
from desktop.sync import enrol, keys


def test_private_keys_are_sealed_and_open_with_the_database(master_db, tmp_path):
    node = make_node(master_db, tmp_path, "c", commune=COMMUNES[0])
    try:
        sealed = [r[0] for r in node.conn.execute("SELECT sealed FROM sync_key")]
        assert all(json.loads(s)["kdf"] == "dbkey" and "AGE-SECRET" not in s for s in sealed)
        raw = node.path.read_bytes() + node.path.with_name("c.db-wal").read_bytes()
        assert b"AGE-SECRET-KEY" not in raw
        again = keys.unlock(node.conn)
        assert again.public == node.keys.public
        with pytest.raises(UserError, match="đã có khóa"):
            keys.init_keys(node.conn)
    finally:
        node.conn.close()


def test_enrolment_shows_the_same_fingerprint_on_both_sides(master_db, tmp_path):
    prov = make_node(master_db, tmp_path / "p", "prov", province=PROVINCE)
    com = make_node(master_db, tmp_path / "c", "c0", commune=COMMUNES[0])
    try:
        req, ans = tmp_path / "req.json", tmp_path / "ans.json"
        fp_commune = enrol.make_request(com.conn, com.keys, req)
        info = enrol.describe_request(prov.conn, req)
        assert info.peer.fingerprint == fp_commune and info.replaces is None
        # Read out over the phone: case, spaces and dashes do not matter.
        typed = fp_commune.lower().replace("-", " ")
        peer = enrol.accept_request(prov.conn, prov.keys, req, ans,
                                    confirmed_fingerprint=typed)
        assert peer.fingerprint == fp_commune
        fp_province = keys.fingerprint(prov.site_id, prov.keys.public)
        assert enrol.describe_response(com.conn, ans).province.fingerprint == fp_province
        installed = enrol.install_response(com.conn, ans, fp_province)
        assert installed.fingerprint == fp_province
        assert [s.site_id for s in enrol.list_sites(com.conn)] == [prov.site_id]
        assert enrol.own_partitions(com.conn) == (COMMUNES[0],)
    finally:
        prov.conn.close()
        com.conn.close()


def test_tampered_or_foreign_enrolment_files_are_refused(master_db, tmp_path):
    prov = make_node(master_db, tmp_path / "p", "prov", province=PROVINCE)
    com = make_node(master_db, tmp_path / "c", "c0", commune=COMMUNES[0])
    other = make_node(master_db, tmp_path / "o", "c1", commune=COMMUNES[1])
    try:
        req = tmp_path / "req.json"
        enrol.make_request(com.conn, com.keys, req)
        obj = json.loads(req.read_text("utf-8"))
        body = json.loads(obj["request"]["body"])
        body["unit_code"] = COMMUNES[1]
        obj["request"]["body"] = json.dumps(body)
        bad = tmp_path / "bad.json"
        bad.write_text(json.dumps(obj), "utf-8")
        fp = keys.fingerprint(com.site_id, com.keys.public)
        with pytest.raises(UserError, match="chữ ký"):
            enrol.accept_request(prov.conn, prov.keys, bad, tmp_path / "x.json",
                                 confirmed_fingerprint=fp)
        not_json = tmp_path / "x.txt"
        not_json.write_text("hello", "utf-8")
        with pytest.raises(UserError, match="không phải tệp"):
            enrol.accept_request(prov.conn, prov.keys, not_json, tmp_path / "x.json",
                                 confirmed_fingerprint=fp)
        ans = tmp_path / "ans.json"
        enrol.accept_request(prov.conn, prov.keys, req, ans, confirmed_fingerprint=fp)
        fp_prov = keys.fingerprint(prov.site_id, prov.keys.public)
        with pytest.raises(UserError, match="điểm khác"):
            enrol.install_response(other.conn, ans, fp_prov)
        with pytest.raises(UserError, match="Chỉ tỉnh"):
            enrol.accept_request(com.conn, com.keys, req, tmp_path / "y.json",
                                 confirmed_fingerprint=fp)
    finally:
        for n in (prov, com, other):
            n.conn.close()


def test_revoked_sites_get_no_bundles(network, tmp_path):
    prov, (a, b) = network(2)
    enrol.revoke_site(prov.conn, a.site_id)
    paths = prov.export(tmp_path / "usb")
    assert len(paths) == 1
    with pytest.raises(UserError, match="thu hồi"):
        prov.export(tmp_path / "usb", to=a)


def _init(master_db: Path, path: Path, *args: str) -> None:
    copy_database(master_db, path)
    assert cli.main(["init", "--db", str(path), "--site-name", path.stem, *args]) == 0


def enrol_from_the_command_line(master_db: Path, tmp_path: Path, capsys
                                ) -> tuple[Path, Path, str]:
    """A province and a commune made, given keys and enrolled with `antq` alone, each side
    typing the fingerprint the other read out; (province db, commune db, its fingerprint)."""
    pdb, cdb = tmp_path / "tinh.db", tmp_path / "xa.db"
    _init(master_db, pdb, "--province-code", PROVINCE)
    _init(master_db, cdb, "--commune-code", COMMUNES[0])
    for d in (pdb, cdb):
        assert cli.main(["keys", "init", "--db", str(d)]) == 0
    req, ans = tmp_path / "req.json", tmp_path / "ans.json"
    capsys.readouterr()
    assert cli.main(["enrol", "request", "--db", str(cdb), "--out", str(req)]) == 0
    fp = capsys.readouterr().out.split("Vân tay của điểm này: ")[1].split()[0]
    assert cli.main(["enrol", "accept", str(req), "--db", str(pdb), "--out", str(ans),
                     "--fingerprint", fp]) == 0
    out = capsys.readouterr().out
    assert fp in out
    fp_prov = out.split("vân tay của tỉnh (đọc cho xã): ")[1].split()[0]
    assert cli.main(["enrol", "install", str(ans), "--db", str(cdb),
                     "--fingerprint", fp_prov]) == 0
    capsys.readouterr()
    return pdb, cdb, fp


def test_the_whole_exchange_from_the_command_line(master_db, tmp_path, monkeypatch, capsys):
    pdb, cdb, fp = enrol_from_the_command_line(master_db, tmp_path, capsys)
    usb = tmp_path / "usb"
    usb.mkdir()
    assert cli.main(["sites", "list", "--db", str(pdb), "--json"]) == 0
    sites = json.loads(capsys.readouterr().out)
    assert [s["fingerprint"] for s in sites] == [fp]
    assert cli.main(["add", "person", "full_name=Lò Văn Sáng", "--db", str(cdb)]) == 0
    capsys.readouterr()
    assert cli.main(["export-bundle", "--to", str(usb), "--db", str(cdb), "--json"]) == 0
    [out] = json.loads(capsys.readouterr().out)
    bundle = Path(out["path"])
    assert cli.main(["import-bundle", str(bundle), "--dry-run", "--db", str(pdb)]) == 0
    assert "(thử)" in capsys.readouterr().out
    assert cli.main(["import-bundle", str(usb), "--db", str(pdb)]) == 0
    assert cli.main(["import-bundle", str(bundle), "--db", str(pdb)]) == 0
    assert "đã nhập trước đây" in capsys.readouterr().out
    assert cli.main(["conflicts", "list", "--db", str(pdb)]) == 0
    assert "Không có xung đột" in capsys.readouterr().out
    junk = usb / "junk.vsb"
    junk.write_bytes(b"not a bundle")
    assert cli.main(["import-bundle", str(junk), "--db", str(pdb)]) == 2
    assert "không phải gói" in capsys.readouterr().out
    assert cli.main(["conflicts", "resolve", "nope", "--keep", "mine", "--db", str(pdb)]) == 2
    assert "Không có xung đột" in capsys.readouterr().err


def test_the_passphrase_is_never_an_argument(capsys):
    with pytest.raises(SystemExit):
        cli.main(["keys", "init", "--passphrase", "x"])
    assert "--passphrase" in capsys.readouterr().err


def test_a_site_without_keys_is_told_what_to_do(master_db, tmp_path, monkeypatch, capsys):
    d = tmp_path / "x.db"
    _init(master_db, d, "--commune-code", COMMUNES[0])
    assert cli.main(["export-bundle", "--to", str(tmp_path), "--db", str(d)]) == 2
    assert "antq keys init" in capsys.readouterr().err
    conn = db.open_database(d)
    assert site.require_site(conn).unit_code == COMMUNES[0]
    conn.close()


def test_enrol_pair_helper_is_idempotent_for_the_same_keys(master_db, tmp_path):
    prov = make_node(master_db, tmp_path / "p", "prov", province=PROVINCE)
    com = make_node(master_db, tmp_path / "c", "c0", commune=COMMUNES[0])
    try:
        enrol_pair(prov, com, tmp_path / "e")
        enrol_pair(prov, com, tmp_path / "e2")
        assert len(enrol.list_sites(prov.conn)) == 1
    finally:
        prov.conn.close()
        com.conn.close()
