"""A Hypothesis state machine over a province and communes where people move between
communes while the other sites edit them (issue 15): moves recorded at the old commune or at
the province, edits and new memberships at the commune and the province racing them, bundles
delivered in any order, lost and repeated, clocks skewed. After a final exchange every site
shows the same state for the partitions it holds, each person lives in the partition of its
residence everywhere, every move is done, and no edit is lost without a conflict record.

CI runs a modest number of examples; ``HYPOTHESIS_PROFILE=long`` runs many more.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import uuid
from pathlib import Path

import hypothesis.strategies as st
from dbkit import logical_dump
from hypothesis import HealthCheck, event, settings
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from synckit import COMMUNES, PROVINCE, Node, enrol_pair, make_node, visible

from desktop.domain import hlc, ids
from desktop.domain.errors import UserError
from desktop.domain.kinds import PERSON
from desktop.storage import merge, moves, references, versions
from desktop.sync import keys

LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"
YEAR = 365 * 24 * 3600 * 1000
SKEWS = [0, -YEAR, -86_400_000, 3_600_000, 2 * YEAR]
PHONES = ["0912345678", "0987654321", "0211382000"]
DATES = ["01/03/2026", "15/06/2026", "30/11/2026"]


class _SkewedTime:
    """The wall clock of the site acting now, one millisecond per reading (reproducible)."""

    def __init__(self) -> None:
        self.skew_ms = 0
        self.now_ms = 1_780_000_000_000

    def time_ns(self) -> int:
        self.now_ms += 1
        return (self.now_ms + self.skew_ms) * 1_000_000


class _Ids:
    """Deterministic UUIDv7 values (site ids break HLC ties)."""

    def __init__(self) -> None:
        self.n = 0

    def uuid7(self) -> uuid.UUID:
        self.n += 1
        return uuid.UUID(int=((1_780_000_000_000 + self.n) << 80) | (0x7 << 76)
                         | (0b10 << 62) | self.n)


_MASTER: Path | None = None


def master() -> Path:
    global _MASTER
    if _MASTER is None:
        from test_convergence import master as shared  # one master database per run

        _MASTER = shared()
    return _MASTER


class MovingPeople(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="antq-moves-"))
        self.clock = _SkewedTime()
        self._real_time, self._real_uuid7, self._real_kdf = hlc.time, ids.uuid7, keys.KDF_PARAMS
        hlc.time = self.clock  # type: ignore[assignment]
        ids.uuid7 = _Ids().uuid7  # type: ignore[assignment]
        keys.KDF_PARAMS = {"t": 1, "m": 8, "p": 1}
        self.nodes: list[Node] = []
        self.skews: list[int] = []
        self.mail: list[tuple[Path, int, bytes]] = []
        self.delivered: list[tuple[Path, int, bytes]] = []
        self.writes: dict[tuple[str, str, int], list] = {}  # dot -> hist, every local write
        self.orgs: dict[str, str] = {}  # partition -> an organization there
        self.moves = 0
        self.n = 0

    @initialize(communes=st.integers(2, 3 if LONG else 2))
    def build(self, communes: int) -> None:
        prov = make_node(master(), self.tmp / "prov", "prov", province=PROVINCE)
        self.nodes.append(prov)
        for i in range(communes):
            c = make_node(master(), self.tmp / f"c{i}", f"c{i}", commune=COMMUNES[i])
            enrol_pair(prov, c, self.tmp / "enrol")
            self.nodes.append(c)
        self.skews = [0] * len(self.nodes)
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

    def teardown(self) -> None:
        try:
            if self.nodes:
                self.quiesce_and_check()
        finally:
            for n in self.nodes:
                n.conn.close()
            hlc.time, ids.uuid7, keys.KDF_PARAMS = (  # type: ignore[assignment]
                self._real_time, self._real_uuid7, self._real_kdf)
            shutil.rmtree(self.tmp, ignore_errors=True)

    # -- helpers ------------------------------------------------------------------------------

    def at(self, i: int) -> Node:
        self.clock.skew_ms = self.skews[i]
        return self.nodes[i]

    def peers_of(self, i: int) -> list[int]:
        return list(range(1, len(self.nodes))) if i == 0 else [0]

    def write(self, i: int, action) -> None:
        node = self.at(i)
        before = merge.version_vector(node.conn)
        action(node)
        after = merge.version_vector(node.conn)
        for (o, p), s in after.items():
            if o == node.site_id and s > before.get((o, p), 0):
                for c in versions.all_cells(node.conn):
                    if (c[4], c[5]) == (o, p) and c[6] > before.get((o, p), 0):
                        self.writes[(o, p, c[6])] = c[7]

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
        self.write(i, lambda n: _quiet(n.store.edit, "person", pid, {field: value}))

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
                self.write(i, lambda n: _quiet(moves.move_person, n.store, pid, to,
                                               "15/06/2026"))
            elif data.draw(st.integers(0, 4), label="what") == 0:
                self.write(i, lambda n: _quiet(n.store.delete, "person", pid))
            else:
                self.n += 1
                self.write(i, lambda n: _quiet(n.store.edit, "person", pid,
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
        self.write(i, lambda n: _quiet(getattr(n.store, op), "person", pid))

    @rule(data=st.data())
    def good_deed(self, data) -> None:
        """A good deed of someone, recorded where they live (it stays there if they move)."""
        i = data.draw(st.integers(0, len(self.nodes) - 1), label="site")
        people = self.writable(i)
        if not people:
            return
        pid = data.draw(st.sampled_from(people), label="person")
        self.n += 1
        self.write(i, lambda n: _quiet(n.store.add, "deed", {
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
                self.write(i, lambda n, pid=pid: _quiet(n.store.edit, "person", pid,
                                                        {"notes": f"đua {self.n}"}))

    @rule(data=st.data())
    def export(self, data) -> None:
        i = data.draw(st.integers(0, len(self.nodes) - 1), label="site")
        j = data.draw(st.sampled_from(self.peers_of(i)), label="to")
        node = self.at(i)
        before = logical_dump(node.conn)
        [path] = node.export(self.tmp / "usb", to=self.nodes[j])
        assert logical_dump(node.conn) == before, "exporting changed the database"
        self.mail.append((path, j, path.read_bytes()))

    @precondition(lambda self: self.mail)
    @rule(data=st.data())
    def deliver(self, data) -> None:
        k = data.draw(st.integers(0, len(self.mail) - 1), label="bundle")
        path, j, blob = self.mail.pop(k)
        [r] = self.at(j).import_(path)
        assert r.status == "imported", r.message
        self.delivered.append((path, j, blob))

    @precondition(lambda self: self.mail)
    @rule(data=st.data())
    def lose(self, data) -> None:
        self.mail.pop(data.draw(st.integers(0, len(self.mail) - 1), label="lost"))

    @precondition(lambda self: self.delivered)
    @rule(data=st.data())
    def deliver_again(self, data) -> None:
        path, j, blob = data.draw(st.sampled_from(self.delivered), label="repeat")
        node = self.at(j)
        again = path.with_name("again-" + path.name)
        again.write_bytes(blob)
        before = logical_dump(node.conn)
        [r] = node.import_(again)
        assert r.status == "already", r.message
        assert logical_dump(node.conn) == before, "re-import changed the database"

    @rule()
    def sync_round(self) -> None:
        for i in range(1, len(self.nodes)):
            [f] = self.at(i).export(self.tmp / "round", to=self.nodes[0])
            [r] = self.at(0).import_(f)
            assert r.status == "imported", r.message
        for i in range(1, len(self.nodes)):
            [f] = self.at(0).export(self.tmp / "round", to=self.nodes[i])
            [r] = self.at(i).import_(f)
            assert r.status == "imported", r.message

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
        # No edit lost without a conflict record.
        accounted: set[tuple] = set()
        for node in self.nodes:
            for c in versions.all_cells(node.conn):
                accounted.add((c[4], c[5], c[6]))
                accounted.update(tuple(d) for d in c[7])
            for r in node.conn.execute("SELECT loser_origin, loser_part, loser_seq, "
                                       "winner_origin, winner_part, winner_seq "
                                       "FROM sync_conflict"):
                accounted.add((r[0], r[1], r[2]))
                accounted.add((r[3], r[4], r[5]))
        grew = True
        while grew:
            extra = {tuple(d) for dot in accounted for d in self.writes.get(dot, [])}
            grew = not extra <= accounted
            accounted |= extra
        lost = [d for d in self.writes if d not in accounted]
        assert not lost, f"edits lost without a conflict record: {lost}"


def _quiet(fn, *args) -> None:
    with contextlib.suppress(UserError):
        fn(*args)


MovingPeople.TestCase.settings = settings(
    max_examples=200 if LONG else 15, stateful_step_count=40 if LONG else 20, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
test_moving_people = MovingPeople.TestCase
