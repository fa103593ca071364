"""The good deeds of a place of any level (records._scope_filter): a commune with few
residents and organizations (or none: a commune of the tree outside the database's own) has
them listed once as a village has, a place with many has each deed's person looked up. Both
are the deeds computed in Python from every row, page after page in every order both ways,
in the order of the whole list."""

from __future__ import annotations

import itertools

from dbkit import record_pages

from desktop.domain.kinds import KINDS
from desktop.storage import paging, records

ORDERS = (None, "deed_date", "person_id", "organization_id", "description",
          "commendation_form", "commendation_level")


def subtree(conn, unit: str) -> set[str]:
    """The place, its children and their children, from every row."""
    rows = [tuple(r) for r in conn.execute("SELECT id, parent_id FROM unit")]
    children = {r[0] for r in rows if r[1] == unit}
    return {unit} | children | {r[0] for r in rows if r[1] in children}


def expected(conn, unit: str) -> set[str]:
    places = subtree(conn, unit)
    people = {r[0] for r in conn.execute("SELECT id, residence_unit_id FROM person")
              if r[1] in places}
    orgs = {r[0] for r in conn.execute("SELECT id, unit_id FROM organization") if r[1] in places}
    return {r[0] for r in conn.execute("SELECT id, person_id, organization_id FROM deed "
                                       "WHERE _deleted = 0")
            if r[1] in people or r[2] in orgs}


def pages_right(conn, unit: str) -> int:
    kind, want = KINDS["deed"], expected(conn, unit)
    for order, descending in itertools.product(ORDERS, (False, True)):
        whole = [r["id"] for r in records.page(conn, kind, records.Query(
            order_by=order, descending=descending), limit=-1)]
        q = records.Query(order_by=order, descending=descending, unit_scope=unit)
        for size in (2, 100):
            assert record_pages(conn, kind, q, size) == [i for i in whole if i in want], \
                (unit, order, descending, size)
        assert records.count(conn, kind, q) == len(want)
    return len(want)


def test_deeds_of_a_commune_with_few_many_or_no_residents(conn, store, village):
    # the site's commune, and another of the tree (no one, nothing in it)
    commune = conn.execute("SELECT parent_id FROM unit WHERE id = ?", (village,)).fetchone()[0]
    empty_commune = conn.execute("SELECT id FROM unit WHERE level = 'commune' AND id != ? "
                                 "ORDER BY id LIMIT 1", (commune,)).fetchone()[0]
    people = store.add_many("person", [
        {"full_name": f"Lò Văn Ấn {i}", "residence_unit_id": (commune, village)[i % 2]}
        for i in range(8)])
    orgs = [store.add("organization", {"name": f"Tổ tự quản {i}", "org_type": "to_tu_quan",
                                       "unit_id": (commune, village)[i]}).id
            for i in range(2)]
    store.add_many("deed", [
        {"description": f"Việc tốt số {i}", "deed_date": f"{1 + i % 3:02d}/0{1 + i % 2}/2025",
         **({"person_id": people[i % 8]} if i % 3 else {"organization_id": orgs[i % 2]}),
         "commendation_form": None if i % 4 else "giay_khen"} for i in range(30)])
    outsider = store.add("person", {"full_name": "Giàng A Páo"}).id  # placed nowhere
    store.add("deed", {"description": "Nhặt được của rơi", "person_id": outsider,
                       "deed_date": "02/01/2025"})
    # few placed in the commune: its deeds listed once, as a village's
    assert 0 < records._placed(conn, commune) < paging.bound(conn, "person", False)
    assert records._placed(conn, empty_commune) == 0
    assert pages_right(conn, commune) == 30
    assert pages_right(conn, empty_commune) == 0
    assert 0 < pages_right(conn, village) < 30
    # many: each deed's person looked up (the same rows)
    store.add_many("person", [{"full_name": f"Vàng Thị Dung {i}", "residence_unit_id": commune}
                              for i in range(paging.bound(conn, "person", False) + 60)])
    assert records._placed(conn, commune) >= paging.bound(conn, "person", False)
    assert pages_right(conn, commune) == 30
    assert pages_right(conn, empty_commune) == 0
