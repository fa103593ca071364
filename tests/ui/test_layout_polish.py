"""Layout polish (issue 14, finding 8): the tree keeps its width whatever page is shown and
says long names on hover; the home page's figures right-aligned, no organization type or chart
label cut; the conflicts dialog's headers whole and its buttons off with nothing to resolve;
Khôi phục off until a deleted record is chosen; the title says the program's name once."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics, QGuiApplication
from uikit import click_menu, click_page, close_window, find_item, open_window

from desktop import APP_NAME
from desktop.ui.shell.navigation import ID_ROLE

WRAP = int(Qt.AlignmentFlag.AlignHCenter) | int(Qt.TextFlag.TextWordWrap)


@pytest.fixture
def window(qapp, demo_factory, tmp_path):
    w = open_window(demo_factory(1, 20), tmp_path)
    w.resize(1700, 850)  # wide: the home page's tables and chart side by side
    yield w
    close_window(w)


def show_by_menu(qtbot, window, label: str) -> None:
    """Xem → the page, clicked in the menu."""
    view = next(m.menu() for m in window.menuBar().actions() if m.text() == "&Xem")
    click_menu(qtbot, window, next(a for a in view.actions() if a.text() == label))


def test_the_tree_keeps_its_width_on_every_page_and_after_reopening(qtbot, window,
                                                                    demo_factory, tmp_path):
    window.resize(1280, 800)  # narrower than the widest page asks: it squeezed the tree
    window.splitter.setSizes([300, 980])
    qtbot.waitUntil(lambda: window.tree.width() == 300, timeout=2000)
    widths = {}
    for i in range(window.tabs.count()):
        show_by_menu(qtbot, window, window.tabs.tabText(i))
        assert window.tabs.currentIndex() == i
        qtbot.wait(10)
        widths[window.tabs.tabText(i)] = window.tree.width()
    assert set(widths.values()) == {300}, widths
    window.close()  # the width is remembered at closing

    (tmp_path / "again").mkdir()
    again = open_window(demo_factory(1, 20), tmp_path / "again")
    try:
        again.resize(1280, 800)
        qtbot.waitUntil(lambda: again.tree.width() == 300, timeout=2000)
    finally:
        close_window(again)


def test_long_names_in_the_tree_show_whole_on_hover(window):
    org = find_item(window, "organization")
    village = org.parent()
    assert village.data(Qt.ItemDataRole.ToolTipRole) == village.data(
        Qt.ItemDataRole.DisplayRole)
    name = window.nav_model.itemFromIndex(org).text().rsplit(" (", 1)[0]
    assert org.data(Qt.ItemDataRole.ToolTipRole).startswith(name + "\n")
    assert org.data(ID_ROLE)


def test_home_page_figures_right_aligned_and_nothing_cut(qtbot, window):
    click_page(qtbot, window, "home")
    home = window.home
    qtbot.waitUntil(lambda: home.by_type.rowCount() > 0, timeout=5000)
    window.tree.setCurrentIndex(window.nav_model.index(0, 0))
    qtbot.waitUntil(lambda: home.by_type.rowCount() >= 5, timeout=5000)
    for table, columns in ((home.summary, (1, 2)), (home.by_type, (1, 2))):
        for r in range(table.rowCount()):
            for c in columns:
                assert table.item(r, c).textAlignment() & Qt.AlignmentFlag.AlignRight, (r, c)
    metrics = QFontMetrics(home.by_type.font())
    for r in range(home.by_type.rowCount()):
        item = home.by_type.item(r, 0)
        rect = home.by_type.visualItemRect(item).adjusted(3, 0, -3, 0)
        needed = metrics.boundingRect(rect, int(Qt.TextFlag.TextWordWrap), item.text())
        assert needed.height() <= rect.height() and needed.width() <= rect.width(), \
            item.text()
        assert item.toolTip() == item.text()

    chart = home.chart
    chart.grab()  # paints it
    assert chart.label_rects
    small = QFontMetrics(chart.label_font())
    for label, where in chart.label_rects:
        assert not label.startswith(("TV ", "MH ")), label
        needed = small.boundingRect(where.toRect(), WRAP, label)
        assert needed.height() <= where.height() and where.bottom() <= chart.height(), label


def test_conflicts_dialog_headers_whole_and_buttons_off_with_none(qtbot, window):
    action = next(a for m in window.menuBar().actions() if m.menu()
                  for a in m.menu().actions() if a.text() == "&Xung đột dữ liệu…")
    click_menu(qtbot, window, action)
    dialog = window.sync.last_dialog
    qtbot.waitExposed(dialog)
    assert dialog.table.rowCount() == 0
    assert not any(b.isEnabled() for b in (dialog.mine, dialog.theirs, dialog.other))
    header = dialog.table.horizontalHeader()
    metrics = QFontMetrics(header.font())
    for col in range(dialog.table.columnCount()):
        text = dialog.table.horizontalHeaderItem(col).text()
        assert header.sectionSize(col) >= metrics.horizontalAdvance(text), text
    dialog.reject()


def test_restore_is_off_until_a_deleted_record_is_chosen(qtbot, window):
    click_page(qtbot, window, "people")
    page = window.people
    page.table.selectRow(0)
    page.delete_current(confirm=lambda _parent, _what: True)
    click_page(qtbot, window, "deleted")  # Quản trị → Đã xóa gần đây
    deleted = window.deleted
    qtbot.waitUntil(lambda: deleted.model.rowCount() == 1, timeout=3000)
    assert not deleted.restore_button.isEnabled()
    cell = deleted.table.visualRect(deleted.model.index(0, 1)).center()
    qtbot.mouseClick(deleted.table.viewport(), Qt.MouseButton.LeftButton, pos=cell)
    assert deleted.restore_button.isEnabled()
    qtbot.mouseClick(deleted.restore_button, Qt.MouseButton.LeftButton)
    assert deleted.model.rowCount() == 0 and not deleted.restore_button.isEnabled()


def test_the_title_names_the_program_once(window):
    assert window.windowTitle() == f"{APP_NAME} — {window.site.name}"
    # Qt on Linux appends a display name, when one is set, to every window title.
    assert QGuiApplication.applicationDisplayName() != APP_NAME
