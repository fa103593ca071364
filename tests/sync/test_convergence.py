"""A Hypothesis state machine over a province and communes, each its own database file:
random adds, edits, deletes and undeletes, exports, deliveries in any order, lost and repeated
bundles, clocks skewed by years and stepping backwards, and a Byzantine commune: enrolled, with
real keys, sending validly signed bundles full of absurd stamps, invalid values, records in
other communes' partitions, claims on the province's own changes, forged origins and replays
with other content. Each of those is refused and leaves the province's database unchanged.
After a final exchange every honest site shows the same state for the partitions it holds;
nothing is lost without a conflict record; conflicts are logged once and cleared by a
resolution.

CI runs a modest number of examples; ``HYPOTHESIS_PROFILE=long`` runs many more.
"""

from __future__ import annotations

import os
from pathlib import Path

import hypothesis.strategies as st
from dbkit import logical_dump
from hypothesis import HealthCheck, event, settings
from hypothesis.stateful import (
    initialize,
    invariant,
    precondition,
    rule,
)
from networkkit import Network, master, quiet
from synckit import Node, enrol_pair, make_node, rewrite, visible

from desktop.domain import hlc
from desktop.storage import merge, versions
from desktop.sync import clocks, conflicts
from desktop.sync.bundle import vector_out

LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"
BYZANTINE = "03334"  # a Điện Biên commune none of the honest sites is
YEAR = 365 * 24 * 3600 * 1000
SKEWS = [0, -10 * YEAR, -YEAR, -86_400_000, -5_000, 3_600_000, 2 * YEAR, 10 * YEAR]
PHONES = ["0912345678", "0987654321", "0211382000"]

# -- the Byzantine commune's bundles: (machine, byz, its genuine bundle, province, an honest
# commune) -> hostile bytes, validly signed by the Byzantine commune ------------------------

def _stamp(value_of):
    def attack(sm, byz, path, prov, honest):
        stamp = value_of()

        def line(o):
            o["h"] = stamp

        def manifest(m):
            m["sender_counter"] = stamp
        return rewrite(byz, path, prov, line=line, manifest=manifest)
    return attack


def _value(field_name: str, value):
    def attack(sm, byz, path, prov, honest):
        def line(o):
            if o["t"] == "person" and o["f"] == "full_name":
                o["f"], o["v"] = field_name, value
        return rewrite(byz, path, prov, line=line)
    return attack


def _after_counter(sm, byz, path, prov, honest):
    def line(o):
        o["h"] += 1 << 24
    return rewrite(byz, path, prov, line=line)


def _claim_province_changes(sm, byz, path, prov, honest):
    own = merge.version_vector(prov.conn).get((prov.site_id, byz.part), 0)

    def manifest(m):
        m["sender_vector"] = {**m["sender_vector"],
                              **vector_out({(prov.site_id, byz.part): own + 3})}
    return rewrite(byz, path, prov, manifest=manifest)


def _forged_origin(sm, byz, path, prov, honest):
    own = merge.version_vector(prov.conn).get((prov.site_id, byz.part), 0)

    def line(o):
        o["o"], o["s"] = prov.site_id, own + 1

    def manifest(m):
        m["sender_vector"] = {**m["sender_vector"],
                              **vector_out({(prov.site_id, byz.part): own + 1})}
    return rewrite(byz, path, prov, line=line, manifest=manifest)


def _other_partition(sm, byz, path, prov, honest):
    def line(o):
        if o["p"] == byz.part:
            o["p"] = honest.part

    def manifest(m):
        m["partitions"] = sorted({*m["partitions"], honest.part} - {byz.part})
        m["sender_vector"] = {k.replace(f"|{byz.part}", f"|{honest.part}"): v
                              for k, v in m["sender_vector"].items()}
    return rewrite(byz, path, prov, line=line, manifest=manifest)


