"""Every benchmark, one after the other, sharing one temporary folder: the databases are built
once (builders.py) and the folder is removed at the end, also after Ctrl-C.

    .venv/bin/python tests/benchmarks/run_all.py [--quick] [--only size,storage] [--log F]

``make bench`` runs this (``make bench BENCH=--quick`` for the development sizes). Each
benchmark is its own process (clean memory figures; one failing does not hide the others);
what they print goes to the terminal, and to ``--log F`` too. Other options (``--sizes``,
``--seed``) are passed on to every benchmark.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import benchkit as bk

# Builds happen in the first that needs them: the sizes grow from one another.
ORDER = ("size", "storage", "sync", "undo", "duplicates", "window", "reports", "cipher", "lists",
         "province_import")
# Benchmarks on benchkit.add_size_options take the options given to run_all; the others
# only --quick, and those listed here these options in a full run (to stay within 15 min).
SIZED = {"size", "storage", "sync", "window", "reports", "cipher"}
FULL_RUN_OPTIONS = {"undo": ["--copy-reps", "1"],  # its pairs: up to 16 or 60 s a bundle
                    # Fewer pairs where the paired ratios were already tight enough for what
                    # they say (each prints its spread): the write path's insert 4 → 3 (×60–200
                    # of a raw executemany, no goal on it), the scan after a write 6 → 3
                    # (0.09–0.16 of the write; 0.05–0.08 in 4 pairs on 7 December, after one
                    # to warm up). Not the roster PDF: with 3 pairs at load 6–8 its ratios
                    # spread 0.8–2.0 around a goal of 1.5 (4 pairs, as before).
                    "storage": ["--insert-reps", "3"], "duplicates": ["--reps", "3"],
                    # Its own 45 communes, built here, at a fifth of Điện Biên's size (12,000
                    # people; --full-province-import: the whole size, about 10 more minutes);
                    # the per-file import of before issue 15 left out: the folder import and
                    # the raw baselines once.
                    "province_import": ["--scale", "0.2", "--reps", "1", "--no-baseline"]}
FULL_PROVINCE_IMPORT = ["--scale", "1", "--reps", "1", "--no-baseline"]


def setups(names: list[str], quick: bool, full_province_import: bool) -> list[str]:
    """What the benchmarks of this run would build for themselves before timing anything
    (builders.setup), for the province's builder to make once the province is built: the
    communes, grown 10k → 100k → 300k in one process, take twice as long, so the other core
    would idle meanwhile. A benchmark finds it in the run's folder (or builds it itself)."""
    import bench_province_import
    import bench_sync
    import bench_undo

    out = []
    if "sync" in names:  # its --people, at most 2,000 with --quick
        out.append(f"sync:{min(bench_sync.PEOPLE, 2_000) if quick else bench_sync.PEOPLE}")
    if "undo" in names:  # the province it runs on, the people it sends
        out.append(f"undo:{bk.QUICK_PROVINCE if quick else 1.0:g}:{bench_undo.PEOPLE}")
    if "province_import" in names:
        options = FULL_PROVINCE_IMPORT if full_province_import else FULL_RUN_OPTIONS[
            "province_import"]
        scale = (bench_province_import.QUICK_SCALE if quick else
                 float(options[options.index("--scale") + 1]))
        out.append(f"province_import:{scale:g}")
    return out


