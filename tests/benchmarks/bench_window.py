"""Window benchmark: the first page of real rows visible, from process start, against a bare
PySide6 window showing the same rows; search as you type with real key events; scrolling the
whole roster; memory. On copies of the 10k, 100k and 300k communes and of the province.

    .venv/bin/python tests/benchmarks/bench_window.py [--quick] [--sizes 100000] [--starts 8]
        [--start-only]

**First rows.** Each start is a fresh process, timed from just before it is spawned (the
interpreter's own start included) to the end of the first paint of the roster's table with
rows in it. The program starts as ``antq --db`` does: its frame paints, the login dialog
asks, the benchmark fills in the account at once and clicks «Đăng nhập», the window fills.
Left out of its time: the moment between the dialog's paint and the click (the officer's
typing) and the key derivation (argon2id, slow by design; timed apart). The baseline is a
bare PySide6 process: a QMainWindow with a QTableView of the same 100 rows read with one
SQL query from the same encrypted file, given the raw key (no login, no derivation, no
layout, no tree, no menus). Bare and program alternate (ABAB…); it prints the median of
the paired ratios (goal ≤ 1.5) and the program's median (goal ≤ 300 ms at 100k people).

**Search as you type** types words letter by letter with QKeyEvents into the search box of
every list page that has one (people, organizations, minutes, models, good deeds, tips,
cameras, establishments: ``LISTS``; an empty list is said, not typed in), and times each
keystroke to the end of the list's next repaint, less the search box's debounce (the
single-shot timer the keystroke started: a pause by design, not work); at most 20 s of
typing per page. Goal p95 ≤ 16 ms on every list. The keys that search at once (the first
after a pause) and those that wait for typing to pause are also printed apart, and the time
typing took each list.
**Scrolling** fetches every page of the roster's model (capped at 10 s); **memory** is the
peak RSS after it (goal ≤ 250 MB).

Nothing is asserted. The copies are deleted with the run's folder.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import benchkit as bk
import builders

FIRST_ROWS_GOAL_S, START_RATIO_GOAL, KEY_GOAL_MS, RSS_GOAL_MB = 0.3, 1.5, 16.0, 250.0

# A view's viewport found by the name Qt gives it, not by ``viewport()``: that call makes
# PySide work out the most derived type of the QWidget it returns, building the Python enums
# of every QWidget subclass (about 70, 11-15 ms here), which neither program itself does
# before its rows show. Both sides' spies find it so (issue 12: the spy's own cost).

BARE = r"""
import time, sys
VIEWPORT = "qt_scrollarea_viewport"
from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QApplication, QMainWindow, QTableView, QWidget
from sqlcipher3 import dbapi2
app = QApplication(sys.argv[:1])
conn = dbapi2.connect(sys.argv[1])
conn.execute(f"PRAGMA key = \"x'{sys.argv[2]}'\"")
conn.execute("PRAGMA cipher_hmac_algorithm = HMAC_SHA256")  # cipher_upgrade.CIPHER_SETTINGS
rows = conn.execute(
    "SELECT p.full_name, p.birth_date, p.gender, p.ethnicity, p.citizen_id, p.phone, u.name "
    "FROM person p LEFT JOIN unit u ON u.id = p.residence_unit_id WHERE p._deleted = 0 "
    "ORDER BY p.name_key, p.id LIMIT 100").fetchall()
model = QStandardItemModel(len(rows), 7)
for r, row in enumerate(rows):
    for c, value in enumerate(row):
        model.setItem(r, c, QStandardItem("" if value is None else str(value)))
w = QMainWindow(); table = QTableView(); table.setModel(model)
w.setCentralWidget(table); w.resize(1280, 800)
class Spy(QObject):
    def eventFilter(self, obj, ev):
        if ev.type() == QEvent.Type.Paint:
            from PySide6.QtCore import QTimer
            QTimer.singleShot(0, lambda: (print(time.monotonic(), time.process_time()),
                                          sys.stdout.flush(), app.exit(0)))
            obj.removeEventFilter(self)
        return False
