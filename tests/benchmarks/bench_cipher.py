"""Encryption benchmark (issue 11): the same commune database encrypted (SQLCipher, in the
program's settings) and plain, searched and paged alternately in the same run; then the key
derivation and a whole login, timed on their own.

    .venv/bin/python tests/benchmarks/bench_cipher.py [--quick] [--sizes 10000,100000] [--reps 3]
        [--page-pairs 16]

For each size (10k, 100k, 300k people by default), the commune database of builders.py (through
the write path, cached in the run's folder) is exported twice with ``sqlcipher_export``: once
with no key (the plain side) and once under its key in the program's cipher settings
(``cipher_upgrade.export``, the encrypted side). The two are twins page for page: they differ
by the encryption alone. (The file as built is not: the write path leaves its b-trees' slack
and its tables' pages interleaved, 10 % more pages at 100k, which an export packs away: the
300k keyset page as built cost 1.40–1.92× the plain export's processor time, the same pages
exported under the same settings 1.26–1.55×, in two runs at load 3 and 8. That part of the
ratio the benchmark showed before was the layout, not the encryption.)

Encryption costs when a page comes into a connection's page cache from the file (HMAC check
and decryption; the plain side copies it from the OS's cache), nothing when the connection
already holds it. So the two are timed apart, on fresh connections to each side, alternated
(ABBA…, ``--page-pairs`` pairs): a keyset page of 100 rows (``people_page(after=…)``, as
the window scrolls) at 20 places spread over the whole roster, each place **first read** on
that connection (what the first scroll over those rows costs; the OS's cache warm, the
connection's cold), then the same places **read again** (the connection's cache warm).
Until 7 December (session 11) one figure ran after the searches below, so that at 10k and
100k the searches had read nearly every page into the cache and it timed pages read again,
at 300k mostly pages read first: 1.00, 1.04, 1.33 in three repetitions, a mix of the two.

Then each repetition (``--reps``, alternated) opens a fresh connection to each side and
times, on the same queries and keys:

- search: ``search.search(conn, q, kinds=('person',))`` for every keystroke of the typed
  queries (p95);
- roster search: the roster's first page of 100 for the same keystrokes (p95);

both twice on the connection: a first pass (its slowest keys, the p95, are those whose pages
come from the file, at 300k above all) and the same keys again (the pages in its cache).

It prints the median of each figure per side and the median of the paired ratios
encrypted / plain with their spread, of wall time (PASS when ≤ 1.3, the issue's budget,
OVER otherwise) and of processor time (the calls' own, steadier on a shared machine); it
never fails on a timing.
The sync import is compared the same way by bench_sync.py. Last, the key derivation
(``keyfile.unwrap`` with the real ``KDF_PARAMS``) and ``accounts.login`` on the largest
database are timed: the window paints its frame before asking for the password, so neither
is part of the window's start budget (bench_window.py).
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import benchkit as bk
import builders

from desktop.storage import accounts, cipher_upgrade, db, dbapi, keyfile, rosters
from desktop.storage import search as search_mod

RATIO_BUDGET = 1.3
PAGE = 100  # the window's roster fetches pages of 100 (desktop/ui/people/roster_model.BATCH)
PLACES = 21  # the roster's first page (read first on each connection, not timed) and 20 more
ACCOUNT, PASSWORD = builders.ACCOUNT, builders.PASSWORD
plain_copy = bk.plain_copy


def open_side(path: Path, key: bytes | None) -> dbapi.Connection:
    """The program's connection (pragmas, 64 MB cache): with the key, or plain."""
    if key is not None:
        return db.open_database(path, key=key)
    conn = db.open_file(path, None)  # open_database refuses plain files (it encrypts them)
    db.configure(conn, path)
    return conn


def encrypted_twin(source: Path, key: bytes, target: Path) -> None:
    """``source`` exported as the plain side is, under ``key`` in the program's settings, with
    its key file (the login is timed on it)."""
    conn = db.open_file(source, key)
    try:
        cipher_upgrade.export(conn, target, key)
    finally:
        conn.close()
    shutil.copyfile(keyfile.keyfile_path(source), keyfile.keyfile_path(target))


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    """Wall and processor time of one call."""
    w, c = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w, time.process_time() - c


def measure(conn: dbapi.Connection, queries: Sequence[str],
            roster_queries: Sequence[str]) -> dict[str, float]:
    everyone = rosters.Scope("unit", rosters.unit_of_site(conn, builders.COMMUNE_CODE))
    for q in queries[:20]:  # warm the statement cache and some pages, as a session would
        search_mod.search(conn, q, kinds=("person",), limit=50)
    out = {}
    # Twice: the first pass reads pages into the connection's cache (at 300k its slowest
    # keys are those whose pages come from the file), the second finds them there.
    for again in ("", " again"):
        found = [timed(lambda q=q: search_mod.search(conn, q, kinds=("person",), limit=50))
                 for q in queries]
        roster = [timed(lambda q=q: rosters.people_page(conn, everyone, search=q, limit=PAGE))
                  for q in roster_queries]
        for i, suffix in ((0, ""), (1, " cpu")):
            out |= {f"search{again}{suffix}": bk.pct([x[i] for x in found], 95),
                    f"roster search{again}{suffix}": bk.pct([x[i] for x in roster], 95)}
    return out