def _lives_elsewhere(sm, byz, path, prov, honest):
    """A person of the Byzantine partition whose residence is an honest commune."""
    def line(o):
        if o["t"] == "person" and o["f"] == "full_name":
            o["f"], o["v"] = "residence_unit_id", honest.part
    return rewrite(byz, path, prov, line=line)


def _replay(sm, byz, path, prov, honest):
    def line(o):
        if o["t"] == "person" and o["f"] == "full_name":
            o["v"] = "Tên đã bị sửa"
    return rewrite(byz, path, prov, line=line)


ATTACKS = {
    "stamp near 2^63": _stamp(lambda: 2**63 - 1),
    "stamp 100 years ahead": _stamp(lambda: hlc.pack(hlc.wall_ms_now() + 100 * YEAR, 0)),
    "stamp after the sender's clock": _after_counter,
    "claims the province's changes": _claim_province_changes,
    "forged province origin": _forged_origin,
    "another commune's partition": _other_partition,
    "residence in another commune": _lives_elsewhere,
    "replay with other content": _replay,
    "birth date not a date": _value("birth_date", "not-a-date"),
    "gender robot": _value("gender", "robot"),
    "control characters": _value("full_name", "A\x1b[31mB\x00C"),
    "900 KB phone": _value("phone", "0" * 900_000),
}


