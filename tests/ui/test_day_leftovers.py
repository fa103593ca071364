"""Issue 14, the officer's day, what was left: the tree's head count follows a member added in
the member dialog; printing a roster of nobody says why first (as the command line does); the
page the window reopens on is the one it was closed on, though pages were added since."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox
from uikit import (
    click_button_menu,
    click_page,
    close_window,
    find_item,
    open_window,
    type_text,
    when_modal,
)

from desktop.domain import text
from desktop.storage import rosters
from desktop.ui.common.print_preview import last_preview, last_profile_dialog
from desktop.ui.records.record_dialog import RecordDialog
from desktop.ui.shell.app import build_window
from desktop.ui.shell.navigation import ID_ROLE


@pytest.fixture
def window(qapp, demo_factory, tmp_path):
    w = open_window(demo_factory(1, 20), tmp_path)
    yield w
    close_window(w)


def click_tree(qtbot, window, index) -> None:
    window.tree.scrollTo(index)
    qtbot.mouseClick(window.tree.viewport(), Qt.MouseButton.LeftButton,
                     pos=window.tree.visualRect(index).center())


def open_dialog(qtbot, page) -> RecordDialog:
    def shown() -> RecordDialog | None:
        return next((d for d in page.findChildren(RecordDialog) if d.isVisible()), None)

    qtbot.waitUntil(lambda: shown() is not None, timeout=3000)
    return shown()


def test_the_tree_counts_a_member_added_in_the_member_dialog(window, qtbot):
    org = find_item(window, "organization")
    org_id = org.data(ID_ROLE)
    click_tree(qtbot, window, org)
    page = click_page(qtbot, window, "people")
    before = int(str(org.data()).rsplit("(", 1)[1].rstrip(")"))
    members = {r["id"] for r in rosters.people_page(window.conn, page.scope(), limit=-1)}
    outsider = next(p for p in rosters.people_page(window.conn, rosters.Scope(), limit=200)
                    if p["id"] not in members)

    click_button_menu(qtbot, page.members_button, "Thêm thành viên…")
    dialog = open_dialog(qtbot, page)
    person = dialog.editors["person_id"].widget
    dialog.activateWindow()  # the dialog takes the keys, as on a desktop
    qtbot.waitUntil(dialog.isActiveWindow, timeout=3000)
    qtbot.mouseClick(person, Qt.MouseButton.LeftButton)
    type_text(person, text.fold(str(outsider["full_name"])))  # typed without accents
    popup = person.completer().popup()
    qtbot.waitUntil(popup.isVisible, timeout=3000)
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert person.text().startswith(str(outsider["full_name"]))
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Save),
                     Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=3000)

    item = next(window.nav_model.index(r, 0, org.parent())
                for r in range(window.nav_model.rowCount(org.parent()))
                if window.nav_model.index(r, 0, org.parent()).data(ID_ROLE) == org_id)
    assert item.data().endswith(f"({before + 1})")
    assert page.title.text() == item.data()  # the heading over the list says it too
    qtbot.waitUntil(lambda: page.count.text() == f"{before + 1} người", timeout=3000)


def test_printing_a_roster_of_nobody_says_why_first(window, qtbot):
    org = find_item(window, "organization")
    click_tree(qtbot, window, org)
    page = click_page(qtbot, window, "people")
    page.search.setFocus()
    type_text(page.search, "zzzz")
    qtbot.waitUntil(lambda: page.count.text() == "0 người", timeout=5000)

    said: list[str] = []

    def answer(box: QMessageBox) -> None:
        said.append(box.text())
        [no] = [b for b in box.buttons() if b.text() == "Không in"]
        no.click()

    click_button_menu(qtbot, page.print_button, "Danh sách…")
    qtbot.waitUntil(lambda: last_profile_dialog(page) is not None)
    when_modal(QMessageBox, answer)
    qtbot.mouseClick(last_profile_dialog(page).ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(said), timeout=3000)
    assert "Danh sách có 0 người: không ai khớp với «zzzz»" in said[0]
    QApplication.processEvents()
    assert last_preview(page) is None  # nothing printed
    assert not window.tasks.busy


def test_the_window_reopens_on_its_page_by_name(window, qtbot, tmp_path):
    click_page(qtbot, window, "meetings")  # Tổ chức và con người → Biên bản họp
    window.close()
    assert QSettings().value("main/page") == "meetings"
    again = build_window(window.db_path)
    try:
        assert again.tabs.tabText(again.tabs.currentIndex()) == "Biên bản họp"
    finally:
        close_window(again)
