"""A table's records all new here, written in one go by one other site (a bundle's batch of
new people), are merged from columns of their cells (issue 12: merge._new_records_at_once).
Whatever the cells, the database must be byte for byte what the record-by-record merge
gives: rows, derived columns, versions (their encoding and the names' ordinals), conflicts,
statistics and refusals; cells of any other shape take the usual way."""

from __future__ import annotations

import pytest
from dbkit import merge_outcome as outcome
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.storage import merge
from desktop.storage.writer import Store

PART, OTHER = "03160", "03163"
FIELDS = ["_deleted", "full_name", "gender", "nickname", "notes", "phone"]  # nickname: newer
VALUES = {"_deleted": 0, "full_name": "Lò Văn Sáng", "gender": "male", "nickname": "Sáng",
          "notes": "Ghi chú", "phone": "0912345678"}


def pk(i: int) -> str:
    return f"01900000-0000-7000-8000-{i:012x}"


def batch(n: int, fields: list[str], *, origin: str = "s1", order: list[int] | None = None,
          stamp: int = 5 << 16, first_seq: int = 1, deleted: int = 0,
          hist: list | None = None, start: int = 0) -> list[merge.Cell]:
    """``n`` records written in one go: each field once, sequences in ``order``."""
    order = order or list(range(len(fields)))
    out = []
    for i in range(start, start + n):
        for j, f in enumerate(fields):
            v = VALUES[f] if f in ("gender", "phone") else f"{VALUES[f]} {i}"
            out.append(("person", pk(i), f, deleted if f == "_deleted" else v, stamp + i,
                        origin, PART, first_seq + i * len(fields) + order[j], hist or []))
    return out


def both_ways(store: Store, monkeypatch, cells: list[merge.Cell]) -> list[object]:
    """Merged at once where the short way takes it, and record by record: the same."""
    with monkeypatch.context() as m:  # a conflict notes when it was found: the same second
        m.setattr(merge, "now_local", lambda: "2026-12-07T00:00:00")
        taken: list[object] = []
        real = merge._new_records_at_once

        def spy(*a: object) -> object:
            got = real(*a)  # type: ignore[arg-type]
            taken.append(got is not None)
            return got
        m.setattr(merge, "_new_records_at_once", spy)
        at_once = outcome(store, cells)
        m.setattr(merge, "_new_records_at_once", lambda *_a: None)  # record by record
        one_by_one = outcome(store, cells)
    assert at_once == one_by_one
    return taken


@pytest.mark.parametrize("order", [[0, 1, 2, 3, 4, 5], [5, 3, 0, 1, 4, 2]])
def test_a_batch_of_new_people_is_merged_at_once_as_one_by_one(store, monkeypatch, order):
    taken = both_ways(store, monkeypatch, batch(30, FIELDS, order=order))
    assert taken == [True]  # the short way was taken, and gave the same database


@pytest.mark.parametrize("every", [2, 3, 5])
def test_records_with_other_fields_are_merged_at_once_as_one_by_one(store, monkeypatch, every):
    """A person without a phone or a nickname is of another batch; the first record has
    neither, so those names are numbered after the first batch's writer, as one by one."""
    short = [f for f in FIELDS if f not in ("phone", "nickname")]
    cells = []
    for i in range(12):
        fields = FIELDS if i % every else short
        cells += batch(1, fields, start=i, first_seq=1 + 10 * i, stamp=(5 << 16) - i)
    assert both_ways(store, monkeypatch, cells) == [True]


def test_a_record_in_two_places_goes_the_usual_way(store, monkeypatch):
    """Its cells in two runs of other fields (each a batch of its own): one record, one row."""
    cells = batch(4, FIELDS)
    apart = [c for c in cells if c[1] == pk(1) and c[2] == "phone"]
    cells = [c for c in cells if c not in apart] + apart
    assert both_ways(store, monkeypatch, cells) == [False]


def test_a_batch_arriving_deleted_goes_the_usual_way(store, monkeypatch):
    """Its delete hides the values written before it: conflicts, as one by one."""
    assert both_ways(store, monkeypatch, batch(3, FIELDS, order=[5, 0, 1, 2, 3, 4],
                                               deleted=1)) == [False]


def test_a_batch_with_histories_goes_the_usual_way(store, monkeypatch):
    assert both_ways(store, monkeypatch, batch(3, FIELDS, hist=[["s2", PART, 1]])) == [False]


def test_a_batch_naming_this_site_as_its_writer_is_refused_as_before(store, monkeypatch):
    cells = batch(2, FIELDS, origin=store.site.site_id)
    assert both_ways(store, monkeypatch, cells) == [False]
    assert outcome(store, cells)[0] == "refused"


def test_a_batch_whose_first_cell_follows_nothing(store, monkeypatch):
    """Stamp 0 and sequence 1: the encoding's short form for the first cell too."""
    assert both_ways(store, monkeypatch, batch(1, FIELDS, stamp=0)) == [True]


def test_a_batch_with_large_field_numbers(store, monkeypatch):
    """Field ordinals past 63 take two bytes a tag."""
    names = [f"x{i}" for i in range(70)]
    store.conn.executemany("INSERT INTO sync_name(name) VALUES (?)", [(n,) for n in names])
    assert both_ways(store, monkeypatch, batch(5, FIELDS)) == [True]


CELL = st.tuples(st.integers(0, 3), st.sampled_from(FIELDS), st.integers(0, 2),
                 st.integers(1, 40), st.booleans(), st.integers(0, 1),
                 st.sampled_from([[], [["s2", PART, 1]]]))


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # rolled back
@given(n=st.integers(1, 4), fields=st.lists(st.sampled_from(FIELDS), min_size=1, max_size=6,
                                            unique=True).map(sorted),
       order=st.permutations(range(6)), first_seq=st.integers(1, 3),
       changes=st.lists(CELL, max_size=3), existing=st.booleans())
def test_any_cells_give_what_the_record_by_record_merge_gives(
        store, monkeypatch, n, fields, order, first_seq, changes, existing):
    """A batch, then a few of its cells changed (another record, field, writer, stamp,
    sequence, partition, a history, a deletion), perhaps a record already here: each
    compared with the record-by-record merge."""
    ranks = sorted(range(len(fields)), key=order.__getitem__)
    cells = batch(n, fields, order=[ranks.index(j) for j in range(len(fields))],
                  first_seq=first_seq)
    for at, f, who, seq, other_part, deleted, hist in changes:
        t, _pk, _f, v, h, _o, p, s, _hist = cells[at % len(cells)]
        o = (store.site.site_id, "s1", "s2")[who]
        cells[at % len(cells)] = (t, pk(at % 5), f, deleted if f == "_deleted" else v,
                                  h + (seq % 2), o, OTHER if other_part else p,
                                  s if seq > 30 else seq, hist)
    cells.sort(key=lambda c: (c[1], c[2]))  # as bundles have them
    if existing:  # added once, kept by the examples after
        row = store.conn.execute("SELECT id FROM person WHERE full_name = 'Đã có'").fetchone()
        here = row[0] if row is not None else store.add("person", {"full_name": "Đã có"}).id
        cells = [(c[0], here, *c[2:]) if c[1] == pk(0) else c for c in cells]
    both_ways(store, monkeypatch, cells)
