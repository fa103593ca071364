"""Search as you type in a roster (rosters.people_rowids): a search that extends the last one
starts its walk down the name index at the last one's first row instead of the roster's first
(issue 12). Every key finds the same rows, page after page, as the search read afresh, in
every plan; the shortcut is taken only for an extension of the last search in the same roster
and the same database."""

from __future__ import annotations

import itertools

import pytest
from dbkit import roster_search_afresh as afresh
from dbkit import roster_search_pages as pages

from desktop.storage import db, paging, rosters, walk
from desktop.storage.writer import Store

FAMILIES = ["Nguyễn", "Lò", "Giàng", "Vàng", "Quàng"]
MIDDLES = ["Văn", "Thị", "A"]
GIVENS = ["An", "Bình", "Dơ", "Dũng", "Đức", "Hoa", "Páo", "Xuân", "Ún", "Mỷ"]
# Typed letter by letter, as a window's search box sends them (one letter: no search).
TYPED = ["n", "ng", "ngu", "nguyen", "nguyen ", "nguyen v", "nguyen van", "nguyen van d",
         "nguyen van du", "nguyen van duc", "nguyen van du", "nguyen van d", "lo", "lo t",
         "lo thi", "vang a d", "vang a do", "0", "01", "011", "0111", "01119"]
PLANS = {"walk": (0, 10**6), "walk that gives up": (0, 1), "gather": (10**9, 10**6)}


@pytest.fixture
def roster(store: Store, village: str) -> rosters.Scope:
    """150 people of one village (every name thrice, some with a CCCD) and 20 of another."""
    commune = store.conn.execute("SELECT parent_id FROM unit WHERE id = ?",
                                 (village,)).fetchone()[0]
    other = store.add("unit", {"name": "Bản Nà Hỳ", "level": "village",
                               "parent_id": commune}).id
    names = [" ".join(n) for n in itertools.product(FAMILIES, MIDDLES, GIVENS)]
    rows = [{"full_name": name, "residence_unit_id": village,
             "citizen_id": f"0111{i % 3}{i:07d}" if i % 2 else None}
            for i, name in enumerate(names)]
    rows += [{"full_name": name, "residence_unit_id": other} for name in names[::8]]
    store.add_many("person", rows)
    return rosters.Scope("unit", village)


def searched(typed: str) -> str | None:
    return typed.strip() if len(typed.strip()) >= 2 or typed.strip().isdigit() else None


@pytest.mark.parametrize("plan", PLANS)
@pytest.mark.parametrize("limit", [4, 100])
def test_each_key_finds_what_the_search_read_afresh_finds(conn, db_path, roster, plan,
                                                          limit, monkeypatch):
    few, walked = PLANS[plan]
    monkeypatch.setattr(paging, "bound", lambda *_a: few)
    monkeypatch.setattr(walk, "WALK_ROWS", walked)
    if plan == "walk that gives up":
        monkeypatch.setattr(paging, "GATHER_COST", {True: 0, False: 0})
    other = db.open_database(db_path)  # its own connection: nothing remembered
    try:
        for typed in TYPED:
            search = searched(typed)
            shown = pages(conn, roster, search, limit)
            assert shown == afresh(other, roster, search, limit), typed
            assert shown[0] or typed.startswith(("vang a do", "0111", "01119")), typed
    finally:
        other.close()


def test_a_search_that_extends_the_last_starts_at_its_first_row(conn, roster, monkeypatch):
    afters = []
    real = paging.rowids
    monkeypatch.setattr(paging, "rowids", lambda *a, after=None, **k: afters.append(after)
                        or real(*a, after=after, **k))
    first, _last = rosters.people_rowids(conn, roster, search="nguyen van d")
    keys = conn.execute("SELECT name_key, _rowid FROM person WHERE _rowid = ?",
                        (first[0],)).fetchone()
    rosters.people_rowids(conn, roster, search="nguyen van du")  # extends it
    assert afters == [None, (keys[0], keys[1] - 1)]
    rosters.people_rowids(conn, roster, search="nguyen van")  # a letter taken back: afresh
    rosters.people_rowids(conn, roster, search="lo van")  # another search: afresh
    rosters.people_rowids(conn, rosters.Scope(), search="lo van d")  # another roster
    rosters.people_rowids(conn, roster, search="lo van d", order="birth_date")  # order
    assert afters[2:] == [None, None, None, None]


def test_a_person_written_between_two_keys_is_found(conn, db_path, store, roster, village):
    found, _ = rosters.people_rowids(conn, roster, search="nguyen van du")
    assert found
    start = conn.__dict__[rosters._TYPED][3]  # where the next key's walk would start

    def key_of(full_name: str, c=conn) -> tuple:
        return tuple(c.execute("SELECT name_key, _rowid FROM person WHERE full_name = ?",
                               (full_name,)).fetchone())

    # Matches both searches and sorts before all the last one found (given name «An»).
    store.add("person", {"full_name": "Nguyễn Văn Dũng An", "residence_unit_id": village})
    new = key_of("Nguyễn Văn Dũng An")
    assert new < start
    assert new[1] in rosters.people_rowids(conn, roster, search="nguyen van dun")[0]
    start = conn.__dict__[rosters._TYPED][3]
    # Written by another connection (another process, a sync): found too.
    other = db.open_database(db_path)
    try:
        Store(other, actor="tester").add("person", {"full_name": "Nguyễn Văn Dũng A",
                                                    "residence_unit_id": village})
        other.commit()
        second = key_of("Nguyễn Văn Dũng A", other)
    finally:
        other.close()
    assert second < start
    assert second[1] in rosters.people_rowids(conn, roster, search="nguyen van dung")[0]