def keyset_pages(conn: dbapi.Connection,
                 places: Sequence[tuple[str, str] | None]) -> dict[str, float]:
    """Keyset pages at ``places`` on a fresh connection: each first read (its pages come from
    the file: decrypted on the encrypted side), then read again (held in the connection's
    cache); the median over the places of each. The roster's first page is read before,
    not timed: the statements' plans and the upper levels of the b-trees, which every page
    reads, belong to neither."""
    everyone = rosters.Scope("unit", rosters.unit_of_site(conn, builders.COMMUNE_CODE))
    rosters.people_page(conn, everyone, after=places[0], limit=PAGE)
    out = {}
    for name in ("page first", "page again"):
        t = [timed(lambda k=k: rosters.people_page(conn, everyone, after=k, limit=PAGE))
             for k in places[1:]]
        out |= {name: statistics.median(x[0] for x in t),
                f"{name} cpu": statistics.median(x[1] for x in t)}
    return out


FIGURES = ("page first", "page again", "search", "search again", "roster search",
           "roster search again")
LABELS = {"search": "search p95 (search.search), first pass",
          "search again": "search p95, the same keys again",
          "roster search": "roster search p95 (1st page of 100), first",
          "roster search again": "roster search p95, the same keys again",
          "page first": f"keyset page of {PAGE}, first read (median of {PLACES - 1})",
          "page again": f"keyset page of {PAGE}, read again (median of {PLACES - 1})"}


