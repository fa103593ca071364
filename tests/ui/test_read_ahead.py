"""A search typed in a list has its first page read off the UI thread while the officer's
typing pauses (desktop/ui/common/read_ahead.py): the list then shows it at once. It shows
only a page read for what is typed then, never one read before a write, and nothing of it
outlives the window's data (its key forgotten, the screen lock)."""

from __future__ import annotations

import threading
import time

import pytest
from dbkit import TEST_PASSWORD, TEST_USER, copy_database
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from uikit import choose_by_keys, type_text, window_as

from desktop.storage import accounts, db, records, rosters
from desktop.storage.writer import Store
from desktop.ui.common import read_ahead


def shown_ids(page) -> list[str | None]:
    return [page.model.record_id(r) for r in range(page.model.rowCount())]


def roster_truth(w, search: str) -> list[str]:
    """The roster's first page for ``search``, read now on the window's own connection."""
    page = w.people
    return [r["id"] for r in rosters.people_page(w.conn, page.scope(), search=search,
                                                 limit=page.model.rowCount() or 100)]


class ReadsOff:
    """Which searches the roster's pages were read for, and on which thread."""

    def __init__(self, monkeypatch, slow: dict[str, threading.Event] | None = None) -> None:
        self.calls: list[tuple[str | None, bool]] = []
        self.slow = slow or {}
        real = rosters.people_rowids

        def people_rowids(conn, scope, *, search=None, **kw):
            ui = threading.current_thread() is threading.main_thread()
            self.calls.append((search, ui))
            if not ui and search in self.slow:
                self.slow[search].wait(5)
            return real(conn, scope, search=search, **kw)

        monkeypatch.setattr(rosters, "people_rowids", people_rowids)

    def on_ui(self, search: str) -> bool:
        return (search, True) in self.calls

    def ahead(self, search: str) -> bool:
        return (search, False) in self.calls


def settle(qtbot, page, search: str) -> None:
    qtbot.waitUntil(lambda: page.model.search == search and not page.typing.timer.isActive(),
                    timeout=5000)
    QApplication.processEvents()


def warm(qtbot, page) -> None:
    """The roster reads ahead once its connection is warm (after the window's own warm-up)."""
    qtbot.waitUntil(lambda: page.model._ahead._warmed, timeout=10000)


def test_before_its_connection_is_warm_the_roster_reads_as_before(window, qtbot,
                                                                  monkeypatch):
    page = window.people
    assert not page.model._ahead._warmed  # (the window's warm-up starts after half a second)
    reads = ReadsOff(monkeypatch)
    page.search.setFocus()
    type_text(page.search, "ng")
    settle(qtbot, page, "ng")
    type_text(page.search, "u")
    settle(qtbot, page, "ngu")
    assert reads.calls == [("ng", True), ("ngu", True)]
    assert shown_ids(page) == roster_truth(window, "ngu")


def test_the_page_read_while_typing_paused_is_shown(window, qtbot, monkeypatch):
    page = window.people
    warm(qtbot, page)
    reads = ReadsOff(monkeypatch)
    page.search.setFocus()
    type_text(page.search, "ng")  # the first key after a pause: searched at once
    settle(qtbot, page, "ng")
    type_text(page.search, "uy")  # typing goes on: searched when it pauses
    settle(qtbot, page, "nguy")
    assert reads.ahead("nguy") and not reads.on_ui("nguy")  # read off the UI thread
    assert shown_ids(page) == roster_truth(window, "nguy")
    # The first rows came with the page: painted without reading them again.
    assert page.model.record_id(0) == roster_truth(window, "nguy")[0]
    assert page.model.index(0, 0).data().startswith("Nguy")


def test_a_page_read_for_other_text_never_shows(window, qtbot, monkeypatch):
    page = window.people
    warm(qtbot, page)
    held = threading.Event()
    reads = ReadsOff(monkeypatch, slow={"nguy": held})  # «nguy» read slowly ahead
    page.search.setFocus()
    type_text(page.search, "ng")
    settle(qtbot, page, "ng")
    type_text(page.search, "uy")
    qtbot.waitUntil(lambda: reads.ahead("nguy"), timeout=3000)
    # Before its page comes, the officer takes «uy» back and types «ô»: «ngô» is searched.
    qtbot.keyClick(page.search, Qt.Key.Key_Backspace)
    qtbot.keyClick(page.search, Qt.Key.Key_Backspace)
    type_text(page.search, "ô")
    settle(qtbot, page, "ngô")
    held.set()  # the page of «nguy» comes now: too late, and for other text
    qtbot.wait(300)
    assert page.model.search == "ngô"
    assert shown_ids(page) == roster_truth(window, "ngô")
    assert roster_truth(window, "ngô") != roster_truth(window, "nguy")


