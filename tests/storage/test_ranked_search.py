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
    """Force a plan: "placed" (no walk first, every search placed by rank), "walked" (never
    placed: the walk and gather of paging.py), "scanned" (a number alone found in the
    numbers held in name order, once read: :func:`hold`; a search of words placed), or
    "worded" (words found in the words held in name order, once read; else placed)."""
    monkeypatch.setattr(paging, "WORDED_MOST", 10**9 if name == "worded" else 0)
    monkeypatch.setattr(paging, "WORDED_PROBE", 0)  # (a short walk finds a small roster's)
    monkeypatch.setattr(paging, "PROBE_ROWS", 0 if name != "walked" else 10**6)
    monkeypatch.setattr(ranked, "PLACED", 10**6 if name != "walked" else 0)
    monkeypatch.setattr(ranked, "PLACED_READ", 10**6 if name != "walked" else 0)
    monkeypatch.setattr(ranked, "SCANNED", 0 if name == "scanned" else None)


def hold(conn) -> None:
    """The window's idle warm-up, every step (rosters.warm): the ranks, then the numbers."""
    after = rosters.warm(conn, None, rows=50)
    while after is not None:
        after = rosters.warm(conn, after, rows=50)
    assert rosters.warmed(conn)


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


@pytest.fixture
def numbered(store: Store, village: str) -> rosters.Scope:
    """120 people of one village with CCCDs (Điện Biên's "011…", some "001…") and phones
    ("03…", some written "+843…"): a "0" typed begins both numbers of many of them."""
    rows = []
    for i in range(120):
        year, gender = 1950 + i % 50, ("male", "female")[i % 2]
        row = {"full_name": f"{FAMILIES[i % 5]} {MIDDLES[i % 4]} {GIVENS[i % 10]}",
               "residence_unit_id": village, "birth_date": str(year), "gender": gender}
        if i % 6:
            row["citizen_id"] = f"0{'01' if i % 7 == 0 else '11'}{i % 2}{year % 100:02d}{i:06d}"
        if i % 4:
            row["phone"] = f"{'+84' if i % 5 == 0 else '0'}3{i % 3}{i:07d}"
        if i % 13 == 1:  # Thanh Hóa's CCCD, and a phone beginning alike
            row["citizen_id"] = f"038{i % 2}{year % 100:02d}{i:06d}"
            row["phone"] = f"038{i % 2}{i:06d}"
        rows.append(row)
    ids = store.add_many("person", rows)
    for person_id in ids[::11]:
        store.delete("person", person_id)
    return rosters.Scope("unit", village)


def numbers_of(conn, scope: rosters.Scope, typed: str) -> list[int]:
    """The people of ``scope`` whose CCCD or phone (without its "+") begins with ``typed``,
    in name order: computed here from every row."""
    rows = conn.execute("SELECT _rowid, name_key, citizen_id, phone, residence_unit_id, "
                        "_deleted FROM person").fetchall()
    return [r[0] for r in sorted(rows, key=lambda r: (r[1], r[0]))
            if not r[5] and (scope.id is None or r[4] == scope.id)
            and any(str(n or "").lstrip("+").startswith(typed) for n in (r[2], r[3]))]


def typed_numbers(conn) -> list[str]:
    """Every prefix of a few CCCDs and phones, typed digit by digit."""
    numbers = [r[0] for r in conn.execute(
        "SELECT coalesce(citizen_id, ltrim(phone, '+')) FROM person WHERE _rowid % 17 = 3 "
        "AND coalesce(citizen_id, phone) IS NOT NULL ORDER BY _rowid LIMIT 4")]
    numbers.append("84" + numbers[-1][1:])  # a phone typed with its country code
    numbers.append(conn.execute("SELECT min(citizen_id) FROM person WHERE citizen_id LIKE "
                                "'038%'").fetchone()[0])  # its phone begins alike
    return [n[:k] for n in numbers for k in range(1, len(n) + 1)]


