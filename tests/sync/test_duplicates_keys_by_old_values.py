"""Migration 28 (issue 12): the duplicates' match keys without their index by person. Before,
a scan deleted a person's keys by its ``_rowid`` through that index (and, after an undone
import, every key naming a ``_rowid`` no person holds, in one pass); now it makes the keys
filed at the person's last scan again from the old values its queue row keeps, and deletes
those. Every scan of a province's life — imports (each scanning the people it wrote), the
Trùng lặp page's scans, merges, dismissals, edits, deletions, an undone import and the
people who came after it in the ``_rowid`` it freed — is run both ways from the same state:
the same candidates, scores, reasons, decisions and counts; and after it the keys filed are
exactly those of every live person scanned, none missing (a pair missed), none left over."""

from __future__ import annotations

import random

from synckit import COMMUNES

from desktop.storage import duplicates as d
from desktop.storage import undo, versions

NAMES = ["Lò Văn Đức", "LO VAN DUC", "Quàng Thị Mai", "Giàng A Páo", "Vàng Thị Dung",
         "Lường Văn Thắng", "Cà Thị Hoa", "Sùng A Dế"]
DATES = ["05/03/1985", "06/03/1985", "1985", "03/1985", "12/12/1990", "1990", None]


def _people(rng, n, village):
    out = []
    for _i in range(n):
        row = {"full_name": rng.choice(NAMES), "gender": rng.choice(["male", "female", None]),
               "ethnicity": rng.choice(["Thái", "Mông", None]), "residence_unit_id": village}
        if born := rng.choice(DATES):
            row["birth_date"] = born
        out.append(row)
    return out


def _queue(conn):
    return [tuple(r) for r in conn.execute(
        "SELECT a, b, score, reasons, status, kept, decided_by FROM duplicate_candidate "
        "ORDER BY a, b")]


def _expected_keys(conn):
    """The keys of every live person not waiting to be scanned, made from what it is now."""
    out = set()
    for row in conn.execute(f"SELECT {', '.join(d._FIELDS)} FROM person WHERE id NOT IN "
                            "(SELECT person_id FROM duplicate_dirty)"):
        if d._live(row):
            out.update((h, row["_rowid"]) for h in d._hashed_keys(row)[0])
    return out


def _clean_keys(conn):
    """The keys filed under a person not waiting to be scanned."""
    return {tuple(r) for r in conn.execute(
        "SELECT k.key, k.person FROM duplicate_key k JOIN person p ON p._rowid = k.person "
        "WHERE p.id NOT IN (SELECT person_id FROM duplicate_dirty)")}


class Compared:
    """duplicates.scan, run first as before migration 28 (in a savepoint rolled back) and
    then as now, from the same state; the two compared."""

    def __init__(self, monkeypatch):
        self.real_scan, self.real_chunk = d.scan, d._scan_chunk
        self.monkeypatch = monkeypatch
        self.runs = 0
        self.compared = 0
        monkeypatch.setattr(d, "scan", self)

    def _before_chunk(self, conn, ids, result):
        """The chunk as before: its people's keys deleted by _rowid first, and when one is
        gone every key naming a _rowid no person holds."""
        marks = ",".join("?" * len(ids))
        conn.execute(f"DELETE FROM duplicate_key WHERE person IN (SELECT _rowid FROM person "
                     f"WHERE id IN ({marks}))", list(ids))
        self.real_chunk(conn, ids, result)
        held = conn.execute(f"SELECT count(*) FROM person WHERE id IN ({marks})",
                            list(ids)).fetchone()[0]
        if held < len(set(ids)):
            conn.execute("DELETE FROM duplicate_key WHERE person NOT IN "
                         "(SELECT _rowid FROM person)")

    def __call__(self, conn, **kw):
        conn.execute("SAVEPOINT before_28")
        try:
            with self.monkeypatch.context() as m:
                m.setattr(d, "_drop_filed_keys", lambda conn, dirty: None)
                m.setattr(d, "_scan_chunk", self._before_chunk)
                before = self.real_scan(conn, **kw)
                queue_before = _queue(conn)
        finally:
            conn.execute("ROLLBACK TO before_28")
            conn.execute("RELEASE before_28")
        now = self.real_scan(conn, **kw)
        assert _queue(conn) == queue_before
        assert (now.checked, now.found, now.dropped, now.compared) == \
            (before.checked, before.found, before.dropped, before.compared)
        assert _clean_keys(conn) == _expected_keys(conn)  # none missing, none left over
        if not d.pending(conn):
            assert {tuple(r) for r in conn.execute("SELECT key, person FROM duplicate_key")} \
                == _expected_keys(conn)
        self.runs += 1
        self.compared += now.compared
        return now


def _up(node, prov, folder):
    for path in node.export(folder, to=prov):
        assert prov.import_(path)[0].status == "imported"


