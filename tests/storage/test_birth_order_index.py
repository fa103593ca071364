"""The people's birth-date order through a plain index on the date (issue 12, migration 31).

The index held the name key beside the date to order people born the same day: 2.6 MB at
100,000 people. Now a page reads the date's index and sorts each date's few people by name,
as the CCCD's and phone's orders do. The same people in the same order as sorting every row,
page after page, in every plan, before and after the migration."""

from __future__ import annotations

import pytest
from dbkit import roster_order_afresh, roster_order_pages

from desktop.storage import migrations, paging, rosters, walk

NAMES = ["Nguyễn Văn Đức", "Lò Thị Xuân", "Giàng A Páo", "Vàng Thị Mỷ", "Quàng Văn Ún",
         "Lò Văn Đức", "Đinh Thị Hà"]
# Several born the same day (ties sorted by name), a year alone, and some of no birth date.
DATES = [None, "05/03/1985", "05/03/1985", "1985", "12/11/1990", "05/03/1985", None,
         "01/01/1970"]
PLANS = {"walk": (0, 10**6), "walk that gives up": (0, 1), "gather": (10**9, 10**6)}


@pytest.fixture
def people(store, village):
    rows = [{"full_name": NAMES[i % len(NAMES)], "residence_unit_id": village,
             "birth_date": DATES[i % len(DATES)]} for i in range(45)]
    ids = store.add_many("person", rows)
    store.delete("person", ids[9])
    return store.conn.execute("SELECT parent_id FROM unit WHERE id = ?",
                              (village,)).fetchone()[0]


def _expected(conn, descending):
    return roster_order_afresh(conn, "birth_date", descending)


def _paged(conn, scope, descending, size=4):
    return roster_order_pages(conn, scope, "birth_date", descending, size)


@pytest.mark.parametrize("plan", PLANS)
def test_sorted_by_birth_date_page_after_page_as_sorting_every_row(conn, people, monkeypatch,
                                                                   plan):
    few, walked = PLANS[plan]
    monkeypatch.setattr(paging, "bound", lambda *_a: few)
    monkeypatch.setattr(walk, "WALK_ROWS", walked)
    scope = rosters.Scope("unit", people)
    for descending in (False, True):
        assert _paged(conn, scope, descending) == _expected(conn, descending)


def test_a_page_reads_the_date_index_and_sorts_only_one_date_s_people(conn, people):
    """The walk after a row: the rest of its date (sorted: a handful), then the dates after
    it read down person_birth in order, never the whole roster sorted."""
    order = rosters._order(conn, rosters.Scope("unit", people), "birth_date", False)
    ties, later = order.segments(("1985-03-05", "", 0))
    plans = []
    for segment in (ties, later):
        where, args = paging._segment_where(segment, plus=False)
        sql = (f"SELECT p._rowid FROM person p WHERE {where} ORDER BY "
               f"{paging._order_by(segment.order, segment.descending)} LIMIT 5")
        plans.append(" | ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql, args)))
    assert "person_birth (birth_date=?)" in plans[0], plans
    assert "person_birth (birth_date>?)" in plans[1], plans
    assert "TEMP B-TREE FOR ORDER BY" not in plans[1], plans  # only the ties are sorted


def test_migration_31_narrows_the_birth_index_and_lists_the_same(conn, people):
    """A database before migration 31 (the date and the name key in one index) gets the
    date's index alone, lists by birth date as before and gives the pages back (the VACUUM
    after)."""
    scope = rosters.Scope("unit", people)
    conn.execute("BEGIN")
    conn.execute("DROP INDEX person_birth")
    conn.execute("CREATE INDEX person_birth ON person(coalesce(birth_date, ''), name_key)")
    conn.execute("DELETE FROM schema_migrations WHERE version = 31")
    conn.execute("COMMIT")
    before = {d: [r["id"] for r in rosters.people_page(conn, scope, order="birth_date",
                                                       descending=d, limit=-1)]
              for d in (False, True)}
    assert migrations.apply(conn) == [31]
    made = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND "
                             "tbl_name = 'person'"))
    assert made["person_birth"].endswith("ON person(birth_date)")
    assert conn.execute("PRAGMA freelist_count").fetchone()[0] == 0
    for d in (False, True):
        assert [r["id"] for r in rosters.people_page(conn, scope, order="birth_date",
                                                     descending=d, limit=-1)] == before[d]
        assert _paged(conn, scope, d) == before[d] == _expected(conn, d)
