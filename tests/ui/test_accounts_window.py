"""Accounts in the window (issue 11): the login over the painted frame, Tệp → Người dùng… for
the chief (the same storage functions as ``antq user``), Đổi mật khẩu của tôi…, and a viewer who
cannot change anything through the window either."""

from __future__ import annotations

from pathlib import Path

import pytest
from dbkit import TEST_PASSWORD, TEST_USER, copy_database, logical_dump
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel
from uikit import SCREENSHOTS, click_menu, when_modal, window_as

from desktop.domain.errors import UserError
from desktop.storage import accounts, db, records
from desktop.ui.accounts.accounts_dialog import AccountsDialog, NewAccountDialog, PasswordDialog
from desktop.ui.accounts.login import LoginDialog
from desktop.ui.records.record_dialog import RecordDialog
from desktop.ui.shell.app import make_application, reopen, start_window

PW = "mật khẩu cán bộ"


@pytest.fixture
def xa(qapp, demo_factory, tmp_path) -> Path:
    path = tmp_path / "xa.db"
    copy_database(demo_factory(1, 10), path)
    return path


def add_account(path: Path, name: str, role: str, full_name: str | None = None) -> None:
    conn, _a, _n = accounts.login(path, TEST_USER, TEST_PASSWORD)
    try:
        accounts.add(conn, name, role, PW, full_name=full_name)
    finally:
        conn.close()


def file_action(window, text: str):
    return next(a for a in window.menuBar().actions()[0].menu().actions() if a.text() == text)


def table_rows(dialog: AccountsDialog) -> list[list[str]]:
    t = dialog.table
    return [[t.item(r, c).text() for c in range(t.columnCount())] for r in range(t.rowCount())]


def select_account(dialog: AccountsDialog, name: str) -> None:
    row = next(r for r in range(dialog.table.rowCount()) if dialog.table.item(r, 0).text() == name)
    dialog.table.selectRow(row)


def test_the_window_asks_for_the_account_after_its_frame_paints(xa, qtbot, monkeypatch,
                                                                windows):
    """The program's own start (start_window without a connection, as run_app does): before
    the fix the window opened the database itself and an encrypted one was refused."""
    monkeypatch.setattr(db, "_KEYS", {})  # nothing unlocked in this process yet
    make_application()
    seen: list[str] = []

    def wrong_then_right(dialog: LoginDialog) -> None:
        seen.append(f"painted={w._fill_after_paint.then is None}")
        dialog.user.setText(TEST_USER)
        dialog.password.setText("sai mật khẩu")
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        seen.append(dialog.message.text())
        assert dialog.isVisible()  # still asking
        dialog.password.setText(TEST_PASSWORD)
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    when_modal(LoginDialog, wrong_then_right)
    w = start_window(xa, backup=False)
    windows.append(w)
    assert w.conn is None and not w.is_filled
    with qtbot.waitSignal(w.filled, timeout=10000):
        pass
    assert seen == ["painted=True", "Sai tài khoản hoặc mật khẩu"]
    assert accounts.current(w.conn).name == TEST_USER
    assert w.account_label.text() == "Người dùng: admin (chỉ huy)"
    assert w.account_label.isVisible()


def test_the_login_says_it_is_opening_while_the_database_opens(xa, qtbot, monkeypatch):
    """The key derivation, and after an update of the program the one-time conversion of
    the database, take time: the dialog says so and cannot be clicked twice meanwhile."""
    monkeypatch.setattr(db, "_KEYS", {})
    make_application()
    real_login = accounts.login
    during: list[tuple[str, bool]] = []

    def watched(*args):
        during.append((dialog.message.text(), dialog.ok_button.isEnabled()))
        return real_login(*args)

    monkeypatch.setattr(accounts, "login", watched)
    dialog = LoginDialog(xa)
    qtbot.addWidget(dialog)
    dialog.user.setText(TEST_USER)
    dialog.password.setText(TEST_PASSWORD)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert len(during) == 1 and during[0][0].startswith("Đang mở dữ liệu")
    assert during[0][1] is False
    assert dialog.account is not None and dialog.account.name == TEST_USER
    dialog.conn.close()


