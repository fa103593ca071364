"""A search's page in name order placed by rank (storage/ranked.py): its matches' rowids from
the full-text index sorted by their place in the name order held in memory, instead of a walk
down the name index that may read most of it ("vũ h": every given name from H). Whichever
plan reads it, the officer sees the same people in the same order, page after page and key
after key; a person written since the ranks were read is placed where they belong."""

from __future__ import annotations

import itertools

import pytest
from dbkit import roster_search_afresh as afresh
from dbkit import roster_search_pages as pages
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.storage import db, paging, ranked, rosters
from desktop.storage.writer import Store

FAMILIES = ["Nguyễn", "Lò", "Giàng", "Vàng", "Vũ"]
MIDDLES = ["Văn", "Thị", "A", "Hữu"]
GIVENS = ["An", "Bình", "Dơ", "Dũng", "Đức", "Hoa", "Hạnh", "Páo", "Xuân", "Ún"]
TYPED = ["ng", "nguyen", "nguyen ", "nguyen v", "nguyen van", "nguyen van d", "nguyen van du",
         "vu", "vu ", "vu h", "vu hu", "vu h", "giang a p", "giang a pa", "lo t", "lo thi x",
         "xuan", "an"]


@pytest.fixture
def roster(store: Store, village: str) -> rosters.Scope:
    """200 people of one village (every name once, some deleted) and 25 of another."""
    commune = store.conn.execute("SELECT parent_id FROM unit WHERE id = ?",
                                 (village,)).fetchone()[0]
    other = store.add("unit", {"name": "Bản Nà Hỳ", "level": "village",
                               "parent_id": commune}).id
    names = [" ".join(n) for n in itertools.product(FAMILIES, MIDDLES, GIVENS)]
    rows = [{"full_name": name, "residence_unit_id": village} for name in names]
    rows += [{"full_name": name, "residence_unit_id": other} for name in names[::8]]
    ids = store.add_many("person", rows)
    for person_id in ids[::17]:
        store.delete("person", person_id)
    return rosters.Scope("unit", village)


def plan(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Force a plan: "placed" (no walk first, every search placed by rank), or "walked"
    (never placed: the walk and gather of paging.py)."""
    monkeypatch.setattr(paging, "PROBE_ROWS", 0 if name == "placed" else 10**6)
    monkeypatch.setattr(ranked, "PLACED", 10**6 if name == "placed" else 0)


def record_pages(conn, scope, search, limit):
    """Every page of the search as people_page reads them (the records, by sort key)."""
    out, after = [], None
    while True:
        page = rosters.people_page(conn, scope, search=search, limit=limit, after=after)
        out.append([r["id"] for r in page])
        if len(page) < limit:
            return out
        after = page[-1]["sort_key"]


WORDS = st.sampled_from(FAMILIES + MIDDLES + GIVENS + ["h", "d", "ng", "th", "x"])


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture],
          deadline=None)
@given(words=st.lists(WORDS, min_size=1, max_size=3),
       cut=st.integers(1, 6), limit=st.sampled_from([3, 7, 100]))
def test_every_plan_finds_the_same_people_in_the_same_order(conn, roster, monkeypatch,
                                                             words, cut, limit):
    typed = " ".join([*words[:-1], words[-1][:cut]])
    found = {}
    for name in ("placed", "walked"):
        plan(monkeypatch, name)
        found[name] = [afresh(conn, scope, typed, limit) for scope in (roster, rosters.Scope())]
        found[name].append(record_pages(conn, roster, typed, limit))
    assert found["placed"] == found["walked"], typed


@pytest.mark.parametrize("limit", [4, 100])
def test_each_key_finds_what_the_search_read_afresh_finds(conn, db_path, roster, monkeypatch,
                                                          limit):
    """Typed key after key (each search starts after the last one's first row), placed by
    rank, against the search read afresh by another connection and the other plans."""
    other = db.open_database(db_path)
    try:
        for typed in TYPED:
            plan(monkeypatch, "placed")
            shown = pages(conn, roster, typed, limit)
            plan(monkeypatch, "walked")
            assert shown == afresh(other, roster, typed, limit), typed
        assert any(shown)
    finally:
        other.close()


def test_a_person_written_since_the_ranks_were_read_is_placed(conn, db_path, store, roster,
                                                              monkeypatch, village):
    plan(monkeypatch, "placed")
    first, _ = rosters.people_rowids(conn, roster, search="vu h")
    assert first
    # Sorts before every "Vũ … H…" (given name «A»), and matches: found first.
    added = store.add("person", {"full_name": "Vũ Hữu A", "residence_unit_id": village}).id
    again, _ = rosters.people_rowids(conn, roster, search="vu hu")
    assert rosters.people_rows(conn, again[:1])[0]["id"] == added
    # Written by another connection (another process, a sync): placed too.
    other = db.open_database(db_path)
    try:
        later = Store(other, actor="tester").add("person", {
            "full_name": "Vũ Hữu Á", "residence_unit_id": village}).id
        other.commit()
    finally:
        other.close()
    shown = [r["id"] for r in rosters.people_rows(
        conn, rosters.people_rowids(conn, roster, search="vu huu")[0][:2])]
    assert shown == [added, later]
    # Deleted: no longer shown.
    store.delete("person", added)
    assert added not in [r["id"] for r in rosters.people_rows(
        conn, rosters.people_rowids(conn, roster, search="vu huu")[0])]


def test_matches_far_down_the_name_order_are_placed_not_walked_to(conn, roster, monkeypatch):
    """"vũ h": every match is named from H on, or has a middle name «Hữu»; the page is
    placed by rank after a short walk, never by a walk down the whole order."""
    monkeypatch.setattr(paging, "PROBE_ROWS", 20)
    walked = []
    real = paging._walk
    monkeypatch.setattr(paging, "_walk", lambda *a, **k: walked.append(a[5]) or real(*a, **k))
    plan_free = rosters.people_rowids(conn, rosters.Scope(), search="vu h", limit=5)[0]
    assert walked == [20]  # the short walk only
    plan(monkeypatch, "walked")
    assert plan_free == afresh(conn, rosters.Scope(), "vu h", 5)[0]


def test_the_roster_warm_up_reads_the_ranks_so_the_first_placed_search_does_not(
        store: Store, roster: rosters.Scope, monkeypatch: pytest.MonkeyPatch) -> None:
    """The window warms the name index while idle (rosters.warm, a slice at a time); its last
    slice reads the ranks, so the officer's first search placed by rank finds them held
    instead of pausing to read them (0.1-0.3 s at 300,000 people)."""
    conn = store.conn
    after = rosters.warm(conn, None, rows=50)
    while after is not None:
        after = rosters.warm(conn, after, rows=50)
    plan(monkeypatch, "placed")
    reads: list[str] = []
    real = ranked._hex_rowids
    monkeypatch.setattr(ranked, "_hex_rowids", lambda c, sql, args: (
        reads.append(sql), real(c, sql, args))[1])
    first = pages(conn, roster, "vu h", 10)
    assert not [sql for sql in reads if "ORDER BY p.name_key" in sql]  # the ranks were held
    assert any("ORDER BY p.name_key" not in sql for sql in reads)  # the search was placed
    plan(monkeypatch, "walked")
    assert first == pages(conn, roster, "vu h", 10)