@pytest.mark.parametrize("limit", [3, 100])
def test_a_number_alone_is_placed_or_scanned_as_walked_page_after_page_and_after_writes(
        conn, db_path, store, numbered, village, monkeypatch, limit):
    """A number alone: its people's rowids read off the CCCD and phone indexes, placed by
    rank (no row read to sort them), or found in the numbers held in name order, are the
    people the walk finds, in the same order, once each (a "0" begins a person's CCCD and
    phone both), deleted people left out — key after key, page after page, and after writes
    by this connection and by another (before the numbers are read again, and after)."""
    other = db.open_database(db_path)
    hold(conn)
    try:
        def check(scope: rosters.Scope) -> None:
            for typed in typed_numbers(conn):
                expected = numbers_of(conn, scope, typed)
                plan(monkeypatch, "walked")
                walked = afresh(other, scope, typed, limit)
                for name in ("placed", "scanned"):
                    plan(monkeypatch, name)
                    shown = pages(conn, scope, typed, limit)
                    assert [r for page in shown for r in page] == expected, (name, typed)
                    assert shown == walked, (name, typed)

        for scope in (numbered, rosters.Scope()):
            check(scope)
        assert len(numbers_of(conn, numbered, "0")) > 60
        # Written since the ranks were read, here and by another connection; one deleted.
        added = store.add("person", {"full_name": "Vũ Hữu A", "residence_unit_id": village,
                                     "phone": "0399999999"}).id
        Store(other, actor="tester").add("person", {
            "full_name": "Lò Văn Ún", "residence_unit_id": village, "phone": "0399999998"})
        other.commit()
        gone = conn.execute("SELECT id FROM person WHERE phone LIKE '031%' AND _deleted = 0 "
                            "ORDER BY name_key LIMIT 1").fetchone()[0]
        store.delete("person", gone)
        assert not rosters.warmed(conn)
        for name in ("placed", "scanned"):
            plan(monkeypatch, name)
            first = rosters.people_rows(conn, rosters.people_rowids(conn, numbered,
                                                                    search="0399999")[0])
            assert [r["full_name"] for r in first] == ["Vũ Hữu A", "Lò Văn Ún"]
            assert added == first[0]["id"]
        check(numbered)  # the numbers not read again: the other plans
        hold(conn)
        check(numbered)
    finally:
        other.close()


