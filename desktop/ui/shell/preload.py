"""While the login dialog waits for the officer's password, the modules the login and the
window's first page need are imported (and the Qt classes they use built), one small module
each time the event loop is idle.

Typing a password takes a second or more; these imports take a tenth of that and would
otherwise run after «Đăng nhập» is clicked, between the click and the first rows (issue 12,
the start budget). The first import waits for the dialog's first paint, so the prompt shows
no later for it. A key typed in the dialog waits at most for one module. Whatever is not
imported by the time of the click is imported where it is used, as before. The window's
menus get their entries the same way, first (desktop/ui/shell/main_window.py).
"""

from __future__ import annotations

import contextlib
import importlib
import sys
from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QObject, QTimer

# Bottom-up (a module before those that import it), so that each step imports little.
AFTER_LOGIN: tuple[str, ...] = (
    # the login: the key file, the key derivation, the audit entry, the vault's key
    "cryptography.hazmat.primitives.ciphers.aead", "argon2.low_level", "hmac",
    "json",  # (also the window's last place, read when it fills)
    "desktop.storage.dbapi",  # the database driver (sqlcipher3 and its OpenSSL), 10 ms alone
    "desktop.storage.durable", "desktop.storage.cipher_upgrade", "desktop.storage.db",
    "desktop.storage.keyfile", "desktop.storage.accounts", "desktop.domain.kinds",
    "desktop.storage.audit",
    "desktop.domain.dates", "desktop.domain.tips", "desktop.domain.validation",
    "desktop.storage.vault",
    # the window's data: records, the tree, the first page and its roster
    "desktop.storage.paging", "desktop.storage.catalogues", "desktop.storage.references",
    "desktop.storage.records", "desktop.storage.writer", "desktop.storage.history",
    "desktop.storage.search", "desktop.storage.rosters", "desktop.ui.shell.navigation",
    "desktop.storage.present", "desktop.ui.common.fields", "desktop.ui.common.pickers",
    "desktop.ui.records.record_dialog", "desktop.ui.common.counting",
    "desktop.ui.records.record_model",
    "desktop.ui.common.tasks", "desktop.ui.common.widgets", "desktop.ui.records.pages",
    "desktop.storage.attachments", "desktop.ui.records.editors", "desktop.ui.shell.record_pages",
    "desktop.reports.profiles", "desktop.ui.people.roster_model", "desktop.ui.people.people_page",
    "desktop.ui.accounts.idle_lock",
    # Qt classes the login and the first rows use but no module names at its top: PySide
    # builds a class, its enums with it, when the program first names or meets one (the
    # painter's three enums 1.5 ms, the selection's, a text line's), between the click and
    # the rows otherwise. "module:Class".
    "PySide6.QtCore:QItemSelectionModel", "PySide6.QtCore:QKeyCombination",
    "PySide6.QtCore:QPoint", "PySide6.QtCore:QRectF", "PySide6.QtCore:QSizeF",
    "PySide6.QtGui:QCursor", "PySide6.QtGui:QFontMetrics", "PySide6.QtGui:QPainter",
    "PySide6.QtGui:QTextLine", "PySide6.QtWidgets:QCommonStyle",
    "PySide6.QtWidgets:QStylePainter",
    # last: the one-window guard's listener, made a second after the frame (single_instance)
    "PySide6.QtNetwork",
)


def _loaded(entry: str) -> bool:
    module, _colon, name = entry.partition(":")
    return module in sys.modules and (not name or name in vars(sys.modules[module]))


def _load(entry: str) -> None:
    module, _colon, name = entry.partition(":")
    loaded = importlib.import_module(module)
    if name:
        getattr(loaded, name)


class Preloader(QObject):
    """Runs ``first`` (work of the window's own that its frame did not need, such as the
    menus' entries), then imports ``modules`` in order, then runs ``last`` (work that needs
    those modules, such as building the first page's widgets): one step per turn of the
    event loop, until done or stopped."""

    def __init__(self, parent: QObject, modules: Sequence[str] = AFTER_LOGIN, *,
                 first: Sequence[Callable[[], object]] = (),
                 last: Sequence[Callable[[], object]] = ()) -> None:
        super().__init__(parent)
        self.calls = list(first)
        self.left = [m for m in modules if not _loaded(m)]
        self.last = list(last)
        self._timer = QTimer(self, interval=0)
        self._timer.timeout.connect(self._step)

    def start(self) -> None:
        """Once the parent (the login dialog) has painted, or at once if it is shown."""
        if self.done:
            return
        parent = self.parent()
        if getattr(parent, "isVisible", None) is not None and not parent.isVisible():
            parent.installEventFilter(self)
        else:
            self._timer.start()

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Paint:
            obj.removeEventFilter(self)
            self._timer.start()  # its first turn comes after this paint
        return False

    def stop(self) -> None:
        self._timer.stop()
        parent = self.parent()
        if parent is not None:
            parent.removeEventFilter(self)

    @property
    def done(self) -> bool:
        return not self.calls and not self.left and not self.last

    def _step(self) -> None:
        if self.calls:  # the caller's own work first (it also runs it when needed sooner)
            self.calls.pop(0)()
            return
        while self.left and _loaded(self.left[0]):
            self.left.pop(0)
        if self.left:
            with contextlib.suppress(Exception):  # raised again, and reported, where used
                _load(self.left.pop(0))
            return
        if self.last:  # (the caller does it itself when it comes to it first)
            self.last.pop(0)()
            return
        self._timer.stop()
