"""The members by rowids (storage/roster_members.py) after an import and its undo: derived at
the site that imports, never sent; an import writes memberships before their people and the
rows end with every person found; an undo leaves the table as it was."""

from __future__ import annotations

import itertools

from desktop.storage import roster_members, undo

FILTERS = [("to_hoa_giai", None), (None, "to_truong"), ("to_bao_ve_antt", "to_vien")]


def _stored(conn):
    return sorted(tuple(r) for r in conn.execute("SELECT * FROM roster_member"))


def _afresh(conn):
    select = roster_members._DERIVED[roster_members._DERIVED.index("SELECT"):]  # noqa: SLF001
    return sorted(tuple(r) for r in conn.execute(select))


def _by_ids(conn, org_type, role):
    return [int(r[0]) for r in conn.execute(
        "SELECT p._rowid FROM person p WHERE p.id IN (SELECT m.person_id FROM membership m "
        "JOIN organization o ON o.id = m.organization_id AND o._deleted = 0 WHERE "
        "m._deleted = 0 AND m.left_date IS NULL AND o.org_type = coalesce(?, o.org_type) AND "
        "m.role = coalesce(?, m.role)) ORDER BY 1", (org_type, role))]


def test_an_import_and_its_undo(network, tmp_path):
    prov, (a, _b) = network(2)
    village = a.store.add("unit", {"name": "Bản Huổi Lếch", "level": "village",
                                   "parent_id": a.part}).id
    people = a.store.add_many("person", [{"full_name": f"Lò Văn Sáng {i}",
                                          "residence_unit_id": village} for i in range(9)])
    orgs = [a.store.add("organization", {"name": f"Tổ {t}", "org_type": t,
                                         "unit_id": village}).id
            for t in ("to_hoa_giai", "to_bao_ve_antt")]
    for pid, org, role in zip(people, itertools.cycle(orgs),
                              itertools.cycle(("to_truong", "to_vien", "hoa_giai_vien")),
                              strict=False):
        a.store.add("membership", {"person_id": pid, "organization_id": org, "role": role})
    before = _stored(prov.conn)
    results = prov.import_(*a.export(tmp_path / "1", to=prov))
    assert [r.status for r in results] == ["imported"]
    rows = _stored(prov.conn)
    assert len(rows) == 9 and rows == _afresh(prov.conn)
    assert all(person > 0 for *_k, person in rows)  # every person found at the import's end
    for org_type, role in FILTERS:
        assert roster_members.person_rowids(prov.conn, org_type, role) == _by_ids(
            prov.conn, org_type, role) != []
    undo.undo(prov.conn)
    assert _stored(prov.conn) == before == _afresh(prov.conn)
