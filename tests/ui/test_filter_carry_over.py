"""Issue 14, finding 5: a search typed for one organization silently emptied the next one's
list («(4)» in the heading, «0 người» below, no hint). Now choosing another place clears the
search, a filter still in force is said beside the count, and «Bỏ lọc» shows everything."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from uikit import click_page, close_window, find_item, open_window, save, type_text

from desktop.ui.shell.navigation import KIND_ROLE


@pytest.fixture
def window(qapp, demo_factory, tmp_path):
    w = open_window(demo_factory(1, 20), tmp_path)
    yield w
    close_window(w)


def _organizations(window) -> list:
    """Two organizations of the first village that has two."""
    first = find_item(window, "organization")
    parent = first.parent()
    orgs = [parent.model().index(r, 0, parent) for r in range(parent.model().rowCount(parent))]
    orgs = [i for i in orgs if i.data(KIND_ROLE) == "organization"]
    assert len(orgs) >= 2
    return orgs


def _click_tree(qtbot, window, index) -> None:
    window.tree.scrollTo(index)
    qtbot.mouseClick(window.tree.viewport(), Qt.MouseButton.LeftButton,
                     pos=window.tree.visualRect(index).center())


def _members(index) -> int:
    return int(str(index.data()).rsplit("(", 1)[1].rstrip(")"))


def test_another_organization_does_not_inherit_the_search(window, qtbot):
    page = click_page(qtbot, window, "people")
    first, second = _organizations(window)[:2]
    _click_tree(qtbot, window, first)
    assert page.title.text() == first.data()
    page.search.setFocus()
    type_text(page.search, "zzzz")
    qtbot.waitUntil(lambda: page.count.text() == "0 người", timeout=5000)
    # The empty list says why, and offers the way out.
    assert page.filter_note.isVisible()
    assert "«zzzz»" in page.filter_note.label.text()
    assert "không có kết quả" in page.filter_note.label.text()
    save(window, "filter_empty_result.png")

    _click_tree(qtbot, window, second)
    assert page.title.text() == second.data()
    assert page.search.text() == ""
    want = f"{_members(second)} người"
    qtbot.waitUntil(lambda: page.count.text() == want, timeout=5000)
    assert page.model.rowCount() == _members(second)
    assert not page.filter_note.isVisible()


def test_one_click_clears_the_search_and_the_filters(window, qtbot):
    page = click_page(qtbot, window, "people")
    org = _organizations(window)[0]
    _click_tree(qtbot, window, org)
    everyone = f"{_members(org)} người"
    qtbot.waitUntil(lambda: page.count.text() == everyone, timeout=5000)
    # A role chosen with the keyboard, as the officer does: the list narrows, the note says.
    page.role_filter.setFocus()
    qtbot.keyClick(page.role_filter, Qt.Key.Key_Down)
    assert page.role_filter.currentIndex() == 1
    qtbot.waitUntil(lambda: page.count.text() != everyone and page.count.text() != "…",
                    timeout=5000)
    assert page.filter_note.isVisible()
    assert page.role_filter.currentText() in page.filter_note.label.text()
    page.search.setFocus()
    type_text(page.search, "zz")
    qtbot.waitUntil(lambda: page.count.text() == "0 người", timeout=5000)
    assert "«zz»" in page.filter_note.label.text()

    qtbot.mouseClick(page.filter_note.clear_button, Qt.MouseButton.LeftButton)
    assert page.search.text() == "" and page.role_filter.currentIndex() == 0
    qtbot.waitUntil(lambda: page.count.text() == everyone, timeout=5000)
    assert not page.filter_note.isVisible()


def test_a_list_of_minutes_starts_afresh_in_another_place_too(window, qtbot):
    page = click_page(qtbot, window, "meetings")
    province = window.nav_model.index(0, 0)
    _click_tree(qtbot, window, province)
    qtbot.waitUntil(lambda: page.count.text().endswith("biên bản họp"), timeout=5000)
    page.search.setFocus()
    type_text(page.search, "zzzz")
    qtbot.waitUntil(lambda: page.count.text() == "0 biên bản họp", timeout=5000)
    assert page.filter_note.isVisible() and "«zzzz»" in page.filter_note.label.text()
    village = _organizations(window)[0].parent()
    _click_tree(qtbot, window, village)
    assert page.search.text() == ""
    qtbot.waitUntil(lambda: page.count.text().endswith("biên bản họp")
                    and page.count.text() != "0 biên bản họp", timeout=5000)
    assert not page.filter_note.isVisible()
