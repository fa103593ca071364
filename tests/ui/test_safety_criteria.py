"""The criteria an «Đánh giá An toàn về ANTT» met are ticked by name (issue 14/13 leftover):
the officer no longer types catalogue codes separated by «;». Clicks and keys on the real
list; the record stores the codes as before (CLI, bundles and reports unchanged); an old
record naming a retired criterion shows it ticked and marked, and keeps it when saved."""

from __future__ import annotations

from pathlib import Path

import pytest
from dbkit import TEST_PASSWORD, TEST_USER, copy_database
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDialogButtonBox, QListWidget
from uikit import SCREENSHOTS, click_page, type_text, window_as

from desktop.storage import accounts, site
from desktop.storage.writer import Store
from desktop.ui.records.record_dialog import RecordDialog

COMMUNE = "03160"


def criterion_id(conn, code: str) -> str:
    return conn.execute("SELECT id FROM catalogue_item WHERE catalogue = 'safety_criterion' "
                        "AND code = ?", (code,)).fetchone()[0]


@pytest.fixture
def window(qapp, master_db, tmp_path: Path, windows):
    path = copy_database(master_db, tmp_path / "xa.db")
    conn, _a, _n = accounts.login(path, TEST_USER, TEST_PASSWORD)
    site.init_site(conn, name="Công an xã Mường Nhé", commune_code=COMMUNE)
    village = Store(conn).add("unit", {"name": "Bản Huổi Lếch", "level": "village",
                                       "parent_id": COMMUNE}).id
    conn.close()
    w = window_as(path, TEST_USER, TEST_PASSWORD, windows)
    w.village = village
    return w


def click(qtbot, button) -> None:
    assert button.isVisible() and button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def dialog_of(page) -> RecordDialog:
    return next(d for d in page.findChildren(RecordDialog) if d.isVisible())


def row_of(listing: QListWidget, name_start: str):
    return next(listing.item(i) for i in range(listing.count())
                if listing.item(i).text().startswith(name_start))


