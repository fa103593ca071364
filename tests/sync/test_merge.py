"""The cell merge as a join: the result does not depend on order or grouping (SYNC.md §4.3),
and the small rules around it (checks, conflict ids, derived columns)."""

from __future__ import annotations

import pytest
from dbkit import version_rows
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.storage import merge
from desktop.storage.writer import Store

PART = "03160"
PKS = ["01900000-0000-7000-8000-00000000000a", "01900000-0000-7000-8000-00000000000b"]


class _Rollback(Exception):
    pass


def cells_strategy():
    cell = st.tuples(st.sampled_from(PKS), st.sampled_from(["phone", "notes", "_deleted"]),
                     st.integers(1, 6), st.sampled_from(["s1", "s2", "s3"]))

    def build(raw):
        out, seqs = [], {}
        for pk, f, h, o in raw:
            seqs[o] = seqs.get(o, 0) + 1
            v = (h % 2) if f == "_deleted" else f"{o}-{h}"
            out.append(("person", pk, f, v, h << 16, o, PART, seqs[o], []))
        # One version per (key, stamp, origin): a dot is written once.
        uniq = {}
        for c in out:
            uniq.setdefault((c[1], c[2], c[4], c[5]), c)
        return list(uniq.values())
    return st.lists(cell, min_size=1, max_size=12).map(build)


def state_after(store: Store, batches) -> tuple:
    try:
        with store.transaction():
            for batch in batches:
                merge.apply_cells(store, batch)
            cells = [(r["pk"], r["field"], r["hlc"], r["origin"], r["seq"])
                     for r in version_rows(store.conn) if r["tbl"] == "person"]
            rows = store.conn.execute("SELECT id, phone, notes, _deleted FROM person "
                                      "WHERE id IN (?, ?) ORDER BY id", PKS).fetchall()
            result = (tuple(map(tuple, cells)), tuple(map(tuple, rows)))
            raise _Rollback
    except _Rollback:
        return result


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # rolled back
@given(cells=cells_strategy(), data=st.data())
def test_merge_is_commutative_associative_and_idempotent(store, cells, data):
    shuffled = data.draw(st.permutations(cells))
    cut = data.draw(st.integers(0, len(cells)))
    one = state_after(store, [cells])
    assert state_after(store, [shuffled]) == one
    assert state_after(store, [shuffled[:cut], shuffled[cut:]]) == one
    assert state_after(store, [cells, cells]) == one
    # The winner of each field is the maximum (hlc, origin).
    best = {}
    for c in cells:
        key = (c[1], c[2])
        if key not in best or (c[4], c[5]) > (best[key][4], best[key][5]):
            best[key] = c
    assert {(r[0], r[1]): (r[2], r[3]) for r in one[0]} == {
        k: (c[4], c[5]) for k, c in best.items()}


def test_conflict_ids_are_deterministic():
    a = merge.conflict_id("value", "person", "x", "phone", ["a", "p", 1], ["b", "p", 2])
    assert a == merge.conflict_id("value", "person", "x", "phone", ("a", "p", 1), ("b", "p", 2))
    assert a != merge.conflict_id("value", "person", "x", "phone", ["b", "p", 2], ["a", "p", 1])


@pytest.mark.parametrize("bad, message", [
    (("nope", "x", "f", 1, 1, "o", PART, 1, []), "cập nhật"),
    (("person", "x", "_part", 1, 1, "o", PART, 1, []), "tên trường"),
    (("person", "x", "name_key", 1, 1, "o", PART, 1, []), "tên trường"),
    (("person", "x", "notes", {"a": 1}, 1, "o", PART, 1, []), "giá trị"),
    (("person", "x", "_deleted", 2, 1, "o", PART, 1, []), "0 hoặc 1"),
    (("person", "x", "notes", "v", -1, "o", PART, 1, []), "phiên bản"),
    (("person", "x", "notes", "v", 1, "o", "other", 1, []), "phân vùng"),
    (("person", "x", "notes", "v", 1, "o", PART, 1, [["o", PART]]), "lịch sử"),
])
def test_hostile_cells_are_refused(bad, message):
    with pytest.raises(merge.MergeError, match=message):
        merge.check_cell(bad, {PART}.__contains__)


def test_a_remote_value_updates_sort_key_and_search_text(store):
    with store.transaction():
        merge.apply_cells(store, [
            ("person", PKS[0], "full_name", "Nguyễn Văn Đức", 5 << 16, "s1", PART, 1, []),
            ("person", PKS[0], "_deleted", 0, 5 << 16, "s1", PART, 2, []),
        ])
    row = store.conn.execute("SELECT name_key, _search, _part FROM person WHERE id = ?",
                             (PKS[0],)).fetchone()
    assert "nguyen van duc" in row["_search"] and row["name_key"] and row["_part"] == PART


def test_every_imported_stamp_advances_the_clock(store):
    far = (4_000_000_000_000 << 16) | 7
    with store.transaction():
        merge.apply_cells(store, [("person", PKS[0], "notes", "x", far, "s1", PART, 1, [])])
    pid = store.add("person", {"full_name": "Sau"}).id
    assert max(int(r["hlc"]) for r in version_rows(store.conn, pid)) > far
