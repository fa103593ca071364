"""Export, import and merge between real databases: the properties of SYNC.md §4."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from dbkit import logical_dump
from synckit import Node, visible

from desktop.domain import hlc
from desktop.storage import merge
from desktop.sync import conflicts, exchange


def sync(src: Node, dst: Node, folder: Path) -> list[exchange.ImportResult]:
    paths = src.export(folder, to=dst)
    results = dst.import_(*paths)
    assert all(r.status == "imported" for r in results), results
    return results


def person(node: Node, name: str = "Lò Văn Sáng", **more) -> str:
    return node.store.add("person", {"full_name": name, **more}).id


def open_conflicts(node: Node) -> list[conflicts.Conflict]:
    return conflicts.list_conflicts(node.conn)


@pytest.fixture
def three(network):
    return network(2)


def test_round_trip_and_relay_of_province_edits(three, tmp_path):
    prov, (a, b) = three
    pid = person(a, phone="0912345678")
    sync(a, prov, tmp_path / "1")
    prov.store.edit("person", pid, {"notes": "đã xác minh"})
    sync(prov, a, tmp_path / "2")
    row = a.conn.execute("SELECT notes, full_name FROM person WHERE id = ?", (pid,)).fetchone()
    assert tuple(row) == ("đã xác minh", "Lò Văn Sáng")
    # Relayed unchanged: same origin, stamp and sequence everywhere.
    assert visible(a.conn, {a.part}) == visible(prov.conn, {a.part})
    # The other commune never receives the first commune's partition.
    sync(prov, b, tmp_path / "3")
    assert b.conn.execute("SELECT count(*) FROM person WHERE id = ?", (pid,)).fetchone()[0] == 0
    assert not any(p == a.part for (_o, p) in merge.version_vector(b.conn))


def test_derived_columns_follow_a_remote_value(three, tmp_path):
    prov, (a, _b) = three
    pid = person(a, "Nguyễn Văn Đức")
    sync(a, prov, tmp_path / "1")
    from desktop.storage import search

    assert [h.id for h in search.search(prov.conn, "nguyen van duc")] == [pid]
    a.store.edit("person", pid, {"full_name": "Trần Thị Hoa"})
    sync(a, prov, tmp_path / "2")
    assert [h.id for h in search.search(prov.conn, "tran thi hoa")] == [pid]
    assert search.search(prov.conn, "nguyen van duc") == []


def test_exporting_changes_nothing(three, tmp_path):
    prov, (a, _b) = three
    person(a)
    before = logical_dump(a.conn)
    a.export(tmp_path / "1")
    a.export(tmp_path / "2")
    assert logical_dump(a.conn) == before


def test_reimport_changes_nothing(three, tmp_path):
    prov, (a, _b) = three
    person(a)
    [f] = a.export(tmp_path / "1")
    copy = f.read_bytes()
    assert prov.import_(f)[0].status == "imported"
    before = logical_dump(prov.conn)
    (tmp_path / "again.vsb").write_bytes(copy)
    [r] = prov.import_(tmp_path / "again.vsb")
    assert r.status == "already"
    assert logical_dump(prov.conn) == before


def test_dry_run_summarises_and_changes_nothing(three, tmp_path):
    prov, (a, _b) = three
    person(a)
    person(a, "Quàng Thị Mai")
    [f] = a.export(tmp_path / "1")
    before = logical_dump(prov.conn)
    [r] = prov.import_(f, dry_run=True)
    assert r.status == "checked" and r.counts == {"person": 2}
    assert r.stats["new_records"] == {"person": 2}
    assert logical_dump(prov.conn) == before and f.exists()
    assert prov.import_(f)[0].status == "imported"


def test_a_lost_bundle_is_healed_by_the_next(three, tmp_path):
    prov, (a, _b) = three
    p1 = person(a, "Một")
    a.export(tmp_path / "lost")  # never delivered
    p2 = person(a, "Hai")
    sync(a, prov, tmp_path / "2")
    ids = {r[0] for r in prov.conn.execute("SELECT id FROM person WHERE id IN (?, ?)", (p1, p2))}
    assert ids == {p1, p2}


def test_bundles_in_any_order(three, tmp_path):
    prov, (a, _b) = three
    pid = person(a, "Một")
    [f1] = a.export(tmp_path / "1")
    a.store.edit("person", pid, {"phone": "0912345678"})
    [f2] = a.export(tmp_path / "2")
    assert [r.status for r in prov.import_(f2, f1)] == ["imported", "imported"]
    assert visible(prov.conn, {a.part}) == visible(a.conn, {a.part})
    assert open_conflicts(prov) == []


def test_sequential_edits_make_no_conflict(three, tmp_path):
    prov, (a, _b) = three
    pid = person(a)
    sync(a, prov, tmp_path / "1")
    prov.store.edit("person", pid, {"phone": "0911111111"})
    sync(prov, a, tmp_path / "2")
    a.store.edit("person", pid, {"phone": "0922222222"})
    sync(a, prov, tmp_path / "3")
    assert open_conflicts(prov) == [] and open_conflicts(a) == []
    assert visible(prov.conn, {a.part}) == visible(a.conn, {a.part})


def test_concurrent_edits_are_logged_at_both_and_resolved_everywhere(three, tmp_path):
    prov, (a, _b) = three
    pid = person(a)
    sync(a, prov, tmp_path / "1")
    a.store.edit("person", pid, {"phone": "0911111111"})
    prov.store.edit("person", pid, {"phone": "0922222222"})
    sync(a, prov, tmp_path / "2")
    sync(prov, a, tmp_path / "3")
    assert visible(prov.conn, {a.part}) == visible(a.conn, {a.part})
    # Logged at the hub, which sees both sides, and at the loser's site when the winner
    # arrives; the winner's site has nothing to review.
    [cp] = open_conflicts(prov)
    assert cp.field == "phone"
    assert {cp.loser_value, cp.winner_value} == {"0911111111", "0922222222"}
    # Either may win (two edits in one millisecond tie, and the larger site id wins): the
    # winner is the greater (stamp, site), its value is each site's, and it is the site's
    # whose edit it was.
    stamps = prov.conn.execute("SELECT winner_hlc, winner_origin, loser_hlc, loser_origin "
                               "FROM sync_conflict WHERE id = ?", (cp.id,)).fetchone()
    assert (stamps[0], stamps[1]) > (stamps[2], stamps[3])
    edited = {a.site_id: "0911111111", prov.site_id: "0922222222"}
    assert (cp.winner_value, cp.loser_value) == (edited[cp.winner_origin],
                                                 edited[cp.loser_origin])
    for node in (prov, a):
        assert node.conn.execute("SELECT phone FROM person WHERE id = ?",
                                 (pid,)).fetchone()[0] == cp.winner_value, node.name
    at_a = open_conflicts(a)
    assert [c.id for c in at_a] == ([cp.id] if cp.loser_origin == a.site_id else [])
    # Re-delivering does not log it twice.
    sync(a, prov, tmp_path / "4")
    assert len(conflicts.list_conflicts(prov.conn, include_closed=True)) == 1
    resolved = conflicts.resolve_conflict(prov.store, cp.id, "mine")
    assert resolved.status == "restored"
    value = prov.conn.execute("SELECT phone FROM person WHERE id = ?", (pid,)).fetchone()[0]
    assert value == cp.loser_value
    sync(prov, a, tmp_path / "5")
    sync(a, prov, tmp_path / "6")
    assert open_conflicts(a) == [] and open_conflicts(prov) == []
    assert visible(prov.conn, {a.part}) == visible(a.conn, {a.part})


@pytest.mark.parametrize("keep", ["mine", "theirs"])
def test_delete_versus_edit_is_always_flagged(three, tmp_path, keep):
    prov, (a, _b) = three
    pid = person(a)
    sync(a, prov, tmp_path / "1")
    a.store.delete("person", pid)
    prov.store.edit("person", pid, {"phone": "0933333333"})
    sync(a, prov, tmp_path / "2")
    sync(prov, a, tmp_path / "3")
    assert visible(prov.conn, {a.part}) == visible(a.conn, {a.part})
    [cp], [ca] = open_conflicts(prov), open_conflicts(a)
    assert cp.id == ca.id and cp.kind == "delete" and cp.severity == "high"
    conflicts.resolve_conflict(a.store, ca.id, keep)
    sync(a, prov, tmp_path / "4")
    sync(prov, a, tmp_path / "5")
    assert open_conflicts(a) == [] and open_conflicts(prov) == []
    deleted = prov.conn.execute("SELECT _deleted FROM person WHERE id = ?", (pid,)).fetchone()[0]
    assert deleted == (0 if keep == "mine" else 1)
    assert visible(prov.conn, {a.part}) == visible(a.conn, {a.part})


def test_resolve_with_a_typed_value(three, tmp_path):
    prov, (a, _b) = three
    pid = person(a)
    sync(a, prov, tmp_path / "1")
    a.store.edit("person", pid, {"birth_date": "1990"})
    prov.store.edit("person", pid, {"birth_date": "1991"})
    sync(a, prov, tmp_path / "2")
    [c] = open_conflicts(prov)
    conflicts.resolve_conflict(prov.store, c.id[:10], "02/03/1990")
    row = prov.conn.execute("SELECT birth_date FROM person WHERE id = ?", (pid,)).fetchone()
    assert row[0] == "1990-03-02"


def test_a_causal_edit_wins_however_slow_its_clock(three, tmp_path, monkeypatch):
    prov, (a, _b) = three
    pid = person(a)
    sync(a, prov, tmp_path / "1")
    prov.store.edit("person", pid, {"phone": "0911111111"})
    sync(prov, a, tmp_path / "2")
    ten_years = 10 * 365 * 24 * 3600 * 1000
    real = hlc.wall_ms_now()
    monkeypatch.setattr(hlc.HybridClock, "__init__", _clock_at(real - ten_years))
    a.store.edit("person", pid, {"phone": "0922222222"})
    monkeypatch.undo()
    sync(a, prov, tmp_path / "3")
    value = prov.conn.execute("SELECT phone FROM person WHERE id = ?", (pid,)).fetchone()[0]
    assert value == "0922222222" and open_conflicts(prov) == []


def _clock_at(ms: int):
    def init(self, last: int = 0, wall=None) -> None:
        self.last = last
        self.wall = lambda: ms
    return init


def test_a_sender_clock_years_off_is_warned(three, tmp_path, monkeypatch):
    prov, (a, _b) = three
    person(a)
    [f] = a.export(tmp_path / "1")
    monkeypatch.setattr(exchange, "wall_ms_now", lambda: hlc.wall_ms_now() + 3 * 86_400_000)
    [r] = prov.import_(f)
    assert r.status == "imported" and any("lệch" in w for w in r.warnings)


def test_unknown_fields_are_kept_and_sent_on(three, tmp_path):
    from synckit import in_change_lines, tamper

    prov, (a, b) = three
    pid = person(a)
    [good] = a.export(tmp_path / "1")

    def add_field(d, m):
        import hashlib

        line = json.dumps({"t": "person", "pk": pid, "f": "nickname", "v": "Sáng Béo",
                           "h": 1, "o": a.site_id, "p": a.part, "s": 1, "hist": []},
                          ensure_ascii=False, separators=(",", ":"))
        data = d["changes/000001.jsonl"].decode()
        # Re-stamp the unknown field with a fresh dot inside the sender's vector.
        seq = max(v for k, v in m["sender_vector"].items()) + 1
        line = line.replace('"s":1', f'"s":{seq}')
        m["sender_vector"][f"{a.site_id}|{a.part}"] = seq
        data += line + "\n"
        d["changes/000001.jsonl"] = data.encode()
        m["files"]["changes/000001.jsonl"].update(
            sha256=hashlib.sha256(data.encode()).hexdigest(), bytes=len(data.encode()),
            records=m["files"]["changes/000001.jsonl"]["records"] + 1)
    bad = tmp_path / "x.vsb"
    bad.write_bytes(tamper(a, good, prov, members=add_field,
                           data=in_change_lines(a, good, prov)))  # as change lines
    assert prov.import_(bad)[0].status == "imported"
    extras = prov.conn.execute("SELECT _extras FROM person WHERE id = ?", (pid,)).fetchone()[0]
    assert json.loads(extras) == {"nickname": "Sáng Béo"}
    # The province sends it on to the owning commune unchanged.
    cells = merge.cells_to_send(prov.conn, {}, {a.part}.__contains__)
    assert any(c[2] == "nickname" and c[3] == "Sáng Béo" for c in cells)


def test_attachments_travel_with_their_record(three, tmp_path):
    from desktop.storage import attachments
    from desktop.storage.paths import attachments_dir

    prov, (a, _b) = three
    pid = person(a)
    marker = b"BIEN-BAN-MAT-7f3a9c"
    scan = tmp_path / "Biên bản họp Lò Văn Ấn.pdf"
    scan.write_bytes(b"%PDF-1.4 " + marker * 1000)
    att = attachments.attach(a.store, "person", pid, scan)
    sync(a, prov, tmp_path / "1")
    rec = prov.conn.execute("SELECT * FROM attachment WHERE id = ?", (att.id,)).fetchone()
    # Stored encrypted at the province too, under its own database's keys ...
    stored = [p for p in attachments_dir(prov.path).rglob("*") if p.is_file()]
    assert len(stored) == 1 and marker not in stored[0].read_bytes()
    assert rec["sha256"] not in str(stored[0]) and "Biên" not in str(stored[0])
    # ... and handed out byte for byte, under its name.
    out = attachments.export_attachment(prov.conn, rec, tmp_path / "out.pdf")
    assert out.read_bytes() == scan.read_bytes()
    assert rec["filename"] == scan.name


def test_progress_and_cancel(three, tmp_path, monkeypatch):
    prov, (a, _b) = three
    monkeypatch.setattr(merge, "PROGRESS_EVERY", 2)
    for i in range(5):
        person(a, f"Người {i}")
    [f] = a.export(tmp_path / "1")
    before = logical_dump(prov.conn)
    [r] = exchange.import_files(prov.conn, prov.keys, [f], cancel=lambda: True)
    assert r.status == "cancelled" and logical_dump(prov.conn) == before and f.exists()
    seen = []
    [r] = exchange.import_files(prov.conn, prov.keys, [f],
                                progress=lambda *a: seen.append(a))
    assert r.status == "imported" and seen and seen[-1][0] == 1


def test_a_folder_of_bundles_from_many_communes(network, tmp_path):
    prov, communes = network(3)
    usb = tmp_path / "usb"
    for c in communes:
        person(c)
        c.export(usb)
    results = prov.import_(usb)
    assert [r.status for r in results] == ["imported"] * 3
    assert prov.conn.execute("SELECT count(*) FROM sync_import_log").fetchone()[0] == 3



def test_an_import_is_protected_by_its_undo_journal_not_a_copy(three, tmp_path):
    """Issue 6 asked for a way back from every import; issue 12 made it the import's undo
    journal (tests/sync/test_undo_import.py) instead of a whole copy of the database."""
    from desktop.storage import backup, undo

    prov, (a, _b) = three
    person(a)
    bundles = a.export(tmp_path / "stick", prov)
    prov.import_(*bundles, dry_run=True)
    assert undo.journals(prov.conn) == []
    prov.import_(*bundles)
    assert [j.bundle_id for j in undo.journals(prov.conn)] == [
        r[0] for r in prov.conn.execute("SELECT bundle_id FROM sync_import_log")]
    assert backup.list_backups(prov.path) == []
