"""People's searches without the CCCD and phone in the full-text index (issue 12, migration 27).

The people's search text holds the name's words only; a number is read through the CCCD and
phone indexes. Every search must find what it found when the numbers were words of the
index: the reference here is the program before, run on an index of the old text (name,
CCCD, phone) built beside the real one — the global search's tiers and order, a roster's
pages in every plan, a list, a picker — for words, numbers, words and numbers mixed, names
holding digits, marks and đ.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.domain import text
from desktop.domain.kinds import PERSON
from desktop.storage import db, migrations, paging, records, rosters, search, site, walk
from desktop.storage.writer import Store

GIVEN = ["Đức", "Xuân", "Páo", "Mỷ", "Ún", "Hà", "Dung", "Đông", "Yến", "Văn", "Anh"]
FAMILY = ["Nguyễn", "Lò", "Giàng", "Vàng", "Quàng", "Đinh", "Đỗ", "Lường"]
MIDDLE = ["Văn", "Thị", "A", "Đức", "Ngọc", ""]
# Names holding digits (rare, but typed so: a namesake told apart, a name pasted with its
# number), some beginning like the CCCDs of Điện Biên.
ODD = ["Lò Văn 2", "Giàng A 011", "Nguyễn Thị 09 Hà", "Vàng 0110 Páo", "Đinh 84 Anh"]
PLANS = {"walk": (0, 10**6), "walk that gives up": (0, 1), "gather": (10**9, 10**6)}


def _person(rng: random.Random, i: int) -> dict[str, object]:
    name = (ODD[i // 9 % len(ODD)] if i % 9 == 4 else
            " ".join(w for w in (rng.choice(FAMILY), rng.choice(MIDDLE), rng.choice(GIVEN)) if w))
    year = rng.randrange(1950, 2000)
    gender = rng.choice(("male", "female"))
    row: dict[str, object] = {"full_name": name, "birth_date": str(year), "gender": gender}
    if rng.random() < 0.8:
        row["citizen_id"] = (f"0{rng.choice(('11', '11', '01'))}{'0' if gender == 'male' else '1'}"
                             f"{year % 100:02d}{rng.randrange(10**6):06d}")
    phone = rng.random()
    if phone < 0.5:
        row["phone"] = f"0{rng.choice('39')}{rng.randrange(10**8):08d}"
    elif phone < 0.7:
        row["phone"] = f"+84{rng.choice('39')}{rng.randrange(10**8):08d}"
    return row


@pytest.fixture
def people(store, village):
    rng = random.Random(27)
    ids = store.add_many("person", [{**_person(rng, i), "residence_unit_id": village}
                                    for i in range(150)])
    store.delete("person", ids[5])
    conn = store.conn
    # The index the program before had: the name, the CCCD and the phone as words.
    conn.execute("CREATE VIRTUAL TABLE old_fts USING fts5(t, tokenize='unicode61', "
                 "prefix='1 2 3')")
    for rowid, name, cccd, phone in conn.execute(
            "SELECT _rowid, full_name, citizen_id, phone FROM person").fetchall():
        old = " ".join(text.search_words(" ".join(str(v) for v in (name, cccd, phone) if v)))
        conn.execute("INSERT INTO old_fts(rowid, t) VALUES (?, ?)", (rowid, old))
    rows = conn.execute("SELECT full_name, citizen_id, phone FROM person").fetchall()
    return {"rows": [tuple(r) for r in rows], "village": village}


def _old_search(conn, user_text: str, limit: int = 50) -> list[tuple[str, float]]:
    """The people search.search found before migration 27 (its code, on the old index)."""
    words = text.search_words(user_text)
    if not words:
        return []
    if search.is_number(words):
        return [(h.id, h.score) for h in search._by_number(conn, words[0], limit)]
    hits: list[tuple[str, float]] = []
    seen: set[str] = set()
    for tier, match in enumerate(search._tier_queries(words)):
        found = []
        for row in conn.execute("SELECT t.id, t.name_key FROM old_fts JOIN person t ON "
                                "t._rowid = old_fts.rowid WHERE old_fts MATCH ? AND "
                                "t._deleted = 0 LIMIT ?", (match, search.CANDIDATES)):
            if row[0] not in seen:
                found.append((str(row[1] or ""), row[0]))
        found.sort(key=lambda pair: pair[0])
        for _key, i in found:
            seen.add(i)
            hits.append((i, float(tier)))
        if len(hits) >= limit:
            break
    return hits[:limit]


def _old_roster(conn, user_text: str) -> list[str]:
    """The people a roster search kept before: every word begins a word of the old text."""
    match = " ".join(f'"{w}"*' for w in text.search_words(user_text))
    if not match:
        return [r[0] for r in conn.execute("SELECT id FROM person WHERE _deleted = 0 "
                                           "ORDER BY name_key, _rowid")]
    return [r[0] for r in conn.execute(
        "SELECT id FROM person WHERE _deleted = 0 AND _rowid IN (SELECT rowid FROM old_fts "
        "WHERE old_fts MATCH ?) ORDER BY name_key, _rowid", (match,))]


def _fold(s: str) -> str:
    return " ".join(text.search_words(s))


@st.composite
def queries(draw, rows):
    """What an officer types: name words, the beginning of a number, both in either order."""
    name, cccd, phone = draw(st.sampled_from(rows))
    words = text.clean_text(str(name)).split(" ")
    numbers = [str(n).lstrip("+") for n in (cccd, phone) if n] + [draw(st.sampled_from(
        ["0", "01", "011", "0110", "09", "84", "2", "3", "99999"]))]
    number = draw(st.sampled_from(numbers))
    number = number[:draw(st.integers(1, len(number)))]
    first = draw(st.integers(0, len(words) - 1))
    some = words[first:first + draw(st.integers(1, len(words)))]
    some[-1] = some[-1][:draw(st.integers(1, len(some[-1])))]
    if draw(st.booleans()):
        some = [_fold(w) or w for w in some]  # typed without marks, đ as d
    shape = draw(st.sampled_from(("words", "number", "words number", "number words",
                                  "name and number", "two numbers", "number name")))
    if shape == "words":
        return " ".join(some)
    if shape == "number":
        return number
    if shape == "words number":
        return " ".join([*some, number])
    if shape == "number words":
        return " ".join([number, *some])
    if shape == "name and number":  # the whole name, then its CCCD: one phrase before
        return " ".join([*words, number])
    if shape == "two numbers":
        return f"{number} {draw(st.sampled_from(numbers))[:3]}"
    return f"{number} {str(name)}"


FIXED = ["Nguyễn Văn", "nguyen 0110", "0110 nguyen", "lo van 2", "Giàng A 011", "giang a 0110",
         "vang 0110 pao", "dinh 84", "84 dinh", "Đỗ 09", "0 1", "011 09", "2", "0110", "84",
         "ha 0", "thi 09 ha", "x 0110", "duc 3", "Đức", "vang 0110 pa", "thi 09 h"]


def drive_from(monkeypatch, where: str) -> None:
    """Make search.search read a search of words and numbers from the number indexes or
    from the name's words (the full-text index)."""
    if where == "numbers":
        monkeypatch.setattr(search, "FEW_NUMBERS", 10**9)
    else:
        monkeypatch.setattr(search, "FEW_NUMBERS", -1)
        monkeypatch.setattr(search, "_count", lambda *_a: 0)