def test_a_page_read_ahead_before_a_filter_was_chosen_is_not_shown(window, qtbot,
                                                                   monkeypatch):
    page = window.people
    warm(qtbot, page)
    reads = ReadsOff(monkeypatch)
    page.typing.timer.setInterval(1500)
    page.search.setFocus()
    type_text(page.search, "ng")
    settle(qtbot, page, "ng")
    type_text(page.search, "uy")
    qtbot.waitUntil(lambda: reads.ahead("nguy"), timeout=3000)
    job = page.model._ahead._job
    qtbot.waitUntil(lambda: job.done, timeout=3000)  # read for the whole province
    everyone = shown_ids(page)
    # The officer chooses a role before the pause ends: the list is read for it.
    role = page.role_filter.itemData(1)
    choose_by_keys(qtbot, page.role_filter, role)
    assert page.model.search == "nguy" and page.scope().role == role
    assert shown_ids(page) == roster_truth(window, "nguy")
    settle(qtbot, page, "nguy")
    assert shown_ids(page) == roster_truth(window, "nguy") != everyone[:len(shown_ids(page))]


def test_a_page_not_ready_when_typing_pauses_is_read_at_once(window, qtbot, monkeypatch):
    page = window.people
    warm(qtbot, page)
    held = threading.Event()
    reads = ReadsOff(monkeypatch, slow={"nguy": held})
    page.search.setFocus()
    type_text(page.search, "ng")
    settle(qtbot, page, "ng")
    type_text(page.search, "uy")
    settle(qtbot, page, "nguy")  # shown without waiting for the worker
    assert reads.on_ui("nguy")
    held.set()
    assert shown_ids(page) == roster_truth(window, "nguy")


def test_a_write_after_the_page_was_read_ahead_is_in_the_list(window, qtbot, monkeypatch):
    page = window.people
    warm(qtbot, page)
    reads = ReadsOff(monkeypatch)
    page.typing.timer.setInterval(1500)  # a long pause: the page is read well before it ends
    page.search.setFocus()
    type_text(page.search, "ng")
    settle(qtbot, page, "ng")
    type_text(page.search, "uy")
    qtbot.waitUntil(lambda: reads.ahead("nguy"), timeout=3000)
    job = page.model._ahead._job
    qtbot.waitUntil(lambda: job.done, timeout=3000)  # read, waiting for the pause to end
    place = window.conn.execute("SELECT residence_unit_id FROM person WHERE _deleted = 0 "
                                "AND residence_unit_id IS NOT NULL LIMIT 1").fetchone()[0]
    added = Store(window.conn, actor="tester").add("person", {  # first in name order
        "full_name": "Nguy A", "residence_unit_id": place}).id
    window.conn.commit()
    settle(qtbot, page, "nguy")
    assert shown_ids(page)[0] == added
    assert shown_ids(page) == roster_truth(window, "nguy")
    assert reads.calls.count(("nguy", False)) + reads.calls.count(("nguy", True)) == 2  # and
    # read again after the write (on the read-ahead's connection once it is warm)
    # and its count, counted after the write
    qtbot.waitUntil(lambda: page.model.counted_total is not None, timeout=5000)
    assert page.model.counted_total == rosters.count_people(window.conn, page.scope(), "nguy")


def test_the_minutes_page_shows_its_page_read_ahead(window, qtbot, monkeypatch):
    page = window.show_page("meetings")
    calls: list[tuple[str | None, bool]] = []
    real = records.page

    def page_of(conn, kind, query, **kw):
        calls.append((query.search, threading.current_thread() is threading.main_thread()))
        return real(conn, kind, query, **kw)

    monkeypatch.setattr(records, "page", page_of)
    page.search.setFocus()
    type_text(page.search, "họ")
    qtbot.waitUntil(lambda: page.model.query.search == "họ", timeout=5000)
    type_text(page.search, "p")
    qtbot.waitUntil(lambda: page.model.query.search == "họp"
                    and not page.typing.timer.isActive(), timeout=5000)
    assert ("họp", False) in calls and ("họp", True) not in calls
    assert [page.model.record_id(r) for r in range(page.model.rowCount())] == [
        r["id"] for r in real(window.conn, page.kind, page.model.query, limit=100)]


