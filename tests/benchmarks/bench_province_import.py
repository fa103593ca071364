"""Province import benchmark (issue 15): a stick holding the first bundle of each of Điện
Biên's 45 communes, imported at the province in one run; then the province's overview of its
communes (``antq communes``) and its movement report over the whole province.

    .venv/bin/python tests/benchmarks/bench_province_import.py [--quick] [--scale 0.2]
                                                               [--reps 2]

Each commune is its own site, built with the program's own functions: a copy of one migrated
database, ``site.init_site`` with the commune's code, its keys, enrolled at the province
(request, accept, install: ``demo_province.enrol_here``, as ``antq demo --scale province``),
then its villages, people, organizations, memberships, minutes, attendance and good deeds
written through ``Store.add_many`` (builders._province_commune, the province benchmark's
generator: the province's counts of builders.PROVINCE divided among the communes, times
``--scale``), and its bundle for the province written by
``exchange.export_to_folder`` — the bundle a commune sends the first time, everything it
holds, in record lines (its enrolment said the province's program reads them; session 11).
At scale 1 the 45 bundles carry the province database of builders.py (60,000 people).

Each repetition imports the stick into a fresh copy of the enrolled province, in a child
process of its own (its peak memory is the import's, not the build's), two ways: the folder
import of issue 15 (``folder_import.import_folder``: every bundle read up to its signed
manifest first, then per commune in order, one transaction each) and the baseline, the
per-file import that existed before (``exchange.import_files`` over the folder: name order,
no first pass); and writes the same rows raw, as bench_sync.py does (issue 12), with one
``executemany`` per table in one transaction: into **plain tables** (no index, constraint or
trigger, a new encrypted file: the goal's baseline) and into the province's **full schema**
(its own tables, indexes and search triggers; the field changes in a plain table beside
them). The raw rows are the bundles' records as the province stores them (derived columns
computed before the timing), read from the bundles with the province's keys; the raw
writers neither decrypt, check nor merge. The order of the sides rotates every repetition.
It prints the total (wall and processor time), the time per commune (median, slowest), the
child's peak resident memory, the median of the paired ratios folder / per-file (what the
ordering pass costs) and the import speed / raw plain tables and / raw full schema (goal ≥
0.3 against plain tables), then the overview and the report timed on the imported province.
Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import bench_sync
import benchkit as bk
import builders

from desktop.domain.kinds import KINDS, KINDS_BY_TABLE
from desktop.storage import db, dbapi, derived, rosters, site
from desktop.storage.writer import Store
from desktop.sync import demo_province, exchange, keys

DEFAULT_SCALE, QUICK_SCALE = 1.0, 0.05


def template(folder: Path) -> builders.Built:
    """One migrated database with the chief's account, copied for every site."""
    path = folder / "template.db"
    found = builders.Built.load(path)
    if found is not None:
        return found
    conn = builders._new_database(path)
    key = db.known_key(path)
    assert key is not None
    builders._finish(conn)
    built = builders.Built(path, key, "", "", 0, name="template")
    built.save()
    return built


def communes_of(conn) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    """(unit id, code, name) of the province's communes today."""
    return [(r[0], r[1], r[2]) for r in conn.execute(
        "SELECT u.id, u.code, u.name FROM unit u JOIN unit p ON p.id = u.parent_id "
        "WHERE p.code = ? AND u.level = 'commune' AND u.valid_to IS NULL ORDER BY u.code",
        (builders.PROVINCE_CODE,))]


