"""Storage benchmark: the commune roster a commune opens, search as you type, digit prefixes,
and the write path, at 10k, 100k and 300k people and at the province of Điện Biên's size.

    .venv/bin/python tests/benchmarks/bench_storage.py [--quick] [--sizes 10000,100000]
    .venv/bin/python tests/benchmarks/bench_storage.py --profile 20000   # cProfile of an insert

Every figure is timed alternately with a baseline of the same work (ABAB…: the order flips
each pair) and printed with the median of the paired ratios and their spread; the goals of
issue 12 are printed as OK/OVER. It never asserts a timing. Databases come from builders.py
(through the write path) and live in the run's temporary folder, removed at the end.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import benchkit as bk
import builders

from desktop.domain import text
from desktop.storage import db, dbapi, rosters
from desktop.storage import search as search_mod
from desktop.storage.writer import Store

PAGE = 100  # the window's roster fetches pages of 100 (desktop/ui/people/roster_model)
PLACES = 21
INSERT_BATCH = 5_000
PAGE_GOAL_MS, NAME_GOAL_MS, DIGIT_GOAL_MS, SCROLL_GOAL_S = 20.0, 10.0, 5.0, 2.0
SCROLL_CAP_S = 10.0  # five times the goal: enough to say OVER, and the run stays short
BUDGET_S = 12.0  # at most this long per figure and size (slow code must not stall the run)
COLUMNS = "id, full_name, birth_date, gender, ethnicity, citizen_id, phone, residence_unit_id"
SHOWN = ("full_name", "birth_date", "gender", "ethnicity", "citizen_id", "phone",
         "residence_unit_id")  # the roster's columns (desktop/ui/people/roster_model)
MAX_BATCH = 25600  # the window's pages double up to this while the scroll bar is held there


# -- baselines: the cheapest SQL for the same rows --------------------------------------------

def raw_match(words: list[str]) -> str:
    return " ".join(f'"{w}"*' for w in words)


def raw_search(conn: dbapi.Connection, q: str) -> object:
    """Raw FTS5 prefix match, first 50 row ids, no ranking, no join (search.search ranks in
    three tiers and reads the titles)."""
    words = text.search_words(q)
    if not words:
        return []
    return conn.execute("SELECT rowid FROM person_fts WHERE person_fts MATCH ? LIMIT 50",
                        (raw_match(words),)).fetchall()


def raw_digits(conn: dbapi.Connection, q: str) -> object:
    """An ordered range of the citizen-id index (what a digit prefix needs)."""
    hi = q[:-1] + chr(ord(q[-1]) + 1)
    return conn.execute("SELECT id FROM person WHERE citizen_id >= ? AND citizen_id < ? "
                        "AND _deleted = 0 LIMIT 50", (q, hi)).fetchall()


def raw_page(conn: dbapi.Connection, after: tuple | None) -> list:
    """The same page through the name index, without the scope's filter (every person of
    the benchmark's databases lives in the site's own commune or province)."""
    where, args = ("AND (name_key, _rowid) > (?, ?)", list(after)) if after else ("", [])
    return conn.execute(f"SELECT * FROM person WHERE _deleted = 0 {where} "
                        f"ORDER BY name_key, _rowid LIMIT {PAGE}", args).fetchall()


# -- one database ------------------------------------------------------------------------------

def measure(built: builders.Built, work: Path, args: argparse.Namespace) -> dict[str, float]:
    print(f"\n{builders.describe(built)}")
    rng = random.Random(args.seed)
    conn = built.open()
    try:
        real = builders.sample_people(conn)  # queries typed from names really there
        out = roster(conn, built)
        out |= search(conn, rng, real, args.queries)
        out |= digits(conn, rng, real, args.queries // 2)
        out |= roster_search(conn, built, rng, real, args.queries)
    finally:
        conn.close()
    if built.site_kind == "commune":
        out |= insert(built, work, args)
    return out


def roster(conn: dbapi.Connection, built: builders.Built) -> dict[str, float]:
    """The roster the site opens on (its own residents, name order): first page, keyset pages
    across the whole list, the head count, and scrolling to the end, page after page."""
    scope = built.scope(conn)
    everyone = int(conn.execute("SELECT count(*) FROM person WHERE _deleted = 0").fetchone()[0])
    keys: list[tuple | None] = [None] + [
        tuple(conn.execute("SELECT name_key, _rowid FROM person WHERE _deleted = 0 ORDER BY "
                           "name_key, _rowid LIMIT 1 OFFSET ?",
                           (i * max(0, everyone - PAGE) // (PLACES - 1),)).fetchone())
        for i in range(1, PLACES)]
    for k in keys[:3]:  # warm the statement cache, as the window's first pages do
        rosters.people_page(conn, scope, limit=PAGE, after=k)
    first = bk.alternate(lambda: bk.timed(lambda: raw_page(conn, None)),
                         lambda: bk.timed(lambda: rosters.people_page(conn, scope, limit=PAGE)),
                         20, budget_s=BUDGET_S / 2)
    pages = bk.alternate_each(keys * 2, lambda k: raw_page(conn, k),  # type: ignore[arg-type]
                              lambda k: rosters.people_page(conn, scope, limit=PAGE,
                                                            after=k),  # type: ignore[arg-type]
                              budget_s=BUDGET_S, at_least=PLACES)
    count = bk.alternate(
        lambda: bk.timed(lambda: conn.execute(
            "SELECT count(*) FROM person WHERE _deleted = 0").fetchone()),
        lambda: bk.timed(lambda: rosters.count_people(conn, scope)), 6, budget_s=BUDGET_S / 2)

    def scroll_window() -> tuple[float, float, int]:
        """To the end as the window goes there (the scroll bar held at the bottom, or End):
        the rowids page after page, each page twice the last up to MAX_BATCH, then the
        people of the last screen, their shown columns. (wall s, processor s, rows)"""
        t0, c0, rows, after, batch, last = time.perf_counter(), time.process_time(), 0, \
            None, PAGE, []
        while time.perf_counter() - t0 < SCROLL_CAP_S:
            ids, after = rosters.people_rowids(conn, scope, limit=batch, after=after)
            rows, last = rows + len(ids), (last + ids)[-PAGE:]
            if len(ids) < batch:
                break
            batch = min(batch * 2, MAX_BATCH)
        rosters.people_rows(conn, last, fields=SHOWN)
        return time.perf_counter() - t0, time.process_time() - c0, rows

    def scroll_rows(fields: Sequence[str] | None) -> tuple[float, float, int]:
        """Every row read, page after page of PAGE: ``fields`` (None: whole records)."""
        t0, c0, rows, after = time.perf_counter(), time.process_time(), 0, None
        while time.perf_counter() - t0 < SCROLL_CAP_S:
            page = rosters.people_page(conn, scope, limit=PAGE, after=after, fields=fields)
            rows += len(page)
            if len(page) < PAGE:
                break
            after = page[-1]["sort_key"]
        return time.perf_counter() - t0, time.process_time() - c0, rows

    def scroll_raw(batches: bool) -> tuple[float, float]:
        """The baselines: the keys alone down the name index in the window's batches, or
        every whole row page after page by raw_page; no scope filter, nothing made of them."""
        t0, c0, after, batch = time.perf_counter(), time.process_time(), None, PAGE
        while True:
            if batches:
                where = "AND (name_key, _rowid) > (?, ?) " if after else ""
                page = conn.execute(f"SELECT name_key, _rowid FROM person WHERE _deleted = 0 "
                                    f"{where}ORDER BY name_key, _rowid LIMIT {batch}",
                                    after or ()).fetchall()
            else:
                page = raw_page(conn, after)
            if len(page) < batch:
                return time.perf_counter() - t0, time.process_time() - c0
            after = (page[-1]["name_key"], page[-1]["_rowid"])
            batch = min(batch * 2, MAX_BATCH) if batches else PAGE

    t_raw_keys, c_raw_keys = scroll_raw(True)
    t_scroll, c_scroll, scrolled = scroll_window()
    t_raw, c_raw = scroll_raw(False)
    every = {"shown columns": scroll_rows(SHOWN), "whole records": scroll_rows(None)}
    page_p95 = bk.pct(pages.subject, 95)
    print(f"   roster the site opens (Scope unit = its {built.site_kind}, name order), pages "
          f"of {PAGE}; baseline: the same rows by the name index, no scope filter:")
    print(f"     first page   median {bk.ms(statistics.median(first.subject))} "
          f"(baseline {bk.ms(statistics.median(first.baseline))}), {first.describe()}")
    print(f"     keyset pages at {PLACES} places: p95 {bk.ms(page_p95)}, median "
          f"{bk.ms(statistics.median(pages.subject))} (baseline p95 "
          f"{bk.ms(bk.pct(pages.baseline, 95))}), {pages.describe()}; goal p95 ≤ "
          f"{PAGE_GOAL_MS:g} ms: {bk.verdict(page_p95 * 1000 <= PAGE_GOAL_MS)}")
    print(f"     head count   median {bk.ms(statistics.median(count.subject))} "
          f"(rosters.count_people; baseline count(*) "
          f"{bk.ms(statistics.median(count.baseline))}), {count.describe()}")

    def whole_list_cpu(result: tuple[float, float, int]) -> float:
        """Processor time of every row (from the share read, if the cap stopped it)."""
        return result[1] * everyone / max(result[2], 1)

    def stopped(t: float, c: float, rows: int) -> str:
        share = everyone / max(rows, 1)
        return "" if rows >= everyone else (
            f" — stopped after {SCROLL_CAP_S:.0f} s; all {everyone:,} would take about "
            f"{t * share:.0f} s, processor {c * share:.1f} s")

    print(f"     scrolling to the end as the window does (rowids in pages doubling to "
          f"{MAX_BATCH:,}, then the last screen's people): {scrolled:,} rows in "
          f"{t_scroll:.2f} s, processor {c_scroll:.2f} s{stopped(t_scroll, c_scroll, scrolled)} "
          f"(baseline the keys alone down the name index {t_raw_keys:.2f} s, processor "
          f"{c_raw_keys:.2f} s); goal ≤ {SCROLL_GOAL_S:g} s: "
          f"{bk.verdict(scrolled >= everyone and t_scroll <= SCROLL_GOAL_S)}")
    for what, (t, c, rows) in every.items():
        print(f"     every row read, pages of {PAGE}, {what}: {rows:,} rows in {t:.2f} s, "
              f"processor {c:.2f} s{stopped(t, c, rows)} (baseline whole rows by raw_page "
              f"{t_raw:.2f} s, processor {c_raw:.2f} s)")
    sys.stdout.flush()
    return {"first page": statistics.median(first.subject), "page p95": page_p95,
            "count": statistics.median(count.subject), "scroll": t_scroll,
            "scroll cpu": c_scroll, "page ratio": pages.ratio,
            "every row cpu": whole_list_cpu(every["shown columns"]),
            "whole rows cpu": whole_list_cpu(every["whole records"])}


def search(conn: dbapi.Connection, rng: random.Random, people: Sequence[builders.Person],
           n: int) -> dict[str, float]:
    """search.search (people) for every keystroke of typed names, against a raw FTS5 match."""
    queries = [q for q in builders.typing_queries(rng, people, n) if not q.isdigit()]
    for q in queries[:20]:
        search_mod.search(conn, q, kinds=("person",), limit=50)
        raw_search(conn, q)
    pairs = bk.alternate_each(
        queries, lambda q: raw_search(conn, q),  # type: ignore[arg-type]
        lambda q: search_mod.search(conn, q, kinds=("person",), limit=50),  # type: ignore
        budget_s=BUDGET_S)
    queries = queries[:len(pairs.subject)]
    p95 = bk.pct(pairs.subject, 95)
    slow = sorted(zip(pairs.subject, queries, strict=True), reverse=True)
    worst = list(dict.fromkeys(q for _t, q in slow))[:4]
    print(f"   search as you type, names ({len(pairs.subject)} keystrokes; search.search, people, "
          f"limit 50; baseline raw FTS5 prefix MATCH LIMIT 50, no ranking, no titles):")
    print(f"     median {bk.ms(statistics.median(pairs.subject))}, p95 {bk.ms(p95)}, max "
          f"{bk.ms(max(pairs.subject))} (baseline p95 {bk.ms(bk.pct(pairs.baseline, 95))}); "
          f"{pairs.describe()}; goal p95 ≤ {NAME_GOAL_MS:g} ms: "
          f"{bk.verdict(p95 * 1000 <= NAME_GOAL_MS)}; slowest: "
          + ", ".join(repr(q) for q in worst))
    return {"name p95": p95, "name ratio": pairs.ratio}


def digits(conn: dbapi.Connection, rng: random.Random, people: Sequence[builders.Person],
           n: int) -> dict[str, float]:
    """CCCD and phone prefixes of every length, typed digit by digit."""
    queries = builders.digit_queries(rng, people, n)
    cccd = [q for q in queries if q.startswith("01")]
    phones = [q for q in queries if not q.startswith("01")]
    for q in queries[:10]:
        search_mod.search(conn, q, kinds=("person",), limit=50)
    pairs = bk.alternate_each(cccd, lambda q: raw_digits(conn, q),  # type: ignore[arg-type]
                              lambda q: search_mod.search(conn, q, kinds=("person",),
                                                          limit=50),  # type: ignore
                              budget_s=BUDGET_S / 2)
    phone_t = bk.within(phones, lambda q: search_mod.search(conn, q, kinds=("person",),
                                                            limit=50), BUDGET_S / 2)
    p95 = max(bk.pct(pairs.subject, 95), bk.pct(phone_t, 95) if phone_t else 0.0)
    print(f"   digit prefixes ({len(pairs.subject)} CCCD, {len(phone_t)} phone keystrokes of 3 "
          f"digits on; search.search; baseline for CCCD: an ordered range of the citizen-id "
          f"index):")
    print(f"     CCCD p95 {bk.ms(bk.pct(pairs.subject, 95))} (baseline p95 "
          f"{bk.ms(bk.pct(pairs.baseline, 95))}), {pairs.describe()}; phone p95 "
          f"{bk.ms(bk.pct(phone_t, 95)) if phone_t else '-'}; goal p95 ≤ {DIGIT_GOAL_MS:g} ms: "
          f"{bk.verdict(p95 * 1000 <= DIGIT_GOAL_MS)}")
    return {"digit p95": p95}


def roster_search(conn: dbapi.Connection, built: builders.Built, rng: random.Random,
                  people: Sequence[builders.Person], n: int) -> dict[str, float]:
    """The roster's first page of 100 for each keystroke (what the people page shows)."""
    scope = built.scope(conn)
    queries = builders.typing_queries(rng, people, n)
    print(f"   {bk.warm_roster(conn)}")
    for q in queries[:20]:
        rosters.people_page(conn, scope, search=q, limit=PAGE)
    t = bk.within(queries, lambda q: rosters.people_page(conn, scope, search=q, limit=PAGE),
                  BUDGET_S)
    p95 = bk.pct(t, 95)
    print(f"   roster search, first page of {PAGE} for each of {len(t)} keystrokes "
          f"(names and digits): median {bk.ms(statistics.median(t))}, p95 {bk.ms(p95)}, max "
          f"{bk.ms(max(t))}")
    return {"roster search p95": p95}