def test_an_officer_may_take_their_time_to_type_the_password(xa, qtbot, monkeypatch,
                                                             windows):
    """The window's fallback fill (FILL_AT_LATEST_MS after the start) fires while the login
    dialog is up: it must neither close the window nor ask twice."""
    from PySide6.QtCore import QTimer

    from desktop.ui.shell import main_window

    monkeypatch.setattr(db, "_KEYS", {})
    make_application()
    asked: list[int] = []

    def slowly(dialog: LoginDialog) -> None:
        asked.append(1)

        def type_now() -> None:
            dialog.user.setText(TEST_USER)
            dialog.password.setText(TEST_PASSWORD)
            qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        QTimer.singleShot(3 * main_window.FILL_AT_LATEST_MS, type_now)

    when_modal(LoginDialog, slowly)
    w = start_window(xa, backup=False)
    windows.append(w)
    with qtbot.waitSignal(w.filled, timeout=10000):
        pass
    assert w.isVisible() and asked == [1]
    assert accounts.current(w.conn).name == TEST_USER


def test_a_restored_database_stays_logged_in_as_the_same_account(xa, qtbot, windows):
    add_account(xa, "maiv", "officer", "Lò Thị Mai")
    w = window_as(xa, "maiv", PW, windows)
    w.conn.close()  # as a restore does before reopening
    new = reopen(w, xa, backup=False)
    windows.append(new)
    assert accounts.current(new.conn).name == "maiv"  # not a connection without an account
    with qtbot.waitSignal(new.filled, timeout=10000):
        pass
    assert new.account_label.text() == "Người dùng: Lò Thị Mai (cán bộ)"


def test_the_chief_adds_an_officer_who_then_logs_in(xa, qtbot, monkeypatch, windows):
    w = window_as(xa, TEST_USER, TEST_PASSWORD, windows)
    action = file_action(w, "&Người dùng…")
    assert action.isEnabled()
    click_menu(qtbot, w, action)
    dialog = w.accounts_dialog
    assert isinstance(dialog, AccountsDialog) and dialog.isVisible()
    assert table_rows(dialog) == [["admin", "", "Chỉ huy", "", "Có"]]  # a chief opens identities

    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    new = dialog.findChild(NewAccountDialog)
    assert new.isVisible() and not new.ok_button.isEnabled()
    assert [new.role.itemText(i) for i in range(new.role.count())] == [
        "Chỉ huy", "Cán bộ", "Xem", "Tổng hợp tỉnh"]
    new.name.setText("maiv")
    new.full_name.setText("Lò Thị Mai")
    new.role.setCurrentIndex(new.role.findText("Cán bộ"))
    new.password.setText("ngắn")
    new.repeat.setText("ngắn")
    assert not new.ok_button.isEnabled() and new.hint.text() == "Mật khẩu cần ít nhất 8 ký tự"
    new.password.setText(PW)
    new.repeat.setText(PW + "x")
    assert not new.ok_button.isEnabled() and "không giống nhau" in new.hint.text()
    new.repeat.setText(PW)
    assert new.ok_button.isEnabled() and new.hint.text() == ""
    new.grab().save(str(_shot("accounts_add.png")))
    qtbot.mouseClick(new.ok_button, Qt.MouseButton.LeftButton)
    assert not new.isVisible()
    assert ["maiv", "Lò Thị Mai", "Cán bộ", "", ""] in table_rows(dialog)
    assert dialog.message.text() == "Đã tạo tài khoản «maiv» (cán bộ)"

    # The same name again: the storage layer's refusal, in the dialog, which stays open.
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    again = [d for d in dialog.findChildren(NewAccountDialog) if d.isVisible()][0]
    again.name.setText("maiv")
    again.password.setText(PW)
    again.repeat.setText(PW)
    qtbot.mouseClick(again.ok_button, Qt.MouseButton.LeftButton)
    assert again.isVisible() and again.message.text() == "Tài khoản «maiv» đã có"
    qtbot.mouseClick(again.buttons.button(again.buttons.StandardButton.Cancel),
                     Qt.MouseButton.LeftButton)
    dialog.grab().save(str(_shot("accounts_dialog.png")))

    monkeypatch.setattr(db, "_KEYS", {})
    conn, account, _notes = accounts.login(xa, "maiv", PW)
    conn.close()
    assert (account.role, account.full_name) == ("officer", "Lò Thị Mai")


