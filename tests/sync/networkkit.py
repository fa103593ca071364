"""What the sync state machines share (test_convergence, test_moves_convergence): a clock and
ids that replay, one master database per run, a province and its communes with the bundles in
flight between them (exported, delivered in any order, lost, delivered again, a full round),
and the check that no edit was lost without a conflict record."""

from __future__ import annotations

import atexit
import contextlib
import shutil
import tempfile
import uuid
from pathlib import Path

import hypothesis.strategies as st
from dbkit import logical_dump
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule
from synckit import COMMUNES, PROVINCE, Node, enrol_pair, make_node

from desktop.domain import hlc, ids
from desktop.domain.errors import UserError
from desktop.storage import db, merge, versions
from desktop.sync import keys


class SkewedTime:
    """Stands in for the ``time`` module of desktop.domain.hlc: the wall clock of the site
    that is acting now. It advances one millisecond per reading, not with real time, so that
    a run is reproducible (Hypothesis replays and shrinks it)."""

    def __init__(self) -> None:
        self.skew_ms = 0
        self.now_ms = 1_780_000_000_000

    def time_ns(self) -> int:
        self.now_ms += 1
        return (self.now_ms + self.skew_ms) * 1_000_000


class Ids:
    """Deterministic UUIDv7 values: site ids break HLC ties, so they must not be random."""

    def __init__(self) -> None:
        self.n = 0

    def uuid7(self) -> uuid.UUID:
        self.n += 1
        return uuid.UUID(int=((1_780_000_000_000 + self.n) << 80) | (0x7 << 76)
                         | (0b10 << 62) | self.n)


_MASTER: Path | None = None


def master() -> Path:
    """One migrated database per test run, copied for every site of every example."""
    global _MASTER
    if _MASTER is None:
        folder = Path(tempfile.mkdtemp(prefix="antq-sm-master-"))
        atexit.register(shutil.rmtree, folder, True)  # one per test run, gone at its end
        path = folder / "master.db"
        conn = db.open_database(path)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.close()
        _MASTER = path
    return _MASTER


def quiet(fn, *args) -> None:  # type: ignore[no-untyped-def]
    with contextlib.suppress(UserError):  # e.g. a record deleted meanwhile
        fn(*args)


