"""A roster read page after page (keyset paging, storage/paging.py) is the whole roster in its
order, whichever plan reads each page: walked down an index, gathered through a filter's
index and sorted, or a walk that gives up and gathers. Checked against the order computed
here in Python, with ties, blanks, deleted people, people of no place and namesake villages."""

from __future__ import annotations

import itertools

import pytest

from desktop.domain import text
from desktop.storage import paging, rosters, walk

ORDERS = [c for c in rosters.SORTABLE if c not in rosters.MEMBERSHIP_COLUMNS]
# Plans forced by what paging counts as few rows, and how far a walk reads.
PLANS = {"walk": (0, 10**6), "walk that gives up": (0, 1), "gather": (10**9, 10**6)}


def force(monkeypatch, plan):
    few, walked = PLANS[plan]
    monkeypatch.setattr(paging, "bound", lambda *_a: few)
    monkeypatch.setattr(walk, "WALK_ROWS", walked)
    if plan == "walk that gives up":  # however cheap a walk, it stops after one row
        monkeypatch.setattr(paging, "GATHER_COST", {True: 0, False: 0})
NAMES = ["Nguyễn Văn Đức", "Nguyễn Văn Đức", "Nguyễn Văn Đức", "Lò Thị Xuân", "Giàng A Páo",
         "Vàng Thị Mỷ", "Lò Văn Đức", "Quàng Văn Ún", "Sùng A Dình", "Đinh Thị Hà"]


@pytest.fixture
def people(store, village):
    """Thirty people in three villages (two of them namesakes), a few with no place; every
    third one without CCCD, phone, gender or birth date; two deleted; members of two
    organization types."""
    commune = store.conn.execute("SELECT parent_id FROM unit WHERE id = ?",
                                 (village,)).fetchone()[0]
    twins = [store.add("unit", {"name": "Bản Nà Hỳ", "level": "village",
                                "parent_id": commune}).id for _ in range(2)]
    places = [village, *twins, None]
    rows = []
    for i in range(30):
        blank, year = i % 3 == 0, 1950 + (i * 7) % 30
        rows.append({
            "full_name": NAMES[i % len(NAMES)],
            "residence_unit_id": places[i % 4] if i % 7 else None,
            "birth_date": None if blank else str(year),
            "gender": None if blank else ("male", "female")[i % 2],
            # 011 Điện Biên, then the century and gender digit and the year of birth
            "citizen_id": None if blank else f"011{i % 2}{year % 100:02d}{i:06d}",
            "phone": None if i % 4 == 0 else f"09{i % 3}{i:07d}",
            "ethnicity": ("kinh", "thai", "mong")[i % 3],
        })
    ids = store.add_many("person", rows)
    for gone in (ids[4], ids[11]):
        store.delete("person", gone)
    org = store.add("organization", {"name": "Tổ hòa giải bản Huổi Lếch",
                                     "org_type": "to_hoa_giai", "unit_id": village}).id
    for pid in ids[::5]:
        store.add("membership", {"person_id": pid, "organization_id": org,
                                 "role": "hoa_giai_vien"})
    # Leaders of two organizations (one since deleted), a membership ended and one deleted:
    # only current memberships of live organizations count.
    teams = [store.add("organization", {"name": f"Tổ bảo vệ an ninh, trật tự {i}",
                                        "org_type": "to_bao_ve_antt", "unit_id": village}).id
             for i in range(2)]
    for i, pid in enumerate(ids[1::4]):
        store.add("membership", {"person_id": pid, "organization_id": teams[i % 2],
                                 "role": "to_truong" if i % 3 else "to_vien"})
    ended = store.add("membership", {"person_id": ids[2], "organization_id": teams[0],
                                     "role": "to_truong"}).id
    store.edit("membership", ended, {"left_date": "2025-01-01"})
    gone = store.add("membership", {"person_id": ids[3], "organization_id": org,
                                    "role": "to_truong"}).id
    store.delete("membership", gone)
    store.delete("organization", teams[1])
    return {"commune": commune, "village": village, "twins": twins, "ids": ids}


