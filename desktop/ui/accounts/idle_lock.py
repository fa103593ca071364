"""The screen lock: after an idle time (a rule of the site, desktop/storage/accounts.py) or on
Tệp → Khóa màn hình, the window shows nothing of its data until the same account's password is
typed again, or another account logs in.

Idle means no key or mouse event anywhere in the program (an event filter on the application)
for the interval, measured by a QTimer restarted at each such event. The filter is installed a
moment after the window has its data (WATCH_AFTER_MS; at once by a lock): every event of the
program then passes through Python, and PySide wraps each object and event on the way (about
40 ms of processor time while the first page paints, issue 12). The idle time starts again
then, so the lock never comes earlier for the moments not watched. Once a key or click has
restarted the idle time, the filter rests for a moment (REST_MS, at most a twentieth of the
interval) and is installed again: typing a search passed some 125 events a key through Python
(~1 ms of each key's work). A lock may so come up to that moment before the interval since the
last key (30 s of ten minutes, 3 s of one); it never comes later.

While locked, the tree and the pages are out of sight (the window's central stack shows the
lock page instead), the menus and their shortcuts are disabled, the status bar's messages are
held back, and every other window of the program is hidden: a record being edited comes back as
it was, with its unsaved text. A question that was waiting in its own event loop (a message box
run with exec) cannot be hidden without ending it: it is answered «Hủy», which never changes
anything. A window that opens while locked (a print preview a background task finished) is
hidden too and shown after unlocking.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from desktop import APP_NAME
from desktop.domain.errors import UserError
from desktop.i18n import _
from desktop.storage import accounts
from desktop.ui.common.dialogs import LastShown, run_modal

# What counts as the officer being at the keyboard.
ACTIVITY = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick,
    QEvent.Type.MouseMove, QEvent.Type.Wheel, QEvent.Type.InputMethod,
    QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate, QEvent.Type.TabletPress,
})
# Windows the lock shows itself (the login, a confirmation), never hidden by it.
OWN = "antq_screen_lock_own"
WATCH_AFTER_MS = 1000  # after the window's data is made: the first page painted first
REST_MS = 30_000  # the filter's rest after a key or click, at most (see the docstring)


def _depth(widget: QWidget) -> int:
    depth, parent = 0, widget.parentWidget()
    while parent is not None:
        depth, parent = depth + 1, parent.parentWidget()
    return depth


class LockPage(QWidget):
    """What the window shows while locked: who is logged in, the password, another account."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAutoFillBackground(True)  # opaque: nothing of the pages shows through
        self.title = QLabel(_("Màn hình đã khóa"))
        self.title.setStyleSheet("font-size: 18px; font-weight: bold;")
        self.who = QLabel()
        self.who.setWordWrap(True)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020")
        self.unlock_button = QPushButton(_("Mở khóa"))
        self.unlock_button.setDefault(True)
        self.switch_button = QPushButton(_("Đăng nhập tài khoản khác"))
        form = QFormLayout()
        form.addRow(_("Mật khẩu:"), self.password)
        buttons = QHBoxLayout()
        buttons.addWidget(self.unlock_button)
        buttons.addStretch(1)
        buttons.addWidget(self.switch_button)
        frame = QFrame()
        frame.setFrameShape(QFrame.Shape.StyledPanel)
        frame.setMaximumWidth(520)
        inner = QVBoxLayout(frame)
        inner.setContentsMargins(24, 20, 24, 20)
        inner.addWidget(self.title)
        inner.addWidget(self.who)
        inner.addSpacing(8)
        inner.addLayout(form)
        inner.addWidget(self.message)
        inner.addLayout(buttons)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(frame, 3)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)

    def show_account(self, account: accounts.Account) -> None:
        self.who.setText(_("Tài khoản «{n}» ({r}) đang đăng nhập. Nhập mật khẩu của tài khoản "
                           "này để tiếp tục: những gì đang làm dở vẫn được giữ nguyên.").format(
            n=account.full_name or account.name, r=account.role_name))


