"""The people's ethnic-group order down the name index (issue 12, migration 31).

The group had an index of its own with the name key in it (3.8 MB at 100,000 people). Now the
name index holds the group: each group is walked down it in name order, a small one gathered
through the group's own index (which holds no name), and one the walk does not find its page
in soon is gathered too, never the whole list. The same people in the same order as sorting
every row, page after page, in every plan, before and after the migration."""

from __future__ import annotations

import pytest
from dbkit import roster_order_afresh, roster_order_pages

from desktop.storage import migrations, paging, rosters, walk

NAMES = ["Nguyễn Văn Đức", "Lò Thị Xuân", "Giàng A Páo", "Vàng Thị Mỷ", "Quàng Văn Ún",
         "Lò Văn Đức", "Đinh Thị Hà"]
# A large group, two middling, a small one, and people of no group.
GROUPS = ["Thái", "Thái", "H'Mông", "Thái", "Kinh", None, "Thái", "H'Mông", "Khơ Mú", "Kinh"]
PLANS = {"walk": (0, 10**6), "walk that gives up": (0, 1), "gather": (10**9, 10**6)}


@pytest.fixture
def people(store, village):
    rows = [{"full_name": NAMES[i % len(NAMES)], "residence_unit_id": village,
             "ethnicity": GROUPS[i % len(GROUPS)]} for i in range(50)]
    ids = store.add_many("person", rows)
    store.delete("person", ids[4])
    return store.conn.execute("SELECT parent_id FROM unit WHERE id = ?",
                              (village,)).fetchone()[0]


def _expected(conn, descending):
    return roster_order_afresh(conn, "ethnicity", descending)


def _paged(conn, scope, descending, size=4):
    return roster_order_pages(conn, scope, "ethnicity", descending, size)


@pytest.mark.parametrize("plan", PLANS)
def test_sorted_by_ethnic_group_page_after_page_as_sorting_every_row(conn, people,
                                                                     monkeypatch, plan):
    few, walked = PLANS[plan]
    monkeypatch.setattr(paging, "bound", lambda *_a: few)
    monkeypatch.setattr(walk, "WALK_ROWS", walked)
    for scope in (rosters.Scope("unit", people), rosters.Scope()):
        for descending in (False, True):
            assert _paged(conn, scope, descending) == _expected(conn, descending)
            assert [r["id"] for r in rosters.people_page(
                conn, scope, order="ethnicity", descending=descending, limit=-1)] == \
                _expected(conn, descending)


def test_a_walk_that_gives_up_gathers_the_group_not_the_list(conn, people, monkeypatch):
    monkeypatch.setattr(paging, "bound", lambda *_a: 0)
    monkeypatch.setattr(walk, "WALK_ROWS", 1)
    gathered, whole = [], []
    monkeypatch.setattr(paging, "_gather_segment", _spy(paging._gather_segment, gathered))
    monkeypatch.setattr(paging, "_gather", _spy(paging._gather, whole))
    assert _paged(conn, rosters.Scope("unit", people), False) == _expected(conn, False)
    assert gathered and not whole


def _spy(real, calls):
    def spied(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)
    return spied


def test_each_group_is_walked_down_the_name_index_and_a_small_one_read_off_its_own(conn,
                                                                                  people):
    order = rosters._order(conn, rosters.Scope("unit", people), "ethnicity", False)
    segments = order.segments(None)
    values = [s.args[0] for s in segments]
    assert values == sorted(values) and len(values) == 5 and values[0] == ""
    thai = segments[-1]
    where, args = paging._segment_where(thai, plus=False)
    walked = " | ".join(r[3] for r in conn.execute(
        f"EXPLAIN QUERY PLAN SELECT p._rowid FROM person p WHERE {where} AND p._deleted = 0 "
        f"ORDER BY {paging._order_by(thai.order, False)} LIMIT 5", args))
    assert "COVERING INDEX person_name" in walked and "TEMP B-TREE" not in walked, walked
    small = next(s.extra for s in segments if s.extra is not None and paging.admitted(
        conn, s.extra, 100) == 5)  # Khơ Mú
    drove = " | ".join(r[3] for r in conn.execute(
        f"EXPLAIN QUERY PLAN {small.admitted}", small.admitted_args))
    assert "person_ethnicity" in drove, drove


def test_migration_31_moves_the_group_into_the_name_index_and_lists_the_same(conn, people):
    """A database before migration 31 (the group's index with the name key, a name index
    without the group) gets the lean indexes, lists by group as before and gives the pages
    back (the VACUUM after)."""
    scope = rosters.Scope("unit", people)
    conn.execute("BEGIN")
    conn.execute("DROP INDEX person_ethnicity")
    conn.execute("CREATE INDEX person_ethnicity ON person(coalesce(ethnicity, ''), name_key)")
    conn.execute("DROP INDEX person_name")
    conn.execute("CREATE INDEX person_name ON person(name_key, _rowid, _deleted, "
                 "residence_unit_id, _search, gender)")
    conn.execute("DELETE FROM schema_migrations WHERE version = 31")
    conn.execute("COMMIT")
    before = {d: [r["id"] for r in rosters.people_page(conn, scope, order="ethnicity",
                                                       descending=d, limit=-1)]
              for d in (False, True)}
    assert migrations.apply(conn) == [31]
    made = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND "
                             "tbl_name = 'person'"))
    assert made["person_ethnicity"].endswith("ON person(ethnicity)")
    assert made["person_name"].rstrip(")").endswith("gender, ethnicity")
    assert conn.execute("PRAGMA freelist_count").fetchone()[0] == 0
    for d in (False, True):
        assert [r["id"] for r in rosters.people_page(conn, scope, order="ethnicity",
                                                     descending=d, limit=-1)] == before[d]
        assert _paged(conn, scope, d) == before[d] == _expected(conn, d)
