"""A list's first page read ahead, off the UI thread, while the officer types.

A search typed in a list runs when typing pauses (records/pages.py, SearchAsYouType: 150 ms
after the last key). Its first page is read meanwhile, at each key, by a worker thread on a
read-only connection of its own, kept from key to key (its page cache stays warm). When the
pause ends the list shows the page read ahead for what is typed then, if it is ready and
nothing was written since it was asked (``paging.stamp`` of the window's connection: its own
writes and others' commits); otherwise the list reads its page on the UI thread, as without
this. A page read for other text, filters or order is never shown; a newer key's question
interrupts the one being read.

The worker's connection is made with the key this process unlocked the file with; it is
closed when the key is forgotten (the window's data closed, another account), when the file
at the path is another one (a restore, a rewrite), when the list is gone, and at the latest
two seconds after one of these is seen. A file that is not a file (``:memory:``) is never
read ahead. Nothing raised in the worker leaves it: a page that fails is no page. Once warm,
the list may also read on the worker's connection itself, on the UI thread, while the worker
waits idle (``read_here``: the roster's scrolling, whose name index is in that cache and
then in no other).

The warm-up's steps stand aside while the list shows a search (``hold``: from the end of
typing's pause until its rows are painted). Each of the list's cells is painted by Python,
a call from Qt that takes the interpreter's lock: a step holding it meanwhile made every
cell wait for it, the lock going back and forth between them up to 5 ms at a time (the
interpreter's switch interval): 125 cells painted in 10-14 ms where 2 sufficed. A step then is
interrupted (read again later); none starts until the hold ends (the rows painted: ``shown``,
or HOLD_S later). The steps go on in the pauses between keys, when the UI thread waits for
typing to pause, but none starts in the last LEAD_S of that pause (``hold(in_s=...)`` at
each key): a step begun just before it ends ran on into the search shown, its Python part
beyond the reach of an interrupt (at 300,000 people, 4-17 ms steps ending 1-17 ms into the
showing: "nguyen van duc" painted in 14 ms where 5 sufficed).
"""

from __future__ import annotations

import _thread
import contextlib
import threading
import time
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop.storage import dbapi, paging
from desktop.ui.common.kept_reader import Identity, close_quietly, open_kept, still_good

Read = Callable[[dbapi.Connection], Any]
Warm = Callable[[dbapi.Connection, Any], Any]
# What a warm-up read, given to the window's connection (worker's, window's, the window's
# stamp): read once, on the worker, for both
Lend = Callable[[dbapi.Connection, dbapi.Connection, tuple[int, int]], Any]

_IDLE_CHECK_S = 2.0  # how often an idle worker checks that its file and key still hold
# The page cache of a worker's connection. A roster's (a warm-up) holds what its warm-up
# read, the name index (30 MB at 300,000 people) then the words' full-text index (the
# numbers are read on a connection of their own: ranked.read_numbers), and the pages its
# searches and its scrolling read besides (50-59 MB
# after bench_window's typing): the size of the window's own connection, where the
# scrolling read before (a full cache evicts the name index's pages a scroll reads next).
# A record list's holds only the pages its searches read (3.3 MB at most at 300,000
# people after bench_window's typing: the minutes, the good deeds): bounded, so that seven
# lists typed in over a day do not each grow to the roster's size.
WARM_CACHE_KIB = 65536
LIST_CACHE_KIB = 8192
HOLD_S = 0.06  # a search's rows are painted by then (2-15 ms); the warm-up waits at most that
# long: a list that says when its rows are painted (``shown``) ends the hold then
# A warm-up step (1-9 ms of processor, up to 17 on two loaded cores) started this long before
# a search is shown is over by then; none starts later (hold's ``in_s``)
LEAD_S = 0.02


class _Ready(QObject):
    """Brings "a question was read" from the workers to the UI thread (``ready``): one for
    the process, never deleted, so that a worker can always emit, whatever became of the
    list that asked (as counting.py's results)."""

    read = Signal(object, object)  # the ReadAhead (its id), the question's key

    def deliver(self, ahead_id: int, key: object) -> None:
        ahead = _AHEADS.get(ahead_id)
        if ahead is not None and not ahead._closed and ahead._ready is not None:
            ahead._ready(key)


