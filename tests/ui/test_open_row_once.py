"""A row double-clicked opens its record (a village: its renaming) once. A double-click is
also an activation, and a list that listened to both opened two editors, one over the other
(found in session 13 driving the window under X11)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from uikit import click_page, close_window, open_window

from desktop.ui.places.areas_page import VillageDialog
from desktop.ui.records.record_dialog import RecordDialog

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def window(qapp, demo_factory, tmp_path):
    w = open_window(demo_factory(1, 5), tmp_path)
    yield w
    close_window(w)


def shown_editors(parent) -> list[RecordDialog | VillageDialog]:
    return [d for kind in (RecordDialog, VillageDialog) for d in parent.findChildren(kind)
            if d.isVisible()]


@pytest.mark.parametrize("page_name", ["people", "meetings", "areas"])
def test_a_row_double_clicked_opens_one_editor(window, qtbot, page_name):
    page = click_page(qtbot, window, page_name)
    table = page.table
    qtbot.waitUntil(lambda: table.model().rowCount() > 0, timeout=5000)
    where = table.visualRect(table.model().index(0, 0)).center()
    qtbot.mouseClick(table.viewport(), LEFT, pos=where)
    qtbot.mouseDClick(table.viewport(), LEFT, pos=where)
    qtbot.waitUntil(lambda: bool(shown_editors(page)), timeout=3000)
    qtbot.wait(50)  # a second editor would be open by now
    [editor] = shown_editors(page)
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not shown_editors(page), timeout=3000)


def test_enter_on_a_row_opens_its_editor(window, qtbot):
    page = click_page(qtbot, window, "people")
    table = page.table
    qtbot.waitUntil(lambda: table.model().rowCount() > 0, timeout=5000)
    qtbot.mouseClick(table.viewport(), LEFT,
                     pos=table.visualRect(table.model().index(0, 0)).center())
    qtbot.keyClick(table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(shown_editors(page)), timeout=3000)
    [editor] = shown_editors(page)
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
