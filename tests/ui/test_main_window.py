"""The main window over a demo database: tree, roster, lazy loading, search as you type."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from desktop.storage import demo
from desktop.ui.app import build_window, make_application
from desktop.ui.navigation import ID_ROLE, KIND_ROLE
from desktop.ui.roster_model import BATCH

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ui") / "demo.db"
    demo.create_demo_database(path, communes=2, people_per_village=40)
    return path


@pytest.fixture
def window(qapp, demo_db: Path, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))  # QSettings of this test only
    make_application()
    w = build_window(demo_db)
    w.show()
    yield w
    w.close()
    w.deleteLater()
    QApplication.processEvents()
    w.conn.close()


def type_text(widget, text: str) -> None:
    """qtbot.keyClicks aborts on non-ASCII: send key events that carry the text."""
    for ch in text:
        for kind in (QKeyEvent.Type.KeyPress, QKeyEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier,
                                                     ch))


def find_item(window, wanted_kind: str, index: QModelIndex | None = None) -> QModelIndex | None:
    model = window.nav_model
    index = index or QModelIndex()
    for row in range(model.rowCount(index)):
        child = model.index(row, 0, index)
        if child.data(KIND_ROLE) == wanted_kind and child.data(ID_ROLE):
            return child
        if child.data(KIND_ROLE) == "unit":
            window.tree.expand(child)
            found = find_item(window, wanted_kind, child)
            if found is not None:
                return found
    return None


def save(window, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(SCREENSHOTS / name))


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
