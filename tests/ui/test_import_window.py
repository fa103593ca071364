"""Importing a Tổ's roster in the window, by clicks and keys: the Excel menu, the sheet as a
commune keeps it (titles, numbering row, footer), a bad date corrected in the preview, the
joined date, and every count on screen refreshed after the import."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication, QFileDialog
from uikit import (
    SCREENSHOTS,
    click_button_menu,
    click_page,
    close_window,
    find_organization,
    open_window,
    retype_cell,
)

from desktop.ui.people.import_dialog import RosterImportDialog
from desktop.ui.shell.navigation import ID_ROLE


@pytest.fixture
def window(qapp, demo_factory, tmp_path):
    w = open_window(demo_factory(1, 20), tmp_path)
    yield w
    close_window(w)


def _tbv_item(window):
    """The tree item of a Tổ bảo vệ ANTT."""
    return find_organization(window, lambda i: str(i.data()).startswith("Tổ bảo vệ an ninh"))


def _sheet(path, village: str):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["DANH SÁCH THÀNH VIÊN TỔ BẢO VỆ AN NINH, TRẬT TỰ"])
    ws.merge_cells("A1:F1")
    ws.append([])
    ws.append(["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Thôn/Bản", "Chức danh"])
    ws.append(["(1)", "(2)", "(3)", "(4)", "(5)", "(6)"])
    ws.append([1, "Hoàng Văn Thụ", "12/04/1988", "Nam", village, "Tổ viên"])
    ws.append([2, "Lường Thị Đẹp", "31/02/1992", "Nữ", village, "Tổ viên"])
    ws.append([])
    ws.append([None, "Người lập biểu"])
    ws.append([None, "Lò Văn Ký"])
    wb.save(path)
    return path


def test_import_a_commune_sheet_fix_a_date_and_see_every_count_change(
        window, qtbot, tmp_path, monkeypatch):
    item = _tbv_item(window)
    window.tree.setCurrentIndex(item)
    qtbot.mouseClick(window.tree.viewport(), Qt.MouseButton.LeftButton,
                     pos=window.tree.visualRect(item).center())
    org = item.data(ID_ROLE)
    village = window.conn.execute("SELECT u.name FROM organization o JOIN unit u ON "
                                  "u.id = o.unit_id WHERE o.id = ?", (org,)).fetchone()[0]
    members = window.conn.execute("SELECT count(*) FROM membership WHERE organization_id = ? "
                                  "AND _deleted = 0 AND left_date IS NULL", (org,)).fetchone()[0]
    assert str(item.data()).endswith(f"({members})")
    page = window.people
    path = _sheet(tmp_path / "danh-sach.xlsx", village)
    # The officer picks the file in the file dialog.
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(path), "")))
    click_button_menu(qtbot, page.excel_button, "Nhập danh sách từ Excel hoặc CSV…")
    dialog = next(w for w in QApplication.topLevelWidgets()
                  if isinstance(w, RosterImportDialog) and w.isVisible())
    assert dialog.file_label.text() == "danh-sach.xlsx"
    assert dialog.joined.date() == QDate.currentDate()
    assert "2 dòng: 1 người mới" in dialog.summary.text() and "1 dòng lỗi" in dialog.summary.text()
    assert not dialog.import_all.isEnabled()
    assert "Không phải người: dòng 4 (dòng đánh số cột); dòng 8 (chân trang" in \
        dialog.summary.text()
    table = dialog.rows
    headings = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    birth_col = headings.index("Ngày sinh")
    assert table.item(1, 0).text() == "6" and table.item(1, birth_col).text() == "31/02/1992"
    assert "31/02/1992" in table.item(1, table.columnCount() - 1).text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    dialog.grab().save(str(SCREENSHOTS / "import_preview_error.png"))

    # Double-click the wrong date, type the right one, Enter.
    retype_cell(qtbot, dialog, table, 1, birth_col, "28/02/1992")
    qtbot.waitUntil(lambda: "0 dòng lỗi" in dialog.summary.text(), timeout=3000)
    assert table.item(1, birth_col).text() == "28/02/1992"
    assert dialog.import_all.isEnabled()
    dialog.grab().save(str(SCREENSHOTS / "import_preview_fixed.png"))

    qtbot.mouseClick(dialog.import_all, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    joined = {r[0] for r in window.conn.execute(
        "SELECT m.joined_date FROM membership m JOIN person p ON p.id = m.person_id WHERE "
        "p.full_name IN ('Hoàng Văn Thụ', 'Lường Thị Đẹp')")}
    assert joined == {dt.date.today().isoformat()}
    assert "Đã nhập: 2 người mới, 2 thành viên" in window.statusBar().currentMessage()
    # The tree's head count, the page's title and the roster shown, all refreshed.
    current = window.tree.currentIndex()
    assert current.data(ID_ROLE) == org and str(current.data()).endswith(f"({members + 2})")
    assert page.title.text().endswith(f"({members + 2})")
    qtbot.waitUntil(lambda: page.count.text() == f"{members + 2} người", timeout=3000)
    names = {page.model.index(r, 0).data() for r in range(page.model.rowCount())}
    assert {"Hoàng Văn Thụ", "Lường Thị Đẹp"} <= names
    # The home page counts them as new members of the period (they have a joined date).
    home = click_page(qtbot, window, "home")
    table = home.summary
    # read off the UI thread: greyed until the figures come
    qtbot.waitUntil(lambda: table.isEnabled() and table.rowCount() > 0, timeout=10000)
    row = next(r for r in range(table.rowCount())
               if table.item(r, 0).text() == "Thành viên mới tham gia trong kỳ")
    assert int(table.item(row, 1).text().replace(".", "")) >= 2


def test_the_blank_template_from_the_excel_menu(window, qtbot, tmp_path, monkeypatch):
    item = _tbv_item(window)
    window.tree.setCurrentIndex(item)
    target = tmp_path / "mau.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(target), "")))
    click_button_menu(qtbot, window.people.excel_button, "Tải mẫu Excel…")
    assert target.exists()
    assert openpyxl.load_workbook(target).active["A1"].value.startswith(
        "DANH SÁCH THÀNH VIÊN TỔ BẢO VỆ AN NINH, TRẬT TỰ")
    assert f"Đã ghi mẫu {target}" == window.statusBar().currentMessage()
