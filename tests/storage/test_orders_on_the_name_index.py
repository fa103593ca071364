"""Rosters sorted by gender and by place (issue 12, migration 26), read down the name index.

Gender has no index of its own: each gender is walked down the name index, which holds the
gender, and people of no gender or of a value no form writes (an old or foreign row) come
from a small partial index. The residence index holds no name order: a village's residents
are walked down the name index (which holds the place), a small village's gathered off the
residence index. The same people in the same order as sorting every row, page after page,
in every plan (tests/storage/test_paging.py checks every order the same way)."""

from __future__ import annotations

import itertools

import pytest
from dbkit import roster_order_afresh

from desktop.storage import migrations, paging, rosters, walk

NAMES = ["Nguyễn Văn Đức", "Lò Thị Xuân", "Giàng A Páo", "Vàng Thị Mỷ", "Quàng Văn Ún",
         "Lò Văn Đức", "Đinh Thị Hà"]
PLANS = {"walk": (0, 10**6), "walk that gives up": (0, 1), "gather": (10**9, 10**6)}


@pytest.fixture
def people(store, village):
    rows = [{"full_name": NAMES[i % len(NAMES)], "residence_unit_id": village,
             "gender": (None, "male", "female", "female", "male")[i % 5]} for i in range(40)]
    ids = store.add_many("person", rows)
    # A value no form writes (a row from an older program, or typed into the file): sorted
    # among the others by its text, as before.
    store.conn.execute("UPDATE person SET gender = 'khac' WHERE id IN (?, ?)", (ids[3], ids[8]))
    store.delete("person", ids[6])
    return store.conn.execute("SELECT parent_id FROM unit WHERE id = ?",
                              (village,)).fetchone()[0]


def _expected(conn, descending):
    return roster_order_afresh(conn, "gender", descending)


def _paged(conn, scope, descending, size=3):
    ids, after = [], None
    while True:
        page = rosters.people_page(conn, scope, limit=size, after=after, order="gender",
                                   descending=descending)
        ids += [r["id"] for r in page]
        if len(page) < size:
            return ids
        after = page[-1]["sort_key"]


@pytest.mark.parametrize("plan", PLANS)
def test_sorted_by_gender_page_after_page_as_sorting_every_row(conn, people, monkeypatch,
                                                               plan):
    few, walked = PLANS[plan]
    monkeypatch.setattr(paging, "bound", lambda *_a: few)
    monkeypatch.setattr(walk, "WALK_ROWS", walked)
    if plan == "walk that gives up":
        monkeypatch.setattr(paging, "GATHER_COST", {True: 0, False: 0})
    for scope, descending in itertools.product(
            (rosters.Scope(), rosters.Scope("unit", people)), (False, True)):
        expected = _expected(conn, descending)
        assert len(expected) == 39
        assert _paged(conn, scope, descending) == expected, (scope, descending)
        rowids, last, got = [], None, []
        while True:  # the window's way: rowids, then their rows
            rowids, last = rosters.people_rowids(conn, scope, limit=4, order="gender",
                                                 descending=descending, after=last)
            got += [r["id"] for r in rosters.people_rows(conn, rowids)]
            if len(rowids) < 4:
                break
        assert got == expected


def _walk_plans(conn, scope, monkeypatch, descending):
    plans: list[tuple[str, str]] = []
    real = paging._walk

    def explained(conn, table, segment, filters, need, most, *rows):
        where, args = paging._segment_where(segment, plus=False)
        sql = (f"SELECT p._rowid, p._deleted, p.residence_unit_id FROM {table} p WHERE {where} "
               f"ORDER BY {paging._order_by(segment.order, segment.descending)} LIMIT 1")
        plans.append((where, " | ".join(
            r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql, args))))
        return real(conn, table, segment, filters, need, most, *rows)

    monkeypatch.setattr(paging, "_walk", explained)
    _paged(conn, scope, descending, size=5)
    return plans


@pytest.mark.parametrize("descending", [False, True])
def test_each_gender_is_walked_on_the_name_index_alone(conn, people, monkeypatch, descending):
    """A gender's page reads the name index, never the rows: it holds the gender, the place
    and the tombstone (a walk that read each row was 60 times dearer: paging.GATHER_COST)."""
    monkeypatch.setattr(paging, "bound", lambda *_a: 0)
    plans = _walk_plans(conn, rosters.Scope("unit", people), monkeypatch, descending)
    genders = [p for w, p in plans if "p.gender = ?" in w]
    assert genders and all("COVERING INDEX person_name" in p and "TEMP B-TREE" not in p
                           for p in genders), plans


def test_the_few_of_no_gender_are_read_off_their_partial_index(conn, people):
    rare = rosters._by_gender(conn, False).segments(None)[0]
    assert rare.extra is not None
    sql = (f"SELECT p._rowid FROM person p WHERE p._deleted = 0 AND ({rare.extra.drive}) "
           f"AND {rare.where} ORDER BY +p.name_key, +p._rowid")
    plan = " | ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql,
                                                 (*rare.extra.drive_args, *rare.args)))
    assert "person_gender_rare" in plan, plan
    assert paging.admitted(conn, rare.extra, 100) == 8  # of 40: every fifth, one deleted


