"""Conflict records travel upward: a commune's value that lost to an incoming one before it
was ever sent is still in the province's review queue (SYNC §3.6)."""

from __future__ import annotations

from pathlib import Path

from dbkit import logical_dump, stamped_after
from synckit import Node, tamper

from desktop.sync import conflicts, files


def sync(src: Node, dst: Node, folder: Path) -> None:
    paths = src.export(folder, to=dst)
    assert all(r.status == "imported" for r in dst.import_(*paths))


def open_ids(node: Node) -> set[str]:
    return {c.id for c in conflicts.list_conflicts(node.conn)}


def lost_at_the_commune(network, tmp_path):
    """A edits, the province edits later; A hears of it before it sends its own value."""
    prov, (a,) = network(1)
    pid = a.store.add("person", {"full_name": "Lò Văn Sáng"}).id
    sync(a, prov, tmp_path / "0")
    a.store.edit("person", pid, {"phone": "0911111111"})
    with stamped_after(a.conn):  # later by its stamp, whatever the wall clock reads
        prov.store.edit("person", pid, {"phone": "0922222222"})
    sync(prov, a, tmp_path / "1")
    [c] = conflicts.list_conflicts(a.conn)
    assert c.loser_origin == a.site_id and c.loser_value == "0911111111"
    assert open_ids(prov) == set()  # the province never saw A's value
    return prov, a, pid, c


def test_the_province_queue_gets_the_communes_conflicts(network, tmp_path):
    prov, a, pid, c = lost_at_the_commune(network, tmp_path)
    [up] = a.export(tmp_path / "2", to=prov)
    [r] = prov.import_(up)
    assert r.status == "imported" and r.stats["conflicts_new"] == 1
    got = conflicts.get_conflict(prov.conn, c.id)
    assert (got.status, got.loser_value, got.winner_value) == ("open", "0911111111",
                                                               "0922222222")
    assert prov.import_(up)[0].status == "already"
    # Resolved at the province: closed at the commune, and no longer sent.
    conflicts.resolve_conflict(prov.store, c.id, "mine")
    sync(prov, a, tmp_path / "3")
    assert open_ids(a) == set()
    [(phone,)] = a.conn.execute("SELECT phone FROM person WHERE id = ?", (pid,)).fetchall()
    assert phone == "0911111111"
    [up2] = a.export(tmp_path / "4", to=prov)
    before = conflicts.list_conflicts(prov.conn, include_closed=True)
    assert prov.import_(up2)[0].status == "imported"
    assert conflicts.list_conflicts(prov.conn, include_closed=True) == before


def test_a_conflict_already_resolved_arrives_closed(network, tmp_path):
    prov, a, _pid, c = lost_at_the_commune(network, tmp_path)
    [with_conflict] = a.export(tmp_path / "2", to=prov)
    conflicts.resolve_conflict(a.store, c.id, "theirs")  # resolved at the commune
    [resolution] = a.export(tmp_path / "3", to=prov)
    assert prov.import_(resolution)[0].status == "imported"
    assert prov.import_(with_conflict)[0].status == "imported"  # late stick
    assert conflicts.get_conflict(prov.conn, c.id).status == "closed"
    assert open_ids(prov) == set()


def refused(node: Node, path: Path, expected: str) -> None:
    before = logical_dump(node.conn)
    [result] = node.import_(path)
    assert result.status == "refused" and expected in result.message, result
    assert logical_dump(node.conn) == before
    assert result.quarantined_to is not None
    assert result.quarantined_to.parent == files.quarantine_dir(node.path)


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / "bad" / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)
    return p


def test_forged_conflicts_are_refused(network, tmp_path):
    prov, a, _pid, c = lost_at_the_commune(network, tmp_path)
    [up] = a.export(tmp_path / "2", to=prov)
    edits = {
        "dot": lambda x: x.update(loser_seq=x["loser_seq"] + 1),
        "part": lambda x: x.update(loser_part="ref", winner_part="ref"),
        "site": lambda x: x.update(detected_site=prov.site_id),
        "shape": lambda x: x.pop("severity"),
        "id": lambda x: x.update(id="0" * 32),
    }
    for name, edit in edits.items():
        def change(m, edit=edit):
            edit(m["conflicts"][0])
        data = tamper(a, up, prov, manifest=change)
        refused(prov, _write(tmp_path, f"{name}.vsb", data), "xung đột")
    [down] = prov.export(tmp_path / "3", to=a)

    def from_province(m):
        m["conflicts"] = []
    refused(a, _write(tmp_path, "down.vsb", tamper(prov, down, a, manifest=from_province)),
            "chỉ xã/phường")


def test_the_conflicts_sent_stay_within_a_budget(network, tmp_path, monkeypatch):
    prov, a, _pid, c = lost_at_the_commune(network, tmp_path)
    monkeypatch.setattr(conflicts, "MAX_CONFLICT_BYTES", 10)
    assert conflicts.conflicts_to_send(a.conn, {a.part}) == []
    monkeypatch.setattr(conflicts, "MAX_CONFLICT_BYTES", 1 << 20)
    assert [x["id"] for x in conflicts.conflicts_to_send(a.conn, {a.part})] == [c.id]
    assert conflicts.conflicts_to_send(a.conn, {"ref"}) == []