def _expected(conn, scope, order, descending, search):
    """The roster computed in Python from every row: filter, then sort by the keys."""
    rows = conn.execute("SELECT p.*, ru.name_key AS place_key FROM person p LEFT JOIN unit ru "
                        "ON ru.id = p.residence_unit_id WHERE p._deleted = 0").fetchall()
    if scope.kind == "unit":
        subtree = {r[0] for r in conn.execute(
            "SELECT id FROM unit WHERE id = ? OR parent_id = ? OR parent_id IN "
            "(SELECT id FROM unit WHERE parent_id = ?)", (scope.id,) * 3)}
        rows = [r for r in rows if r["residence_unit_id"] in subtree]
    if scope.org_type or scope.role:
        members = {r[0] for r in conn.execute(
            "SELECT m.person_id FROM membership m JOIN organization o ON o.id = "
            "m.organization_id AND o._deleted = 0 WHERE m._deleted = 0 AND m.left_date IS NULL "
            "AND o.org_type = coalesce(?, o.org_type) AND m.role = coalesce(?, m.role)",
            (scope.org_type, scope.role))}
        rows = [r for r in rows if r["id"] in members]
    words = text.search_words(search or "")
    if len(words) == 1 and words[0].isdigit():
        rows = [r for r in rows if any(str(r[c] or "").lstrip("+").startswith(words[0])
                                       for c in ("citizen_id", "phone"))]
    elif words:
        rows = [r for r in rows if all(any(w.startswith(typed) for w in r["_search"].split())
                                       for typed in words)]

    def key(r):
        if order == "residence_unit_id":
            first: tuple = (r["place_key"] or "", r["residence_unit_id"] or "")
        elif order == "full_name":
            first = ()
        else:
            first = (r[order] or "",)
        return (*first, r["name_key"], r["_rowid"])

    return [r["id"] for r in sorted(rows, key=key, reverse=descending)]


def _paged(conn, scope, order, descending, search, size=4):
    ids, after = [], None
    while True:
        page = rosters.people_page(conn, scope, limit=size, after=after, order=order,
                                   descending=descending, search=search)
        ids += [r["id"] for r in page]
        if len(page) < size:
            return ids
        after = page[-1]["sort_key"]


def _scopes(people):
    return [rosters.Scope(), rosters.Scope("unit", people["commune"]),
            rosters.Scope("unit", people["village"]), rosters.Scope("unit", people["twins"][1]),
            rosters.Scope("unit", people["commune"], org_type="to_hoa_giai"),
            rosters.Scope("unit", people["commune"], role="to_truong"),
            rosters.Scope("unit", people["village"], org_type="to_bao_ve_antt",
                          role="to_truong"),
            rosters.Scope("all", None, role="hoa_giai_vien")]


@pytest.mark.parametrize("plan", PLANS)
def test_every_order_reads_the_whole_roster_page_after_page_in_every_plan(
        conn, people, monkeypatch, plan):
    force(monkeypatch, plan)
    for scope, order, descending in itertools.product(_scopes(people), ORDERS, (False, True)):
        expected = _expected(conn, scope, order, descending, None)
        assert _paged(conn, scope, order, descending, None) == expected, (scope, order)
    assert len(_expected(conn, rosters.Scope(), "full_name", False, None)) == 28


@pytest.mark.parametrize("plan", PLANS)
@pytest.mark.parametrize("search", ["nguyen van d", "Đức", "thi", "0110", "011157", "09",
                                    "091", "x"])
def test_a_search_reads_the_same_people_in_every_plan(conn, people, monkeypatch, plan, search):
    force(monkeypatch, plan)
    for scope in _scopes(people):
        for order, descending in (("full_name", False), ("citizen_id", True),
                                  ("residence_unit_id", False), ("gender", False)):
            expected = _expected(conn, scope, order, descending, search)
            assert _paged(conn, scope, order, descending, search) == expected, (scope, order)
        assert rosters.count_people(conn, scope, search) == len(
            _expected(conn, scope, "full_name", False, search))


