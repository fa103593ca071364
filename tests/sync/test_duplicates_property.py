"""Merges racing edits (issue 15): the province and a commune merge, unmerge, edit the records
and write attendance naming them, in any order, bundles crossing; once the bundles have gone
round, every site holds the same records and versions for its partitions, and nothing live
names a merged person."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from synckit import COMMUNES, PROVINCE, enrol_pair, make_node, visible

from desktop.domain.errors import UserError
from desktop.domain.kinds import KINDS
from desktop.storage import duplicates
from desktop.storage.same_person import references

ACTIONS = st.lists(st.one_of(
    st.tuples(st.just("edit"), st.integers(1, 2), st.integers(0, 2), st.integers(0, 99)),
    st.tuples(st.just("attend"), st.integers(1, 2), st.integers(0, 2)),
    st.tuples(st.just("merge"), st.sampled_from([0, 1]), st.booleans()),
    st.tuples(st.just("unmerge"), st.sampled_from([0, 1])),
    st.tuples(st.just("send"), st.integers(1, 2), st.booleans()),
), min_size=3, max_size=10)


def _world(master: Path, folder: Path):
    prov = make_node(master, folder / "prov", "prov", province=PROVINCE)
    a = make_node(master, folder / "a", "a", commune=COMMUNES[0])
    b = make_node(master, folder / "b", "b", commune=COMMUNES[1])
    for c in (a, b):
        enrol_pair(prov, c, folder / "enrol")
    people: dict[str, list[str]] = {}
    meetings = {}
    for node, n in ((a, 2), (b, 1)):
        village = node.store.add("unit", {"name": f"Bản {node.name}", "level": "village",
                                          "parent_id": node.part}).id
        org = node.store.add("organization", {"name": f"Tổ tự quản {node.name}",
                                              "org_type": "to_tu_quan", "unit_id": village}).id
        meetings[node.name] = node.store.add("meeting", {
            "organization_id": org, "title": "Họp tổ", "started_at": "08:00 01/06/2026"}).id
        people[node.name] = [node.store.add("person", {
            "full_name": ("Lò Văn Đức", "LO VAN DUC")[i], "birth_date": "05/03/1985",
            "citizen_id": "011085000123" if i == 0 else None,
            "residence_unit_id": village}).id for i in range(n)]
    return prov, a, b, people, meetings


def _send(src, dst, folder: Path, n: list[int]) -> None:
    n[0] += 1
    for path in src.export(folder / f"{n[0]}", to=dst):
        [result] = dst.import_(path)
        assert result.status in ("imported", "already"), result.message


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(actions=ACTIONS)
def test_merges_racing_edits_converge_and_aliases_hold(master_db, actions):
    folder = Path(tempfile.mkdtemp(prefix="dups-prop-"))
    nodes = []
    try:
        prov, a, b, people, meetings = _world(master_db, folder)
        nodes = [prov, a, b]
        # Both communes up first, so that the province knows everyone.
        n = [0]
        for c in (a, b):
            _send(c, prov, folder, n)
        for action in actions:
            kind = action[0]
            try:
                if kind == "edit":
                    node = nodes[action[1]]
                    pid = people[node.name][action[2] % len(people[node.name])]
                    node.store.edit("person", pid, {"phone": f"09123456{action[3]:02d}"})
                elif kind == "attend":
                    node = nodes[action[1]]
                    pid = people[node.name][action[2] % len(people[node.name])]
                    node.store.add("attendance", {"meeting_id": meetings[node.name],
                                                  "person_id": pid, "present": "có"})
                elif kind == "merge":
                    node = nodes[action[1]]
                    open_ = duplicates.candidates(node.conn)
                    if open_:
                        c = open_[0]
                        duplicates.merge(node.store, c.id, c.a if action[2] else c.b)
                        event(f"merged at {node.name}")
                elif kind == "unmerge":
                    node = nodes[action[1]]
                    done = [c for c in duplicates.candidates(node.conn, duplicates.MERGED)]
                    for c in done:
                        try:
                            duplicates.unmerge(node.store, c.id)
                            event(f"unmerged at {node.name}")
                            break
                        except UserError:
                            continue
                else:
                    commune = nodes[action[1]]
                    src, dst = (commune, prov) if action[2] else (prov, commune)
                    _send(src, dst, folder, n)
            except UserError:
                pass  # a record deleted or merged meanwhile: refused, nothing written
        for _round in range(3):
            for c in (a, b):
                _send(c, prov, folder, n)
            for c in (a, b):
                _send(prov, c, folder, n)
        merged = prov.conn.execute("SELECT count(*) FROM person WHERE merged_into IS NOT NULL"
                                   ).fetchone()[0]
        event(f"aliases at the end: {min(merged, 2)}")
        for c in (a, b):
            parts = {c.part, "ref"}
            assert visible(c.conn, parts) == visible(prov.conn, parts), c.name
        for node in nodes:
            for kind_name, field_name in references():
                table = KINDS[kind_name].table
                stale = node.conn.execute(
                    f"SELECT t.id FROM {table} t JOIN person p ON p.id = t.{field_name} "
                    "WHERE t._deleted = 0 AND p._deleted = 1 AND p.merged_into IS NOT NULL"
                ).fetchall()
                assert not stale, (node.name, kind_name, field_name)
            # No live record is an alias, and no chain ends at a deleted alias.
            assert node.conn.execute("SELECT count(*) FROM person WHERE _deleted = 0 AND "
                                     "merged_into IS NOT NULL").fetchone()[0] == 0, node.name
    finally:
        for node in nodes:
            node.conn.close()
        shutil.rmtree(folder, ignore_errors=True)
