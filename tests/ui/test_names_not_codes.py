"""Issue 14, finding 7: the officer reads names, dates as dd/mm/yyyy and Vietnamese counts —
not the program's codes (danh_hieu_tap_the_…), ids or ISO moments (2026-12-06 11:16:20)."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt
from uikit import click_menu, close_window, find_item, open_window, save

from desktop.i18n import activate
from desktop.ui.records.pages import count_of
from desktop.ui.shell.navigation import ID_ROLE


@pytest.fixture
def window(qapp, demo_factory, tmp_path):
    w = open_window(demo_factory(1, 20), tmp_path)
    yield w
    close_window(w)


def show_by_menu(qtbot, window, label: str, name: str):
    """Xem → the page, clicked in the menu; the page shown."""
    view = next(m.menu() for m in window.menuBar().actions() if m.text() == "&Xem")
    click_menu(qtbot, window, next(a for a in view.actions() if a.text() == label))
    assert window.tabs.tabText(window.tabs.currentIndex()) == label
    return getattr(window, name)


def cells(model, column: int) -> list[str]:
    return [str(model.index(r, column).data()) for r in range(model.rowCount())]


def test_the_catalogues_page_shows_names_not_codes(window, qtbot):
    page = show_by_menu(qtbot, window, "Danh mục", "catalogues")
    qtbot.waitUntil(lambda: page.model.rowCount() > 0, timeout=3000)
    headers = [page.model.headerData(c, Qt.Orientation.Horizontal)
               for c in range(page.model.columnCount())]
    assert "Mã" not in headers and "Tên" in headers
    shown = [cells(page.model, c) for c in range(page.model.columnCount())]
    codes = [v for column in shown for v in column if re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)+", v)]
    assert codes == []
    assert "Dân tộc" in shown[0]  # the catalogue by its name, not "ethnicity"
    qtbot.wait(50)
    save(window, "catalogues_page.png")


def test_recently_deleted_names_the_record_and_writes_the_date(window, qtbot):
    org = find_item(window, "organization")
    window.tree.setCurrentIndex(org)
    page = window.people
    qtbot.waitUntil(lambda: page.model.rowCount() > 0, timeout=3000)
    person = page.model.record_id(0)
    member = window.conn.execute(
        "SELECT id FROM membership WHERE person_id = ? AND organization_id = ? "
        "AND _deleted = 0", (person, org.data(ID_ROLE))).fetchone()[0]
    name = window.conn.execute("SELECT full_name FROM person WHERE id = ?",
                               (person,)).fetchone()[0]
    org_name = window.conn.execute("SELECT name FROM organization WHERE id = ?",
                                   (org.data(ID_ROLE),)).fetchone()[0]
    window.ctx.undo.delete("membership", member)  # a membership: its title is a role code
    window.ctx.changed()

    deleted = show_by_menu(qtbot, window, "Đã xóa gần đây", "deleted")
    qtbot.waitUntil(lambda: deleted.model.rowCount() == 1, timeout=3000)
    kind, title, when, _who = (deleted.model.index(0, c).data() for c in range(4))
    assert kind == "Thành viên tổ chức"
    assert title == f"{name} — {org_name}"
    assert re.fullmatch(r"\d\d:\d\d \d\d/\d\d/\d{4}", when), when
    assert deleted.count.text() == "1 bản ghi đã xóa"
    # The name whole: the column is as wide as it needs (up to a limit), with a tooltip.
    width = deleted.table.horizontalHeader().sectionSize(1)
    assert width >= min(deleted.table.fontMetrics().horizontalAdvance(title), 520)
    assert deleted.model.index(0, 1).data(Qt.ItemDataRole.ToolTipRole) == title
    qtbot.wait(50)  # laid out before the picture
    save(window, "recently_deleted.png")


def test_the_officer_is_named_by_the_account(window):
    from desktop.storage import accounts
    from desktop.ui.records.pages import officer_name

    window.conn.execute("UPDATE account SET full_name = 'Lò Văn Thành' WHERE name = 'admin'")
    assert accounts.get(window.conn, "admin") is not None
    assert officer_name(window.conn, "admin") == "Lò Văn Thành (admin)"
    assert officer_name(window.conn, "không-có") == "không-có"


@pytest.fixture
def english():
    activate("en")
    yield
    activate("vi")


@pytest.mark.parametrize(("kind", "one", "many"), [
    ("person", "1 person", "3 people"),
    ("organization", "1 organization", "3 organizations"),
    ("meeting", "1 minutes", "3 minutes"),
    ("catalogue", "1 catalogue entry", "3 catalogue entries"),
    ("deleted", "1 deleted record", "3 deleted records"),
    ("camera", "1 camera system", "3 camera systems"),
])
def test_counts_under_lists_are_singular_or_plural_in_english(english, kind, one, many):
    assert (count_of(kind, 1), count_of(kind, 3)) == (one, many)


def test_counts_under_lists_in_vietnamese():
    assert count_of("person", 4400) == "4.400 người"
    assert count_of("meeting", 1) == "1 biên bản họp"
    # An acronym keeps its case under the An toàn list (not "đánh giá an toàn về antt").
    assert count_of("safety_evaluation", 224) == "224 đánh giá An toàn về ANTT"
