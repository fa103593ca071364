"""Record lines (bundle.records/…, issue 12): one line per record stands for exactly the change
lines of its field versions. Whatever the cells — one writer or several, histories, odd
sequences, fields this program does not know, a record's cells apart — writing them as record
lines and reading them back gives the same cells in the same order, and the typed reading
takes what this program writes. A hostile line is refused or expanded into cells that the
cell-by-cell checks then refuse, never misread."""

from __future__ import annotations

import json

import pytest
import test_typed_checks as typed_checks
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_typed_checks import conn  # noqa: F401 - the fixture, with its catalogue item

from desktop.storage import merge
from desktop.sync import bundle

PKS = ["01900000-0000-7000-8000-00000000000a", "38jfd0jygbhq7nsjcj1", "38jfd0jygbhq7nsjcj2"]
MEMBER = "records/000001.jsonl"


def read(data: bytes) -> tuple[list, list[merge.Cell], bool]:
    return bundle._parse_records(data, MEMBER, "a.vsb")


def written(cells: list[merge.Cell]) -> bytes:
    return b"\n".join(line for line, _n in bundle.record_lines(cells)) + b"\n"


def person(pk: str, start: int, hlc: int = 7 << 16, origin: str = "site-a",
           part: str = "03160") -> list[merge.Cell]:
    fields = {"_deleted": 0, "full_name": "Lò Văn Sáng", "birth_date": "1985",
              "gender": "male", "phone": None}
    return [("person", pk, f, v, hlc, origin, part, start + i, [])
            for i, (f, v) in enumerate(sorted(fields.items()))]


def test_a_batch_of_new_people_is_one_short_line_each_and_reads_back_typed():
    cells = person(PKS[0], 1) + person(PKS[1], 6)
    lines = bundle.record_lines(cells)
    assert [n for _line, n in lines] == [5, 5]
    first = json.loads(lines[0][0])
    assert "x" not in first and first["s"] == 1 and sorted(first["q"]) == [0, 1, 2, 3, 4]
    records, got, typed = read(written(cells))
    assert typed and len(records) == 2 and got == cells


def test_versions_that_differ_in_a_record_go_whole_and_come_back_the_same():
    cells = person(PKS[0], 10)
    cells[1] = (*cells[1][:4], 9 << 16, "site-b", "03160", 3, [["site-a", "03160", 11]])
    cells[3] = (*cells[3][:7], 2**63 - 1, [])  # a sequence the base and offsets cannot give
    records, got, typed = read(written(cells))
    assert typed and got == cells
    assert [w[0] for w in records[0].x] == [1, 3]


CELL = st.tuples(
    st.sampled_from(["person", "unit", "organization"]), st.sampled_from(PKS),
    st.sampled_from(["full_name", "phone", "_deleted", "unknown_later", "notes"]),
    st.one_of(st.none(), st.integers(-5, 2**40), st.text(max_size=8)),
    st.integers(0, 2**63 - 1), st.sampled_from(["site-a", "site-b"]),
    st.sampled_from(["03160", "_ref"]), st.integers(1, 2**63 - 1),
    st.lists(st.tuples(st.sampled_from(["site-a", "x"]), st.sampled_from(["03160"]),
                       st.integers(1, 99)).map(list), max_size=2))


@settings(max_examples=300, deadline=None)
@given(st.lists(CELL, min_size=1, max_size=25))
def test_any_cells_written_as_record_lines_read_back_the_same(cells):
    records, got, typed = read(written(cells))
    assert typed
    assert got == cells
    assert sum(map(len, (r.f for r in records))) == len(cells)