def test_the_read_ahead_connection_closes_with_the_window_s_data(window, qtbot, monkeypatch):
    page = window.people
    warm(qtbot, page)
    reads = ReadsOff(monkeypatch)
    page.search.setFocus()
    type_text(page.search, "ng")
    settle(qtbot, page, "ng")
    type_text(page.search, "uy")
    settle(qtbot, page, "nguy")
    assert reads.ahead("nguy")
    opened = _read_ahead_connections(window)
    assert opened
    window.close_data()  # another account logs in: the key is forgotten
    for conn in opened:
        qtbot.waitUntil(lambda c=conn: _closed(c), timeout=5000)


def _read_ahead_connections(w) -> list:
    """The connections the read-ahead workers hold (their frames' locals)."""
    return [reader for _ahead, reader in _read_ahead_workers()]


def _read_ahead_workers() -> list:
    """(ReadAhead, its worker's connection) of every worker holding one (frames' locals)."""
    import sys

    found = []
    for frame in sys._current_frames().values():
        while frame is not None:
            reader = frame.f_locals.get("reader")
            if reader is not None and frame.f_code.co_name == "_work" and \
                    frame.f_code.co_filename.endswith("read_ahead.py"):
                found.append((frame.f_locals["self"], reader))
            frame = frame.f_back
    return found


def test_a_record_list_s_read_ahead_has_a_cache_sized_for_its_searches(window, qtbot):
    # The roster's worker keeps the name index its warm-up read; the minutes' (no warm-up)
    # only the pages its searches read: a cache bounded far below the roster's.
    warm(qtbot, window.people)
    page = window.show_page("meetings")
    page.search.setFocus()
    type_text(page.search, "họ")
    qtbot.waitUntil(lambda: page.model.query.search == "họ", timeout=5000)
    type_text(page.search, "p")
    qtbot.waitUntil(lambda: page.model.query.search == "họp"
                    and not page.typing.timer.isActive(), timeout=5000)
    caches = {ahead._warm is not None: -reader.execute("PRAGMA cache_size").fetchone()[0]
              for ahead, reader in _read_ahead_workers()}
    assert caches == {True: read_ahead.WARM_CACHE_KIB, False: read_ahead.LIST_CACHE_KIB}
    assert read_ahead.LIST_CACHE_KIB <= read_ahead.WARM_CACHE_KIB // 6  # KiB


def _closed(conn) -> bool:
    try:
        conn.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - closed
        return True
    return False


@pytest.fixture
def xa(qapp, demo_factory, tmp_path):
    path = tmp_path / "xa.db"
    copy_database(demo_factory(1, 10), path)
    return path


@pytest.fixture
def windows():
    opened: list = []
    yield opened
    from uikit import close_windows

    close_windows(opened)


def test_searching_after_the_screen_lock_shows_what_is_typed(xa, qtbot, windows):
    w = window_as(xa, TEST_USER, TEST_PASSWORD, windows)
    w.tree.setCurrentIndex(w.nav_model.index(0, 0))
    page = w.people
    page.search.setFocus()
    type_text(page.search, "ng")
    settle(qtbot, page, "ng")
    type_text(page.search, "u")  # a page read ahead, then the window locks before the pause
    w.screen_lock.lock()
    assert w.screen_lock.is_locked
    time.sleep(0.3)
    QApplication.processEvents()
    w.screen_lock.page.password.setText(TEST_PASSWORD)
    qtbot.keyClick(w.screen_lock.page.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not w.screen_lock.is_locked, timeout=5000)
    page.search.setFocus()
    type_text(page.search, "y")
    settle(qtbot, page, "nguy")
    assert shown_ids(page) == roster_truth(w, "nguy")
    assert db.known_key(xa) is not None and accounts.current(w.conn) is not None


