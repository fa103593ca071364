"""The screen lock (issue 11): after an idle time (the chief's setting, per site) or Ctrl+L the
window shows nothing of its data; the same account's password brings it back as it was (an
open editor with its unsaved text); another account may log in instead."""

from __future__ import annotations

from pathlib import Path

import pytest
import uikit
from dbkit import TEST_PASSWORD, TEST_USER, copy_database
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QWidget,
)
from uikit import SCREENSHOTS, click_menu, when_modal

from desktop.storage import accounts, db, keyfile
from desktop.ui.accounts.login import LoginDialog
from desktop.ui.common.dialogs import alive
from desktop.ui.records.record_dialog import RecordDialog
from desktop.ui.shell.app import build_window

PW = "mật khẩu cán bộ"
TYPED = "Nguyễn Thị Chưa Lưu"


@pytest.fixture
def xa(qapp, demo_factory, tmp_path) -> Path:
    path = tmp_path / "xa.db"
    copy_database(demo_factory(1, 10), path)
    conn, _a, _n = accounts.login(path, TEST_USER, TEST_PASSWORD)
    accounts.add(conn, "maiv", "officer", PW, full_name="Lò Thị Mai")
    conn.close()
    return path


def window_as(path: Path, name: str, password: str, windows: list):
    w = uikit.window_as(path, name, password, windows)
    w.tree.setCurrentIndex(w.nav_model.index(0, 0))  # the whole province
    return w


def first_person(w) -> str:
    page = w.people
    page.table.selectRow(0)
    return page.model.index(0, 0).data()


def open_editor(w, qtbot) -> RecordDialog:
    """F2 on the roster's selected row, then a name typed and not saved."""
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow, timeout=3000)
    w.people.table.setFocus()
    qtbot.keyClick(w.people.table, Qt.Key.Key_F2)
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, RecordDialog)
    dialog.editors["full_name"].widget.setText(TYPED)
    return dialog


def visible_texts() -> list[str]:
    """Every text a visible label, field, button, table or window title of the program shows."""
    out: list[str] = []
    for top in QApplication.topLevelWidgets():
        if not top.isVisible():
            continue
        out.append(top.windowTitle())
        for widget in [top, *top.findChildren(QWidget)]:
            if not widget.isVisible():
                continue
            if isinstance(widget, QLabel | QPushButton | QLineEdit):
                out.append(widget.text())
            elif isinstance(widget, QAbstractItemView) and widget.model() is not None:
                m = widget.model()
                out += [str(m.index(r, c).data()) for r in range(min(m.rowCount(), 200))
                        for c in range(m.columnCount())]
        if hasattr(top, "statusBar"):
            out.append(top.statusBar().currentMessage())
    return out


def test_idle_time_locks_hides_the_data_and_the_password_brings_it_back(xa, qtbot, windows):
    w = window_as(xa, "maiv", PW, windows)
    name = first_person(w)
    editor = open_editor(w, qtbot)
    assert name in visible_texts() and TYPED in visible_texts()
    tab_before = w.tabs.currentIndex()

    w.screen_lock.set_interval_ms(200)  # instead of the site's 10 minutes
    qtbot.waitUntil(lambda: w.screen_lock.is_locked, timeout=10000)
    w.screen_lock.set_interval_ms(0)  # no second lock while the test types
    image = w.grab()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    image.save(str(SCREENSHOTS / "screen_locked.png"))
    assert not image.isNull()
    texts = visible_texts()
    assert not any(name in t or TYPED in t for t in texts), texts
    assert not editor.isVisible() and not w.tree.isVisible() and not w.tabs.isVisible()
    assert "Tài khoản «Lò Thị Mai» (cán bộ) đang đăng nhập" in w.screen_lock.page.who.text()
    assert not any(a.isEnabled() for a in w.actions_needing_data)
    w.notify(f"Đã xóa «{name}» — Hoàn tác: Ctrl+Z")  # a task finishing meanwhile
    assert name not in w.statusBar().currentMessage()

    page = w.screen_lock.page
    page.password.setText("sai mật khẩu")
    qtbot.mouseClick(page.unlock_button, Qt.MouseButton.LeftButton)
    assert w.screen_lock.is_locked and not editor.isVisible()
    assert page.message.text() == "Sai tài khoản hoặc mật khẩu"
    w.grab().save(str(SCREENSHOTS / "screen_locked_wrong_password.png"))
    assert keyfile.read(xa)["failures"]["count"] == 1  # counted as a login counts it

    page.password.setText(PW)
    qtbot.mouseClick(page.unlock_button, Qt.MouseButton.LeftButton)
    assert not w.screen_lock.is_locked
    assert editor.isVisible() and editor.editors["full_name"].widget.text() == TYPED
    assert w.tabs.isVisible() and w.tabs.currentIndex() == tab_before
    assert w.people.model.index(0, 0).data() == name
    assert all(a.isEnabled() for a in w.actions_needing_data
               if a not in (w.undo_action, w.accounts_action))  # as before (not a chief)
    assert name in w.statusBar().currentMessage()  # held back, shown now
    assert keyfile.read(xa)["failures"]["count"] == 0
    editor.reject()


