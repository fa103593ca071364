"""Minutes, the largest list after people, are searched by either plan (see storage/walk.py)
with the same result, newest first."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from dbkit import record_pages
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.domain.kinds import KINDS
from desktop.storage import paging, records, walk

TITLES = ["Sinh hoạt định kỳ tháng {m}", "Họp triển khai an ninh trật tự", "Họp bàn phòng chống "
          "ma túy", "Tổng kết phong trào toàn dân bảo vệ an ninh Tổ quốc", "Họp đột xuất"]
PLACES = ["Nhà văn hóa bản Huổi Lếch", "Nhà ông Lò Văn Ấn", "Trụ sở Công an xã"]


@pytest.fixture
def minutes(store, village):
    org = store.add("organization", {"name": "Tổ bảo vệ an ninh, trật tự bản Huổi Lếch",
                                     "org_type": "to_bao_ve_antt", "unit_id": village}).id
    start = dt.datetime(2025, 1, 6, 8)
    rows = [{"organization_id": org, "kind": "sinh_hoat_dinh_ky",
             "title": TITLES[i % len(TITLES)].format(m=1 + i % 12),
             "started_at": start + dt.timedelta(days=(i * 37) % 600, hours=i % 3),
             "place": PLACES[i % len(PLACES)]} for i in range(60)]
    store.add_many("meeting", rows)
    province = store.conn.execute(
        "SELECT p.id FROM unit v JOIN unit c ON c.id = v.parent_id JOIN unit p "
        "ON p.id = c.parent_id WHERE v.id = ?", (village,)).fetchone()[0]
    return {"village": village, "province": province}


PLANS = {"walk": (1, 10**6), "walk that gives up": (1, 1), "index": (10**9, 10**6)}
WORDS = st.sampled_from(["sinh", "hop", "an", "ninh", "thang", "1", "van", "lo", "ma", "tuy",
                         "nha", "tru", "to", "h", "d"])


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture],
          deadline=None)
@given(words=st.lists(WORDS, min_size=1, max_size=3), newest_first=st.booleans())
def test_every_plan_lists_the_same_minutes_in_the_same_order(conn, minutes, monkeypatch, words,
                                                              newest_first):
    typed = " ".join(words)
    found = {}
    for plan, (broad, walk_rows) in PLANS.items():
        monkeypatch.setattr(paging, "bound", lambda *_a, few=broad: few)
        monkeypatch.setattr(walk, "WALK_ROWS", walk_rows)
        monkeypatch.setattr(paging, "GATHER_COST", {True: 0, False: 0} if walk_rows == 1
                                else {True: 60, False: 1})
        for scope in (None, minutes["village"], minutes["province"]):
            q = records.Query(search=typed, descending=newest_first, unit_scope=scope)
            pages = [r["id"] for offset in range(0, 60, 9)
                     for r in records.page(conn, KINDS["meeting"], q, offset=offset, limit=9)]
            assert len(pages) == records.count(conn, KINDS["meeting"], q)
            found[plan, scope] = pages
    everywhere = found["index", None]
    assert all(pages == everywhere for pages in found.values()), typed


def test_a_broad_search_of_minutes_is_walked_newest_first(conn, minutes, monkeypatch):
    monkeypatch.setattr(walk, "BROAD_SEARCH", 10)
    q = records.Query(search="hop", descending=True)
    page = records.page(conn, KINDS["meeting"], q, limit=5)
    starts = [r["started_at"] for r in page]
    assert len(page) == 5 and starts == sorted(starts, reverse=True)
    assert all("Họp" in str(r["title"]) for r in page)


def test_a_provinces_minutes_page_down_their_date_index_in_the_same_order(conn, minutes):
    kind = KINDS["meeting"]
    for newest_first in (True, False):
        everywhere = records.Query(descending=newest_first)
        province = records.Query(descending=newest_first, unit_scope=minutes["province"])
        pages = [[r["id"] for offset in range(0, 60, 7)
                  for r in records.page(conn, kind, q, offset=offset, limit=7)]
                 for q in (everywhere, province)]
        assert pages[0] == pages[1] and len(pages[0]) == 60
        starts = [r["started_at"] for r in records.page(conn, kind, province, limit=-1)]
        assert starts == sorted(starts, reverse=newest_first)


# Each list of the window, with the columns it shows (desktop/ui/shell/record_pages.py).
LISTS = {"organization": ("name", "org_type", "unit_id", "founded_date", "decision_number",
                          "status"),
         "meeting": ("number", "title", "started_at", "organization_id", "place"),
         "deed": ("deed_date", "person_id", "organization_id", "description",
                  "commendation_form", "commendation_level")}


@pytest.fixture
def lists(store, village, minutes):
    """Organizations with blanks and ties, good deeds of people and of organizations, two
    of each deleted; the minutes of the fixture above."""
    orgs = store.add_many("organization", [
        {"name": f"Tổ tự quản số {i % 4}", "org_type": ("to_tu_quan", "to_hoa_giai")[i % 2],
         "unit_id": village, "founded_date": None if i % 3 == 0 else f"{2010 + i % 5}",
         "status": None if i % 4 == 0 else "active",
         "decision_number": None if i % 2 else f"{i % 3}/QĐ-UBND"} for i in range(14)])
    person = store.add("person", {"full_name": "Lò Văn Ấn", "residence_unit_id": village}).id
    deeds = store.add_many("deed", [
        {"description": f"Việc tốt số {i}", "deed_date": f"{1 + i % 3:02d}/0{1 + i % 2}/2025",
         **({"person_id": person} if i % 2 else {"organization_id": orgs[i % 5]}),
         "commendation_form": None if i % 3 else "giay_khen"} for i in range(12)])
    for kind, gone in (("organization", orgs[:2]), ("deed", deeds[:2])):
        for record_id in gone:
            store.delete(kind, record_id)
    return minutes


@pytest.mark.parametrize("plan", ["walk", "gather"])
def test_every_list_reads_whole_page_after_page_in_every_order(conn, lists, monkeypatch,
                                                                plan):
    monkeypatch.setattr(paging, "bound", lambda *_a: 0 if plan == "walk" else 10**9)
    for name, columns in LISTS.items():
        kind = KINDS[name]
        for order, descending, scope, search in itertools.product(
                (None, *columns), (False, True), (None, lists["village"], lists["province"]),
                (None, "to" if name == "organization" else "hop" if name == "meeting"
                 else "viec")):
            q = records.Query(order_by=order, descending=descending, unit_scope=scope,
                              search=search)
            whole = [r["id"] for r in records.page(conn, kind, q, limit=-1)]
            pages = record_pages(conn, kind, q, 4)
            assert pages == whole, (name, order, descending, scope, search)
            assert len(whole) == records.count(conn, kind, q)
            assert not {r["id"] for r in records.page(conn, kind, q, limit=-1)
                        if r["deleted"]}
    # The blank sorts first, as NULL did; ties follow the id.
    founded = [r["founded_date"] or "" for r in records.page(
        conn, KINDS["organization"], records.Query(order_by="founded_date"), limit=-1)]
    assert founded == sorted(founded) and founded[0] == ""


def test_the_deeds_of_a_place_are_its_peoples_and_its_organizations(conn, lists, store):
    kind = KINDS["deed"]
    here = records.page(conn, kind, records.Query(unit_scope=lists["village"]), limit=-1)
    assert len(here) == 10 and all(r["person_id"] or r["organization_id"] for r in here)
    elsewhere = store.add("unit", {"name": "Bản Nậm Kè", "level": "village",
                                   "parent_id": "03160"}).id
    assert records.page(conn, kind, records.Query(unit_scope=elsewhere), limit=-1) == []


@pytest.mark.parametrize("plan", ["sorted and tested", "sorted and tested in SQL", "gather"])
def test_a_places_deeds_page_after_page_leave_out_those_of_other_places(conn, lists, store,
                                                                        monkeypatch, plan):
    """Good deeds of people and organizations of another village, between the place's own in
    every order: a page sorted first and tested row by row as read (paging._sorted_walk:
    every filter admits many; the sorted rows held, or too many to hold) or gathered holds
    the place's, in the order of the whole list."""
    monkeypatch.setattr(paging, "bound", lambda *_a: 0 if plan != "gather" else 10**9)
    if plan == "sorted and tested in SQL":
        monkeypatch.setattr(paging, "GATHER_HELD", 0)
    elsewhere = store.add("unit", {"name": "Bản Nậm Kè", "level": "village",
                                   "parent_id": "03160"}).id
    person = store.add("person", {"full_name": "Lò Thị Én", "residence_unit_id": elsewhere}).id
    org = store.add("organization", {"name": "Tổ tự quản Nậm Kè", "org_type": "to_tu_quan",
                                     "unit_id": elsewhere}).id
    store.add_many("deed", [
        {"description": f"Việc tốt số {i}", "deed_date": f"{1 + i % 3:02d}/0{1 + i % 2}/2025",
         **({"person_id": person} if i % 2 else {"organization_id": org}),
         "commendation_form": None if i % 3 else "giay_khen"} for i in range(9)])
    kind = KINDS["deed"]
    for order, descending in itertools.product((None, *LISTS["deed"]), (False, True)):
        q = records.Query(order_by=order, descending=descending, unit_scope=lists["village"])
        whole = [r["id"] for r in records.page(conn, kind, q, limit=-1)]
        pages = record_pages(conn, kind, q, 3)
        assert pages == whole and len(whole) == 10, (order, descending)


def test_a_places_minutes_follow_their_organization_moved_between_pages(conn, minutes, store):
    """The ids of a place's organizations are remembered between pages (records._ids_in):
    an organization moved to another village since takes its minutes out of the next page,
    and one moved in brings its own."""
    kind = KINDS["meeting"]
    q = records.Query(order_by="title", unit_scope=minutes["village"])
    first = records.page(conn, kind, q, limit=10)
    assert len(first) == 10
    org = first[0]["organization_id"]
    elsewhere = store.add("unit", {"name": "Bản Nậm Kè", "level": "village",
                                   "parent_id": "03160"}).id
    store.edit("organization", org, {"unit_id": elsewhere})
    assert records.page(conn, kind, q, limit=10, after=first[-1]["sort_key"]) == []
    assert len(records.page(conn, kind, records.Query(unit_scope=elsewhere), limit=-1)) == 60
    store.edit("organization", org, {"unit_id": minutes["village"]})
    assert len(records.page(conn, kind, q, limit=100, after=first[-1]["sort_key"])) == 50