def _village(node, name):
    return node.store.add("unit", {"name": name, "level": "village",
                                   "parent_id": node.part}).id


def test_a_provinces_scans_find_what_they_found_before(network, tmp_path, monkeypatch):
    prov, (a, b) = network(2)
    assert (a.part, b.part) == COMMUNES[:2]
    rng = random.Random(28)
    va, vb = _village(a, "Bản Huổi Lếch"), _village(b, "Bản Co Đứa")
    ids_a = a.store.add_many("person", _people(rng, 120, va))
    b.store.add_many("person", _people(rng, 120, vb))
    scans = Compared(monkeypatch)
    _up(a, prov, tmp_path / "1a")
    _up(b, prov, tmp_path / "1b")
    found = d.candidates(prov.conn, limit=100_000)  # the page: the imports' people scanned
    assert len(found) > 100
    for c in rng.sample(found, 20):
        d.dismiss(prov.store, c.id)
    merged = [c for c in found if d.get(prov.conn, c.id).status == d.OPEN][:3]
    for c in merged:
        d.merge(prov.store, c.id, c.a)
    d.unmerge(prov.store, merged[0].id)

    # The commune's officer edits names and dates, deletes some; the bundle comes up.
    for pid in rng.sample(ids_a, 30):
        a.store.edit("person", pid, {"full_name": rng.choice(NAMES)})
    for pid in rng.sample(ids_a, 30):
        a.store.edit("person", pid, {"birth_date": rng.choice([x for x in DATES if x])})
    for pid in rng.sample(ids_a, 10):
        a.store.delete("person", pid)
    _up(a, prov, tmp_path / "2a")
    d.candidates(prov.conn, limit=100_000)

    # Búng Lao's new people come up and the import is undone: their rows go (the newest
    # _rowids), then Mường Nhé's new people, of the same names and dates, take those _rowids.
    twins = _people(rng, 40, vb)
    new_b = b.store.add_many("person", twins)
    _up(b, prov, tmp_path / "3b")
    high = prov.conn.execute("SELECT max(_rowid) FROM person").fetchone()[0]
    undo.undo(prov.conn)
    assert prov.conn.execute("SELECT count(*) FROM person WHERE id IN "
                             f"({','.join('?' * len(new_b))})", new_b).fetchone()[0] == 0
    a.store.add_many("person", [{**t, "residence_unit_id": va} for t in twins])
    _up(a, prov, tmp_path / "4a")
    assert prov.conn.execute("SELECT max(_rowid) FROM person").fetchone()[0] == high
    # The undone people again, with the page's scan after it.
    _up(b, prov, tmp_path / "5b")
    final = d.candidates(prov.conn, limit=100_000)
    assert d.pending(prov.conn) == 0
    assert scans.runs >= 10 and scans.compared > 500
    assert {c.status for c in d.candidates(prov.conn, status=None, limit=100_000)} == \
        {d.OPEN, d.NOT_SAME, d.MERGED}
    assert len(final) > len(found) - 20  # the twins of Mường Nhé's new people are found


def test_a_person_gone_before_its_scan_leaves_no_key_under_its_rowid(store, village):
    """An undone import deletes the newest rows; the next person written takes the freed
    _rowid. Scanned alone (an import's scan), it files the same keys as the gone one had; the
    gone one's later scan must not delete them (the pair with a third twin stays found)."""
    conn = store.conn
    twin = {"full_name": "Giàng A Páo", "birth_date": "02/02/1980",
            "residence_unit_id": village}
    first = store.add("person", twin).id
    gone = store.add("person", twin).id
    d.scan(conn)
    rowid = conn.execute("SELECT _rowid FROM person WHERE id = ?", (gone,)).fetchone()[0]
    conn.execute("BEGIN")
    conn.execute("DELETE FROM person WHERE id = ?", (gone,))  # as undo.undo removes a row
    conn.execute("DELETE FROM sync_clock WHERE t = ? AND r = ?",
                 (versions.Names(conn).no("person"), rowid))
    conn.execute("COMMIT")
    late = store.add("person", twin).id
    assert conn.execute("SELECT _rowid FROM person WHERE id = ?", (late,)).fetchone()[0] == rowid
    d.scan(conn, only=[late])
    assert d.pending(conn) == 1  # the gone one waits
    d.scan(conn)
    assert _clean_keys(conn) == _expected_keys(conn)
    assert {frozenset((c.a, c.b)) for c in d.candidates(conn)} == {frozenset((first, late))}
    # Its keys are found again when one more twin comes.
    third = store.add("person", twin).id
    assert {frozenset((c.a, c.b)) for c in d.candidates(conn)} == {
        frozenset((first, late)), frozenset((first, third)), frozenset((late, third))}
