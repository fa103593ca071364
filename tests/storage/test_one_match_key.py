"""One duplicates' match key a person (issue 12, migration 30): the folded name, the birth
year and the day in it as one 47-bit integer, looked up by ranges, where a person had two keys
(the name with the year, and with the full date or "partial"): 1.5 MB less at 100,000 people.
Every pair the text keys of match_keys met still meets (never a pair missed); two people
meet by a key they do not share in text only when their names' hashes meet, or their years 256
apart; a database filed two keys a person converts in place and finds the same twins."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.domain import text
from desktop.storage import backup, db, migrations, site
from desktop.storage import duplicates as d
from desktop.storage.writer import Store

COMMUNE = "03160"
NAMES = st.one_of(st.none(), st.just(""), st.sampled_from(
    ["Lò Văn Sáng", "lo van sang", "Lò  văn SÁNG", "Đặng Thị Hà", "Giàng A Páo", "A"]),
    st.text(max_size=20))
WELL_FORMED = ["1985", "1985-03", "1985-03-05", "1985-03-06", "1985-12-31", "1986-03-05",
               "2001-02-28", "1900", "1900-01-01"]
BIRTHS = st.one_of(st.none(), st.just(""), st.sampled_from([*WELL_FORMED, "19", "1985/03/05",
                                                            "abcdefghij", "1985-13-40"]),
                   st.text(max_size=12))


def _text_meet(p: dict, q: dict) -> bool:
    """P looks up a key Q is filed under, in match_keys' text keys (the CCCD's aside)."""
    looked = {k for k in d.match_keys(p)[1] if not k.startswith(d._CCCD)}
    return bool(looked & set(d.match_keys(q)[0]))


def _int_meet(p: dict, q: dict) -> bool:
    ranges = d._hashed_keys(p)[1]
    return any(lo <= k <= hi for k in d._hashed_keys(q)[0] for lo, hi in ranges)


@settings(max_examples=500, deadline=None)
@given(NAMES, BIRTHS, NAMES, BIRTHS)
def test_every_pair_the_text_keys_met_still_meets(name_p, born_p, name_q, born_q) -> None:
    p = {"full_name": name_p, "birth_date": born_p, "citizen_id": None}
    q = {"full_name": name_q, "birth_date": born_q, "citizen_id": None}
    filed = d._hashed_keys(q)[0]
    assert len(filed) <= 1 and all(0 <= k < 2**47 for k in filed)
    if _text_meet(p, q):
        assert _int_meet(p, q)
    same_name = text.fold(str(name_p or "")) == text.fold(str(name_q or ""))
    if same_name and born_p in WELL_FORMED and born_q in WELL_FORMED:
        assert _int_meet(p, q) == _text_meet(p, q)  # exactly the same pairs


def _two_keys_a_person(conn) -> None:
    """The keys as migrations 24-28 filed them: two a person, hashes of match_keys' text."""
    conn.execute("DELETE FROM duplicate_key")
    for row in conn.execute("SELECT * FROM person WHERE _deleted = 0").fetchall():
        conn.executemany("INSERT OR IGNORE INTO duplicate_key VALUES (?, ?)",
                         [(d.key_hash(k), row["_rowid"]) for k in d.match_keys(row)[0]
                          if not k.startswith(d._CCCD)])


def test_migration_30_files_one_key_a_person_and_finds_the_same_twins(db_path: Path):
    conn = db.open_database(db_path)
    site.init_site(conn, name="Công an xã Mường Nhé", commune_code=COMMUNE)
    store = Store(conn, actor="tester")
    people = store.add_many("person", [  # a date and a year of it: 35, the gender +5
        {"full_name": "Lò Văn Sáng", "birth_date": "05/03/1985", "gender": "male"},
        {"full_name": "Lò văn Sáng", "birth_date": "1985", "gender": "male"},
        {"full_name": "Quàng Thị Hoa", "birth_date": "12/12/1990", "gender": "female"},
        {"full_name": "Cà Văn Pọm", "birth_date": "1970", "gender": "male"},
        {"full_name": "Điêu Chính Ún", "gender": "male"}])
    d.scan(conn)
    found = {frozenset((c.a, c.b)) for c in d.candidates(conn)}
    assert found == {frozenset(people[:2])}
    edited = people[2]
    store.edit("person", edited, {"birth_date": "13/12/1990"})  # waits, old values kept
    conn.execute("BEGIN")
    _two_keys_a_person(conn)
    conn.execute("DELETE FROM schema_migrations WHERE version = 30")
    conn.execute("PRAGMA user_version = 28")
    conn.execute("COMMIT")
    conn.close()

    conn = db.open_database(db_path)  # migrates
    try:
        # Every migration ran; the version is 30's, the highest this open ran (those above
        # it had run: the file was set back to 28 by hand, as no program leaves one).
        assert not migrations.missing(conn) and migrations.current_version(conn) == 30
        assert [b.reason for b in backup.list_backups(db_path)] == ["before-migration-v28"]
        rowid = dict(conn.execute("SELECT id, _rowid FROM person").fetchall())
        waiting = {r[0] for r in conn.execute("SELECT person_id FROM duplicate_dirty")}
        assert waiting == {edited}
        assert sorted(tuple(r) for r in conn.execute("SELECT key, person FROM duplicate_key")) \
            == sorted((k, rowid[pid]) for pid in people if pid not in waiting
                      for k in d._hashed_keys(conn.execute(
                          "SELECT * FROM person WHERE id = ?", (pid,)).fetchone())[0])
        store = Store(conn, actor="tester")
        twins = store.add_many("person", [
            {"full_name": "Quàng Thị Hoa", "birth_date": "1990", "gender": "female"},
            {"full_name": "CÀ VĂN PỌM", "birth_date": "01/02/1970", "gender": "male"}])
        d.scan(conn)
        assert {frozenset((c.a, c.b)) for c in d.candidates(conn)} == found | {
            frozenset((edited, twins[0])), frozenset((people[3], twins[1]))}
        assert conn.execute("SELECT count(*) FROM duplicate_key").fetchone()[0] == 6
    finally:
        conn.close()
