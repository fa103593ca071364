"""A search's page found in the words held in name order (ranked.worded, paging._by_words): the
ranks whose letters' bits hold every typed word's first letter, each tested on its line of the
search text held, instead of every match read off the full-text index («nguyen van d»: 6.5 ms
at 300,000 people) or a walk down to the first. The officer sees the same people in the same
order as every other plan finds and as the rows say, key after key and page after page:
Vietnamese typed with or without its marks, «đ», one- and two-letter last words, numbers among
the words, deleted people, other villages and rosters, and after writes."""

from __future__ import annotations

import random
from array import array

import pytest
from dbkit import roster_search_afresh as afresh
from dbkit import roster_search_pages as pages
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.domain import text
from desktop.storage import db, paging, ranked, rosters
from desktop.storage.writer import Store

FAMILIES = ["Nguyễn", "Đỗ", "Đinh", "Lò", "Giàng", "Vàng", "Vũ", "Dương", "Nông", "Ngô"]
MIDDLES = ["Văn", "Thị", "A", "Hữu", "Đức", "Văn Đức", "Thị Ngọc", ""]
GIVENS = ["An", "Anh", "Bình", "Dơ", "Dũng", "Dung", "Đức", "Đạt", "Hoa", "Hạnh", "Páo",
          "Xuân", "Ún", "Vân", "Nguyên", "Dân", "2"]


