"""The key lists and searches read people through an index, whichever plan a page takes: no
statement they run scans the whole person table (issue 12: a scan is a read and a decryption
of every page of 300,000 people). Checked on the plans SQLite gives the very statements
the lists run (captured as run, parameters included), after migration 18 rebuilt the
people's indexes without the record id."""

from __future__ import annotations

import re
from functools import partial

import pytest

from desktop.domain.kinds import KINDS
from desktop.storage import migrations, paging, records, rosters, search, walk

NAMES = ["Nguyễn Văn Đức", "Lò Thị Xuân", "Giàng A Páo", "Vàng Thị Mỷ", "Quàng Văn Ún"]
# Plans forced by what paging counts as few rows (see test_paging.py).
PLANS = {"walk": 0, "gather": 10**9}
# A scan of a whole table, not a range of one of its indexes.
_FULL_SCAN = re.compile(r"^SCAN (\w+)$|^SCAN (\w+) USING (COVERING )?INDEX (\w+)$")


@pytest.fixture
def people(store, village):
    rows = [{"full_name": NAMES[i % len(NAMES)], "residence_unit_id": village,
             "birth_date": str(1950 + i), "gender": ("male", "female")[i % 2],
             "citizen_id": f"011{i % 2}{(1950 + i) % 100:02d}{i:06d}", "phone": f"09{i:08d}",
             "ethnicity": ("kinh", "thai", "mong")[i % 3]} for i in range(40)]
    store.add_many("person", rows)
    return {"commune": store.conn.execute("SELECT parent_id FROM unit WHERE id = ?",
                                          (village,)).fetchone()[0], "village": village}


def _plans(conn, run) -> list[tuple[str, str]]:
    """(statement, plan) of every SELECT that ``run`` makes."""
    ran: list[str] = []
    conn.set_trace_callback(ran.append)
    try:
        run()
    finally:
        conn.set_trace_callback(None)
    out = []
    for sql in dict.fromkeys(ran):
        if sql.lstrip().upper().startswith(("SELECT", "WITH")):
            plan = [r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql)]
            out.append((sql, " | ".join(plan)))
    return out


def _scans_of_person(conn, sql: str, plan: str) -> list[str]:
    """The steps of ``plan`` that read the whole person table (under any alias): a scan of
    its rows, or of one of its indexes from end to end — a walk down an index from its
    first entry is a scan SQLite stops at the LIMIT, unless it must sort what it read."""
    aliases = {"person"} | set(re.findall(r"\bperson\s+(?:AS\s+)?(\w+)", sql))
    stops = bool(re.search(r"\bLIMIT\b", sql)) and "TEMP B-TREE" not in plan
    partial = {r[0] for r in conn.execute(  # indexes of a few rows (e.g. no gender)
        "SELECT name FROM sqlite_master WHERE type = 'index' AND sql LIKE '%) WHERE %'")}
    bad = []
    for step in plan.split(" | "):
        m = _FULL_SCAN.match(step.strip())
        if m is None or m.group(4) in partial:
            continue
        if m.group(1) in aliases or (m.group(2) in aliases and not stops):
            bad.append(step)
    return bad


def _pages(conn, scope, *, order=None, descending=False, search_text=None):
    first = rosters.people_page(conn, scope, limit=10, order=order, descending=descending,
                                search=search_text)
    if first:
        rosters.people_page(conn, scope, limit=10, order=order, descending=descending,
                            search=search_text, after=first[-1]["sort_key"])
    rowids, last = rosters.people_rowids(conn, scope, limit=10, order=order,
                                         descending=descending, search=search_text)
    rosters.people_rows(conn, rowids)
    if last is not None:
        rosters.people_rowids(conn, scope, limit=10, order=order, descending=descending,
                              search=search_text, after=last)


@pytest.mark.parametrize("plan", PLANS)
def test_a_place_s_roster_never_scans_every_person(conn, people, monkeypatch, plan):
    """Every order and search of a commune's or village's roster, first page and the next,
    walked down an index or gathered through the place's: ranges of indexes only (a walk
    from the first row of the name index is a range too: it stops at the page's end)."""
    monkeypatch.setattr(paging, "bound", lambda *_a: PLANS[plan])
    orders = [c for c in rosters.SORTABLE if c not in rosters.MEMBERSHIP_COLUMNS]
    # The name order's ranks, which a search places its matches by, and the numbers in name
    # order a number is found in, read whole as the window does while idle (rosters.warm),
    # once until the database changes.
    while not paging.hold_ranks(conn, "person"):
        pass
    scanned = []
    for place in ("commune", "village"):
        scope = rosters.Scope("unit", people[place])
        for order in orders:
            for descending in (False, True):
                for sql, p in _plans(conn, partial(_pages, conn, scope, order=order,
                                                   descending=descending)):
                    scanned += [(order, s, sql) for s in _scans_of_person(conn, sql, p)]
        for typed in ("nguyen van", "xu", "0110500000", "0900", "nguyen 0110", "0900 van"):
            for sql, p in _plans(conn, partial(_pages, conn, scope, search_text=typed)):
                scanned += [(typed, s, sql) for s in _scans_of_person(conn, sql, p)]
        for sql, p in _plans(conn, partial(rosters.count_people, conn, scope)):
            scanned += [("count", s, sql) for s in _scans_of_person(conn, sql, p)]
    assert not scanned, scanned