_AHEADS: weakref.WeakValueDictionary[int, ReadAhead] = weakref.WeakValueDictionary()
_relay: _Ready | None = None
# The read-aheads with a warm-up (the people's roster): a search typed in another list holds
# them too (hold_warm_ups)
_WARMING: weakref.WeakSet[ReadAhead] = weakref.WeakSet()


def hold_warm_ups(seconds: float | None = None, *, in_s: float = 0.0) -> None:
    """A list without a warm-up of its own is about to show a search (``in_s`` seconds from
    now, as ``ReadAhead.hold``): every warm-up stands aside for it. The roster's warm-up
    runs for a second or two after the window opens (1.4 s of processor at 300,000 people);
    an officer typing in the minutes or the organizations then met its steps in the keys'
    question and paint (keys of 10-20 ms where 3-5 sufficed afterwards)."""
    for ahead in list(_WARMING):
        ahead.hold(seconds, in_s=in_s)


def _ready_relay() -> _Ready:
    global _relay
    if _relay is None:  # made on the UI thread, by the first list that asks for it
        _relay = _Ready()
        _relay.read.connect(_relay.deliver)
    return _relay


class _Job:
    __slots__ = ("key", "read", "stamp", "started", "done", "ok", "result")

    def __init__(self, key: object, read: Read, stamp: tuple[int, int]) -> None:
        self.key, self.read, self.stamp = key, read, stamp
        self.started = self.done = self.ok = False
        self.result: Any = None