def tick_by_click(qtbot, listing: QListWidget, name_start: str) -> None:
    """A click on the row's text, away from its small box: the whole row ticks."""
    item = row_of(listing, name_start)
    listing.scrollToItem(item)
    rect = listing.visualItemRect(item)
    assert listing.viewport().rect().intersects(rect)
    qtbot.mouseClick(listing.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(rect.left() + rect.width() // 2, rect.center().y()))


def shown(listing: QListWidget) -> dict[str, bool]:
    return {listing.item(i).text(): listing.item(i).checkState() is Qt.CheckState.Checked
            for i in range(listing.count()) if not listing.item(i).isHidden()}


def test_criteria_ticked_by_name(qtbot, window) -> None:
    page = click_page(qtbot, window, "safety")
    qtbot.waitUntil(page.isVisible, timeout=2000)
    click(qtbot, page.add_button)
    dialog = dialog_of(page)
    ticks = dialog.editors["criteria_met"]
    listing = ticks.widget
    assert isinstance(listing, QListWidget)
    labels = [w.text() for w in dialog.findChildren(type(dialog.banner))]
    assert "Tiêu chí đạt" in labels and not any("dấu ;" in t for t in labels)
    # A village: only the five criteria of a khu dân cư (TT 124 Điều 4), by name, none ticked.
    kind = dialog.editors["subject_kind"].widget
    kind.setCurrentIndex(kind.findData("residential"))
    assert len(shown(listing)) == 5 and not any(shown(listing).values())
    assert all(not t.startswith(("kdc_", "xa_", "cq_")) for t in shown(listing))
    dialog.editors["unit_id"].set_value(window.village, "Bản Huổi Lếch")
    year = dialog.editors["year"].widget
    year.setFocus()
    type_text(year, "2025")
    # The first criterion ticked with a click on its name, the second with the keyboard:
    # Down to it, Space.
    tick_by_click(qtbot, listing, "Chi bộ có nghị quyết")
    assert ticks.text() == "kdc_dang_ky"
    listing.setFocus()
    qtbot.keyClick(listing, Qt.Key.Key_Down)
    assert listing.currentItem().text().startswith("Thực hiện chủ trương")
    qtbot.keyClick(listing, Qt.Key.Key_Space)
    assert ticks.text() == "kdc_dang_ky; kdc_chap_hanh"
    # A third ticked and unticked again by clicks: back to two.
    tick_by_click(qtbot, listing, "Không xảy ra hoạt động")
    tick_by_click(qtbot, listing, "Không xảy ra hoạt động")
    assert ticks.text() == "kdc_dang_ky; kdc_chap_hanh"
    # Another kind of subject offers its own criteria; what was ticked stays in sight.
    kind.setCurrentIndex(kind.findData("commune"))
    assert sum(t.startswith("Đảng ủy có nghị quyết") for t in shown(listing)) == 1
    assert len(shown(listing)) == 4 + 2 and sum(shown(listing).values()) == 2
    kind.setCurrentIndex(kind.findData("residential"))
    assert len(shown(listing)) == 5
    dialog.grab().save(str(SCREENSHOTS / "safety_criteria_ticked.png"))
    click(qtbot, dialog.buttons.button(QDialogButtonBox.StandardButton.Save))
    assert not dialog.isVisible(), [e.message.text() for e in dialog.editors.values()]
    # Stored as the CLI and bundles have always written it.
    stored = window.conn.execute("SELECT id, criteria_met FROM safety_evaluation").fetchone()
    assert stored["criteria_met"] == "kdc_dang_ky; kdc_chap_hanh"
    assert page.model.rowCount() == 1
    row = " ".join(str(page.model.index(0, c).data() or "")
                   for c in range(page.model.columnCount()))
    assert "2025" in row and "Bản Huổi Lếch" in row, row

    # The province retires a criterion (a newer reference release): the old record still shows
    # it, ticked and marked; saved with another field changed, its criteria are kept as judged.
    # (At a commune the catalogue changes only by a release from the province: written here.)
    window.conn.execute("UPDATE catalogue_item SET active = 0 WHERE id = ?",
                        (criterion_id(window.conn, "kdc_chap_hanh"),))
    window.conn.commit()
    page.table.setCurrentIndex(page.model.index(0, 0))
    click(qtbot, page.edit_button)
    dialog = dialog_of(page)
    listing = dialog.editors["criteria_met"].widget
    ticked = [t for t, on in shown(listing).items() if on]
    assert len(ticked) == 2 and ticked[0].startswith("Chi bộ có nghị quyết")
    assert ticked[1].startswith("Thực hiện chủ trương") and ticked[1].endswith(
        "(đã ngừng dùng)")
    assert len(shown(listing)) == 5  # four in force and the retired one it holds
    dialog.grab().save(str(SCREENSHOTS / "safety_criteria_retired.png"))
    notes = dialog.editors["notes"].widget
    notes.setFocus()
    type_text(notes, "Họp dân 12/2025")
    click(qtbot, dialog.buttons.button(QDialogButtonBox.StandardButton.Save))
    assert not dialog.isVisible(), [e.message.text() for e in dialog.editors.values()]
    assert tuple(window.conn.execute("SELECT criteria_met, notes FROM safety_evaluation")
                 .fetchone()) \
        == ("kdc_dang_ky; kdc_chap_hanh", "Họp dân 12/2025")

    # Ticking another now is judged under the criteria in force: the retired one is refused
    # under the list, nothing saved.
    click(qtbot, page.edit_button)
    dialog = dialog_of(page)
    ticks = dialog.editors["criteria_met"]
    tick_by_click(qtbot, ticks.widget, "Không xảy ra hoạt động")
    click(qtbot, dialog.buttons.button(QDialogButtonBox.StandardButton.Save))
    assert dialog.isVisible()
    assert "kdc_chap_hanh" in ticks.message.text() and ticks.message.isVisible()
    assert window.conn.execute("SELECT criteria_met FROM safety_evaluation").fetchone()[0] \
        == "kdc_dang_ky; kdc_chap_hanh"
