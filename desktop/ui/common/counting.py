"""Counts of long lists, made off the UI thread: counting a commune's 300,000 people reads
them all (half a second), so a list shows "…" and the count arrives when it is ready.

Each list's counts are made by one worker thread of its own, on a read-only connection it
keeps from count to count (``paging.reader``: with the key this process unlocked the file
with; a connection made for each count also read the schema and its first pages again). The
connection is closed when the key is forgotten (the window's data
closed: then there is no count), when the file at the path is another one (a restore), and
when the list is gone. A count starts once no newer question has come for a short while,
so that typing a search counts only where the officer stops: a question changes what the
worker will count without waking it (at every key that woke a thread and handed it the
interpreter's lock, twice, about a millisecond of the UI thread's); a newer question
interrupts the count still running, and a result that comes after a newer question is
dropped. A database that is not a file (``:memory:``) is counted on the spot. Nothing raised
in the worker leaves it: a question that raises, or whose connection cannot be opened, is
answered with a :class:`Failure` (``failed``: what went wrong and what to do, for the page to
say; the error in the program's log, desktop/errorlog.py) instead of a count that never
comes. A question interrupted because it was superseded, released or closed fails silently.
"""

from __future__ import annotations

import _thread
import contextlib
import itertools
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel

from desktop.i18n import _
from desktop.storage import dbapi, paging
from desktop.ui.common.kept_reader import Identity, close_quietly, open_kept, still_good

Count = Callable[[dbapi.Connection], int]
_IDLE_CHECK_S = 2.0  # how often an idle worker checks that its file and key still hold
NOT_COUNTED = "—"  # a list's count that could not be made (its tooltip says why)


@dataclass(frozen=True)
class Failure:
    """A question that could not be answered: ``reason`` (short: what went wrong, after
    a "…: " that says what was not read), ``advice`` (what the officer can do) and the code
    of its entry in the error log."""

    reason: str
    advice: str
    code: str | None = None

    @property
    def text(self) -> str:
        """Said in full (a tooltip, a message): the reason, what to do, the log's code."""
        text = _("{reason}. {advice}").format(reason=self.reason, advice=self.advice)
        if self.code:
            text += " " + _("(Mã lỗi #{c}, chi tiết trong nhật ký lỗi.)").format(c=self.code)
        return text


def _interrupted(e: BaseException) -> bool:
    """The question's connection was interrupted (by a newer question, release or close)."""
    return isinstance(e, dbapi.OperationalError) and "interrupted" in str(e)


def failure_of(e: BaseException | None) -> Failure:
    """What the officer is told of ``e`` (None: the window's key to the file is gone)."""
    if e is None:
        return Failure(_("dữ liệu đã đóng"), _("Hãy đăng nhập lại rồi mở lại trang này."))
    if isinstance(e, dbapi.OperationalError) and ("locked" in str(e) or "busy" in str(e)):
        return Failure(_("cơ sở dữ liệu đang bận (một chương trình khác đang ghi)"),
                       _("Hãy thử lại sau giây lát."))
    if isinstance(e, dbapi.DatabaseError):
        return Failure(_("tệp dữ liệu không đọc được, có thể đã bị hỏng"),
                       _("Hãy thử lại; nếu vẫn lỗi, khôi phục từ bản sao lưu (Tệp → Khôi phục "
                         "từ bản sao lưu…)."))
    if isinstance(e, OSError):
        return Failure(_("không mở được tệp dữ liệu (tệp đã bị chuyển, xóa, hoặc ổ đĩa bị "
                         "rút ra)"), _("Hãy kiểm tra tệp rồi thử lại."))
    return Failure(_("lỗi không mong đợi khi đọc dữ liệu"),
                   _("Hãy thử lại; nếu vẫn lỗi, báo cho người quản trị kèm mã lỗi."))


def show_not_counted(label: QLabel, failure: Failure) -> None:
    """A list's count that failed: a dash, and why on hover (not "…" for ever)."""
    label.setText(NOT_COUNTED)
    label.setToolTip(_("Không đếm được: {why}").format(why=failure.text))


class _Results(QObject):
    """Brings results to the UI thread: one for the process, never deleted, so that a
    worker can always emit, whatever became of the list that asked."""

    # the counter, the question's number, the count (or a Reader's answer: any value)
    done = Signal(int, int, object)
    failed = Signal(int, int, object)  # the counter, the question's number, a Failure

    def deliver(self, counter_id: int, number: int, n: int) -> None:
        counter = _COUNTERS.get(counter_id)
        if counter is not None and shiboken6.isValid(counter):  # its list may be gone
            counter.answered(number, n)

    def deliver_failure(self, counter_id: int, number: int, failure: Failure) -> None:
        counter = _COUNTERS.get(counter_id)
        if counter is not None and shiboken6.isValid(counter):
            counter.refused(number, failure)


