"""An import that inserts its new records in bulk (bulk.insert_many, issue 12: the search
index, the duplicates queue and the import's note of its people written by one statement each
instead of a trigger per row) leaves the database exactly as the triggers firing per row did;
its twins are found and its undo puts everything back."""

from __future__ import annotations

import re

import pytest
from test_undo_import import imported, search_index_ok, send, state

from desktop.storage import bulk, duplicates, search, undo


@pytest.fixture
def pair(network):
    prov, (a, _b) = network(2)
    return prov, a


_LOCAL_TIME = re.compile(r"'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d'")


def _timeless(lines: list[str]) -> list[str]:
    """The state with local times masked (the two imports run a second apart or not)."""
    return [_LOCAL_TIME.sub("'…'", line) for line in lines]


def _candidates(conn) -> list[tuple[str, str, int]]:
    return sorted(tuple(r) for r in conn.execute("SELECT a, b, score FROM duplicate_candidate"))


def test_bulk_and_per_row_imports_give_the_same_database(pair, tmp_path, monkeypatch):
    prov, a = pair
    village = a.store.add("unit", {"name": "Bản Huổi Lếch", "level": "village",
                                   "parent_id": a.part}).id
    people = [{"full_name": f"Lò Văn Sáng {i}", "birth_date": f"19{60 + i % 30}-03-04",
               "citizen_id": f"011{60 + i % 30:03d}{i:06d}", "residence_unit_id": village}
              for i in range(40)]
    people.append({"full_name": "Lò Văn Sáng 1", "birth_date": "1961-03-04",
                   "residence_unit_id": village})  # a twin of the second one
    a.store.add_many("person", people)
    prov.store.add("person", {"full_name": "Lò Văn Sáng 2", "birth_date": "1962-03-04",
                              "citizen_id": "011062000002"})  # already here: a twin too
    duplicates.scan(prov.conn)
    before = state(prov.conn)
    [bundle] = send(a, prov, tmp_path / "1")
    got = {}
    for way, least in (("per row", 10**9), ("bulk", 1)):
        monkeypatch.setattr(bulk, "MIN_ROWS", least)
        imported(prov, bundle)
        search_index_ok(prov.conn)
        got[way] = (_timeless(state(prov.conn)), _candidates(prov.conn),
                    [h.id for h in search.search(prov.conn, "lo van sang 17")])
        undo.undo(prov.conn)
        assert state(prov.conn) == before
        search_index_ok(prov.conn)
    assert got["bulk"] == got["per row"]
    candidates = got["bulk"][1]
    assert len(candidates) == 2 and got["bulk"][2]
