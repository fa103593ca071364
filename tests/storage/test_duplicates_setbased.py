"""The duplicates scan set-based (issue 12) gives what the per-person scan it replaced gave:
the same candidate pairs, scores, reasons and decisions, the same match keys filed and the same
counts, on a commune's worth of people with common names, shared and partial birth dates,
shared CCCDs, pairs said not the same, merges, edits, erasures and new people. The per-person
scan is kept here, as it was (desktop/storage/duplicates.py before the change), as the
reference."""

from __future__ import annotations

import json
import random
from collections import defaultdict

import pytest

from desktop.domain.errors import ValidationError
from desktop.storage import duplicates as d

# -- the per-person scan, as it was (its keys as migration 30 files and looks them up) -----

def _holders(conn, wanted):
    holders = defaultdict(list)
    cccd = sorted(k[len(d._CCCD):] for k in wanted if isinstance(k, str))
    for i in range(0, len(cccd), d._CHUNK):
        part = cccd[i:i + d._CHUNK]
        for number, pid in conn.execute(
                "SELECT citizen_id, id FROM person WHERE citizen_id IN "
                f"({','.join('?' * len(part))}) AND NOT coalesce(_deleted, 0) "
                f"AND coalesce({d.ALIAS}, '') = ''", part):
            holders[d._CCCD + number].append(pid)
    for k in wanted:  # a range of keys (migration 30: one key a person, ranges looked up)
        if not isinstance(k, str):
            holders[k] = [pid for (pid,) in conn.execute(
                "SELECT p.id FROM duplicate_key k JOIN person p ON p._rowid = k.person "
                "WHERE k.key BETWEEN ? AND ?", k)]
    return holders


def per_person_chunk(conn, ids, result):
    rows = d._rows(conn, ids)
    marks = ",".join("?" * len(ids))
    rowids = [r["_rowid"] for r in rows.values()]
    conn.execute(f"DELETE FROM duplicate_key WHERE person IN ({','.join('?' * len(rowids))})",
                 rowids)
    looked, filed = {}, []
    for pid, row in rows.items():
        if d._live(row):
            under, ranges = d._hashed_keys(row)
            looked[pid] = [k for k in d.match_keys(row)[1] if k.startswith(d._CCCD)] + ranges
            filed += [(h, row["_rowid"]) for h in under]
    conn.executemany("INSERT OR IGNORE INTO duplicate_key VALUES (?, ?)", sorted(filed))
    gone = set(ids) - set(rows)
    for pid in gone:
        result.dropped += conn.execute("DELETE FROM duplicate_candidate WHERE (a = :p OR "
                                       "b = :p) AND status = 'open'", {"p": pid}).rowcount
    if gone:
        conn.execute("DELETE FROM duplicate_key WHERE person NOT IN (SELECT _rowid FROM person)")
    holders = _holders(conn, {k for ks in looked.values() for k in ks})
    matched_of = {pid: {o for k in ks for o in holders.get(k, ()) if o != pid}
                  for pid, ks in looked.items()}
    people = dict(rows)
    people.update(d._rows(conn, {o for m in matched_of.values() for o in m} - set(rows)))
    theirs = defaultdict(list)
    for cid, a, b, status in conn.execute(
            f"SELECT id, a, b, status FROM duplicate_candidate WHERE a IN ({marks}) UNION "
            f"SELECT id, a, b, status FROM duplicate_candidate WHERE b IN ({marks})",
            (*ids, *ids)).fetchall():
        theirs[a].append((cid, a, b, status))
        theirs[b].append((cid, a, b, status))
    for pid, row in rows.items():
        result.checked += 1
        if (row[d.ALIAS] and row["_deleted"]) or any(c[3] == d.MERGED for c in theirs[pid]):
            d._follow_merge_state(conn, row)
        matched = matched_of.get(pid, set())
        result.compared += len(matched)
        for other_id in matched:
            if other_id in people:
                value, reasons = d.score(row, people[other_id])
                d._record(conn, pid, other_id, value, reasons, result)
        for cid, a, b, status in theirs[pid]:
            other_id = b if a == pid else a
            if status == d.OPEN and (other_id not in matched or not d._live(row)):
                conn.execute("DELETE FROM duplicate_candidate WHERE id = ? AND status = 'open'",
                             (cid,))
                result.dropped += 1


# -- a commune's worth of people ----------------------------------------------------------------

NAMES = ["Lò Văn Đức", "LO VAN DUC", "Quàng Thị Mai", "Quàng Thị  Mai", "Giàng A Páo",
         "Vàng Thị Dung", "Lường Văn Thắng", "Cà Thị Hoa", "Sùng A Dế", "Mùa A Lử",
         "Tòng Văn Sáng", "Điêu Chính Tâm", "Lò Thị Bình", "Vi Văn Hùng", "Hờ A Chớ"]
DATES = ["05/03/1985", "06/03/1985", "1985", "12/12/1990", "1990", "01/01/1970", "1970",
         "30/06/2001", None]


def _people(rng, n, villages):
    out = []
    for _i in range(n):
        born = rng.choice(DATES)
        row = {"full_name": rng.choice(NAMES), "gender": rng.choice(["male", "female", None]),
               "ethnicity": rng.choice(["Thái", "Mông", None]),
               "residence_unit_id": rng.choice(villages)}
        if born:
            row["birth_date"] = born
        out.append(row)
    return out