def test_migration_26_drops_the_gender_index_and_lists_the_same(conn, people):
    """A database before migration 26 (an index on gender and name, a name index without
    the gender) loses the one, widens the other, lists by gender as before and gives the
    pages back (the VACUUM after)."""
    scope = rosters.Scope("unit", people)
    conn.execute("BEGIN")
    conn.execute("DROP INDEX person_gender_rare")
    conn.execute("DROP INDEX person_name")
    conn.execute("CREATE INDEX person_name ON person(name_key, _rowid, _deleted, "
                 "residence_unit_id, _search)")
    conn.execute("CREATE INDEX person_gender ON person(coalesce(gender, ''), name_key)")
    conn.execute("DROP INDEX person_residence")
    conn.execute("CREATE INDEX person_residence ON person(residence_unit_id, _deleted, "
                 "name_key)")
    conn.execute("DELETE FROM schema_migrations WHERE version = 26")
    conn.execute("COMMIT")
    before = {d: [r["id"] for r in rosters.people_page(conn, scope, order="gender",
                                                       descending=d, limit=-1)]
              for d in (False, True)}
    assert migrations.apply(conn) == [26]
    made = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND "
                             "tbl_name = 'person'"))
    assert "person_gender" not in made and "person_gender_rare" in made
    assert made["person_name"].rstrip(")").endswith("gender")
    assert made["person_residence"].endswith("(residence_unit_id, _deleted)")
    assert conn.execute("PRAGMA freelist_count").fetchone()[0] == 0
    for d in (False, True):
        assert [r["id"] for r in rosters.people_page(conn, scope, order="gender", descending=d,
                                                     limit=-1)] == before[d]
        assert _paged(conn, scope, d) == before[d] == _expected(conn, d)


@pytest.fixture
def villages(store, village):
    """Two villages of a commune: one of 30 residents, one of 3."""
    commune = store.conn.execute("SELECT parent_id FROM unit WHERE id = ?",
                                 (village,)).fetchone()[0]
    small = store.add("unit", {"name": "Bản Nà Hỳ", "level": "village",
                               "parent_id": commune}).id
    store.add_many("person", [{"full_name": NAMES[i % len(NAMES)],
                               "residence_unit_id": small if i < 3 else village}
                              for i in range(33)])
    return {"commune": commune, "large": village, "small": small}


def test_a_place_s_residents_are_walked_on_the_name_index_or_gathered_when_few(
        conn, villages, monkeypatch):
    """By place: a village's residents in name order are a walk down the name index alone
    (it holds the place and the tombstone); one of few residents (fewer than paging counts
    as few) is read off the residence index, never sorting more than its own rows."""
    monkeypatch.setattr(paging, "bound", lambda *_a: 10)
    walked: list[str] = []
    gathered: list[str] = []
    real_walk, real_gather = paging._walk, paging._gather_segment

    def explained(sql, args):
        return " | ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql, args))

    def walk_(conn_, table, segment, filters, need, most, *rows):
        where, args = paging._segment_where(segment, plus=False)
        walked.append(explained(f"SELECT p._rowid, p._deleted, p.residence_unit_id FROM "
                                f"person p WHERE {where} ORDER BY p.name_key, p._rowid "
                                "LIMIT 1", args))
        return real_walk(conn_, table, segment, filters, need, most, *rows)

    def gather_(conn_, table, segment, filters, need, *rows):
        where, args = paging._segment_where(segment, plus=True)
        extra = segment.extra
        gathered.append(explained(f"SELECT p._rowid FROM person p WHERE p._deleted = 0 AND "
                                  f"({extra.drive}) AND {where} ORDER BY +p.name_key, "
                                  "+p._rowid", [*extra.drive_args, *args]))
        return real_gather(conn_, table, segment, filters, need, *rows)

    monkeypatch.setattr(paging, "_walk", walk_)
    monkeypatch.setattr(paging, "_gather_segment", gather_)
    scope = rosters.Scope("unit", villages["commune"])
    ids, after = [], None
    while True:
        page = rosters.people_page(conn, scope, limit=7, after=after,
                                   order="residence_unit_id")
        ids += [r["id"] for r in page]
        if len(page) < 7:
            break
        after = page[-1]["sort_key"]
    assert len(ids) == len(set(ids)) == 33
    assert walked and all("COVERING INDEX person_name" in p and "TEMP B-TREE" not in p
                          for p in walked), walked
    assert gathered and all("INDEX person_residence" in p for p in gathered), gathered
    everyone = rosters.people_page(conn, scope, limit=-1, order="residence_unit_id")
    assert ids == [r["id"] for r in everyone]


def test_the_genders_a_page_walks_follow_the_database(conn, store, village):
    """The values besides the two (none, another) are remembered until the database
    changes: a person whose gender is taken away is listed first on the next page read."""
    ids = store.add_many("person", [{"full_name": n, "residence_unit_id": village,
                                     "gender": ("male", "female")[i % 2]}
                                    for i, n in enumerate(NAMES)])
    scope = rosters.Scope()
    assert rosters._rare_genders(conn) == ()
    first = rosters.people_page(conn, scope, order="gender", limit=3)
    assert first[0]["gender"] == "female"
    store.edit("person", ids[0], {"gender": None})
    assert rosters._rare_genders(conn) == ("",)
    page = rosters.people_page(conn, scope, order="gender", limit=3)
    assert page[0]["id"] == ids[0] and page[1]["gender"] == "female"
    assert [r["id"] for r in rosters.people_page(conn, scope, order="gender", limit=-1)] == \
        _expected(conn, False)
