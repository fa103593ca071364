"""A village's good deeds (records._deeds_in): its residents' and its organizations', listed
once and remembered until the database changes, are the deeds computed from every row, page
after page in every order, after writes by this connection or another (a person moving, a
deed given to someone else, an organization moving, a deed deleted and put back)."""

from __future__ import annotations

import itertools

from dbkit import record_pages

from desktop.domain.kinds import KINDS
from desktop.storage import db, records

ORDERS = (None, "deed_date", "person_id", "organization_id", "description",
          "commendation_form", "commendation_level")


def expected(conn, village: str) -> set[str]:
    """The village's live deeds, from every row: its people's and its organizations'."""
    people = {r[0] for r in conn.execute("SELECT id FROM person WHERE residence_unit_id = ?",
                                         (village,))}
    orgs = {r[0] for r in conn.execute("SELECT id FROM organization WHERE unit_id = ?",
                                       (village,))}
    return {r[0] for r in conn.execute("SELECT id, person_id, organization_id FROM deed "
                                       "WHERE _deleted = 0")
            if r[1] in people or r[2] in orgs}


def pages_right(conn, village: str) -> None:
    kind, want = KINDS["deed"], expected(conn, village)
    for order, descending in itertools.product(ORDERS, (False, True)):
        q = records.Query(order_by=order, descending=descending, unit_scope=village)
        ids = record_pages(conn, kind, q, 2)
        whole = [r["id"] for r in records.page(conn, kind, records.Query(
            order_by=order, descending=descending), limit=-1)]
        assert ids == [i for i in whole if i in want], (order, descending)  # the same order
        assert records.count(conn, kind, q) == len(want)


def test_a_villages_deeds_after_writes_by_this_connection_or_another(conn, store, village,
                                                                     db_path):
    other_village = store.add("unit", {"name": "Bản Nậm Kè", "level": "village",
                                       "parent_id": "03160"}).id
    people = store.add_many("person", [
        {"full_name": f"Lò Văn Ấn {i}", "residence_unit_id": (village, other_village)[i % 2]}
        for i in range(6)])
    orgs = [store.add("organization", {"name": f"Tổ tự quản {i}", "org_type": "to_tu_quan",
                                       "unit_id": (village, other_village)[i]}).id
            for i in range(2)]
    deeds = store.add_many("deed", [
        {"description": f"Việc tốt số {i}", "deed_date": f"{1 + i % 3:02d}/0{1 + i % 2}/2025",
         **({"person_id": people[i % 6]} if i % 3 else {"organization_id": orgs[i % 2]}),
         "commendation_form": None if i % 4 else "giay_khen"} for i in range(18)])
    other = db.open_database(db_path)
    try:
        other_store = type(store)(other, actor="another", today=store.today)
        writes = [
            (store, "edit", "person", people[0], {"residence_unit_id": other_village}),
            (other_store, "edit", "person", people[1], {"residence_unit_id": village}),
            (store, "edit", "deed", deeds[1], {"person_id": people[3]}),
            (other_store, "edit", "organization", orgs[1], {"unit_id": village}),
            (store, "delete", "deed", deeds[4]),
            (other_store, "restore", "deed", deeds[4]),
            (store, "add", "deed", {"description": "Cứu người đuối nước",
                                    "person_id": people[2], "deed_date": "03/02/2025"}),
        ]
        for c in (conn, other):
            pages_right(c, village)
            pages_right(c, other_village)
        for who, what, *args in writes:
            getattr(who, what)(*args)
            for c in (conn, other):  # each with what it remembered from before the write
                pages_right(c, village)
                pages_right(c, other_village)
        assert 4 <= len(expected(conn, village)) < 18
    finally:
        other.close()