def test_once_warm_the_roster_scrolls_on_the_read_ahead_s_connection(window, qtbot,
                                                                    monkeypatch):
    # Ctrl+End held on the roster: once the read-ahead's connection is warm, its pages are
    # read on it, whose cache holds the name index the warm-up read, not on the window's
    # own connection (which read that index into its cache too: 30 MB more at 300,000
    # people): its worker idle, on this thread (ReadAhead.read_here).
    page = window.people
    warm(qtbot, page)
    truth = [r["id"] for r in rosters.people_page(window.conn, page.scope(), limit=10**6)]
    assert len(truth) > 2 * page.model.rowCount() > 0  # pages to fetch
    calls: list[tuple[bool, bool]] = []  # (on the window's connection, on the UI thread)
    real = rosters.people_rowids

    def people_rowids(conn, scope, **kw):
        calls.append((conn is window.conn,
                      threading.current_thread() is threading.main_thread()))
        return real(conn, scope, **kw)

    monkeypatch.setattr(rosters, "people_rowids", people_rowids)
    page.table.setFocus()
    while page.model.canFetchMore():
        qtbot.keyClick(page.table, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    assert len(calls) >= 2
    assert not any(mine for mine, _ui in calls)  # never on the window's connection
    assert shown_ids(page) == truth


def test_a_worker_lending_its_connection_waits_until_it_is_given_back(window, qtbot):
    # read_here reads on the worker's connection while the worker waits idle: a question
    # asked meanwhile (as from the UI thread's next key) is read only once it is back.
    page = window.people
    warm(qtbot, page)
    ahead = page.model._ahead
    qtbot.waitUntil(lambda: ahead._idle, timeout=5000)
    order: list[str] = []
    key = (page.scope(), "ng", None, False)
    first_page = page.model._first_page(*key)

    def lent(conn):
        ahead.ask(key, lambda c: order.append("question") or first_page(c))
        time.sleep(0.3)  # the worker woken meanwhile: it must wait
        order.append("lent")
        return conn.execute("SELECT count(*) FROM person").fetchone()[0]

    assert ahead.read_here(lent) == window.conn.execute(
        "SELECT count(*) FROM person").fetchone()[0]
    qtbot.waitUntil(lambda: order == ["lent", "question"], timeout=3000)
    # Lent again once idle: "question" says only that the question began, and until its page
    # is read (a while on a loaded host) read_here answers None.
    qtbot.waitUntil(lambda: ahead.read_here(lambda conn: 1) == 1, timeout=5000)


def test_once_the_window_let_go_of_its_file_the_next_search_warms_again(window, qtbot,
                                                                       monkeypatch):
    # The window lets go of its file (a restore, another account, closing: the read-ahead's
    # connection closed); if it goes on instead (a restore refused), the next search shown
    # warms the read-ahead again rather than leaving it off, reading on the UI thread.
    page = window.people
    warm(qtbot, page)
    window.stop_pending_work()
    assert not page.model._ahead._warmed
    reads = ReadsOff(monkeypatch)
    page.search.setFocus()
    type_text(page.search, "ng")
    settle(qtbot, page, "ng")
    warm(qtbot, page)
    qtbot.waitUntil(lambda: rosters.warmed(window.conn), timeout=10000)  # lent again
    type_text(page.search, "uy")
    settle(qtbot, page, "nguy")
    assert reads.ahead("nguy") and not reads.on_ui("nguy")
    assert shown_ids(page) == roster_truth(window, "nguy")


def test_once_warm_a_search_typed_after_a_pause_is_read_where_the_last_was(window, qtbot,
                                                                           monkeypatch):
    # A search remembers where its first page began, for the next key's (storage/rosters.py)
    # and its pages stay in its connection's cache: the searches typed go on one connection,
    # the read-ahead's once it is warm, also the key after a pause.
    page = window.people
    qtbot.waitUntil(lambda: page.model._ahead._warmed, timeout=10000)
    reads = ReadsOff(monkeypatch)
    page.search.setFocus()
    type_text(page.search, "ng")  # at once: read there, waited for
    settle(qtbot, page, "ng")
    type_text(page.search, "u")  # read ahead
    settle(qtbot, page, "ngu")
    assert reads.calls == [("ng", False), ("ngu", False)]
    assert shown_ids(page) == roster_truth(window, "ngu")
    qtbot.keyClick(page.search, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(page.search, Qt.Key.Key_Delete)
    settle(qtbot, page, None)
    choose_by_keys(qtbot, page.org_type_filter, page.org_type_filter.itemData(1))
    assert reads.calls[-1] == (None, True)  # no search: on the window's connection


def test_the_warm_up_stands_aside_while_a_search_typed_is_shown_and_warms_afterwards(
        window, qtbot, monkeypatch):
    # Each cell of the list is painted by Python: a warm-up step holding the interpreter's
    # lock meanwhile made every cell wait for it. No step starts from the moment a search
    # typed is shown until its rows are painted; the warm-up goes on between the keys and
    # ends, and searches are then read ahead.
    from PySide6.QtCore import QEvent, QObject, QTimer

    from desktop.ui.common import read_ahead

    monkeypatch.setattr(read_ahead, "HOLD_S", 0.5)  # longer than any paint here
    page = window.people
    showing = threading.Event()  # from a search's set_scope to the end of its paint
    steps: list[bool] = []  # a warm-up step started: while a search was being shown?
    real_warm = rosters.warm

    def warm_step(conn, after, rows=None):
        steps.append(showing.is_set())
        time.sleep(0.01)  # a step that takes a while (as at 300,000 people): through the keys
        return real_warm(conn, after, rows=3)  # many small steps, through the typing

    monkeypatch.setattr(rosters, "warm", warm_step)
    real_set_scope = page.model.set_scope

    def set_scope(scope, search=None):
        if search:
            showing.set()
        real_set_scope(scope, search)

    monkeypatch.setattr(page.model, "set_scope", set_scope)

    class Painted(QObject):
        def eventFilter(self, obj, event):  # noqa: N802 - Qt's name
            if event.type() == QEvent.Type.Paint and showing.is_set():
                QTimer.singleShot(0, showing.clear)  # once this paint is over
            return False

    painted = Painted()
    page.table.viewport().installEventFilter(painted)
    try:
        qtbot.waitUntil(lambda: len(steps) > 3, timeout=10000)  # warming while idle
        page.search.setFocus()
        before = len(steps)
        for text, searched in (("ng", "ng"), ("u", "ngu"), ("y", "nguy"), ("ê", "nguyê")):
            type_text(page.search, text)  # real key events, Vietnamese letters one by one
            settle(qtbot, page, searched)
            qtbot.waitUntil(lambda: not showing.is_set(), timeout=3000)
            qtbot.wait(700)  # the officer pauses: the hold ends, the warm-up goes on
        during = len(steps)
        warm(qtbot, page)  # the warm-up ends, after the typing
        qtbot.waitUntil(lambda: rosters.warmed(window.conn), timeout=20000)  # and is lent
    finally:
        page.table.viewport().removeEventFilter(painted)
    assert during > before  # steps between the keys
    assert not any(steps)  # none started while a search typed was being shown
    reads = ReadsOff(monkeypatch)
    type_text(page.search, "n")
    settle(qtbot, page, "nguyên")
    assert reads.ahead("nguyên") and not reads.on_ui("nguyên")
    assert shown_ids(page) == roster_truth(window, "nguyên")


def slow_warm_steps(monkeypatch, page) -> list[tuple[float, float, bool]]:
    """The roster's warm-up made of slow steps (20 ms, as at 300,000 people) that never end,
    each noted as (start, end, whether ``page``'s typing was pausing then)."""
    steps: list[tuple[float, float, bool]] = []

    def warm_step(conn, after, rows=None):
        start = time.monotonic()
        waiting = page.typing.timer.isActive()
        time.sleep(0.02)
        steps.append((start, time.monotonic(), waiting))
        return ("", -1)  # never done here: a step whenever one may start

    monkeypatch.setattr(rosters, "warm", warm_step)
    return steps


def assert_steps_kept_out(steps: list[tuple[float, float, bool]], shown: list[float]) -> None:
    """Steps ran while typing paused, none began in a pause's last moments (LEAD_S 0.1) and
    none ran on into a search being shown (``shown``: when each began, the first at once)."""
    assert sum(waiting for _start, _end, waiting in steps) >= 4
    assert not [(start, end, at) for at in shown[1:] for start, end, _w in steps
                if at - 0.09 < start < at or start < at < end]


def test_no_warm_up_step_runs_into_the_moment_a_search_typed_is_shown(window, qtbot,
                                                                       monkeypatch):
    # A step begun just before typing's pause ends ran on into the search shown (its Python
    # part beyond an interrupt's reach), and its rows waited for the interpreter's lock. The
    # steps go on while typing pauses, but none starts in the pause's last moments.
    from desktop.ui.common import read_ahead

    monkeypatch.setattr(read_ahead, "LEAD_S", 0.1)  # wide: a test machine's timing
    page = window.people
    page.typing.timer.setInterval(250)
    page.typing.timer.setTimerType(Qt.TimerType.PreciseTimer)  # (not up to 5 % early)

    steps = slow_warm_steps(monkeypatch, page)
    shown: list[float] = []  # when a search typed began to be shown
    real_set_scope = page.model.set_scope

    def set_scope(scope, search=None):
        if search:
            shown.append(time.monotonic())
        real_set_scope(scope, search)

    monkeypatch.setattr(page.model, "set_scope", set_scope)
    qtbot.waitUntil(lambda: len(steps) > 3, timeout=10000)  # warming while idle
    page.search.setFocus()
    type_text(page.search, "ng")  # at once
    settle(qtbot, page, "ng")
    for text, searched in (("u", "ngu"), ("y", "nguy"), ("ê", "nguyê"), ("n", "nguyên")):
        # Real key events; each waits for typing to pause, the UI thread idle in its event
        # loop as the window's (qtbot.waitUntil's polling held the worker back, hiding it)
        with qtbot.waitSignal(page.model.replaced, timeout=3000):
            type_text(page.search, text)
        assert page.model.search == searched
    assert len(shown) == 5
    assert_steps_kept_out(steps, shown)


def test_no_warm_up_step_runs_into_a_minutes_search_being_shown(window, qtbot, monkeypatch):
    # The roster's warm-up runs for a second or two after the window opens; an officer who
    # types in the minutes meanwhile had its steps in the keys' question and paint. The
    # minutes' keys hold it as the people's do: steps go on while typing pauses, none starts
    # in the pause's last moments, none runs into a search being shown.
    from desktop.ui.common import read_ahead

    monkeypatch.setattr(read_ahead, "LEAD_S", 0.1)  # wide: a test machine's timing
    page = window.show_page("meetings")
    page.typing.timer.setInterval(250)
    page.typing.timer.setTimerType(Qt.TimerType.PreciseTimer)  # (not up to 5 % early)

    steps = slow_warm_steps(monkeypatch, page)
    shown: list[float] = []  # when a search typed began to be shown
    real_set_query = page.model.set_query

    def set_query(query):
        if query.search:
            shown.append(time.monotonic())
        real_set_query(query)

    monkeypatch.setattr(page.model, "set_query", set_query)
    window.people.model.start_reading_ahead()  # (the window starts it half a second in)
    qtbot.waitUntil(lambda: len(steps) > 3, timeout=10000)  # warming while idle
    page.search.setFocus()
    type_text(page.search, "họ")  # at once
    qtbot.waitUntil(lambda: page.model.query.search == "họ", timeout=5000)
    for text, searched in (("p", "họp"), (" t", "họp t"), ("r", "họp tr"), ("i", "họp tri")):
        # Real key events, Vietnamese letters one by one; each waits for typing to pause,
        # the UI thread idle in its event loop as the window's
        with qtbot.waitSignal(page.model.replaced, timeout=3000):
            type_text(page.search, text)
        assert page.model.query.search == searched
    assert len(shown) == 5
    assert_steps_kept_out(steps, shown)
    rows = records.page(window.conn, page.kind, page.model.query, limit=100)
    assert [page.model.record_id(r) for r in range(page.model.rowCount())] == [
        r["id"] for r in rows]


def test_a_hold_ahead_of_a_search_keeps_the_warm_up_s_steps_out_of_its_moment(window):
    # At each key the list says when typing's pause ends (hold's in_s): the warm-up's steps
    # go on until LEAD_S before then, none starts from then until the search is painted
    # (HOLD_S, here the hold's seconds), and they go on afterwards.
    from desktop.ui.common import read_ahead

    steps: list[float] = []

    def warm(conn, after):
        steps.append(time.monotonic())
        time.sleep(0.004)
        return ("", -1)  # never done: a step whenever one may start

    ahead = read_ahead.ReadAhead(window.conn, warm=warm, warmed=lambda conn: False)
    try:
        assert ahead.start()
        deadline = time.monotonic() + 5
        while len(steps) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        first = time.monotonic()
        ahead.hold(0.1, in_s=0.2)  # a search shown in 0.2 s, painted in 0.1 s, but
        time.sleep(0.05)
        now = time.monotonic()
        ahead.hold(0.15, in_s=0.3)  # another key: shown 0.3 s from now, painted in 0.15 s
        time.sleep(0.7)
    finally:
        ahead.close()
    held_from, held_until = now + 0.3 - read_ahead.LEAD_S, now + 0.45
    assert [s for s in steps if now < s < held_from - 0.02]  # on while typing pauses
    assert [s for s in steps if first + 0.2 < s < first + 0.3]  # (the first hold dropped)
    assert not [s for s in steps if held_from <= s < held_until]
    assert [s for s in steps if s >= held_until]  # and after the search is painted


def test_the_warm_up_goes_on_once_a_search_typed_is_painted(window, qtbot, monkeypatch):
    # The warm-up stood aside HOLD_S (60 ms) from a search shown, whatever its paint took
    # (2-15 ms): 60 of every 150-160 ms while the officer typed, and at 300,000 people the
    # names' words were read a second later, after the first names typed. It goes on as
    # soon as the search's rows are painted; HOLD_S is only the longest it waits.
    from PySide6.QtCore import QEvent, QObject, QTimer

    from desktop.ui.common import read_ahead

    monkeypatch.setattr(read_ahead, "HOLD_S", 3.0)  # far longer than the paint
    page = window.people
    steps = slow_warm_steps(monkeypatch, page)
    shown: list[float] = []
    painted: list[float] = []
    real_set_scope = page.model.set_scope

    def set_scope(scope, search=None):
        if search:
            shown.append(time.monotonic())
        real_set_scope(scope, search)

    monkeypatch.setattr(page.model, "set_scope", set_scope)

    class Painted(QObject):
        def eventFilter(self, obj, event):  # noqa: N802 - Qt's name
            if event.type() == QEvent.Type.Paint and len(shown) > len(painted):
                QTimer.singleShot(0, lambda: painted.append(time.monotonic()))
            return False

    spy = Painted()
    page.table.viewport().installEventFilter(spy)
    try:
        window.people.model.start_reading_ahead()
        qtbot.waitUntil(lambda: len(steps) > 3, timeout=10000)  # warming while idle
        page.search.setFocus()
        type_text(page.search, "ng")  # real key events: searched at once
        qtbot.waitUntil(lambda: bool(painted), timeout=5000)
        qtbot.waitUntil(lambda: any(start > painted[0] for start, _e, _w in steps),
                        timeout=2000)  # before HOLD_S is over
    finally:
        page.table.viewport().removeEventFilter(spy)
    assert page.model.search == "ng"
    resumed = min(start for start, _e, _w in steps if start > shown[0])
    assert resumed >= painted[0] - 0.03  # (a step under way when the paint ended: 20 ms)
    assert resumed - shown[0] < 1.5


def test_a_hold_ends_when_its_search_is_painted_and_one_to_come_stays(window):
    from desktop.ui.common import read_ahead

    steps: list[float] = []

    def warm(conn, after):
        steps.append(time.monotonic())
        time.sleep(0.004)
        return ("", -1)  # never done: a step whenever one may start

    ahead = read_ahead.ReadAhead(window.conn, warm=warm, warmed=lambda conn: False)
    try:
        assert ahead.start()
        deadline = time.monotonic() + 5
        while len(steps) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        ahead.hold(2.0)  # a search shown now, painted within 2 s
        time.sleep(0.1)
        painted = time.monotonic()
        ahead.hold(0.3, in_s=0.4)  # another key meanwhile: shown 0.4 s from now
        ahead.shown()  # the first search is painted
        time.sleep(0.9)
    finally:
        ahead.close()
    assert not [s for s in steps if painted - 0.09 < s < painted]  # held until painted
    assert [s for s in steps if painted < s < painted + 0.2]  # then on at once
    held_from, held_until = painted + 0.4 - read_ahead.LEAD_S, painted + 0.7
    assert not [s for s in steps if held_from + 0.005 <= s < held_until - 0.005]
    assert [s for s in steps if s >= held_until]


@pytest.fixture
def measured_in_paint(monkeypatch) -> list[str]:
    """The texts the lists' cell delegate measures while painting (none of those prepared
    ahead)."""
    import sys

    from desktop.ui.common.widgets import PlainCells

    measured: list[str] = []
    real_measured = PlainCells._measured

    def spy(self, text):
        if sys._getframe(1).f_code.co_name == "paint":
            measured.append(text)
        return real_measured(self, text)

    monkeypatch.setattr(PlainCells, "_measured", spy)
    return measured


def test_a_page_read_ahead_is_presented_and_its_texts_prepared_before_it_shows(
        window, qtbot, measured_in_paint):
    # While typing pauses, the page read ahead has its first rows presented and their texts
    # measured and prepared for painting (the UI thread is idle then): its first paint
    # draws them prepared, not measuring each, and shows what the storage finds.
    from PySide6.QtCore import QEvent, QObject

    page = window.people
    warm(qtbot, page)
    page.typing.timer.setInterval(600)  # a long pause: time to look during it
    delegate = page.table.itemDelegate()
    paints = [0]

    class Paints(QObject):
        def eventFilter(self, obj, event):  # noqa: N802 - Qt's name
            if event.type() == QEvent.Type.Paint:
                paints[0] += 1
            return False

    counter = Paints()
    page.table.viewport().installEventFilter(counter)
    try:
        page.search.setFocus()
        type_text(page.search, "ng")  # at once
        settle(qtbot, page, "ng")
        page.table.viewport().repaint()  # the page typed so far painted
        delegate._measure()  # every text as never painted (what a font change does)
        measured_in_paint.clear()
        page.model.replaced.connect(measured_in_paint.clear)  # from when the page shows
        type_text(page.search, "uy")  # read ahead; shown when typing pauses
        assert page.typing.timer.isActive()
        qtbot.waitUntil(lambda: page.model._presented_ahead is not None, timeout=3000)
        assert page.typing.timer.isActive() and page.model.search == "ng"  # still pausing
        shown_before = paints[0]
        settle(qtbot, page, "nguy")
        qtbot.waitUntil(lambda: paints[0] > shown_before, timeout=3000)
        page.table.viewport().repaint()  # (the page's paint, whenever it came)
    finally:
        page.table.viewport().removeEventFilter(counter)
    assert shown_ids(page) == roster_truth(window, "nguy")
    model = page.model
    visible = {model.cell_text(r, c) for r in range(min(50, model.rowCount()))
               for c in range(model.columnCount())} - {""}  # (the screen shows fewer)
    assert any(text.startswith("Nguy") for text in visible)
    assert not visible & set(measured_in_paint)  # prepared before the page showed
    truth = rosters.people_page(window.conn, page.scope(), search="nguy", limit=1)[0]
    assert model.cell_text(0, 0) == truth["full_name"]


def test_the_minutes_page_presents_its_page_read_ahead_before_it_shows(window, qtbot,
                                                                      measured_in_paint):
    # As the roster's: the minutes' page read ahead is presented and its texts prepared
    # while typing pauses; its first paint measures none of them, and shows the minutes
    # the storage finds, presented as before.
    from desktop.storage.present import Presenter

    page = window.show_page("meetings")
    page.typing.timer.setInterval(600)
    page.search.setFocus()
    type_text(page.search, "họ")
    qtbot.waitUntil(lambda: page.model.query.search == "họ", timeout=5000)
    page.table.viewport().repaint()  # the page typed so far painted
    page.table.itemDelegate()._measure()  # every text as never painted (a font change)
    measured_in_paint.clear()
    page.model.replaced.connect(measured_in_paint.clear)  # from when the page shows
    type_text(page.search, "p")
    qtbot.waitUntil(lambda: page.model._presented_ahead is not None, timeout=3000)
    assert page.typing.timer.isActive() and page.model.query.search == "họ"  # pausing
    qtbot.waitUntil(lambda: page.model.query.search == "họp"
                    and not page.typing.timer.isActive(), timeout=5000)
    page.table.viewport().repaint()
    model = page.model
    rows = records.page(window.conn, page.kind, model.query, limit=100)
    assert [model.record_id(r) for r in range(model.rowCount())] == [r["id"] for r in rows]
    presenter = Presenter(window.conn)
    for r, rec in enumerate(rows[:10]):
        shown = presenter.record(page.kind, rec, only=set(model.columns))
        assert [model.cell_text(r, c) for c in range(model.columnCount())] == [
            shown.get(c, "").replace("\n", " ")[:200] for c in model.columns]
    visible = {model.cell_text(r, c) for r in range(min(50, model.rowCount()))
               for c in range(model.columnCount())} - {""}  # (the screen shows fewer)
    assert visible and not visible & set(measured_in_paint)
