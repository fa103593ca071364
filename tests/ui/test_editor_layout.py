"""Editors sized to their content (issue 14, finding 6): no sideways scrolling, the minutes'
long texts tall and in view, a size the officer gives remembered, and Esc or closing asks
«Bỏ các thay đổi?» only when something was changed."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QMessageBox
from uikit import (
    SCREENSHOTS,
    click_page,
    close_window,
    find_item,
    open_window,
    type_text,
    when_modal,
)

from desktop.domain.kinds import KINDS
from desktop.storage import records
from desktop.ui.common.fields import LONG_TEXT_LINES


@pytest.fixture
def window(qapp, demo_factory, tmp_path):
    w = open_window(demo_factory(1, 20), tmp_path)
    yield w
    close_window(w)


def shown(qtbot, dialog):
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=2000)
    return dialog


def screenshot(dialog, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    dialog.grab().save(str(SCREENSHOTS / name))


def fully_in_view(dialog, widget) -> bool:
    """The widget lies wholly inside the part of the editor that shows without scrolling."""
    viewport = dialog.scroll.viewport()
    top_left = widget.mapTo(viewport, QPoint(0, 0))
    return viewport.rect().contains(top_left) and viewport.rect().contains(
        top_left + QPoint(widget.width() - 1, widget.height() - 1))


def answer(button_text: str):
    def click(box: QMessageBox) -> None:
        assert box.windowTitle() == "Bỏ các thay đổi?"
        next(b for b in box.buttons() if b.text() == button_text).click()
    return click


def test_esc_closes_an_untouched_editor_and_asks_once_something_changed(window, qtbot):
    click_page(qtbot, window, "people")
    dialog = shown(qtbot, window.people.add())
    qtbot.keyClick(dialog.editors["full_name"].widget, Qt.Key.Key_Escape)
    assert not dialog.isVisible()  # nothing typed: no question

    dialog = shown(qtbot, window.people.add())
    name = dialog.editors["full_name"].widget
    name.setFocus()
    type_text(name, "Lò Văn Pấng")
    asked: list[str] = []
    when_modal(QMessageBox, lambda box: (asked.append(box.text()),
                                         answer("Tiếp tục sửa")(box)))
    qtbot.keyClick(name, Qt.Key.Key_Escape)
    assert asked and dialog.isVisible() and name.text() == "Lò Văn Pấng"

    when_modal(QMessageBox, answer("Bỏ thay đổi"))
    qtbot.keyClick(name, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    assert not records.page(window.conn, KINDS["person"], records.Query(search="lo van pang"))


def test_the_cancel_button_and_the_close_button_ask_too(window, qtbot):
    org = find_item(window, "organization")
    window.tree.setCurrentIndex(org)
    click_page(qtbot, window, "organizations")
    page = window.organizations
    dialog = shown(qtbot, page.add())
    type_text(dialog.editors["name"].widget, "Tổ tự quản")
    when_modal(QMessageBox, answer("Tiếp tục sửa"))
    dialog.close()  # what the title bar's close button does
    assert dialog.isVisible()
    when_modal(QMessageBox, answer("Bỏ thay đổi"))
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Cancel),
                     Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()


def test_a_new_minutes_opens_untouched_although_it_filled_its_number(window, qtbot):
    """The ký hiệu and attendance the editor fills itself are not the officer's changes."""
    window.tree.setCurrentIndex(find_item(window, "organization"))
    click_page(qtbot, window, "meetings")
    dialog = shown(qtbot, window.meetings.add())
    assert dialog.editors["issuer"].text()
    qtbot.keyClick(dialog.editors["title"].widget, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_minutes_show_their_content_and_conclusions_tall_without_scrolling(window, qtbot):
    window.tree.setCurrentIndex(find_item(window, "organization"))
    click_page(qtbot, window, "meetings")
    dialog = shown(qtbot, window.meetings.add())
    type_text(dialog.editors["title"].widget, "Sinh hoạt định kỳ tháng 12")
    screenshot(dialog, "minutes_editor.png")
    assert dialog.scroll.verticalScrollBar().maximum() == 0
    for name in ("agenda", "content", "conclusions"):
        edit = dialog.editors[name].widget
        assert fully_in_view(dialog, edit), name
        assert edit.height() >= edit.fontMetrics().lineSpacing() * LONG_TEXT_LINES, name
    assert dialog.attendance.isVisible() and dialog.attendance.height() >= 150
    # Made taller, the long texts take the room.
    before = dialog.editors["content"].widget.height()
    dialog.resize(dialog.width(), dialog.height() + 150)
    qtbot.waitUntil(lambda: dialog.editors["content"].widget.height() > before, timeout=2000)


def test_the_organization_editor_shows_every_field_without_a_sideways_scroll(window, qtbot):
    org = find_item(window, "organization")
    window.tree.setCurrentIndex(org)
    click_page(qtbot, window, "organizations")
    page = window.organizations
    page.table.selectRow(0)
    dialog = shown(qtbot, page.edit_current())
    screenshot(dialog, "organization_editor.png")
    bar = dialog.scroll.horizontalScrollBar()
    assert not bar.isVisible() and bar.maximum() == 0
    for name, editor in dialog.editors.items():
        assert fully_in_view(dialog, editor.widget), name
    assert dialog.members.isVisible() and dialog.members.count() >= 1


def test_the_person_editor_fits_and_its_size_is_remembered(window, qtbot):
    click_page(qtbot, window, "people")
    dialog = shown(qtbot, window.people.add())
    screenshot(dialog, "person_editor.png")
    assert dialog.scroll.verticalScrollBar().maximum() == 0
    assert all(fully_in_view(dialog, e.widget) for e in dialog.editors.values())
    opened = dialog.size()
    dialog.resize(opened.width() + 60, opened.height() + 40)
    wanted = dialog.size()
    assert wanted != opened
    qtbot.keyClick(dialog.editors["full_name"].widget, Qt.Key.Key_Escape)
    assert not dialog.isVisible()

    again = shown(qtbot, window.people.add())
    assert again.size() == wanted
    qtbot.keyClick(again.editors["full_name"].widget, Qt.Key.Key_Escape)
