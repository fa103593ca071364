"""Sync benchmark: a bundle of 100,000 field changes (10,000 people of 10 versioned fields)
imported into databases that already hold 10k, 100k and 300k people, and into the province
of Điện Biên's size; the safety copy made around it.

    .venv/bin/python tests/benchmarks/bench_sync.py [--quick] [--sizes 10000] [--reps 3]

Into a commune database the bundle comes from its province (the province wrote the people
for one of the commune's villages); into the province database it comes from a commune. The
sender writes it in change lines (to a peer enrolled by an older program and not heard from
since it was updated) and then in record lines (what an updated pair send each other, their
enrolment files having said what each reads); both are imported and printed, the record
lines being "the import". Each repetition imports into a fresh copy of the enrolled target
(``exchange.import_files``: the program's import, its before-import protection included) and,
in rotating order, writes the same rows with one ``executemany`` per table in one transaction:

- **plain tables** (the goal's baseline): the records' rows and one row per field change in
  tables without index, constraint or trigger, in a new encrypted file;
- **full schema**: the records' rows into the target's own tables (their indexes, foreign keys
  and search triggers), the field changes into a plain table beside them (how versions are
  stored is the program's business; a raw writer has no equivalent).

Neither baseline decrypts or checks the bundle, merges versions, resolves conflicts, writes
the audit log or protects the database first. It prints the import speed as the median of the
paired ratios baseline time / import time (goal ≥ 0.3 against plain tables at province
size), in wall time and in this process's processor time (steadier on a shared machine). At
province size (every size with ``--all-protection``) the safety copies, as a
share of the import (goal ≤ 10 %): a whole backup (``backup.backup_now``) of the target, and
the import's own protection, weighed by a fourth side of the rotation: the same import with
the protection patched out in this process (a whole copy by ``backup.backup_now`` skipped,
an undo journal's ``undo.start`` not run), in wall time and in this process's CPU time. With
``--cipher`` the import into a plain copy of the target joins the rotation (encryption's
cost, issue 11). Nothing is asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import shutil
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import benchkit as bk
import builders

from desktop.domain.kinds import KINDS
from desktop.storage import backup, db, dbapi, paths, site
from desktop.storage.writer import Store
from desktop.sync import enrol, exchange, keys

PEOPLE = 10_000  # x 10 versioned fields (9 values and the tombstone) = 100,000 field changes
IMPORT_GOAL, PROTECTION_GOAL = 0.3, 0.10


def people(n: int, village: str) -> list[dict[str, object]]:
    return [{"full_name": f"Nguyễn Văn Người {i}", "birth_date": f"{1950 + i % 60}",
             "gender": ("male", "female")[i % 2],
             "citizen_id": builders.citizen_id(1950 + i % 60, ("male", "female")[i % 2],
                                               960_000 + i),
             "old_id_number": f"{i:09d}", "phone": f"09{i % 100_000_000:08d}",
             "address": f"Bản {i % 40}, xã Mường Nhé", "notes": f"Ghi chú số {i}",
             "residence_unit_id": village} for i in range(n)]


# -- the sending sites ---------------------------------------------------------------------------

def sender(folder: Path, kind: str, n: int) -> builders.Built:
    """A new site of ``kind`` that wrote ``n`` people into a new village of commune 03160:
    built once, copied for each target (each copy enrols with its target)."""
    path = folder / f"sender-{kind}-{n}.db"
    found = builders.Built.load(path)
    if found is not None:
        return found
    t0 = time.perf_counter()
    conn = builders._new_database(path)
    key = db.known_key(path)
    assert key is not None
    try:
        if kind == "province":
            site.init_site(conn, name="Công an tỉnh Điện Biên (gửi)",
                           province_code=builders.PROVINCE_CODE)
        else:
            site.init_site(conn, name="Công an xã Mường Nhé (gửi)",
                           commune_code=builders.COMMUNE_CODE)
        keys.init_keys(conn)
        store = Store(conn, actor="bench", today=builders.TODAY)
        village = store.add("unit", {"name": "Bản Mới Đến", "level": "village",
                                     "parent_id": builders.COMMUNE_CODE}).id
        store.add_many("person", people(n, village))
        built = builders.Built(path, key, kind, "", n, builders.counts(conn),
                               time.perf_counter() - t0, f"{kind} sending {n:,} people")
    finally:
        builders._finish(conn)
    built.save()
    return built


def enrolled(target: builders.Built, sender_base: builders.Built, work: Path
             ) -> tuple[builders.Built, builders.Built]:
    """Copies of the target and of the sender, enrolled with each other (the commune asks,
    the province accepts)."""
    t = target.copy_to(work, "target.db")
    s = sender_base.copy_to(work, "sender.db")
    tconn, sconn = t.open(), s.open()
    try:
        keys.init_keys(tconn)
        commune, province = (tconn, sconn) if t.site_kind == "commune" else (sconn, tconn)
        ckeys, pkeys = keys.unlock(commune), keys.unlock(province)
        req, ans = work / "request.json", work / "answer.json"
        fp = enrol.make_request(commune, ckeys, req)
        enrol.accept_request(province, pkeys, req, ans, confirmed_fingerprint=fp)
        enrol.install_response(commune, ans, keys.fingerprint(pkeys.site.site_id,
                                                              pkeys.public))
        for c in (tconn, sconn):
            c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        tconn.close()
        sconn.close()
    return t, s


def reads_records(conn: dbapi.Connection, said: bool = True) -> bool:
    """Note at the sender what its peer (the target) reads: record lines, as its enrolment
    file or first bundle tells it (the target runs this program), or, not ``said``, nothing
    (a peer enrolled by an older program and not heard from since it was updated: change
    lines). False when this program has no record lines (the code before them, measured
    side by side)."""
    try:
        from desktop.storage import migrations

        conn.execute("UPDATE sync_site SET peer_schema = ?",
                     (migrations.latest_version() if said else None,))
    except dbapi.OperationalError:  # no such column
        return False
    return True


# -- what the bundle carries, as raw rows -------------------------------------------------------

def changes_of(conn: dbapi.Connection) -> list[tuple[object, ...]]:
    """One row per field change the sender wrote: (table, record id, field, value, stamp,
    origin, partition, sequence)."""
    try:
        from desktop.storage import versions

        cells = list(versions.all_cells(conn))
    except (ImportError, AttributeError):  # the versions' API changed: the values alone
        cells = []
    values: dict[tuple[str, str], dict[str, object]] = {}
    for cell in cells:
        values.setdefault((cell[0], cell[1]), {})
    for (tbl, pk) in list(values):
        row = conn.execute(f"SELECT * FROM {tbl} WHERE id = ?", (pk,)).fetchone()
        values[(tbl, pk)] = dict(row) if row else {}
    if cells:
        return [(c[0], c[1], c[2], values[(c[0], c[1])].get(c[2]), c[3], c[4], c[5], c[6])
                for c in cells]
    out = []
    for kind in KINDS.values():
        for row in conn.execute(f"SELECT * FROM {kind.table} WHERE _deleted = 0"):
            if kind.name in ("person", "unit") and (kind.name != "unit"
                                                    or row["level"] == "village"):
                out += [(kind.table, row["id"], f.name, row[f.name], 0, "", "", 0)
                        for f in kind.fields if row[f.name] is not None]
    return out


def rows_of(conn: dbapi.Connection, changes: Sequence[tuple[object, ...]]
            ) -> dict[str, tuple[list[str], list[tuple[object, ...]]]]:
    """The changed records' rows, table by table in KINDS order (units before people)."""
    ids: dict[str, set[object]] = {}
    for c in changes:
        ids.setdefault(str(c[0]), set()).add(c[1])
    out = {}
    for kind in KINDS.values():
        if kind.table not in ids:
            continue
        cols = [r[1] for r in conn.execute(f"PRAGMA table_info({kind.table})")
                if r[1] != "_rowid"]
        wanted = ids[kind.table]
        rows = [tuple(r[c] for c in cols) for r in conn.execute(
            f"SELECT {', '.join(cols)} FROM {kind.table}") if r["id"] in wanted]
        out[kind.table] = (cols, rows)
    return out


