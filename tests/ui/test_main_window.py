"""The main window over a demo database: tree, roster, lazy loading, search as you type."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from uikit import click_page, close_window, find_item, open_window, save, type_text

from desktop.domain import text
from desktop.domain.kinds import KINDS
from desktop.storage import records
from desktop.ui.people.roster_model import BATCH


@pytest.fixture
def window(qapp, demo_factory, tmp_path):
    """More than one page of people (2 communes), to see lazy loading."""
    w = open_window(demo_factory(2, 40), tmp_path)
    yield w
    close_window(w)


def test_tree_goes_from_province_to_organizations(window, qtbot):
    model = window.nav_model
    assert model.rowCount() == 1 and model.index(0, 0).data() == "Tỉnh Điện Biên"
    org = find_item(window, "organization")
    assert org is not None
    window.tree.setCurrentIndex(org)
    roster = window.people.model
    assert 3 <= roster.rowCount() == roster.total
    headers = [roster.headerData(c, Qt.Orientation.Horizontal) for c in
               range(roster.columnCount())]
    assert headers[:2] == ["Họ và tên", "Chức danh"]
    assert window.people.title.text() == org.data()
    save(window, "main_window_organization.png")


def test_roster_loads_rows_in_pages_as_the_user_scrolls(window, qtbot):
    window.tree.setCurrentIndex(window.nav_model.index(0, 0))  # the whole province
    roster = window.people.model
    assert roster.total > BATCH
    assert roster.rowCount() == BATCH  # only the first page, not everything
    window.people.table.scrollToBottom()
    qtbot.waitUntil(lambda: roster.rowCount() > BATCH, timeout=3000)
    assert roster.rowCount() <= roster.total
    # The count follows once typing pauses (it costs tens of ms at 100,000 people).
    qtbot.waitUntil(lambda: window.people.count.text().endswith("người"), timeout=3000)
    assert window.people.count.text().replace(".", "").split()[0] == str(roster.total)
    save(window, "main_window_province.png")


def test_search_as_you_type_ignores_diacritics(window, qtbot):
    window.tree.setCurrentIndex(window.nav_model.index(0, 0))
    window.people.search.setFocus()
    type_text(window.people.search, "nguyen van duc")
    qtbot.waitUntil(lambda: window.people.model.total < 50, timeout=3000)
    names = [window.people.model.index(r, 0).data() for r in range(window.people.model.rowCount())]
    assert "Nguyễn Văn Đức" in names
    save(window, "main_window_search.png")
    window.people.search.clear()
    type_text(window.people.search, "Đức")
    qtbot.waitUntil(lambda: "Nguyễn Văn Đức" in [
        window.people.model.index(r, 0).data() for r in range(window.people.model.rowCount())],
        timeout=3000)


def test_a_click_on_a_column_sorts_the_roster_in_sql(window, qtbot):
    from PySide6.QtTest import QTest

    window.tree.setCurrentIndex(window.nav_model.index(0, 0))  # the whole province
    page = window.people
    header = page.table.horizontalHeader()
    born = next(c for c in range(page.model.columnCount())
                if page.model.column_name(c) == "birth_date")
    assert header.sortIndicatorSection() == -1  # Vietnamese name order, no column marked

    def years():
        return [page.model.index(r, born).data()[-4:] for r in range(page.model.rowCount())
                if page.model.index(r, born).data()]

    x = header.sectionViewportPosition(born) + header.sectionSize(born) // 2
    QTest.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    oldest = years()
    assert oldest == sorted(oldest) and header.sortIndicatorSection() == born
    QTest.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    youngest = years()
    assert youngest == sorted(youngest, reverse=True) and youngest[0] > oldest[0]
    assert page.model.rowCount() == BATCH  # still one page, the next fetched on scrolling
    # Typing a search keeps the order; another place too.
    type_text(page.search, "van")
    qtbot.waitUntil(lambda: page.model.total < 400, timeout=3000)
    assert years() == sorted(years(), reverse=True)
    assert header.sortIndicatorSection() == born


def test_the_window_opens_where_the_officer_left_it(qapp, demo_factory, tmp_path):
    from desktop.ui.shell.app import build_window

    w = open_window(demo_factory(2, 40), tmp_path)
    org = find_item(w, "organization")
    w.tree.setCurrentIndex(org)
    name, path = org.data(), w.location()
    assert len(path) == 4  # province, commune, village, organization
    close_window(w)

    again = build_window(w.db_path)
    try:
        assert again.location() == path
        assert again.people.title.text() == name
    finally:
        close_window(again)
    # Another database does not open on this one's place.
    other = tmp_path / "other" / "window.db"
    other.parent.mkdir()
    other.write_bytes(w.db_path.read_bytes())
    elsewhere = build_window(other)
    try:
        assert elsewhere.location() != path
    finally:
        close_window(elsewhere)


def test_a_list_of_minutes_is_searched_and_counted_once_typing_pauses(window, qtbot):
    window.tree.setCurrentIndex(window.nav_model.index(0, 0))  # the whole province
    page = click_page(qtbot, window, "meetings")
    qtbot.waitUntil(lambda: page.count.text().endswith("biên bản họp"), timeout=3000)
    everything = page.model.total
    assert page.model.rowCount() == min(everything, 100)
    type_text(page.search, "sinh hoat")
    # The search ran; its count comes from another thread, "…" until then.
    qtbot.waitUntil(lambda: page.model.query.search == "sinh hoat"
                    and page.count.text() == "…", timeout=3000)
    qtbot.waitUntil(lambda: page.count.text().endswith("biên bản họp"), timeout=3000)
    found = int(page.count.text().replace(".", "").split()[0])
    assert 0 < found < everything and found == page.model.total
    kind = KINDS["meeting"]
    for row in range(page.model.rowCount()):
        rec = records.get(window.conn, kind, page.model.record_id(row))
        words = text.search_words(" ".join(str(rec[f] or "") for f in kind.search_fields))
        assert any(w.startswith("sinh") for w in words) and any(
            w.startswith("hoat") for w in words)


def test_down_from_the_search_box_walks_the_results_and_a_right_click_offers_actions(
        window, qtbot):
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    window.tree.setCurrentIndex(window.nav_model.index(0, 0))
    page = window.people
    page.search.setFocus()
    type_text(page.search, "nguyen")
    assert page._timer.isActive()  # the search waits for typing to pause…
    QTest.keyClick(page.search, Qt.Key.Key_Down)  # …and runs at once on Down
    assert window.focusWidget() is page.table  # the app's focus, were the window active
    assert page.table.currentIndex().row() == 0
    first = page.model.index(0, 0).data()
    assert any(w.startswith("nguyen") for w in text.search_words(first)), first

    from desktop.ui.common.widgets import row_menu_at

    def menu_at(row):
        QApplication.processEvents()  # the view lays out its new rows
        menu = row_menu_at(page.table, page.row_actions,
                           page.table.visualRect(page.model.index(row, 0)).center())
        menu.deleteLater()
        return [a.text() for a in menu.actions()]

    assert menu_at(1) == ["Sửa…\tF2", "Xóa…\tDel"]
    assert page.table.currentIndex().row() == 1  # the row clicked is the one acted on
    page.search.clear()
    org = find_item(window, "organization")
    window.tree.setCurrentIndex(org)
    assert menu_at(0) == ["Sửa…\tF2", "Cho thôi tham gia…", "Xóa…\tDel"]


def test_every_list_page_walks_from_its_search_and_has_a_row_menu(window, qtbot):
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from desktop.ui.common.widgets import row_menu_at

    window.tree.setCurrentIndex(window.nav_model.index(0, 0))
    page = click_page(qtbot, window, "organizations")
    QApplication.processEvents()
    page.search.setFocus()
    QTest.keyClick(page.search, Qt.Key.Key_Return)
    # The window's focus (the app's, were the window active) moved to the list's first row.
    assert window.focusWidget() is page.table and page.table.currentIndex().row() == 0
    menu = row_menu_at(page.table, page.row_actions,
                       page.table.visualRect(page.model.index(0, 0)).center())
    assert [a.text() for a in menu.actions()] == ["Sửa…\tF2", "Xóa…\tDel"]
    menu.deleteLater()


def test_every_page_opens_on_the_province_and_is_photographed(window, qtbot):
    from PySide6.QtWidgets import QApplication

    window.tree.setCurrentIndex(window.nav_model.index(0, 0))
    for name, _label in window.PAGES:
        page = click_page(qtbot, window, name)
        QApplication.processEvents()
        assert page.isVisible()
        model = getattr(page, "model", None)
        if model is not None and name not in ("deleted",):
            assert model.rowCount() > 0, name  # the demo has something on every list
        save(window, f"page_{name}.png")
