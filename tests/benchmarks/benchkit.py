"""What every benchmark shares: the sizes, the run's temporary folder, alternation of baseline
and subject (ABAB…) with the median of the paired ratios, percentiles, growth, the machine.

Benchmarks print figures; none asserts a timing. Databases are built (builders.py) and
cached only inside the run's folder: ``run_all.py`` makes one for the whole run and passes it
in ``ANTQ_BENCH_DIR``; a benchmark run alone makes its own. Either way the folder is removed
at the end, also after Ctrl-C or a SIGTERM.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parents[2]
BENCH = Path(__file__).resolve().parent
for _p in (ROOT, BENCH):  # run as plain scripts: the program and the sibling modules
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

from desktop.storage import dbapi  # noqa: E402

if TYPE_CHECKING:
    from desktop.sync.keys import SiteKeys

FULL_SIZES = (10_000, 100_000, 300_000)
QUICK_SIZES = (2_000, 5_000, 10_000)
QUICK_PROVINCE = 0.1  # --quick: a province a tenth of Điện Biên's size
RUN_DIR_ENV = "ANTQ_BENCH_DIR"


# -- options every benchmark takes ------------------------------------------------------------

def add_size_options(parser: argparse.ArgumentParser, *, province: bool = True) -> None:
    parser.add_argument("--quick", action="store_true",
                        help=f"development sizes {', '.join(f'{n:,}' for n in QUICK_SIZES)} "
                             f"people (and a province at {QUICK_PROVINCE:g} of its size)")
    parser.add_argument("--sizes", help="people per commune database, comma-separated "
                        f"(default {','.join(str(n) for n in FULL_SIZES)})")
    if province:
        parser.add_argument("--no-province", action="store_true",
                            help="skip the province-size database")
    parser.add_argument("--seed", type=int, default=2026)


def sizes_of(args: argparse.Namespace) -> list[int]:
    if args.sizes:
        return sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()})
    return list(QUICK_SIZES if args.quick else FULL_SIZES)


def province_scale(args: argparse.Namespace) -> float | None:
    if getattr(args, "no_province", False):
        return None
    return QUICK_PROVINCE if args.quick else 1.0


# -- the run's folder ----------------------------------------------------------------------------

def interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt  # so that every ``finally`` (folder removal) runs


@contextlib.contextmanager
def run_folder(name: str) -> Iterator[Path]:
    """The folder databases are built and cached in: the run's (``ANTQ_BENCH_DIR``, removed
    by run_all.py) or this benchmark's own, removed when it ends, whatever the ending."""
    signal.signal(signal.SIGTERM, interrupt)
    shared = os.environ.get(RUN_DIR_ENV)
    if shared:
        Path(shared).mkdir(parents=True, exist_ok=True)
        yield Path(shared)
        return
    folder = Path(tempfile.mkdtemp(prefix=f"antq-bench-{name}-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def scratch(parent: Path, name: str) -> Iterator[Path]:
    """A working folder (copies of databases, bundles) removed when the block ends."""
    folder = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=parent))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# -- the machine ---------------------------------------------------------------------------------

def cipher_version() -> str:
    conn = dbapi.connect(":memory:")
    try:
        row = conn.execute("PRAGMA cipher_version").fetchone()
        return str(row[0]) if row else "none"
    finally:
        conn.close()


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def machine_line() -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return (f"{os.cpu_count()} CPUs ({cpu_model()}), {platform.platform()}, Python "
            f"{platform.python_version()}, SQLite {dbapi.sqlite_version}, SQLCipher "
            f"{cipher_version()}, load average {load}")


def header(title: str) -> float:
    print(title)
    print(f"machine: {machine_line()}")
    sys.stdout.flush()
    return time.perf_counter()


# -- figures -------------------------------------------------------------------------------------