_COUNTERS: weakref.WeakValueDictionary[int, Counter] = weakref.WeakValueDictionary()
_NUMBERS = itertools.count(1)
_results: _Results | None = None


def _results_object() -> _Results:
    global _results
    if _results is None:  # made on the UI thread, by the first Counter
        _results = _Results()
        _results.done.connect(_results.deliver)
        _results.failed.connect(_results.deliver_failure)
    return _results


def _load_number_format() -> None:
    """babel and its locale data, loaded here the first time rather than by the UI thread
    showing the count (about 140 ms: a pause in the officer's first search)."""
    from desktop.domain import formatting

    formatting.count(0)


class _State:
    """What a counter shares with its worker (plain Python: outlives the Qt object)."""

    def __init__(self, delay: float) -> None:
        self.lock = threading.Lock()
        self.newer = threading.Condition(self.lock)  # a question, or the end
        self.running: dbapi.Connection | None = None
        self.asked = 0
        self.delay = delay
        self.question: tuple[int, int, Path, Count] | None = None
        self.asked_at = 0.0  # when the latest question came (monotonic)
        self.idle = False  # the worker waits for a question (not for typing to pause)
        self.started = False  # the worker thread
        self.closed = False
        self.holding = False  # the worker's connection is open
        self.releasing = False  # release(): close it now (a restore replaces the file)
        self.released = threading.Condition(self.lock)
        self.logged: tuple[str, str] | None = None  # the last error logged, its code (worker)

    def supersede(self) -> None:
        with self.lock:
            self.asked += 1
            self.question = None
            if self.running is not None:
                self.running.interrupt()

    def close(self) -> None:
        with self.lock:
            self.closed = True
            self.question = None
            if self.running is not None:
                self.running.interrupt()
            self.newer.notify_all()

    def release(self, timeout: float) -> None:
        """The connection the worker keeps closed before this returns (at most ``timeout``
        seconds): the window lets go of its file (a restore replaces it, and an open reader
        would keep it busy). A count asked later opens it again."""
        with self.lock:
            self.question = None
            if not self.started or self.closed:
                return
            self.releasing = True
            if self.running is not None:
                self.running.interrupt()
            self.newer.notify_all()
            # back waiting for a question with no connection (one being opened meanwhile
            # for an older question is closed first)
            self.released.wait_for(lambda: self.closed or (self.idle and not self.holding),
                                   timeout)

    def ask(self, counter_id: int, path: Path, count: Count) -> None:
        with self.lock:
            if self.closed:
                return
            self.releasing = False  # counted again: the connection may be opened again
            self.question = (counter_id, self.asked, path, count)
            self.asked_at = time.monotonic()
            if not self.started:
                self.started = True
                _start(self.work)
            elif self.idle:  # waiting for a question: this one; else it finds it itself
                self.newer.notify_all()

    def work(self) -> None:
        reader: dbapi.Connection | None = None
        identity: Identity | None = None
        try:
            while True:
                with self.lock:
                    question = self._next(reader, identity)
                    if question is None:
                        return
                    if question is _CLOSE:  # the file or its key went, or released
                        reader, question = close_quietly(reader), None
                        self.holding = self.releasing = False
                        self.released.notify_all()
                if question is None:
                    continue
                counter_id, number, path, count = question
                if reader is not None and not still_good(path, identity):
                    reader = close_quietly(reader)
                if reader is None:
                    # (its small cache: a larger one held the pages of a whole index a second
                    # time, 60 MB at 300k, to save 20-30 ms of this thread's count)
                    why: list[BaseException] = []
                    reader, identity = open_kept(path, why=why)
                    if reader is None:  # locked, closed or gone: said, if still asked
                        self._fail(counter_id, number, why[0] if why else None)
                        continue
                with self.lock:
                    self.holding = True
                    if number != self.asked or self.closed or self.releasing:
                        continue
                    self.running = reader
                try:
                    with contextlib.suppress(BaseException):  # nothing leaves the worker
                        try:
                            n = count(reader)
                            _load_number_format()
                        except BaseException as e:
                            if isinstance(e, dbapi.Error) and not _interrupted(e):
                                # a retry opens the file again (it may have been replaced)
                                with self.lock:
                                    self.running = None  # (not interrupted once closed)
                                    self.holding = False
                                reader = close_quietly(reader)
                                with self.lock:
                                    self.released.notify_all()
                            self._fail(counter_id, number, e)
                        else:
                            _results_object().done.emit(counter_id, number, n)
                finally:
                    with self.lock:
                        self.running = None
        finally:
            close_quietly(reader)
            with self.lock:
                self.holding = False
                self.released.notify_all()

    def _fail(self, counter_id: int, number: int, e: BaseException | None) -> None:
        """(The worker.) The question could not be answered: in the log (the same error
        as the last one logged is not written again: a list typed in failing at each
        pause) and to the counter; nothing when it was superseded, released or closed
        (its connection interrupted)."""
        with self.lock:
            if number != self.asked or self.closed or self.releasing:
                return
        if e is not None and _interrupted(e):
            return
        with contextlib.suppress(BaseException):
            code = None
            if e is not None:
                from desktop import errorlog

                detail = errorlog.describe(type(e), e, e.__traceback__)
                if self.logged is not None and self.logged[0] == detail:
                    code = self.logged[1]
                else:
                    code = errorlog.record(type(e), e, e.__traceback__, where="count").code
                    self.logged = (detail, code)
            failure = failure_of(e)
            if code is not None:
                failure = Failure(failure.reason, failure.advice, code)
            _results_object().failed.emit(counter_id, number, failure)

    def _next(self, reader: dbapi.Connection | None, identity: Identity | None
              ) -> tuple | object | None:
        """(Under the lock.) The question to count once typing has paused for ``delay``;
        _CLOSE to close the connection kept; None: the counter is gone."""
        while True:
            while not self.closed and self.question is None:
                if self.releasing:
                    return _CLOSE
                self.idle = True
                self.released.notify_all()  # (a release waits for this)
                woken = self.newer.wait(_IDLE_CHECK_S)
                self.idle = False
                if self.releasing:
                    return _CLOSE
                if not woken and self.question is None and reader is not None and \
                        not still_good(self._path, identity):
                    return _CLOSE
            # Typing goes on: wait a moment, so that only the list the officer stops at is
            # counted (a newer question moves the moment on without waking this thread).
            while not self.closed and self.question is not None:
                left = self.asked_at + self.delay - time.monotonic()
                if left <= 0:
                    break
                self.newer.wait(left)
            if self.closed:
                return None
            if self.question is not None:  # (none: the list changed meanwhile)
                question, self.question = self.question, None
                self._path = question[2]
                return question

    _path: Path | None = None