class ScreenLock(QObject):
    """The lock of one main window (which provides ``conn``, ``db_path``, ``central``,
    ``splitter``, ``menuBar()``, ``statusBar()``)."""

    login_dialog: LastShown[QDialog] = LastShown()  # tests reach it; held weakly

    def __init__(self, window: QMainWindow, minutes: int) -> None:
        super().__init__(window)
        self.window = window
        self.is_locked = False
        self.page: LockPage | None = None
        self.held_message: str | None = None
        self._hidden: list[QWidget] = []  # other windows hidden while locked, in order
        self._disabled: list = []  # actions and bars disabled while locked
        self._focus: QWidget | None = None
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(lambda: self._idle())
        self.set_interval_ms(minutes * 60_000)
        self.watching, self._stopped = False, False
        self._rest = QTimer(self)  # the filter rests after a key or click, until this fires
        self._rest.setSingleShot(True)
        self._rest.timeout.connect(self._watch_again)
        QTimer.singleShot(WATCH_AFTER_MS, self, self.watch)

    def watch(self) -> None:
        """Every key and click of the program restarts the idle time from now on."""
        if self.watching or self._stopped:
            return
        self.watching = True
        QApplication.instance().installEventFilter(self)
        self.set_interval_ms(self.interval_ms)  # counted from now: never an earlier lock

    # -- idle time ---------------------------------------------------------------------

    def _watch_again(self) -> None:
        if self.watching and not self._stopped:
            QApplication.instance().installEventFilter(self)

    def set_interval_ms(self, ms: int) -> None:
        """Lock after ``ms`` without activity; 0: never (tests use a short interval)."""
        self.interval_ms = max(0, int(ms))
        self.timer.stop()
        if self.interval_ms and not self.is_locked:
            self.timer.start(self.interval_ms)

    def set_minutes(self, minutes: int) -> None:
        self.set_interval_ms(minutes * 60_000)

    def _idle(self) -> None:
        if self.window.isVisible():
            self.lock()

    def stop(self) -> None:
        """The window is closing: no more watching, no lock of a closed window."""
        self.timer.stop()
        self._rest.stop()
        self.watching, self._stopped = False, True
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        kind = event.type()
        if kind in ACTIVITY:
            if not self.is_locked and self.interval_ms:
                self.timer.start(self.interval_ms)
                rest = min(REST_MS, self.interval_ms // 20)
                if rest > 0:  # the idle time restarted: the next keys need not be seen
                    QApplication.instance().removeEventFilter(self)
                    self._rest.start(rest)
        elif self.is_locked:
            if kind == QEvent.Type.Show and isinstance(obj, QWidget) and obj.isWindow():
                # Not while Qt is showing it: right after.
                QTimer.singleShot(0, self, lambda w=obj: self._hide_new_window(w))
            elif kind == QEvent.Type.Close and obj in self._hidden:
                self._hidden.remove(obj)  # closed by its own code (a task finished)
        return False

    # -- locking -----------------------------------------------------------------------

    def _others(self) -> list[QWidget]:
        """The program's other visible windows, but not popups (closed) or main windows."""
        out = []
        for w in QApplication.topLevelWidgets():
            if w is self.window or not w.isVisible() or isinstance(w, QMainWindow) \
                    or w.property(OWN):
                continue
            if w.windowType() in (Qt.WindowType.Popup, Qt.WindowType.ToolTip,
                                  Qt.WindowType.SplashScreen):
                continue
            out.append(w)
        return out

    def _put_away(self, w: QWidget) -> None:
        """Hide ``w`` until unlocked; a question running its own event loop is answered
        «Hủy» (hiding would end it anyway, and it would not come back)."""
        if isinstance(w, QDialog) and w.windowModality() == Qt.WindowModality.ApplicationModal:
            w.reject()
            return
        w.hide()
        if w not in self._hidden:
            self._hidden.append(w)
            if isinstance(w, QDialog):
                w.finished.connect(lambda _r, w=w: self._forget(w))

    def _forget(self, w: QWidget) -> None:
        if w in self._hidden:
            self._hidden.remove(w)

    def _hide_new_window(self, w: QWidget) -> None:
        if self.is_locked and shiboken6.isValid(w) and w.isVisible() and w is not self.window \
                and not isinstance(w, QMainWindow) and not w.property(OWN) \
                and w.windowType() not in (Qt.WindowType.Popup, Qt.WindowType.ToolTip):
            self._put_away(w)

    def lock(self) -> None:
        if self.is_locked or not getattr(self.window, "is_filled", False):
            return
        account = accounts.current(self.window.conn)
        if account is None:  # the program's own connection (tests): no password unlocks it
            return
        self.watch()  # the windows that open while locked are hidden by the filter
        self._rest.stop()
        QApplication.instance().installEventFilter(self)  # even if it was resting
        self.is_locked = True
        self.timer.stop()
        # The private vault key goes while locked; the password that unlocks brings it back.
        from desktop.storage import db

        db.forget_account_key(self.window.db_path)
        while (popup := QApplication.activePopupWidget()) is not None:
            popup.close()
        focus = QApplication.focusWidget()
        self._focus = focus
        for w in self._others():
            self._put_away(w)
        if self.page is None:
            self.page = LockPage()
            self.page.unlock_button.clicked.connect(lambda: self.try_unlock())
            self.page.password.returnPressed.connect(lambda: self.try_unlock())
            self.page.switch_button.clicked.connect(lambda: self.switch_account())
            self.window.central.addWidget(self.page)
        self.page.show_account(account)
        self.page.password.clear()
        self.page.message.clear()
        self.window.central.setCurrentWidget(self.page)
        self._disable_window()
        self.window.statusBar().clearMessage()
        self.window.activateWindow()
        self.page.password.setFocus()

    def _disable_window(self) -> None:
        things: list = [self.window.menuBar()]
        menus = [a.menu() for a in self.window.menuBar().actions() if a.menu() is not None]
        while menus:
            menu = menus.pop()
            for action in menu.actions():
                things.append(action)
                if action.menu() is not None:
                    menus.append(action.menu())
        things += [a for a in self.window.actions()]
        things += self.window.findChildren(QToolBar)
        self._disabled = [t for t in dict.fromkeys(things) if t.isEnabled()]
        for thing in self._disabled:
            thing.setEnabled(False)

    # -- unlocking ---------------------------------------------------------------------

    def try_unlock(self) -> bool:
        """The same account's password (checked by the key file, failures counted as a login
        counts them); the window comes back as it was."""
        assert self.page is not None
        if not self.is_locked:
            return True
        try:
            accounts.confirm_password(self.window.conn, self.page.password.text())
        except UserError as e:
            self.page.message.setText(str(e))
            self.page.password.clear()
            self.page.password.setFocus()
            return False
        self.unlock()
        return True

    def unlock(self) -> None:
        assert self.page is not None
        self.page.password.clear()
        self.page.message.clear()
        self.window.central.setCurrentWidget(self.window.splitter)
        for thing in self._disabled:
            thing.setEnabled(True)
        self._disabled = []
        self.is_locked = False
        hidden, self._hidden = self._hidden, []
        # A dialog before the dialogs it opened, so that they come back on top of it.
        for w in sorted((w for w in hidden if shiboken6.isValid(w)), key=_depth):
            w.show()
        focus, self._focus = self._focus, None
        if focus is not None and shiboken6.isValid(focus) and focus.isVisible():
            focus.window().activateWindow()
            focus.setFocus()
        if self.held_message:
            self.window.statusBar().showMessage(self.held_message, 8000)
        self.held_message = None
        self.set_interval_ms(self.interval_ms)

    # -- another account ---------------------------------------------------------------

    def switch_account(self):  # -> MainWindow | None
        """Close this window's connection and log in again; the new account gets a window
        of its own. What the previous account left open (unsaved) is discarded, after a
        question."""
        from desktop.ui.accounts.login import LoginDialog

        if self._hidden:
            box = QMessageBox(QMessageBox.Icon.Question, _("Đăng nhập tài khoản khác"),
                              _("Các cửa sổ đang mở của tài khoản này sẽ được đóng; những gì "
                                "chưa lưu sẽ bị bỏ. Tiếp tục?"), parent=self.window)
            box.setProperty(OWN, True)
            yes = box.addButton(_("Đăng nhập tài khoản khác"),
                                QMessageBox.ButtonRole.AcceptRole)
            box.addButton(_("Không"), QMessageBox.ButtonRole.RejectRole)
            run_modal(box)
            if box.clickedButton() is not yes:
                return None
        hidden, self._hidden = self._hidden, []
        for w in hidden:
            if shiboken6.isValid(w):
                if isinstance(w, QDialog):
                    w.reject()
                w.close()
        self.window.close_data()
        dialog = LoginDialog(self.window.db_path, self.window,
                             demo=self.window.db_path.name == "demo.db", user="")
        dialog.setProperty(OWN, True)
        self.login_dialog = dialog
        accepted = run_modal(dialog) == QDialog.DialogCode.Accepted
        if not accepted:
            self.window.close()  # the data is closed: nothing left to show
            return None
        new = self.window.start_another(dialog.conn)
        if dialog.notes:
            QMessageBox.information(new, APP_NAME, "\n\n".join(dialog.notes))
        self.window.replaced_by = new
        self.window.close()
        return new