def test_disabling_asks_first_and_never_the_last_chief(xa, qtbot, windows):
    add_account(xa, "maiv", "officer")
    w = window_as(xa, TEST_USER, TEST_PASSWORD, windows)
    click_menu(qtbot, w, file_action(w, "&Người dùng…"))
    dialog = w.accounts_dialog

    def confirm(answer: str) -> None:
        box = dialog.confirmation
        assert box.isVisible()
        button = next(b for b in box.buttons() if b.text() == answer)
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    select_account(dialog, "maiv")
    qtbot.mouseClick(dialog.disable_button, Qt.MouseButton.LeftButton)
    assert "«maiv» (cán bộ)" in dialog.confirmation.text()
    confirm("Không")
    assert accounts.get(w.conn, "maiv").disabled is False
    qtbot.mouseClick(dialog.disable_button, Qt.MouseButton.LeftButton)
    confirm("Khóa tài khoản")
    assert ["maiv", "", "Cán bộ", "Đã khóa", ""] in table_rows(dialog)
    assert not dialog.disable_button.isEnabled()  # already disabled
    with pytest.raises(UserError):
        accounts.login(xa, "maiv", PW)

    select_account(dialog, "admin")
    qtbot.mouseClick(dialog.disable_button, Qt.MouseButton.LeftButton)
    confirm("Khóa tài khoản")
    assert dialog.message.text() == "Không thể khóa tài khoản chỉ huy cuối cùng"
    dialog.grab().save(str(_shot("accounts_last_chief.png")))
    assert accounts.get(w.conn, "admin").disabled is False


def test_the_chief_changes_an_officers_password(xa, qtbot, monkeypatch, windows):
    add_account(xa, "maiv", "officer")
    w = window_as(xa, TEST_USER, TEST_PASSWORD, windows)
    click_menu(qtbot, w, file_action(w, "&Người dùng…"))
    dialog = w.accounts_dialog
    select_account(dialog, "maiv")
    qtbot.mouseClick(dialog.password_button, Qt.MouseButton.LeftButton)
    change = dialog.findChild(PasswordDialog)
    assert change.windowTitle() == "Đổi mật khẩu của «maiv»" and change.current is None
    change.password.setText("mật khẩu mới của Mai")
    change.repeat.setText("mật khẩu mới của Mai")
    qtbot.mouseClick(change.ok_button, Qt.MouseButton.LeftButton)
    assert not change.isVisible() and dialog.message.text() == "Đã đổi mật khẩu của «maiv»"
    monkeypatch.setattr(db, "_KEYS", {})
    accounts.login(xa, "maiv", "mật khẩu mới của Mai")[0].close()


def test_anyone_changes_their_own_password_after_proving_it_is_them(xa, qtbot, monkeypatch,
                                                                    windows):
    add_account(xa, "xemv", "viewer")
    w = window_as(xa, "xemv", PW, windows)
    click_menu(qtbot, w, file_action(w, "Đổi mật khẩ&u của tôi…"))
    change = w.password_dialog
    assert change.isVisible() and change.windowTitle() == "Đổi mật khẩu của tôi"
    change.grab().save(str(_shot("accounts_my_password.png")))
    change.current.setText("không phải mật khẩu")
    change.password.setText("mật khẩu mới của tôi")
    change.repeat.setText("mật khẩu mới của tôi")
    qtbot.mouseClick(change.ok_button, Qt.MouseButton.LeftButton)
    assert change.isVisible() and change.message.text() == "Sai tài khoản hoặc mật khẩu"
    change.current.setText(PW)
    qtbot.mouseClick(change.ok_button, Qt.MouseButton.LeftButton)
    assert not change.isVisible()
    assert w.statusBar().currentMessage() == "Đã đổi mật khẩu của «xemv»"
    monkeypatch.setattr(db, "_KEYS", {})
    accounts.login(xa, "xemv", "mật khẩu mới của tôi")[0].close()