class Network(RuleBasedStateMachine):
    """The province (``nodes[0]``) and its communes, each its own database file; ``mail``
    holds the bundles in flight as (file, recipient, bytes). A subclass adds its own rules,
    invariants and ``quiesce_and_check`` (run at the end of each example)."""

    tmp_prefix = "antq-sm-"

    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix=self.tmp_prefix))
        self.clock = SkewedTime()
        self._real_time, self._real_uuid7, self._real_kdf = hlc.time, ids.uuid7, keys.KDF_PARAMS
        hlc.time = self.clock  # type: ignore[assignment]
        ids.uuid7 = Ids().uuid7  # type: ignore[assignment]
        keys.KDF_PARAMS = {"t": 1, "m": 8, "p": 1}
        self.nodes: list[Node] = []
        self.outside: list[Node] = []  # sites the honest network's checks do not count on
        self.skews: list[int] = []
        self.mail: list[tuple[Path, int, bytes]] = []
        self.delivered: list[tuple[Path, int, bytes]] = []
        self.writes: dict[tuple[str, str, int], list] = {}  # dot -> hist, every local write
        self.n = 0

    def build_network(self, communes: int) -> None:
        """The province and ``communes`` communes enrolled with it, clocks not skewed."""
        prov = make_node(master(), self.tmp / "prov", "prov", province=PROVINCE)
        self.nodes.append(prov)
        for i in range(communes):
            c = make_node(master(), self.tmp / f"c{i}", f"c{i}", commune=COMMUNES[i])
            enrol_pair(prov, c, self.tmp / "enrol")
            self.nodes.append(c)
        self.skews = [0] * len(self.nodes)

    def quiesce_and_check(self) -> None:
        raise NotImplementedError

    def teardown(self) -> None:
        try:
            if self.nodes:
                self.quiesce_and_check()
        finally:
            for n in [*self.nodes, *self.outside]:
                n.conn.close()
            hlc.time, ids.uuid7, keys.KDF_PARAMS = (  # type: ignore[assignment]
                self._real_time, self._real_uuid7, self._real_kdf)
            shutil.rmtree(self.tmp, ignore_errors=True)

    # -- helpers ----------------------------------------------------------------------------------

    def at(self, i: int) -> Node:
        self.clock.skew_ms = self.skews[i]
        return self.nodes[i]

    def peers_of(self, i: int) -> list[int]:
        return list(range(1, len(self.nodes))) if i == 0 else [0]

    def record_writes(self, node: Node, before: dict) -> None:
        """Each cell version ``node`` wrote since its version vector was ``before``."""
        after = merge.version_vector(node.conn)
        for (o, p), s in after.items():
            if o != node.site_id or s <= before.get((o, p), 0):
                continue
            for c in versions.all_cells(node.conn):
                if (c[4], c[5]) == (o, p) and c[6] > before.get((o, p), 0):
                    self.writes[(o, p, c[6])] = c[7]
        # Dots written and already superseded in the same transaction cannot exist: every
        # write of a field is its own cell version.

    def write(self, i: int, action) -> None:  # type: ignore[no-untyped-def]
        node = self.at(i)
        before = merge.version_vector(node.conn)
        action(node)
        self.record_writes(node, before)

    # -- the mail ---------------------------------------------------------------------------------

    @rule(data=st.data())
    def export(self, data) -> None:  # type: ignore[no-untyped-def]
        i = data.draw(st.integers(0, len(self.nodes) - 1), label="site")
        j = data.draw(st.sampled_from(self.peers_of(i)), label="to")
        node = self.at(i)
        before = logical_dump(node.conn)
        [path] = node.export(self.tmp / "usb", to=self.nodes[j])
        assert logical_dump(node.conn) == before, "exporting changed the database"
        self.mail.append((path, j, path.read_bytes()))

    @precondition(lambda self: self.mail)
    @rule(data=st.data())
    def deliver(self, data) -> None:  # type: ignore[no-untyped-def]
        k = data.draw(st.integers(0, len(self.mail) - 1), label="bundle")
        path, j, blob = self.mail.pop(k)
        [r] = self.at(j).import_(path)
        assert r.status == "imported", r.message
        self.delivered.append((path, j, blob))

    @precondition(lambda self: self.mail)
    @rule(data=st.data())
    def lose(self, data) -> None:  # type: ignore[no-untyped-def]
        self.mail.pop(data.draw(st.integers(0, len(self.mail) - 1), label="lost"))

    @precondition(lambda self: self.delivered)
    @rule(data=st.data())
    def deliver_again(self, data) -> None:  # type: ignore[no-untyped-def]
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
        """Everyone meets the province once (so that records are shared and edits race)."""
        self.exchange_round(self.tmp / "round")

    def exchange_round(self, folder: Path) -> None:
        for i in range(1, len(self.nodes)):
            [f] = self.at(i).export(folder, to=self.nodes[0])
            [r] = self.at(0).import_(f)
            assert r.status == "imported", r.message
        for i in range(1, len(self.nodes)):
            [f] = self.at(0).export(folder, to=self.nodes[i])
            [r] = self.at(i).import_(f)
            assert r.status == "imported", r.message

    # -- the end ----------------------------------------------------------------------------------

    def assert_no_edit_lost(self) -> None:
        """Every write is a version somewhere, in a version's history (what it superseded, and
        so on), or one side of a conflict record; one conflict id is one conflict everywhere."""
        accounted: set[tuple] = set()
        by_id: dict[str, tuple] = {}
        for node in self.nodes:
            for c in versions.all_cells(node.conn):
                accounted.add((c[4], c[5], c[6]))
                accounted.update(tuple(d) for d in c[7])
            for r in node.conn.execute("SELECT id, tbl, pk, field, loser_origin, loser_part, "
                                       "loser_seq, winner_origin, winner_part, winner_seq "
                                       "FROM sync_conflict"):
                accounted.add((r[4], r[5], r[6]))
                accounted.add((r[7], r[8], r[9]))
                assert by_id.setdefault(r[0], tuple(r)) == tuple(r), "one id, two conflicts"
        grew = True
        while grew:
            extra = {tuple(d) for dot in accounted for d in self.writes.get(dot, [])}
            grew = not extra <= accounted
            accounted |= extra
        lost = [d for d in self.writes if d not in accounted]
        assert not lost, f"edits lost without a conflict record: {lost}"