def test_a_number_matching_many_is_scanned_for_once_the_numbers_are_held(
        conn, store, numbered, village, monkeypatch):
    """Counted first off the number indexes (no row read): more matches than placing them
    is worth and the page is found in the numbers held in name order, reading no row but
    the page's; few, and they are placed. Before the window's warm-up has read the numbers
    (or after a write, until it reads them again) many are walked to, as before."""
    placed: list[int] = []
    real = ranked.first
    monkeypatch.setattr(ranked, "first", lambda *a: placed.append(len(a[1])) or real(*a))
    monkeypatch.setattr(ranked, "PLACED_READ", 40 ** 2 // 120)  # placed: at most 40 matches
    monkeypatch.setattr(ranked, "SCANNED", 40 ** 2 // 120)  # scanned: more
    walks: list[int] = []
    real_walk = paging._walk
    monkeypatch.setattr(paging, "_walk", lambda *a, **k: walks.append(1) or real_walk(*a, **k))
    scans: list[str] = []
    real_scan = ranked.scan
    monkeypatch.setattr(ranked, "scan", lambda *a: scans.append(a[1]) or real_scan(*a))

    def found(typed: str) -> tuple[list, bool, bool, bool]:
        placed.clear(), walks.clear(), scans.clear()
        return afresh(conn, numbered, typed, 5), bool(placed), bool(walks), bool(scans)

    assert found("0")[1:] == (False, True, False)  # not held yet: walked
    hold(conn)
    assert found("0")[1:] == (False, False, True)
    assert found("0110")[1:3] == (True, False)  # (a first look at SCAN_FIRST ranks)
    store.add("person", {"full_name": "Vũ Hữu A", "residence_unit_id": village,
                         "citizen_id": "011099000001"})
    assert found("0")[1:] == (False, True, False)  # written since: walked until read again
    hold(conn)
    many, *how = found("0")
    assert how == [False, False, True]
    few, *how = found("0110")
    assert how[:2] == [True, False]
    plan(monkeypatch, "walked")
    assert (many, few) == (afresh(conn, numbered, "0", 5), afresh(conn, numbered, "0110", 5))


def test_numbers_not_digits_alone_are_never_held_and_found_as_walked(
        conn, numbered, monkeypatch):
    """A number written by no check of this program (a file edited by hand: "03a1…") sorts
    after every typed number in SQL but would begin like one in the text held: the numbers
    are not held, and such a file is searched by the other plans."""
    odd = conn.execute("SELECT min(_rowid) FROM person WHERE phone LIKE '031%' AND "
                       "_deleted = 0").fetchone()[0]
    conn.execute("UPDATE person SET phone = '031a' || substr(phone, 5) WHERE _rowid = ?",
                 (odd,))
    hold(conn)
    assert ranked.numbers(conn, "person", paging.stamp(conn)) is None
    plan(monkeypatch, "scanned")
    shown = afresh(conn, numbered, "031", 3)
    plan(monkeypatch, "walked")
    assert shown == afresh(conn, numbered, "031", 3)
    flat = [r for page in shown for r in page]
    assert odd in numbers_of(conn, numbered, "031") and odd not in flat
    assert flat == [r for r in numbers_of(conn, numbered, "031") if r != odd]


def test_the_numbers_are_read_in_steps_while_the_window_is_idle(conn, numbered, monkeypatch):
    """The warm-up reads the numbers a step at a time (ranked.NUMBERS_STEP rows off the table,
    then as many ranks put in name order), so
    a key typed meanwhile waits at most a step; they are held once every step is done."""
    monkeypatch.setattr(ranked, "NUMBERS_STEP", 16)
    steps = 0
    after = rosters.warm(conn, None, rows=50)
    while after is not None:
        steps += 1
        assert steps < 100
        after = rosters.warm(conn, after, rows=50)
    now = paging.stamp(conn)
    held = ranked.numbers(conn, "person", now)
    assert held is not None
    cccds = conn.execute("SELECT count(*) FROM person WHERE citizen_id > ''").fetchone()[0]
    phones = conn.execute("SELECT count(*) FROM person WHERE phone > ''").fetchone()[0]
    assert steps >= (cccds + phones) // 16
    # What is held: each rank's CCCD and phone (without its "+"), as the rows have them.
    _placed, order = ranked.ranks(conn, "person", now)
    width = 2 * ranked.SLOT
    for rank, rowid in enumerate(order):
        cccd, phone = conn.execute("SELECT citizen_id, phone FROM person WHERE _rowid = ?",
                                   (rowid,)).fetchone()
        assert held[rank * width:(rank + 1) * width].decode().split("\n")[1:] == [
            (cccd or "").ljust(ranked.SLOT - 1), (phone or "").removeprefix("+").ljust(
                ranked.SLOT - 1)]



def test_the_numbers_are_read_on_a_connection_of_their_own_closed_once_read(
        conn, numbered, monkeypatch):
    """The warm-up reads the numbers off the table on a short-lived connection of its own
    (paging._aside), closed once the table is read: the warm-up's connection, whose cache
    keeps the name index for the roster's pages, reads neither the CCCD's nor the phone's
    index nor the table's rows for them (their pages were left in its cache: 11.7 MB at
    300,000 people). What is held is each rank's numbers as the rows have them, also across
    a rowid no longer in the table."""
    monkeypatch.setattr(ranked, "NUMBERS_STEP", 16)
    last = conn.execute("SELECT max(_rowid) FROM person").fetchone()[0]
    with conn:
        conn.execute("DELETE FROM person WHERE _rowid IN (?, ?)", (last // 2, last // 2 + 1))
    opened: list = []
    real_reader = paging.reader
    monkeypatch.setattr(paging, "reader", lambda *a, **k: opened.append(
        real_reader(*a, **k)) or opened[-1])
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    try:
        hold(conn)
    finally:
        conn.set_trace_callback(None)
    assert len(opened) == 1 and opened[0] is not None
    with pytest.raises(db.dbapi.Error):  # closed
        opened[0].execute("SELECT 1")
    assert not [s for s in statements if "citizen_id" in s or "phone" in s]
    now = paging.stamp(conn)
    held = ranked.numbers(conn, "person", now)
    assert held is not None
    _placed, order = ranked.ranks(conn, "person", now)
    assert len(held) == 2 * ranked.SLOT * len(order)
    for rank, rowid in enumerate(order):
        cccd, phone = conn.execute("SELECT citizen_id, phone FROM person WHERE _rowid = ?",
                                   (rowid,)).fetchone()
        assert held[rank * 2 * ranked.SLOT:(rank + 1) * 2 * ranked.SLOT] == (
            b"\n" + (cccd or "").encode().ljust(ranked.SLOT - 1) + b"\n" +
            (phone or "").removeprefix("+").encode().ljust(ranked.SLOT - 1))


@settings(max_examples=150, deadline=None)
@given(data=st.data(), size=st.integers(1, 400), count=st.sampled_from([1, 3, 16, 116]),
       together=st.booleans(), marked=st.booleans())
def test_the_first_placed_are_the_first_in_name_order_however_found(data, size, count,
                                                                   together, marked):
    """ranked.first (places sorted or marked, or windows of the name order as far as a
    sample foretells) against every match's place sorted: matches spread or together far
    down, from any rank, a rowid given twice, one written since the ranks were read."""
    from array import array

    rng = data.draw(st.randoms(use_true_random=False))
    order = array("I", rng.sample(range(1, 3 * size + 1), size))
    placed = array("i", bytes(4 * (max(order) + 1)))
    for place, rowid in enumerate(order):
        placed[rowid] = place
    start = data.draw(st.integers(0, size - 1)) if together else 0
    pool = list(order[start:])
    chosen = rng.sample(pool, data.draw(st.integers(0, len(pool))))
    rowids = array("I", chosen + chosen[:len(chosen) // 5] + [len(placed) + 7])
    after = data.draw(st.integers(-1, size))
    expected = [order[p] for p in sorted({placed[r] for r in chosen if placed[r] > after})]
    was, ranked.MARKED = ranked.MARKED, 0 if marked else 10 ** 9
    try:
        assert ranked.first((placed, order), rowids, after, count) == expected[:count]
    finally:
        ranked.MARKED = was


NUMBER = st.text("0123", max_size=5)


@settings(max_examples=150, deadline=None)
@given(people=st.lists(st.tuples(NUMBER, NUMBER), max_size=60), digits=st.text("0123",
       min_size=1, max_size=3), data=st.data(), count=st.sampled_from([1, 3, 116]))
def test_the_numbers_scanned_are_the_first_in_name_order_with_those_digits(
        people, digits, data, count):
    """ranked.scanned against every person tested: those whose CCCD or phone begins with the
    digits, or who are named (a word of the name begins so), after a rank, in rank order,
    once each — whichever slot the digits begin, and whatever digits follow them."""
    from array import array

    rng = data.draw(st.randoms(use_true_random=False))
    order = array("I", rng.sample(range(1, 3 * len(people) + 2), len(people)))
    placed = array("i", bytes(4 * (max(order, default=0) + 1)))
    for place, rowid in enumerate(order):
        placed[rowid] = place
    held = bytearray()
    for numbers in people:  # as ranked.read_numbers lays them out, rank after rank
        for number in numbers:
            held += b"\n" + number.encode().ljust(ranked.SLOT - 1)
    named = array("I", data.draw(st.lists(st.sampled_from(list(order) or [1]), max_size=5)))
    after = data.draw(st.integers(-1, len(people)))
    expected = [order[p] for p in range(after + 1, len(people))
                if any(n.startswith(digits) for n in people[p]) or order[p] in named]
    assert ranked.scanned((placed, order), held, digits, named, after, count) == \
        expected[:count]


def test_a_number_in_a_roster_that_keeps_few_is_left_to_the_other_plans(
        conn, store, numbered, village, monkeypatch):
    """A village's or an organization type's roster keeps few of the people a number's scan
    finds (each tested, further and further down: 60 ms at 300,000 people against 2-30 by
    their own plans): counted few, or seen to keep fewer than half of the first found, it is
    left to the other plans — the same people either way."""
    commune = conn.execute("SELECT parent_id FROM unit WHERE id = ?", (village,)).fetchone()[0]
    other = store.add("unit", {"name": "Bản Nà Hỳ", "level": "village",
                               "parent_id": commune}).id
    store.add_many("person", [{"full_name": f"Lò Văn {GIVENS[i % 10]}", "residence_unit_id":
                               other, "citizen_id": f"0110{i:08d}"} for i in range(200)])
    hold(conn)
    scans: list[str] = []
    real_scan = ranked.scan
    monkeypatch.setattr(ranked, "scan", lambda *a: scans.append(a[1]) or real_scan(*a))
    plan(monkeypatch, "walked")
    walked = afresh(conn, numbered, "011", 7)
    plan(monkeypatch, "scanned")
    scans.clear()
    assert afresh(conn, numbered, "011", 7) == walked
    assert not scans  # counted few (120 of 320 people): never scanned
    real_bound = paging.bound
    monkeypatch.setattr(paging, "bound", lambda c, t, covered: 1 if not covered else
                        real_bound(c, t, covered))
    batches: list[int] = []
    real_scanned = ranked.scanned
    monkeypatch.setattr(ranked, "scanned", lambda *a: batches.append(a[-1]) or
                        real_scanned(*a))
    assert afresh(conn, numbered, "011", 7) == walked
    # scanned once per page, and left to the others when the village kept few of them
    # (not scanned further and further down)
    assert batches and set(batches) == {7 + 16}


def test_ranks_and_numbers_read_on_one_connection_lent_to_another_find_the_same_pages(
        conn, db_path, store, numbered, village, monkeypatch):
    """The window's warm-up reads the ranks and numbers on the read-ahead's connection, in
    steps, and lends them to the window's (rosters.lend_warm_up), whose searches never
    read them themselves (rosters.warmed_elsewhere): before they come the other plans read
    its pages, then the ranks lent alone, then both. Each finds the people the walk finds,
    in the same order; after a write the loan no longer holds until lent anew."""
    monkeypatch.setattr(ranked, "RANKS_STEP", 7)
    monkeypatch.setattr(ranked, "NUMBERS_STEP", 16)
    typed = ["0", "01", "011", "0111", "03", "vu h", "nguyen v", "lo", "giang a p"]
    worker = db.open_database(db_path)  # the read-ahead's connection
    reads: list[str] = []
    real = ranked._hex_rowids
    monkeypatch.setattr(ranked, "_hex_rowids", lambda c, sql, args: (
        reads.append(sql) if c is conn else None, real(c, sql, args))[1])
    try:
        def check() -> None:
            for scope in (numbered, rosters.Scope()):
                for text in typed:
                    plan(monkeypatch, "walked")
                    walked = afresh(worker, scope, text, 5)
                    for name in ("placed", "scanned", "worded"):
                        plan(monkeypatch, name)
                        assert afresh(conn, scope, text, 5) == walked, (name, text)

        rosters.warmed_elsewhere(conn)
        check()  # nothing held: the other plans
        stamp = paging.stamp(conn)
        after, lent_alone = rosters.warm(worker, None, rows=50), False
        while after is not None:
            lent = rosters.lend_warm_up(worker, conn, stamp)
            if lent and not rosters.warmed(conn):
                lent_alone = True
                check()  # the ranks lent, the numbers still being read
            after = rosters.warm(worker, after, rows=50)
        assert lent_alone and rosters.lend_warm_up(worker, conn, stamp)
        assert rosters.warmed(conn)
        mine, its = (ranked.held(c, "person", paging.stamp(c)) for c in (conn, worker))
        assert mine is its  # the same arrays, read once
        check()
        assert not [sql for sql in reads if "ORDER BY p.name_key" in sql]  # never read here
        # Written here: what was lent no longer holds (and is not read here either)
        store.add("person", {"full_name": "Vũ Hữu A", "residence_unit_id": village,
                             "phone": "0399999999"})
        store.conn.commit()
        assert not rosters.warmed(conn)
        typed.append("0399999")
        check()
        # Lent for a stamp older than the worker's read: refused until read again
        assert not rosters.lend_warm_up(worker, conn, paging.stamp(conn))
        after = rosters.warm(worker, None, rows=50)
        while after is not None:
            after = rosters.warm(worker, after, rows=50)
        assert rosters.lend_warm_up(worker, conn, paging.stamp(conn))
        assert rosters.warmed(conn)
        check()
        assert not [sql for sql in reads if "ORDER BY p.name_key" in sql]
    finally:
        worker.close()


def test_a_key_does_not_walk_again_where_the_last_key_s_page_found_too_few(
        conn, db_path, roster, monkeypatch):
    """The short walk before a search's matches are placed by rank is not tried by a key
    that extends the last one when the last one's page reached further down the name order
    than that walk reads (its matches include the new key's: the walk would find too few);
    it is tried for a search that extends none, or whose last page lay within reach. The
    first pages are the ones read afresh."""
    hold(conn)
    monkeypatch.setattr(paging, "PROBE_ROWS", 20)
    monkeypatch.setattr(paging, "WORDED_MOST", 0)  # (the words held would find it first)
    walks: list[str] = []
    real = paging._walk
    monkeypatch.setattr(paging, "_walk", lambda *a, **k: (
        walks.append(typed) if a[0] is conn and k.get("sure") is False else None)
        or real(*a, **k))
    other = db.open_database(db_path)
    try:
        for typed in ("vu h", "vu hu", "vu huu", "vu", "an", "an v"):
            first, _ = rosters.people_rowids(conn, roster, search=typed, limit=5)
            assert first and first == afresh(other, roster, typed, 5)[0], typed
    finally:
        other.close()
    # «vũ h»: a «Vũ Hữu …» in each given name, about one in twenty of the order; «an»: every
    # given name «An» sits together at the top; «vũ»: a letter taken back.
    assert walks == ["vu h", "vu", "an", "an v"]