def test_ctrl_l_locks_at_once_and_enter_unlocks(xa, qtbot, windows):
    w = window_as(xa, TEST_USER, TEST_PASSWORD, windows)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow, timeout=3000)
    qtbot.keyClick(w.tree, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert w.screen_lock.is_locked and not w.tree.isVisible()
    qtbot.keyClick(w.tree, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)  # a page's key
    assert not w.tabs.isVisible()
    page = w.screen_lock.page
    assert page.password.hasFocus()
    page.password.setText(TEST_PASSWORD)
    qtbot.keyClick(page.password, Qt.Key.Key_Return)
    assert not w.screen_lock.is_locked and w.tree.isVisible()


def test_any_key_or_click_restarts_the_idle_time(xa, qtbot, windows):
    w = window_as(xa, TEST_USER, TEST_PASSWORD, windows)
    lock = w.screen_lock
    assert lock.interval_ms == 10 * 60_000  # the default
    # Keys are watched a moment after the window has its data (not while its first page
    # paints), and the idle time counts from then.
    assert not lock.watching
    qtbot.waitUntil(lambda: lock.watching, timeout=5000)
    assert lock.timer.isActive() and lock.timer.remainingTime() > 9 * 60_000
    lock.timer.stop()
    QApplication.sendEvent(w.tree, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Down,
                                             Qt.KeyboardModifier.NoModifier))
    assert lock.timer.isActive() and lock.timer.interval() == 10 * 60_000
    lock.set_interval_ms(0)  # «không bao giờ»
    QApplication.sendEvent(w.tree, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Down,
                                             Qt.KeyboardModifier.NoModifier))
    assert not lock.timer.isActive()


def test_keys_typed_on_keep_the_window_unlocked_though_the_watch_rests(xa, qtbot, windows):
    # After a key the filter rests a twentieth of the interval (every event through Python
    # cost each key typed in a search ~1 ms), then watches again: keys typed on keep
    # restarting the idle time, and the lock comes once they stop.
    w = window_as(xa, TEST_USER, TEST_PASSWORD, windows)
    lock = w.screen_lock
    qtbot.waitUntil(lambda: lock.watching, timeout=5000)
    lock.set_interval_ms(1000)  # the filter rests 50 ms after a key
    for _ in range(15):  # 1.5 s of typing, a key every 0.1 s
        QApplication.sendEvent(w.tree, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Down,
                                                 Qt.KeyboardModifier.NoModifier))
        qtbot.wait(100)
        assert not lock.is_locked
    qtbot.waitUntil(lambda: lock.is_locked, timeout=5000)


def test_a_question_open_at_the_lock_is_answered_no(xa, qtbot, windows):
    """A delete confirmation waiting in its own loop cannot be hidden: it is answered «Không»,
    so nothing is deleted behind the lock."""
    w = window_as(xa, TEST_USER, TEST_PASSWORD, windows)
    name = first_person(w)
    when_modal(QMessageBox, lambda _box: w.screen_lock.lock())
    assert w.people.delete_current() is not True
    assert w.screen_lock.is_locked
    assert not any(isinstance(t, QMessageBox) and t.isVisible()
                   for t in QApplication.topLevelWidgets())
    w.screen_lock.page.password.setText(TEST_PASSWORD)
    qtbot.mouseClick(w.screen_lock.page.unlock_button, Qt.MouseButton.LeftButton)
    assert w.people.model.index(0, 0).data() == name  # still there


def test_the_chief_sets_the_idle_time_in_the_settings(xa, qtbot, windows):
    w = window_as(xa, TEST_USER, TEST_PASSWORD, windows)
    settings = next(a for a in w.menuBar().actions()[0].menu().actions()
                    if a.text() == "&Cài đặt…")
    click_menu(qtbot, w, settings)
    dialog = w.settings_dialog
    assert dialog.idle.isEnabled() and dialog.idle.value() == 10
    dialog.idle.setValue(0)
    assert dialog.idle.text() == "không bao giờ"
    dialog.idle.setValue(5)
    dialog.grab().save(str(SCREENSHOTS / "settings_idle_lock.png"))
    ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert accounts.idle_minutes(w.conn) == 5 and w.screen_lock.interval_ms == 5 * 60_000

    officer = window_as(xa, "maiv", PW, windows)
    click_menu(qtbot, officer, next(a for a in officer.menuBar().actions()[0].menu().actions()
                                    if a.text() == "&Cài đặt…"))
    assert not officer.settings_dialog.idle.isEnabled()
    assert officer.screen_lock.interval_ms == 5 * 60_000  # the site's rule, for everyone
    officer.settings_dialog.reject()


