"""One window per database: a second start on a database already open brings the first
window forward and ends, instead of two windows racing on one file (as Anki and vorta do).

A start first takes a lock file named after the database's real path and the user, in the
temporary folder: the operating system's lock on an open file (flock; on Windows a locked
byte), which ends with the process however it ends, so a crash leaves nothing to take over,
and which writes nothing to disk (QLockFile wrote the holder's details and synced them: an
fdatasync at every start, two after a crash, issue 12). A start that cannot take it — a live
process holds it — connects to the holder's
local socket (a named pipe on Windows), says "raise" and ends. The holder listens a second
after its window has painted, while the officer types the password (QtNetwork is imported
then, also the preloader's last module, never before the frame nor the login prompt: issue
12, the start budget), or a second after taking the lock if no window paints (the first-run
wizard); a second start that comes earlier tries again until the holder answers (up to
HOLDER_WAIT_MS). The lock file a crash leaves is locked by no one and is taken, and the
socket it left is taken over.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

from PySide6.QtCore import QDir, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

from desktop.ui.common.after_paint import AfterPaint

try:  # CPython's own SHA-256: hashlib would load OpenSSL before the first frame (4 ms)
    from _sha2 import sha256  # Python 3.12+
except ImportError:
    try:
        from _sha256 import sha256  # Python 3.11
    except ImportError:
        from hashlib import sha256

TIMEOUT_MS = 2000
HOLDER_WAIT_MS = 6000  # a holder busy starting (a loaded machine) listens within this
LISTEN_AT_LATEST_MS = 1000  # no window painted (the wizard, a window restored minimised)
LISTEN_AFTER_PAINT_MS = 1000  # the login prompt paints first, the officer types
MESSAGE = b"raise\n"


def _user() -> str:
    """``getpass.getuser()``'s answer, without importing getpass (and termios with it: 1 ms
    before the frame paints)."""
    for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        if os.environ.get(name):
            return os.environ[name]
    import pwd  # not on Windows, which sets USERNAME

    return pwd.getpwuid(os.getuid()).pw_name


def server_name(db_path: Path) -> str:
    """Short (a Unix socket path has about 100 bytes), per user, per database."""
    try:
        user = _user()
    except (KeyError, OSError, ImportError):  # no user name (a container): the home folder
        user = os.path.expanduser("~")
    real = os.path.realpath(os.fspath(db_path))
    return "antq-" + sha256(f"{user}\0{real}".encode()).hexdigest()[:20]


def lock_path(db_path: Path) -> str:
    """Beside the socket (a Unix socket lives in the temporary folder too), never beside the
    database: a stick may be read-only."""
    return QDir(QDir.tempPath()).filePath(server_name(db_path) + ".lock")


class FileLock:
    """An open lock file this process holds a lock on, for as long as it runs or until
    ``unlock``."""

    def __init__(self, path: str, fd: int) -> None:
        self.path, self.fd = path, fd

    def unlock(self) -> None:
        if self.fd < 0:
            return
        # Removed while still held: a start that opened it meanwhile finds, once it has the
        # lock, that it is no longer the file at this path, and takes a new one (_lock).
        with contextlib.suppress(OSError):
            os.unlink(self.path)
        if os.name == "nt":
            import msvcrt

            with contextlib.suppress(OSError):
                os.lseek(self.fd, 0, os.SEEK_SET)
                msvcrt.locking(self.fd, msvcrt.LK_UNLCK, 1)
        os.close(self.fd)  # (on Linux closing lets go of the lock)
        self.fd = -1
        if os.name == "nt":  # an open file cannot be removed there: removed once closed
            with contextlib.suppress(OSError):
                os.unlink(self.path)


def _lock(db_path: Path) -> FileLock | None:
    """The database's lock, taken; None if a live process holds it."""
    path = lock_path(db_path)
    for _attempt in range(5):
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if os.name == "nt":
                import msvcrt

                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # held by a live process
            os.close(fd)
            return None
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except OSError:  # removed by the holder letting go meanwhile
            same = False
        if same:
            return FileLock(path, fd)
        os.close(fd)  # a file its holder removed while letting go: take the new one
    return None


