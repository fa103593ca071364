"""Records new to the importing site take a short way through the merge (issue 12: nothing
here to compare with, every cell adopted). Whatever the cells, the short way must give what
the rule applied cell by cell gives: the same rows, versions, conflicts and refusals."""

from __future__ import annotations

import pytest
from dbkit import merge_outcome as outcome
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.storage import merge

PART, OTHER = "03160", "03163"
PKS = [f"01900000-0000-7000-8000-00000000000{c}" for c in "abc"]
FIELDS = ["full_name", "phone", "notes", "_deleted", "nickname"]  # nickname: a newer field


def cells_of(raw: list[tuple[int, int, int, int, int, bool]], here: str) -> list[merge.Cell]:
    out: list[merge.Cell] = []
    for pk, f, h, origin, seq, other_part in raw:
        o = (here, "s1", "s2")[origin]
        name = FIELDS[f]
        v = h % 2 if name == "_deleted" else f"{name} {h}"
        out.append(("person", PKS[pk], name, v, h << 16, o, OTHER if other_part else PART, seq,
                    []))
    return sorted(out, key=lambda c: c[1])  # a record's cells together, as bundles have them


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # rolled back
@given(raw=st.lists(st.tuples(st.integers(0, 2), st.integers(0, len(FIELDS) - 1),
                              st.integers(1, 4), st.integers(0, 2), st.integers(1, 30),
                              st.booleans() | st.just(False)), min_size=1, max_size=14))
def test_the_short_way_gives_what_the_rule_gives(store, monkeypatch, raw):
    """Fields twice in a record (the later stamp wins, the other is a conflict), a record in
    two partitions (refused), a cell naming this site as its writer (refused), records partly
    new and partly known: each compared with the cell-by-cell merge."""
    cells = cells_of(raw, store.site.site_id)
    with monkeypatch.context() as m:  # a conflict notes when it was found: the same second
        m.setattr(merge, "now_local", lambda: "2026-12-07T00:00:00")
        fast = outcome(store, cells)
        m.setattr(merge, "_new_record", lambda *_a: None)  # every record cell by cell
        slow = outcome(store, cells)
    assert fast == slow


def test_a_new_record_arrives_whole(store):
    cells = [("person", PKS[0], "full_name", "Lò Văn Sáng", 5 << 16, "s1", PART, 1, []),
             ("person", PKS[0], "phone", "0912345678", 5 << 16, "s1", PART, 2, []),
             ("person", PKS[0], "nickname", "Sáng", 5 << 16, "s1", PART, 3, []),
             ("person", PKS[0], "_deleted", 0, 5 << 16, "s1", PART, 4, [])]
    with store.transaction():
        stats = merge.apply_cells(store, cells)
    assert stats.adopted == 4 and stats.new_records == {"person": 1}
    row = store.conn.execute("SELECT full_name, phone, _extras, _part, name_key, _search "
                             "FROM person WHERE id = ?", (PKS[0],)).fetchone()
    assert tuple(row)[:4] == ("Lò Văn Sáng", "0912345678", '{"nickname": "Sáng"}', PART)
    # The name's words (the phone is read through its own index: migration 27).
    assert row["name_key"] and row["_search"] == "lo van sang"


@pytest.mark.parametrize(("change", "message"), [
    ({"o": "here"}, "chưa từng ghi nó"),
    ({"p": OTHER}, "hai phân vùng khác nhau"),
])
def test_an_odd_new_record_is_refused_as_before(store, change, message):
    second = {"o": "s1", "p": PART, **change}
    if second["o"] == "here":
        second["o"] = store.site.site_id
    cells = [("person", PKS[0], "full_name", "Lò Văn Sáng", 5 << 16, "s1", PART, 1, []),
             ("person", PKS[0], "phone", "0912345678", 5 << 16, second["o"], second["p"], 2,
              [])]
    with pytest.raises(merge.MergeError, match=message), store.transaction():
        merge.apply_cells(store, cells)
