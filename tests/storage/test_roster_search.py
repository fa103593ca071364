"""Roster search has two plans (the full-text index, or testing each row's words while walking
the roster in name order); whichever is chosen, the officer sees the same people."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.domain import text
from desktop.storage import paging, rosters, walk

FAMILY = ["Nguyễn", "Lò", "Quàng", "Giàng", "Vàng", "Đinh", "Hờ", "Trần"]
MIDDLE = ["Văn", "Thị", "A", "Đức", "Mỷ", ""]
GIVEN = ["Đức", "Dũng", "Hạnh", "Dính", "Páo", "Sùng-Chứ", "H'Mông", "Nguyên"]
PHONES = ["0912.345.678", "0987-654-321", "(0215) 3826 111", ""]


@pytest.fixture
def roster(store, village):
    people = []
    for i, family in enumerate(FAMILY):
        for j, given_name in enumerate(GIVEN):
            middle = MIDDLE[(i + j) % len(MIDDLE)]
            name = " ".join(w for w in (family, middle, given_name) if w)
            people.append({"full_name": name, "residence_unit_id": village,
                           "phone": PHONES[(i * j) % len(PHONES)] or None})
    store.add_many("person", people)
    org = store.add("organization", {"name": "Tổ bảo vệ an ninh, trật tự bản Huổi Lếch",
                                     "org_type": "to_bao_ve_antt", "unit_id": village}).id
    ids = [r["id"] for r in rosters.people_page(store.conn, rosters.Scope("unit", village))]
    for person_id in ids[::3]:
        store.add("membership", {"person_id": person_id, "organization_id": org,
                                 "role": "to_vien"})
    return {"village": village, "org": org, "people": people}


WORDS = st.sampled_from(FAMILY + [m for m in MIDDLE if m] + GIVEN
                        + ["912", "345", "654", "0215", "mong", "chu", "h", "d", "nguy"])


@st.composite
def queries(draw) -> str:
    """What an officer types: a few words or their beginnings, with or without tones, in any
    case, maybe with stray punctuation."""
    words = draw(st.lists(WORDS, min_size=1, max_size=3))
    typed = []
    for w in words:
        w = w[:draw(st.integers(1, len(w)))]
        if draw(st.booleans()):
            w = w.upper()
        typed.append(w)
    sep = draw(st.sampled_from([" ", "  ", ", ", "-", " ."]))
    return sep.join(typed)


def _pages(conn, scope, search, size=7):
    """The whole roster as the window reads it: page after page, each following the last."""
    ids, after = [], None
    while True:
        page = rosters.people_page(conn, scope, search=search, limit=size, after=after)
        ids += [r["id"] for r in page]
        if len(page) < size:
            return ids
        after = page[-1]["sort_key"]


PLANS = {"walk": (1, 10**6), "walk that gives up": (1, 1), "index": (10**9, 10**6)}


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture],
          deadline=None)
@given(typed=queries())
def test_every_plan_finds_the_same_people_in_the_same_order(conn, roster, monkeypatch, typed):
    scopes = [rosters.Scope(), rosters.Scope("unit", roster["village"]),
              rosters.Scope("unit", roster["village"], org_type="to_bao_ve_antt")]
    for scope in scopes:
        found = {}
        for plan, (broad, walk_rows) in PLANS.items():
            monkeypatch.setattr(paging, "bound", lambda *_a, few=broad: few)
            monkeypatch.setattr(walk, "WALK_ROWS", walk_rows)
            monkeypatch.setattr(paging, "GATHER_COST", {True: 0, False: 0} if walk_rows == 1
                                else {True: 60, False: 1})
            found[plan] = _pages(conn, scope, typed)
            assert rosters.count_people(conn, scope, typed) == len(found[plan])
            everyone = [r["id"] for r in rosters.people_page(conn, scope, search=typed,
                                                             limit=-1)]
            assert everyone == found[plan]
        assert found["walk"] == found["walk that gives up"] == found["index"], (typed, scope)


def test_a_broad_search_walks_and_a_narrow_one_uses_the_index(conn, roster, monkeypatch):
    monkeypatch.setattr(walk, "BROAD_SEARCH", 10)
    assert walk.is_broad(conn, "person", '"tran"*') is False  # 8 of 64 people
    assert walk.is_broad(conn, "person", '"d"*') is True
    everyone = rosters.Scope("unit", roster["village"])
    # Punctuation splits words as the index does: "H'Mông" holds the word "mong".
    for plan in (1, 10**9):
        monkeypatch.setattr(walk, "BROAD_SEARCH", plan)
        found = {r["full_name"] for r in rosters.people_page(conn, everyone, search="mông")}
        assert len(found) == len(FAMILY) and all(n.endswith("H'Mông") for n in found)


def test_an_organizations_roster_is_searched_by_walking_its_members(conn, roster):
    members = rosters.Scope("organization", roster["org"])
    everyone = rosters.Scope("unit", roster["village"])
    in_org = {r["id"] for r in rosters.people_page(conn, members, search="văn")}
    assert in_org and in_org <= {r["id"] for r in rosters.people_page(conn, everyone,
                                                                       search="van")}
    assert all(any(w.startswith("van") for w in text.search_words(r["full_name"]))
               for r in rosters.people_page(conn, members, search="van"))  # Văn, Vàng
    assert rosters.count_people(conn, members, "van") == len(in_org)


def _sorted_pages(conn, scope, order, descending, size=7, search=None):
    ids, after = [], None
    while True:
        page = rosters.people_page(conn, scope, limit=size, after=after, order=order,
                                   descending=descending, search=search)
        ids += [r["id"] for r in page]
        if len(page) < size:
            return ids
        after = page[-1]["sort_key"]


def test_a_roster_sorts_by_any_column_in_sql_page_after_page(conn, roster, store):
    people = rosters.Scope("unit", roster["village"])
    ids = [r["id"] for r in rosters.people_page(conn, people, limit=-1)]
    born = {}
    for i, person_id in enumerate(ids[:20]):  # birth years in no particular order, some none
        if i % 4:
            born[person_id] = f"{1950 + (i * 7) % 40}"
            store.edit("person", person_id, {"birth_date": born[person_id]})
    for order in [c for c in rosters.SORTABLE if c not in rosters.MEMBERSHIP_COLUMNS]:
        for descending in (False, True):
            for search in (None, "van", "d"):
                whole = rosters.people_page(conn, people, limit=-1, order=order,
                                            descending=descending, search=search)
                assert _sorted_pages(conn, people, order, descending, search=search) == [
                    r["id"] for r in whole], (order, descending, search)
    by_birth = rosters.people_page(conn, people, limit=-1, order="birth_date")
    years = [r["birth_date"] or "" for r in by_birth]
    assert years == sorted(years)  # those without a date first
    newest_first = rosters.people_page(conn, people, limit=3, order="birth_date",
                                       descending=True)
    assert [r["birth_date"] for r in newest_first] == sorted(born.values(), reverse=True)[:3]
    # A place sorts by its name: "Bản Á Sang" before "Bản Huổi Lếch", whatever their ids.
    commune = conn.execute("SELECT parent_id FROM unit WHERE id = ?",
                           (roster["village"],)).fetchone()[0]
    other = store.add("unit", {"name": "Bản Á Sang", "level": "village",
                               "parent_id": commune}).id
    moved = store.add("person", {"full_name": "Zơ A Vừ", "residence_unit_id": other}).id
    by_place = rosters.people_page(conn, rosters.Scope(), limit=2, order="residence_unit_id")
    assert by_place[0]["id"] == moved


def test_an_organizations_roster_sorts_by_name_or_by_role(conn, roster):
    members = rosters.Scope("organization", roster["org"])
    by_role = rosters.people_page(conn, members)
    by_name = rosters.people_page(conn, members, order="full_name")
    assert [r["name_key"] for r in by_name] == sorted(r["name_key"] for r in by_role)
    assert [r["id"] for r in rosters.people_page(conn, members, order="role")] == [
        r["id"] for r in by_role]
    with pytest.raises(ValueError):
        rosters.people_page(conn, rosters.Scope(), order="role")
    with pytest.raises(ValueError):
        rosters.people_page(conn, rosters.Scope(), order="full_name; DROP TABLE person")