def signal_running(db_path: Path) -> bool:
    """True if a window of this user listens for ``db_path``: it was told to come forward,
    and this start should end."""
    from PySide6.QtNetwork import QLocalSocket

    socket = QLocalSocket()
    socket.connectToServer(server_name(db_path))
    if not socket.waitForConnected(TIMEOUT_MS):
        return False
    socket.write(MESSAGE)
    socket.waitForBytesWritten(TIMEOUT_MS)
    socket.disconnectFromServer()
    return True


def _signal_holder(db_path: Path) -> bool:
    """The lock's holder told to come forward; it may not listen yet (its window has not
    painted): tried again for up to HOLDER_WAIT_MS."""
    deadline = time.monotonic() + HOLDER_WAIT_MS / 1000
    while not signal_running(db_path):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


class SingleInstance(QObject):
    """The first start's lock and, once its window has painted, its listener; ``raised``
    once a second start has asked."""

    raised = Signal()

    def __init__(self, db_path: Path, lock: FileLock | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db_path = Path(db_path)
        self.lock = lock
        self.server = None  # a QLocalServer once listening
        QTimer.singleShot(LISTEN_AT_LATEST_MS, self, self.listen)

    def listen(self) -> None:
        """Answer second starts from now on (at once if already listening)."""
        if self.server is not None:
            return
        from PySide6.QtNetwork import QLocalServer

        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self.server.newConnection.connect(self._connected)
        name = server_name(self.db_path)
        if not self.server.listen(name):
            QLocalServer.removeServer(name)  # left by a start that crashed
            self.server.listen(name)

    def listen_after_paint(self, window: QWidget) -> None:
        """Listen a moment after ``window`` has painted: the frame and the login prompt
        first, then QtNetwork."""
        if self.server is None:
            AfterPaint(window, lambda: QTimer.singleShot(LISTEN_AFTER_PAINT_MS, self,
                                                         self.listen))

    def follow(self, db_path: Path, window: QWidget | None = None) -> None:
        """The window now shows ``db_path`` (Tệp → Mở): answer for that one. Should another
        start hold it already, this one stays unguarded rather than take it."""
        if os.path.realpath(db_path) != os.path.realpath(self.db_path):
            if self.server is not None:
                self.server.close()
                self.server = None
            if self.lock is not None:
                self.lock.unlock()
            self.db_path = Path(db_path)
            self.lock = _lock(self.db_path)
            if self.lock is None:
                return
        if window is not None:
            self.listen_after_paint(window)

    @property
    def listening(self) -> bool:
        return self.server is not None and self.server.isListening()

    def _connected(self) -> None:
        while (socket := self.server.nextPendingConnection()) is not None:
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(socket.deleteLater)
            if socket.bytesAvailable():
                self._read(socket)

    def _read(self, socket) -> None:  # a QLocalSocket
        if bytes(socket.readAll().data()).startswith(MESSAGE.strip()):
            bring_forward()
            self.raised.emit()

    def close(self) -> None:
        if self.server is not None:
            self.server.close()
        if self.lock is not None:
            self.lock.unlock()
            self.lock = None


def bring_forward() -> QWidget | None:
    """The dialog the officer is answering (the first-run wizard, the login), else the main
    window: shown, un-minimised, raised and activated. Found among the live top-level widgets,
    never through the application's "main_window" property, which outlives a deleted window."""
    from PySide6.QtCore import Qt

    target = QApplication.activeModalWidget()
    if target is None:
        shown = [w for w in QApplication.topLevelWidgets() if w.isWindow() and w.isVisible()]
        target = next((w for w in shown if isinstance(w, QMainWindow)), None) or (
            shown[0] if shown else None)
    if target is None:
        return None
    target.setWindowState(target.windowState() & ~Qt.WindowState.WindowMinimized
                          | Qt.WindowState.WindowActive)
    target.show()
    target.raise_()
    target.activateWindow()
    return target


def guard(db_path: Path) -> SingleInstance | None:
    """At a start: None if another window has ``db_path`` (it was told to come forward, or
    is too busy to answer); else this start's lock and listener, kept by the application for
    as long as it runs."""
    lock = _lock(db_path)
    if lock is None:
        _signal_holder(db_path)
        return None
    app = QApplication.instance()
    listener = SingleInstance(db_path, lock, app)
    app.setProperty("single_instance", listener)
    app.aboutToQuit.connect(listener.close)  # the lock file removed, not left to go stale
    return listener