def plan(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """"worded" (the words held, when held; else the plans before), "worded after a walk" (a
    walk of 3 rows first), "placed" (matches read off the full-text index and placed by
    rank), "walked" (the walk and gather of paging.py)."""
    monkeypatch.setattr(paging, "WORDED_MOST", 10**9 if name.startswith("worded") else 0)
    # (a walk of a few hundred rows finds most of a small roster's pages first)
    monkeypatch.setattr(paging, "WORDED_PROBE", 3 if name == "worded after a walk" else 0)
    monkeypatch.setattr(paging, "PROBE_ROWS", 0 if name != "walked" else 10**6)
    monkeypatch.setattr(ranked, "PLACED", 10**6 if name != "walked" else 0)


def hold(conn) -> None:
    """The window's idle warm-up, every step: ranks, numbers, words."""
    after = rosters.warm(conn, None, rows=37)
    while after is not None:
        after = rosters.warm(conn, after, rows=37)
    assert rosters.warmed(conn)
    assert ranked.words(conn, "person", paging.stamp(conn)) is not None


@pytest.fixture
def people(store: Store, village: str) -> dict[str, rosters.Scope]:
    """260 people of one village and 60 of another, names drawn at random (some twice, some
    with a CCCD or a phone), some deleted; and the rosters a search is typed in."""
    rng = random.Random(12)
    commune = store.conn.execute("SELECT parent_id FROM unit WHERE id = ?",
                                 (village,)).fetchone()[0]
    other = store.add("unit", {"name": "Bản Nà Hỳ", "level": "village",
                               "parent_id": commune}).id
    rows = []
    for i in range(320):
        name = " ".join(w for w in (rng.choice(FAMILIES), rng.choice(MIDDLES),
                                     rng.choice(GIVENS)) if w)
        row: dict[str, object] = {"full_name": name,
                                  "residence_unit_id": village if i < 260 else other}
        if i % 3 == 0:
            row["citizen_id"] = f"011{i % 2}{i:08d}"
        if i % 5 == 0:
            row["phone"] = f"09{i % 7}{i:07d}"
        rows.append(row)
    ids = store.add_many("person", rows)
    for person_id in ids[::13]:
        store.delete("person", person_id)
    return {"village": rosters.Scope("unit", village), "other": rosters.Scope("unit", other),
            "commune": rosters.Scope("unit", commune), "all": rosters.Scope()}


def by_rows(conn, scope: rosters.Scope, typed: str) -> list[int]:
    """The roster's search computed here from every row: people in the roster, not deleted,
    each typed word beginning a word of the name folded (a word of digits: or the CCCD or the
    phone), in name order."""
    units = set(rosters.subtree(conn, str(scope.id))) if scope.kind == "unit" else None
    words = text.search_words(typed)
    out = []
    for rowid, _key, full_name, cccd, phone, unit, deleted in sorted(conn.execute(
            "SELECT _rowid, name_key, full_name, citizen_id, phone, residence_unit_id, "
            "_deleted FROM person").fetchall(), key=lambda r: (r[1], r[0])):
        named = text.search_words(full_name)
        if deleted or (units is not None and unit not in units):
            continue
        if all(any(n.startswith(w) for n in named) or (w.isdigit() and any(
                str(x or "").lstrip("+").startswith(w) for x in (cccd, phone))) for w in words):
            out.append(rowid)
    return out


def typed_keys(rng: random.Random, conn, n: int) -> list[str]:
    """Keys typed as an officer types them: a real name's words, the last cut to one or two
    letters (or more), with marks or without, capitals sometimes, a number among them."""
    names = [r[0] for r in conn.execute("SELECT full_name FROM person ORDER BY _rowid")]
    out = []
    for _ in range(n):
        words = rng.choice(names).split()
        k = rng.randint(1, len(words))
        last = words[k - 1][:rng.choice([1, 1, 2, 2, 3, 9])]
        typed = " ".join([*words[:k - 1], last])
        style = rng.random()
        typed = text.fold(typed) if style < 0.4 else typed.lower() if style < 0.8 else typed
        if rng.random() < 0.1:
            typed += " " + rng.choice(["0", "01", "011", "09", "2"])
        out.append(typed)
    return out


@pytest.mark.parametrize("limit", [3, 100])
def test_the_words_held_find_what_the_rows_say_and_every_plan_finds(conn, people, monkeypatch,
                                                                    limit):
    hold(conn)
    used: list[bool] = []
    real = ranked.worded
    monkeypatch.setattr(ranked, "worded", lambda *a: (lambda r: used.append(r is not None)
                                                      or r)(real(*a)))
    rng = random.Random(7)
    keys = typed_keys(rng, conn, 120) + ["nguyen van d", "nguyễn văn đ", "NGUYỄN VĂN Đ", "đo",
                                         "do van d", "d", "vu h", "vu hu", "n v d", "a a",
                                         "nguyen d 011", "dinh duc 2", "van", "xyz", "đ d đ"]
    for typed in keys:
        flat = by_rows(conn, people["village"], typed)
        for name in ("walked", "placed", "worded", "worded after a walk"):
            plan(monkeypatch, name)
            for scope in people.values():
                shown = afresh(conn, scope, typed, limit)
                assert [r for page in shown for r in page] == by_rows(conn, scope, typed), \
                    (name, typed, scope)
        assert flat == by_rows(conn, people["village"], typed)
    assert sum(used) > len(keys)  # the words held found most of them


def test_key_after_key_the_words_held_find_what_the_search_read_afresh_finds(
        conn, db_path, people, monkeypatch):
    """Typed letter by letter (each key's search starting after the last one's first row),
    and taken back, against the search read afresh by another connection."""
    hold(conn)
    other = db.open_database(db_path)
    try:
        for word in ("nguyen van dung", "đỗ văn đức", "lo thi a", "vu huu 2", "dinh 011"):
            for typed in [word[:i] for i in range(2, len(word) + 1)] + [word[:4], word[:2]]:
                plan(monkeypatch, "worded")
                shown = pages(conn, people["village"], typed, 5)
                plan(monkeypatch, "walked")
                assert shown == afresh(other, people["village"], typed, 5), typed
    finally:
        other.close()


def test_after_a_write_the_words_are_not_used_until_read_again(conn, store, people, village,
                                                              monkeypatch):
    """The words held are those of the database as it was: after a write (a person added,
    renamed, deleted) the other plans read the page until the warm-up reads them again."""
    hold(conn)
    plan(monkeypatch, "worded")
    added = store.add("person", {"full_name": "Nguyễn Văn Ă", "residence_unit_id": village}).id
    assert ranked.words(conn, "person", paging.stamp(conn)) is None
    found = rosters.people_rows(conn, rosters.people_rowids(
        conn, people["village"], search="nguyen van a")[0])
    assert added in [r["id"] for r in found]
    hold(conn)
    first = rosters.people_rowids(conn, people["village"], search="nguyen van a")[0]
    assert first == by_rows(conn, people["village"], "nguyen van a")[:100]
    store.edit("person", added, {"full_name": "Lò Văn Ă"})
    gone = rosters.people_rowids(conn, people["village"], search="nguyen v")[0][0]
    store.delete("person", store.conn.execute(
        "SELECT id FROM person WHERE _rowid = ?", (gone,)).fetchone()[0])
    hold(conn)
    for typed in ("nguyen van a", "lo van a", "lo v", "nguyen v"):
        assert rosters.people_rowids(conn, people["village"], search=typed)[0] == \
            by_rows(conn, people["village"], typed)[:100]


def test_the_words_are_read_in_steps_and_lent_with_the_ranks(conn, db_path, people,
                                                            monkeypatch):
    """The warm-up reads the words a step at a time (ranked.WORDS_STEP lines, then a letter
    ranked.LETTER_STEP rowids at a time); what is held is each rank's search text (none for
    a deleted person) and, for each letter, the ranks with a word beginning with it; lent to
    the window's connection with the ranks (the same objects)."""
    monkeypatch.setattr(ranked, "WORDS_STEP", 16)
    monkeypatch.setattr(ranked, "LETTER_STEP", 8)
    worker = db.open_database(db_path)
    try:
        stamp = paging.stamp(conn)
        rosters.warmed_elsewhere(conn)
        steps, after = 0, rosters.warm(worker, None, rows=50)
        while after is not None:
            steps += 1
            after = rosters.warm(worker, after, rows=50)
        assert steps > 320 // 16 + 320 // 8
        now = paging.stamp(worker)
        held = ranked.words(worker, "person", now)
        assert held is not None
        _placed, order = ranked.ranks(worker, "person", now)
        for rank, rowid in enumerate(order):
            line = held.text[held.starts[rank]:held.starts[rank + 1]].decode()
            search, deleted = worker.execute(
                "SELECT _search, _deleted FROM person WHERE _rowid = ?", (rowid,)).fetchone()
            assert line == (" \n" if deleted else f" {search or ''}\n")
            for letter, bits in held.letters.items():
                if not deleted:  # (a deleted person's line is never found, whatever its bits)
                    assert bool(bits >> rank & 1) == (f" {letter}" in line), (letter, line)
        assert rosters.lend_warm_up(worker, conn, stamp)
        assert ranked.words(conn, "person", stamp) is held
        plan(monkeypatch, "worded")
        for typed in ("nguyen van d", "do d", "vu h 2"):
            assert afresh(conn, people["commune"], typed, 4) == afresh(
                worker, people["commune"], typed, 4)
    finally:
        worker.close()


def test_a_search_of_everyone_found_in_the_words_reads_no_row_to_test(conn, store, people,
                                                                    monkeypatch):
    """The words never give a deleted person (their lines are blank), so a roster of everyone,
    or of a place where everyone lives (a commune's), has nothing left to test: no match's row
    is read for it (at 300,000 people, 116 rows read for a key searched at once, 2-8 ms where
    their pages were not yet read). The same people, deleted ones never among them; a
    village's roster still tests its rows, and so does the commune's once someone lives in
    no village."""
    hold(conn)
    plan(monkeypatch, "worded")
    tested: list[str] = []
    conn.set_trace_callback(lambda sql: tested.append(sql) if "json_each" in sql and
                            "_deleted = 0" in sql else None)
    try:
        for typed in ("nguyen van d", "do d", "vu h 2", "d", "a a"):
            for scope in (people["all"], people["commune"]):
                assert [r for page in afresh(conn, scope, typed, 7) for r in page] == \
                    by_rows(conn, scope, typed)
        assert not tested
        assert [r for page in afresh(conn, people["village"], "nguyen", 7) for r in page] == \
            by_rows(conn, people["village"], "nguyen")
        assert tested
    finally:
        conn.set_trace_callback(None)
    assert conn.execute("SELECT count(*) FROM person WHERE _deleted = 1 AND _search LIKE "
                        "'nguyen %'").fetchone()[0]  # (deleted Nguyễn: never shown above)
    store.add("person", {"full_name": "Nguyễn Văn Dũng"})  # lives in no village
    hold(conn)
    tested.clear()
    conn.set_trace_callback(lambda sql: tested.append(sql) if "json_each" in sql and
                            "_deleted = 0" in sql else None)
    try:
        assert [r for page in afresh(conn, people["commune"], "nguyen van d", 7)
                for r in page] == by_rows(conn, people["commune"], "nguyen van d")
        assert tested
    finally:
        conn.set_trace_callback(None)


def test_where_the_people_live_is_read_a_step_a_place_not_an_entry_a_person(
        conn, store, people, village):
    """The warm-up's places where the people not deleted live (Words.units) are the places
    a DISTINCT of every row gives, found by a step down the residence index a place (one
    statement of 16-47 ms at 300,000 people read its every entry): few of SQLite's steps
    with thousands of people in a few places; a place where only deleted people live is
    not among them, and someone living nowhere makes them None."""
    def units_read() -> tuple[object, int]:
        ran = [0]

        def count() -> int:
            ran[0] += 1
            return 0
        now = paging.stamp(conn)
        ranked.ranks(conn, "person", now)
        while not ((held := conn.__dict__.get("_ranked_words", {}).get("person")) and
                held[0] == now and held[1] is not None and
                len(held[1].starts) - 1 == held[1].rows):
            ranked.read_words(conn, "person", now)
        conn.set_progress_handler(count, 100)
        try:
            ranked.read_words(conn, "person", now)  # the units' step
        finally:
            conn.set_progress_handler(None, 0)
        held = conn.__dict__["_ranked_words"]["person"][1]
        assert held.units_read
        return held.units, ran[0]

    def by_rows() -> frozenset[str] | None:
        rows = {r[0] for r in conn.execute(
            "SELECT DISTINCT residence_unit_id FROM person WHERE _deleted = 0")}
        return None if None in rows else frozenset(rows)

    lonely = store.add("unit", {"name": "Bản Huổi Lóng", "level": "village",
                                "parent_id": people["commune"].id}).id
    store.delete("person", store.add("person", {"full_name": "Lò Thị Ánh",
                                                "residence_unit_id": lonely}).id)
    store.add_many("person", [{"full_name": f"Lò Văn {GIVENS[i % 10]}", "residence_unit_id":
                               village} for i in range(3000)])
    units, ran = units_read()
    assert units == by_rows() and units is not None and lonely not in units
    assert ran < 30, ran  # (every entry read: 3,300 entries, 166 of 100 steps)
    store.add("person", {"full_name": "Nguyễn Văn Dũng"})  # lives in no village
    units, _ran = units_read()
    assert units is None and by_rows() is None


def test_words_that_leave_no_row_to_test_are_not_walked_to_first(conn, people, monkeypatch):
    """A short walk first finds a page right at the search's start for less than the words
    tested on the rows; with no row left to test (everyone's roster, a commune's) the words
    alone are as quick, and the walk that found too few was a loss (0.5-0.7 ms at 300,000
    people, at the first key of each word). A village's roster still walks first."""
    hold(conn)
    plan(monkeypatch, "worded after a walk")
    walked: list[int] = []
    real = paging._walk
    monkeypatch.setattr(paging, "_walk", lambda *a, **k: walked.append(1) or real(*a, **k))
    for typed in ("nguyen van d", "do d", "vu h 2", "d"):
        for scope in (people["all"], people["commune"]):
            assert [r for page in afresh(conn, scope, typed, 7) for r in page] == \
                by_rows(conn, scope, typed)
    assert not walked
    assert [r for page in afresh(conn, people["village"], "nguyen", 7) for r in page] == \
        by_rows(conn, people["village"], "nguyen")
    assert walked


def test_the_warm_up_reads_the_words_before_the_numbers(conn, people, monkeypatch):
    """A name is what an officer types most, and first: once the ranks are held the warm-up
    reads the words a search of a name is found in, then the numbers a number typed alone is
    found in (at 300,000 people the numbers took 0.8 s of the worker's processor, and a name
    typed in the first two seconds met the plans before the words: «nguyen van d» 20-40 ms)."""
    monkeypatch.setattr(ranked, "WORDS_STEP", 16)
    monkeypatch.setattr(ranked, "LETTER_STEP", 8)
    monkeypatch.setattr(ranked, "NUMBERS_STEP", 16)
    seen = []  # after each step: (words held, numbers read)
    after = rosters.warm(conn, None, rows=50)
    while after is not None:
        now = paging.stamp(conn)
        seen.append((ranked.words(conn, "person", now) is not None,
                     ranked.numbers_read(conn, "person", now)))
        after = rosters.warm(conn, after, rows=50)
    assert rosters.warmed(conn)
    assert (True, False) in seen  # the words held while the numbers were still being read
    assert (False, True) not in seen


def test_a_search_the_first_letters_leave_too_much_of_is_left_to_the_other_plans(
        conn, people, monkeypatch):
    hold(conn)
    plan(monkeypatch, "worded")
    monkeypatch.setattr(paging, "WORDED_MOST", 3)
    for typed in ("nguyen van d", "a", "van"):
        assert [r for page in afresh(conn, people["village"], typed, 5) for r in page] == \
            by_rows(conn, people["village"], typed)


LINE_WORDS = st.sampled_from(["nguyen", "nguyet", "van", "vang", "d", "duc", "dung", "a",
                              "an", "anh", "2", "011", "do"])


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(st.lists(LINE_WORDS, max_size=4), max_size=120),
       typed=st.lists(st.sampled_from(["n", "ng", "nguyen", "va", "van", "vang", "d", "du",
                                       "duc", "a", "an", "2", "01", "do", "x"]),
                      min_size=1, max_size=3),
       data=st.data(), count=st.sampled_from([1, 3, 116]))
def test_worded_gives_the_first_ranks_whose_line_has_every_word(lines, typed, data, count):
    """ranked.worded against every line tested: after any rank, the first ``count`` in rank
    order whose line has each typed word at a word's start — typed words sharing a letter,
    one the start of another, a word twice."""
    rng = data.draw(st.randoms(use_true_random=False))
    order = array("I", rng.sample(range(1, 3 * len(lines) + 2), len(lines)))
    held = ranked.Words(len(lines))
    for words in lines:
        held.text += f" {' '.join(words)}\n".encode()
        held.starts.append(len(held.text))
    for letter in ranked._LETTERS:
        marks = bytearray(len(lines) + 8 - len(lines) % 8)
        for rank, words in enumerate(lines):
            marks[rank] = any(w.startswith(letter) for w in words)
        held.letters[letter] = ranked._bits(marks)
    after = data.draw(st.integers(-1, len(lines)))
    expected = [order[r] for r in range(after + 1, len(lines))
                if all(any(w.startswith(t) for w in lines[r]) for t in typed)]
    assert ranked.worded((array("i"), order), held, typed, after, count, 10**9) == \
        expected[:count]