def test_namesakes_follow_each_other_in_the_order_of_their_rows(conn, people):
    page = rosters.people_page(conn, rosters.Scope(), search="nguyen van duc", limit=-1)
    rowids = [rosters.person_rowid(conn, r["id"]) for r in page]
    # one name: ties broken by _rowid, which ends every index entry (migration 18)
    assert len(rowids) >= 6 and rowids == sorted(rowids)


def test_a_page_starts_after_the_last_row_shown_even_if_it_was_deleted_since(
        conn, people, store):
    scope = rosters.Scope("unit", people["commune"])
    for order in ORDERS:
        first = rosters.people_page(conn, scope, limit=5, order=order)
        rest = rosters.people_page(conn, scope, limit=-1, order=order)[5:]
        store.delete("person", first[-1]["id"])
        after = rosters.people_page(conn, scope, limit=100, order=order,
                                    after=first[-1]["sort_key"])
        assert [r["id"] for r in after] == [r["id"] for r in rest], order
        store.restore("person", first[-1]["id"])


def test_each_walked_order_reads_down_an_index_without_sorting(conn, people, monkeypatch):
    """The plans of the walks: every segment of every order is read in its index's order
    (a sort of the commune's residents before their first page cost 677 ms at 300,000)."""
    plans: list[str] = []
    monkeypatch.setattr(paging, "bound", lambda *_a: 0)
    real = paging._walk

    def explained(conn, table, segment, filters, need, most, *rows):
        where, args = paging._segment_where(segment, plus=False)
        sql = (f"SELECT p._rowid FROM {table} p WHERE {where} ORDER BY "
               f"{paging._order_by(segment.order, segment.descending)} LIMIT 1")
        plans.append(" | ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql, args)))
        return real(conn, table, segment, filters, need, most, *rows)

    monkeypatch.setattr(paging, "_walk", explained)
    for order, descending in itertools.product(ORDERS, (False, True)):
        _paged(conn, rosters.Scope("unit", people["commune"]), order, descending, None,
               size=7)
    # Only people sharing one CCCD, phone number or birth date (a handful) are sorted among
    # themselves ("FOR LAST 2 TERMS": by name within one value).
    sorted_ties = ("(citizen_id=?)", "(phone=?)", "(birth_date=?)")
    assert plans and not [p for p in plans if "USING INDEX" not in p and "USING COVERING" not in p
                          or "TEMP B-TREE FOR ORDER BY" in p
                          and not any(t in p for t in sorted_ties)]


def test_members_by_a_column_many_lack_are_walked_down_its_index_not_gathered(
        conn, people, monkeypatch):
    """The members of an organization type sorted by phone or CCCD, which many people lack
    (or birth date, or name): those without one found off the blank's index entries of the
    members, those with one down the column's index, each entry tested against the members'
    rowids; the members are never all read and sorted (3,229 members at 300,000 people:
    30-55 ms a first page read afresh, the next one too). A list so short that a walk would
    read more entries for each of its rows than gathering it costs (a role's leaders) is
    gathered. The pages are the roster in its order either way."""
    # The members' list is short enough to gather through it (fewer than the bound of a
    # row read each), and more people lack a phone than the bound of the name index.
    monkeypatch.setattr(paging, "bound", lambda _c, _t, covered: 1 if covered else 10)
    gathered: list[rosters.Scope] = []
    real = paging._gather

    def gather(*a, **k):
        gathered.append(scope)
        return real(*a, **k)

    monkeypatch.setattr(paging, "_gather", gather)
    members = rosters.Scope("unit", people["commune"], org_type="to_hoa_giai")
    leaders = rosters.Scope("unit", people["commune"], role="to_truong")
    for scope, order, descending, size in itertools.product(
            [members, leaders], ("phone", "citizen_id", "birth_date", "full_name"),
            (False, True), (1, 2, 4)):
        expected = _expected(conn, scope, order, descending, None)
        if scope is members and order == "phone":  # some lack one: its part of the order read
            assert any(conn.execute(f"SELECT {order} IS NULL FROM person WHERE id = ?",
                                    (i,)).fetchone()[0] for i in expected)
        assert _paged(conn, scope, order, descending, None, size) == expected, (scope, order)
    # a walk reads about 5 entries a member of the 6 among 30 people, 15 a leader of the 2
    assert members not in gathered and leaders in gathered


SHOWN = ("full_name", "birth_date", "gender", "ethnicity", "citizen_id", "phone",
         "residence_unit_id")


@pytest.mark.parametrize("plan", PLANS)
def test_a_page_of_rows_is_the_page_of_rowids_read_whole(conn, people, monkeypatch, plan):
    """A page read with its rows in the statement that finds it (paging.read) holds the same
    rows, in the same order, as its rowids (paging.rowids) read afterwards, at every page
    boundary, in every order, plan and scope."""
    force(monkeypatch, plan)
    for scope, order, descending in itertools.product(_scopes(people), ORDERS, (False, True)):
        plan_of = rosters._order(conn, scope, order, descending)
        filters = rosters._filters(conn, scope, None)
        after, pages = None, 0
        while True:
            rows = paging.read(conn, "person", plan_of, filters, after=after, limit=3)
            rowids = paging.rowids(conn, "person", plan_of, filters, after=after, limit=3)
            assert [r["_r"] for r in rows] == rowids, (scope, order, descending, pages)
            assert [tuple(r) for r in rows] == [
                tuple(r) for r in paging.rows_of(conn, "person", plan_of, rowids)]
            if len(rows) < 3:
                break
            after, pages = tuple(rows[-1][f"_k{i}"] for i in range(len(plan_of.keys))), pages + 1
        assert pages >= 1 or scope.org_type or scope.role


@pytest.mark.parametrize("plan", PLANS)
def test_a_list_s_shown_columns_are_the_same_people_in_the_same_order(
        conn, people, monkeypatch, plan):
    """What a list shows (``fields``): the same people, page after page, as whole records,
    each with those fields' values and no other field (the rest is not read)."""
    force(monkeypatch, plan)
    for scope, order, descending in itertools.product(_scopes(people), ORDERS, (False, True)):
        whole, shown, after = [], [], None
        while True:
            page = rosters.people_page(conn, scope, limit=4, after=after, order=order,
                                       descending=descending, fields=SHOWN)
            shown += page
            if len(page) < 4:
                break
            after = page[-1]["sort_key"]
        whole = rosters.people_page(conn, scope, limit=-1, order=order, descending=descending)
        assert [r["id"] for r in shown] == [r["id"] for r in whole], (scope, order)
        for part, full in zip(shown, whole, strict=True):
            assert set(part) == {"id", "deleted", "name_key", "sort_key", *SHOWN}
            assert {f: part[f] for f in SHOWN} == {f: full[f] for f in SHOWN}


def test_people_s_rows_read_only_the_fields_asked(conn, people):
    rowids, _last = rosters.people_rowids(conn, rosters.Scope(), limit=10)
    whole = rosters.people_rows(conn, rowids)
    some = rosters.people_rows(conn, rowids, fields=("full_name", "phone"))
    assert [r["rowid"] for r in some] == [r["rowid"] for r in whole] == rowids
    assert [(r["id"], r["full_name"], r["phone"]) for r in some] == [
        (r["id"], r["full_name"], r["phone"]) for r in whole]
    assert "birth_date" not in some[0] and "notes" not in some[0]
    with pytest.raises(ValueError, match="not a field of a person: _search"):
        rosters.people_rows(conn, rowids, fields=("full_name", "_search"))


def test_a_members_filter_follows_memberships_written_since_its_last_page(conn, people, store):
    """The members' rowids are remembered by the connection between pages: a membership
    written, ended or an organization's type changed shows on the next page read."""
    scope = rosters.Scope("unit", people["commune"], org_type="to_hoa_giai")

    def shown():
        return [r["id"] for r in rosters.people_page(conn, scope, limit=-1)]

    before = shown()
    residents = rosters.people_page(conn, rosters.Scope("unit", people["commune"]), limit=-1)
    newcomer = next(r["id"] for r in residents if r["id"] not in before)
    org = conn.execute("SELECT id FROM organization WHERE org_type = 'to_hoa_giai'").fetchone()[0]
    joined = store.add("membership", {"person_id": newcomer, "organization_id": org,
                                      "role": "hoa_giai_vien"}).id
    assert newcomer in shown() == _expected(conn, scope, "full_name", False, None)
    store.edit("membership", joined, {"left_date": "2026-01-01"})
    assert shown() == before
    store.edit("organization", org, {"org_type": "to_tu_quan"})
    assert shown() == []


def test_a_gathered_list_held_between_pages_shows_what_was_written_since(
        conn, people, store, monkeypatch):
    """A list gathered and sorted is held whole from its second page on (paging._gathered):
    a person written between two pages is on the next page where the order puts them."""
    force(monkeypatch, "gather")
    scope = rosters.Scope("unit", people["commune"])
    for order in ("full_name", "phone"):
        first = rosters.people_page(conn, scope, limit=3, order=order)
        second = rosters.people_page(conn, scope, limit=3, order=order,
                                     after=first[-1]["sort_key"])
        assert second and conn.__dict__.get(paging._HELD)  # held from the second page
        # a namesake with the same phone: after the last row shown (ties go by rowid)
        newcomer = store.add("person", {"full_name": second[0]["full_name"],
                                        "residence_unit_id": people["village"],
                                        "phone": second[0]["phone"]}).id
        rest = rosters.people_page(conn, scope, limit=-1, order=order,
                                   after=first[-1]["sort_key"])
        again = rosters.people_page(conn, scope, limit=100, order=order,
                                    after=first[-1]["sort_key"])
        assert newcomer in [r["id"] for r in again] and again == rest
        store.delete("person", newcomer)


def test_a_list_too_long_to_hold_is_not_read_whole_again_at_each_page(
        conn, people, monkeypatch):
    """Past paging.GATHER_HELD rows a gathered list is read a page at a time; that it is too
    long is remembered with the database's state, not found out again by every page."""
    force(monkeypatch, "gather")
    monkeypatch.setattr(paging, "GATHER_HELD", 2)
    scope = rosters.Scope("unit", people["commune"])
    whole: list[str] = []
    conn.set_trace_callback(  # the whole list's statement: its rowids as one JSON list
        lambda sql: whole.append(sql) if "json_group_array(p._rowid" in sql else None)
    try:
        shown = rosters.people_page(conn, scope, limit=1, order="phone")
        pages = [shown]
        while shown:
            shown = rosters.people_page(conn, scope, limit=1, order="phone",
                                        after=shown[-1]["sort_key"])
            pages.append(shown)
    finally:
        conn.set_trace_callback(None)
    assert len(pages) > 3
    assert len(whole) == 1  # the whole list read once: too long, then page by page
    assert [r["id"] for page in pages for r in page] == [
        r["id"] for r in rosters.people_page(conn, scope, limit=-1, order="phone")]


@pytest.mark.parametrize("descending", [False, True])
def test_a_place_s_roster_by_place_tests_its_parts_without_the_place_s_units(
        conn, people, monkeypatch, descending):
    # Each part is one of the scope's own units: its residents are the scope's without testing
    # them against its list of units again (at a province: 676 bound at each of 48 parts).
    monkeypatch.setattr(paging, "bound", lambda *_a: 10)  # the commune's 20 many, a place's few
    scope = rosters.Scope("unit", people["commune"])
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    try:
        ids = _paged(conn, scope, "residence_unit_id", descending, None)
    finally:
        conn.set_trace_callback(None)
    assert ids == _expected(conn, scope, "residence_unit_id", descending, None)
    parts = [s for s in statements if "p.residence_unit_id = '" in s]
    assert parts and not any("residence_unit_id IN (" in s for s in parts)
    # a village's, whose parts are its own and those of nothing under it
    village = rosters.Scope("unit", people["village"])
    assert _paged(conn, village, "residence_unit_id", descending, "nguyen") == _expected(
        conn, village, "residence_unit_id", descending, "nguyen")
