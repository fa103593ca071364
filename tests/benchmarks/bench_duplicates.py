"""The same person twice at province size (issue 15): what finding duplicate candidates costs.

Run from the repository root:

    .venv/bin/python tests/benchmarks/bench_duplicates.py            # Điện Biên's size
    .venv/bin/python tests/benchmarks/bench_duplicates.py --quick    # a tenth of the province
    .venv/bin/python tests/benchmarks/bench_duplicates.py --scale 5  # 300,000 people

The province is built by builders.py (through the write path, cached in the run's folder,
removed at the end); about 10 % of its people share a common full name, so name and birth
date keys meet often. On a copy it measures:

- the full scan (``antq duplicates scan --all``): every person's keys rewritten and looked
  up, the time per person (twice the people should take about twice the time: keys are
  looked up in an index, pairs are never all compared);
- the incremental scan that follows a write (or an import) of ``--people`` people, against
  that write itself (each person's phone edited through the Store, one transaction),
  alternated ABAB: the median of the paired ratios scan / write;
- reading the queue (``antq duplicates list``: the 500 best candidates with both records).

No timing is asserted.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from pathlib import Path

import benchkit
import builders

from desktop.storage import db, duplicates
from desktop.storage.writer import Store


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the province")
    parser.add_argument("--scale", type=float, default=None,
                        help="the province's size times this (5: a province of 300,000 people)")
    parser.add_argument("--people", type=int, default=1_000,
                        help="people written before an incremental scan")
    parser.add_argument("--reps", type=int, default=6, help="pairs of write and scan")
    args = parser.parse_args(argv)
    started = benchkit.header("bench_duplicates: finding the same person twice")
    with benchkit.run_folder("duplicates") as folder:
        run(folder, args)
    benchkit.footer(started)
    return 0


def run(folder: Path, args: argparse.Namespace) -> None:
    scale = args.scale or (benchkit.QUICK_PROVINCE if args.quick else 1.0)
    prov = builders.province(folder, scale=scale)
    print(builders.describe(prov))
    with benchkit.scratch(folder, "duplicates") as work:
        path = prov.copy_to(work, "province.db").path
        conn = db.open_database(path)
        try:
            _measure(conn, args)
        finally:
            conn.close()


def _measure(conn, args: argparse.Namespace) -> None:  # type: ignore[no-untyped-def]
    people = int(conn.execute("SELECT count(*) FROM person WHERE _deleted = 0").fetchone()[0])
    fulls = []
    for _i in range(2):
        conn.execute("DELETE FROM duplicate_key")
        conn.execute("DELETE FROM duplicate_candidate")
        t0 = time.perf_counter()
        r = duplicates.scan(conn, everyone=True)
        fulls.append(time.perf_counter() - t0)
    keys = conn.execute("SELECT count(*) FROM duplicate_key").fetchone()[0]
    by_reason = {k: 0 for k in ("citizen_id", "birth_date", "birth_year")}
    for (reasons,) in conn.execute("SELECT reasons FROM duplicate_candidate"):
        for k in by_reason:
            by_reason[k] += f'"{k}"' in reasons
    best = min(fulls)
    print(f"full scan of {people:,} people: {best:.2f} s (runs: "
          f"{', '.join(f'{t:.2f}' for t in fulls)}), {best / people * 1e6:.1f} µs per person; "
          f"{keys:,} keys, {r.compared:,} pairs compared ({r.compared / people:.2f} a person, "
          f"flat as the province grows: no O(n²)), "
          f"{r.found:,} open candidates (same CCCD {by_reason['citizen_id']}, "
          f"same birth date {by_reason['birth_date']}, same year {by_reason['birth_year']})")

    store = Store(conn, actor="bench")
    ids = [row[0] for row in conn.execute("SELECT id FROM person WHERE _deleted = 0")]
    rng = random.Random(args.people)
    n = min(args.people, len(ids))
    counter = iter(range(10**9))

    def write() -> float:
        chosen = rng.sample(ids, n)
        t0 = time.perf_counter()
        with store.transaction():
            for pid in chosen:
                store.edit("person", pid, {"phone": f"09{next(counter) % 10**8:08d}"})
        took = time.perf_counter() - t0
        return took

    def scan() -> float:
        chosen = rng.sample(ids, n)
        conn.executemany("UPDATE person SET full_name = full_name WHERE id = ?",
                         [(p,) for p in chosen])
        t0 = time.perf_counter()
        duplicates.scan(conn)
        return time.perf_counter() - t0

    paired = benchkit.alternate(write, scan, args.reps, warmup=1, budget_s=300)
    print(f"{n:,} people: write (phone, through the Store) median "
          f"{statistics.median(paired.baseline):.3f} s, their scan median "
          f"{statistics.median(paired.subject):.3f} s "
          f"({statistics.median(paired.subject) / n * 1e6:.0f} µs per person); "
          f"scan / write {paired.describe()}")

    times = []
    for _i in range(3):
        t0 = time.perf_counter()
        found = duplicates.candidates(conn)
        times.append(time.perf_counter() - t0)
    print(f"the queue (antq duplicates list, {len(found)} candidates with both records): "
          f"median {benchkit.ms(statistics.median(times))}")


if __name__ == "__main__":
    raise SystemExit(main())
