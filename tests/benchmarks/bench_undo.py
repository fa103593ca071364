"""What protecting an import costs at province size (issue 12): the undo journal written in
the import's own transaction, against the same import with no protection at all, and against
the whole copy of the database that was made before every import until then.

Run from the repository root:

    .venv/bin/python tests/benchmarks/bench_undo.py            # Điện Biên's size, 10,000 people
    .venv/bin/python tests/benchmarks/bench_undo.py --quick    # a tenth of the province

The province is built by builders.py (through the write path, cached in the run's folder,
removed at the end). A commune (03160) enrolled with it sends two bundles: ``--people`` new
people (10 field versions each: 100,000 field changes for 10,000 people), then an edit of 5
fields of each of them (changes to records the province holds: the journal keeps their rows
as they were). Each bundle is imported into a fresh copy of the province (the copy is not
timed) as the program does it (journal) and with the journal switched off (none), alternated
(ABBA…, ``--reps`` pairs after one pair to warm up: the goal is a 10 % effect, which two or
three pairs could not settle on a shared machine), then ``--copy-reps`` pairs of "none"
against no journal but the whole before-import copy of earlier versions (copy), for context.
It prints the medians, the median of the paired ratios to "none" with their spread, the goal
(journal ≤ 1.10), the time of the undo and the journal's size. No timing is asserted.
"""

from __future__ import annotations

import argparse
import gc
import json
import shutil
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import benchkit
import builders

from desktop.storage import backup, db, dbapi, keyfile, undo
from desktop.storage.writer import Store
from desktop.sync import exchange, keys

GOAL = 1.10
PEOPLE = 10_000  # new people in the first bundle (10 field versions each)


class _NoJournal:
    def finish(self) -> None:
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the province")
    parser.add_argument("--people", type=int, default=PEOPLE)
    parser.add_argument("--reps", type=int, default=6,
                        help="pairs of imports, journal and none, per bundle")
    parser.add_argument("--copy-reps", type=int, default=2,
                        help="pairs of imports, the whole copy and none, per bundle")
    args = parser.parse_args(argv)
    started = benchkit.header("bench_undo: protecting a bundle import (undo journal vs none "
                              "vs whole copy)")
    with benchkit.run_folder("undo") as folder:
        run(folder, args)
    benchkit.footer(started)
    return 0


def run(folder: Path, args: argparse.Namespace) -> None:
    prov = builders.province(folder, scale=benchkit.QUICK_PROVINCE if args.quick else 1.0)
    print(builders.describe(prov))
    base, bundles = prepared(folder, prov, args.people)
    with benchkit.scratch(folder, "undo") as work:
        print(f"province file: {benchkit.mb(base.stat().st_size)}")
        current = base
        for name, bundle in bundles:
            # Imported once as the program does it: the next bundle edits these records, and
            # dropping a journal is timed on the importing connection (not after an import of
            # its own).
            after, drop = _imported(work, current, bundle)
            _measure(work, current, drop, name, bundle, args.reps, args.copy_reps)
            current = after


def prepared(folder: Path, prov: builders.Built, people: int
             ) -> tuple[Path, list[tuple[str, Path]]]:
    """What :func:`_prepare` makes, in the run's folder (none of it timed; never written to
    afterwards: every import is into a copy): made once, or found there made by run_all.py's
    build while the communes were still building (builders.setup)."""
    work = folder / f"undo-{prov.path.stem}-{people}"
    ready = work / "ready.json"
    if ready.exists():
        base = work / "province-base.db"
        db.remember_key(base, prov.key)  # a copy of the province: its key
        return base, [(name, Path(path)) for name, path in json.loads(ready.read_text())]
    shutil.rmtree(work, ignore_errors=True)  # what a preparation cut short left
    work.mkdir()
    base, bundles = _prepare(prov, work, people)
    ready.write_text(json.dumps([(name, str(path)) for name, path in bundles]))
    return base, bundles


