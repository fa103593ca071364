"""The *Nguồn tin* page through clicks: a tip added with the editor, one overdue drawn in red,
a transfer before receipt refused next to its field; the chief's *Danh tính…* asks the password
again and then adds and shows the identity; an officer has no such button until the chief
names them in *Người dùng…*."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from dbkit import TEST_PASSWORD, TEST_USER, copy_database
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QStyleOptionViewItem
from uikit import SCREENSHOTS, click_page, type_text, window_as

from desktop.domain import dates
from desktop.storage import accounts, audit, db, rosters, site, vault
from desktop.storage.writer import Store
from desktop.ui.accounts.accounts_dialog import show_accounts
from desktop.ui.movement.tips_page import OVERDUE_FILL, IdentityDialog, PasswordCheck, TipDialog

PW = "mật khẩu cán bộ"
OFFICER = "canbo"


@pytest.fixture
def xa(qapp, master_db, tmp_path) -> Path:
    path = copy_database(master_db, tmp_path / "xa.db")
    conn, _a, _n = accounts.login(path, TEST_USER, TEST_PASSWORD)
    site.init_site(conn, name="Công an xã Mường Nhé", commune_code="03160")
    accounts.add(conn, OFFICER, "officer", PW)
    conn.close()
    return path


def show(qtbot, window, name: str):
    page = click_page(qtbot, window, name)
    qtbot.waitUntil(page.isVisible, timeout=2000)  # a page added to its tab shows queued
    return page


def click(qtbot, button) -> None:
    assert button.isVisible() and button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def shown_codes(page) -> list[str]:
    return [page.model.index(r, 0).data() for r in range(page.model.rowCount())]


def overdue_said(qtbot, page, text: str) -> None:
    """The overdue tips are read off the UI thread: the warning once they come."""
    qtbot.waitUntil(lambda: text in page.overdue_label.text()
                    and page.overdue_label.isVisible() == bool(text), timeout=5000)


def row_fill(page, row: int):
    option = QStyleOptionViewItem()
    page.delegate.initStyleOption(option, page.model.index(row, 0))
    return option.backgroundBrush.color()


def test_add_a_tip_see_the_overdue_one_and_refuse_an_early_transfer(xa, qtbot, windows):
    w = window_as(xa, OFFICER, PW, windows)
    page = show(qtbot, w, "tips")
    assert not page.identity_button.isVisible()  # an officer records, does not open
    click(qtbot, page.add_button)
    dialog = next(d for d in page.findChildren(TipDialog) if d.isVisible())
    assert dialog.editors["source_code"].widget.isReadOnly()
    summary = dialog.editors["summary"].widget
    summary.setFocus()
    type_text(summary, "Có người lạ mang hàng cấm qua bản")
    click(qtbot, dialog.buttons.button(QDialogButtonBox.StandardButton.Save))
    assert not dialog.isVisible(), [e.message.text() for e in dialog.editors.values()]
    year = dt.date.today().year
    assert shown_codes(page) == [f"NT-{year}-0001"]
    assert not page.overdue_label.isVisible(), page.overdue_label.text()

    # One received three days ago and not transferred: red, and said above the list.
    commune = rosters.unit_of_site(w.conn, w.ctx.site.unit_code)
    three_days = dt.datetime.now() - dt.timedelta(days=3)
    Store(w.conn).add("tip", {"received_at": dates.iso_datetime(three_days),
                              "channel": "dien_thoai", "unit_id": commune,
                              "summary": "Tin cũ chưa chuyển"})
    w.changed()
    page.reload()
    late = 1  # newest first: the one added in the dialog, then the old one
    assert shown_codes(page)[0] == f"NT-{year}-0001"
    overdue_said(qtbot, page, "1 nguồn tin quá hạn")
    assert row_fill(page, late) == OVERDUE_FILL
    assert row_fill(page, 1 - late) != OVERDUE_FILL
    assert page.overdue_label.isVisible() and "1 nguồn tin quá hạn" in page.overdue_label.text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    w.grab().save(str(SCREENSHOTS / "tips_page.png"))
    home = show(qtbot, w, "home")
    # read off the UI thread: greyed until the figures come
    qtbot.waitUntil(lambda: home.summary.isEnabled() and home.summary.rowCount() > 0,
                    timeout=10000)
    assert home.overdue.isVisible() and "quá hạn" in home.overdue.text()

    # Transferred before it was received: the message stands next to the field.
    show(qtbot, w, "tips")
    page.table.selectRow(late)
    click(qtbot, page.edit_button)
    dialog = next(d for d in page.findChildren(TipDialog) if d.isVisible())
    sent = dialog.editors["transferred_at"]
    before = three_days - dt.timedelta(hours=1)
    sent.widget.setFocus()
    type_text(sent.widget, dates.format_datetime(before))
    click(qtbot, dialog.buttons.button(QDialogButtonBox.StandardButton.Save))
    assert dialog.isVisible() and "sớm hơn thời điểm tiếp nhận" in sent.message.text()
    sent.widget.clear()
    type_text(sent.widget, dates.format_datetime(three_days + dt.timedelta(hours=2)))
    click(qtbot, dialog.buttons.button(QDialogButtonBox.StandardButton.Save))
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: not page.overdue_label.isVisible(), timeout=5000)
    assert all(row_fill(page, r) != OVERDUE_FILL for r in range(page.model.rowCount()))


def test_the_chief_opens_the_identity_after_typing_the_password(xa, qtbot, windows):
    w = window_as(xa, TEST_USER, TEST_PASSWORD, windows)
    commune = rosters.unit_of_site(w.conn, w.ctx.site.unit_code)
    Store(w.conn).add("tip", {"received_at": "08:00 20/11/2026", "channel": "truc_tiep",
                              "unit_id": commune, "summary": "Tin về đường dây ma túy"})
    page = show(qtbot, w, "tips")
    page.reload()
    page.table.selectRow(0)
    code = shown_codes(page)[0]
    click(qtbot, page.identity_button)
    check = page.password_check
    assert isinstance(check, PasswordCheck) and check.isVisible()
    type_text(check.password, "sai mật khẩu")
    click(qtbot, check.ok_button)
    assert check.isVisible() and check.message.text()
    assert getattr(page, "identity_dialog", None) is None
    type_text(check.password, TEST_PASSWORD)
    click(qtbot, check.ok_button)
    assert not check.isVisible()
    dialog = page.identity_dialog
    assert isinstance(dialog, IdentityDialog) and not dialog.existing
    for name, value in (("full_name", "Lò Thị Kín"), ("citizen_id", "011190004321"),
                        ("phone", "0912468024")):
        dialog.edits[name].setFocus()
        type_text(dialog.edits[name], value)
    click(qtbot, dialog.save_button)
    assert not dialog.isVisible()
    assert "Đã lưu danh tính" in w.statusBar().currentMessage()

    # Again: the password, then the identity as saved.
    click(qtbot, page.identity_button)
    type_text(page.password_check.password, TEST_PASSWORD)
    click(qtbot, page.password_check.ok_button)
    shown = page.identity_dialog
    assert shown.existing and shown.edits["full_name"].text() == "Lò Thị Kín"
    assert shown.edits["citizen_id"].text() == "011190004321"
    shown.close()
    actions = [(e.action, e.pk) for e in audit.entries(w.conn) if e.action.startswith("vault")]
    assert actions == [("vault-open", code), ("vault-add", code)]


def test_the_chief_names_a_handler_in_the_accounts_dialog(xa, qtbot, windows):
    w = window_as(xa, TEST_USER, TEST_PASSWORD, windows)
    dialog = show_accounts(w)
    row = next(r for r in range(dialog.table.rowCount())
               if dialog.table.item(r, 0).text() == OFFICER)
    dialog.table.selectRow(row)
    assert not dialog.revoke_button.isEnabled()
    click(qtbot, dialog.grant_button)
    assert dialog.table.item(row, 4).text() == "Có"
    assert "được mở danh tính" in dialog.message.text()
    dialog.close()
    w.close_data()
    db.forget_key(xa)
    officer = window_as(xa, OFFICER, PW, windows)
    assert vault.may_open(officer.conn)
    page = show(qtbot, officer, "tips")
    assert page.identity_button.isVisible()


def test_the_locked_window_holds_no_vault_key_and_the_password_brings_it_back(xa, qtbot,
                                                                             windows):
    w = window_as(xa, TEST_USER, TEST_PASSWORD, windows)
    assert db.account_key(xa, TEST_USER) is not None
    w.screen_lock.lock()
    assert w.screen_lock.is_locked and db.account_key(xa, TEST_USER) is None
    type_text(w.screen_lock.page.password, TEST_PASSWORD)
    click(qtbot, w.screen_lock.page.unlock_button)
    assert not w.screen_lock.is_locked and db.account_key(xa, TEST_USER) is not None


def test_a_reset_password_tells_the_chief_the_grant_is_gone(xa, qtbot, windows):
    from desktop.ui.accounts.accounts_dialog import PasswordDialog

    w = window_as(xa, TEST_USER, TEST_PASSWORD, windows)
    vault.grant(w.conn, OFFICER)
    dialog = show_accounts(w)
    row = next(r for r in range(dialog.table.rowCount())
               if dialog.table.item(r, 0).text() == OFFICER)
    dialog.table.selectRow(row)
    assert dialog.revoke_button.isEnabled() and not dialog.grant_button.isEnabled()
    click(qtbot, dialog.password_button)
    sheet = next(d for d in dialog.findChildren(PasswordDialog) if d.isVisible())
    type_text(sheet.password, "mật khẩu mới đặt lại")
    type_text(sheet.repeat, "mật khẩu mới đặt lại")
    click(qtbot, sheet.ok_button)
    assert "antq vault grant canbo" in dialog.message.text()
    assert dialog.table.item(row, 4).text() == ""
    assert dialog.grant_button.isEnabled()


def test_a_search_typed_reads_the_overdue_tips_again_only_once_something_is_written(
        xa, qtbot, windows, monkeypatch):
    # The overdue tips are the place's whatever is typed: a search typed letter by letter,
    # with pauses, does not read them at each key (3,000 tips at 300,000 people, 150 of them
    # overdue: 4-8 ms a key); the list still draws them red and says how many, and a tip
    # written since is counted.
    from desktop.storage import tips
    from desktop.ui.movement import tips_page

    w = window_as(xa, OFFICER, PW, windows)
    commune = rosters.unit_of_site(w.conn, w.ctx.site.unit_code)
    three_days = dt.datetime.now() - dt.timedelta(days=3)
    store = Store(w.conn)
    for summary in ("Phản ánh trộm cắp gia súc", "Tin báo trộm cắp tài sản", "Tin báo đánh bạc"):
        store.add("tip", {"received_at": dates.iso_datetime(three_days),
                          "channel": "dien_thoai", "unit_id": commune, "summary": summary})
    w.changed()
    page = show(qtbot, w, "tips")
    overdue_said(qtbot, page, "3 nguồn tin quá hạn")
    calls: list[str | None] = []
    real = tips.overdue

    def overdue(conn, **kw):
        calls.append(kw.get("unit_scope"))
        return real(conn, **kw)

    monkeypatch.setattr(tips_page.tips, "overdue", overdue)
    page.search.setFocus()
    for text, searched in (("tr", "tr"), ("ộm", "trộm"), (" c", "trộm c"), ("ắp", "trộm cắp")):
        type_text(page.search, text)  # key events with their Vietnamese text
        qtbot.waitUntil(lambda s=searched: page.model.query.search == s
                        and not page.typing.timer.isActive(), timeout=5000)
        qtbot.wait(200)  # the officer pauses: the next key searches at once
    assert len(calls) <= 1  # (once should the minute change meanwhile)
    assert page.model.rowCount() == 2
    assert all(row_fill(page, r) == OVERDUE_FILL for r in range(2))
    shot = page.table.viewport().grab().toImage()  # as painted: red on pink
    assert shot.pixelColor(3, page.table.rowViewportPosition(1) + 3) == OVERDUE_FILL
    assert "3 nguồn tin quá hạn" in page.overdue_label.text()
    store.add("tip", {"received_at": dates.iso_datetime(three_days), "channel": "dien_thoai",
                      "unit_id": commune, "summary": "Phản ánh trộm cắp xe máy"})
    w.changed()
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=3000)
    overdue_said(qtbot, page, "4 nguồn tin quá hạn")
    assert all(row_fill(page, r) == OVERDUE_FILL for r in range(3))
    # One transferred: its row painted as any list's, the others still red on pink.
    first = page.model.record_id(0)
    store.edit("tip", first, {"transferred_at": dates.iso_datetime(dt.datetime.now()),
                              "transferred_to": "Công an huyện"})
    w.changed()
    qtbot.waitUntil(lambda: "3 nguồn tin quá hạn" in page.overdue_label.text(), timeout=3000)
    page.table.clearSelection()
    page.table.setCurrentIndex(page.model.index(-1, -1))
    shot = page.table.viewport().grab().toImage()
    row = page.model.row_of(first)
    assert shot.pixelColor(3, page.table.rowViewportPosition(row) + 3) != OVERDUE_FILL
    other = 1 if row != 1 else 2
    assert shot.pixelColor(3, page.table.rowViewportPosition(other) + 3) == OVERDUE_FILL


def test_the_overdue_tips_are_read_off_the_ui_thread_and_come_red(xa, qtbot, windows,
                                                                   monkeypatch):
    # Issue 12: with 30,000 tips at 300,000 people (1,500 overdue) reading them held the
    # page's first opening 20-30 ms, the first rows and their paint waiting for them. The
    # rows come first; the warning and the red rows when read, never on the UI thread.
    import threading

    from desktop.storage import tips

    ui_thread = threading.get_ident()
    threads: list[int] = []
    real = tips.overdue

    def overdue(conn, **kw):
        threads.append(threading.get_ident())
        return real(conn, **kw)

    monkeypatch.setattr(tips, "overdue", overdue)
    w = window_as(xa, OFFICER, PW, windows)
    commune = rosters.unit_of_site(w.conn, w.ctx.site.unit_code)
    three_days = dt.datetime.now() - dt.timedelta(days=3)
    store = Store(w.conn)
    store.add("tip", {"received_at": dates.iso_datetime(three_days), "channel": "dien_thoai",
                      "unit_id": commune, "summary": "Tin cũ chưa chuyển"})
    store.add("tip", {"received_at": dates.iso_datetime(dt.datetime.now()),
                      "channel": "dien_thoai", "unit_id": commune, "summary": "Tin mới"})
    w.changed()
    page = show(qtbot, w, "tips")
    assert page.model.rowCount() == 2  # the rows at once
    overdue_said(qtbot, page, "1 nguồn tin quá hạn")
    assert threads and ui_thread not in threads
    late = 1  # newest first
    qtbot.waitUntil(lambda: page.table.viewport().grab().toImage().pixelColor(
        3, page.table.rowViewportPosition(late) + 3) == OVERDUE_FILL, timeout=3000)
    assert row_fill(page, 0) != OVERDUE_FILL

    # One that cannot be read is said where the warning stands, not a list silently plain.
    from desktop.storage import dbapi

    def broken(conn, **kw):
        raise dbapi.DatabaseError("file is not a database")

    monkeypatch.setattr(tips, "overdue", broken)
    store.add("tip", {"received_at": dates.iso_datetime(three_days), "channel": "dien_thoai",
                      "unit_id": commune, "summary": "Tin cũ nữa"})
    w.changed()
    overdue_said(qtbot, page, "Không đọc được các nguồn tin quá hạn")