@pytest.mark.parametrize("line", [
    b'{"t":"person","pk":"a","h":1,"o":"o","p":"p","s":1,"f":["x","y"],"v":[1],"q":[0,1]}',
    b'{"t":"person","pk":"a","h":1,"o":"o","p":"p","s":1,"f":["x"],"v":[1],"q":[0],'
    b'"x":[[1,1,"o","p",1,[]]]}',
    b'{"t":"person","pk":"a","h":1,"o":"o","p":"p","s":1,"f":["x","y"],"v":[1,2],"q":[0,1],'
    b'"x":[[0,1,"o","p",1,[]],[0,2,"o","p",2,[]]]}',
    b'{"t":"person","pk":"a","h":1,"o":"o","p":"p","s":"1","f":["x"],"v":[1],"q":[0]}',
    b'{"t":"person","pk":"a","h":1,"o":"o","p":"p","s":1,"f":"x","v":[1],"q":[0]}',
    b'{"t":"person","pk":"a","h":1,"o":"o","p":"p","s":1,"f":[],"v":[],"q":[]}',
    b'[1, 2]',
    b'{"t":"person","pk":"a","h":1,"o":"o","p":"p","s":1,"f":["x"],"v":[1],"q":[true]}',
])
def test_a_line_of_the_wrong_shape_is_refused(line):
    with pytest.raises(bundle.BundleError, match="records/000001.jsonl"):
        read(line + b"\n")


def test_a_line_missing_a_field_is_refused_as_such():
    with pytest.raises(bundle.BundleError, match="thiếu trường"):
        read(b'{"t":"person","pk":"a","h":1,"o":"o","p":"p","f":["x"],"v":[1],"q":[0]}\n')


@pytest.mark.parametrize("change, words", [
    ({"v": [True]}, "giá trị"),
    ({"h": -1}, "phiên bản"),
    ({"s": 0}, "phiên bản"),
    ({"pk": "x" * 65}, "mã bản ghi"),
    ({"o": ""}, "nơi ghi"),
    ({"v": [1.5]}, "giá trị"),
    ({"x": [[0, 1, "o", "03160", 1, [["o", 5, 3]]]]}, "lịch sử"),
])
def test_a_version_of_the_wrong_type_comes_out_for_the_checks_that_name_it(change, words):
    line = {"t": "person", "pk": PKS[0], "h": 1, "o": "o", "p": "03160", "s": 1,
            "f": ["phone"], "v": ["0912345678"], "q": [0], **change}
    records, cells, typed = read(json.dumps(line).encode() + b"\n")
    assert len(cells) == 1
    # A history's dots are typed after, by merge.typed_checks_pass (as for change lines).
    assert typed == ("x" in change) and len(records) == 1
    with pytest.raises(merge.MergeError, match=words):
        merge.check_cells(cells, {"03160"}.__contains__)


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # reads only
@given(changes=st.lists(st.tuples(st.integers(0, 21), typed_checks.PK, typed_checks.FIELD,
                                  typed_checks.ODD, st.booleans(),
                                  st.sampled_from([None, [], [["o", "p", 3]],
                                                   [["o", "p", True]], [["o", 5, 3]]])),
                        min_size=0, max_size=4))
def test_the_short_checks_from_record_lines_say_what_they_say_from_cells(conn, changes):  # noqa: F811
    """merge.typed_checks_pass given the record lines (their columns) answers as it does
    from the cells they stand for: whatever the values, names, partitions and histories."""
    cells = typed_checks.good_cells()
    for at, pk, f, v, other_part, hist in changes:
        _t, _pk, _f, _v, h, o, _p, s, _hist = cells[at]
        cells[at] = ("person", pk, f, v, h, o,
                     typed_checks.OTHER if other_part else typed_checks.PART, s,
                     _hist if hist is None else hist)
    records, got, typed = read(written(cells))
    assert got == cells
    if typed:
        allowed = {typed_checks.PART}.__contains__
        assert merge.typed_checks_pass(conn, got, allowed, records) == \
            merge.typed_checks_pass(conn, got, allowed)


@pytest.mark.parametrize("at", [0, 5, 21])
def test_a_version_of_another_partition_in_a_record_line_is_seen_by_the_short_checks(conn, at):  # noqa: F811
    cells = typed_checks.good_cells()
    cells[at] = (*cells[at][:6], typed_checks.OTHER, *cells[at][7:])
    records, got, typed = read(written(cells))
    assert typed and any(r.x for r in records)
    allowed = {typed_checks.PART}.__contains__
    assert not merge.typed_checks_pass(conn, got, allowed, records)
    assert merge.typed_checks_pass(conn, typed_checks.good_cells(), allowed,
                                   read(written(typed_checks.good_cells()))[0])