def build(folder: Path, scale: float) -> tuple[builders.Built, Path, dict[str, int]]:
    """The enrolled province and the stick of the communes' bundles; found in ``folder`` if
    made there already (run_all.py has them made while the communes build, on the core the
    province's builder leaves idle)."""
    stick = folder / f"stick-{scale:g}"
    want = {k: max(1, round(v * scale)) for k, v in builders.PROVINCE.items()
            if k not in ("communes", "villages_per_commune")}
    made = builders.Built.load(folder / f"province-import-{scale:g}.db")  # saved when whole
    if made is not None and stick.is_dir():
        return made, stick, want
    base = template(folder)
    province = base.copy_to(folder, f"province-import-{scale:g}.db")
    pconn = province.open()
    site.init_site(pconn, name="Công an tỉnh Điện Biên", province_code=builders.PROVINCE_CODE)
    keys.init_keys(pconn)
    pkeys = keys.unlock(pconn)
    units = communes_of(pconn)
    shares = {k: builders._split(v, len(units)) for k, v in want.items()}
    shutil.rmtree(stick, ignore_errors=True)  # what a build cut short left
    stick.mkdir()
    rng = random.Random(f"province-import:{scale:g}")
    t0, first = time.perf_counter(), 0
    for ci, (_unit_id, code, name) in enumerate(units):
        built = base.copy_to(folder, f"commune-{code}.db")
        conn = built.open()
        try:
            site.init_site(conn, name=f"Công an {name}", commune_code=code)
            keys.init_keys(conn)
            ckeys = keys.unlock(conn)
            demo_province.enrol_here(pconn, pkeys, conn, ckeys, folder, code)
            store = Store(conn, actor="xã", today=builders.TODAY)
            builders._province_commune(store, rng, ci, rosters.unit_of_site(conn, code),
                                       {k: v[ci] for k, v in shares.items()}, first=first)
            first += shares["person"][ci]
            exchange.export_to_folder(conn, ckeys, stick)
        finally:
            builders._finish(conn)
            built.path.unlink()  # only its bundle is needed from here on
        if (ci + 1) % 15 == 0:
            builders._say(f"{ci + 1}/{len(units)} communes built and exported, "
                          f"{time.perf_counter() - t0:.0f} s")
    builders._finish(pconn)
    province.save()  # the province and its stick are whole
    return province, stick, want


# -- one import, in a child process ---------------------------------------------------------------

def child(args: argparse.Namespace) -> None:
    """Import ``args.stick`` into ``args.db`` one way; print JSON figures."""
    from desktop.sync import folder_import

    conn = db.open_database(Path(args.db), key=bytes.fromhex(args.key))
    site_keys = keys.unlock(conn)
    before = bk.rss_mb()
    per_file: list[float] = []
    real = exchange.import_files

    def timed_import(*a, **k):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        try:
            return real(*a, **k)
        finally:
            per_file.append(time.perf_counter() - t)

    t0, c0 = time.perf_counter(), time.process_time()
    if args.child == "folder":
        exchange.import_files = timed_import  # each bundle's own import, in this process
        result = folder_import.import_folder(conn, site_keys, [Path(args.stick)])
        imported = result.imported
    else:
        results = exchange.import_files(conn, site_keys, [Path(args.stick)])
        imported = sum(1 for r in results if r.status == "imported")
    total, cpu = time.perf_counter() - t0, time.process_time() - c0
    conn.close()
    print(json.dumps({"total": total, "cpu": cpu, "per_file": per_file, "imported": imported,
                      "rss_before": before, "rss_peak": bk.rss_mb()}))


def run_child(province: builders.Built, stick: Path, work: Path, way: str) -> dict:
    copy = province.copy_to(work, f"province-{way}.db")
    proc = subprocess.run([sys.executable, __file__, "--child", way, "--db", str(copy.path),
                           "--key", province.key.hex(), "--stick", str(stick)],
                          capture_output=True, text=True, cwd=bk.ROOT, check=False)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["path"] = copy.path
    return out


# -- the same rows written raw (the goal's baselines) -------------------------------------------

Raw = tuple[dict[str, tuple[list[str], list[tuple]]], list[tuple[object, ...]]]