def test_the_name_walk_reads_the_name_index_alone(conn, people):
    """The commune roster's walk in name order reads the name index, never the rows (what
    it tests, the place, the tombstone and the search words, is in that index)."""
    rowid = conn.execute("SELECT _rowid FROM person ORDER BY name_key LIMIT 1").fetchone()[0]
    after = paging.keys_of(conn, "person", rosters._order(conn, rosters.Scope(), "full_name",
                                                          False), rowid)
    sql = ("SELECT p._rowid, p._deleted, p.residence_unit_id, p._search FROM person p WHERE "
           "(p.name_key, p._rowid) > (?, ?) ORDER BY p.name_key, p._rowid LIMIT 100")
    plan = " | ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql, after))
    assert "COVERING INDEX person_name" in plan and "TEMP B-TREE" not in plan, plan


@pytest.mark.parametrize("typed", ["nguyen", "van duc", "0111", "09000000", "nguyen 0111",
                                   "van 09 duc", "0110 09"])
@pytest.mark.parametrize("where", ["numbers", "words"])  # words and numbers: read from either
def test_search_reads_people_through_the_text_and_number_indexes(conn, people, typed, where,
                                                                 monkeypatch):
    from test_people_numbers_search import drive_from

    drive_from(monkeypatch, where)
    scanned = []
    for sql, p in _plans(conn, lambda: search.search(conn, typed)):
        scanned += _scans_of_person(conn, sql, p)
    assert not scanned


def test_walked_lists_read_down_their_index(conn, people, store, village, monkeypatch):
    """Organizations by name and minutes by date (records.WALKED_ORDERS) read a page down
    their index without sorting the whole table."""
    monkeypatch.setattr(paging, "bound", lambda *_a: 0)
    monkeypatch.setattr(walk, "WALK_ROWS", 10**6)
    store.add("organization", {"name": "Tổ hòa giải", "org_type": "to_hoa_giai",
                               "unit_id": village})
    for kind, q in ((KINDS["organization"], records.Query()),
                    (KINDS["meeting"], records.Query(order_by="started_at", descending=True))):
        for sql, p in _plans(conn, partial(records.page, conn, kind, q, limit=10)):
            if f"FROM {kind.table}" in sql and "LIMIT" in sql:
                assert "TEMP B-TREE FOR ORDER BY" not in p, (sql, p)


def test_migration_18_rebuilds_an_older_database_s_indexes_and_lists_the_same(
        conn, people, store):
    """A database made before migration 18 (its people's indexes ending with the record id)
    gets the lean indexes, keeps every row, shows each roster in the same order (namesakes
    aside) and gives the freed pages back (the VACUUM after)."""
    old = {"person_name": "name_key, id, _deleted, residence_unit_id, _search",
           "person_residence": "residence_unit_id, _deleted, name_key, id",
           "person_birth": "coalesce(birth_date, ''), name_key, id",
           "person_gender": "coalesce(gender, ''), name_key, id",
           "person_ethnicity": "coalesce(ethnicity, ''), name_key, id"}
    scope = rosters.Scope("unit", people["commune"])
    conn.execute("BEGIN")
    for name, columns in old.items():
        conn.execute(f"DROP INDEX IF EXISTS {name}")  # person_gender: gone (migration 26)
        conn.execute(f"CREATE INDEX {name} ON person({columns})")
    conn.execute("DELETE FROM schema_migrations WHERE version = 18")
    conn.execute("COMMIT")
    before = {o: [r["id"] for r in rosters.people_page(conn, scope, order=o, limit=-1)]
              for o in ("full_name", "birth_date", "gender", "ethnicity")}
    assert migrations.apply(conn) == [18]
    made = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND "
                             "tbl_name = 'person'"))
    for name in old:
        assert " id" not in made[name].split("(", 1)[1], made[name]
    assert conn.execute("PRAGMA freelist_count").fetchone()[0] == 0
    after = {o: [r["id"] for r in rosters.people_page(conn, scope, order=o, limit=-1)]
             for o in before}
    assert {o: sorted(ids) for o, ids in after.items()} == {
        o: sorted(ids) for o, ids in before.items()}
    assert after["birth_date"] == before["birth_date"]  # no two share a birth date and name
