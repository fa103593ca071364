"""Enrolment is gated by the fingerprint read out over the phone (issue 10, finding 2):
nothing is written until it is confirmed, and a second site for an enrolled commune code is
refused unless it explicitly replaces (revokes) the first."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from dbkit import logical_dump
from synckit import COMMUNES, PROVINCE, Node, make_node

from desktop import cli
from desktop.domain.errors import UserError
from desktop.sync import enrol, keys


def dump(node: Node) -> list[str]:
    return logical_dump(node.conn)


@pytest.fixture
def pair(master_db: Path, tmp_path: Path):
    prov = make_node(master_db, tmp_path / "p", "prov", province=PROVINCE)
    com = make_node(master_db, tmp_path / "c", "c0", commune=COMMUNES[0])
    yield prov, com
    prov.conn.close()
    com.conn.close()


def fp_of(node: Node) -> str:
    return keys.fingerprint(node.site_id, node.keys.public)


@pytest.mark.parametrize("typed", [None, "", "   ", "0000-0000-0000-0000-0000"])
def test_accept_writes_nothing_until_the_fingerprint_matches(pair, tmp_path, typed):
    prov, com = pair
    req, ans = tmp_path / "req.json", tmp_path / "ans.json"
    enrol.make_request(com.conn, com.keys, req)
    before = dump(prov)
    with pytest.raises(UserError, match="(?i)vân tay"):
        enrol.accept_request(prov.conn, prov.keys, req, ans, confirmed_fingerprint=typed)
    assert dump(prov) == before
    assert not ans.exists()


@pytest.mark.parametrize("typed", [None, "0000-0000-0000-0000-0000"])
def test_install_writes_nothing_until_the_fingerprint_matches(pair, tmp_path, typed):
    prov, com = pair
    req, ans = tmp_path / "req.json", tmp_path / "ans.json"
    fp = enrol.make_request(com.conn, com.keys, req)
    enrol.accept_request(prov.conn, prov.keys, req, ans, confirmed_fingerprint=fp)
    before = dump(com)
    with pytest.raises(UserError, match="(?i)vân tay"):
        enrol.install_response(com.conn, ans, typed)
    assert dump(com) == before
    assert enrol.list_sites(com.conn) == []


def test_a_second_site_for_an_enrolled_commune_code(pair, master_db, tmp_path):
    prov, real = pair
    rogue = make_node(master_db, tmp_path / "r", "rogue", commune=COMMUNES[0])
    try:
        req, ans = tmp_path / "real.req", tmp_path / "real.ans"
        enrol.accept_request(prov.conn, prov.keys, req, ans, confirmed_fingerprint=enrol
                             .make_request(real.conn, real.keys, req))
        rreq, rans = tmp_path / "rogue.req", tmp_path / "rogue.ans"
        rfp = enrol.make_request(rogue.conn, rogue.keys, rreq)
        info = enrol.describe_request(prov.conn, rreq)
        assert info.replaces is not None and info.replaces.site_id == real.site_id
        before = dump(prov)
        with pytest.raises(UserError, match="--replace"):
            enrol.accept_request(prov.conn, prov.keys, rreq, rans, confirmed_fingerprint=rfp)
        assert dump(prov) == before and not rans.exists()
        # The officer decides the new site replaces the old one: the old one is revoked.
        enrol.accept_request(prov.conn, prov.keys, rreq, rans, confirmed_fingerprint=rfp,
                             replace=True)
        status = {p.site_id: p.status for p in enrol.list_sites(prov.conn)}
        assert status == {real.site_id: "revoked", rogue.site_id: "active"}
        # A revoked site cannot simply ask again with the same keys.
        with pytest.raises(UserError, match="thu hồi"):
            enrol.describe_request(prov.conn, req)
    finally:
        rogue.conn.close()


def test_command_line_without_a_terminal_or_flag_refuses(pair, tmp_path, monkeypatch,
                                                         capsys):
    prov, com = pair
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    req, ans = tmp_path / "req.json", tmp_path / "ans.json"
    enrol.make_request(com.conn, com.keys, req)
    before = dump(prov)
    assert cli.main(["enrol", "accept", str(req), "--out", str(ans),
                     "--db", str(prov.path)]) == 2
    assert "--fingerprint" in capsys.readouterr().err
    assert dump(prov) == before and not ans.exists()


def test_command_line_asks_at_a_terminal(pair, tmp_path, monkeypatch, capsys):
    prov, com = pair
    req, ans = tmp_path / "req.json", tmp_path / "ans.json"
    fp = enrol.make_request(com.conn, com.keys, req)
    answers = iter(["1111-2222", fp, fp_of(prov)])
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    # A wrong fingerprint typed at the prompt: nothing enrolled.
    assert cli.main(["enrol", "accept", str(req), "--out", str(ans),
                     "--db", str(prov.path)]) == 2
    assert "không khớp" in capsys.readouterr().err and not ans.exists()
    assert cli.main(["enrol", "accept", str(req), "--out", str(ans),
                     "--db", str(prov.path)]) == 0
    err = capsys.readouterr().err
    assert fp in err  # the file's fingerprint was shown before asking
    assert cli.main(["enrol", "install", str(ans), "--db", str(com.path)]) == 0
    assert [p.site_id for p in enrol.list_sites(com.conn)] == [prov.site_id]