class SyncNetwork(Network):
    def __init__(self) -> None:
        super().__init__()
        self.byz: Node | None = None
        self.resolutions: list[tuple[str, str, str, str, tuple]] = []
        self.vv_seen: list[dict] = []
        self.final_resolved: list[str] = []

    @initialize(communes=st.integers(2, 3 if LONG else 2))
    def build(self, communes: int) -> None:
        self.build_network(communes)
        prov = self.nodes[0]
        self.vv_seen = [{} for _ in self.nodes]
        # Outside self.nodes: the honest network's checks do not count on it.
        self.byz = make_node(master(), self.tmp / "byz", "byz", commune=BYZANTINE)
        self.outside.append(self.byz)
        enrol_pair(prov, self.byz, self.tmp / "enrol")
        self.byz_sent: list[Path] = []
        for i in range(1, len(self.nodes)):  # a shared record per commune to race on
            self.n += 1
            self.write(i, lambda n: n.store.add("person", {"full_name": f"Người {self.n}"}))
        self.sync_round()

    # -- helpers --------------------------------------------------------------------------

    def persons(self, node: Node, deleted: int | None = None) -> list[str]:
        versioned = {c[1] for c in versions.all_cells(node.conn, "person")}
        sql = "SELECT id FROM person"
        if deleted is not None:
            sql += f" WHERE _deleted = {int(deleted)}"
        return [r[0] for r in node.conn.execute(sql + " ORDER BY id") if r[0] in versioned]

    def any_person(self) -> bool:
        return any(self.persons(n) for n in self.nodes)

    def any_shared(self) -> bool:
        prov = set(self.persons(self.nodes[0], 0))
        return any(prov & set(self.persons(n, 0)) for n in self.nodes[1:])

    def any_conflict(self) -> bool:
        return any(conflicts.list_conflicts(n.conn) for n in self.nodes)

    # -- rules ----------------------------------------------------------------------------------

    @rule(data=st.data())
    def add(self, data) -> None:
        i = data.draw(st.integers(0, len(self.nodes) - 1), label="site")
        self.n += 1
        values = {"full_name": f"Người {self.n}", "phone": data.draw(st.sampled_from(PHONES))}
        if i == 0:  # the province registers someone in a commune's partition
            values["residence_unit_id"] = self.nodes[
                data.draw(st.integers(1, len(self.nodes) - 1), label="in")].part
        self.write(i, lambda n: n.store.add("person", values))

    @precondition(lambda self: self.any_person())
    @rule(data=st.data())
    def edit(self, data) -> None:
        i = data.draw(st.integers(0, len(self.nodes) - 1), label="site")
        live = self.persons(self.nodes[i], deleted=0)
        if not live:
            return
        pid = data.draw(st.sampled_from(live), label="record")
        self.edit_at(i, pid, data.draw(st.sampled_from(["phone", "notes"])), data)

    def edit_at(self, i: int, pid: str, field: str, data) -> None:
        self.n += 1
        value = data.draw(st.sampled_from(PHONES)) if field == "phone" else f"ghi chú {self.n}"
        self.write(i, lambda n: quiet(n.store.edit, "person", pid, {field: value}))

    @precondition(lambda self: self.any_shared())
    @rule(data=st.data())
    def race(self, data) -> None:
        """A commune and the province edit (or delete) the same record before they meet."""
        c = data.draw(st.integers(1, len(self.nodes) - 1), label="commune")
        shared = sorted(set(self.persons(self.nodes[c], 0)) & set(self.persons(self.nodes[0], 0)))
        if not shared:
            return
        pid = data.draw(st.sampled_from(shared), label="record")
        for i in data.draw(st.permutations([0, c]), label="order"):
            if data.draw(st.integers(0, 4), label="what") == 0:
                self.write(i, lambda n: quiet(n.store.delete, "person", pid))
            else:
                self.edit_at(i, pid, data.draw(st.sampled_from(["phone", "notes"])), data)

    @precondition(lambda self: self.any_person())
    @rule(data=st.data(), undelete=st.booleans())
    def delete_or_undelete(self, data, undelete: bool) -> None:
        i = data.draw(st.integers(0, len(self.nodes) - 1), label="site")
        ids = self.persons(self.nodes[i], deleted=1 if undelete else 0)
        if not ids:
            return
        pid = data.draw(st.sampled_from(ids), label="record")
        op = "restore" if undelete else "delete"
        self.write(i, lambda n: getattr(n.store, op)("person", pid))

    @rule(value=st.sampled_from(["Kinh", "Thái", "Mông"]))
    def edit_reference_data(self, value: str) -> None:
        cid = self.nodes[0].conn.execute(
            "SELECT id FROM catalogue_item WHERE catalogue = 'ethnicity' ORDER BY sort_order "
            "LIMIT 1").fetchone()[0]
        self.write(0, lambda n: quiet(n.store.edit, "catalogue", cid,
                                       {"aliases": f"{value} {self.n}"}))

    @rule(data=st.data(), skew=st.sampled_from(SKEWS))
    def skew_clock(self, data, skew: int) -> None:
        """Set a site's wall clock anywhere, including backwards from where it was."""
        i = data.draw(st.integers(0, len(self.nodes) - 1), label="site")
        self.skews[i] = skew

    @precondition(lambda self: self.any_conflict())
    @rule(data=st.data())
    def resolve(self, data) -> None:
        i = data.draw(st.integers(0, len(self.nodes) - 1), label="site")
        node = self.at(i)
        items = conflicts.list_conflicts(node.conn)
        if not items:
            return
        c = data.draw(st.sampled_from(items), label="conflict")
        keep = data.draw(st.sampled_from(["mine", "theirs"]))
        before = merge.version_vector(node.conn)
        conflicts.resolve_conflict(node.store, c.id, keep)
        self.record_writes(node, before)
        field = "_deleted" if c.kind == "delete" else c.field
        cell = versions.cell(node.conn, c.tbl, c.pk, field)
        self.resolutions.append((c.id, c.tbl, c.pk, field, (cell[1], cell[2], cell[3])))

    @precondition(lambda self: self.byz is not None)
    @rule(data=st.data(), attack=st.sampled_from(sorted(ATTACKS)))
    def byzantine(self, data, attack: str) -> None:
        """The Byzantine commune sends the province a validly signed, hostile bundle."""
        byz, prov = self.byz, self.nodes[0]
        self.clock.skew_ms = 0
        self.n += 1
        byz.store.add("person", {"full_name": f"Người lạ {self.n}"})
        folder = self.tmp / "byz-out"
        [path] = byz.export(folder, to=prov)
        honest = self.nodes[1 + data.draw(st.integers(0, len(self.nodes) - 2), label="victim")]
        if attack == "replay with other content":
            self.at(0)
            assert prov.import_(path)[0].status == "imported"  # the genuine one goes in
        blob = ATTACKS[attack](self, byz, path, prov, honest)
        bad = folder / f"hostile-{self.n}.vsb"
        bad.write_bytes(blob)
        self.at(0)
        before = logical_dump(prov.conn)
        [r] = prov.import_(bad)
        event(f"byzantine: {attack}")
        assert r.status == "refused", (attack, r.message)
        assert logical_dump(prov.conn) == before, attack

    # -- invariants ---------------------------------------------------------------------------

    @invariant()
    def no_clock_is_poisoned(self) -> None:
        for node in self.nodes:
            stamp = node.conn.execute("SELECT value FROM site_meta WHERE key='hlc'").fetchone()
            assert stamp is None or hlc.unpack(int(stamp[0]))[0] < clocks.CEILING_MS, node.name

    @invariant()
    def vectors_only_grow_and_dots_are_unique(self) -> None:
        for i, node in enumerate(self.nodes):
            vv = merge.version_vector(node.conn)
            for k, s in self.vv_seen[i].items():
                assert vv.get(k, 0) >= s, (node.name, k)
            self.vv_seen[i] = vv
            if i > 0:  # a commune never holds or claims another commune's partition
                assert {p for (_o, p) in vv} <= {node.part, "ref"}, vv

    # -- the end ---------------------------------------------------------------------------------

    def quiesce_and_check(self) -> None:
        for _round in range(2):
            self.exchange_round(self.tmp / "final")
        prov = self.nodes[0]
        # Resolve what is open at the province (alternately keeping either side), exchange
        # again: every site must then show those conflicts closed.
        for k, c in enumerate(conflicts.list_conflicts(prov.conn)):
            before = merge.version_vector(self.at(0).conn)
            if conflicts.get_conflict(prov.conn, c.id).status == "open":
                conflicts.resolve_conflict(prov.store, c.id, ("mine", "theirs")[k % 2])
                self.record_writes(prov, before)
                self.final_resolved.append(c.id)
        self.sync_round()
        for node in self.nodes:
            for cid in self.final_resolved:
                row = node.conn.execute("SELECT status FROM sync_conflict WHERE id = ?",
                                        (cid,)).fetchone()
                assert row is None or row[0] != "open", (node.name, cid)
        n_conflicts = prov.conn.execute("SELECT count(*) FROM sync_conflict").fetchone()[0]
        event(f"conflicts at the province: {min(n_conflicts, 3)}{'+' if n_conflicts > 2 else ''}")
        event(f"resolutions during the run: {min(len(self.resolutions), 2)}")
        event(f"resolved at the end: {min(len(self.final_resolved), 2)}")
        for c in self.nodes[1:]:
            parts = {c.part, "ref"}
            assert visible(c.conn, parts) == visible(prov.conn, parts), c.name
        self.assert_no_edit_lost()
        # A resolution that still stands closes its conflict at every site.
        for cid, tbl, pk, field, dot in self.resolutions:
            row = versions.cell(prov.conn, tbl, pk, field)
            current = {(row[1], row[2], row[3]), *(tuple(d) for d in row[4])}
            if dot not in current:
                continue  # overtaken by a concurrent edit, itself logged as a conflict
            for node in self.nodes:
                status = node.conn.execute("SELECT status FROM sync_conflict WHERE id = ?",
                                           (cid,)).fetchone()
                assert status is None or status[0] != "open", (node.name, cid)


SyncNetwork.TestCase.settings = settings(
    max_examples=300 if LONG else 25, stateful_step_count=50 if LONG else 25, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
test_sync_network = SyncNetwork.TestCase