class ReadAhead:
    """Reads one list's next first page ahead: ``ask`` at each key, ``take`` when the list
    is shown (on the UI thread, as the window's connection ``conn``)."""

    def __init__(self, conn: dbapi.Connection, warm: Warm | None = None,
                 warmed: Callable[[dbapi.Connection], bool] | None = None,
                 lend: Lend | None = None,
                 ready: Callable[[object], None] | None = None) -> None:
        self._conn = conn
        # Called on the UI thread with a question's key once it is read (``peek`` it): the
        # list prepares its showing while typing pauses.
        self._ready = ready
        self._relay = _ready_relay() if ready is not None else None
        if ready is not None:
            _AHEADS[id(self)] = self
        self._warm = warm  # read step by step into the worker's cache while it is idle
        if warm is not None:
            _WARMING.add(self)
        self._is_warm = warmed  # whether what it read holds for the database as it is now
        self._lend = lend  # what it read, given to the window's connection
        self._lend_stamp: tuple[int, int] | None = None  # the window's, asked with no
        # transaction open: the database the worker's warm-up is lent for
        self._check = False  # start() again: warm again if the database changed
        self._path: Path | None = None
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._job: _Job | None = None  # the latest question
        self._reading: dbapi.Connection | None = None  # while a question is read
        self._started = False  # the worker thread
        self._closed = False
        self._warm_now = False  # start() was called: warm while idle
        self._warmed = False  # the worker's connection is warm: searches typed read there
        self._finished = threading.Condition(self._lock)  # a question was read (or dropped)
        self._holding = False  # the worker's connection is open
        self._idle = False  # the worker waits for a question
        # its connection meanwhile, and the file's identity when it was opened
        self._idle_reader: tuple[dbapi.Connection, Identity | None] | None = None
        self._borrowed = False  # read_here reads on it: the worker waits until it is done
        self._lender_waits = False  # (woken meanwhile: woken again when it is)
        # No warm-up step starts within these (start, end) of time.monotonic: hold()
        self._holds: list[tuple[float, float]] = []
        self._stepping = False  # a warm-up step is being read (hold() interrupts it)
        self._releasing = False  # release(): close the connection now
        self._released = threading.Condition(self._lock)

    # -- the UI thread --------------------------------------------------------------------

    def ask(self, key: object, read: Read) -> None:
        """Read ``read(conn)`` ahead for ``key`` (what decides the page: scope, text, order).
        A list with a warm-up (``warm``) reads ahead only once it is warm: a search read cold
        there came too late, and split the searches typed between two connections."""
        if self._closed or self._warm is not None and not self._warmed:
            return
        if self._path is None:
            self._path = paging.database_file(self._conn)
            if self._path is None:  # in memory, or closed: nothing else can read it
                return
        try:
            stamp = paging.stamp(self._conn)
        except dbapi.Error:  # the window's connection is closed
            return
        with self._lock:
            self._releasing = False
            self._job = _Job(key, read, stamp)
            if self._reading is not None:
                self._reading.interrupt()  # an older question: not wanted any more
            self._wake.notify()
            self._start()

    def start(self) -> bool:
        """Warm the worker's connection (``warm``) while it is idle, from now on; called
        again (a search, another roster), warm it again if the database changed since
        (``warmed``), and lend what it read to the window's connection (``lend``). False:
        nothing is warmed (no warm-up, a database in memory, the window's closed)."""
        if self._closed or self._warm is None:
            return False
        if self._path is None:
            self._path = paging.database_file(self._conn)
            if self._path is None:
                return False
        try:
            stamp = None if self._conn.in_transaction else paging.stamp(self._conn)
        except dbapi.Error:  # the window's connection is closed
            return False
        with self._lock:
            if self._warm_now and stamp is not None and stamp == self._lend_stamp:
                return True  # nothing changed since it was asked: not woken at every key
            self._lend_stamp = stamp
            self._releasing = False
            self._warm_now = self._check = True
            self._wake.notify()
            self._start()
        return True

    def hold(self, seconds: float | None = None, *, in_s: float = 0.0) -> None:
        """The list is about to show a search: no warm-up step for ``seconds`` (HOLD_S; one
        being read is interrupted and read again afterwards). Questions are still read.
        ``in_s``: the search is shown that many seconds from now (typing's pause): no step
        starts from LEAD_S before then, nor for ``seconds`` after; meanwhile they go on. A
        hold still to come is dropped (typing went on: the pause ends later)."""
        now = time.monotonic()
        at = now + max(0.0, in_s)
        until = at + (HOLD_S if seconds is None else seconds)
        with self._lock:
            self._holds = [(start, end) for start, end in self._holds if start <= now < end
                           ] + [(now if in_s <= 0 else at - LEAD_S, until)]
            if in_s <= 0 and self._stepping and self._reading is not None:
                self._reading.interrupt()

    def shown(self) -> None:
        """The search a hold was for is painted: the holds begun end now, and the warm-up
        goes on (a hold still to come stays: a key typed meanwhile). Without this the
        warm-up stood aside HOLD_S whatever the paint took: 60 of every 150-160 ms of
        typing at 300,000 people, its words read a second later."""
        now = time.monotonic()
        with self._lock:
            self._holds = [(start, end) for start, end in self._holds if start > now]
            self._wake.notify()

    def _held_for(self) -> float:
        """Seconds until a warm-up step may start (0: now)."""
        now = time.monotonic()
        return max((end - now for start, end in self._holds if start <= now < end),
                   default=0.0)

    def _start(self) -> None:
        if not self._started:  # not waited for to begin (threading.Thread.start waits)
            self._started = True
            _thread.start_new_thread(self._work, ())

    def take(self, key: object) -> Any | None:
        """What was read ahead for ``key``, if it is ready and still true; None: read it now
        (a question still being read is interrupted)."""
        with self._lock:
            job, self._job = self._job, None
            if job is not None and not job.done and self._reading is not None:
                self._reading.interrupt()
        if job is None or not job.done or not job.ok or job.key != key:
            return None
        try:
            if paging.stamp(self._conn) != job.stamp:  # written since: read again
                return None
        except dbapi.Error:
            return None
        return job.result

    def peek(self, key: object) -> Any | None:
        """What was read ahead for ``key`` if it is ready (left for ``take``, which checks
        that nothing was written since): to prepare its showing while typing pauses."""
        with self._lock:
            job = self._job
        if job is None or not job.done or not job.ok or job.key != key:
            return None
        return job.result

    def read_now(self, key: object, read: Read, wait_s: float = 0.5) -> Any | None:
        """``read`` for ``key`` on the worker's connection, waited for: once it is warm, a
        search typed is read there whether it was typed on (read ahead) or after a pause,
        so that each key's search goes on from the last one's on the same connection (a
        search remembers where its first page began, and its pages stay in that cache).
        None: read it on the window's connection (not warm yet, no connection, too long)."""
        result = self.take(key)
        if result is not None or not self._warmed or self._closed:
            return result
        self.ask(key, read)
        with self._lock:
            job = self._job
            if job is None or job.key != key:
                return None
            self._finished.wait_for(lambda: job.done or self._closed, timeout=wait_s)
        return self.take(key)

    def read_here(self, read: Read) -> Any | None:
        """``read`` on the worker's connection once it is warm, on this (the UI) thread,
        while the worker waits idle (it waits on until this returns): its cache holds what
        the warm-up read (a roster's name index) and no thread is woken to read it (pages
        scrolled to back to back, each handed to the worker and waited for, waited for it
        to be scheduled too: on two busy cores the whole roster's scrolling took 0.31-0.38
        s so, 0.23-0.27 on the window's connection). None: read it elsewhere (not warm,
        the worker busy or gone, the file another, the read failed)."""
        with self._lock:
            idle = self._idle_reader if self._idle and self._warmed and \
                not self._closed and not self._borrowed else None
            if idle is None or not still_good(self._path, idle[1]):
                return None
            self._borrowed = True
        try:
            return read(idle[0])
        except dbapi.Error:
            return None
        finally:
            with self._lock:
                self._borrowed = False
                if self._lender_waits:  # (not woken for nothing at each page scrolled to)
                    self._wake.notify()

    def forget(self) -> None:
        """What was asked is not wanted (the list shows something else now)."""
        self.take(None)

    def release(self, timeout: float = 5.0) -> None:
        """The worker's connection closed before this returns (at most ``timeout`` seconds):
        the window lets go of its file (a restore replaces it, and an open reader would keep
        it busy). Nothing more is read ahead or warmed until asked again."""
        with self._lock:
            self._job = None
            self._warm_now = False
            if not self._started or self._closed:
                return
            self._releasing = True
            if self._reading is not None:
                self._reading.interrupt()
            self._wake.notify()
            self._released.wait_for(lambda: self._closed or (self._idle and not self._holding),
                                    timeout)

    def close(self, *_args: object) -> None:
        """The list is gone: the worker closes its connection and ends."""
        with self._lock:
            self._closed = True
            self._job = None
            if self._reading is not None:
                self._reading.interrupt()
            self._wake.notify()
            self._finished.notify_all()

    # -- the worker thread ----------------------------------------------------------------

    def _work(self) -> None:
        reader: dbapi.Connection | None = None
        identity: Identity | None = None
        warm_from: Any = ()  # where warming goes on; None: done
        try:
            while True:
                with self._lock:
                    while not self._closed and (self._job is None or self._job.started):
                        if self._releasing:
                            break
                        held = self._held_for()
                        if self._warm_now and (warm_from is not None or self._check) and \
                                held <= 0:
                            break  # idle: open (the first time) and warm a step
                        self._idle = True
                        self._idle_reader = (reader, identity) if reader is not None else None
                        self._released.notify_all()  # (a release waits for this)
                        woken = self._wake.wait(held if held > 0 else _IDLE_CHECK_S)
                        while self._borrowed:  # read_here: the UI thread reads on it
                            self._lender_waits = True
                            self._wake.wait()
                        self._lender_waits = False
                        self._idle, self._idle_reader = False, None
                        if not woken and held <= 0 and reader is not None and \
                                not still_good(self._path, identity):
                            reader = close_quietly(reader)
                            self._holding = self._warmed = False
                    if self._closed:
                        return
                    if self._releasing:  # the window lets go of its file
                        self._releasing = False
                        if reader is not None:
                            reader = close_quietly(reader)
                        self._holding = self._warmed = False
                        warm_from = ()
                        continue
                    job = self._job if self._job is not None and not self._job.started \
                        else None
                    if job is not None:
                        job.started = True
                    check, lend_stamp = job is None and self._check, self._lend_stamp
                    if check:
                        self._check = False
                if reader is not None and not still_good(self._path, identity):
                    reader = close_quietly(reader)
                    self._warmed = False
                if reader is None and (job is not None or warm_from == ()):
                    self._warmed = False
                    reader, identity = self._open()
                    warm_from = () if reader is not None else None
                    with self._lock:
                        self._holding = reader is not None
                if job is None and check and warm_from is None:
                    # asked again: warm again if the database changed (a write) or the
                    # connection was closed since, else lend what it holds
                    if reader is None or not self._still_warm(reader):
                        warm_from = ()
                    else:
                        self._lend_to(reader, lend_stamp)
                    continue
                if job is None:  # idle, with a warm-up to go on with
                    if warm_from is None or self._held_for() > 0:
                        continue  # (held: back to waiting until the hold ends)
                    warm_from = self._warm_step(reader, warm_from)
                    # Searches typed are read here once it holds the ranks (lent: the
                    # numbers follow), or once warm
                    lent = reader is not None and self._lend_to(reader, lend_stamp)
                    if reader is not None and (lent or warm_from is None):
                        self._warmed = True
                    continue
                if reader is None:
                    with self._lock:
                        job.done = True  # no connection (locked, closed): no page
                        self._finished.notify_all()
                    continue
                with self._lock:
                    if self._job is not job or self._closed:
                        job.done = True
                        self._finished.notify_all()
                        continue
                    self._reading = reader
                try:
                    job.result = job.read(reader)
                    job.ok = True
                except BaseException:  # noqa: BLE001 - a page that fails is no page
                    job.ok = False
                finally:
                    with self._lock:
                        self._reading = None
                        job.done = True
                        self._finished.notify_all()
                if job.ok and self._relay is not None:
                    with contextlib.suppress(Exception):  # (the process may be ending)
                        self._relay.read.emit(id(self), job.key)
        finally:
            if reader is not None:
                close_quietly(reader)

    def _warm_step(self, reader: dbapi.Connection | None, after: Any) -> Any:
        if reader is None or self._warm is None:
            return None
        with self._lock:
            if self._held_for() > 0:  # held since the worker woke
                return after
            self._reading = reader  # a question asked meanwhile interrupts the step
            self._stepping = True  # and so does a hold
        try:
            return self._warm(reader, after or None)
        except dbapi.OperationalError as e:  # interrupted by a question or a hold: the
            return after if "interrupt" in str(e) else None  # step again later
        except BaseException:  # noqa: BLE001 - failed: done warming
            return None
        finally:
            with self._lock:
                self._reading = None
                self._stepping = False

    def _still_warm(self, reader: dbapi.Connection) -> bool:
        if self._is_warm is None:
            return True
        try:
            return self._is_warm(reader)
        except dbapi.Error:  # (warmed again, or closed and opened again)
            return False

    def _lend_to(self, reader: dbapi.Connection, stamp: tuple[int, int] | None) -> bool:
        """What the warm-up read, given to the window's connection for ``stamp`` (taken
        by start() before the worker checked that it read for the database as it is)."""
        if self._lend is None or stamp is None:
            return False
        try:
            return bool(self._lend(reader, self._conn, stamp))
        except Exception:  # noqa: BLE001 - a connection closed meanwhile: no loan
            return False

    def _open(self) -> tuple[dbapi.Connection | None, Identity | None]:
        if self._path is None:
            return None, None
        return open_kept(self._path, LIST_CACHE_KIB if self._warm is None else WARM_CACHE_KIB)
