"""Partitions come from the data, never from the sender (issue 10, finding 4): a record lives
in the partition of the unit it belongs to, computed the same way on every replica; a commune
cannot make a record that would never sync, nobody moves a record to another commune, and a
bundle that places records otherwise is refused, naming them, with nothing changed."""

from __future__ import annotations

from pathlib import Path

import pytest
from dbkit import logical_dump as full_dump
from synckit import Node, rewrite

from desktop import cli
from desktop.domain.errors import ValidationError
from desktop.storage import references


def logical_dump(conn) -> list[str]:
    """Everything but the audit log (and its head), where the refusal itself is recorded."""
    return [line for line in full_dump(conn)
            if not line.startswith(("audit_log:", "site_meta: ('audit_head'"))]


def unit_id(node: Node, code: str) -> str:
    return node.conn.execute("SELECT id FROM unit WHERE code = ? AND level = 'commune' AND "
                             "valid_to IS NULL", (code,)).fetchone()[0]


def part_of(node: Node, table: str, pk: str) -> str:
    return node.conn.execute(f"SELECT _part FROM {table} WHERE id = ?", (pk,)).fetchone()[0]


def put(tmp_path: Path, data: bytes) -> Path:
    p = tmp_path / "stick" / "hostile.vsb"
    p.parent.mkdir(exist_ok=True)
    p.write_bytes(data)
    return p


# -- the write path ------------------------------------------------------------------------------

def test_a_commune_cannot_add_a_person_living_in_another_commune(network):
    _prov, (a, b) = network(2)
    before = logical_dump(a.conn)
    with pytest.raises(ValidationError) as e:
        a.store.add("person", {"full_name": "Lò Văn Sáng", "residence_unit_id": b.part})
    assert e.value.field == "residence_unit_id"
    assert "Xã Mường Nhé" in str(e.value)  # the commune it must belong to
    with pytest.raises(ValidationError, match="Thuộc đơn vị: "):
        a.store.add("unit", {"name": "Bản Lạ", "level": "village", "parent_id": b.part})
    with pytest.raises(ValidationError, match="dòng 2, Nơi cư trú"):
        a.store.add_many("person", [{"full_name": "A", "residence_unit_id": a.part},
                                    {"full_name": "B", "residence_unit_id": b.part}])
    assert logical_dump(a.conn) == before


def test_a_commune_adds_in_its_own_villages_and_the_record_reaches_the_province(network,
                                                                               tmp_path):
    prov, (a, _b) = network(2)
    village = a.store.add("unit", {"name": "Bản Huổi Lếch", "level": "village",
                                   "parent_id": a.part}).id
    pid = a.store.add("person", {"full_name": "Lò Văn Sáng", "residence_unit_id": village}).id
    alone = a.store.add("person", {"full_name": "Quàng Thị Hoa"}).id  # linked to nothing
    assert {part_of(a, "unit", village), part_of(a, "person", pid),
            part_of(a, "person", alone)} == {a.part}
    [path] = a.export(tmp_path / "up")
    assert prov.import_(path)[0].status == "imported"
    assert part_of(prov, "person", pid) == a.part


def test_the_province_writes_anywhere_and_its_villages_go_to_their_commune(network, tmp_path):
    """A village the province adds belongs to its commune, on every replica, and so do the
    people living there."""
    prov, (a, b) = network(2)
    village = prov.store.add("unit", {"name": "Bản Mới", "level": "village",
                                      "parent_id": a.part}).id
    pid = prov.store.add("person", {"full_name": "Vàng A Dơ", "residence_unit_id": village}).id
    other = prov.store.add("person", {"full_name": "Giàng Thị Dở",
                                      "residence_unit_id": b.part}).id
    assert part_of(prov, "unit", village) == part_of(prov, "person", pid) == a.part
    for path in prov.export(tmp_path / "down", to=a):
        assert a.import_(path)[0].status == "imported"
    assert part_of(a, "person", pid) == a.part
    assert a.conn.execute("SELECT 1 FROM person WHERE id = ?", (other,)).fetchone() is None
    a.store.edit("person", pid, {"phone": "0912345678"})  # the commune may edit it


@pytest.mark.parametrize("where", ["province", "commune"])
def test_an_edit_cannot_move_a_record_to_another_commune(network, where):
    prov, (a, b) = network(2)
    node = prov if where == "province" else a
    village = node.store.add("unit", {"name": "Bản Huổi Lếch", "level": "village",
                                      "parent_id": a.part}).id
    pid = node.store.add("person", {"full_name": "Lò Văn Sáng",
                                    "residence_unit_id": a.part}).id
    node.store.edit("person", pid, {"residence_unit_id": village})  # within the commune: fine
    before = logical_dump(node.conn)
    with pytest.raises(ValidationError) as e:
        node.store.edit("person", pid, {"residence_unit_id": unit_id(node, b.part)})
    assert e.value.field == "residence_unit_id" and "Xã Mường Nhé" in str(e.value)
    with pytest.raises(ValidationError, match="Thuộc đơn vị: "):
        node.store.edit("unit", village, {"parent_id": unit_id(node, b.part)})
    assert logical_dump(node.conn) == before


