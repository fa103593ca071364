"""Change lines decoded with their types (bundle._TypedLine) are checked on a short way
(issue 12: merge.typed_checks_pass gathers each field's distinct values in one pass and checks
them with validation.stored_all). Whatever the cells, the short way must never let through
what the cell-by-cell checks (merge.check_cells and check_values, which name the first bad
cell) refuse; and it must take the bundles this program writes, or it would only cost time."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.domain.errors import UserError
from desktop.storage import merge
from desktop.storage.writer import Store
from desktop.sync import bundle

PART, OTHER = "03160", "99999"
PKS = ["01900000-0000-7000-8000-00000000000a", "38jfd0jygbhq7nsjcj1"]
GOOD = {"full_name": "Lò Văn Sáng", "birth_date": "1985-03-05", "gender": "male",
        "ethnicity": "01", "citizen_id": "011085000123", "phone": "0912345678",
        "residence_unit_id": PKS[0], "notes": "Hai dòng\nghi chú", "classification": "thuong",
        "nickname": "Sáng", "_deleted": 0}
# Values a hostile sender might put in any field (each typed: text, integer or None).
ODD = st.sampled_from([
    None, "", 0, 1, 2, -1, 10**13, 2**60, "1", "0", "x" * 121, "x" * 600, "A\x1bB", "a\nb",
    "a\tb", "robot", "male", "female", "Mật", "mat", "1990-02-30", "1990", "1990-13", "05/03/1985",
    "2026-12-07T08:00", "12345", "011085000123", "٠١١٠٨٥٠٠٠١٢٣", "+84912345678", "09 12",
    "zz", "01", "99", PKS[0], PKS[1], PKS[1].upper(), "ghi chú\u0085",
    # text a local write would have cleaned (spaces, Eth for Đ), and a phone of other digits
    " Lò", "Lò ", "Lò  Văn", "Lò\u00a0Văn", "\u00d0ặng", "ghi chú \nhai", "ghi chú\n",
    "a\r\nb", "٠٩١٢٣٤٥٦٧٨", "０９１２３４５６７８"])
FIELD = st.sampled_from([*GOOD, "name_key", "id", "Bad-Name", "_extras", "x" * 70])
PK = st.sampled_from([*PKS, "not-an-id", "a" * 19, "A" * 19])


def cell(pk: str, f: str, v: object, seq: int, part: str = PART,
         hist: list | None = None) -> merge.Cell:
    return ("person", pk, f, v, 7 << 16, "site-a", part, seq, hist or [])


def good_cells() -> list[merge.Cell]:
    return [cell(pk, f, v, i + 1) for pk in PKS for i, (f, v) in enumerate(GOOD.items())]


def cell_by_cell(conn, cells: list[merge.Cell]) -> str | None:
    """The refusal of the checks that name the cell (None: they pass)."""
    try:
        merge.check_cells(cells, {PART}.__contains__)
        merge.check_values(conn, cells, sender="xã A", name="a.vsb")
    except UserError as e:
        return str(e)
    return None


@pytest.fixture
def conn(store: Store):
    store.conn.execute("INSERT INTO catalogue_item (id, catalogue, code, name, _part) "
                       "SELECT 'c-01', 'ethnicity', '01', 'Kinh', '_ref' WHERE NOT EXISTS "
                       "(SELECT 1 FROM catalogue_item WHERE catalogue = 'ethnicity' "
                       "AND code = '01')")
    return store.conn


def test_the_bundles_this_program_writes_take_the_short_way(conn):
    cells = good_cells()
    assert cell_by_cell(conn, cells) is None
    assert merge.typed_checks_pass(conn, cells, {PART}.__contains__)


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # reads only
@given(changes=st.lists(st.tuples(st.integers(0, 21), PK, FIELD, ODD,
                                  st.booleans(), st.sampled_from([None, [], [["o", "p", 3]],
                                                                  [["o", "p", True]],
                                                                  [["o", 5, 3]], [["o", "p"]],
                                                                  [("o", "p", 3)]])),
                        min_size=1, max_size=4))
def test_the_short_way_never_passes_what_the_checks_refuse(conn, changes):
    cells = good_cells()
    for at, pk, f, v, other_part, hist in changes:
        _t, _pk, _f, _v, h, o, _p, s, _hist = cells[at]
        cells[at] = ("person", pk, f, v, h, o, OTHER if other_part else PART, s,
                     _hist if hist is None else hist)
    refused = cell_by_cell(conn, cells)
    if merge.typed_checks_pass(conn, cells, {PART}.__contains__):
        assert refused is None
    if refused is not None:
        assert not merge.typed_checks_pass(conn, cells, {PART}.__contains__)


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # reads only
@given(changes=st.lists(st.tuples(st.integers(0, 21), ODD), min_size=1, max_size=3))
def test_the_short_way_and_the_checks_agree_on_values_alone(conn, changes):
    """Only values changed (names, ids, partitions and versions as written): each rule of
    the distinct check (validation.stored_all) is held to the one of the check cell by cell
    (validation.check_stored), both ways; the test above mostly meets other refusals."""
    cells = good_cells()
    for at, v in changes:
        cells[at] = cells[at][:3] + (v,) + cells[at][4:]
    refused = cell_by_cell(conn, cells)
    assert merge.typed_checks_pass(conn, cells, {PART}.__contains__) == (refused is None), (
        refused)


def test_a_catalogue_code_unknown_here_is_not_passed(conn):
    cells = [c if c[2] != "ethnicity" else c[:3] + ("98",) + c[4:] for c in good_cells()]
    assert "ethnicity" in cell_by_cell(conn, cells)
    assert not merge.typed_checks_pass(conn, cells, {PART}.__contains__)


def test_a_code_arriving_with_its_catalogue_item_is_passed(conn):
    item = "01900000-0000-7000-8000-0000000000cc"
    cells = [c if c[2] != "ethnicity" else c[:3] + ("98",) + c[4:] for c in good_cells()]
    cells += [("catalogue_item", item, f, v, 7 << 16, "site-a", PART, i + 1, [])
              for i, (f, v) in enumerate({"catalogue": "ethnicity", "code": "98",
                                          "name": "Mới"}.items())]
    assert cell_by_cell(conn, cells) is None
    assert merge.typed_checks_pass(conn, cells, {PART}.__contains__)


def lines(cells: list[merge.Cell]) -> bytes:
    keys = ("t", "pk", "f", "v", "h", "o", "p", "s", "hist")
    return b"\n".join(json.dumps(dict(zip(keys, c, strict=True))).encode()
                      for c in cells) + b"\n"


@pytest.mark.parametrize(("line", "typed"), [
    ({}, True),
    ({"v": True}, False), ({"v": 1.5}, False), ({"v": [1]}, False),
    ({"h": -1}, False), ({"h": 2**63}, False), ({"s": 0}, False), ({"pk": ""}, False),
    ({"pk": "x" * 65}, False), ({"o": ""}, False), ({"p": 3}, False),
    ({"v": "x" * 1_000_001}, False),
    ({"hist": [["o", "p", 1]] * 257}, False), ({"hist": {}}, False),
    ({"hist": [["o", "p", True]]}, True),  # the dots are looked at after (typed_checks_pass)
])
def test_a_line_of_other_types_is_decoded_as_before_and_marked(line, typed):
    """Such a file's cells are the same as decoded without the types (the checks after then
    take the cells one by one and name the bad one)."""
    cells = good_cells()
    first = dict(zip(("t", "pk", "f", "v", "h", "o", "p", "s", "hist"), cells[0], strict=True))
    first.update(line)
    data = json.dumps(first).encode() + b"\n" + lines(cells[1:])
    got, was_typed = bundle._parse_lines(data, "changes/000001.jsonl", "a.vsb")
    assert was_typed is typed
    assert got[0] == tuple(first.values()) and got[1:] == cells[1:]
