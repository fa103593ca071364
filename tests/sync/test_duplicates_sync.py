"""The same person recorded by two communes (issue 15): found at the province, merged there,
the alias carried down by bundles as ordinary versioned changes; what a commune wrote about
the old record before it heard of the merge (an edit, a new attendance) reaches the survivor,
and every site converges."""

from __future__ import annotations

from synckit import visible

from desktop.domain.kinds import KINDS
from desktop.storage import aliases, duplicates, records


def _village(node, name):
    return node.store.add("unit", {"name": name, "level": "village",
                                   "parent_id": node.part}).id


def _exchange(prov, communes, tmp_path, tag):
    """Every commune up to the province, then the province down to every commune."""
    for c in communes:
        for path in c.export(tmp_path / f"{tag}-up-{c.name}", to=prov):
            assert prov.import_(path)[0].status == "imported"
    for c in communes:
        for path in prov.export(tmp_path / f"{tag}-down-{c.name}", to=c):
            assert c.import_(path)[0].status == "imported"


def _same(prov, communes):
    for c in communes:
        parts = {c.part, "ref"}
        assert visible(c.conn, parts) == visible(prov.conn, parts), c.name


def _get(node, kind, rid):
    return records.get(node.conn, KINDS[kind], rid)


def test_two_communes_one_man_merged_at_the_province_and_late_writes_follow(network,
                                                                            tmp_path):
    prov, (a, b) = network(2)
    va, vb = _village(a, "Bản Huổi Lếch"), _village(b, "Bản Co Đứa")
    # Mường Nhé records him with his CCCD; Búng Lao records him again, spelt without tones.
    pa = a.store.add("person", {"full_name": "Lò Văn Đức", "birth_date": "05/03/1985",
                                "citizen_id": "011085000123", "residence_unit_id": va}).id
    pb = b.store.add("person", {"full_name": "LO VAN DUC", "birth_date": "05/03/1985",
                                "citizen_id": "011085000123", "phone": "0912345678",
                                "residence_unit_id": vb}).id
    org_b = b.store.add("organization", {"name": "Tổ tự quản bản Co Đứa",
                                         "org_type": "to_tu_quan", "unit_id": vb}).id
    m_b = b.store.add("membership", {"person_id": pb, "organization_id": org_b,
                                     "role": "thanh_vien"}).id
    deed_b = b.store.add("deed", {"person_id": pb, "description": "Giúp dân chống lũ",
                                  "deed_date": "2025"}).id
    meeting_b = b.store.add("meeting", {"organization_id": org_b, "title": "Họp tổ",
                                        "started_at": "08:00 01/06/2026"}).id
    _exchange(prov, [a, b], tmp_path, "1")

    # The province sees one candidate across the two communes: the same CCCD.
    [c] = duplicates.candidates(prov.conn)
    assert {c.a, c.b} == {pa, pb} and c.score == 100 and "citizen_id" in c.reasons
    assert duplicates.candidates(a.conn) == [] and duplicates.candidates(b.conn) == []

    # Before the merge reaches Búng Lao, its officer edits the old record and writes an
    # attendance naming it.
    b.store.edit("person", pb, {"education": "12/12"})
    att = b.store.add("attendance", {"meeting_id": meeting_b, "person_id": pb,
                                     "present": "có"}).id

    duplicates.merge(prov.store, c.id, pa)  # keep Mường Nhé's record
    assert _get(prov, "person", pa)["phone"] == "0912345678"
    assert _get(prov, "membership", m_b)["person_id"] == pa
    # The deed follows its person into Mường Nhé's partition: a copy there, the old deleted.
    assert _get(prov, "deed", deed_b)["deleted"]
    [copy] = prov.conn.execute("SELECT id, _part FROM deed WHERE person_id = ? AND "
                               "_deleted = 0", (pa,)).fetchall()
    assert copy["_part"] == a.part

    for rnd in ("2", "3"):
        _exchange(prov, [a, b], tmp_path, rnd)
    _same(prov, [a, b])

    # Everywhere: the old id is an alias of the survivor; the late attendance and the late
    # edit reached the survivor.
    for node in (prov, b):
        old = _get(node, "person", pb)
        assert old["merged_into"] == pa and old["deleted"], node.name
        assert aliases.resolve(node.conn, pb) == pa
        assert _get(node, "attendance", att)["person_id"] == pa, node.name
        assert _get(node, "membership", m_b)["person_id"] == pa, node.name
    for node in (prov, a):
        assert _get(node, "person", pa)["education"] == "12/12", node.name
        assert _get(node, "person", pa)["phone"] == "0912345678", node.name
        assert node.conn.execute("SELECT count(*) FROM deed WHERE person_id = ? AND "
                                 "_deleted = 0", (pa,)).fetchone()[0] == 1
    # The edit Búng Lao made without seeing the merge is also a conflict the province
    # reviews (an edit against a delete), never a silent loss.
    assert prov.conn.execute("SELECT count(*) FROM sync_conflict WHERE pk = ? AND "
                             "field = 'education'", (pb,)).fetchone()[0] >= 1
    # The queue at the province says merged; nothing open anywhere.
    assert duplicates.candidates(prov.conn, duplicates.MERGED)[0].kept == pa
    for node in (prov, a, b):
        assert duplicates.candidates(node.conn) == []

    # Taken back at the province: Búng Lao has its record, membership and deed again, the
    # copy in Mường Nhé is gone. (What was brought over after the merge, the late
    # attendance, stays with the survivor: the officer moves it if need be.)
    duplicates.unmerge(prov.store, c.id)
    _exchange(prov, [a, b], tmp_path, "4")
    _same(prov, [a, b])
    for node in (prov, b):
        assert not _get(node, "person", pb)["deleted"], node.name
        assert _get(node, "membership", m_b)["person_id"] == pb, node.name
        assert not _get(node, "deed", deed_b)["deleted"], node.name
    for node in (prov, a):
        assert _get(node, "deed", copy["id"])["deleted"], node.name
    assert [x.status for x in duplicates.candidates(prov.conn)] == [duplicates.OPEN]