def raw_rows(province: builders.Built, stick: Path, work: Path) -> Raw:
    """What the bundles carry, as the rows the province would hold (the records' fields, their
    partition and derived columns; table by table in KINDS order) and one row per field change
    (bench_sync.changes_of's shape), read with the province's keys from a copy of it."""
    from desktop.sync import bundle as fmt
    from desktop.sync import files

    copy = province.copy_to(work, "raw-source.db")
    conn = copy.open()
    records: dict[str, dict[str, dict[str, object]]] = {}
    changes: list[tuple[object, ...]] = []
    try:
        pkeys = keys.unlock(conn)
        for path in sorted(stick.glob("*.vsb")):
            data = files.read_capped(path, fmt.MAX_BUNDLE_BYTES)
            zf, b = fmt.open_bundle(data, pkeys, path.name,
                                    lambda s: exchange.sender_of(conn, s))
            fmt.read_members(zf, b, path.name)
            for tbl, pk, f, v, h, o, p, seq, _hist in b.cells:
                rec = records.setdefault(tbl, {}).setdefault(pk, {"id": pk, "_part": p})
                rec[f] = v
                changes.append((tbl, pk, f, v, h, o, p, seq))
    finally:
        conn.close()
        bench_sync._remove_db(copy.path)
    rows: dict[str, tuple[list[str], list[tuple]]] = {}
    for kind in KINDS.values():
        got = records.get(kind.table)
        if not got:
            continue
        cols = ["id", "_part", "_deleted", *(f.name for f in kind.fields),
                *derived.column_names(kind)]
        out = []
        for rec in got.values():
            full = {f.name: rec.get(f.name) for f in kind.fields}
            out.append((rec["id"], rec["_part"], rec.get("_deleted", 0), *full.values(),
                        *derived.columns(KINDS_BY_TABLE[kind.table], full)))
        rows[kind.table] = (cols, out)
    return rows, changes


def raw_side(province: builders.Built, raw: Raw, work: Path, how: str) -> dict:
    """One raw write (``plain`` tables in a new encrypted file, or the province's ``full``
    schema in a copy of it), timed as bench_sync.write_raw times it."""
    rows, changes = raw
    if how == "plain":
        path = work / "raw-plain.db"
        conn = dbapi.connect(str(path), isolation_level=None)
        db.set_key(conn, province.key)  # encrypted in the program's settings
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    else:
        copy = province.copy_to(work, "raw-full.db")
        path, conn = copy.path, copy.open()
    try:
        c0 = time.process_time()
        total = bench_sync.write_raw(conn, rows, changes, create=how == "plain")
        return {"total": total, "cpu": time.process_time() - c0}
    finally:
        conn.close()
        bench_sync._remove_db(path)


# -- the report afterwards ------------------------------------------------------------------------