def _sneak_cccd(conn, rng, ids, numbers):
    """Shared CCCDs arrive by sync (a local write refuses them): straight into the table."""
    for pid in rng.sample(ids, len(ids) // 6):
        conn.execute("UPDATE person SET citizen_id = ? WHERE id = ?", (rng.choice(numbers), pid))


def _erased(conn, pid):
    return conn.execute("SELECT _deleted FROM person WHERE id = ?", (pid,)).fetchone()[0]


@pytest.fixture
def commune(store, conn, village):
    rng = random.Random(12)
    villages = [village, store.add("unit", {"name": "Bản Nậm Kè", "level": "village",
                                            "parent_id": conn.execute(
                                                "SELECT parent_id FROM unit WHERE id = ?",
                                                (village,)).fetchone()[0]}).id, None]
    numbers = [f"0110850{i:05d}" for i in range(40)]
    ids = store.add_many("person", _people(rng, 700, villages))
    _sneak_cccd(conn, rng, ids, numbers)
    d.scan(conn, everyone=True)
    found = d.candidates(conn, limit=100_000)
    assert len(found) > 200  # a realistic queue: many twins to compare
    for c in rng.sample(found, len(found) // 3):
        d.dismiss(store, c.id)  # «Không phải một người»: these must never come back
    merged = 0
    for c in d.candidates(conn, limit=100_000):
        if merged == 4:
            break
        if d.get(conn, c.id).status == d.OPEN and all(
                conn.execute("SELECT merged_into IS NULL AND NOT _deleted FROM person "
                             "WHERE id = ?", (x,)).fetchone()[0] for x in (c.a, c.b)):
            try:
                d.merge(store, c.id, c.a)
            except ValidationError:  # a sneaked CCCD against the survivor's birth year
                continue
            merged += 1
    # What an import (or the officer) writes next: names and dates changed, records erased,
    # CCCDs arriving, new people; all of them left to scan.
    stored_dates = [r[0] for r in conn.execute("SELECT DISTINCT birth_date FROM person "
                                               "WHERE birth_date IS NOT NULL ORDER BY 1")]
    for pid in rng.sample(ids, 120):  # as an import's row write does (a CCCD may disagree)
        column, value = rng.choice([("full_name", rng.choice(NAMES)),
                                    ("birth_date", rng.choice(stored_dates)),
                                    ("residence_unit_id", rng.choice(villages))])
        conn.execute(f"UPDATE person SET {column} = ? WHERE id = ?", (value, pid))
    for pid in rng.sample(ids, 30):
        if not _erased(conn, pid):
            store.delete("person", pid)
    new = store.add_many("person", _people(rng, 300, villages))
    _sneak_cccd(conn, rng, new, numbers)
    assert d.pending(conn) > 400
    return rng, ids + new


def _state(conn):
    return (conn.execute("SELECT a, b, score, reasons, status, kept FROM duplicate_candidate "
                         "ORDER BY a, b").fetchall(),
            conn.execute("SELECT key, person FROM duplicate_key ORDER BY 1, 2").fetchall(),
            conn.execute("SELECT person_id FROM duplicate_dirty ORDER BY 1").fetchall())


def _both(conn, monkeypatch, scan):
    """The scan run by the per-person path and by the set-based one, from the same state
    (each in a transaction rolled back after)."""
    out = []
    for chunk in (per_person_chunk, d._scan_chunk):
        with monkeypatch.context() as m:
            m.setattr(d, "_scan_chunk", chunk)
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = scan()
                out.append((result, [[tuple(r) for r in part] for part in _state(conn)]))
            finally:
                conn.execute("ROLLBACK")
    return out


# The lookups of a chunk go as VALUES tables of at most _VALUES_ROWS rows: 7 cuts them in many.
@pytest.mark.parametrize(("chunk", "values_rows"), [(500, 1000), (37, 7)])
def test_the_set_based_scan_finds_what_the_per_person_scan_found(store, conn, commune,
                                                                 monkeypatch, chunk,
                                                                 values_rows):
    rng, ids = commune
    monkeypatch.setattr(d, "_CHUNK", chunk)
    monkeypatch.setattr(d, "_VALUES_ROWS", values_rows)
    not_same = {(r[0], r[1]) for r in conn.execute(
        "SELECT a, b FROM duplicate_candidate WHERE status = 'not_same'")}
    assert not_same
    only = rng.sample(ids, len(ids) // 2) + ["not-a-person-id"]
    for scan in (lambda: d.scan(conn, only=only), lambda: d.scan(conn),
                 lambda: d.scan(conn, everyone=True)):
        (old, old_state), (new, new_state) = _both(conn, monkeypatch, scan)
        assert new_state == old_state
        assert (new.checked, new.found, new.compared) == (old.checked, old.found, old.compared)
        assert new.checked > 100 and new.compared > 100
        candidates = new_state[0]
        assert any(r[4] == "merged" for r in candidates) and any(
            r[4] == "open" and json.loads(r[3]) for r in candidates)
        # The officer's «Không phải một người» stays so, whatever was written since.
        assert {(a, b) for a, b, _s, _r, status, _k in candidates
                if status == "not_same"} == not_same
