"""Who now belongs to an organization type or holds a role, by rowids (storage/roster_members.py,
migration 32): the table the triggers keep is the one derived afresh from the memberships after
every kind of write, its members are those found from the ids, and a roster under those
filters reads the same people in the same order page after page as computed from every row,
after writes by this connection or another."""

from __future__ import annotations

import itertools

import pytest
from test_paging import _expected, _paged

from desktop.storage import db, paging, roster_members, rosters

FILTERS = [("to_hoa_giai", None), ("to_bao_ve_antt", None), (None, "to_truong"),
           ("to_bao_ve_antt", "to_truong"), (None, "hoa_giai_vien"), ("cau_lac_bo", None)]


def stored(conn) -> list[tuple]:
    return sorted(tuple(r) for r in conn.execute("SELECT * FROM roster_member"))


def afresh(conn) -> list[tuple]:
    """The rows migration 32 would write now."""
    select = roster_members._DERIVED[roster_members._DERIVED.index("SELECT"):]  # noqa: SLF001
    return sorted(tuple(r) for r in conn.execute(select))


def by_ids(conn, org_type, role) -> list[int]:
    """The members as rosters found them before migration 32: from their ids."""
    return [int(r[0]) for r in conn.execute(
        "SELECT p._rowid FROM person p WHERE p.id IN (SELECT m.person_id FROM membership m "
        "JOIN organization o ON o.id = m.organization_id AND o._deleted = 0 WHERE "
        "m._deleted = 0 AND m.left_date IS NULL AND o.org_type = coalesce(?, o.org_type) AND "
        "coalesce(m.role, '') = coalesce(?, m.role, '')) ORDER BY 1", (org_type, role))]


def check(conn, *, table_afresh: bool = True) -> None:
    if table_afresh:
        assert stored(conn) == afresh(conn)
    for org_type, role in FILTERS:
        assert roster_members.person_rowids(conn, org_type, role) == by_ids(
            conn, org_type, role), (org_type, role)


@pytest.fixture
def orgs(store, village):
    people = store.add_many("person", [{"full_name": f"Lò Văn Sáng {i}",
                                        "residence_unit_id": village} for i in range(12)])
    peace = store.add("organization", {"name": "Tổ hòa giải bản Huổi Lếch",
                                       "org_type": "to_hoa_giai", "unit_id": village}).id
    guard = store.add("organization", {"name": "Tổ bảo vệ ANTT bản Huổi Lếch",
                                       "org_type": "to_bao_ve_antt", "unit_id": village}).id
    members = [store.add("membership", {"person_id": pid, "organization_id": org,
                                        "role": role}).id
               for pid, org, role in zip(people, itertools.cycle((peace, guard)),
                                         itertools.cycle(("to_truong", "hoa_giai_vien",
                                                          "to_vien")), strict=False)]
    return {"people": people, "peace": peace, "guard": guard, "members": members,
            "village": village}


def test_the_table_follows_every_local_write(conn, store, orgs):
    check(conn)
    assert len(stored(conn)) == 12 and all(r[3] > 0 for r in stored(conn))
    people, members = orgs["people"], orgs["members"]
    steps = [
        lambda: store.add("membership", {"person_id": people[0], "organization_id":
                                         orgs["guard"], "role": "to_truong"}),
        lambda: store.edit("membership", members[1], {"role": "to_truong"}),
        lambda: store.edit("membership", members[2], {"left_date": "2025-01-01"}),
        lambda: store.edit("membership", members[2], {"left_date": None}),
        lambda: store.delete("membership", members[3]),
        lambda: store.restore("membership", members[3]),
        lambda: store.edit("membership", members[4], {"organization_id": orgs["guard"]}),
        lambda: store.edit("membership", members[5], {"person_id": people[0]}),
        lambda: store.edit("organization", orgs["peace"], {"org_type": "cau_lac_bo"}),
        lambda: store.delete("organization", orgs["guard"]),
        lambda: store.edit("membership", members[1], {"role": "to_vien"}),
        lambda: store.restore("organization", orgs["guard"]),
        lambda: store.edit("organization", orgs["peace"], {"org_type": "to_hoa_giai"}),
        lambda: store.delete("person", people[6]),  # a tombstone: the roster leaves it out
        lambda: store.edit("person", people[7], {"full_name": "Quàng Thị Xuân"}),
    ]
    for i, step in enumerate(steps):
        before = stored(conn)
        step()
        check(conn)
        # each changed the table but a membership of a deleted organization and the person
        assert i in (10, 13, 14) or stored(conn) != before, i


def _raw_person(conn, rowid: int, pid: str) -> None:
    conn.execute("INSERT INTO person (_rowid, id, _part, full_name, name_key) VALUES "
                 "(?, ?, '03160', 'Giàng A Páo', 'pao giang a')", (rowid, pid))


def test_people_and_organizations_written_after_their_memberships(conn, store, orgs):
    """As an import writes them (tables in the order of their names) and as an undo removes
    them: the members are right at every step, by ids where the rowid is not known yet, and
    a person's rowid taken again by another never makes that one a member."""
    with store.transaction():
        conn.execute("INSERT INTO membership (id, _part, person_id, organization_id, role) "
                     "VALUES ('m-late', '03160', 'p-late', 'o-late', 'to_truong')")
        check(conn)  # no organization yet: no row
        conn.execute("INSERT INTO organization (id, _part, name, org_type) VALUES "
                     "('o-late', '03160', 'Tổ tự quản', 'to_hoa_giai')")
        check(conn)  # a row with no person: not a member yet
        top = conn.execute("SELECT max(_rowid) FROM person").fetchone()[0]
        _raw_person(conn, top + 1, "p-late")
        check(conn, table_afresh=False)  # found by its id
        assert top + 1 in roster_members.person_rowids(conn, "to_hoa_giai", None)
        roster_members.resolve(conn)
        check(conn)
        conn.execute("DELETE FROM person WHERE _rowid = ?", (top + 1,))  # an undo
        check(conn)
        _raw_person(conn, top + 1, "p-other")  # the next person takes the rowid again
        check(conn)
        assert top + 1 not in roster_members.person_rowids(conn, "to_hoa_giai", None)
        conn.execute("DELETE FROM organization WHERE id = 'o-late'")
        check(conn)
        conn.execute("DELETE FROM membership WHERE id = 'm-late'")
        check(conn)


