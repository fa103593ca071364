"""A record an import leaves breaking a whole-record rule, in the window: the import's result
line says how many records need review, «Xung đột dữ liệu» lists the record with the field and
the rule's words, and typing the right value settles it (every rule checked again)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFileDialog,
    QInputDialog,
    QLineEdit,
    QMessageBox,
)
from test_sync_clicks import LEFT, Modals, box_button, click, menu_action, open_window
from uikit import close_window, enrol_with_a_person, new_site

from desktop.storage import db
from desktop.storage.writer import Store
from desktop.sync import exchange, keys
from desktop.ui.exchange.sync_dialogs import ConflictsDialog, ResultsDialog

FAST_KDF = {"t": 1, "m": 8, "p": 1}
CCCD_1985 = "011085012345"  # a man born in 1985
YEAR_RULE = "Năm sinh theo số định danh là 1985, khác năm sinh đã ghi (1990)."


@pytest.fixture(autouse=True)
def fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keys, "KDF_PARAMS", FAST_KDF)


@pytest.fixture
def broken_on_arrival(master_db: Path, tmp_path: Path) -> tuple[Path, Path]:
    """The commune recorded the person's CCCD and the province the birth year, each valid
    alone; the commune's bundle, on a stick, would make the record break DOMAIN.md §5.1.
    Returns the province's database and the bundle."""
    province = new_site(master_db, tmp_path, "Công an tỉnh Điện Biên", province_code="11")
    commune = new_site(master_db, tmp_path, "Công an xã Mường Nhé", commune_code="03160")
    enrol_with_a_person(province, commune, tmp_path)
    prov, comm = db.open_database(province), db.open_database(commune)
    try:
        prov_keys, comm_keys = keys.unlock(prov), keys.unlock(comm)
        first = tmp_path / "b1"
        first.mkdir()
        sent = exchange.export_to_folder(comm, comm_keys, first)
        assert [r.status for r in exchange.import_files(prov, prov_keys,
                                                        [r.path for r in sent])] == ["imported"]
        pid = comm.execute("SELECT id FROM person").fetchone()[0]
        Store(comm, actor="xã").edit("person", pid, {"citizen_id": CCCD_1985})
        Store(prov, actor="tỉnh").edit("person", pid, {"birth_date": "05/03/1990"})
        stick = tmp_path / "usb"
        stick.mkdir()
        [bundle] = exchange.export_to_folder(comm, comm_keys, stick)
    finally:
        prov.close()
        comm.close()
    return province, bundle.path


def test_the_import_says_how_many_need_review_and_the_list_shows_them(
        qtbot, broken_on_arrival, monkeypatch):
    path, bundle = broken_on_arrival
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(bundle)], ""))
    province = open_window(path)
    modals = Modals(qtbot).then(QMessageBox, lambda box: click(qtbot, box_button(box, "Nhập")))
    menu_action(province, "&Nhập từ USB…").trigger()
    qtbot.waitUntil(lambda: isinstance(province.sync.last_dialog, ResultsDialog)
                    and province.sync.last_dialog.windowTitle() == "Kết quả nhập",
                    timeout=10000)
    modals.done()
    [line] = province.sync.last_dialog.lines()
    assert "1 bản ghi sai quy tắc cần xem xét" in line
    click(qtbot, province.sync.last_dialog.close_button)

    menu_action(province, "&Xung đột dữ liệu…").trigger()
    dialog = province.sync.last_dialog
    assert isinstance(dialog, ConflictsDialog) and dialog.table.rowCount() == 1
    # Not a conflict between two sites: the header says it apart.
    assert dialog.info.text() == "0 xung đột chưa xử lý, 1 bản ghi sai quy tắc"
    shown = [dialog.table.item(0, col).text() for col in range(dialog.table.columnCount())]
    assert shown[0] == "Người: Vàng A Dơ" and shown[1] == "Số định danh cá nhân (CCCD)"
    assert shown[2:4] == ["", CCCD_1985] and shown[5] == YEAR_RULE
    rect = dialog.table.visualItemRect(dialog.table.item(0, 0))
    qtbot.mouseClick(dialog.table.viewport(), LEFT, pos=rect.center())
    # No value lost here: only the right value settles it.
    assert not dialog.mine.isEnabled() and not dialog.theirs.isEnabled()
    assert dialog.other.isEnabled()

    def type_value(text: str):
        def act(box: QInputDialog) -> None:
            assert box.findChild(QLineEdit).text() == CCCD_1985
            box.findChild(QLineEdit).setText(text)
            click(qtbot, box.findChild(QDialogButtonBox).button(
                QDialogButtonBox.StandardButton.Ok))
        return act

    said: list[str] = []

    def refused(box: QMessageBox) -> None:
        said.append(box.text())
        click(qtbot, box_button(box, None))

    # Still born in 1985 by this number: refused with the rule's words, the item stays.
    modals = Modals(qtbot).then(QInputDialog, type_value("011085054321")) \
        .then(QMessageBox, refused)
    click(qtbot, dialog.other)
    modals.done()
    assert "khác năm sinh đã ghi (1990)" in said[0] and dialog.table.rowCount() == 1

    qtbot.mouseClick(dialog.table.viewport(), LEFT, pos=rect.center())
    modals = Modals(qtbot).then(QInputDialog, type_value("011090012345"))
    click(qtbot, dialog.other)
    modals.done()
    assert dialog.table.rowCount() == 0
    assert province.conn.execute("SELECT citizen_id FROM person").fetchone()[0] == "011090012345"
    click(qtbot, dialog.close_button)
    close_window(province)
