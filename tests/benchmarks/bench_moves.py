"""What a move costs the province (issue 15): importing a commune's bundle in which people move
to another commune (the province writes each person again in the new commune's partition and
marks the history line done) against the same people moving to a village of their own commune
(the same residence change and ended memberships, no move).

Run from the repository root:

    .venv/bin/python tests/benchmarks/bench_moves.py            # Điện Biên's size, 500 moves
    .venv/bin/python tests/benchmarks/bench_moves.py --quick    # a tenth of the province

The province is built by builders.py (cached in the run's folder, removed at the end). A
commune (03160) enrolled with it adds ``--people`` people, each a member of one organization,
and sends them (imported once, not timed). Two copies of the commune then write: *moves*, every
one of them moved to 03301 (residence, membership ended «chuyển nơi cư trú», a history line);
*local*, every one moved to a village of 03160 with the membership ended the same way. Each
bundle is imported into a fresh copy of the province (the copy is not timed), alternated
(ABBA…). It prints the medians, the median of the paired ratios and the cost per move. No
timing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import benchkit
import builders

from desktop.storage import moves
from desktop.storage.writer import Store
from desktop.sync import exchange, keys

OTHER = "03301"  # xã Búng Lao


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the province")
    parser.add_argument("--people", type=int, default=500, help="people who move")
    parser.add_argument("--reps", type=int, default=6, help="pairs of imports")
    args = parser.parse_args()
    started = benchkit.header("Moves between communes: the province's import (issue 15)")
    with benchkit.run_folder("moves") as folder:
        prov = builders.province(folder, scale=benchkit.QUICK_PROVINCE if args.quick else 1.0)
        print(builders.describe(prov))
        with benchkit.scratch(folder, "moves") as work:
            base, bundles = _prepare(prov, work, args.people)
            n = args.people

            def run(bundle: Path) -> float:
                conn = benchkit.open_copy(base, work / "rep.db", checkpoint=True)
                try:
                    t = time.perf_counter()
                    [r] = exchange.import_files(conn, keys.unlock(conn), [bundle])
                    took = time.perf_counter() - t
                    assert r.status == "imported", r.message
                    return took
                finally:
                    conn.close()

            paired = benchkit.alternate(lambda: run(bundles["local"]),
                                        lambda: run(bundles["moves"]), args.reps)
            local, moved = statistics.median(paired.baseline), statistics.median(paired.subject)
            print(f"import, {n:,} people moving within the commune: {benchkit.ms(local)}")
            print(f"import, {n:,} people moving to another commune: {benchkit.ms(moved)} "
                  f"({benchkit.ms((moved - local) / n)} more a move)")
            print(f"moves / local: {paired.describe()}")
    benchkit.footer(started)


def _prepare(prov: builders.Built, work: Path, people: int) -> tuple[Path, dict[str, Path]]:
    base = prov.copy_to(work, "province-base.db").path
    cpath = work / "commune.db"
    pkeys, cconn, ckeys = benchkit.enrolled_commune(base, cpath, builders.COMMUNE_CODE,
                                                    "Công an xã Mường Nhé (benchmark)")
    store = Store(cconn, actor="bench")
    village = store.add("unit", {"name": "Bản Mới (benchmark)", "level": "village",
                                 "parent_id": builders.COMMUNE_CODE}).id
    org = store.add("organization", {"name": "Tổ tự quản (benchmark)",
                                     "org_type": "to_tu_quan",
                                     "unit_id": builders.COMMUNE_CODE}).id
    ids = store.add_many("person", [{"full_name": f"Người chuyển {i}", "birth_date": "1980",
                                     "residence_unit_id": builders.COMMUNE_CODE}
                                    for i in range(people)])
    store.add_many("membership", [{"person_id": pid, "organization_id": org,
                                   "role": "to_vien", "joined_date": "2020"} for pid in ids])
    usb = work / "usb"
    usb.mkdir()
    [first] = exchange.export_to_folder(cconn, ckeys, usb)
    pconn = benchkit.open_copy(base, work / "province-held.db", checkpoint=True)
    [r] = exchange.import_files(pconn, keys.unlock(pconn), [first.path])
    assert r.status == "imported", r.message
    pconn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pconn.close()
    base = work / "province-held.db"
    # The commune learns from the province's bundle what it holds: told directly here.
    cconn.execute("BEGIN IMMEDIATE")
    cconn.execute("INSERT INTO sync_belief(peer, origin, part, seq) SELECT ?, origin, part, "
                  "seq FROM sync_vv WHERE true ON CONFLICT(peer, origin, part) DO UPDATE SET "
                  "seq = excluded.seq", (pkeys.site.site_id,))
    cconn.execute("COMMIT")
    cconn.close()
    out: dict[str, Path] = {}
    for name in ("moves", "local"):
        conn = benchkit.open_copy(cpath, work / f"commune-{name}.db", checkpoint=True)
        store = Store(conn, actor="bench")
        with store.transaction():
            for pid in ids:
                if name == "moves":
                    moves.move_person(store, pid, OTHER, "01/12/2026")
                else:
                    store.edit("person", pid, {"residence_unit_id": village})
                    moves.end_memberships(store, pid, builders.COMMUNE_CODE, "2026-12-01")
        (usb / name).mkdir()
        [b] = exchange.export_to_folder(conn, keys.unlock(conn), usb / name)
        print(f"{name}: {b.changes:,} field changes")
        out[name] = b.path
        conn.close()
    return base, out


if __name__ == "__main__":
    main()
