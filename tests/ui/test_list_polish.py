"""Issue 14, polish found in the window: the crime figures' periods in words and every figure
right-aligned; a catalogue item's code made from its name, never asked; the export's count
in the plural English wants. Through clicks and keys on the real widgets."""

from __future__ import annotations

from pathlib import Path

import pytest
from dbkit import TEST_PASSWORD, TEST_USER, copy_database
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QFileDialog, QLabel
from uikit import (
    SCREENSHOTS,
    choose_by_keys,
    click_button_menu,
    click_page,
    close_window,
    find_item,
    open_window,
    type_text,
)

from desktop.i18n import activate
from desktop.storage import accounts, site
from desktop.storage.writer import Store
from desktop.ui.common.print_preview import last_profile_dialog
from desktop.ui.records.editors import CatalogueDialog
from desktop.ui.shell.app import build_window, make_application

COMMUNE = "03160"
RIGHT = Qt.AlignmentFlag.AlignRight


@pytest.fixture
def commune(qapp, master_db, tmp_path: Path):
    """A commune with figures for a month, a quarter, a year and a 15→14 month."""
    path = copy_database(master_db, tmp_path / "xa.db")
    conn, _a, _n = accounts.login(path, TEST_USER, TEST_PASSWORD)
    site.init_site(conn, name="Công an xã Mường Nhé", commune_code=COMMUNE)
    store = Store(conn)
    for period, cases in (("2026-10", 12), ("2025-Q4", 31), ("2024", 140), ("K2026-01", 7)):
        store.add("crime_stat", {"unit_id": COMMUNE, "period": period,
                                 "social_cases": str(cases), "drug_cases": "2"})
    conn.close()
    conn, _a, _n = accounts.login(path, TEST_USER, TEST_PASSWORD)
    make_application()
    w = build_window(path, conn=conn)
    w.show()
    yield w
    close_window(w)


@pytest.fixture
def province(qapp, demo_factory, tmp_path):
    w = open_window(demo_factory(1, 10), tmp_path)  # the demo is Công an tỉnh Điện Biên
    yield w
    close_window(w)


def column_of(model, label: str) -> int:
    return next(c for c in range(model.columnCount())
                if model.headerData(c, Qt.Orientation.Horizontal) == label)


def test_the_crime_figures_read_their_period_in_words_and_align_their_numbers(commune, qtbot):
    page = click_page(qtbot, commune, "crime")
    qtbot.waitUntil(lambda: page.isVisible() and page.model.rowCount() == 4, timeout=3000)
    model = page.model
    period = column_of(model, "Kỳ số liệu")
    cases = column_of(model, "Tội phạm về TTXH (vụ)")
    shown = {model.index(r, period).data(): model.index(r, cases).data()
             for r in range(model.rowCount())}
    assert shown == {"tháng 10/2026": "12", "quý IV/2025": "31", "năm 2024": "140",
                     "tháng 1/2026 (15/12/2025 – 14/01/2026)": "7"}
    # Figures right-aligned, units under units; words stay left. (Headings keep Qt's place:
    # a long one right-aligned lost its first letters, «rong đó rất nghiêm trọng…».)
    for c in range(model.columnCount()):
        align = model.index(0, c).data(Qt.ItemDataRole.TextAlignmentRole)
        figure = c not in (period, column_of(model, "Đơn vị"))
        assert bool(align is not None and Qt.AlignmentFlag(align) & RIGHT) == figure, c
    # As painted: the figure's ink in the right half of its cell (inside the grid lines).
    table = page.table
    table.clearSelection()
    rect = table.visualRect(model.index(model.rowCount() - 1, cases))
    image = table.viewport().grab(rect).toImage()
    background = image.pixelColor(3, image.height() // 2)
    inked = [x for x in range(3, image.width() - 3) for y in range(3, image.height() - 3)
             if image.pixelColor(x, y) != background]
    assert inked and min(inked) > image.width() // 2, "the figure is not right-aligned"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    qtbot.wait(50)  # laid out before the picture
    commune.grab().save(str(SCREENSHOTS / "crime_page.png"))


def add_catalogue_item(qtbot, window, page, catalogue: str, name: str) -> CatalogueDialog:
    """Thêm, the catalogue chosen with the arrow keys, the name typed, Lưu: all clicks/keys."""
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), CatalogueDialog),
                    timeout=3000)
    dialog = QApplication.activeModalWidget()
    combo = dialog.editors["catalogue"].widget
    choose_by_keys(qtbot, combo, catalogue)
    name_box = dialog.editors["name"].widget
    qtbot.mouseClick(name_box, Qt.MouseButton.LeftButton)
    type_text(name_box, name)
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible(), [e.message.text() for e in dialog.editors.values()]
    return dialog