def _scopes(orgs, commune):
    return [rosters.Scope("unit", commune, org_type="to_hoa_giai"),
            rosters.Scope("unit", commune, role="to_truong"),
            rosters.Scope("unit", orgs["village"], org_type="to_bao_ve_antt",
                          role="to_truong"),
            rosters.Scope("all", None, role="hoa_giai_vien")]


def _pages_right(conn, scopes) -> None:
    for scope, order, descending in itertools.product(
            scopes, ("full_name", "phone", "birth_date"), (False, True)):
        want = _expected(conn, scope, order, descending, None)
        assert _paged(conn, scope, order, descending, None, size=2) == want, (scope, order)
        assert rosters.count_people(conn, scope) == len(want)


def test_pages_after_writes_by_this_connection_or_another(conn, store, orgs, db_path):
    commune = conn.execute("SELECT parent_id FROM unit WHERE id = ?",
                           (orgs["village"],)).fetchone()[0]
    other = db.open_database(db_path)
    try:
        other_store = type(store)(other, actor="another", today=store.today)
        scopes = _scopes(orgs, commune)
        people, members = orgs["people"], orgs["members"]
        writes = [
            (store, "add", "membership", {"person_id": people[1], "organization_id":
                                          orgs["peace"], "role": "to_truong"}),
            (other_store, "edit", "membership", members[0], {"left_date": "2025-02-01"}),
            (store, "edit", "person", people[2], {"full_name": "Vàng Thị Mỷ",
                                                   "phone": "0912000111"}),
            (other_store, "delete", "person", people[3]),
            (store, "edit", "organization", orgs["guard"], {"org_type": "to_hoa_giai"}),
            (other_store, "delete", "membership", members[5]),
            (store, "edit", "person", people[8], {"birth_date": "1970-05-02"}),
        ]
        _pages_right(conn, scopes)
        _pages_right(other, scopes)
        for who, what, *args in writes:
            getattr(who, what)(*args)
            _pages_right(conn, scopes)  # each reads with what it held from before the write
            _pages_right(other, scopes)
        check(conn)
    finally:
        other.close()


def test_a_walk_bounded_by_the_lists_share_falls_back_when_the_list_sits_further(
        conn, store, village, monkeypatch):
    """Down the name index, a list is walked about twice as far as its share of the rows
    says holds the page (paging._listed): found there when its members are spread, handed to
    the other plans when they sit together further down; the same pages either way."""
    monkeypatch.setattr(paging, "bound", lambda *_a: 0)  # never gathered for being short
    monkeypatch.setattr(paging, "WALK_STEP", 1)
    names = [f"{family} Văn {i:02d}" for i, family in enumerate(
        ["Lò"] * 40 + ["Vàng"] * 20)]
    people = store.add_many("person", [{"full_name": n, "residence_unit_id": village}
                                       for n in names])
    org = store.add("organization", {"name": "Tổ hòa giải", "org_type": "to_hoa_giai",
                                     "unit_id": village}).id
    outcomes: list[bool] = []
    real = paging._listed  # noqa: SLF001

    def spied(*args, **kwargs):
        page = real(*args, **kwargs)
        outcomes.append(page is not None)
        return page

    monkeypatch.setattr(paging, "_listed", spied)
    commune = conn.execute("SELECT parent_id FROM unit WHERE id = ?", (village,)).fetchone()[0]
    scope = rosters.Scope("unit", commune, org_type="to_hoa_giai")
    for chosen, found_there in ((people[0:40:4], True), (people[50:], False)):
        for pid in chosen:
            store.add("membership", {"person_id": pid, "organization_id": org,
                                     "role": "hoa_giai_vien"})
        outcomes.clear()
        want = _expected(conn, scope, "full_name", False, None)
        assert _paged(conn, scope, "full_name", False, None, size=2) == want
        assert outcomes and outcomes[0] is found_there  # the first page: there, or handed on
        for m in conn.execute("SELECT id FROM membership WHERE _deleted = 0").fetchall():
            store.delete("membership", m[0])


def test_triggers_a_later_migration_lost_come_back_with_the_rows(conn, store, orgs, monkeypatch):
    # A later migration that rebuilds a table (sqlite-utils' transform does) drops its
    # triggers; what it writes meanwhile is not followed. After every migration the triggers
    # are made again and the table derived anew, as the search index's are.
    from desktop.storage import migrations

    def rebuilt(c):
        for name in ("roster_member_ai", "roster_member_au"):
            c.execute(f"DROP TRIGGER {name}")
        c.execute("UPDATE membership SET left_date = '2026-01-01' WHERE id = ?",
                  (orgs["members"][0],))

    monkeypatch.setattr(migrations, "MIGRATIONS",
                        [*migrations.MIGRATIONS, migrations.Migration(999, "rebuild", rebuilt)])
    assert migrations.apply(conn) == [999]
    check(conn)
    store.add("membership", {"person_id": orgs["people"][0], "organization_id": orgs["guard"],
                             "role": "to_vien"})
    check(conn)
