"""Sync benchmark: export and import of 100,000 field changes between a commune and the
province, each its own database file.

Run from the repository root:

    .venv/bin/python tests/benchmarks/bench_sync.py [--people 10000]

Each person carries 10 versioned fields (9 values and the tombstone), so 10,000 people are
100,000 field changes. It prints the export time, the bundle size, the import time and the
import speed as a ratio to a raw ``executemany`` of the same rows (the person rows and their
field versions, into a copy of the same database, in one transaction) measured in the same
run; the goal is a ratio of at least 0.3 (DESIGN.md, "Performance budgets").

Encryption (issue 11): the province database is imported into both as the program keeps it
(SQLCipher) and as a plain copy of it (``sqlcipher_export`` with no key), ``--reps`` times
each, alternating (ABBA…), each time into a fresh copy; it prints the medians and the median
of the paired ratios encrypted / plain, PASS when ≤ 1.3. It never asserts a timing.
``--profile`` profiles the (first, encrypted) import with cProfile.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a plain script
    sys.path.insert(0, str(ROOT))

from bench_cipher import RATIO_BUDGET, open_side, plain_copy  # noqa: E402

from desktop.storage import db, site  # noqa: E402
from desktop.storage.writer import Store  # noqa: E402
from desktop.sync import enrol, exchange, keys  # noqa: E402

COMMUNE, PROVINCE = "03160", "11"


def make_master(folder: Path) -> Path:
    path = folder / "master.db"
    conn = db.open_database(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    return path


def node(master: Path, path: Path, **code: str):
    shutil.copy(master, path)
    conn = db.open_database(path)
    site.init_site(conn, name=path.stem, **code)
    keys.init_keys(conn)  # sealed under the database key
    return conn, keys.unlock(conn)


def people(n: int) -> list[dict[str, object]]:
    return [{"full_name": f"Nguyễn Văn Người {i}", "birth_date": f"{1950 + i % 60}",
             "gender": ("male", "female")[i % 2], "citizen_id": f"0110{i % 100:02d}{i:06d}",
             "old_id_number": f"{i:09d}", "phone": f"09{i % 100_000_000:08d}",
             "address": f"Bản {i % 40}, xã Mường Nhé", "education": "12/12",
             "notes": f"Ghi chú số {i}"} for i in range(n)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--reps", type=int, default=3, help="imports per side")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="antq-bench-sync-") as tmp_name:
        run(Path(tmp_name), args)
    return 0


def import_once(tmp: Path, name: str, source: Path, key: bytes | None, pkeys: keys.SiteKeys,
                bundle: Path, profile: bool = False) -> tuple[float, int]:
    """One import into a fresh copy of ``source`` (its before-import backup beside it);
    returns the seconds and the person field versions then held."""
    folder = tmp / name
    folder.mkdir()
    try:
        target = folder / "province.db"
        shutil.copy(source, target)
        conn = open_side(target, key)
        try:
            if profile:
                prof = cProfile.Profile()
                prof.enable()
            t = time.perf_counter()
            [imported] = exchange.import_files(conn, pkeys, [bundle])
            elapsed = time.perf_counter() - t
            if profile:
                prof.disable()
                pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
            assert imported.status == "imported", imported.message
            got = conn.execute("SELECT count(*) FROM sync_cell WHERE tbl = 'person'"
                               ).fetchone()[0]
        finally:
            conn.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        db.forget_key(folder / "province.db")
    return elapsed, got


def run(tmp: Path, args: argparse.Namespace) -> None:
    master = make_master(tmp)
    cconn, ckeys = node(master, tmp / "commune.db", commune_code=COMMUNE)
    pconn, pkeys = node(master, tmp / "province.db", province_code=PROVINCE)
    req, ans = tmp / "req.json", tmp / "ans.json"
    fp = enrol.make_request(cconn, ckeys, req)
    enrol.accept_request(pconn, pkeys, req, ans, confirmed_fingerprint=fp)
    enrol.install_response(cconn, ans, keys.fingerprint(pkeys.site.site_id, pkeys.public))
    pconn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy(tmp / "province.db", tmp / "baseline.db")  # same starting point

    t = time.perf_counter()
    Store(cconn, actor="bench").add_many("person", people(args.people))
    t_write = time.perf_counter() - t
    cells = cconn.execute("SELECT count(*) FROM sync_cell WHERE tbl = 'person'").fetchone()[0]

    usb = tmp / "usb"
    usb.mkdir()
    t = time.perf_counter()
    [result] = exchange.export_to_folder(cconn, ckeys, usb)
    t_export = time.perf_counter() - t

    # Baseline: the same rows, written raw with executemany in one transaction.
    rows = [tuple(r) for r in cconn.execute("SELECT * FROM person")]
    cols = [d[0] for d in cconn.execute("SELECT * FROM person LIMIT 0").description]
    cell_rows = [tuple(r) for r in cconn.execute("SELECT * FROM sync_cell")]
    base = db.open_database(tmp / "baseline.db")
    t = time.perf_counter()
    base.execute("BEGIN IMMEDIATE")
    base.executemany(f"INSERT INTO person ({', '.join(cols)}) VALUES "
                     f"({', '.join('?' * len(cols))})", rows)
    base.executemany("INSERT INTO sync_cell VALUES (?, ?, ?, ?, ?, ?, ?, ?)", cell_rows)
    base.execute("COMMIT")
    t_raw = time.perf_counter() - t
    base.close()

    # The province as the program keeps it, and the same database plain.
    pconn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pkey = db.known_key(tmp / "province.db")
    assert pkey is not None
    plain_copy(tmp / "province.db", pkey, tmp / "province-plain.db")
    bundle = usb / result.path.name
    sides = {"encrypted": (tmp / "province.db", pkey), "plain": (tmp / "province-plain.db",
                                                                None)}
    times: dict[str, list[float]] = {"encrypted": [], "plain": []}
    for r in range(args.reps):
        for side in (("encrypted", "plain") if r % 2 else ("plain", "encrypted")):
            source, key = sides[side]
            elapsed, got = import_once(tmp, f"{side}{r}", source, key, pkeys, bundle,
                                       profile=args.profile and side == "encrypted"
                                       and r == 0)
            assert got == cells, (side, got, cells)
            times[side].append(elapsed)
    t_import = statistics.median(times["encrypted"])
    t_plain = statistics.median(times["plain"])
    enc_ratio = statistics.median(e / p for e, p in
                                  zip(times["encrypted"], times["plain"], strict=True))

    t = time.perf_counter()
    [imported] = exchange.import_files(pconn, pkeys, [bundle])
    t_first = time.perf_counter() - t
    assert imported.status == "imported", imported.message
    again = usb / "again.vsb"
    again.write_bytes(bundle.read_bytes())
    t = time.perf_counter()
    [repeat] = exchange.import_files(pconn, pkeys, [again])
    t_repeat = time.perf_counter() - t

    ratio = t_raw / t_import
    print(f"field changes:            {cells:,} ({args.people:,} people)")
    print(f"write path (add_many):    {t_write:.2f} s")
    print(f"export:                   {t_export:.2f} s, bundle {result.bytes / 1e6:.2f} MB "
          f"({result.bytes / cells:.1f} bytes per change)")
    print(f"import (encrypted):       {t_import:.2f} s ({cells / t_import:,.0f} changes/s, "
          f"median of {args.reps})")
    print(f"raw executemany baseline: {t_raw:.2f} s ({cells / t_raw:,.0f} rows/s)")
    print(f"import speed / raw:       {ratio:.2f} (goal >= 0.30)")
    print(f"import (plain copy):      {t_plain:.2f} s ({cells / t_plain:,.0f} changes/s, "
          f"median of {args.reps})")
    print(f"encrypted / plain:        {enc_ratio:.2f} (median of {args.reps} paired ratios, "
          f"alternated; budget ≤ {RATIO_BUDGET}: "
          f"{'PASS' if enc_ratio <= RATIO_BUDGET else 'OVER'})")
    print(f"import, then again:       {t_first:.2f} s, repeat {t_repeat:.2f} s "
          f"({repeat.status})")
    cconn.close()
    pconn.close()


if __name__ == "__main__":
    sys.exit(main())