CHANGE_TABLE = ("CREATE TABLE bench_field_change (tbl, pk, field, value, hlc, origin, part, "
                "seq)")


def write_raw(conn: dbapi.Connection, rows: dict[str, tuple[list[str], list[tuple]]],
              changes: Sequence[tuple[object, ...]], *, create: bool) -> float:
    """executemany of every table's rows and of the field changes, one transaction."""
    if create:
        for table, (cols, _rows) in rows.items():
            conn.execute(f"CREATE TABLE {table} ({', '.join(cols)})")
    conn.execute(CHANGE_TABLE)
    t0 = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    for table, (cols, table_rows) in rows.items():
        conn.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES "
                         f"({', '.join('?' * len(cols))})", table_rows)
    conn.executemany("INSERT INTO bench_field_change VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     changes)
    conn.execute("COMMIT")
    return time.perf_counter() - t0


@contextlib.contextmanager
def protection_off() -> Iterator[None]:
    """The import with its protection switched off, to weigh the protection: a whole copy
    (``backup.backup_now``) is skipped, an undo journal (``undo.start``) not started. Only
    this benchmark's process is patched, only inside this block."""
    patched: list[tuple[object, str, object]] = []

    def skip_backup(*_a: object, **_k: object) -> Path:
        return Path("skipped")

    def skip_journal(*_a: object, **_k: object) -> None:
        return None

    patched.append((backup, "backup_now", backup.backup_now))
    backup.backup_now = skip_backup  # type: ignore[assignment]
    try:
        from desktop.storage import undo
    except ImportError:
        undo = None  # type: ignore[assignment]
    if undo is not None and hasattr(undo, "start"):
        patched.append((undo, "start", undo.start))
        undo.start = skip_journal  # type: ignore[assignment]
    try:
        yield
    finally:
        for module, name, real in patched:
            setattr(module, name, real)


@contextlib.contextmanager
def timing_backups(spent: list[float]) -> Iterator[None]:
    """Time every whole copy ``backup.backup_now`` makes meanwhile (the import's protection,
    as long as it is one)."""
    real = backup.backup_now

    def timed_backup(*a: object, **k: object) -> Path:
        t0 = time.perf_counter()
        try:
            return real(*a, **k)  # type: ignore[arg-type]
        finally:
            spent.append(time.perf_counter() - t0)

    backup.backup_now = timed_backup  # type: ignore[assignment]
    try:
        yield
    finally:
        backup.backup_now = real  # type: ignore[assignment]


def _remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", ".keys"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    shutil.rmtree(paths.backups_dir(path), ignore_errors=True)
    db.forget_key(path)


# -- one target ------------------------------------------------------------------------------------

def measure(target: builders.Built, sender_base: builders.Built, work: Path,
            args: argparse.Namespace) -> dict[str, float]:
    print(f"\n{builders.describe(target)}")
    t, s = enrolled(target, sender_base, work)
    sconn = s.open()
    try:
        usb, usb_lines = work / "usb", work / "usb-change-lines"
        usb.mkdir()
        usb_lines.mkdir()
        skeys = keys.unlock(sconn)
        # The bundle of a sender that has not heard from the target since it was updated:
        # change lines, one per field version (what every program reads).
        reads_records(sconn, said=False)
        [as_lines] = exchange.export_to_folder(sconn, skeys, usb_lines)
        # Then what an updated pair send each other (the enrolment or the target's first
        # bundle tells the sender that its program reads record lines).
        records = reads_records(sconn)
        t0 = time.perf_counter()
        [exported] = exchange.export_to_folder(sconn, skeys, usb)
        t_export = time.perf_counter() - t0
        changes = changes_of(sconn)
        rows = rows_of(sconn, changes)
    finally:
        sconn.close()
    bundle = usb / exported.path.name
    bundle_lines = usb_lines / as_lines.path.name
    n_rows = sum(len(r) for _c, r in rows.values())
    before = t.counts.get("person", 0)
    plain_target = work / "target-plain.db"
    if args.cipher:
        bk.plain_copy(t.path, t.key, plain_target)
    protection: list[float] = []
    backups_in_import: list[int] = []
    cpu: dict[bool, list[float]] = {True: [], False: []}  # this process's CPU time of imports
    probe = t.open()
    try:
        tkeys = keys.unlock(probe)  # sealed under the database key: a plain copy has none
    finally:
        probe.close()

    cpu_lines: list[float] = []

    def do_import(plain: bool = False, protect: bool = True, path: Path = bundle) -> float:
        copy = work / "import.db"
        if plain:
            shutil.copyfile(plain_target, copy)
            conn = db.open_file(copy, None)
            db.configure(conn, copy)
        else:
            t.copy_to(work, copy.name)
            conn = db.open_database(copy, key=t.key)
        try:
            spent: list[float] = []
            with timing_backups(spent) if protect else protection_off():
                t0, c0 = time.perf_counter(), time.process_time()
                [result] = exchange.import_files(conn, tkeys, [path])
                elapsed = time.perf_counter() - t0
                if path != bundle:
                    cpu_lines.append(time.process_time() - c0)
                elif not plain:
                    cpu[protect].append(time.process_time() - c0)
            if result.status != "imported":
                raise SystemExit(f"import: {result.status}: {result.message}")
            got = conn.execute("SELECT count(*) FROM person WHERE _deleted = 0").fetchone()[0]
            if got != before + args.people:
                raise SystemExit(f"import: {got:,} people, expected {before + args.people:,}")
            if not plain and protect and path == bundle:
                protection.append(sum(spent))
                backups_in_import.append(len(spent))
            return elapsed
        finally:
            conn.close()
            _remove_db(copy)

    raw_cpu: dict[str, list[float]] = {"plain": [], "full": []}

    def plain_tables() -> float:
        path = work / "raw.db"
        conn = dbapi.connect(str(path), isolation_level=None)
        try:
            db.set_key(conn, t.key)  # encrypted, as the program's (its cipher settings)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            c0 = time.process_time()
            took = write_raw(conn, rows, changes, create=True)
            raw_cpu["plain"].append(time.process_time() - c0)
            return took
        finally:
            conn.close()
            _remove_db(path)

    def full_schema() -> float:
        copy = t.copy_to(work, "full.db")
        conn = copy.open()
        try:
            c0 = time.process_time()
            took = write_raw(conn, rows, changes, create=False)
            raw_cpu["full"].append(time.process_time() - c0)
            return took
        finally:
            conn.close()
            _remove_db(copy.path)

    sides: dict[str, Callable[[], float]] = {"import": do_import, "plain tables": plain_tables,
                                              "full schema": full_schema}
    if records:
        sides["import, change lines"] = lambda: do_import(path=bundle_lines)
    if args.cipher:
        sides["import, plain copy"] = lambda: do_import(plain=True)
    weigh = t.site_kind == "province" or args.all_protection  # the goal is at province size
    if weigh:
        sides["import, protection off"] = lambda: do_import(protect=False)
    times = bk.rotate(sides, args.reps)
    imp = statistics.median(times["import"])
    plain = bk.Paired(times["import"], times["plain tables"])
    full = bk.Paired(times["import"], times["full schema"])
    # The same in processor time (steadier on a shared machine; no waiting for the disk).
    plain_cpu = bk.Paired(cpu[True], raw_cpu["plain"])
    full_cpu = bk.Paired(cpu[True], raw_cpu["full"])
    n_changes = exported.changes or len(changes)
    lines = "record lines" if records else "change lines (this program has no record lines)"
    print(f"   bundle: {n_changes:,} field changes ({len(changes):,} read back) in {lines}, "
          f"{exported.bytes / 1e6:.1f} MB, exported in {t_export:.2f} s; raw rows "
          f"{n_rows:,} records + {len(changes):,} field changes")
    print(f"   import (exchange.import_files, protection included): median {imp:.2f} s of "
          f"{args.reps} ({n_changes / imp:,.0f} changes/s), {statistics.median(cpu[True]):.2f}"
          f" s processor")
    print(f"   raw executemany, plain tables: median "
          f"{statistics.median(times['plain tables']):.2f} s, "
          f"{statistics.median(raw_cpu['plain']):.2f} s processor; import speed "
          f"{plain.describe()}, in processor time {plain_cpu.ratio:.2f} ({plain_cpu.spread()})"
          f"; goal ≥ {IMPORT_GOAL}: {bk.verdict(plain.ratio >= IMPORT_GOAL)}")
    print(f"   raw executemany, the target's full schema: median "
          f"{statistics.median(times['full schema']):.2f} s, "
          f"{statistics.median(raw_cpu['full']):.2f} s processor; import speed "
          f"{full.describe()}, in processor time {full_cpu.ratio:.2f} ({full_cpu.spread()})")
    lines_plain = lines_plain_cpu = math.nan
    if records:  # the same versions as change lines (a peer not heard from since updating)
        old = bk.Paired(times["import, change lines"], times["plain tables"])
        old_cpu = bk.Paired(cpu_lines, raw_cpu["plain"])
        vs = bk.Paired(times["import"], times["import, change lines"])
        vs_cpu = bk.Paired(cpu[True], cpu_lines)
        lines_plain, lines_plain_cpu = old.ratio, old_cpu.ratio
        print(f"   the same bundle in change lines ({as_lines.bytes / 1e6:.1f} MB): median "
              f"{statistics.median(times['import, change lines']):.2f} s, "
              f"{statistics.median(cpu_lines):.2f} s processor; speed / raw plain tables "
              f"{old.describe()}, in processor time {old_cpu.ratio:.2f} ({old_cpu.spread()}); "
              f"record lines' import speed / change lines' {vs.describe()}, in processor "
              f"time {vs_cpu.ratio:.2f} ({vs_cpu.spread()})")
    if args.cipher:
        enc = bk.Paired(times["import, plain copy"], times["import"])
        print(f"   import into a plain copy: median "
              f"{statistics.median(times['import, plain copy']):.2f} s; encrypted / plain "
              f"{enc.describe()} (issue 11 budget ≤ 1.3)")
        _remove_db(plain_target)
    share = math.nan
    if weigh:  # Safety copies: a whole backup now, and what the import spends protecting.
        copy = t.copy_to(work, "backup-src.db")
        conn = copy.open()
        try:
            t0 = time.perf_counter()
            made = backup.backup_now(conn, copy.path, "bench")
            t_backup = time.perf_counter() - t0
            size = made.stat().st_size
        finally:
            conn.close()
            _remove_db(copy.path)
        copies = max(backups_in_import) if backups_in_import else 0
        off = bk.Paired(times["import, protection off"], times["import"])
        off_cpu = bk.Paired(cpu[False], cpu[True])
        share = off.ratio - 1  # what the protection adds to an import without it
        print(f"   whole backup (backup.backup_now): {t_backup:.2f} s for {bk.mb(size)} = "
              f"{100 * t_backup / imp:.0f} % of the import")
        what = (f"{copies} whole cop{'y' if copies == 1 else 'ies'} (backup.backup_now, "
                f"{statistics.median(protection):.2f} s)" if copies else
                "no whole copy; an undo journal (undo.start)")
        print(f"   before-import protection: {what}; the import without it (patched out in "
              f"this process) median {statistics.median(times['import, protection off']):.2f}"
              f" s: the protection adds {100 * share:.0f} % of wall time (median of "
              f"{len(off.ratios)} paired, {off.spread()} with / without) and "
              f"{100 * (off_cpu.ratio - 1):.0f} % of this process's CPU time "
              f"({off_cpu.spread()}; steadier on a shared machine); goal ≤ "
              f"{PROTECTION_GOAL:.0%}: {bk.verdict(share <= PROTECTION_GOAL)}")
        share_cpu = off_cpu.ratio - 1
    sys.stdout.flush()
    for p in (t.path, s.path):
        _remove_db(p)
    shutil.rmtree(usb, ignore_errors=True)
    shutil.rmtree(usb_lines, ignore_errors=True)
    return {"import": imp, "import cpu": statistics.median(cpu[True]),
            "lines plain ratio": lines_plain, "lines plain cpu ratio": lines_plain_cpu,
            "plain ratio": plain.ratio, "full ratio": full.ratio,
            "plain cpu ratio": plain_cpu.ratio, "full cpu ratio": full_cpu.ratio,
            "protection share": share, "protection cpu": share_cpu if weigh else math.nan}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    bk.add_size_options(parser)
    parser.add_argument("--reps", type=int, default=3, help="imports (and baselines) per size")
    parser.add_argument("--people", type=int, default=PEOPLE,
                        help="people in the bundle (10 field changes each)")
    parser.add_argument("--all-protection", action="store_true",
                        help="weigh the protection at every size, not only the province")
    parser.add_argument("--cipher", action="store_true",
                        help="also import into a plain copy (encryption's cost)")
    args = parser.parse_args(argv)
    if args.quick:
        args.reps = min(args.reps, 2)
        args.people = min(args.people, 2_000)
    started = bk.header("ANTQ Desk sync benchmark: bundle import into databases of every size")
    results: dict[str, dict[str, float]] = {}
    with bk.run_folder("sync") as folder, bk.scratch(folder, "sync") as work:
        senders = {kind: sender(folder, kind, args.people) for kind in ("province", "commune")}
        for target in builders.databases(folder, bk.sizes_of(args), bk.province_scale(args),
                                         seed=args.seed):
            other = "province" if target.site_kind == "commune" else "commune"
            name = bk.label(target.people) if target.site_kind == "commune" else "province"
            results[name] = measure(target, senders[other], work, args)
    print(f"\ngrowth with the target's size ({args.people * 10:,} field changes each):")
    print("   import time (wall; processor): " + ", ".join(
        f"{k} {v['import']:.2f} s; {v['import cpu']:.2f} s" for k, v in results.items()))
    print("   speed / raw plain tables (wall; processor): " + ", ".join(
        f"{k} {v['plain ratio']:.2f}; {v['plain cpu ratio']:.2f}" for k, v in results.items()))
    print("   the same in change lines, speed / raw plain tables (wall; processor): " + ", ".join(
        f"{k} {v['lines plain ratio']:.2f}; {v['lines plain cpu ratio']:.2f}"
        for k, v in results.items()))
    print("   speed / raw full schema (wall; processor):  " + ", ".join(
        f"{k} {v['full ratio']:.2f}; {v['full cpu ratio']:.2f}" for k, v in results.items()))
    print("   protection / import (wall, CPU): " + ", ".join(
        f"{k} {100 * v['protection share']:.0f} %, {100 * v['protection cpu']:.0f} %"
        for k, v in results.items() if not math.isnan(v["protection share"])))
    bk.footer(started)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