@pytest.mark.parametrize("where", ["numbers", "words"])
def test_fixed_searches_find_what_they_found(conn, people, monkeypatch, where):
    """Read either way (the number indexes, or the name's index and the row), the global
    search gives the same people in the same tiers and order; also when each tier keeps
    only its first few candidates (search.CANDIDATES, by rowid as the index gives them)."""
    drive_from(monkeypatch, where)
    for candidates in (search.CANDIDATES, 3):
        monkeypatch.setattr(search, "CANDIDATES", candidates)
        for typed in FIXED:
            new = [(h.id, h.score) for h in search.search(conn, typed, kinds=("person",))]
            assert new == _old_search(conn, typed), typed
    found = {typed: bool(_old_search(conn, typed)) for typed in FIXED}
    assert found["nguyen 0110"] and found["lo van 2"] and found["vang 0110 pao"], found


def test_the_index_holds_no_number_of_a_person(conn, people):
    """The people's text index no longer has the CCCD and phone as words (what saves the
    room): only names' digits are there."""
    cccds = [c for _n, c, _p in people["rows"] if c]
    assert cccds
    text_of = {r[0] for r in conn.execute("SELECT _search FROM person")}
    assert not any(c in t for c in cccds for t in text_of)
    held = {r[0] for r in conn.execute("SELECT rowid FROM person_fts WHERE person_fts MATCH "
                                       "'\"0110\"*'")}
    names = {r[0] for r in conn.execute("SELECT _rowid FROM person WHERE full_name LIKE "
                                        "'%0110%'")}
    assert held == names and names


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_searches_find_what_they_found(conn, people, data):
    """Any search an officer may type, in the global search, a roster (a place's and
    everyone's), the people's list and the people picker."""
    typed = data.draw(queries(people["rows"]))
    new = [(h.id, h.score) for h in search.search(conn, typed, kinds=("person",))]
    assert new == _old_search(conn, typed), typed
    expected = _old_roster(conn, typed)
    for scope in (rosters.Scope(), rosters.Scope("unit", people["village"])):
        got = [r["id"] for r in rosters.people_page(conn, scope, search=typed, limit=-1)]
        assert got == expected, (typed, scope)
        assert rosters.count_people(conn, scope, typed) == len(expected)
    listed = records.page(conn, PERSON, records.Query(search=typed), limit=-1)
    assert sorted(r["id"] for r in listed) == sorted(expected), typed
    picked = [i for i, _label in rosters.people_choices(conn, typed, limit=1000)]
    assert sorted(picked) == sorted(expected), typed


