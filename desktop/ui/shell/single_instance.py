"""One window per database: a second start on a database already open brings the first
window forward and ends, instead of two windows racing on one file (as Anki and vorta do).

The first start listens on a local socket (a named pipe on Windows) whose name is derived
from the database's real path and the user; a second start connects, says "raise" and quits.
A start that finds no one listening (the first one ended, or crashed and left its socket)
takes the name over.
"""

from __future__ import annotations

import getpass
import hashlib
import os
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

TIMEOUT_MS = 2000
MESSAGE = b"raise\n"


def server_name(db_path: Path) -> str:
    """Short (a Unix socket path has about 100 bytes), per user, per database."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no user name (a container): the home folder instead
        user = os.path.expanduser("~")
    real = os.path.realpath(os.fspath(db_path))
    return "antq-" + hashlib.sha256(f"{user}\0{real}".encode()).hexdigest()[:20]


def signal_running(db_path: Path) -> bool:
    """True if a window of this user already has ``db_path`` open: it was told to come
    forward, and this start should end."""
    socket = QLocalSocket()
    socket.connectToServer(server_name(db_path))
    if not socket.waitForConnected(TIMEOUT_MS):
        return False
    socket.write(MESSAGE)
    socket.waitForBytesWritten(TIMEOUT_MS)
    socket.disconnectFromServer()
    return True


class SingleInstance(QObject):
    """The first start's listener; ``raised`` once a second start has asked."""

    raised = Signal()

    def __init__(self, db_path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db_path = Path(db_path)
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self.server.newConnection.connect(self._connected)
        name = server_name(self.db_path)
        if not self.server.listen(name):
            QLocalServer.removeServer(name)  # left by a start that crashed
            self.server.listen(name)

    def follow(self, db_path: Path) -> None:
        """The window now shows another database (Tệp → Mở): answer for that one. Should
        another start hold its name already, this one stays unguarded rather than take it."""
        if os.path.realpath(db_path) == os.path.realpath(self.db_path):
            return
        self.server.close()
        self.db_path = Path(db_path)
        self.server.listen(server_name(self.db_path))

    @property
    def listening(self) -> bool:
        return self.server.isListening()

    def _connected(self) -> None:
        while (socket := self.server.nextPendingConnection()) is not None:
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(socket.deleteLater)
            if socket.bytesAvailable():
                self._read(socket)

    def _read(self, socket: QLocalSocket) -> None:
        if bytes(socket.readAll().data()).startswith(MESSAGE.strip()):
            bring_forward()
            self.raised.emit()

    def close(self) -> None:
        self.server.close()


def bring_forward() -> QWidget | None:
    """The dialog the officer is answering (the first-run wizard, the login), else the main
    window: shown, un-minimised, raised and activated. Found among the live top-level widgets,
    never through the application's "main_window" property, which outlives a deleted window."""
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
    """At a start: None if another window has ``db_path`` (told to come forward); else the
    listener, kept by the application for as long as it runs."""
    if signal_running(db_path):
        return None
    app = QApplication.instance()
    listener = SingleInstance(db_path, app)
    app.setProperty("single_instance", listener)
    return listener