def insert(built: builders.Built, work: Path, args: argparse.Namespace) -> dict[str, float]:
    """Store.add_many of 5,000 new people into a copy of the database, alternated with a raw
    executemany of the same values into a plain table (no index, trigger, version, audit)."""
    copy = built.copy_to(work, "insert.db")
    conn = copy.open()
    raw_path = work / "raw.db"
    try:
        villages = [r[0] for r in conn.execute(
            "SELECT id FROM unit WHERE level = 'village' AND _deleted = 0 ORDER BY name")]
        store = Store(conn, actor="bench", today=builders.TODAY)
        reps = args.insert_reps
        batches = [[p for c in range(INSERT_BATCH // builders.CHUNK)
                    for p in builders.people_chunk(args.seed, 900 + r * 10 + c, villages)]
                   for r in range(reps)]
        done = iter(range(reps))
        raw_done = iter(range(reps))

        def subject() -> float:
            batch = [p.as_input() for p in batches[next(done)]]
            return bk.timed(lambda: store.add_many("person", batch))

        def baseline() -> float:
            rows = [p.as_raw_row(f"raw-{i}") for i, p in enumerate(batches[next(raw_done)])]
            raw_path.unlink(missing_ok=True)
            raw = dbapi.connect(str(raw_path), isolation_level=None)
            try:
                db.set_key(raw, copy.key)  # encrypted, as ours (the same cipher settings)
                raw.execute("PRAGMA journal_mode = WAL")
                raw.execute("PRAGMA synchronous = NORMAL")
                raw.execute(f"CREATE TABLE person ({COLUMNS})")
                t0 = time.perf_counter()
                raw.execute("BEGIN")
                raw.executemany("INSERT INTO person VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
                raw.execute("COMMIT")
                return time.perf_counter() - t0
            finally:
                raw.close()

        pairs = bk.alternate(baseline, subject, reps)
    finally:
        conn.close()
        for p in work.glob("*"):
            p.unlink(missing_ok=True)
    rate = INSERT_BATCH / statistics.median(pairs.subject)
    raw_rate = INSERT_BATCH / statistics.median(pairs.baseline)
    print(f"   insert {INSERT_BATCH:,} people (Store.add_many, into a copy): {rate:,.0f} rows/s; "
          f"baseline raw executemany into a plain encrypted table {raw_rate:,.0f} rows/s; "
          f"{pairs.describe('time ratio')} (the write path checks and cleans every field, "
          f"writes versions, the audit log, indexes and the search index)")
    return {"insert rows/s": rate, "insert ratio": pairs.ratio}


# -- profile --------------------------------------------------------------------------------

def profile_insert(n_people: int, seed: int, top: int) -> None:
    with bk.run_folder("profile") as folder:
        built = builders.commune(folder, 1_000, seed=seed)
        with bk.scratch(folder, "profile") as work:
            copy = built.copy_to(work)
            conn = copy.open()
            villages = [r[0] for r in conn.execute(
                "SELECT id FROM unit WHERE level = 'village' AND _deleted = 0")]
            people = builders.make_people(random.Random(seed), n_people, villages)
            store = Store(conn, actor="bench")
            prof = cProfile.Profile()
            t0 = time.perf_counter()
            for i in range(0, n_people, INSERT_BATCH):
                batch = [p.as_input() for p in people[i:i + INSERT_BATCH]]
                prof.runcall(store.add_many, "person", batch)
            elapsed = time.perf_counter() - t0
            conn.close()
    print(f"cProfile of Store.add_many('person') for {n_people:,} people in batches of "
          f"{INSERT_BATCH:,}: {elapsed:.2f} s under the profiler")
    stats = pstats.Stats(prof, stream=sys.stdout)
    stats.strip_dirs().sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    bk.add_size_options(parser)
    parser.add_argument("--queries", type=int, default=500, help="keystrokes searched")
    parser.add_argument("--insert-reps", type=int, default=4, help="insert pairs per size")
    parser.add_argument("--profile", type=int, metavar="N",
                        help="only profile the insert of N people (cProfile) and print the top")
    parser.add_argument("--top", type=int, default=15, help="entries shown by --profile")
    args = parser.parse_args(argv)
    if args.profile:
        profile_insert(args.profile, args.seed, args.top)
        return
    if args.quick:
        args.queries = min(args.queries, 200)
        args.insert_reps = min(args.insert_reps, 2)
    started = bk.header("ANTQ Desk storage benchmark: rosters, search, write path")
    results: dict[str, dict[str, float]] = {}
    sizes: dict[str, int] = {}
    with bk.run_folder("storage") as folder, bk.scratch(folder, "storage") as work:
        for built in builders.databases(folder, bk.sizes_of(args), bk.province_scale(args),
                                        seed=args.seed):
            name = bk.label(built.people) if built.site_kind == "commune" else "province"
            sizes[name] = built.people
            results[name] = measure(built, work, args)
    communes = {k: v for k, v in results.items() if k != "province"}
    print("\ngrowth with the number of people (commune databases; log n in brackets):")
    for fig in ("first page", "page p95", "count", "name p95", "digit p95",
                "roster search p95"):
        print(f"   {fig:<18} " + bk.growth({k: v[fig] for k, v in communes.items()},
                                           log_sizes=sizes))
    print(f"   {'scroll to the end':<18} " + ", ".join(
        f"{k} {v['scroll']:.2f} s (processor {v['scroll cpu']:.2f} s)"
        for k, v in results.items()))
    print(f"   {'every row, cpu':<18} " + ", ".join(
        f"{k} {v['every row cpu']:.2f} s shown columns, {v['whole rows cpu']:.2f} s whole"
        for k, v in results.items()))
    print(f"   {'insert rows/s':<18} " + ", ".join(
        f"{k} {v['insert rows/s']:,.0f} (time ×{v['insert ratio']:.0f} raw)"
        for k, v in communes.items()))
    bk.footer(started)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
