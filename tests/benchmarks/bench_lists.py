"""Lists benchmark: every list of the window, in every order and filter it offers, page after
page; scrolling a whole roster through its model, and the memory it keeps; counts made off
the UI thread; numbers and names typed into a roster's search. On the 10k/100k/300k communes.

    .venv/bin/python tests/benchmarks/bench_lists.py [--quick] [--sizes 100000]

**Pages** (issue 12: p95 ≤ 20 ms, growing no faster than log n): for each order (every
column, both ways) and filter (the commune, one village, an organization type, a role) of the
people page, and for the organizations, minutes, models and good deeds pages, the first page
and up to 30 more keyset pages read as the window scrolls (``rosters.people_rowids`` with
the rows shown, ``records.page``) — of a people's list every 31st page, or as many pages
between them as 31 spread along a shorter list allow (every page of one under 62 pages: an
organization type's 33 at 300,000 people, of which two were measured, the "p95" the larger
of the two; each list's first page, the one read most afresh, printed too) — alternated
page by page with a baseline: the same number of
rows read down the name index after the same depth, with no filter, no order of its own and
nothing presented — what any page must cost. **Record lists as the window reads them**
(``window_record_list``): each list, order and direction at the commune and at the tree's root
(the province above it), its first page with nothing the connection holds (as a page opened,
or after a save), the page after it (a gathered order reads and holds the whole list there),
and Ctrl+End held to the end (pages doubling to 1,600 rows, as record_model fetches): the
worst of each printed, which a p95 of 31 pages hid. **Scrolling** (≤ 2 s): the roster's model
fetched to its end as with the scroll bar held down, then rows painted all along it; the peak
memory and the rows the model still holds; and Ctrl+End held on the roster's table as the
keyboard repeats it (every 33 ms after half a second, real key events) until the last page
came — the repeat's pace included. **Counts**: how long the UI thread is held by
asking (the count itself runs on another thread) and how long until it comes, against a
count made on the spot. **Typing**: CCCD and phone numbers digit by digit (p95 ≤ 5 ms) and
names letter by letter (names ≤ 10 ms), the roster's first page with 40 rows presented, after
the window's idle warm-up (benchkit.warm_roster: its cost printed).
Nothing is asserted. ``--clock cpu`` times the thread's CPU time instead of the wall clock:
on a machine shared with other work it leaves out the time spent waiting for a core (not the
program's), and keeps what the work itself costs.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence

import benchkit as bk
import builders

PAGE_GOAL_MS, SCROLL_GOAL_S, DIGIT_GOAL_MS, NAME_GOAL_MS, RSS_GOAL_MB = 20, 2.0, 5, 10, 250
PEOPLE_COLUMNS = ("full_name", "birth_date", "gender", "ethnicity", "citizen_id", "phone",
                  "residence_unit_id")
RECORD_LISTS = {  # as desktop/ui/shell/record_pages.py shows them
    "organization": ("name", "org_type", "unit_id", "founded_date", "decision_number", "status"),
    "meeting": ("number", "title", "started_at", "organization_id", "place"),
    "model": ("name", "model_type", "unit_id", "started_date", "status", "is_point"),
    "deed": ("deed_date", "person_id", "organization_id", "description", "commendation_form",
             "commendation_level"),
}
NEWEST_FIRST = {"meeting", "deed"}
clock: Callable[[], float] = time.perf_counter  # --clock cpu: time.thread_time


def timed(fn: Callable[[], object]) -> float:
    t0 = clock()
    fn()
    return clock() - t0


def _app():
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication(sys.argv[:1])


def baseline_page(conn, depth_key: tuple | None) -> Callable[[], object]:
    """100 rows down the name index after a row, nothing else."""
    if depth_key is None:
        return lambda: conn.execute("SELECT p.* FROM person p ORDER BY p.name_key, p._rowid "
                                    "LIMIT 100").fetchall()
    return lambda: conn.execute("SELECT p.* FROM person p WHERE (p.name_key, p._rowid) > (?, ?) "
                                "ORDER BY p.name_key, p._rowid LIMIT 100", depth_key).fetchall()


def roster_pages(conn, scope, order: str, descending: bool, budget_s: float,
                 stride: int = 30) -> bk.Paired:
    """Pages of a roster alternated with the baseline: the first, then every (stride+1)th."""
    from desktop.storage import rosters

    out = bk.Paired([], [])
    after, depth, t0 = None, None, time.perf_counter()
    for i in range(31):
        if i and time.perf_counter() - t0 > budget_s:
            break

        def subject(after=after):
            found = rosters.people_rowids(conn, scope, after=after, limit=100,
                                          order=None if order == "full_name" else order,
                                          descending=descending)
            rosters.people_rows(conn, found[0][:40])  # the screenful painted
            return found

        base = baseline_page(conn, depth)
        if i % 2:
            out.baseline.append(timed(base))
            t = clock()
            rowids, after = subject()
            out.subject.append(clock() - t)
        else:
            t = clock()
            rowids, after = subject()
            out.subject.append(clock() - t)
            out.baseline.append(timed(base))
        if len(rowids) < 100:
            break
        for _ in range(stride):  # the next measured page lies stride·100 rows further
            rowids, after = rosters.people_rowids(
                conn, scope, after=after, limit=100, descending=descending,
                order=None if order == "full_name" else order)
            if len(rowids) < 100:
                break
        row = conn.execute("SELECT name_key, _rowid FROM person WHERE _rowid = ?",
                           (rowids[-1],)).fetchone() if rowids else None
        depth = tuple(row) if row else depth
        if len(rowids) < 100:
            break
    return out


def record_pages(conn, kind_name: str, q, budget_s: float) -> list[float]:
    from desktop.domain.kinds import KINDS
    from desktop.storage import records

    kind, times, after, t0 = KINDS[kind_name], [], None, time.perf_counter()
    while True:
        t = clock()
        page = records.page(conn, kind, q, after=after, limit=100)
        times.append(clock() - t)
        if len(page) < 100 or time.perf_counter() - t0 > budget_s:
            return times
        after = page[-1]["sort_key"]


# What the window keeps per connection until the database changes (paging.stamp): dropped
# to read a list as the window first does, or does after any save.
HELD_CACHES = ("_paging_counts", "_paging_gathered", "_records_ids_in", "_records_deeds_in")
JUMP_BATCHES = (200, 400, 800, 1600)  # record_model: End held doubles each page to MAX_BATCH
# What each list reads of a record, as the window's pages show them (shell/record_pages.py;
# record_model reads the columns, and a meeting's issuer for its number).
WINDOW_FIELDS = {
    "organization": {"name", "org_type", "unit_id", "founded_date", "decision_number", "status"},
    "meeting": {"number", "title", "started_at", "organization_id", "place", "issuer"},
    "model": {"name", "model_type", "unit_id", "started_date", "status", "is_point"},
    "deed": {"deed_date", "person_id", "organization_id", "description", "commendation_form",
             "commendation_level"},
}


def window_record_list(conn, kind_name: str, q) -> tuple[float, float, float, int]:
    """A record list as the window reads it (record_model): its first page of 100 with
    nothing held (a page opened, or after a save), then Ctrl+End held: a page of 100 more,
    then pages doubling up to 1,600 rows to the end, each of the columns the list shows,
    each page read as the model reads it: at most what its read budget allows at the rate
    of the list's last read (fetching.read_size), the rest in the next reads (the next
    turns of the window's event loop). (first page, the page after it, the worst read of
    the jump, rows.)"""
    from desktop.domain.kinds import KINDS
    from desktop.storage import records
    from desktop.ui.common.fetching import collections_held, read_size

    kind = KINDS[kind_name]
    for held in HELD_CACHES:
        conn.__dict__.pop(held, None)
    fields = WINDOW_FIELDS[kind_name]

    def read(after, limit):  # the model's clock for the rate, the chosen clock for the figure
        t, started = clock(), time.perf_counter()
        with collections_held():
            page = records.page(conn, kind, q, after=after, limit=limit, fields=fields,
                                every_key=False)
        owed = [page]  # (a new object: a collection the read made due runs now, timed, as
        del owed  # it runs in the window when the model inserts the rows)
        return page, clock() - t, (time.perf_counter() - started) / max(1, len(page))

    page, first, per_row = read(None, 100)
    second, worst, rows, batches = 0.0, 0.0, len(page), iter((100, *JUMP_BATCHES))
    done = len(page) < 100
    while not done:
        wanted = next(batches, JUMP_BATCHES[-1])  # one press of End held
        while wanted > 0 and not done:
            limit = read_size(wanted, per_row, 100)
            page, took, per_row = read(page[-1]["sort_key"], limit)
            second = second or took
            worst = max(worst, took)
            rows += len(page)
            wanted -= limit
            done = len(page) < limit
    return first, second, worst, rows


def scroll(conn, scope) -> dict[str, float]:
    from desktop.ui.people import roster_model

    _app()
    model = roster_model.RosterModel(conn)
    rss0 = bk.rss_mb()
    t = clock()
    model.set_scope(scope)
    while model.canFetchMore():
        model.fetchMore()
    fetched = clock() - t
    t = clock()
    step = max(1, model.rowCount() // 300)
    for r in range(0, model.rowCount(), step):  # 300 screens painted along the list
        model.index(r, 0).data()
    painted = clock() - t
    return {"rows": model.rowCount(), "fetched": fetched, "painted": painted / 300,
            "held": model.presented, "rss": bk.rss_mb(), "rss_growth": bk.rss_mb() - rss0}


def hold_end(conn, scope, cap_s: float = 30.0) -> dict[str, float]:
    """Ctrl+End held down on the roster's table, shown (offscreen), as the keyboard repeats
    it: the first press, then one every 33 ms after half a second, each a real key event;
    until the model has fetched its last page (or ``cap_s``). The repeat's own pace is in
    the time: it is what holding the key costs the officer."""
    from PySide6.QtCore import QEvent, QEventLoop, Qt, QTimer
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QTableView

    from desktop.ui.people import roster_model

    app = _app()
    model = roster_model.RosterModel(conn)
    view = QTableView()
    view.setModel(model)
    view.resize(1000, 700)
    view.show()
    model.set_scope(scope)
    app.processEvents()
    view.setFocus()
    loop, timer = QEventLoop(), QTimer()
    out = {"presses": 0, "worst": 0.0}
    t0, c0 = time.perf_counter(), time.process_time()

    def press() -> None:
        t = time.perf_counter()
        app.sendEvent(view, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_End,
                                      Qt.KeyboardModifier.ControlModifier, "", True))
        out["presses"] += 1
        out["worst"] = max(out["worst"], time.perf_counter() - t)
        if not model.canFetchMore() or time.perf_counter() - t0 > cap_s:
            timer.stop()
            view.repaint()
            out.update(wall=time.perf_counter() - t0, cpu=time.process_time() - c0,
                       rows=model.rowCount(), done=not model.canFetchMore())
            loop.quit()

    press()
    timer.setInterval(33)
    timer.timeout.connect(press)
    QTimer.singleShot(500, timer.start)
    loop.exec()
    view.close()
    view.deleteLater()
    return out


def count_off_thread(conn, scope) -> tuple[float, float, float]:
    """(UI thread held while asking, until the count came, a count made on the spot)."""
    from PySide6.QtCore import QEventLoop

    from desktop.storage import rosters
    from desktop.ui.people import roster_model

    app = _app()
    model = roster_model.RosterModel(conn)
    model.set_scope(scope)
    model._counter.state.delay = 0.0  # noqa: SLF001 - no typing here: count at once
    came: list[float] = []
    model.counted.connect(lambda _n: came.append(time.perf_counter()))
    t, t_clock = time.perf_counter(), clock()
    model.count()
    held = clock() - t_clock
    while not came and time.perf_counter() - t < 60:
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 20)
    total = (came[0] - t) if came else float("nan")
    direct = timed(lambda: rosters.count_people(conn, scope))
    return held, total, direct


def typing(conn, scope, queries: Sequence[str]) -> list[float]:
    from desktop.storage import rosters

    def one(q):
        rowids, _last = rosters.people_rowids(conn, scope, search=q, limit=100)
        rosters.people_rows(conn, rowids[:40])

    out, t0 = [], time.perf_counter()
    for i, q in enumerate(queries):
        if i >= 40 and time.perf_counter() - t0 > 20:
            break
        out.append(timed(lambda q=q: one(q)))
    return out


def measure(built: builders.Built, args: argparse.Namespace) -> dict[str, float]:
    from desktop.storage import records, rosters

    print(f"\n{builders.describe(built)}")
    conn = built.open()
    out: dict[str, float] = {}
    try:
        commune = rosters.unit_of_site(conn, built.unit_code) if built.site_kind == "commune" \
            else built.scope(conn).id
        village = conn.execute("SELECT u.id FROM unit u WHERE u.parent_id = ? AND EXISTS "
                               "(SELECT 1 FROM person p WHERE p.residence_unit_id = u.id) "
                               "ORDER BY u.name_key LIMIT 1", (commune,)).fetchone()[0]
        scopes = {"commune": rosters.Scope("unit", commune),
                  "village": rosters.Scope("unit", village),
                  "org type": rosters.Scope("unit", commune, org_type="to_hoa_giai"),
                  "role": rosters.Scope("unit", commune, role="to_truong")}
        worst: list[float] = []
        firsts: list[tuple[float, str]] = []
        for name, scope in scopes.items():
            stride = min(30, max(0, rosters.count_people(conn, scope) // 100 // 31 - 1))
            for column in PEOPLE_COLUMNS if name == "commune" else ("full_name", "phone"):
                for descending in (False, True):
                    pairs = roster_pages(conn, scope, column, descending, args.budget, stride)
                    p95 = bk.pct(pairs.subject, 95)
                    worst.append(p95)
                    firsts.append((pairs.subject[0], f"{name} by {column}"
                                                     f"{' ↓' if descending else ''}"))
                    if name == "commune" and column == "full_name" and not descending:
                        out["commune page p95"] = p95
                    print(f"   people, {name}, by {column}{' ↓' if descending else ''}: "
                          f"{len(pairs.subject)} pages (first {bk.ms(pairs.subject[0])}), "
                          f"median "
                          f"{bk.ms(statistics.median(pairs.subject))}, p95 {bk.ms(p95)}; "
                          f"{pairs.describe('against 100 rows down the name index')}")
        out["people pages worst p95"] = max(worst)
        out["people first pages worst"] = max(firsts)[0]
        print(f"   people pages, worst p95 of every order and filter: {bk.ms(max(worst))} "
              f"(goal ≤ {PAGE_GOAL_MS} ms: {bk.verdict(max(worst) * 1000 <= PAGE_GOAL_MS)}); "
              f"the slowest first page {bk.ms(max(firsts)[0])} ({max(firsts)[1]})")
        worst = []
        for kind_name, columns in RECORD_LISTS.items():
            for column in (None, *columns):
                for scope in (commune, village):
                    q = records.Query(order_by=column, unit_scope=scope,
                                      descending=kind_name in NEWEST_FIRST and column is None)
                    times = record_pages(conn, kind_name, q, args.budget)
                    worst.append(bk.pct(times, 95))
            print(f"   {kind_name}: every order, the commune and a village: worst page p95 "
                  f"{bk.ms(max(worst[-2 * (len(columns) + 1):]))}")
        out["record pages worst p95"] = max(worst)
        # The window's record lists as it reads them, which the pages above do not show: the
        # first page with nothing held, the tree's root (the province above the commune) as
        # well as the commune, and the jump to the end (the second page of a gathered order
        # reads and holds the whole list; a p95 of 31 pages hid it)
        root = conn.execute("SELECT parent_id FROM unit WHERE id = ?", (commune,)).fetchone()[0]
        firsts, jumps = [], []
        for kind_name, columns in RECORD_LISTS.items():
            mine: list[tuple[float, float, float, str]] = []
            for column in (None, *columns):
                for descending in (False, True):
                    for where, scope in (("commune", commune), ("province", root)):
                        q = records.Query(order_by=column, unit_scope=scope,
                                          descending=descending)
                        first, second, worst_jump, rows = window_record_list(
                            conn, kind_name, q)
                        mine.append((first, second, worst_jump,
                                     f"{column or 'own order'}{' ↓' if descending else ''}, "
                                     f"{where}"))
            firsts.append(max(mine)[0])
            jumps.append(max(m[2] for m in mine))
            print(f"   {kind_name} as the window reads it ({rows:,} rows): first page, nothing "
                  f"held, worst {bk.ms(max(mine)[0])} ({max(mine)[3]}); the page after it "
                  f"worst {bk.ms(max(m[1] for m in mine))} "
                  f"({max(mine, key=lambda m: m[1])[3]}); Ctrl+End's worst fetch "
                  f"{bk.ms(max(m[2] for m in mine))} "
                  f"({max(mine, key=lambda m: m[2])[3]}; pages up to {JUMP_BATCHES[-1]:,} rows, "
                  f"each read within the model's budget)")
        out["record first pages worst"] = max(firsts)
        out["record jump worst fetch"] = max(jumps)
        s = scroll(conn, scopes["commune"])
        out["scroll"] = s["fetched"]
        out["rss"] = s["rss"]
        print(f"   scrolling the commune's roster to its end: {s['rows']:,} rows in "
              f"{s['fetched']:.2f} s (goal ≤ {SCROLL_GOAL_S} s: "
              f"{bk.verdict(s['fetched'] <= SCROLL_GOAL_S)}); a screen painted along it "
              f"{bk.ms(s['painted'])}; rows held after {s['held']:,}; peak RSS "
              f"{s['rss']:.0f} MB (+{s['rss_growth']:.0f} MB; goal ≤ {RSS_GOAL_MB} MB: "
              f"{bk.verdict(s['rss'] <= RSS_GOAL_MB)})")
        h = hold_end(conn, scopes["commune"])
        out["hold end"] = h["wall"]
        print(f"   holding Ctrl+End on the commune's roster (the key repeated every 33 ms after "
              f"0.5 s): {h['rows']:,} rows after {h['presses']} presses, {h['wall']:.2f} s "
              f"(processor {h['cpu']:.2f} s; the longest press {bk.ms(h['worst'])}); goal ≤ "
              f"{SCROLL_GOAL_S} s: {bk.verdict(h['done'] and h['wall'] <= SCROLL_GOAL_S)}")
        held, came, direct = count_off_thread(conn, scopes["commune"])
        out["count held"] = held
        print(f"   counting the commune off the UI thread: the UI thread held "
              f"{bk.ms(held)}, the count came after {bk.ms(came)} (on the spot "
              f"{bk.ms(direct)})")
        rng = random.Random(args.seed)
        people = builders.sample_people(conn)
        print(f"   {bk.warm_roster(conn)}")
        for label, queries, goal in (
                ("CCCD and phone numbers", builders.digit_queries(rng, people, 300),
                 DIGIT_GOAL_MS),
                ("names", builders.typing_queries(rng, people, 300), NAME_GOAL_MS)):
            times = typing(conn, scopes["commune"], queries)
            p95 = bk.pct(times, 95)
            out[f"typing {label} p95"] = p95
            print(f"   roster search, {label} typed ({len(times)} keystrokes): median "
                  f"{bk.ms(statistics.median(times))}, p95 {bk.ms(p95)} (goal ≤ {goal} ms: "
                  f"{bk.verdict(p95 * 1000 <= goal)})")
        sys.stdout.flush()
    finally:
        conn.close()
    return out


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    bk.add_size_options(parser, province=False)
    parser.add_argument("--budget", type=float, default=3.0,
                        help="seconds of pages per order and filter")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="time the wall clock, or the thread's CPU time")
    args = parser.parse_args(argv)
    global clock
    clock = time.thread_time if args.clock == "cpu" else time.perf_counter
    started = bk.header("ANTQ Desk lists benchmark: pages, scrolling, counts, typing "
                        f"({'CPU time of the thread' if args.clock == 'cpu' else 'wall clock'})")
    results: dict[str, dict[str, float]] = {}
    sizes = bk.sizes_of(args)
    with bk.run_folder("lists") as folder:
        for built in builders.databases(folder, sizes, None, seed=args.seed):
            results[bk.label(built.people)] = measure(built, args)
    print("\ngrowth with the database's size:")
    log_sizes = {bk.label(n): n for n in sizes}
    for what in ("commune page p95", "people pages worst p95", "people first pages worst",
                 "record pages worst p95", "record first pages worst",
                 "record jump worst fetch",
                 "typing CCCD and phone numbers p95", "typing names p95"):
        print(f"   {what}: " + bk.growth({k: v[what] for k, v in results.items()},
                                         log_sizes=log_sizes))
    print("   scrolling to the end: " + ", ".join(f"{k} {v['scroll']:.2f} s"
                                                  for k, v in results.items()))
    print("   holding Ctrl+End to the end: " + ", ".join(f"{k} {v['hold end']:.2f} s"
                                                         for k, v in results.items()))
    bk.footer(started)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