def _prepare(prov: builders.Built, work: Path, people: int) -> tuple[Path, list[tuple[str, Path]]]:
    """The province enrolled with a commune (its keys made), and the commune's two bundles."""
    base = prov.copy_to(work, "province-base.db").path
    cpath = work / "commune.db"
    pkeys, cconn, ckeys = benchkit.enrolled_commune(base, cpath, builders.COMMUNE_CODE,
                                                    "Công an xã Mường Nhé (benchmark)")
    store = Store(cconn, actor="bench")
    ids = store.add_many("person", [_person(i) for i in range(people)])
    usb = work / "usb"
    (usb / "1").mkdir(parents=True)
    (usb / "2").mkdir()
    out = []
    [first] = exchange.export_to_folder(cconn, ckeys, usb / "1")
    out.append((f"{first.changes:,} field changes, {people:,} new people", first.path))
    # What the commune believes the province holds comes from the province's bundles: told
    # here directly, so the second bundle carries only the edits.
    cconn.execute("BEGIN IMMEDIATE")
    cconn.execute("INSERT INTO sync_belief(peer, origin, part, seq) SELECT ?, origin, part, "
                  "seq FROM sync_vv WHERE true ON CONFLICT(peer, origin, part) DO UPDATE SET "
                  "seq = excluded.seq", (pkeys.site.site_id,))
    cconn.execute("COMMIT")
    # One transaction (not one each): the same 50,000 field changes in the bundle, without
    # 10,000 commits of the commune that nothing measures.
    with store.transaction():
        for i, pid in enumerate(ids):
            store.edit("person", pid, {"full_name": f"Trần Thị Người {i}",
                                       "phone": f"08{i:08d}", "address": f"Tổ {i % 30}",
                                       "notes": f"Đã xác minh {i}", "education": "9/12"})
    [second] = exchange.export_to_folder(cconn, ckeys, usb / "2")
    out.append((f"{second.changes:,} field changes, edits of {people:,} people held",
                second.path))
    cconn.close()
    return base, out


def _person(i: int) -> dict[str, object]:
    """A valid person: the CCCD (unique) agrees with the birth year and the sex."""
    year = 1950 + i % 55
    century_sex = (0 if year < 2000 else 2) + i % 2
    return {"full_name": f"Nguyễn Văn Người {i}", "birth_date": f"{year}",
            "gender": ("male", "female")[i % 2],
            "citizen_id": f"011{century_sex}{year % 100:02d}{i:06d}",
            "old_id_number": f"{i:09d}", "phone": f"09{i % 100_000_000:08d}",
            "address": f"Bản {i % 40}, xã Mường Nhé", "education": "12/12",
            "notes": f"Ghi chú số {i}"}


def _imported(work: Path, source: Path, bundle: Path) -> tuple[Path, float]:
    """``source`` with ``bundle`` imported as the program does it (its journal written): the
    database the next bundle edits, copied aside; then, on the importing connection, the
    time to delete one journal of this import's size, committed (each import drops the one
    older than the last KEEP)."""
    importing = work / "rep-drop.db"
    target = work / f"{source.stem}-then-{bundle.stem[:8]}.db"
    conn = benchkit.open_copy(source, importing)
    try:
        [r] = exchange.import_files(conn, keys.unlock(conn), [bundle])
        assert r.status == "imported", r.message
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copyfile(importing, target)
        if keyfile.exists(importing):
            shutil.copyfile(keyfile.keyfile_path(importing), keyfile.keyfile_path(target))
        key = db.known_key(importing)
        assert key is not None
        db.remember_key(target, key)
        newest = undo.journals(conn)[0]  # this import's: the older ones are smaller or none
        t = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        undo._drop_older(conn, newest.id)
        conn.execute("COMMIT")
        return target, time.perf_counter() - t
    finally:
        conn.close()
        _remove(work, "rep-drop")


def _journal_bytes(conn: dbapi.Connection) -> int:
    return sum(int(conn.execute(sql).fetchone()[0]) for sql in (
        "SELECT coalesce(sum(length(row)), 0) FROM sync_undo_record",
        "SELECT coalesce(sum(length(c) + 24), 0) FROM sync_undo_clock",
        "SELECT coalesce(sum(length(old)), 0) FROM sync_undo_row"))