def test_the_command_line_refuses_a_residence_in_another_commune(network, capsys):
    _prov, (a, b) = network(2)
    before = logical_dump(a.conn)
    capsys.readouterr()
    code = cli.main(["add", "person", "full_name=Lò Văn Sáng", f"residence_unit_id={b.part}",
                     "--db", str(a.path)])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "Nơi cư trú (thôn/bản)" in err, err
    assert "residence_unit_id" not in err
    assert logical_dump(a.conn) == before


# -- import ----------------------------------------------------------------------------------

@pytest.fixture
def up(network, tmp_path):
    """Commune A's person P and organization O reached the province, which also holds an
    organization of commune B; A has since edited P (an unsent bundle)."""
    prov, (a, b) = network(2)
    pid = a.store.add("person", {"full_name": "Lò Văn Sáng", "phone": "0912345678"}).id
    org = a.store.add("organization", {"name": "Tổ tự quản số 1", "org_type": "to_tu_quan",
                                       "unit_id": a.part}).id
    [path] = a.export(tmp_path / "usb1")
    assert prov.import_(path)[0].status == "imported"
    b_org = prov.store.add("organization", {"name": "Tổ ANTT Búng Lao", "org_type": "to_tu_quan",
                                            "unit_id": b.part}).id
    return prov, a, b, pid, org, b_org


def refused(node: Node, data: bytes, tmp_path: Path, *names: str) -> str:
    before = logical_dump(node.conn)
    [r] = node.import_(put(tmp_path, data))
    assert r.status == "refused", r.message
    for name in names:
        assert name in r.message, (name, r.message)
    assert logical_dump(node.conn) == before
    return r.message


def test_a_bundle_creating_a_person_living_in_another_commune_is_refused(up, tmp_path):
    prov, a, b, _pid, _org, _b_org = up
    qid = a.store.add("person", {"full_name": "Quàng Thị Hoa", "phone": "0987654321"}).id
    [path] = a.export(tmp_path / "usb2")
    elsewhere = unit_id(prov, b.part)

    def line(o):
        if o["pk"] == qid and o["f"] == "phone":
            o["f"], o["v"] = "residence_unit_id", elsewhere
    # The message names the sender, the record and the commune it belongs to.
    refused(prov, rewrite(a, path, prov, line=line), tmp_path, f"gói của {a.name}",
            f"person/{qid}", b.part)
    assert prov.import_(path)[0].status == "imported"  # the genuine bundle still goes in


def test_a_bundle_putting_a_member_into_another_communes_organization_is_refused(up,
                                                                                 tmp_path):
    prov, a, b, pid, org, b_org = up
    mid = a.store.add("membership", {"person_id": pid, "organization_id": org,
                                     "role": "to_vien"}).id
    [path] = a.export(tmp_path / "usb2")

    def line(o):
        if o["pk"] == mid and o["f"] == "organization_id":
            o["v"] = b_org
    refused(prov, rewrite(a, path, prov, line=line), tmp_path, f"membership/{mid}",
            "organization_id", b.part)


def test_a_bundle_moving_a_person_to_another_commune_is_refused(up, tmp_path):
    prov, a, b, pid, _org, _b_org = up
    a.store.edit("person", pid, {"phone": "0987654321"})
    [path] = a.export(tmp_path / "usb2")
    elsewhere = unit_id(prov, b.part)

    def line(o):
        if o["pk"] == pid and o["f"] == "phone":
            o["f"], o["v"] = "residence_unit_id", elsewhere
    refused(prov, rewrite(a, path, prov, line=line), tmp_path, f"person/{pid}")


def test_a_bundle_adding_a_unit_that_is_not_a_village_is_refused(up, tmp_path):
    prov, a, _b, _pid, _org, _b_org = up
    village = a.store.add("unit", {"name": "Bản Huổi Lếch", "level": "village",
                                   "parent_id": a.part}).id
    [path] = a.export(tmp_path / "usb2")

    def line(o):
        if o["pk"] == village and o["f"] == "level":
            o["v"] = "commune"
    refused(prov, rewrite(a, path, prov, line=line), tmp_path, f"unit/{village}")


def test_a_province_bundle_placing_a_person_against_its_data_is_refused(up, tmp_path):
    """The rule holds at every replica: a commune refuses a person of its partition who, by
    the data, lives in another commune."""
    prov, a, b, _pid, _org, _b_org = up
    qid = prov.store.add("person", {"full_name": "Vàng A Dơ", "phone": "0912345678",
                                    "residence_unit_id": a.part}).id
    [path] = prov.export(tmp_path / "down", to=a)
    elsewhere = unit_id(a, b.part)

    def line(o):
        if o["pk"] == qid and o["f"] == "residence_unit_id":
            o["v"] = elsewhere
    refused(a, rewrite(prov, path, a, line=line), tmp_path, f"person/{qid}")
    assert a.import_(path)[0].status == "imported"


def test_own_partitions_are_those_of_the_certificate(network):
    prov, (a, _b) = network(2)
    assert references.own_partitions(a.conn, a.keys.site) == (a.part,)
    assert references.own_partitions(prov.conn, prov.keys.site) is None