def test_a_viewer_sees_users_disabled_and_cannot_save_a_record(xa, qtbot, windows):
    add_account(xa, "xemv", "viewer", "Quàng Văn Xem")
    w = window_as(xa, "xemv", PW, windows)
    assert w.account_label.text() == "Người dùng: Quàng Văn Xem (xem)"
    action = file_action(w, "&Người dùng…")
    assert not action.isEnabled()
    assert action.toolTip() == "Tài khoản «xemv» (xem) không được quản lý tài khoản"
    click_menu(qtbot, w, action)
    assert getattr(w, "accounts_dialog", None) is None  # nothing opened

    w.tree.setCurrentIndex(w.nav_model.index(0, 0))
    page = w.people
    page.table.selectRow(0)
    before = logical_dump(w.conn)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow, timeout=3000)
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_F2)  # Sửa bản ghi đang chọn…
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, RecordDialog) and dialog.isVisible()
    dialog.editors["phone"].widget.setText("0912345678")
    save = dialog.buttons.button(dialog.buttons.StandardButton.Save)
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert dialog.banner.isVisible()
    assert dialog.banner.text() == "Tài khoản «xemv» (xem) không được sửa dữ liệu"
    assert logical_dump(w.conn) == before
    labels = [lab.text() for lab in w.statusBar().findChildren(QLabel) if lab.isVisible()]
    assert "Người dùng: Quàng Văn Xem (xem)" in labels
    dialog.reject()


def test_the_record_is_unchanged_for_the_viewer_in_storage_too(xa):
    """The window refuses because storage refuses: the same line without any window."""
    add_account(xa, "xemv", "viewer")
    conn, _a, _n = accounts.login(xa, "xemv", PW)
    try:
        from desktop.domain.kinds import KINDS
        from desktop.storage.writer import Store

        pid = records.page(conn, KINDS["person"], records.Query())[0]["id"]
        with pytest.raises(accounts.PermissionDenied, match="không được sửa dữ liệu"):
            Store(conn).edit("person", pid, {"phone": "0912345678"})
        with pytest.raises(accounts.PermissionDenied, match="quản lý tài khoản"):
            accounts.set_idle_minutes(conn, 1)
    finally:
        conn.close()


def _shot(name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / name


def press(dialog, which) -> None:
    """Click a standard button of a message box, an input dialog or a dialog's button box."""
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

    button = (dialog.button(which) if isinstance(dialog, QMessageBox)
              else dialog.findChild(QDialogButtonBox).button(which))
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)


def test_only_the_chief_restores_and_types_the_password_again(xa, qtbot, windows):
    """Tệp → Khôi phục từ bản sao lưu… by clicking: an officer is told at once; the chief
    chooses, confirms, and a wrong password (counted in the key file) restores nothing."""
    from PySide6.QtWidgets import QDialogButtonBox, QInputDialog, QMessageBox

    from desktop.storage import backup, keyfile
    from desktop.ui.accounts.backup_dialog import RestoreDialog

    add_account(xa, "mai", "officer")
    officer = window_as(xa, "mai", PW, windows)
    told: list[str] = []
    when_modal(QMessageBox, lambda box: (told.append(box.text()),
                                         press(box, QMessageBox.StandardButton.Ok)))
    click_menu(qtbot, officer, file_action(officer, "&Khôi phục từ bản sao lưu…"))
    qtbot.waitUntil(lambda: bool(told), timeout=5000)
    assert told == ["Tài khoản «mai» (cán bộ) không được khôi phục từ bản sao lưu"]
    assert officer.findChild(RestoreDialog) is None

    chief = window_as(xa, TEST_USER, TEST_PASSWORD, windows)
    backup.backup_now(chief.conn, xa, "manual")
    steps: list[str] = []

    def warned(box: QMessageBox) -> None:
        steps.append(box.text())
        press(box, QMessageBox.StandardButton.Ok)

    def password(dialog: QInputDialog) -> None:
        steps.append(dialog.labelText())
        when_modal(QMessageBox, warned)
        dialog.setTextValue("sai mật khẩu")
        press(dialog, QDialogButtonBox.StandardButton.Ok)

    def confirm(box: QMessageBox) -> None:
        steps.append("confirm")
        when_modal(QInputDialog, password)
        press(box, QMessageBox.StandardButton.Yes)

    click_menu(qtbot, chief, file_action(chief, "&Khôi phục từ bản sao lưu…"))
    dialog = chief.findChild(RestoreDialog)
    assert dialog is not None and dialog.list.count() == 1
    when_modal(QMessageBox, confirm)
    press(dialog, QDialogButtonBox.StandardButton.Ok)
    qtbot.waitUntil(lambda: len(steps) == 3, timeout=5000)
    assert steps == ["confirm", "Mật khẩu của «admin»:", "Sai tài khoản hoặc mật khẩu"]
    assert keyfile.failure_count(xa) == 1
    assert [b.reason for b in backup.list_backups(xa)] == ["manual"]  # nothing restored