def compare(folder: Path, n_people: int, reps: int, page_pairs: int, n_queries: int, seed: int,
            keep_for_login: Callable[[Path, bytes], None] | None) -> dict[str, float]:
    built = builders.commune(folder, n_people, seed=seed)
    with bk.scratch(folder, "cipher") as tmp:
        enc = tmp / "encrypted.db"
        rng = random.Random(seed)
        probe = built.open()  # first: a file of an older program is brought up to date
        try:
            people = builders.sample_people(probe)
        finally:
            probe.close()
        t = time.perf_counter()
        key = built.key
        plain = bk.shared_plain_copy(built.path, key)  # made once a run (bench_size's)
        encrypted_twin(built.path, key, enc)
        built_s = time.perf_counter() - t
        queries = builders.typing_queries(rng, people, n_queries)
        probe = open_side(plain, None)
        try:
            total = probe.execute("SELECT count(*) FROM person WHERE _deleted = 0").fetchone()[0]
            places: list[tuple[str, int] | None] = [None] + [
                tuple(probe.execute("SELECT name_key, _rowid FROM person WHERE _deleted = 0 "
                                    "ORDER BY name_key, _rowid LIMIT 1 OFFSET ?",
                                    (i * (total - PAGE) // (PLACES - 1),)).fetchone())
                for i in range(1, PLACES)]
            fts = probe.execute("SELECT count(*) FROM person_fts WHERE person_fts MATCH ?",
                                ("ng*",)).fetchone()[0]
        finally:
            probe.close()
        check = open_side(enc, key)  # the copy holds the same rows and index
        try:
            assert check.execute("SELECT count(*) FROM person_fts WHERE person_fts MATCH ?",
                                 ("ng*",)).fetchone()[0] == fts
            # Slow roster searches: as many keystrokes as fit in about 4 s a side and pass.
            scope = rosters.Scope("unit", rosters.unit_of_site(check, builders.COMMUNE_CODE))
            probe_t = statistics.median(bk.timed(
                lambda q=q: rosters.people_page(check, scope, search=q, limit=PAGE))
                for q in queries[:10])
            roster_queries = queries[:max(20, min(len(queries), int(4 / max(probe_t, 1e-4))))]
        finally:
            check.close()
        print(f"\n{builders.describe(built)}; exported encrypted and plain in {built_s:.0f} s; "
              f"files: encrypted "
              f"{bk.mb(enc.stat().st_size)}, plain {bk.mb(plain.stat().st_size)}; "
              f"{len(queries)} keystrokes ({len(roster_queries)} for the roster search); "
              f"keyset pages in {page_pairs} pairs of fresh connections, the searches in {reps} "
              f"(both alternated, ABBA)")
        sides = {"encrypted": (enc, key), "plain": (plain, None)}
        runs: dict[str, list[dict[str, float]]] = {"encrypted": [], "plain": []}

        def alternated(times: int, fn: Callable[[dbapi.Connection], dict[str, float]]) -> None:
            """``fn`` on a fresh connection to each side, ``times`` pairs (ABBA…)."""
            for r in range(times):
                got = {}
                for side in (("encrypted", "plain") if r % 2 else ("plain", "encrypted")):
                    c = open_side(*sides[side])
                    try:
                        got[side] = fn(c)
                    finally:
                        c.close()
                for side, figures in got.items():
                    runs[side].append(figures)

        alternated(page_pairs, lambda c: keyset_pages(c, places))
        alternated(reps, lambda c: measure(c, queries, roster_queries))
        print(f"   {'figure':<45} {'plain':>9} {'encrypted':>10} {'ratio':>6}        "
              f"{'processor: plain, encrypted, ratio':>36}  (medians of paired ratios, "
              f"budget ≤ {RATIO_BUDGET}; then their spread)")
        ratios = {}

        def paired(fig: str) -> tuple[float, float, bk.Paired]:
            pairs = [(b[fig], a[fig]) for a, b in zip(runs["encrypted"], runs["plain"],
                                                      strict=True) if fig in a]
            return (statistics.median(b for b, _a in pairs),
                    statistics.median(a for _b, a in pairs),
                    bk.Paired([b for b, _a in pairs], [a for _b, a in pairs]))

        for fig in FIGURES:
            p, e, wall = paired(fig)
            pc, ec, cpu = paired(f"{fig} cpu")
            ratios[fig], ratios[f"{fig} cpu"] = wall.ratio, cpu.ratio
            print(f"   {LABELS[fig]:<45} {p * 1000:6.2f} ms {e * 1000:7.2f} ms {wall.ratio:6.2f}  "
                  f"{'PASS' if wall.ratio <= RATIO_BUDGET else 'OVER'}  {pc * 1000:9.2f} ms "
                  f"{ec * 1000:7.2f} ms {cpu.ratio:6.2f}  "
                  f"{'PASS' if cpu.ratio <= RATIO_BUDGET else 'OVER'}  "
                  f"({len(wall.ratios)} pairs; wall {wall.spread()}; processor {cpu.spread()})")
        if keep_for_login is not None:
            keep_for_login(enc, key)
        return {fig: statistics.median(x[fig] for x in runs["encrypted"] if fig in x)
                for fig in FIGURES} | {f"{fig} ratio": v for fig, v in ratios.items()}


def time_login(path: Path, key: bytes, reps: int = 5) -> None:
    """The key derivation alone, then a whole login (key file, derivation, open, audit)."""
    conn = db.open_database(path, key=key)
    try:
        if not accounts.list_accounts(conn):
            accounts.create_first(conn, ACCOUNT, PASSWORD)
    finally:
        conn.close()
    entry = keyfile.read(path)["accounts"][ACCOUNT]
    kdf = []
    for _ in range(reps):
        t = time.perf_counter()
        got = keyfile.unwrap(entry, ACCOUNT, PASSWORD)
        kdf.append(time.perf_counter() - t)
        assert got == key
    logins = []
    for _ in range(reps):
        db.forget_key(path)  # as a fresh start: nothing unlocked yet
        t = time.perf_counter()
        conn, _account, _notes = accounts.login(path, ACCOUNT, PASSWORD)
        logins.append(time.perf_counter() - t)
        conn.close()
    k, lg = statistics.median(kdf), statistics.median(logins)
    p = entry["params"]
    print(f"\nkey derivation (keyfile.unwrap, argon2id t={p['t']} m={p['m'] // 1024} MiB "
          f"p={p['p']}): median {k * 1000:.0f} ms, min {min(kdf) * 1000:.0f} ms, max "
          f"{max(kdf) * 1000:.0f} ms of {reps} (budget ≤ 1 s: {'OK' if k <= 1 else 'OVER'})")
    print(f"accounts.login on this database (key file, derivation, open, account, audit "
          f"entry): median {lg * 1000:.0f} ms of {reps}, of which "
          f"{(lg - k) * 1000:.0f} ms after the derivation")
    print("   neither is in the window's start budget: the frame paints before the password "
          "is asked (bench_window.py times the frame, the login dialog and the login apart)")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    bk.add_size_options(parser, province=False)
    parser.add_argument("--reps", type=int, default=3,
                        help="repetitions of the searches per side")
    parser.add_argument("--page-pairs", type=int, default=16,
                        help="pairs of fresh connections timing keyset pages")
    parser.add_argument("--queries", type=int, default=300, help="keystrokes searched")
    parser.add_argument("--no-login", action="store_true", help="skip the KDF/login timing")
    args = parser.parse_args(argv)
    sizes = bk.sizes_of(args)
    if args.quick:
        args.reps, args.queries = min(args.reps, 2), min(args.queries, 100)
        args.page_pairs = min(args.page_pairs, 6)
    started = bk.header("ANTQ Desk encryption benchmark: SQLCipher vs the same database plain")
    results = {}
    with bk.run_folder("cipher") as folder:
        for n in sizes:
            last = n == sizes[-1] and not args.no_login
            results[n] = compare(folder, n, args.reps, args.page_pairs, args.queries,
                                 args.seed, time_login if last else None)
    if len(sizes) > 1:
        print("\ngrowth of the encrypted figures (and of the ratio) with size:")
        for fig in FIGURES:
            print(f"   {LABELS[fig]:<45} " + ", ".join(
                f"{bk.label(n)} {results[n][fig] * 1000:.2f} ms "
                f"(×{results[n][fig + ' ratio']:.2f})" for n in sizes))
    bk.footer(started)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