_CLOSE = object()


def _start(work: Callable[[], None]) -> None:
    """A worker thread: not waited for to begin (threading.Thread.start waits for the new
    thread to run, 1.5 ms on a busy machine: in the window's first reload), and never joined
    (it ends with its counter, or with the program, as a daemon thread)."""
    _thread.start_new_thread(work, ())


class Counter(QObject):
    """Counts one list at a time for a model: ``counted`` gives the latest question's
    answer, ``failed`` (a :class:`Failure`) says it could not be made."""

    counted = Signal(int)
    failed = Signal(object)

    def __init__(self, conn: dbapi.Connection, parent: QObject | None = None, *,
                 delay: float = 0.2) -> None:
        super().__init__(parent)
        _results_object()
        self.conn = conn
        self.id = next(_NUMBERS)
        _COUNTERS[self.id] = self
        self.state = _State(delay)  # seconds a count waits for a newer question
        self.answer: int | None = None
        self.failure: Failure | None = None  # the latest question's, when it failed
        self._path: Path | None = None
        self.destroyed.connect(self.state.close)

    def ask(self, count: Count) -> None:
        """Count with ``count`` (a function of a connection), off this thread."""
        self.forget()
        if self._path is None:  # the window's file: asked once (the connection keeps it)
            self._path = paging.database_file(self.conn)
            if self._path is None:  # in memory: nothing else can open it
                self.answered(self.state.asked, count(self.conn))
                return
        self.state.ask(self.id, self._path, count)

    def release(self, timeout: float = 5.0) -> None:
        """No connection of this counter's left open on the file (see _State.release)."""
        self.forget()
        self.state.release(timeout)

    def forget(self) -> None:
        """The list changed: a count still coming is for the old one."""
        self.state.supersede()
        self.answer = None
        self.failure = None

    def answered(self, number: int, n: int) -> None:
        if number == self.state.asked:
            self.answer = n
            self.failure = None
            self.counted.emit(n)

    def refused(self, number: int, failure: Failure) -> None:
        """The latest question could not be answered (an older one's failure is dropped)."""
        if number == self.state.asked:
            self.failure = failure
            self.failed.emit(failure)


class Reader(Counter):
    """Reads one answer of any kind at a time off the UI thread, as a Counter counts (the
    home page's figures: 0.1-0.5 s of SQL at 300,000 people): ``read`` gives the latest
    question's answer; an answer to an older question is dropped."""

    read = Signal(object)

    def answered(self, number: int, n: object) -> None:  # type: ignore[override]
        if number == self.state.asked:
            self.answer = n  # type: ignore[assignment]
            self.failure = None
            self.read.emit(n)