def test_another_account_logs_in_from_the_lock_screen(xa, qtbot, monkeypatch, windows):
    w = window_as(xa, TEST_USER, TEST_PASSWORD, windows)
    first_person(w)
    editor = open_editor(w, qtbot)
    w.screen_lock.lock()
    seen: list[str] = []

    def discard(box: QMessageBox) -> None:
        seen.append(box.text())
        when_modal(LoginDialog, log_in)
        qtbot.mouseClick(next(b for b in box.buttons() if b.text() == "Đăng nhập tài khoản khác"),
                         Qt.MouseButton.LeftButton)

    def log_in(dialog: LoginDialog) -> None:
        seen.append(dialog.user.text())
        dialog.grab().save(str(SCREENSHOTS / "login_another_account.png"))
        seen.append(f"closed={not db.known_key(xa)}")
        dialog.user.setText("maiv")
        dialog.password.setText(PW)
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    when_modal(QMessageBox, discard)
    qtbot.mouseClick(w.screen_lock.page.switch_button, Qt.MouseButton.LeftButton)
    new = w.replaced_by
    windows.append(new)
    assert seen[0].startswith("Các cửa sổ đang mở của tài khoản này sẽ được đóng")
    assert seen[1:] == ["", "closed=True"]  # the old connection closed before asking
    assert not w.isVisible() and not alive(editor)  # the editor closed, and freed
    with qtbot.waitSignal(new.filled, timeout=10000):
        pass
    assert new.account_label.text() == "Người dùng: Lò Thị Mai (cán bộ)"
    assert not new.screen_lock.is_locked and new.tree.isVisible()


def test_a_window_that_opens_while_locked_waits_for_the_unlock(xa, qtbot, windows):
    """A print preview a background task finished, say: hidden at once, shown after; one its
    own code closed meanwhile does not come back."""
    from PySide6.QtWidgets import QDialog, QVBoxLayout

    w = window_as(xa, TEST_USER, TEST_PASSWORD, windows)
    name = first_person(w)
    w.screen_lock.lock()

    def preview() -> QDialog:
        dialog = QDialog(w)
        QVBoxLayout(dialog).addWidget(QLabel(name))
        dialog.open()
        return dialog

    late, closed = preview(), preview()
    qtbot.waitUntil(lambda: not late.isVisible() and not closed.isVisible(), timeout=3000)
    assert not any(name in t for t in visible_texts())
    closed.close()
    w.screen_lock.page.password.setText(TEST_PASSWORD)
    qtbot.mouseClick(w.screen_lock.page.unlock_button, Qt.MouseButton.LeftButton)
    assert late.isVisible() and not closed.isVisible()
    late.reject()


def test_a_connection_without_an_account_never_locks(qapp, demo_factory, tmp_path, windows):
    """The program's own connection (tests, benchmarks) has no password to unlock with."""
    path = tmp_path / "own.db"
    copy_database(demo_factory(1, 10), path)
    w = build_window(path)
    windows.append(w)
    w.show()
    w.screen_lock.lock()
    assert not w.screen_lock.is_locked and w.tree.isVisible()


def test_a_half_made_account_comes_back_over_its_list(xa, qtbot, windows):
    from desktop.ui.accounts.accounts_dialog import NewAccountDialog

    w = window_as(xa, TEST_USER, TEST_PASSWORD, windows)
    click_menu(qtbot, w, next(a for a in w.menuBar().actions()[0].menu().actions()
                              if a.text() == "&Người dùng…"))
    listing = w.accounts_dialog
    qtbot.mouseClick(listing.add_button, Qt.MouseButton.LeftButton)
    new = listing.findChild(NewAccountDialog)
    new.full_name.setText("Quàng Thị Mới")
    w.screen_lock.lock()
    assert not listing.isVisible() and not new.isVisible()
    assert not any("Lò Thị Mai" in t for t in visible_texts())
    w.screen_lock.page.password.setText(TEST_PASSWORD)
    qtbot.mouseClick(w.screen_lock.page.unlock_button, Qt.MouseButton.LeftButton)
    assert listing.isVisible() and new.isVisible()
    assert new.full_name.text() == "Quàng Thị Mới"
    assert QApplication.activeModalWidget() is new  # on top, as it was
    new.reject()
    listing.reject()