def _remove(folder: Path, stem: str) -> None:
    """A database copy and what lies beside it (-wal, key file, backups folder)."""
    for p in folder.glob(f"{stem}*"):
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)


def _measure(work: Path, source: Path, drop: float, name: str, bundle: Path,
             reps: int, copy_reps: int) -> None:
    undo_times: list[float] = []
    start_times: list[float] = []
    cpu_times: dict[str, list[float]] = {"none": [], "journal": [], "copy": []}
    journal_bytes: list[int] = []

    def side(way: str) -> Callable[[], float]:
        def once() -> float:
            target = work / f"rep-{way}.db"
            conn = benchkit.open_copy(source, target)
            real = exchange.undo.start
            try:
                pkeys = keys.unlock(conn)
                if way != "journal":
                    exchange.undo.start = lambda *a, **k: _NoJournal()  # type: ignore
                else:  # the journal's own reading and writing before the merge, timed apart
                    def start(*a, **k):
                        t0 = time.perf_counter()
                        try:
                            return real(*a, **k)
                        finally:
                            start_times.append(time.perf_counter() - t0)
                    exchange.undo.start = start  # type: ignore
                gc.collect()  # an earlier import's garbage is not this one's to collect
                t, cpu = time.perf_counter(), time.process_time()
                if way == "copy":
                    backup.backup_now(conn, target, "before-import")
                [r] = exchange.import_files(conn, pkeys, [bundle])
                elapsed = time.perf_counter() - t
                cpu_times[way].append(time.process_time() - cpu)
                exchange.undo.start = real
                assert r.status == "imported", r.message
                if way == "journal":
                    journal_bytes.append(_journal_bytes(conn))
                    t = time.perf_counter()
                    undo.undo(conn)
                    undo_times.append(time.perf_counter() - t)
                return elapsed
            finally:
                exchange.undo.start = real
                conn.close()
                _remove(target.parent, target.stem)
        return once

    j = benchkit.alternate(side("none"), side("journal"), reps, warmup=1)
    # The warm-up pair's times are not the pairs'; the processor times follow the pairs.
    for way in ("none", "journal"):
        del cpu_times[way][0]
    del start_times[0], journal_bytes[0], undo_times[0]
    c = benchkit.alternate(side("none"), side("copy"), copy_reps)
    print(f"\nbundle: {name}")
    for way, runs in (("none", j.baseline), ("journal", j.subject), ("copy", c.subject)):
        print(f"  import, {way:8} {statistics.median(runs):7.2f} s (median of {len(runs)})")
    print(f"  journal / none: {j.describe()} → {(j.ratio - 1) * 100:+.1f} % "
          f"(goal ≤ {GOAL:.2f}: {benchkit.verdict(j.ratio <= GOAL)})")
    jc = benchkit.Paired(cpu_times["none"][:reps], cpu_times["journal"])
    print(f"  journal / none, processor time of this process: {jc.describe()} → "
          f"{(jc.ratio - 1) * 100:+.1f} % (less disturbed by the other users of the machine)")
    print(f"  copy / none:    {c.describe()} → {(c.ratio - 1) * 100:+.1f} % "
          f"(the whole copy before every import, as before)")
    share = statistics.median(t / i for t, i in zip(start_times, j.subject, strict=True))
    print(f"  the journal's records and versions copied before the merge: "
          f"{statistics.median(start_times) * 1000:.0f} ms, {share * 100:.1f} % of the import "
          f"(the rest of its cost: the triggers' rows and the bytes committed)")
    print(f"  dropping a journal of this size (each import drops the one older than the last "
          f"{undo.KEEP}): {drop * 1000:.0f} ms")
    print(f"  undo of the import: {statistics.median(undo_times):.2f} s; journal "
          f"{benchkit.mb(statistics.median(journal_bytes))} in the database")


if __name__ == "__main__":
    raise SystemExit(main())
