"""Record ids in two forms (issue 12): records made since are 19-character compact ids
(ids.new_record_id), records made before keep their UUIDs forever (they are the same record at
every site). A bundle of an older program, every id a UUID, still imports; a new record may
refer to an old one and travels with it; an id of neither shape is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from synckit import rewrite

from desktop.domain import ids, validation
from desktop.storage import writer


def _ids(conn, table: str) -> set[str]:
    return {r[0] for r in conn.execute(f"SELECT id FROM {table}")}


def test_a_new_record_gets_a_compact_id(network):
    _prov, [a] = network(1)
    pid = a.store.add("person", {"full_name": "Lò Văn Sáng"}).id
    assert len(pid) == ids.RECORD_ID_LENGTH and validation.RECORD_ID.fullmatch(pid)
    assert "-" not in pid


def test_an_old_bundle_with_uuid_ids_imports_and_new_records_refer_to_old_ones(
        network, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    prov, [a] = network(1)
    # The program of yesterday: every record id a UUIDv7.
    monkeypatch.setattr(writer, "new_record_id", ids.new_id)
    old_person = a.store.add("person", {"full_name": "Quàng Thị Hoa",
                                        "residence_unit_id": a.part}).id
    old_org = a.store.add("organization", {"name": "Tổ hòa giải bản Na Cô Sa",
                                           "org_type": "to_hoa_giai", "unit_id": a.part}).id
    assert len(old_person) == 36 and old_person.count("-") == 4
    [old_bundle] = a.export(tmp_path / "old")
    [r] = prov.import_(old_bundle)
    assert r.status == "imported", r.message
    assert {old_person} <= _ids(prov.conn, "person") and old_org in _ids(prov.conn, "organization")
    # Today's program at the same commune: a compact id beside the UUIDs, refering to them.
    monkeypatch.undo()
    new_person = a.store.add("person", {"full_name": "Lò Văn Sáng",
                                        "residence_unit_id": a.part}).id
    member = a.store.add("membership", {"person_id": old_person, "organization_id": old_org,
                                        "role": "to_vien"}).id
    a.store.edit("person", old_person, {"phone": "0912345678"})
    assert len(new_person) == len(member) == ids.RECORD_ID_LENGTH
    [new_bundle] = a.export(tmp_path / "new")
    [r] = prov.import_(new_bundle)
    assert r.status == "imported", r.message
    row = prov.conn.execute("SELECT person_id, organization_id FROM membership WHERE id = ?",
                            (member,)).fetchone()
    assert tuple(row) == (old_person, old_org)
    assert prov.conn.execute("SELECT phone FROM person WHERE id = ?",
                             (old_person,)).fetchone()[0] == "0912345678"
    assert new_person in _ids(prov.conn, "person")


@pytest.mark.parametrize("bad", [
    "06h4t3vcag04ms4snh",  # 18 characters
    "06h4t3vcag04ms4snh2g",  # 20
    "06H4T3VCAG04MS4SNH2",  # upper case: not the form this program makes
    "06h4t3vcag04ms4snhu",  # u is not in the alphabet
    "01a24d0d-d2bf-73fb-9d6a-9ac037c0395",  # a UUID one digit short
])
def test_an_id_of_neither_form_is_refused(network, tmp_path: Path, bad: str):
    prov, [a] = network(1)
    pid = a.store.add("person", {"full_name": "Lò Văn Sáng"}).id
    [path] = a.export(tmp_path / "usb")

    def line(o):
        if o["pk"] == pid:
            o["pk"] = bad
    hostile = tmp_path / "stick" / "hostile.vsb"
    hostile.parent.mkdir()
    hostile.write_bytes(rewrite(a, path, prov, line=line))
    [r] = prov.import_(hostile)
    assert r.status == "refused" and bad in r.message, r.message
    assert bad not in _ids(prov.conn, "person")


def test_an_older_program_asks_to_be_updated_for_compact_ids_and_still_reads_uuid_bundles(
        network, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The bundle says which schema reads it: 24 once it carries a compact id, 1 when it
    carries UUIDs only (an updated commune editing records made before)."""
    from desktop.storage import migrations

    prov, [a] = network(1)
    # The province runs the program of schema 23 (below): it said so, and gets change lines.
    a.conn.execute("UPDATE sync_site SET peer_schema = 23")
    with monkeypatch.context() as m:
        m.setattr(writer, "new_record_id", ids.new_id)
        old = a.store.add("person", {"full_name": "Quàng Thị Hoa"}).id
    [uuids_only] = a.export(tmp_path / "1")
    a.store.add("person", {"full_name": "Lò Văn Sáng"})
    [compact] = a.export(tmp_path / "2")
    # The province still runs the program of schema 23.
    monkeypatch.setattr(migrations, "latest_version", lambda: 23)
    [r] = prov.import_(uuids_only)
    assert r.status == "imported", r.message
    before = _ids(prov.conn, "person")
    [r] = prov.import_(compact)
    assert r.status != "imported" and "cập nhật ANTQ Desk" in r.message, r.message
    assert _ids(prov.conn, "person") == before and old in before
    monkeypatch.undo()
    [r] = prov.import_(compact)
    assert r.status == "imported", r.message