@pytest.mark.parametrize("plan", PLANS)
def test_a_roster_s_pages_in_every_plan(conn, people, monkeypatch, plan):
    """Page after page, walked down the name index or gathered through the number indexes
    and the name's text index, a roster's search keeps the same people in name order."""
    few, walked = PLANS[plan]
    monkeypatch.setattr(paging, "bound", lambda *_a: few)
    monkeypatch.setattr(walk, "WALK_ROWS", walked)
    if plan == "walk that gives up":
        monkeypatch.setattr(paging, "GATHER_COST", {True: 0, False: 0})
    scope = rosters.Scope("unit", people["village"])
    for typed in FIXED:
        expected, got, after = _old_roster(conn, typed), [], None
        while True:
            page = rosters.people_page(conn, scope, search=typed, limit=4, after=after)
            got += [r["id"] for r in page]
            if len(page) < 4:
                break
            after = page[-1]["sort_key"]
        assert got == expected, (typed, plan)


def test_migration_27_takes_the_numbers_out_and_searches_the_same(tmp_path):
    """An older database (its people's text holding their numbers) migrates: the text is
    the name's, the index rebuilt from it and kept up by its triggers, the searches the same."""
    conn = db.open_database(tmp_path / "old.db", migrate=False)
    try:
        migrations.apply(conn, stop_before=27)  # the program before made it
        site.init_site(conn, name="Công an xã Mường Nhé", commune_code="03160")
        store = Store(conn, actor="tester", today=dt.date(2026, 12, 1))
        rng = random.Random(7)
        rows = [_person(rng, i) for i in range(60)]
        ids = store.add_many("person", rows)
        # What the program before stored: the numbers among the words.
        for i, row in zip(ids, rows, strict=True):
            old = " ".join(text.search_words(" ".join(
                str(row.get(f) or "") for f in ("full_name", "citizen_id", "phone"))))
            conn.execute("UPDATE person SET _search = ? WHERE id = ?", (old, i))
        cccd = next(str(r["citizen_id"]) for r in rows if r.get("citizen_id"))
        before = [h.id for h in search.search(conn, cccd[:6], kinds=("person",))]
        name = str(rows[0]["full_name"]).split(" ")[0]
        mixed = f"{name} {cccd[:4]}"
        by_old_text = {r[0] for r in conn.execute(
            "SELECT p.id FROM person_fts JOIN person p ON p._rowid = person_fts.rowid "
            "WHERE person_fts MATCH ?", (records.fts_query(mixed),))}
        assert before and by_old_text
        assert migrations.apply(conn) == [m.version for m in migrations.MIGRATIONS
                                          if m.version >= 27]
        for rowid, full_name, stored in conn.execute("SELECT _rowid, full_name, _search "
                                                     "FROM person"):
            assert stored == " ".join(text.search_words(full_name)), rowid
        assert [h.id for h in search.search(conn, cccd[:6], kinds=("person",))] == before
        got = {r["id"] for r in rosters.people_page(conn, rosters.Scope(), search=mixed,
                                                    limit=-1)}
        assert got == by_old_text
        assert conn.execute("SELECT count(*) FROM person_fts WHERE person_fts MATCH ?",
                            (f'"{cccd[:4]}"*',)).fetchone()[0] == 0
        # The index is kept up again: a new person is found by name and by number.
        new = store.add("person", {"full_name": "Mùa A Xá", "citizen_id": "011095123456",
                                   "birth_date": "1995", "gender": "male"}).id
        assert [h.id for h in search.search(conn, "mua a xa", kinds=("person",))] == [new]
        assert new in [h.id for h in search.search(conn, "mua 0110951", kinds=("person",))]
        conn.execute("INSERT INTO person_fts(person_fts) VALUES ('integrity-check')")
    finally:
        conn.close()