def pct(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p95 of 20 values is the 19th smallest)."""
    s = sorted(values)
    if not s:
        return math.nan
    return s[max(0, min(len(s) - 1, math.ceil(p / 100 * len(s)) - 1))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms" if seconds < 0.1 else f"{seconds * 1000:,.0f} ms"


def mb(n_bytes: float) -> str:
    return f"{n_bytes / 1_048_576:,.1f} MB"


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def verdict(ok: bool) -> str:
    return "OK" if ok else "OVER"


@dataclass
class Paired:
    """Baseline and subject timed alternately; ``ratios`` are subject / baseline per pair."""

    baseline: list[float]
    subject: list[float]

    @property
    def ratios(self) -> list[float]:
        return [s / b for b, s in zip(self.baseline, self.subject, strict=True) if b > 0]

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios)

    def spread(self) -> str:
        r = sorted(self.ratios)
        if len(r) >= 8:
            q = statistics.quantiles(r, n=4)
            return f"IQR {q[0]:.2f}–{q[2]:.2f}"
        return f"min {r[0]:.2f}, max {r[-1]:.2f}"

    def describe(self, what: str = "ratio") -> str:
        return f"{what} {self.ratio:.2f} (median of {len(self.ratios)} paired, {self.spread()})"


def alternate(baseline: Callable[[], float], subject: Callable[[], float], reps: int, *,
              warmup: int = 0, budget_s: float | None = None, at_least: int = 3) -> Paired:
    """ABBA…: each callable does its work and returns its own seconds (so setup such as
    copying a database is left out of the time); the order flips every pair, so a slow
    moment of a shared machine falls on both sides. With ``budget_s``, pairs stop once that
    much time has gone (after ``at_least`` of them): slow code must not make the run endless."""
    for _ in range(warmup):
        baseline()
        subject()
    out = Paired([], [])
    t0 = time.perf_counter()
    for i in range(reps):
        if budget_s is not None and i >= at_least and time.perf_counter() - t0 > budget_s:
            break
        if i % 2 == 0:
            out.baseline.append(baseline())
            out.subject.append(subject())
        else:
            out.subject.append(subject())
            out.baseline.append(baseline())
    return out


def alternate_each(items: Sequence[object], baseline: Callable[[object], object],
                   subject: Callable[[object], object], *, budget_s: float | None = None,
                   at_least: int = 20) -> Paired:
    """One pair per item (a keystroke, a page), the order flipping item by item; with
    ``budget_s``, the items stop once that much time has gone (after ``at_least``)."""
    out = Paired([], [])
    t0 = time.perf_counter()
    for i, item in enumerate(items):
        if budget_s is not None and i >= at_least and time.perf_counter() - t0 > budget_s:
            break
        if i % 2 == 0:
            out.baseline.append(timed(lambda item=item: baseline(item)))
            out.subject.append(timed(lambda item=item: subject(item)))
        else:
            out.subject.append(timed(lambda item=item: subject(item)))
            out.baseline.append(timed(lambda item=item: baseline(item)))
    return out


def within(items: Sequence[object], fn: Callable[[object], object], budget_s: float, *,
           at_least: int = 20) -> list[float]:
    """The seconds of ``fn`` on each item, until ``budget_s`` is spent (after ``at_least``)."""
    out: list[float] = []
    t0 = time.perf_counter()
    for i, item in enumerate(items):
        if i >= at_least and time.perf_counter() - t0 > budget_s:
            break
        out.append(timed(lambda item=item: fn(item)))
    return out


def rotate(sides: Mapping[str, Callable[[], float]], reps: int) -> dict[str, list[float]]:
    """Like :func:`alternate` for three or more sides: the order rotates every repetition."""
    names = list(sides)
    out: dict[str, list[float]] = {n: [] for n in names}
    for i in range(reps):
        order = names[i % len(names):] + names[:i % len(names)]
        if i % 2:
            order.reverse()
        for n in order:
            out[n].append(sides[n]())
    return out


def median_ratio(subject: Sequence[float], baseline: Sequence[float]) -> tuple[float, str]:
    p = Paired(list(baseline), list(subject))
    return p.ratio, p.spread()


def label(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 and n >= 1000 else f"{n:,}"


def growth(values: Mapping[str, float], *, unit: str = "ms", log_sizes: Mapping[str, int]
           | None = None) -> str:
    """'10k 1.2 ms, 100k 1.9 ms (×1.6), 300k 2.5 ms (×2.1)': each against the first; with
    ``log_sizes``, what log n growth would give (the lists' goal), in brackets."""
    items = list(values.items())
    if not items:
        return "nothing measured"
    first_name, first = items[0]
    parts = []
    for name, v in items:
        shown = f"{v * 1000:.2f} ms" if unit == "ms" else f"{v:,.2f}{unit}"
        if name == first_name or not first:
            parts.append(f"{name} {shown}")
            continue
        extra = ""
        if log_sizes and name in log_sizes and first_name in log_sizes:
            lg = math.log(log_sizes[name]) / math.log(log_sizes[first_name])
            extra = f"; log n: ×{lg:.2f}"
        parts.append(f"{name} {shown} (×{v / first:.2f}{extra})")
    return ", ".join(parts)


def warm_roster(conn: dbapi.Connection) -> str:
    """What the people page's read-ahead worker does after the window's first roster
    (rosters.warm, 4,000 entries of the name index a step, then the ranks and the numbers a
    search reads, a step each; lent to the window's connection): done before timing
    keystrokes, as an officer's first key comes after it; its cost printed (processor time,
    and its longest step, mostly SQLite's, done without the interpreter's lock)."""
    from desktop.storage import rosters

    after, steps, longest, t0 = None, 0, 0.0, time.thread_time()
    while True:
        t1 = time.thread_time()
        after = rosters.warm(conn, after)
        longest, steps = max(longest, time.thread_time() - t1), steps + 1
        if after is None:
            break
    return (f"the window's idle warm-up first: {steps} steps, processor "
            f"{ms(time.thread_time() - t0)}, the longest step {ms(longest)}")


def rss_mb() -> float:
    """The process's peak resident memory in MB (10^6 bytes, the goal's unit; ru_maxrss is
    KiB on Linux, bytes on macOS: reading KiB / 1024 as "MB" printed MiB, 5 % under)."""
    import resource

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return (rss if sys.platform == "darwin" else rss * 1024) / 1e6


def footer(started: float) -> None:
    print(f"\ntotal run time {time.perf_counter() - started:.0f} s")


def plain_copy(encrypted: Path, key: bytes, plain: Path) -> None:
    """The same database without encryption (``sqlcipher_export`` into an unkeyed file):
    SQLCipher has no dbstat, and the encryption benchmark compares the two."""
    from desktop.storage import db

    conn = db.open_file(encrypted, key)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        conn.execute("ATTACH DATABASE ? AS plain KEY ''", (str(plain),))
        conn.execute("SELECT sqlcipher_export('plain')")
        conn.execute(f"PRAGMA plain.user_version = {int(version)}")
        conn.execute("DETACH DATABASE plain")
    finally:
        conn.close()
    if not db.is_plain(plain):
        raise SystemExit(f"{plain} did not come out plain")


def shared_plain_copy(encrypted: Path, key: bytes) -> Path:
    """The plain copy of a database of the run's folder, made once and shared by the
    benchmarks that read one (bench_size's dbstat, bench_cipher's plain side): exporting the
    300k commune is about 8 s of a run. Beside the database, removed with the run's folder;
    made again if either file changed since (sizes and times kept in a stamp beside them).
    Read it only: a benchmark that writes into a plain file makes its own copy."""
    plain = encrypted.with_name(encrypted.name + ".plain")
    stamp = encrypted.with_name(encrypted.name + ".plain-stamp")

    def files() -> list[list[int]]:
        return [[p.stat().st_size, p.stat().st_mtime_ns] for p in (encrypted, plain)]

    with contextlib.suppress(OSError, ValueError):
        if json.loads(stamp.read_text()) == files():
            return plain
    for p in (stamp, plain, Path(f"{plain}-wal"), Path(f"{plain}-shm")):
        p.unlink(missing_ok=True)
    plain_copy(encrypted, key, plain)
    stamp.write_text(json.dumps(files()))
    return plain


def enrolled_commune(province: Path, commune: Path, code: str,
                     name: str) -> tuple[SiteKeys, dbapi.Connection, SiteKeys]:
    """The province database at ``province`` given its keys, and a new commune site at
    ``commune`` enrolled at it as ``antq demo --scale province`` does: (the province's keys, the
    commune open, its keys). The province is left closed, its WAL folded in (it gets copied)."""
    from desktop.storage import db, site
    from desktop.sync import demo_province, keys

    pconn = db.open_database(province)
    keys.init_keys(pconn)
    pkeys = keys.unlock(pconn)
    cconn = db.open_database(commune)
    site.init_site(cconn, name=name, commune_code=code)
    keys.init_keys(cconn)
    ckeys = keys.unlock(cconn)
    demo_province.enrol_here(pconn, pkeys, cconn, ckeys, commune.parent, code)
    pconn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pconn.close()
    return pkeys, cconn, ckeys


def open_copy(source: Path, target: Path, *, checkpoint: bool = False) -> dbapi.Connection:
    """A copy of the encrypted database ``source`` (with its key file) at ``target``, open.
    ``checkpoint``: fold the source's WAL into its file first (its last writes were made by a
    connection that is still open, or closed without a checkpoint)."""
    from desktop.storage import db, keyfile

    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    if checkpoint:
        src = db.open_database(source)
        src.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        src.close()
    target.write_bytes(source.read_bytes())
    if keyfile.exists(source):
        keyfile.keyfile_path(target).write_bytes(keyfile.keyfile_path(source).read_bytes())
    key = db.known_key(source)
    assert key is not None
    db.remember_key(target, key)
    return db.open_database(target)
