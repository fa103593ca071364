"""The head of a sender's audit log travels in every bundle; the province remembers it and warns
when a later bundle shows a shorter or different history (issue 11). Bundles written and read
are entries of each side's own log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from dbkit import logical_dump
from synckit import Node, tamper

from desktop import cli
from desktop.storage import audit


def _manifest(sender: Node, path: Path, recipient: Node) -> dict:
    seen: dict = {}
    tamper(sender, path, recipient, manifest=seen.update)
    return seen


def _put(folder: Path, name: str, data: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path


@pytest.fixture
def pair(network):
    prov, (a, _b) = network(2)
    a.store.add("person", {"full_name": "Lò Văn Sáng"})
    return prov, a


def test_the_head_travels_and_each_side_logs_the_bundle(pair, tmp_path):
    prov, a = pair
    head = audit.head(a.conn)
    [path] = a.export(tmp_path / "usb", to=prov)
    assert _manifest(a, path, prov)["audit_head"] == {"seq": head[0], "hash": head[1]}
    sent = audit.entries(a.conn, limit=1)[0]
    assert sent.action == "bundle-export" and sent.detail["recipient"] == prov.site_id
    [result] = prov.import_(path)
    assert result.status == "imported" and result.warnings == []
    got = audit.entries(prov.conn, limit=1)[0]
    assert got.action == "bundle-import" and got.detail["sender"] == a.site_id
    assert got.detail["status"] == "imported"
    row = prov.conn.execute("SELECT seq, hash, warning FROM audit_peer_head WHERE site_id = ?",
                            (a.site_id,)).fetchone()
    assert tuple(row) == (head[0], head[1], None)
    assert audit.verify(a.conn).intact and audit.verify(prov.conn).intact


@pytest.mark.parametrize("how", ["shorter", "other"])
def test_a_rewritten_history_is_reported_and_stays_visible(pair, tmp_path, capsys, how):
    prov, a = pair
    [first] = a.export(tmp_path / "1", to=prov)
    assert prov.import_(first)[0].status == "imported"
    seen = _manifest(a, first, prov)["audit_head"]  # what the province saw
    a.store.add("person", {"full_name": "Giàng A Dơ"})
    [second] = a.export(tmp_path / "2", to=prov)

    def rewritten(m: dict) -> None:
        # As if the commune's log had been cut back, or rebuilt, since the first bundle.
        m["audit_head"] = ({"seq": seen["seq"] - 1, "hash": "e" * 64} if how == "shorter"
                           else {"seq": seen["seq"], "hash": "e" * 64})

    forged = _put(tmp_path / "3", second.name, tamper(a, second, prov, manifest=rewritten))
    [result] = prov.import_(forged)
    assert result.status == "imported"
    expected = f"Nhật ký của {a.name} đã bị viết lại?"
    assert any(expected in w for w in result.warnings), result.warnings
    capsys.readouterr()
    assert cli.main(["sites", "list", "--db", str(prov.path), "--json"]) == 0
    sites = {s["site_id"]: s for s in json.loads(capsys.readouterr().out)}
    assert expected in sites[a.site_id]["audit_warning"]


def test_a_later_bundle_with_a_longer_history_is_accepted_quietly(pair, tmp_path):
    prov, a = pair
    [first] = a.export(tmp_path / "1", to=prov)
    prov.import_(first)
    a.store.add("person", {"full_name": "Giàng A Dơ"})
    [second] = a.export(tmp_path / "2", to=prov)
    [result] = prov.import_(second)
    assert result.status == "imported" and result.warnings == []
    assert audit.peer_warnings(prov.conn) == {}


@pytest.mark.parametrize("bad", [
    "12", [1, "a" * 64], {"seq": "1", "hash": "a" * 64}, {"seq": 1, "hash": "a" * 63},
    {"seq": -5, "hash": "a" * 64}, {"seq": 1, "hash": "a" * 64, "note": "x" * 5000},
])
def test_a_malformed_head_refuses_the_bundle_and_changes_nothing(pair, tmp_path, bad):
    prov, a = pair
    [path] = a.export(tmp_path / "1", to=prov)

    def broken(m: dict) -> None:
        m["audit_head"] = bad

    forged = _put(tmp_path / "2", path.name, tamper(a, path, prov, manifest=broken))
    before = logical_dump(prov.conn)
    [result] = prov.import_(forged)
    assert result.status == "refused" and "audit_head" in result.message
    assert logical_dump(prov.conn) == before
    refused = audit.entries(prov.conn, limit=1)[0]  # the attempt itself is on record
    assert refused.action == "bundle-import" and refused.detail["status"] == "refused"


@pytest.mark.parametrize("older", [None, 2])
def test_a_sender_that_upgraded_its_log_is_a_new_baseline_and_a_rewrite_still_shows(pair,
                                                                                    tmp_path,
                                                                                    older):
    """Converting a log to format 2 (migration 13) or 3 (migration 25) keeps every seq and
    changes hashes: the province, having seen a format-1 or format-2 head at a seq (a commune
    not yet upgraded), must not cry "rewritten" at the first format-3 bundle with another
    hash there; a rewrite in format 3 is caught as before."""
    prov, a = pair
    [first] = a.export(tmp_path / "1", to=prov)
    a.store.add("person", {"full_name": "Giàng A Dơ"})
    [second] = a.export(tmp_path / "2", to=prov)
    manifest = _manifest(a, second, prov)
    assert manifest["audit_format"] == audit.FORMAT == 3
    now = manifest["audit_head"]

    def before_the_upgrade(m: dict) -> None:  # as an older program wrote it
        if older is None:
            del m["audit_format"]
        else:
            m["audit_format"] = older
        m["audit_head"] = {"seq": now["seq"], "hash": "e" * 64}

    old = _put(tmp_path / "old", first.name, tamper(a, first, prov, manifest=before_the_upgrade))
    assert prov.import_(old)[0].warnings == []
    [result] = prov.import_(second)
    assert result.status == "imported" and result.warnings == []
    row = prov.conn.execute("SELECT seq, hash, format FROM audit_peer_head WHERE site_id = ?",
                            (a.site_id,)).fetchone()
    assert tuple(row) == (now["seq"], now["hash"], 3)
    a.store.add("person", {"full_name": "Vàng Thị Mai"})
    [third] = a.export(tmp_path / "3", to=prov)

    def rewritten(m: dict) -> None:
        m["audit_head"] = {"seq": now["seq"], "hash": "f" * 64}

    forged = _put(tmp_path / "4", third.name, tamper(a, third, prov, manifest=rewritten))
    [result] = prov.import_(forged)
    assert any(f"Nhật ký của {a.name} đã bị viết lại?" in w for w in result.warnings)


@pytest.mark.parametrize("bad", ["2", 0, 1.5, None])
def test_a_malformed_head_format_refuses_the_bundle(pair, tmp_path, bad):
    prov, a = pair
    [path] = a.export(tmp_path / "1", to=prov)

    def broken(m: dict) -> None:
        m["audit_format"] = bad

    forged = _put(tmp_path / "2", path.name, tamper(a, path, prov, manifest=broken))
    [result] = prov.import_(forged)
    if bad is None:  # as if absent: format 1
        assert result.status == "imported"
    else:
        assert result.status == "refused" and "audit_head" in result.message