def test_a_long_column_title_is_shown_whole_on_two_lines_with_its_tooltip(commune, qtbot):
    """QA (issue 14): «Trong đó rất nghiêm trọng, đặc biệt nghiêm trọng» read «rong đó rất
    nghiêm trọng, đặc biệt nghiêm trọng» in the Tội phạm list, cut by its column."""
    page = click_page(qtbot, commune, "crime")
    qtbot.waitUntil(lambda: page.isVisible() and page.model.rowCount() == 4, timeout=3000)
    model, header = page.model, page.table.horizontalHeader()
    full = "Trong đó rất nghiêm trọng, đặc biệt nghiêm trọng"
    col = next(c for c in range(model.columnCount())
               if model.headerData(c, Qt.Orientation.Horizontal,
                                   Qt.ItemDataRole.ToolTipRole) == full)
    shown = model.headerData(col, Qt.Orientation.Horizontal)
    assert shown.split("\n") == ["Trong đó rất nghiêm trọng,", "đặc biệt nghiêm trọng"]
    metrics = header.fontMetrics()
    wide = max(metrics.horizontalAdvance(line) for line in shown.split("\n"))
    assert header.sectionSize(col) >= wide + 4  # each line whole inside its section
    assert header.height() >= 2 * metrics.lineSpacing()  # and both lines in view
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.grab().save(str(SCREENSHOTS / "crime_long_header.png"))


def test_a_catalogue_item_takes_its_code_from_its_name(province, qtbot):
    page = click_page(qtbot, province, "catalogues")
    qtbot.waitUntil(lambda: page.model.rowCount() > 0, timeout=3000)
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), CatalogueDialog),
                    timeout=3000)
    dialog = QApplication.activeModalWidget()
    # No code to invent: the fields are the catalogue, the name and what describes it.
    labels = [lb.text() for lb in dialog.findChildren(QLabel) if lb.isVisible()]
    assert "code" not in dialog.editors and not any(t.startswith("Mã") for t in labels)
    assert "Tên *" in labels
    dialog.grab().save(str(SCREENSHOTS / "catalogue_item_editor.png"))
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # nothing typed: closes without asking
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None, timeout=3000)

    name = "Tổ tự quản Bản Hiệu"
    for _ in range(2):  # the same name twice: two items, two codes
        add_catalogue_item(qtbot, province, page, "model_type", name)
    codes = [r[0] for r in province.conn.execute(
        "SELECT code FROM catalogue_item WHERE catalogue = 'model_type' AND name = ? "
        "ORDER BY _rowid", (name,))]
    assert codes == ["to_tu_quan_ban_hieu", "to_tu_quan_ban_hieu_2"]
    assert "Đã lưu" in province.statusBar().currentMessage()


@pytest.mark.parametrize(("language", "said"), [("vi", "Đã xuất {n} dòng ra "),
                                                ("en", "Exported {n} rows to ")])
def test_the_export_counts_its_rows_in_the_officers_words(province, qtbot, tmp_path,
                                                          monkeypatch, language, said):
    province.tree.setCurrentIndex(find_item(province, "organization"))
    page = click_page(qtbot, province, "people")
    qtbot.waitUntil(lambda: page.model.rowCount() > 1, timeout=3000)
    target = tmp_path / "ds.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(target), "")))
    activate(language)
    try:
        click_button_menu(qtbot, page.excel_button, "Xuất ra Excel (.xlsx)…")
        qtbot.waitUntil(lambda: last_profile_dialog(page) is not None, timeout=3000)
        qtbot.mouseClick(last_profile_dialog(page).ok, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(target.exists, timeout=5000)
        message = province.statusBar().currentMessage()
    finally:
        activate("vi")
    n = page.model.total
    assert n > 1 and message == said.format(n=n) + str(target)
