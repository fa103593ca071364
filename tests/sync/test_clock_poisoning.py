"""Clocks cannot be poisoned (issue 10, finding 1): no stamp or sequence number from a bundle
can overflow, make the importing site unable to write, or make its later edits lose."""

from __future__ import annotations

from pathlib import Path

import pytest
from dbkit import logical_dump
from synckit import Node, rewrite

from desktop.domain.hlc import pack, unpack, wall_ms_now
from desktop.sync import clocks
from desktop.sync.bundle import vector_out

YEAR = clocks.YEAR_MS


@pytest.fixture
def setup(network, tmp_path: Path):
    prov, (a, b) = network(2)
    pid = a.store.add("person", {"full_name": "Lò Văn Sáng", "phone": "0912345678"}).id
    [good] = a.export(tmp_path / "usb")
    assert prov.import_(good)[0].status == "imported"
    a.store.edit("person", pid, {"phone": "0987654321"})
    [edit] = a.export(tmp_path / "usb2")
    return prov, a, b, edit, pid


def dump(node: Node) -> list[str]:
    return logical_dump(node.conn)


def put(tmp_path: Path, data: bytes) -> Path:
    p = tmp_path / "stick" / "x.vsb"
    p.parent.mkdir(exist_ok=True)
    p.write_bytes(data)
    return p


def still_works(prov: Node, other: Node, pid: str, tmp_path: Path) -> None:
    """The province edits the commune's record, and its next bundle imports elsewhere."""
    prov.store.edit("person", pid, {"full_name": "Lò Văn Sáng Mới"})
    prov.store.add("person", {"full_name": "Quàng Thị Hoa"})
    for path in prov.export(tmp_path / "after", to=other):
        assert other.import_(path)[0].status == "imported"
    stamp = int(prov.conn.execute("SELECT value FROM site_meta WHERE key='hlc'").fetchone()[0])
    assert unpack(stamp)[0] < wall_ms_now() + clocks.DAY_MS  # the province's clock is sane


def far(ms_ahead: int):
    stamp = pack(wall_ms_now() + ms_ahead, 0)

    def line(o):
        o["h"] = stamp

    def manifest(m):
        m["sender_counter"] = stamp + 1
    return line, manifest


@pytest.mark.parametrize("stamp", [2**63 - 1, 2**63 - 2**16, (2**47 - 1) << 16])
def test_stamps_near_the_top_of_the_range(setup, tmp_path, stamp):
    prov, a, _b, edit, pid = setup

    def line(o):
        o["h"] = stamp

    def manifest(m):
        m["sender_counter"] = stamp
    before = dump(prov)
    [r] = prov.import_(put(tmp_path, rewrite(a, edit, prov, line=line, manifest=manifest)))
    assert r.status == "refused" and a.name in r.message, r.message
    assert dump(prov) == before
    still_works(prov, a, pid, tmp_path)


def test_a_stamp_a_hundred_years_ahead_is_refused_naming_the_skew(setup, tmp_path):
    prov, a, b, edit, pid = setup
    line, manifest = far(100 * YEAR)
    before = dump(prov)
    [r] = prov.import_(put(tmp_path, rewrite(a, edit, prov, line=line, manifest=manifest)))
    assert r.status == "refused" and a.name in r.message and "100 năm" in r.message
    assert dump(prov) == before
    still_works(prov, b, pid, tmp_path)


def test_a_clock_years_ahead_is_accepted_with_a_warning(setup, tmp_path):
    """An honest site whose clock is wrong by years still exchanges (and converges: see the
    state machine); the officer is told."""
    prov, a, b, edit, pid = setup
    line, manifest = far(3 * YEAR)
    [r] = prov.import_(put(tmp_path, rewrite(a, edit, prov, line=line, manifest=manifest)))
    assert r.status == "imported", r.message
    assert any("đi trước" in w and "3 năm" in w for w in r.warnings)
    # A later edit at the province still wins over the imported value.
    prov.store.edit("person", pid, {"phone": "0911111111"})
    [to_a] = prov.export(tmp_path / "back", to=a)
    assert a.import_(to_a)[0].status == "imported"
    assert a.conn.execute("SELECT phone FROM person WHERE id = ?", (pid,)).fetchone()[0] \
        == "0911111111"


def test_a_stamp_after_the_senders_own_clock(setup, tmp_path):
    prov, a, _b, edit, _pid = setup

    def line(o):
        o["h"] += 1 << 20
    before = dump(prov)
    [r] = prov.import_(put(tmp_path, rewrite(a, edit, prov, line=line)))
    assert r.status == "refused" and "đồng hồ của chính" in r.message
    assert dump(prov) == before


@pytest.mark.parametrize("claimed,says", [(2**63 - 1, "vector"), (5, "điểm này mới ghi 1")])
def test_a_vector_claiming_the_importers_own_changes(setup, tmp_path, claimed, says):
    """An entry of 2^63-1 for the province's own origin would overflow its next write in
    that partition; any entry above what it wrote would make it believe the commune has
    changes it never received."""
    prov, a, b, edit, pid = setup
    prov.store.edit("person", pid, {"full_name": "Sửa ở tỉnh"})  # the province writes in a's part

    def claim(m):
        m["sender_vector"] = {**m["sender_vector"],
                              **vector_out({(prov.site_id, a.part): claimed})}
    before = dump(prov)
    [r] = prov.import_(put(tmp_path, rewrite(a, edit, prov, manifest=claim)))
    assert r.status == "refused" and says in r.message, r.message
    assert dump(prov) == before
    still_works(prov, a, pid, tmp_path)


def test_an_absurd_sequence_number(setup, tmp_path):
    prov, a, _b, edit, _pid = setup

    def line(o):
        o["s"] = 2**62

    def manifest(m):
        m["sender_vector"] = vector_out({(a.site_id, a.part): 2**62})
    before = dump(prov)
    [r] = prov.import_(put(tmp_path, rewrite(a, edit, prov, line=line, manifest=manifest)))
    assert r.status == "refused"
    assert dump(prov) == before


def test_a_change_forged_in_the_importers_name(setup, tmp_path):
    """A commune cannot put words in the province's mouth: a version carrying the
    province's origin that the province never made is refused."""
    prov, a, _b, _edit, pid = setup
    prov.store.edit("person", pid, {"phone": "0900000000"})
    [down] = prov.export(tmp_path / "down", to=a)
    assert a.import_(down)[0].status == "imported"
    a.store.edit("person", pid, {"full_name": "Tên do xã sửa"})
    [up] = a.export(tmp_path / "up")

    def forge(o):
        if o["f"] == "full_name":
            o["o"], o["p"] = prov.site_id, a.part
            vv = {(prov.site_id, a.part): 1}
            o["s"] = vv[(prov.site_id, a.part)]
    before = dump(prov)
    [r] = prov.import_(put(tmp_path, rewrite(a, up, prov, line=forge)))
    assert r.status == "refused" and "điểm này" in r.message, r.message
    assert dump(prov) == before
