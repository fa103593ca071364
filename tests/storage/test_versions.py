"""Compact field versions (issue 12): the encoding, the conversion of schema 11's per-field
rows, and what a version costs."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from desktop.storage import db, migrations, versions

_ord = st.integers(min_value=1, max_value=5_000)
_dot = st.tuples(_ord, _ord, st.integers(min_value=1, max_value=2**53 - 1))
_cell = st.tuples(st.integers(min_value=0, max_value=2**63 - 1),
                  st.integers(min_value=1, max_value=2**53 - 1),
                  st.lists(_dot, max_size=4))


@given(st.dictionaries(_ord, _cell, max_size=30))
def test_any_cells_survive_encoding(by_field):
    cells = [(f, h, s, hist) for f, (h, s, hist) in by_field.items()]
    cells = list({c[2]: c for c in cells}.values())  # one cell per sequence, as in a row
    cells.sort(key=lambda c: c[2])
    assert versions.decode(versions.encode(cells)) == cells


def test_a_record_written_at_once_costs_one_byte_a_field_after_the_first():
    cells = [(f, 123456789 << 16, 1000 + i, []) for i, f in enumerate([9, 3, 40, 1, 7, 2, 60,
                                                                        5, 11, 4, 6, 8, 10])]
    blob = versions.encode(cells)
    assert versions.decode(blob) == cells
    assert len(blob) <= 13 + 12  # the first cell in full, then one byte each


def test_added_people_have_one_small_clock_row_each(store, conn, village):
    store.add_many("person", [{"full_name": f"Lò Văn {i}", "birth_date": "05/03/1985",
                               "gender": "nam", "phone": f"09123{i:05d}",
                               "residence_unit_id": village} for i in range(200)])
    rows, blob_bytes = conn.execute(
        "SELECT count(*), sum(length(c)) FROM sync_clock WHERE t = "
        "(SELECT n FROM sync_name WHERE name = 'person')").fetchone()
    assert rows == 200
    assert blob_bytes / rows <= 24  # six fields and the tombstone


def test_cells_move_from_the_old_table_unchanged(tmp_path: Path):
    """A schema-10 database (per-field ``sync_cell`` rows) migrates to ``sync_clock`` with
    every stamp, origin, partition, sequence and history kept, and the old table is gone."""
    conn = db.open_database(tmp_path / "v10.db", migrate=False)
    migrations.apply(conn, stop_before=12)
    a, b = "0195aaaa-0000-7000-8000-000000000001", "0195bbbb-0000-7000-8000-000000000002"
    conn.execute("BEGIN")
    for pk, name in ((a, "Lò Văn Ấn"), (b, "Quàng Thị Mai")):
        conn.execute("INSERT INTO person (id, _part, _deleted, full_name, _created_at, "
                     "_updated_at) VALUES (?, '03160', 0, ?, '2026-01-02T08:00:00', "
                     "'2026-01-02T08:00:00')", (pk, name))
    old = [
        ("person", a, "full_name", 10 << 16, "site-commune", "03160", 1, []),
        ("person", a, "_deleted", 10 << 16, "site-commune", "03160", 2, []),
        ("person", a, "phone", 12 << 16 | 3, "site-province", "03160", 7,
         [["site-commune", "03160", 5], ["site-x", "ref", 9]]),
        ("person", b, "full_name", 11 << 16, "site-province", "03160", 4, []),
        ("person", b, "_deleted", 11 << 16, "site-province", "03160", 5, []),
        ("person", "no-such-record", "full_name", 1, "site-commune", "03160", 3, []),
    ]
    conn.executemany("INSERT INTO sync_cell VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     [(*c[:7], json.dumps(c[7])) for c in old])
    conn.execute("COMMIT")
    migrations.apply(conn)
    assert list(versions.all_cells(conn)) == sorted(
        [c for c in old if c[1] != "no-such-record"], key=lambda c: (c[0], c[1], c[2]))
    # Never read, no longer kept: the audit log has the times.
    assert conn.execute("SELECT count(*) FROM person WHERE _created_at IS NOT NULL OR "
                        "_updated_at IS NOT NULL").fetchone()[0] == 0
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert "sync_cell" not in tables and "sync_clock" in tables
    # Two origins wrote record a: two rows, and each is found by its own dots.
    assert [c[2] for c in versions.since(conn, {("site-commune", "03160"): 2}, lambda p: True)
            ] == ["phone", "_deleted", "full_name"]
    conn.close()


def test_dump_and_load_put_back_exactly_what_was_there(store, conn, village):
    pid = store.add("person", {"full_name": "Lò Văn Ấn", "residence_unit_id": village}).id
    rowid = conn.execute("SELECT _rowid FROM person WHERE id = ?", (pid,)).fetchone()[0]
    saved = versions.dump(conn, "person", [rowid])
    before = list(versions.all_cells(conn))
    store.edit("person", pid, {"phone": "0912345678", "full_name": "Lò Văn Ân"})
    assert list(versions.all_cells(conn)) != before
    conn.execute("BEGIN")
    versions.load(conn, "person", saved)
    conn.execute("COMMIT")
    assert list(versions.all_cells(conn)) == before