spy = Spy(); table.findChild(QWidget, VIEWPORT).installEventFilter(spy); w.show(); app.exec()
"""

APP = r"""
import time
VIEWPORT = "qt_scrollarea_viewport"
import os, sys, json, resource
from pathlib import Path
from desktop.cli import window_args
args = window_args(["--db", sys.argv[1]])  # as `antq --db PATH` reads its arguments
typing_s = float(sys.argv[2])
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QTableView, QWidget
from desktop.ui.shell.app import make_application, start_window
app = make_application()
app.setOrganizationName("antq-desk-bench")  # no remembered window state from real use
# as run_app: one window a database, crash dialog
from desktop.ui.shell import crash, single_instance
single_instance.guard(args.db)
crash.install(app)
# The start backup is left out: it runs after the data is shown (and would copy the file).
w = start_window(args.db, backup=False)
marks = {}
kdf, kdf_cpu = [], []
def log_in(dialog):  # the officer has typed (not timed), then clicks «Đăng nhập»
    from desktop.storage import keyfile
    real = keyfile.unwrap
    def unwrap(*a, **k):
        t, c = time.monotonic(), time.process_time()
        try:
            return real(*a, **k)
        finally:
            kdf.append(time.monotonic() - t)
            kdf_cpu.append(time.process_time() - c)
    keyfile.unwrap = unwrap
    dialog.user.setText(os.environ["ANTQ_USER"])
    dialog.password.setText(os.environ["ANTQ_PASSWORD"])
    marks["ok"] = time.monotonic()
    marks["ok_cpu"] = time.process_time()
    dialog.ok_button.click()  # accounts.login: key file, key derivation, open
    marks["in"] = time.monotonic()
