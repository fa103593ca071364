"""Counts of long lists, made off the UI thread: counting a commune's 300,000 people reads
them all (half a second), so a list shows "…" and the count arrives when it is ready.

Each count runs on a read-only connection of its own to the database file (``paging.reader``:
the connection factory, with the key this process unlocked it with — none once the window is
locked or closed, and then there is no count), closed after it. It starts
after a short wait, so that typing a search counts only where the officer stops; a newer
count of the same list interrupts the one still running, and a result that comes after a
newer question is dropped. A database that is not a file (``:memory:``) is counted on the
spot. Nothing raised in the worker leaves it: a count that fails is no count.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
import weakref
from collections.abc import Callable
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from desktop.storage import dbapi, paging

Count = Callable[[dbapi.Connection], int]


class _Results(QObject):
    """Brings results to the UI thread: one for the process, never deleted, so that a
    worker can always emit, whatever became of the list that asked."""

    done = Signal(int, int, int)  # the counter, the question's number, the count

    def deliver(self, counter_id: int, number: int, n: int) -> None:
        counter = _COUNTERS.get(counter_id)
        if counter is not None and shiboken6.isValid(counter):  # its list may be gone
            counter.answered(number, n)


_COUNTERS: weakref.WeakValueDictionary[int, Counter] = weakref.WeakValueDictionary()
_NUMBERS = itertools.count(1)
_results: _Results | None = None


def _results_object() -> _Results:
    global _results
    if _results is None:  # made on the UI thread, by the first Counter
        _results = _Results()
        _results.done.connect(_results.deliver)
    return _results


class _Job(QRunnable):
    def __init__(self, counter: Counter, number: int, path: Path, count: Count) -> None:
        super().__init__()
        self.counter_id, self.number, self.path, self.count = counter.id, number, path, count
        self.state = counter.state

    def run(self) -> None:
        with contextlib.suppress(BaseException):  # a count that fails is no count
            self._run()

    def _run(self) -> None:
        state = self.state
        # Typing goes on: wait a moment, so that only the list the officer stops at is counted.
        # Woken by a newer question, not by polling: a sleeping poll took the interpreter's
        # lock from the UI thread a hundred times a second while the officer typed.
        with state.lock:
            state.newer.wait_for(lambda: self.number != state.asked, timeout=state.delay)
        conn = paging.reader(self.path) if self.number == state.asked else None
        if conn is None:
            return
        try:
            with state.lock:
                state.running = conn
            if self.number == state.asked:
                n = self.count(conn)
                _load_number_format()
                _results_object().done.emit(self.counter_id, self.number, n)
        finally:
            with state.lock:
                if state.running is conn:
                    state.running = None
            conn.close()


def _load_number_format() -> None:
    """babel and its locale data, loaded here the first time rather than by the UI thread
    showing the count (about 140 ms: a pause in the officer's first search)."""
    from desktop.domain import formatting

    formatting.count(0)


class _State:
    """What a counter shares with its jobs (plain Python: outlives the Qt object)."""

    def __init__(self, delay: float) -> None:
        self.lock = threading.Lock()
        self.newer = threading.Condition(self.lock)  # a newer question was asked
        self.running: dbapi.Connection | None = None
        self.asked = 0
        self.delay = delay

    def supersede(self) -> None:
        with self.lock:
            self.asked += 1
            self.newer.notify_all()
            if self.running is not None:
                self.running.interrupt()


class Counter(QObject):
    """Counts one list at a time for a model: ``counted`` gives the latest question's
    answer."""

    counted = Signal(int)

    def __init__(self, conn: dbapi.Connection, parent: QObject | None = None, *,
                 delay: float = 0.2) -> None:
        super().__init__(parent)
        _results_object()
        self.conn = conn
        self.id = next(_NUMBERS)
        _COUNTERS[self.id] = self
        self.state = _State(delay)  # seconds a count waits for a newer question
        self.answer: int | None = None
        self.destroyed.connect(self.state.supersede)

    def ask(self, count: Count) -> None:
        """Count with ``count`` (a function of a connection), off this thread."""
        self.forget()
        path = paging.database_file(self.conn)
        if path is None:  # in memory: nothing else can open it
            self.answered(self.state.asked, count(self.conn))
            return
        QThreadPool.globalInstance().start(_Job(self, self.state.asked, path, count))

    def forget(self) -> None:
        """The list changed: a count still coming is for the old one."""
        self.state.supersede()
        self.answer = None

    def answered(self, number: int, n: int) -> None:
        if number == self.state.asked:
            self.answer = n
            self.counted.emit(n)
