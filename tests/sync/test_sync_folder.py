"""The sync folder (issue 15, "when a connection is available"): bundles written into a
folder a site names and imported from it when it can be reached; unreachable is a quiet note,
not an error; nothing is written again while nothing changed."""

from __future__ import annotations

import json

import pytest
from synckit import Node

from desktop import cli
from desktop.domain.errors import UserError
from desktop.sync import sync_folder


def has(node: Node, pid: str) -> bool:
    return node.conn.execute("SELECT 1 FROM person WHERE id = ?", (pid,)).fetchone() is not None


def test_unset_and_bad_folders_are_refused(network, tmp_path):
    prov, (a, _b) = network(2)
    with pytest.raises(UserError, match="Chưa đặt thư mục đồng bộ"):
        sync_folder.run(a.conn, a.keys)
    with pytest.raises(UserError, match="đường dẫn đầy đủ"):
        sync_folder.set_folder(a.conn, "relative/share")
    with pytest.raises(UserError, match="chứa cơ sở dữ liệu"):
        sync_folder.set_folder(a.conn, a.path.parent)
    assert sync_folder.folder(a.conn) is None


def test_a_missing_folder_is_noted_quietly_and_never_made(network, tmp_path):
    prov, (a, _b) = network(2)
    share = tmp_path / "share"  # the network drive is not mounted
    sync_folder.set_folder(a.conn, share)
    a.store.add("person", {"full_name": "Lò Văn Sáng"})
    result = sync_folder.run(a.conn, a.keys)
    assert not result.reachable and result.written == [] and result.imported is None
    assert "Không tới được thư mục đồng bộ" in result.lines()[0]
    assert not share.exists()  # not created: a share that is off-line stays so
    last = sync_folder.last_run(a.conn)
    assert last is not None and not last.reachable and "không tới được" in last.status_line()


def test_a_shared_folder_carries_bundles_both_ways_then_falls_quiet(network, tmp_path):
    prov, (a, b) = network(2)
    share = tmp_path / "share"
    share.mkdir()
    for node in (prov, a, b):
        sync_folder.set_folder(node.conn, share)
    pid = a.store.add("person", {"full_name": "Lò Văn Sáng"}).id
    first = sync_folder.run(a.conn, a.keys)
    assert [r.recipient_name for r in first.written] == ["prov"] and first.ok
    at_province = sync_folder.run(prov.conn, prov.keys)
    assert at_province.imported.imported == 1 and has(prov, pid)
    assert at_province.imported.own == 0
    assert sorted(r.recipient_name for r in at_province.written) == ["c0", "c1"]
    # A's own bundle is left alone; the one for B is not A's to open.
    back = sync_folder.run(a.conn, a.keys)
    assert back.imported.imported == 1 and back.imported.own == 1
    assert back.imported.elsewhere == 1
    # B takes the province's bundle for it (A's records stay in A's partition) and leaves
    # the three between A and the province (A's, the answer, A's acknowledgement).
    at_b = sync_folder.run(b.conn, b.keys)
    assert at_b.imported.imported == 1 and not has(b, pid) and at_b.imported.elsewhere == 3
    # Then, with nothing new anywhere, the runs write nothing more (after one
    # acknowledgement each way at most).
    for _round in range(2):
        for node in (prov, a, b):
            sync_folder.run(node.conn, node.keys)
    before = sorted(p.name for p in share.iterdir())
    for node in (prov, a, b):
        result = sync_folder.run(node.conn, node.keys)
        assert result.written == [] and result.imported.imported == 0 and result.ok
    assert sorted(p.name for p in share.iterdir()) == before
    assert "nhập 0 gói, ghi 0 gói" in sync_folder.last_run(a.conn).text


def test_the_command_line(network, tmp_path, capsys):
    prov, (a, _b) = network(2)
    share = tmp_path / "share"
    db = ["--db", str(a.path)]
    assert cli.main(["sync-folder", "set", str(share), *db]) == 0
    assert "chưa tới được" in capsys.readouterr().out
    assert cli.main(["sync-folder", "run", *db]) == 0  # unreachable: not a failure
    assert "Không tới được" in capsys.readouterr().out
    share.mkdir()
    assert cli.main(["sync-folder", "run", *db, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["reachable"] and [w["recipient_name"] for w in data["written"]] == ["prov"]
    assert cli.main(["sync-folder", "show", *db]) == 0
    out = capsys.readouterr().out
    assert f"Thư mục đồng bộ: {share}" in out and "Tới được: có" in out
    assert "lần chạy" in out and "ghi 1 gói" in out
    assert cli.main(["sync-folder", "clear", *db]) == 0
    assert sync_folder.folder(a.conn) is None
    assert cli.main(["sync-folder", "set", *db]) == 2


def test_a_window_does_not_read_the_same_files_again(network, tmp_path, monkeypatch):
    from desktop.sync import bundle

    prov, (a, _b) = network(2)
    share = tmp_path / "share"
    share.mkdir()
    for node in (prov, a):
        sync_folder.set_folder(node.conn, share)
    a.store.add("person", {"full_name": "Lò Văn Sáng"})
    sync_folder.run(a.conn, a.keys)
    [good] = share.glob("*.vsb")
    (share / "cut.vsb").write_bytes(good.read_bytes()[:-100])
    known: dict[str, tuple[int, int]] = {}
    first = sync_folder.run(prov.conn, prov.keys, known=known)
    assert first.imported.imported == 1 and first.imported.refused == 1
    decrypted: list[int] = []
    real = bundle.decrypt
    monkeypatch.setattr(bundle, "decrypt", lambda *a, **k: decrypted.append(1) or real(*a, **k))
    again = sync_folder.run(prov.conn, prov.keys, known=known)
    # Nothing read again, the damaged file not refused (nor logged) a second time; the
    # province's own new bundles are known too.
    assert decrypted == [] and again.imported.refused == 0
    assert again.imported.unchanged == 2 + len(first.written)
    b_id = a.store.add("person", {"full_name": "Quàng Thị Hoa"}).id
    sync_folder.run(a.conn, a.keys)  # a new file: read, imported
    decrypted.clear()
    third = sync_folder.run(prov.conn, prov.keys, known=known)
    # The new file read twice (its manifest first, then the import), no other.
    assert third.imported.imported == 1 and has(prov, b_id) and len(decrypted) == 2
