"""A Hypothesis state machine over a province and communes where people move between
communes while the other sites edit them (issue 15): moves recorded at the old commune or at
the province, edits and new memberships at the commune and the province racing them, bundles
delivered in any order, lost and repeated, clocks skewed. After a final exchange every site
shows the same state for the partitions it holds, each person lives in the partition of its
residence everywhere, every move is done, and no edit is lost without a conflict record.

CI runs a modest number of examples; ``HYPOTHESIS_PROFILE=long`` runs many more.
"""

from __future__ import annotations

import os

import hypothesis.strategies as st
from hypothesis import HealthCheck, event, settings
from hypothesis.stateful import initialize, invariant, precondition, rule
from networkkit import Network, quiet
from synckit import Node, visible

from desktop.domain.kinds import PERSON
from desktop.storage import merge, moves, references, versions

LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"
YEAR = 365 * 24 * 3600 * 1000
SKEWS = [0, -YEAR, -86_400_000, 3_600_000, 2 * YEAR]
PHONES = ["0912345678", "0987654321", "0211382000"]
DATES = ["01/03/2026", "15/06/2026", "30/11/2026"]


class MovingPeople(Network):
    tmp_prefix = "antq-moves-"

    def __init__(self) -> None:
        super().__init__()
        self.orgs: dict[str, str] = {}  # partition -> an organization there
        self.moves = 0

    @initialize(communes=st.integers(2, 3 if LONG else 2))
    def build(self, communes: int) -> None:
        self.build_network(communes)
        for i in range(1, len(self.nodes)):
            node = self.nodes[i]
            self.write(i, lambda n: self.orgs.__setitem__(n.part, n.store.add(
                "organization", {"name": f"Tổ tự quản {n.name}", "org_type": "to_tu_quan",
                                 "unit_id": n.part}).id))
            for _k in range(2):
                self.n += 1
                self.write(i, lambda n: self.add_member(n, n.part))
            del node
        self.sync_round()

    # -- helpers ------------------------------------------------------------------------------

    def add_member(self, node: Node, part: str) -> None:
        pid = node.store.add("person", {"full_name": f"Người {self.n}",
                                        "residence_unit_id": part}).id
        node.store.add("membership", {"person_id": pid, "organization_id": self.orgs[part],
                                      "role": "to_vien", "joined_date": "01/01/2020"})

    def writable(self, i: int) -> list[str]:
        """People this site may edit or move: all at the province, its own at a commune,
        not those whose move is waiting for the province."""
        node = self.nodes[i]
        out = []
        for r in node.conn.execute("SELECT * FROM person WHERE _deleted = 0 ORDER BY id"):
            if i > 0 and r["_part"] != node.part:
                continue
            record = {f.name: r[f.name] for f in PERSON.fields}
            if references.data_partition(node.conn, PERSON, record)[0] not in (None,
                                                                              r["_part"]):
                continue
            out.append(str(r["id"]))
        return out

    # -- rules ----------------------------------------------------------------------------------

    @rule(data=st.data())
    def add(self, data) -> None:
        i = data.draw(st.integers(0, len(self.nodes) - 1), label="site")
        part = self.nodes[i].part if i else self.nodes[
            data.draw(st.integers(1, len(self.nodes) - 1), label="in")].part
        self.n += 1
        self.write(i, lambda n: self.add_member(n, part))

    @rule(data=st.data())
    def edit(self, data) -> None:
        i = data.draw(st.integers(0, len(self.nodes) - 1), label="site")
        people = self.writable(i)
        if not people:
            return
        pid = data.draw(st.sampled_from(people), label="person")
        field = data.draw(st.sampled_from(["phone", "notes"]), label="field")
        self.n += 1
        value = data.draw(st.sampled_from(PHONES)) if field == "phone" else f"ghi chú {self.n}"
        self.write(i, lambda n: quiet(n.store.edit, "person", pid, {field: value}))

    @rule(data=st.data())
    def move(self, data) -> None:
        """The old commune, or the province, records that someone moved to another commune."""
        i = data.draw(st.integers(0, len(self.nodes) - 1), label="site")
        people = self.writable(i)
        if not people:
            return
        pid = data.draw(st.sampled_from(people), label="person")
        here = self.nodes[i].conn.execute("SELECT _part FROM person WHERE id = ?",
                                          (pid,)).fetchone()[0]
        to = data.draw(st.sampled_from([n.part for n in self.nodes[1:] if n.part != here]),
                       label="to")
        date = data.draw(st.sampled_from(DATES), label="date")
        self.moves += 1
        self.write(i, lambda n: moves.move_person(n.store, pid, to, date))

    @rule(data=st.data())
    def move_racing_an_edit(self, data) -> None:
        """One end records a move, the other edits (or deletes) the same person, before the
        two meet."""
        c = data.draw(st.integers(1, len(self.nodes) - 1), label="commune")
        shared = sorted(set(self.writable(0)) & set(self.writable(c)))
        if not shared:
            return
        pid = data.draw(st.sampled_from(shared), label="person")
        mover = data.draw(st.sampled_from([0, c]), label="mover")
        here = self.nodes[c].part
        to = data.draw(st.sampled_from([n.part for n in self.nodes[1:] if n.part != here]),
                       label="to")
        self.moves += 1
        for i in data.draw(st.permutations([0, c]), label="order"):
            if i == mover:
                self.write(i, lambda n: quiet(moves.move_person, n.store, pid, to,
                                               "15/06/2026"))
            elif data.draw(st.integers(0, 4), label="what") == 0:
                self.write(i, lambda n: quiet(n.store.delete, "person", pid))
            else:
                self.n += 1
                self.write(i, lambda n: quiet(n.store.edit, "person", pid,
                                               {"phone": PHONES[self.n % 3],
                                                "notes": f"đua {self.n}"}))

    @rule(data=st.data(), undelete=st.booleans())
    def delete_or_restore(self, data, undelete: bool) -> None:
        i = data.draw(st.integers(0, len(self.nodes) - 1), label="site")
        node = self.nodes[i]
        ids = [str(r[0]) for r in node.conn.execute(
            "SELECT id FROM person WHERE _deleted = ? ORDER BY id", (1 if undelete else 0,))]
        if not ids:
            return
        pid = data.draw(st.sampled_from(ids), label="person")
        op = "restore" if undelete else "delete"
        self.write(i, lambda n: quiet(getattr(n.store, op), "person", pid))

    @rule(data=st.data())
    def good_deed(self, data) -> None:
        """A good deed of someone, recorded where they live (it stays there if they move)."""
        i = data.draw(st.integers(0, len(self.nodes) - 1), label="site")
        people = self.writable(i)
        if not people:
            return
        pid = data.draw(st.sampled_from(people), label="person")
        self.n += 1
        self.write(i, lambda n: quiet(n.store.add, "deed", {
            "person_id": pid, "description": f"Việc tốt {self.n}", "deed_date": "01/2026"}))

    @precondition(lambda self: self.mail)
    @rule(data=st.data())
    def race(self, data) -> None:
        """Both ends of a bundle in flight write before it arrives."""
        path, j, blob = self.mail[-1]
        for i in (j, 0 if j else data.draw(st.integers(1, len(self.nodes) - 1))):
            people = self.writable(i)
            if people:
                pid = data.draw(st.sampled_from(people), label="person")
                self.n += 1
                self.write(i, lambda n, pid=pid: quiet(n.store.edit, "person", pid,
                                                        {"notes": f"đua {self.n}"}))

    @rule(data=st.data(), skew=st.sampled_from(SKEWS))
    def skew_clock(self, data, skew: int) -> None:
        self.skews[data.draw(st.integers(0, len(self.nodes) - 1), label="site")] = skew

    # -- invariants ---------------------------------------------------------------------------

    @invariant()
    def a_commune_holds_versions_only_of_its_own_partition(self) -> None:
        for node in self.nodes[1:]:
            vv = merge.version_vector(node.conn)
            assert {p for (_o, p) in vv} <= {node.part, "ref"}, (node.name, vv)
            for c in versions.all_cells(node.conn, "person"):
                assert c[5] == node.part, (node.name, c)

    # -- the end ---------------------------------------------------------------------------------

    def quiesce_and_check(self) -> None:
        for _round in range(3):
            self.sync_round()
        prov = self.nodes[0]
        for c in self.nodes[1:]:
            parts = {c.part, "ref"}
            assert visible(c.conn, parts) == visible(prov.conn, parts), c.name
        # Every person lives in the partition of its residence, at the province and at the
        # commune holding it; every move is done.
        for r in prov.conn.execute("SELECT * FROM person"):
            record = {f.name: r[f.name] for f in PERSON.fields}
            part = references.data_partition(prov.conn, PERSON, record)[0]
            assert part == r["_part"], (r["id"], part, r["_part"])
            holder = next(n for n in self.nodes[1:] if n.part == part)
            assert holder.conn.execute("SELECT _part FROM person WHERE id = ?",
                                       (r["id"],)).fetchone()[0] == part
        pending = prov.conn.execute("SELECT count(*) FROM person_move WHERE status = "
                                    "'pending'").fetchone()[0]
        assert pending == 0
        for status, n in prov.conn.execute("SELECT status, count(*) FROM person_move "
                                           "GROUP BY status"):
            event(f"moves {status}: {min(n, 3)}{'+' if n > 2 else ''}")
        self.assert_no_edit_lost()


MovingPeople.TestCase.settings = settings(
    max_examples=200 if LONG else 15, stateful_step_count=40 if LONG else 20, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
test_moving_people = MovingPeople.TestCase
