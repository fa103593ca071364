"""Where a bundle import's time goes (issue 12, "Import"): bench_sync's bundle of 100,000
field changes imported into each target, with the processor and wall time of each stage of
``exchange.import_files`` — a diagnostic beside bench_sync (which gives the goal's ratio),
not part of ``make bench``.

    .venv/bin/python tests/benchmarks/bench_import_stages.py [--quick] [--sizes 100000]
        [--no-province] [--reps 3] [--pages]

The stages are the program's own functions, timed by wrappers in this process only: reading
the bundle (``bundle.read_members``: unzip, hashes, parsing), the checks of every cell and
value (``merge.typed_checks_pass``, and ``merge.check_cells`` and ``merge.check_values`` when
it cannot pass the bundle), the undo journal (``undo.start``), the merge
(``merge.apply_cells``; inside it a batch of new records merged at once,
``merge._new_records_at_once`` with its versions ``versions.write_run``, and the other records'
rows written with their indexes, triggers and derived columns, ``merge._write_rows`` and of that
``bulk.insert_many`` (whose line counts a batch's inserts too), and their versions,
``versions.write``; the sort keys and folded search text of the new records,
``derived.columns_many``; the names of the versions, ``versions.Names.no``, whose first new
name is the first statement after the rows that opens a savepoint, at which FTS5 writes the
search index's pending terms of every row inserted (the work the commit would do otherwise);
the partitions computed from the data, ``merge.check_partitions``; the memberships' places in
the rosters, ``roster_members.resolve``), the commit of the import's transaction (with the
checkpoint SQLite runs after it) and of the scan's, the duplicates scan of the
people written (``duplicates.scan``), the whole-record rules on the records it touched
(``conflicts.review_broken_records``); "other" is the rest of the import (signatures, the
smaller checks, the small tables, the audit). Each line is the median over ``--reps``
imports, each into a fresh copy of the enrolled target. The wall time beside the processor
time is split by the kernel's scheduler statistics into waiting for a processor (other users
of the machine) and blocked (the disk: the commits' checkpoints). Then the import's file
traffic, the process's read and write calls (``/proc/self/io``; SQLite/SQLCipher reads and
writes a page per call, and a WAL frame in two): the pages the import read from the file
(each decrypted and its HMAC checked), the WAL frames written (each page encrypted; the
checkpoint then reads each frame back and copies it into the file, no cipher), and how many
of those pages the file gained, the others being pages it had that the import changed (what
grows with the database: new entries scattered through its indexes). The column "SQL" is the
processor time inside the connection's ``execute`` and ``executemany`` calls during each stage
(the statements' own work: SQLite, SQLCipher's pages, the driver binding parameters; a
cursor's rows after its first are read in the caller's time, counted as Python), and a line
gives it for the whole import. ``--pages``: one more import of the record lines, not timed, and
the pages it rewrote named by the b-tree they belong to (the file's pages compared before and
after, ``dbstat`` on a decrypted copy): what an import's writing grows with is the pages of
the indexes its new entries are spread over. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

import bench_sync as bs
import benchkit as bk
import builders

from desktop.storage import (
    bulk,
    db,
    dbapi,
    derived,
    duplicates,
    merge,
    roster_members,
    undo,
    versions,
    writer,
)
from desktop.sync import bundle, conflicts, exchange, keys

# (label, module, function name, depth): depth 1 lies inside the depth-0 stage above it.
# Lines of typed change lines take the short checks (merge.typed_checks_pass) and the cell-
# by-cell ones only when one may fail; a batch of new records is merged at once
# (merge._new_records_at_once, its versions by versions.write_run), other records one by one.
STAGES = (("reading the bundle", bundle, "read_members", 0),
          ("record lines decoded", bundle, "_parse_records", 1),
          ("change lines decoded", bundle, "_parse_lines", 1),
          ("checks, short way", merge, "typed_checks_pass", 0),
          ("checking the cells", merge, "check_cells", 0),
          ("checking the values", merge, "check_values", 0),
          ("undo journal", undo, "start", 0),
          ("merge", merge, "apply_cells", 0),
          ("new records at once", merge, "_new_records_at_once", 1),
          ("batches from the lines", merge, "_records_batches", 2),
          ("batches from the cells", merge, "_cells_batches", 2),
          ("rows written", merge, "_write_rows", 1),
          ("of which inserts", bulk, "insert_many", 2),
          ("derived columns", derived, "columns_many", 2),
          ("names; FTS5's pending terms", versions.Names, "no", 2),
          ("versions", versions, "write", 1),
          ("versions at once", versions, "write_run", 1),
          ("partitions checked", merge, "check_partitions", 1),
          ("memberships' roster places", roster_members, "resolve", 1),
          ("whole-record rules", conflicts, "review_broken_records", 0),
          ("duplicates scan", duplicates, "scan", 0))


def _io() -> dict[str, int]:
    """This process's read and write calls and bytes so far (zeros where the kernel does
    not say)."""
    out = {}
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/io").read_text().splitlines():
            name, value = line.split(":")
            out[name] = int(value)
    return out


class Traffic(NamedTuple):
    """One import's file traffic: read calls, write calls, bytes written, pages the file
    gained, its page size."""

    reads: int
    writes: int
    written: int
    grown: int
    page: int

    def describe(self) -> str:
        frame = self.page + 24
        # a frame is written in two calls (header, page) and copied by the checkpoint in one
        # read and one write: written = frames * frame + copied * page, copied = frames
        frames = round(self.written / (frame + self.page)) if self.page else 0
        return (f"file traffic: {frames:,} WAL frames written (encrypted; "
                f"{self.writes:,} write calls, {self.written / 1e6:.1f} MB with the checkpoint's "
                f"copies), {max(self.reads - frames, 0):,} pages read from the file "
                f"(decrypted; {self.reads:,} read calls less the checkpoint's {frames:,}); "
                f"the file gained {self.grown:,} pages, so about "
                f"{max(frames - self.grown, 0):,} frames are pages it had, changed")


def _sched() -> tuple[float, float]:
    """(seconds on a processor, seconds waiting for one) of this process's threads so far;
    zeros where the kernel does not say."""
    on = wait = 0
    for f in Path("/proc/self/task").glob("*/schedstat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            a, b = f.read_text().split()[:2]
            on, wait = on + int(a), wait + int(b)
    return on / 1e9, wait / 1e9


class Clock:
    """Processor and wall time spent in each wrapped function during one import, and of it
    the processor time inside the connection's ``execute`` and ``executemany`` calls (the
    statements' own work: SQLite, SQLCipher and the driver binding the parameters), given
    to every stage running at the time and to the whole import ("" here)."""

    def __init__(self) -> None:
        self.cpu: dict[str, float] = {}
        self.wall: dict[str, float] = {}
        self.sql: dict[str, float] = {}
        self.running: list[str] = [""]

    def add(self, name: str, cpu: float, wall: float) -> None:
        self.cpu[name] = self.cpu.get(name, 0.0) + cpu
        self.wall[name] = self.wall.get(name, 0.0) + wall

    def add_sql(self, cpu: float) -> None:
        for name in self.running:
            self.sql[name] = self.sql.get(name, 0.0) + cpu

    def wrap(self, name: str, real: Callable[..., object]) -> Callable[..., object]:
        @functools.wraps(real)
        def timed(*a: object, **k: object) -> object:
            c0, w0 = time.process_time(), time.perf_counter()
            self.running.append(name)
            try:
                return real(*a, **k)
            finally:
                self.running.pop()
                self.add(name, time.process_time() - c0, time.perf_counter() - w0)
        return timed

    def statements(self, real: Callable[..., object]) -> Callable[..., object]:
        @functools.wraps(real)
        def timed(*a: object, **k: object) -> object:
            c0 = time.process_time()
            try:
                return real(*a, **k)
            finally:
                self.add_sql(time.process_time() - c0)
        return timed


@contextlib.contextmanager
def timing(clock: Clock) -> Iterator[None]:
    """The stages wrapped, and the commit of the import's transaction timed (from the end
    of the ``with`` body to its exit), in this process only, inside this block."""
    patched: list[tuple[object, str, object]] = []
    for name, module, attr, _depth in STAGES:
        real = getattr(module, attr, None)
        if real is None:  # a stage the code measured does not have
            continue
        patched.append((module, attr, real))
        setattr(module, attr, clock.wrap(name, real))
    real_txn = writer.Store.transaction

    @contextlib.contextmanager
    def transaction(self: writer.Store, *a: object, **k: object) -> Iterator[None]:
        pushed = False
        try:
            with real_txn(self, *a, **k):
                yield
                c0, w0 = time.process_time(), time.perf_counter()
                clock.running.append("commit")
                pushed = True
        finally:
            if pushed:
                clock.running.remove("commit")
        clock.add("commit", time.process_time() - c0, time.perf_counter() - w0)

    patched.append((writer.Store, "transaction", real_txn))
    writer.Store.transaction = transaction  # type: ignore[method-assign]
    for attr in ("execute", "executemany"):  # the class of every program connection
        real = getattr(dbapi.Connection, attr)
        patched.append((dbapi.Connection, attr, real))
        setattr(dbapi.Connection, attr, clock.statements(real))
    try:
        yield
    finally:
        for module, attr, real in reversed(patched):
            setattr(module, attr, real)


def _plain_pages(data: bytes, key: bytes, page: int) -> bytes | None:
    """The pages of an encrypted file as SQLite's own, at the same page numbers, for
    ``dbstat`` (SQLCipher has none, and its export renumbers the pages): SQLCipher 4 with a
    raw key encrypts each page but its reserve (IV and HMAC) with AES-256-CBC under the key
    itself, page 1 after its 16-byte salt. The reserve is found from page 1's header (byte 20
    says it); None if neither of SQLCipher's sizes gives a header."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    def plain(i: int, reserve: int) -> bytes:
        raw = data[i * page:(i + 1) * page]
        start = 16 if i == 0 else 0
        dec = Cipher(algorithms.AES(key), modes.CBC(raw[page - reserve:page - reserve + 16])
                     ).decryptor()
        body = dec.update(raw[start:page - reserve]) + dec.finalize()
        return (b"SQLite format 3\x00" if i == 0 else b"") + body + raw[page - reserve:]

    for reserve in (48, 80):  # HMAC-SHA256 (this program's files), HMAC-SHA512 (older)
        if plain(0, reserve)[20] == reserve:
            return b"".join(plain(i, reserve) for i in range(len(data) // page))
    return None


def _rewritten(target: builders.Built, bundle: Path, tkeys: keys.SiteKeys, work: Path
               ) -> str:
    """One more import (not timed), and the pages it rewrote by the b-tree they belong to:
    the file's pages compared before and after (both checkpointed; a page not rewritten keeps
    its bytes), then named by ``dbstat`` on a decrypted copy of the file after."""
    import sqlite3  # the standard library's: dbstat

    copy = target.copy_to(work, "pages.db")
    conn = db.open_database(copy.path, key=target.key)
    try:
        page = int(conn.execute("PRAGMA page_size").fetchone()[0])
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        before = copy.path.read_bytes()
        exchange.import_files(conn, tkeys, [bundle])
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        after = copy.path.read_bytes()
    finally:
        conn.close()
    old = len(before) // page
    changed = [i + 1 for i in range(len(after) // page)
               if i >= old or before[i * page:(i + 1) * page] != after[i * page:(i + 1) * page]]
    plain = _plain_pages(after, target.key, page)
    bs._remove_db(copy.path)
    if plain is None:
        return "pages rewritten: the file's cipher settings not known here"
    path = work / "pages-plain.db"
    path.write_bytes(plain)
    try:
        owner_conn = sqlite3.connect(path)
        try:
            owner = dict(owner_conn.execute("SELECT pageno, name FROM dbstat"))
            sizes: dict[str, int] = {}
            for name in owner.values():
                sizes[name] = sizes.get(name, 0) + 1
        finally:
            owner_conn.close()
    finally:
        path.unlink(missing_ok=True)
    counts: dict[str, list[int]] = {}
    for p in changed:
        c = counts.setdefault(owner.get(p, "(free pages)"), [0, 0])
        c[0] += 1
        c[1] += p > old
    top = sorted(counts.items(), key=lambda kv: -kv[1][0])
    shown = ", ".join(f"{name} {n:,} of {sizes.get(name, 0):,} ({new:,} new)"
                      for name, (n, new) in top[:8])
    rest = sum(n for _name, (n, _new) in top[8:])
    return (f"pages rewritten by b-tree (one more import, not timed; of the pages it has "
            f"after): {len(changed):,} in all — {shown}"
            + (f", {rest:,} in {len(top) - 8} others" if rest else ""))


def measure(target: builders.Built, sender_base: builders.Built, work: Path,
            reps: int, pages: bool = False) -> None:
    print(f"\n{builders.describe(target)}")
    t, s = bs.enrolled(target, sender_base, work)
    sconn = s.open()
    bundles: dict[str, Path] = {}
    try:
        skeys = keys.unlock(sconn)
        for lines in ("change lines", "record lines"):  # as bench_sync: to a peer that
            # did not say what it reads, then what an updated pair send each other
            if not bs.reads_records(sconn, said=lines == "record lines") \
                    and lines == "record lines":
                break  # the code before record lines
            usb = work / lines.replace(" ", "-")
            usb.mkdir()
            [exported] = exchange.export_to_folder(sconn, skeys, usb)
            bundles[lines] = usb / exported.path.name
    finally:
        sconn.close()
    probe = t.open()
    try:
        tkeys = keys.unlock(probe)
    finally:
        probe.close()
    every: dict[str, list[tuple[Clock, float, float, float, float]]] = {k: [] for k in bundles}
    traffic: dict[str, list[Traffic]] = {k: [] for k in bundles}
    for rep in range(reps):
        for lines in (list(bundles) if rep % 2 else list(bundles)[::-1]):  # alternated
            runs = every[lines]
            copy = t.copy_to(work, "import.db")
            conn = db.open_database(copy.path, key=t.key)
            clock = Clock()
            try:
                page = int(conn.execute("PRAGMA page_size").fetchone()[0])
                pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
                with timing(clock):
                    s0, i0 = _sched(), _io()
                    c0, w0 = time.process_time(), time.perf_counter()
                    [result] = exchange.import_files(conn, tkeys, [bundles[lines]])
                    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
                    s1, i1 = _sched(), _io()
                grown = int(conn.execute("PRAGMA page_count").fetchone()[0]) - pages
                traffic[lines].append(Traffic(
                    *(i1.get(k, 0) - i0.get(k, 0) for k in ("syscr", "syscw", "wchar")),
                    grown, page))
                if result.status != "imported":
                    raise SystemExit(f"import: {result.status}: {result.message}")
                runs.append((clock, cpu, wall, s1[1] - s0[1], wall - (s1[0] - s0[0])
                             - (s1[1] - s0[1])))
            finally:
                conn.close()
                bs._remove_db(copy.path)
    for lines, runs in sorted(every.items(), reverse=True):
        print(f"   bundle in {lines} ({bundles[lines].stat().st_size / 1e6:.1f} MB):")
        _table(runs, exported.changes)
        print("   " + Traffic(*(int(statistics.median(t[i] for t in traffic[lines]))
                                  for i in range(5))).describe())
        if pages and lines == "record lines":  # change lines write the same records
            print("   " + _rewritten(t, bundles[lines], tkeys, work))
    for p in (t.path, s.path):
        bs._remove_db(p)


def _table(runs: Sequence[tuple[Clock, float, float, float, float]], changes: int) -> None:
    """The median of each stage over ``runs``."""
    reps = len(runs)
    cpu = statistics.median(r[1] for r in runs)
    wall = statistics.median(r[2] for r in runs)
    print(f"   {changes:,} field changes; import median {wall:.2f} s wall, {cpu:.2f} s "
          f"processor of {reps} (waiting for a processor "
          f"{statistics.median(r[3] for r in runs):.2f} s, blocked "
          f"{statistics.median(r[4] for r in runs):.2f} s)")
    print(f"   {'stage':32s} {'processor':>10s} {'share':>6s} {'wall':>8s} {'SQL':>8s}")
    top = top_sql = 0.0
    for name, _module, _attr, depth in (*STAGES, ("commit", None, "", 0)):
        c = statistics.median(r[0].cpu.get(name, 0.0) for r in runs)
        w = statistics.median(r[0].wall.get(name, 0.0) for r in runs)
        q = statistics.median(r[0].sql.get(name, 0.0) for r in runs)
        top += c if depth == 0 else 0.0
        top_sql += q if depth == 0 else 0.0
        print(f"   {'  ' * depth + name:32s} {c:9.3f}s {100 * c / cpu:5.0f}% {w:7.3f}s "
              f"{q:7.3f}s")
    sql = statistics.median(r[0].sql.get("", 0.0) for r in runs)
    print(f"   {'other':32s} {max(cpu - top, 0.0):9.3f}s {100 * max(cpu - top, 0) / cpu:5.0f}%"
          f" {'':8s} {max(sql - top_sql, 0.0):7.3f}s")
    print(f"   statements (execute, executemany) {sql:.3f}s of the {cpu:.3f}s, "
          f"{100 * sql / cpu:.0f}%; the rest is Python (a cursor's rows after its first "
          f"are read in Python's time)")
    sys.stdout.flush()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    bk.add_size_options(parser)
    parser.add_argument("--reps", type=int, default=3, help="imports per target")
    parser.add_argument("--pages", action="store_true",
                        help="one more import of the record lines, not timed: the pages it "
                             "rewrote by b-tree (decrypts a copy of the file: a few seconds)")
    args = parser.parse_args(argv)
    people = bs.PEOPLE
    if args.quick:
        args.reps = min(args.reps, 2)
        people = min(people, 2_000)
    started = bk.header("ANTQ Desk import stages: where a bundle import's time goes")
    with bk.run_folder("sync") as folder, bk.scratch(folder, "import-stages") as work:
        senders = {kind: bs.sender(folder, kind, people) for kind in ("province", "commune")}
        for target in builders.databases(folder, bk.sizes_of(args), bk.province_scale(args),
                                         seed=args.seed):
            other = "province" if target.site_kind == "commune" else "commune"
            sub = work / f"{target.site_kind}-{target.people}"
            sub.mkdir()
            measure(target, senders[other], sub, args.reps, args.pages)
    bk.footer(started)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