def done():
    marks["rows"] = time.monotonic()
    marks["kdf"] = sum(kdf)
    marks["cpu"] = time.process_time() - sum(kdf_cpu)  # the process's work, derivation out
    marks["after_click_cpu"] = marks["cpu"] - marks["ok_cpu"]  # … of it after «Đăng nhập»
    marks["rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6  # MB, not MiB
    print(json.dumps(marks)); sys.stdout.flush()
    # Left as a normal quit leaves them (not timed): the database closed (its log checkpointed
    # and removed) and the one-window lock released. Otherwise every start but the first would
    # find a crash's leftovers (a log to recover, a stale lock to take over), which an
    # officer's start after a normal quit does not.
    w.conn.close()
    app.property("single_instance").close()
    os._exit(0)
# Filters on the window, the login dialog and the tables only: one on the whole application
# would run Python for every event of the start (and make PySide build a wrapper type for
# each kind of event), work the program itself does not do.
class Spy(QObject):
    def eventFilter(self, obj, ev):
        if ev.type() == QEvent.Type.ChildPolished and obj is w and \
                type(ev.child()).__name__ == "LoginDialog":
            ev.child().installEventFilter(self)  # its first paint: the prompt
        if ev.type() != QEvent.Type.Paint:
            return False
        if obj is w and "frame" not in marks:
            marks["frame"] = time.monotonic()
        elif type(obj).__name__ == "LoginDialog" and "prompt" not in marks:
            marks["prompt"] = time.monotonic()
            marks["prompt_cpu"] = time.process_time()
            # The officer types the password: ``typing_s`` (0: filled in at once).
            QTimer.singleShot(int(typing_s * 1000), lambda: log_in(obj))
        elif "filled" in marks and "rows" not in marks:
            view = obj.parent()
            if isinstance(view, QTableView) and view.isVisible() and view.model() is not None \
                    and view.model().rowCount() > 0:
                marks["shown"] = view.model().rowCount()
                QTimer.singleShot(0, done)  # once this paint is over
        return False
def filled():
    marks.setdefault("filled", time.monotonic())
    # The first page's rows: the next paint of a table's viewport. Found by name, as the bare
    # side's: findChildren(QTableView) wraps every descendant to test its type (4-6 ms of
    # the spy's own work on the program's side, building enums of classes it never names).
    for viewport in w.findChildren(QWidget, VIEWPORT):
        viewport.installEventFilter(spy)
spy = Spy(); w.installEventFilter(spy)
w.filled.connect(filled)
app.exec()
"""

SEARCH = r"""
import sys, time, resource, json, os
from pathlib import Path
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, QEventLoop
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QTableView
from desktop.storage import accounts
from desktop.ui.shell.app import build_window, make_application
app = make_application()
app.setOrganizationName("antq-desk-bench")
conn, _account, _notes = accounts.login(Path(sys.argv[1]), *accounts.credentials())
w = build_window(Path(sys.argv[1]), conn=conn); w.resize(1280, 800); w.show()
app.processEvents()
cap, budget = float(sys.argv[4]), float(sys.argv[5])

class Painted(QObject):
    def __init__(self, view):
        super().__init__(); self.view, self.changed, self.at = view, False, None
        self.cpu, self.paints, self.done = None, 0, None
        view.viewport().installEventFilter(self)
        m = view.model()
        for sig in (m.modelReset, m.layoutChanged, m.rowsInserted, m.rowsRemoved,
                    m.dataChanged):
            sig.connect(self.mark_changed)
    def mark_changed(self, *a):
        self.changed = True
    def eventFilter(self, obj, ev):
        if ev.type() == QEvent.Type.Paint:
            self.paints += 1
            if self.changed and self.at is None:
                QTimer.singleShot(0, self.painted)
        return False
    def painted(self):
        if self.at is None:
            self.at = time.perf_counter()
            self.cpu = time.process_time()
            if self.done is not None:
                self.done()

def parts(page):
    search = getattr(page, "search", None) or page.findChild(QLineEdit)
    view = getattr(page, "table", None) or page.findChild(QTableView)
    return search, view

def wait(spy, until):
    # Until the spy saw the list repainted, or the clock (perf_counter) reaches ``until()``
    # (asked again then: it may have moved). The event loop sleeps between events, as the
    # window's own does (app.exec). A loop spinning processEvents with a time limit (which
    # does not sleep) kept a processor busy and took the interpreter's lock back from the
    # read-ahead worker a million times a run: work the program does not do, on the same
    # 2 processors.
    loop = QEventLoop()
    deadline = QTimer(singleShot=True, timerType=Qt.TimerType.PreciseTimer)
    def waiting():
        left = until() - time.perf_counter()
        if spy.at is None and left > 0:
            deadline.start(max(1, int(left * 1000)))
            return True
        return False
    deadline.timeout.connect(lambda: waiting() or loop.quit())
    spy.done = loop.quit
    if waiting():
        loop.exec()
    deadline.stop()
    spy.done = None

def settle(view, action):
    # Do something, then wait (at most 3 s) for the list to change and repaint.
    spy = Painted(view)
    action()
    deadline = time.perf_counter() + 3.0
    wait(spy, lambda: deadline)
    view.viewport().removeEventFilter(spy)
    spy.deleteLater()

def key(widget, ch):
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QApplication.sendEvent(widget, QKeyEvent(kind, Qt.Key.Key_unknown,
                                                 Qt.KeyboardModifier.NoModifier, ch))

def keystrokes(page, words):
    # Each word typed letter by letter: ms from the key to the list repainted, less the
    # debounce the key started (a pause by design).
    search, view = parts(page)
    search.setFocus()
    for tm in page.findChildren(QTimer):  # the debounce to the millisecond, not within 5 %
        tm.setTimerType(Qt.TimerType.PreciseTimer)
    times, cpu, paints, missed, at_once = [], [], [], 0, []
    started = time.perf_counter()
    for word in words:
        if len(times) >= 10 and time.perf_counter() - started > budget:
            break  # slow code: enough keystrokes to say so
        for ch in word:
            spy = Painted(view)
            t, c = time.perf_counter(), [time.process_time()]
            key(search, ch)
            # The list's own debounce (SearchAsYouType.timer), not any timer that happens to
            # be pending (a warm-up's 500 ms start subtracted from a key hid its time).
            debounce_timer = getattr(getattr(page, "typing", None), "timer", None)
            pending = ([debounce_timer] if debounce_timer is not None
                       else page.findChildren(QTimer))
            pending = [tm for tm in pending if tm.isActive() and tm.isSingleShot()]
            debounce = min(tm.interval() for tm in pending) / 1000 if pending else 0.0
            # Processor time from the debounce's end (the worker may read ahead before it).
            hooks = [(tm, tm.timeout.connect(lambda c=c: c.__setitem__(
                0, time.process_time()))) for tm in pending]
            # A key that changes nothing (a first letter, a space) leaves the list as it was:
            # no change 0.3 s after the debounce, none coming.
            wait(spy, lambda t=t, spy=spy, debounce=debounce: t + debounce + (
                3.0 if spy.changed else 0.3))
            if spy.at is None:
                missed += 1
            else:
                times.append(max(0.0, spy.at - t - debounce) * 1000)
                cpu.append((spy.cpu - c[0]) * 1000)
                paints.append(spy.paints)
                at_once.append(not debounce)  # searched at once, not after typing paused
            for tm, hook in hooks:
                tm.timeout.disconnect(hook)
            view.viewport().removeEventFilter(spy)
            spy.deleteLater()
        settle(view, search.clear)  # the whole list again before the next word
    return times, cpu, paints, missed, at_once

people = w.people if hasattr(w, "people") else w.show_page("people")
typing_s = {"people": time.perf_counter()}
typed = {"people": keystrokes(people, json.loads(sys.argv[2]))}
typing_s["people"] = time.perf_counter() - typing_s["people"]
def type_in(lists):  # every other list with a search box
    for name, words in lists:
        typing_s[name] = time.perf_counter()
        page = w.show_page(name); app.processEvents()
        _search, view = parts(page)
        # An empty list has nothing to search: said, not timed.
        typed[name] = keystrokes(page, words) if view.model().rowCount() else None
        typing_s[name] = time.perf_counter() - typing_s[name]  # (the run's length)
lists = json.loads(sys.argv[3])
type_in(lists[:1])  # the minutes, before the memory's figure as until session 13
w.show_page("people"); app.processEvents()
# Scroll to the end of the roster, page by page, as a user holding End would (capped).
_search, view = parts(people)
model = view.model()
t = time.perf_counter()
while model.canFetchMore() and time.perf_counter() - t < cap:
    model.fetchMore()
full = time.perf_counter() - t
app.processEvents()
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6  # MB, not MiB
type_in(lists[1:])  # the other lists after it: their pages' memory is printed apart
rss_all = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6  # MB, not MiB
print(json.dumps({"typed": {name: None if t is None else dict(zip(
                      ("times", "cpu", "paints", "missed", "at_once"), t, strict=True))
                      for name, t in typed.items()}, "typing_s": typing_s,
                  "all_rows_s": full,
                  "done": not model.canFetchMore(), "rows": model.rowCount(),
                  "rss_all_mb": rss_all, "rss_mb": rss}), flush=True)
os._exit(0)  # skip tearing down Qt: only the figures matter here
"""

WORDS = ["nguyen van duc", "lo thi", "giang a", "vang a d", "0111"]  # a CCCD prefix too
# Every other list page with a search box (MainWindow.PAGES; the An toàn ANTT and Tội phạm
# lists have none), with words its records hold in the bench databases (builders.py: the
# organizations' names, the good deeds' descriptions, the minutes' titles), one typed with
# its diacritics. (page, words, its title here)
# The minutes first: typed before the scrolling and the memory's figure, as until session 13
LISTS = [("meetings", ["hop dinh ky", "tuan tra"], "minutes page"),
         ("organizations", ["to hoa giai", "đội dân phòng"], "organizations page"),
         ("models", ["an ninh"], "models page"),
         ("deeds", ["chua chay rung", "hòa giải"], "good deeds page"),
         ("tips", ["trom cap"], "tips page"),
         ("cameras", ["nguyen van"], "cameras page"),
         ("establishments", ["truong"], "establishments page")]
MINUTE_WORDS = LISTS[0][1]
# The bench databases hold no models, tips, cameras or establishments: the window's copy gets
# some before its typing (``seed_lists``, untimed, through the write path), words above in
# them. Per 1,000 people (at least the 10k commune's), as a commune keeps them over years.
SEEDED_PER_1000 = {"model": 1, "camera": 10, "establishment": 3, "tip": 10}
_SURNAMES = ("Nguyễn Văn", "Lò Văn", "Giàng A", "Vàng Thị", "Lường Thị", "Nguyễn Thị")
_SCHOOLS = ("Trường Tiểu học", "Trường Mầm non", "Trường THCS", "Trạm Y tế", "Hợp tác xã")
_TIPS = ("Phản ánh trộm cắp gia súc", "Tin báo đánh bạc", "Phản ánh tranh chấp đất đai",
         "Tin báo trộm cắp tài sản", "Phản ánh người lạ vào bản")
_MODELS = ("Camera an ninh", "Tổ liên gia an toàn", "Bản không ma túy", "Dòng họ tự quản an ninh")


def seed_lists(copy: builders.Built) -> dict[str, int]:
    """The models, cameras, establishments and tips of ``SEEDED_PER_1000`` added to the
    window's copy (not to the run's databases: the other benchmarks' figures stay), each
    in a village of the database, through ``Store.add_many``."""
    import random

    from desktop.storage import catalogues, db
    from desktop.storage.writer import Store

    rng = random.Random(2026)
    conn = db.connect(copy.path, copy.key)
    try:
        villages = [r[0] for r in conn.execute(
            "SELECT id FROM unit WHERE level = 'village' AND _deleted = 0 ORDER BY id")]
        model_types = [i.code for i in catalogues.items(conn, "model_type")]
        channels = [i.code for i in catalogues.items(conn, "tip_channel")]
        store = Store(conn, actor="bench", today=builders.TODAY)
        per = max(10, copy.people // 1000)
        made = {}
        for kind, n in SEEDED_PER_1000.items():
            rows: list[dict[str, object]] = []
            for i in range(n * per):
                village = rng.choice(villages)
                if kind == "model":
                    rows.append({"name": f"{rng.choice(_MODELS)} {i + 1}", "unit_id": village,
                                 "model_type": rng.choice(model_types)})
                elif kind == "camera":
                    rows.append({"owner_name": f"{rng.choice(_SURNAMES)} {i + 1}",
                                 "unit_id": village, "camera_count": rng.randint(1, 6),
                                 "address": f"Nhà số {i + 1}"})
                elif kind == "establishment":
                    rows.append({"name": f"{rng.choice(_SCHOOLS)} số {i + 1}",
                                 "establishment_type": rng.choice(("agency", "enterprise",
                                                                   "school")),
                                 "unit_id": village, "address": f"Bản số {i % 14 + 1}"})
                else:
                    day = builders.TODAY - dt.timedelta(days=rng.randrange(1500))
                    tip = {"received_at": f"{day.isoformat()} 08:{i % 60:02d}",
                           "channel": rng.choice(channels), "unit_id": village,
                           "summary": f"{rng.choice(_TIPS)} số {i + 1}"}
                    if rng.random() < 0.95:  # transferred the next day; the rest overdue
                        tip["transferred_at"] = f"{(day + dt.timedelta(days=1)).isoformat()} 09:00"
                        tip["transferred_to"] = "Công an huyện"
                    rows.append(tip)
            store.add_many(kind, rows)
            made[kind] = len(rows)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return made


def child_env() -> dict[str, str]:
    return {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
            "PYTHONPATH": str(bk.ROOT), "ANTQ_USER": builders.ACCOUNT,
            "ANTQ_PASSWORD": builders.PASSWORD}


def spawn(code: str, *args: str, timeout: float = 300) -> tuple[float, str]:
    """(the monotonic clock just before the spawn, the child's last line)."""
    t0 = time.monotonic()
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                         env=child_env(), timeout=timeout, cwd=bk.ROOT)
    if out.returncode != 0 or not out.stdout.strip():
        raise SystemExit(f"child failed ({out.returncode}):\n{out.stderr[-3000:]}")
    return t0, out.stdout.strip().splitlines()[-1]


def measure(built: builders.Built, work: Path, args: argparse.Namespace) -> dict[str, float]:
    print(f"\n{builders.describe(built)}")
    copy = built.copy_to(work, "window.db")  # the login writes to the audit log
    try:
        return _measure(copy, args)
    finally:
        for p in work.glob("window*"):  # the copy, its key file, a migration's backups
            shutil.rmtree(p) if p.is_dir() else p.unlink(missing_ok=True)


def _measure(copy: builders.Built, args: argparse.Namespace) -> dict[str, float]:
    # Starts out of the timing, the same number for each side, alternated (ABBA): the
    # program's first upgrades a database made by an older program (a migration and its
    # backup, once, at a first login); and neither side's first timed start is one that reads
    # what it alone uses (its file, its libraries) into the cache. One each was not enough
    # for the first size of a run: the bare window's starts right after the copy took 387,
    # 248, 210, 205 ms (session 11), and 10k, the first size, printed 1.53× (spread
    # 0.96–1.83 in 5 pairs) where 100k–300k printed 1.36–1.41×.
    for i in range(max(1, args.warm_starts)):  # the first upgrades the database
        for side in (("app", "bare") if i % 2 == 0 else ("bare", "app")):
            if side == "app":
                spawn(APP, str(copy.path), "0")
            else:
                spawn(BARE, str(copy.path), copy.key.hex())
    out: dict[str, float] = {}
    for typing_s in (args.typing, 0.0):
        runs: list[dict[str, float]] = []
        bare_cpu: list[float] = []

        def bare(bare_cpu: list[float] = bare_cpu) -> float:
            t0, line = spawn(BARE, str(copy.path), copy.key.hex())
            wall, cpu = (float(x) for x in line.split())
            bare_cpu.append(cpu)
            return wall - t0

        def app(typing_s: float = typing_s, runs: list[dict[str, float]] = runs) -> float:
            t0, line = spawn(APP, str(copy.path), str(typing_s))
            m = json.loads(line)
            m = {k: (v - t0 if k in ("frame", "prompt", "ok", "in", "filled", "rows") else v)
                 for k, v in m.items()}
            runs.append(m)
            # Not the program's work: the officer's typing, the deliberate key derivation.
            return m["rows"] - (m["ok"] - m["prompt"]) - m["kdf"]

        pairs = bk.alternate(bare, app, args.starts)
        cpu = bk.Paired(bare_cpu, [r["cpu"] for r in runs])
        # What the officer waits for, in processor time: to the prompt, then from «Đăng nhập»
        # to the rows (the typing's work left out, as from the wall time). On a busy machine
        # it says what the wall time would be on an idle one (the start is one thread).
        path = bk.Paired(bare_cpu, [r["prompt_cpu"] + r["after_click_cpu"] for r in runs])
        first = statistics.median(pairs.subject)
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        typed = (f"password typed in {typing_s:g} s" if typing_s else
                 "password filled in at once (no typing to work behind)")
        print(f"   first page of rows visible, from process start, {typed} ({args.starts} "
              f"starts each, alternated): ANTQ Desk median {first * 1000:.0f} ms; bare PySide6 "
              f"window with the same rows {statistics.median(pairs.baseline) * 1000:.0f} ms; "
              f"{pairs.describe()}; goals ≤ {START_RATIO_GOAL}×: "
              f"{bk.verdict(pairs.ratio <= START_RATIO_GOAL)}, ≤ "
              f"{FIRST_ROWS_GOAL_S * 1000:.0f} ms: {bk.verdict(first <= FIRST_ROWS_GOAL_S)}")
        print(f"     processor time of the process (derivation left out; steadier on a shared "
              f"machine): ANTQ Desk {statistics.median(cpu.subject) * 1000:.0f} ms, of which "
              f"{med['after_click_cpu'] * 1000:.0f} ms after «Đăng nhập»; bare "
              f"{statistics.median(cpu.baseline) * 1000:.0f} ms; {cpu.describe()}")
        print(f"     … of it on the officer's path (to the prompt, then «Đăng nhập» to the rows): "
              f"{statistics.median(path.subject) * 1000:.0f} ms; {path.describe()}")
        print(f"     ANTQ Desk's start (medians): frame {med['frame'] * 1000:.0f} ms, login "
              f"dialog {med['prompt'] * 1000:.0f} ms; «Đăng nhập» "
              f"{(med['in'] - med['ok']) * 1000:.0f} ms of which key derivation "
              f"{med['kdf'] * 1000:.0f} ms (left out); rows painted "
              f"{(med['rows'] - med['in']) * 1000:.0f} ms after the login "
              f"({int(med['shown'])} rows loaded); peak RSS then {med['rss']:.0f} MB")
        if typing_s:
            out |= {"first rows": first, "start ratio": pairs.ratio, "cpu ratio": cpu.ratio,
                    "path ratio": path.ratio}
        else:
            out |= {"first rows at once": first, "start ratio at once": pairs.ratio}
    sys.stdout.flush()
    if args.start_only:
        return out
    t = time.perf_counter()
    made = seed_lists(copy)
    print(f"   added to the copy for its lists' search (untimed, {time.perf_counter() - t:.1f} s "
          f"through Store.add_many): " + ", ".join(f"{n:,} {k}" for k, n in made.items()))
    _t0, line = spawn(SEARCH, str(copy.path), json.dumps(WORDS),
                      json.dumps([(name, words) for name, words, _title in LISTS]),
                      str(args.scroll_cap), str(args.type_budget), timeout=600)
    result = json.loads(line)
    out |= {"rss": result["rss_mb"], "scroll": result["all_rows_s"]}
    titles = {"people": "people page"} | {name: title for name, _words, title in LISTS}
    for name, typed in result["typed"].items():
        what = titles[name]
        if typed is None:
            print(f"   search as you type, {what}: the list is empty in this database, "
                  f"nothing to search")
            continue
        t, missed = typed["times"], typed["missed"]
        if not t:
            print(f"   search as you type, {what}: no repaint seen ({missed} keystrokes)")
            continue
        p95 = bk.pct(t, 95) / 1000
        out[f"{what} p95"] = p95
        cpu, paints = typed["cpu"], typed["paints"]
        out[f"{what} typing s"] = result["typing_s"][name]
        unchanged = f", {missed} more left the list as it was" if missed else ""
        print(f"   search as you type, {what} ({len(t)} keystrokes{unchanged}, typed in "
              f"{result['typing_s'][name]:.1f} s; "
              f"key to repaint, debounce left out): median {statistics.median(t):.1f} ms, "
              f"p95 {p95 * 1000:.1f} ms, max {max(t):.1f} ms; goal p95 ≤ {KEY_GOAL_MS:g} ms: "
              f"{bk.verdict(p95 * 1000 <= KEY_GOAL_MS)}")
        at_once = typed["at_once"]
        for how, keys in (("searched at once (the first key after a pause)", True),
                          ("after typing paused", False)):
            kt = [ms for ms, now in zip(t, at_once, strict=True) if now is keys]
            if kt:
                print(f"     {len(kt)} keys {how}: median {statistics.median(kt):.1f} ms, p95 "
                      f"{bk.pct(kt, 95):.1f} ms, max {max(kt):.1f} ms")
        print(f"     processor time of the process from key to repaint: median "
              f"{statistics.median(cpu):.1f} ms, p95 {bk.pct(cpu, 95):.1f} ms; the list's "
              f"paints a key: median {statistics.median(paints):g}, max {max(paints)}")
    done = "" if result["done"] else f" — stopped at the {args.scroll_cap:g} s cap (goal ≤ 2 s)"
    print(f"   scrolling the whole roster (the model's fetchMore until the end): "
          f"{result['rows']:,} rows in {result['all_rows_s']:.2f} s{done}")
    print(f"   peak memory after searching the people and the minutes and scrolling: "
          f"{result['rss_mb']:.0f} MB (goal ≤ {RSS_GOAL_MB:.0f} MB: "
          f"{bk.verdict(result['rss_mb'] <= RSS_GOAL_MB)}); after the other lists' search too "
          f"(their pages built, their rows read): {result['rss_all_mb']:.0f} MB")
    sys.stdout.flush()
    return out


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    bk.add_size_options(parser)
    parser.add_argument("--starts", type=int, default=8, help="starts of each, alternated")
    parser.add_argument("--warm-starts", type=int, default=2,
                        help="untimed starts of each before the timed ones, alternated")
    parser.add_argument("--typing", type=float, default=1.5,
                        help="seconds the officer takes to type the password (left out of "
                             "the time; the start is also timed with none)")
    parser.add_argument("--scroll-cap", type=float, default=10.0,
                        help="seconds after which scrolling to the end stops")
    parser.add_argument("--type-budget", type=float, default=20.0,
                        help="seconds of typing per page, at most (whole words)")
    parser.add_argument("--start-only", action="store_true",
                        help="time the start alone (no search as you type, scrolling, memory)")
    args = parser.parse_args(argv)
    if args.quick:
        args.starts, args.scroll_cap = min(args.starts, 3), min(args.scroll_cap, 5.0)
    started = bk.header("ANTQ Desk window benchmark: first rows, search as you type, memory")
    # Byte-compiled first, as an installed program is (pip compiles at install, the frozen
    # build ships bytecode); with PYTHONDONTWRITEBYTECODE set every start would compile.
    compileall.compile_dir(str(bk.ROOT / "desktop"), quiet=1)
    results: dict[str, dict[str, float]] = {}
    with bk.run_folder("window") as folder, bk.scratch(folder, "window") as work:
        for built in builders.databases(folder, bk.sizes_of(args), bk.province_scale(args),
                                        seed=args.seed):
            name = bk.label(built.people) if built.site_kind == "commune" else "province"
            results[name] = measure(built, work, args)
    print("\ngrowth with the database's size:")
    print("   first rows visible: " + ", ".join(
        f"{k} {v['first rows'] * 1000:.0f} ms (×{v['start ratio']:.2f} bare, processor "
        f"×{v['cpu ratio']:.2f}, on the officer's path ×{v['path ratio']:.2f}; password filled "
        f"at once ×{v['start ratio at once']:.2f})"
        for k, v in results.items()))
    for what in ("people page", *(title for _name, _words, title in LISTS)):
        if not any(what + " p95" in v for v in results.values()):
            continue
        print(f"   search p95, {what}: " + ", ".join(
            f"{k} {v[what + ' p95'] * 1000:.1f} ms" for k, v in results.items()
            if what + " p95" in v))
    if not args.start_only:
        # What typing costs the run (issue 12: make bench in under 15 minutes)
        print("   typing in the lists' search boxes (wall time, the people's and the others'): "
              + ", ".join(f"{k} {v.get('people page typing s', 0):.0f} + " + str(round(sum(
                  x for n, x in v.items() if n.endswith(" typing s")
                  and not n.startswith("people"))))
                  + " s" for k, v in results.items()))
        print("   scrolling to the end: " + ", ".join(f"{k} {v['scroll']:.1f} s"
                                                      for k, v in results.items()))
        print("   peak memory: " + ", ".join(f"{k} {v['rss']:.0f} MB"
                                             for k, v in results.items()))
    bk.footer(started)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