def test_a_commune_merges_its_own_twins_and_a_province_edit_of_the_old_record_follows(
        network, tmp_path):
    prov, (a, b) = network(2)
    va = _village(a, "Bản Huổi Lếch")
    keep = a.store.add("person", {"full_name": "Quàng Thị Hoa", "birth_date": "01/01/1990",
                                  "residence_unit_id": va}).id
    drop = a.store.add("person", {"full_name": "Quang Thi Hoa", "birth_date": "01/01/1990",
                                  "residence_unit_id": va}).id
    org = a.store.add("organization", {"name": "Tổ hòa giải bản Huổi Lếch",
                                       "org_type": "to_hoa_giai", "unit_id": va}).id
    _exchange(prov, [a, b], tmp_path, "1")
    [c] = duplicates.candidates(a.conn)
    assert c.score >= 75  # name folded, same birth date, same village
    # The province, not yet knowing, edits the old record and makes it a member.
    prov.store.edit("person", drop, {"phone": "0987654321"})
    m = prov.store.add("membership", {"person_id": drop, "organization_id": org,
                                      "role": "thanh_vien"}).id
    duplicates.merge(a.store, c.id, keep)
    for rnd in ("2", "3"):
        _exchange(prov, [a, b], tmp_path, rnd)
    _same(prov, [a, b])
    for node in (prov, a):
        assert _get(node, "membership", m)["person_id"] == keep, node.name
        assert _get(node, "person", keep)["phone"] == "0987654321", node.name
        assert _get(node, "person", drop)["merged_into"] == keep
    # The merge is shown as merged at the province too (it came in a bundle).
    [at_prov] = duplicates.candidates(prov.conn, duplicates.MERGED)
    assert at_prov.kept == keep

    # Taken back at the commune that merged: every site has two records again.
    duplicates.unmerge(a.store, c.id)
    _exchange(prov, [a, b], tmp_path, "4")
    _same(prov, [a, b])
    for node in (prov, a):
        old = _get(node, "person", drop)
        assert not old["deleted"] and old["merged_into"] is None, node.name
        assert duplicates.candidates(node.conn)[0].status == duplicates.OPEN


def test_undoing_the_import_that_brought_a_twin_takes_its_candidate_away(network, tmp_path):
    from desktop.storage import undo

    prov, (a, b) = network(2)
    va, vb = _village(a, "Bản Huổi Lếch"), _village(b, "Bản Co Đứa")
    a.store.add("person", {"full_name": "Giàng A Páo", "birth_date": "02/02/1980",
                           "residence_unit_id": va})
    _exchange(prov, [a], tmp_path, "1")
    b.store.add("person", {"full_name": "Giang A Pao", "birth_date": "02/02/1980",
                           "residence_unit_id": vb})
    [path] = b.export(tmp_path / "up-b", to=prov)
    assert prov.import_(path)[0].status == "imported"
    assert len(duplicates.candidates(prov.conn)) == 1
    undo.undo(prov.conn)  # the scan after the import wrote no version: the undo is allowed
    assert duplicates.candidates(prov.conn) == []


def test_an_import_scans_its_own_people_and_leaves_a_migrations_backlog(network, tmp_path,
                                                                        monkeypatch):
    """Issue 12: after migration 20 (or a bulk build) everyone is still to scan; the first
    import looks at the people it wrote, not at the whole database inside its own run; the
    backlog is left for the Trùng lặp page, which then finds the twin the bundle brought."""
    prov, (a, _b) = network(2)
    va = _village(a, "Bản Huổi Lếch")
    backlog = 40
    first = a.store.add_many("person", [
        {"full_name": f"Lò Văn Số {i:02d}", "birth_date": f"{1 + i % 28:02d}/03/1985",
         "residence_unit_id": va} for i in range(backlog)])
    _exchange(prov, [a], tmp_path, "1")
    # Migration 20 on the province's database: every person to scan, no match key filed.
    prov.conn.execute("BEGIN")
    prov.conn.execute("DELETE FROM duplicate_key")
    prov.conn.execute("INSERT OR IGNORE INTO duplicate_dirty (person_id) SELECT id FROM person")
    prov.conn.execute("COMMIT")
    held = duplicates.pending(prov.conn)
    assert held >= backlog

    twin = a.store.add("person", {"full_name": "LO VAN SO 07", "birth_date": "08/03/1985",
                                  "residence_unit_id": va}).id
    scans = []
    real_scan = duplicates.scan

    def counted(conn, **kw):
        scans.append(real_scan(conn, **kw))
        return scans[-1]

    monkeypatch.setattr(duplicates, "scan", counted)
    [path] = a.export(tmp_path / "up-2", to=prov)
    assert prov.import_(path)[0].status == "imported"
    assert [s.checked for s in scans] == [1]  # the twin alone, not the 40 before it
    assert duplicates.pending(prov.conn) == held  # the backlog is still there for the page
    assert duplicates.count_open(prov.conn) == 0
    monkeypatch.undo()
    [c] = duplicates.candidates(prov.conn)  # the page's scan: the backlog, its twin found
    assert {c.a, c.b} == {first[7], twin} and duplicates.pending(prov.conn) == 0
