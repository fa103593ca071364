"""Where a key typed in a list's search box spends its time: bench_window's search as you type
(the same program, words and real key events), each key split into its parts.

    .venv/bin/python tests/benchmarks/bench_typing_parts.py [--sizes 300000] [--no-province]

Each key is timed as bench_window times it (to the end of the list's next repaint, less the
debounce) and split, on the UI thread, into: the question (the people's first page read
on the read-ahead's worker while the UI thread waits, ``ReadAhead.read_now``, or taken
ready from it; the minutes' ``records.page`` on the UI thread), the list's paint (wall and
the UI thread's processor time) and, within it, the rows presented (``RosterModel._present``,
``RecordTableModel._cells``)
and the new texts measured (``PlainCells._measured``: a text never painted, drawn directly),
and the rest (the key's own handling, the search's set-up, Qt's update and flush). Keys that
search at once (the first after a pause) and keys that wait for typing to pause are printed
apart. The parts are timed by wrapping those functions: the wrappers cost about a tenth of
a millisecond a key, so the totals run a little above bench_window's. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
from collections.abc import Sequence

import bench_window as bw
import benchkit as bk
import builders

# Put after the window's imports in bench_window's SEARCH: wrappers adding each part's time
# (wall, and the UI thread's processor time) to the key's record.
PRELUDE = r'''
import time as _t
from desktop.ui.common import read_ahead as _ra, widgets as _wd
from desktop.ui.people import roster_model as _rm
from desktop.ui.records import record_model as _rec
from desktop.storage import records as _srec
PARTS = []  # one dict a key
CUR = {}
import threading as _th
def _wrap(owner, name, part):
    # Counted on the UI thread from the end of the key's debounce (CUR["from"]), as the key's
    # time is: not the read-ahead's worker, nor the presenting while typing pauses.
    f = getattr(owner, name)
    def timed(*a, **k):
        t, c = _t.perf_counter(), _t.thread_time()
        try:
            return f(*a, **k)
        finally:
            if _th.current_thread() is _th.main_thread() and t >= CUR.get("from", 0.0):
                CUR[part] = CUR.get(part, 0.0) + (_t.perf_counter() - t) * 1000
                CUR[part + " cpu"] = CUR.get(part + " cpu", 0.0) + (_t.thread_time() - c) * 1000
    setattr(owner, name, timed)
_wrap(_ra.ReadAhead, "read_now", "question")
_wrap(_srec, "page", "question")  # the minutes' (record_model calls records.page)
_wrap(_rm.RosterModel, "_present", "presenting")
_wrap(_rec.RecordTableModel, "_cells", "presenting")
_wrap(_wd.PlainCells, "_measured", "measuring")
from PySide6.QtWidgets import QTableView as _View
class _TimedView(_View):
    def paintEvent(self, ev):
        t, c = _t.perf_counter(), _t.thread_time()
        super().paintEvent(ev)
        CUR["paint"] = CUR.get("paint", 0.0) + (_t.perf_counter() - t) * 1000
        CUR["paint cpu"] = CUR.get("paint cpu", 0.0) + (_t.thread_time() - c) * 1000
_wd.QTableView = _TimedView  # the window's lists are made after this
'''
_PATCHES = (
    ("from desktop.ui.shell.app import build_window, make_application\n",
     "from desktop.ui.shell.app import build_window, make_application\n" + PRELUDE),
    ("            key(search, ch)\n", "            CUR.clear()\n            key(search, ch)\n"),
    ("            debounce = min(tm.interval() for tm in pending) / 1000 if pending else 0.0\n",
     "            debounce = min(tm.interval() for tm in pending) / 1000 if pending else 0.0\n"
     "            CUR['from'] = t + debounce\n"),
    # The question of a key waiting for typing to pause is read on the worker during the
    # debounce: only what the UI thread does after it counts (as in the key's time).
    ("                at_once.append(not debounce)  # searched at once, not after typing paused\n",
     "                at_once.append(not debounce)  # searched at once, not after typing paused\n"
     "                PARTS.append({'page': type(page).__name__, "
     "'kind': getattr(getattr(page, 'kind', None), 'name', 'person'), 'ms': times[-1], "
     "'at_once': not debounce, **CUR})\n"),
    ('"rss_mb": rss}', '"rss_mb": rss, "parts": PARTS}'),
    # No scrolling to the end: not this benchmark's.
    ("while model.canFetchMore() and time.perf_counter() - t < cap:", "while False:"),
)


def instrumented_search() -> str:
    code = bw.SEARCH
    for old, new in _PATCHES:
        if code.count(old) != 1:
            raise SystemExit(f"bench_window's SEARCH changed: {old.strip()!r} not found once")
        code = code.replace(old, new)
    return code


def report(parts: list[dict[str, float]]) -> None:
    for kind in dict.fromkeys(k.get("kind", k["page"]) for k in parts):
        keys = [k for k in parts if k.get("kind", k["page"]) == kind]
        title = f"{kind} list"
        print(f"   {title}:")
        for how, at_once in (("searched at once", True), ("after typing paused", False)):
            some = [k for k in keys if k["at_once"] is at_once]
            if not some:
                continue
            def med(part: str, some: list[dict[str, float]] = some) -> float:
                return statistics.median(k.get(part, 0.0) for k in some)
            rest = statistics.median(k["ms"] - k.get("question", 0.0) - k.get("paint", 0.0)
                                     for k in some)
            print(f"     {len(some)} keys {how}: key to repaint median {med('ms'):.1f} ms, "
                  f"p95 {bk.pct([k['ms'] for k in some], 95):.1f}; medians of its parts: "
                  f"question {med('question'):.1f} ms (p95 "
                  f"{bk.pct([k.get('question', 0.0) for k in some], 95):.1f}), the list's paint "
                  f"{med('paint'):.1f} ms ({med('paint cpu'):.1f} of the UI thread's processor) "
                  f"of which presenting rows {med('presenting'):.1f} and measuring new texts "
                  f"{med('measuring'):.1f}, the rest {rest:.1f}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    bk.add_size_options(parser)
    parser.add_argument("--type-budget", type=float, default=20.0,
                        help="seconds of typing per page, at most (whole words)")
    args = parser.parse_args(argv)
    started = bk.header("ANTQ Desk: search as you type, each key's parts")
    code = instrumented_search()
    with bk.run_folder("typing-parts") as folder, bk.scratch(folder, "typing") as work:
        for built in builders.databases(folder, bk.sizes_of(args), bk.province_scale(args),
                                        seed=args.seed):
            print(f"\n{builders.describe(built)}")
            copy = built.copy_to(work, "window.db")  # the login writes to the audit log
            try:
                _t0, line = bw.spawn(code, str(copy.path), json.dumps(bw.WORDS),
                                     json.dumps([(name, words) for name, words, _title
                                                 in bw.LISTS]), "0",
                                     str(args.type_budget), timeout=600)
            finally:
                for p in work.glob("window*"):  # the copy, its key file, a migration's backups
                    shutil.rmtree(p) if p.is_dir() else p.unlink(missing_ok=True)
            report(json.loads(line)["parts"])
            sys.stdout.flush()
    bk.footer(started)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