def afterwards(province: builders.Built, path: Path) -> None:
    from desktop.reports import movement, periods
    from desktop.sync import overview

    conn = db.open_database(path, key=province.key)
    try:
        t0 = time.perf_counter()
        view = overview.overview(conn)
        t_over = time.perf_counter() - t0
        unit = rosters.unit_of_site(conn, builders.PROVINCE_CODE)
        t0 = time.perf_counter()
        movement.report_data(conn, unit, periods.year(builders.TODAY.year))
        t_report = time.perf_counter() - t0
        people = conn.execute("SELECT count(*) FROM person").fetchone()[0]
    finally:
        conn.close()
    members = sum(r.counts.get("members", 0) for r in view.rows)
    print(f"afterwards: {people:,} people at the province; antq communes (overview of "
          f"{len(view.rows)} communes, {members:,} members counted) {bk.ms(t_over)}; "
          f"movement report of the province for {builders.TODAY.year} "
          f"(report_data) {bk.ms(t_report)}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help=f"scale {QUICK_SCALE}")
    parser.add_argument("--scale", type=float, help="the province's counts times this")
    parser.add_argument("--reps", type=int, default=2,
                        help="repetitions, each side once in rotating order")
    parser.add_argument("--no-baseline", action="store_true",
                        help="the folder import alone (no per-file import, no ratio)")
    parser.add_argument("--child", choices=("folder", "files"), help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--key", help=argparse.SUPPRESS)
    parser.add_argument("--stick", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args)
        return
    scale = args.scale or (QUICK_SCALE if args.quick else DEFAULT_SCALE)
    started = bk.header(f"Province import: the first bundles of 45 communes at scale {scale:g}")
    with bk.run_folder("province-import") as folder:
        t0 = time.perf_counter()
        province, stick, want = build(folder, scale)
        bundles = sorted(stick.glob("*.vsb"))
        size = sum(p.stat().st_size for p in bundles)
        print(f"ready in {time.perf_counter() - t0:.0f} s: {len(bundles)} bundles, "
              f"{bk.mb(size)} in all (largest {bk.mb(max(p.stat().st_size for p in bundles))}); "
              f"{', '.join(f'{v:,} {k}' for k, v in want.items())}")
        runs: dict[str, list[dict]] = {"folder": [], "files": [], "plain": [], "full": []}
        with bk.scratch(folder, "imports") as work:
            raw = raw_rows(province, stick, work)
            print(f"raw rows: {sum(len(r) for _c, r in raw[0].values()):,} records in "
                  f"{len(raw[0])} tables + {len(raw[1]):,} field changes")
            last = None
            sides = [w for w in runs if not (args.no_baseline and w == "files")]
            for i in range(args.reps):
                order = sides[i % len(sides):] + sides[:i % len(sides)]
                if i % 2:
                    order.reverse()
                for way in order:
                    if way in ("plain", "full"):
                        runs[way].append(raw_side(province, raw, work, way))
                        continue
                    out = run_child(province, stick, work, way)
                    runs[way].append(out)
                    if way == "folder":
                        last = out
                    else:
                        out["path"].unlink()
            f = runs["folder"][-1]
            per = sorted(f["per_file"])
            med = statistics.median
            print(f"folder import (issue 15): total {med(r['total'] for r in runs['folder']):.1f}"
                  f" s wall, {med(r['cpu'] for r in runs['folder']):.1f} s processor (median of "
                  f"{len(runs['folder'])}) for {f['imported']} bundles; per commune median "
                  f"{bk.ms(med(per))}, slowest {bk.ms(per[-1])}; the first pass (reading each "
                  f"manifest) and the rest {bk.ms(f['total'] - sum(per))}")
            for way, label in (("plain", "plain tables"), ("full", "the province's full "
                                                                   "schema")):
                speed = bk.Paired([r["total"] for r in runs["folder"]],
                                  [r["total"] for r in runs[way]])
                cpu = bk.Paired([r["cpu"] for r in runs["folder"]],
                                [r["cpu"] for r in runs[way]])
                goal = (f"; goal ≥ {bench_sync.IMPORT_GOAL}: "
                        f"{bk.verdict(speed.ratio >= bench_sync.IMPORT_GOAL)}"
                        if way == "plain" else "")
                print(f"raw executemany, {label}: median {med(r['total'] for r in runs[way]):.2f}"
                      f" s wall, {med(r['cpu'] for r in runs[way]):.2f} s processor; import "
                      f"speed {speed.describe()}, in processor time {cpu.ratio:.2f}{goal}")
            print(f"peak memory of the importing process: {f['rss_peak']:.0f} MB "
                  f"({f['rss_before']:.0f} MB before the import)")
            if runs["files"]:
                b = runs["files"][-1]
                print(f"per-file import (before issue 15): total "
                      f"{med(r['total'] for r in runs['files']):.1f} s for "
                      f"{b['imported']} bundles, peak memory {b['rss_peak']:.0f} MB")
                paired = bk.Paired([r["total"] for r in runs["files"]],
                                   [r["total"] for r in runs["folder"]])
                print(f"folder / per-file: {paired.describe()}")
            assert last is not None
            afterwards(province, last["path"])
    bk.footer(started)


if __name__ == "__main__":
    main()