def build(env: dict[str, str], quick: bool, extra: list[str], started: float,
          log: TextIO | None, ahead: Sequence[str] = ()) -> None:
    """The communes and the province, built at once in two processes before any timing
    (they take most of a run; nothing is measured meanwhile); then, in the province's
    process, what the benchmarks build for themselves (``ahead``, from :func:`setups`)."""
    banner = "\n===== building the databases (builders.py: communes and province at once)"
    print(banner, flush=True)
    if log:
        log.write(banner + "\n")
    passed = [a for i, a in enumerate(extra)
              if a.startswith(("--sizes", "--seed", "--no-province"))
              or (i > 0 and extra[i - 1] in ("--sizes", "--seed"))]
    procs = [subprocess.Popen([sys.executable, str(bk.BENCH / "builders.py"), "--what", what,
                               *passed, *(["--quick"] if quick else []),
                               *(["--setups", ",".join(ahead)] if then and ahead else [])],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, cwd=bk.ROOT)
             for what, then in (("communes", False), ("province", True))]
    lock = threading.Lock()
    tails: dict[int, list[str]] = {}

    def relay(p: subprocess.Popen[str]) -> None:  # both builders' progress, as it comes
        assert p.stdout is not None
        for line in p.stdout:
            with lock:
                tails.setdefault(p.pid, []).append(line)
                sys.stdout.write(line)
                sys.stdout.flush()
                if log:
                    log.write(line)

    threads = [threading.Thread(target=relay, args=(p,), daemon=True) for p in procs]
    try:
        for t in threads:
            t.start()
        for p, t in zip(procs, threads, strict=True):
            if p.wait() != 0:
                t.join()
                raise SystemExit("building the databases failed:\n"
                                 + "".join(tails.get(p.pid, [])[-30:]))
            t.join()
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
    line = f"   databases built in {time.perf_counter() - started:.0f} s"
    print(line, flush=True)
    if log:
        log.write(line + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="development sizes")
    parser.add_argument("--only", help="comma-separated: " + ", ".join(ORDER))
    parser.add_argument("--log", type=Path, help="also write everything printed here")
    parser.add_argument("--full-province-import", action="store_true",
                        help="bench_province_import at Điện Biên's whole size (default: a fifth)")
    args, extra = parser.parse_known_args()
    names = [n for n in ORDER if (bk.BENCH / f"bench_{n}.py").exists()]
    if args.only:
        names = [n for n in names if n in args.only.split(",")]
    folder = Path(tempfile.mkdtemp(prefix="antq-bench-run-"))
    # The children's temporary folder is inside the run's, so what they leave there goes
    # with it: a window's one-instance lock file and socket (named after its database, in the
    # temporary folder) stay behind when a benchmark ends the window's process.
    temporary = folder / "tmp"
    temporary.mkdir()
    env = {**os.environ, bk.RUN_DIR_ENV: str(folder), "TMPDIR": str(temporary),
           "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    left: list[str] = []
    log = args.log.open("w", encoding="utf-8") if args.log else None
    started = time.perf_counter()
    failed: list[str] = []
    stages: list[tuple[str, float, float]] = []  # (what, wall s, processor s of its processes)
    child: subprocess.Popen[str] | None = None
    signal.signal(signal.SIGTERM, bk.interrupt)
    try:
        build(env, args.quick, extra, started, log,
              setups(names, args.quick, args.full_province_import))
        stages.append(("building the databases", time.perf_counter() - started,
                       _children_cpu()))
        for name in names:
            cmd = [sys.executable, str(bk.BENCH / f"bench_{name}.py")]
            cmd += extra if name in SIZED else []
            if args.quick:
                cmd += ["--quick"]
            elif name == "province_import" and args.full_province_import:
                cmd += FULL_PROVINCE_IMPORT
            else:
                cmd += FULL_RUN_OPTIONS.get(name, [])
            t0, cpu0 = time.perf_counter(), _children_cpu()
            banner = f"\n===== bench_{name}.py ({time.perf_counter() - started:.0f} s into the run)"
            print(banner, flush=True)
            if log:
                log.write(banner + "\n")
            child = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, cwd=bk.ROOT)
            assert child.stdout is not None
            for line in child.stdout:
                sys.stdout.write(line)
                sys.stdout.flush()
                if log:
                    log.write(line)
            if child.wait() != 0:
                failed.append(name)
            child = None
            stages.append((f"bench_{name}", time.perf_counter() - t0, _children_cpu() - cpu0))
    except KeyboardInterrupt:
        print("\ninterrupted: removing the run's databases", flush=True)
        return 130
    finally:
        if child is not None and child.poll() is None:
            child.terminate()  # it removes its own work folders
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
        if temporary.exists():
            left = sorted(p.name for p in temporary.iterdir())
        shutil.rmtree(folder, ignore_errors=True)
        if log:
            log.close()
    total = time.perf_counter() - started
    cpu = _children_cpu() / 60  # what the run needs, whoever else is busy
    # Where the time went: a reader sees what a faster machine (or a quieter one) would save.
    lines = ["", "time of each part (wall; processor time of its processes, which other "
             "users of the machine do not inflate):"]
    lines += [f"   {what:<24} {wall / 60:5.1f} min  {used / 60:5.1f} min"
              for what, wall, used in stages]
    if left:
        lines.append(f"left in the temporary folder by the benchmarks' processes (removed with "
                     f"the run's folder): {len(left)} ({', '.join(left[:6])}"
                     f"{', …' if len(left) > 6 else ''})")
    lines += ["", f"all benchmarks: {total / 60:.1f} min ({cpu:.1f} min of processor time); "
              f"machine: {bk.machine_line()}" + (f"; FAILED: {', '.join(failed)}" if failed
                                                 else "")]
    print("\n".join(lines))
    if args.log:
        with args.log.open("a", encoding="utf-8") as end:
            end.write("\n".join(lines) + "\n")
    return 1 if failed else 0


def _children_cpu() -> float:
    """Processor seconds of this run's finished child processes (builders, benchmarks and
    the processes they waited for)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


if __name__ == "__main__":
    sys.exit(main())
