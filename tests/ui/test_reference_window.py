"""Reference data going down, in the window (issue 15): the province clicks Đồng bộ → «Phát
hành danh mục cho các xã…», a commune clicks «Áp dụng danh mục của tỉnh…», reads what changes
and clicks «Áp dụng» (or «Hủy»: nothing written)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox
from uikit import (
    SCREENSHOTS,
    click_menu,
    close_window,
    enrol_with_a_person,
    new_site,
    when_modal,
)

from desktop.storage import db, reference_releases, seed
from desktop.storage.writer import Store
from desktop.sync import keys
from desktop.ui.exchange.reference_dialog import ChangesDialog
from desktop.ui.shell.app import build_window, make_application

FAST = {"t": 1, "m": 8, "p": 1}


@pytest.fixture(autouse=True)
def fast_kdf(monkeypatch):
    monkeypatch.setattr(keys, "KDF_PARAMS", FAST)


@pytest.fixture
def sites(master_db: Path, tmp_path: Path) -> dict[str, Path]:
    prov = new_site(master_db, tmp_path, "Công an tỉnh Điện Biên", province_code="11")
    comm = new_site(master_db, tmp_path, "Công an xã Mường Nhé", commune_code="03160")
    enrol_with_a_person(prov, comm, tmp_path)
    conn = db.open_database(prov)
    store = Store(conn, actor="tỉnh")
    store.add("catalogue", {"catalogue": "tip_category", "code": "xam_hai_tre_em",
                            "name": "Xâm hại trẻ em"})
    store.edit("catalogue", seed.reference_id("catalogue:org_type:to_hoa_giai"),
               {"name": "Tổ hòa giải ở cơ sở"})
    conn.close()
    return {"province": prov, "commune": comm}


def open_window(path: Path):
    make_application()
    w = build_window(path)
    w.show()
    return w


def action(window, text: str):
    return next(a for m in window.menuBar().actions() if m.menu()
                for a in m.menu().actions() if a.text() == text)


def answer_message(seen: list[str]) -> None:
    def look() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox) and box.isVisible():
            seen.append(box.text())
            box.button(QMessageBox.StandardButton.Ok).click()
        else:
            QTimer.singleShot(20, look)
    QTimer.singleShot(0, look)


def test_published_at_the_province_and_applied_at_a_commune_by_clicks(sites, tmp_path, qtbot,
                                                                     monkeypatch):
    make_application()  # installs the program's file dialogs: replaced below, after it
    usb = tmp_path / "usb"
    usb.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(usb))
    province = open_window(sites["province"])
    said: list[str] = []
    answer_message(said)
    click_menu(qtbot, province, action(province, "&Phát hành danh mục cho các xã…"))
    qtbot.waitUntil(lambda: bool(said), timeout=5000)
    (released,) = usb.glob("antq-danh-muc-11-v*.json")
    assert released.name == "antq-danh-muc-11-v1.json"
    assert said[0].startswith(f"Đã phát hành danh mục bản 1: {released}")
    close_window(province)

    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(released), ""))
    commune = open_window(sites["commune"])
    shown: list[list[str]] = []

    def cancel(dialog: ChangesDialog) -> None:
        shown.append([dialog.list.item(i).text() for i in range(dialog.list.count())])
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)

    when_modal(ChangesDialog, cancel)
    click_menu(qtbot, commune, action(commune, "Áp dụng &danh mục của tỉnh…"))
    qtbot.waitUntil(lambda: bool(shown), timeout=5000)
    assert "Loại nguồn tin: thêm «Xâm hại trẻ em» (xam_hai_tre_em)" in shown[0]
    assert "Loại tổ chức: «Tổ hòa giải» đổi tên thành «Tổ hòa giải ở cơ sở»" in shown[0]
    assert reference_releases.last_version(commune.conn, "applied") == 0  # cancelled

    def apply(dialog: ChangesDialog) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        dialog.grab().save(str(SCREENSHOTS / "reference-release.png"))
        qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)

    when_modal(ChangesDialog, apply)
    click_menu(qtbot, commune, action(commune, "Áp dụng &danh mục của tỉnh…"))
    qtbot.waitUntil(lambda: reference_releases.last_version(commune.conn, "applied") == 1,
                    timeout=5000)
    assert commune.conn.execute("SELECT name FROM catalogue_item WHERE catalogue = "
                                "'tip_category' AND code = 'xam_hai_tre_em'").fetchone()[0] \
        == "Xâm hại trẻ em"
    assert "Đã áp dụng danh mục bản 1" in commune.statusBar().currentMessage()

    # the same file again: said, nothing changed
    again: list[str] = []

    def warned() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox) and box.isVisible():
            again.append(box.text())
            box.button(QMessageBox.StandardButton.Ok).click()
        else:
            QTimer.singleShot(20, warned)

    QTimer.singleShot(0, warned)
    click_menu(qtbot, commune, action(commune, "Áp dụng &danh mục của tỉnh…"))
    qtbot.waitUntil(lambda: bool(again), timeout=5000)
    assert "đã áp dụng danh mục bản 1" in again[0]
    close_window(commune)
