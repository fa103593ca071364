"""The province's window (issue 15), by clicking: a stick of communes' bundles imported in one
action with its progress and Cancel, one line per commune; the *Các xã* page with the late in
red past the threshold typed on it (a commune has no such page); the sync folder run from the
menu, its status bar line saying when it ran, an unreachable folder quietly."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QProgressDialog, QPushButton
from uikit import click_menu, click_page, close_window, keyed_site, save, type_text

from desktop.storage import db
from desktop.storage.writer import Store
from desktop.sync import enrol, exchange, keys, sync_folder
from desktop.ui.exchange.sync_dialogs import ResultsDialog
from desktop.ui.shell.app import build_window, make_application

LEFT = Qt.MouseButton.LeftButton
COMMUNES = (("03160", "Công an xã Mường Nhé", "Vàng A Dơ"),
            ("03301", "Công an xã Búng Lao", "Lò Thị Hoa"))


@pytest.fixture(autouse=True)
def fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keys, "KDF_PARAMS", {"t": 1, "m": 8, "p": 1})


@pytest.fixture
def stick(master_db: Path, tmp_path: Path):
    """The province with two communes enrolled; each commune's bundle (one person) on a stick,
    beside a damaged file."""
    province = keyed_site(master_db, tmp_path / "tinh", "Công an tỉnh Điện Biên",
                        province_code="11")
    usb = tmp_path / "usb"
    usb.mkdir()
    prov = db.open_database(province)
    prov_keys = keys.unlock(prov)
    for code, name, person in COMMUNES:
        path = keyed_site(master_db, tmp_path / code, name, commune_code=code)
        conn = db.open_database(path)
        own = keys.unlock(conn)
        request, answer = tmp_path / f"{code}.req", tmp_path / f"{code}.ans"
        fp = enrol.make_request(conn, own, request)
        enrol.accept_request(prov, prov_keys, request, answer, confirmed_fingerprint=fp)
        enrol.install_response(conn, answer,
                               keys.fingerprint(prov_keys.site.site_id, prov_keys.public))
        Store(conn, actor="xã").add("person", {"full_name": person})
        exchange.export_to_folder(conn, own, usb)
        conn.close()
    prov.close()
    (usb / "hong.vsb").write_bytes(b"age-encryption.org/v1\n-> X25519 hong\n")
    return province, usb


def open_window(path: Path):
    make_application()
    w = build_window(path)
    w.show()
    return w


def people(window) -> list[str]:
    """Everyone the window's database holds (the people page lists a place's residents)."""
    return [r[0] for r in window.conn.execute("SELECT full_name FROM person")]


def slow_imports(monkeypatch, seconds: float) -> None:
    """Each bundle takes a moment, as a real commune's does: the progress shows."""
    real = exchange.import_files

    def slow(*args, **kw):
        time.sleep(seconds)
        return real(*args, **kw)

    monkeypatch.setattr(exchange, "import_files", slow)


def action(window, text: str):
    [found] = [a for m in window.menuBar().actions() if m.menu() is not None
               for a in m.menu().actions() if a.text() == text]
    return found


def test_a_stick_imported_in_one_action_with_progress(qtbot, stick, monkeypatch):
    province, usb = stick
    w = open_window(province)  # then the file picker (the window installs its own)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(usb))
    slow_imports(monkeypatch, 0.5)
    labels: list[str] = []

    def progress_seen() -> bool:  # the dialog, then the commune it is importing
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QProgressDialog) and dialog.isVisible():
            labels.append(dialog.labelText())
            return labels[-1].startswith("Đang nhập gói của")
        return False

    click_menu(qtbot, w, action(w, "Nhập &cả thư mục/USB…"))
    qtbot.waitUntil(progress_seen, timeout=10000)
    qtbot.waitUntil(lambda: isinstance(w.sync.last_dialog, ResultsDialog), timeout=20000)
    assert labels[-1].startswith("Đang nhập gói của Công an xã")
    lines = w.sync.last_dialog.lines()
    assert lines[0].startswith("Công an xã Búng Lao: 1 gói đã nhập, 1 bản ghi")
    assert lines[1].startswith("Công an xã Mường Nhé: 1 gói đã nhập, 1 bản ghi")
    assert any(line.startswith("  từ chối hong.vsb") for line in lines)
    assert lines[-1].startswith("Tổng: 2 gói đã nhập, 2 bản ghi")
    save(w.sync.last_dialog, "province_folder_import.png")
    qtbot.mouseClick(w.sync.last_dialog.close_button, LEFT)
    assert {"Vàng A Dơ", "Lò Thị Hoa"} <= set(people(w))
    close_window(w)


def test_cancel_stops_between_bundles(qtbot, stick, monkeypatch):
    province, usb = stick
    w = open_window(province)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(usb))
    slow_imports(monkeypatch, 1.0)
    click_menu(qtbot, w, action(w, "Nhập &cả thư mục/USB…"))

    def progress() -> QProgressDialog | None:
        dialog = QApplication.activeModalWidget()
        return dialog if isinstance(dialog, QProgressDialog) and dialog.isVisible() else None

    qtbot.waitUntil(lambda: progress() is not None, timeout=10000)
    cancel = progress().findChild(QPushButton)
    assert cancel.text() == "Hủy"
    qtbot.mouseClick(cancel, LEFT)  # while the first bundle is being imported
    qtbot.waitUntil(lambda: isinstance(w.sync.last_dialog, ResultsDialog), timeout=20000)
    lines = w.sync.last_dialog.lines()
    assert "đã dừng giữa chừng" in lines[-1] and lines[-1].startswith("Tổng: 1 gói đã nhập")
    assert any("1 gói chưa nhập (đã dừng)" in line for line in lines)
    found = set(people(w))
    assert len(found & {"Vàng A Dơ", "Lò Thị Hoa"}) == 1  # one whole bundle, not two
    close_window(w)


def test_the_communes_page_shows_the_late_in_red(qtbot, stick):
    province, usb = stick
    conn = db.open_database(province)
    exchange.import_files(conn, keys.unlock(conn), [usb])
    # Mường Nhé's bundle came twenty days ago.
    muong_nhe = conn.execute("SELECT site_id FROM sync_site WHERE unit_code = '03160'"
                             ).fetchone()[0]
    long_ago = (dt.datetime.now() - dt.timedelta(days=20)).isoformat(timespec="seconds")
    conn.execute("UPDATE sync_import_log SET imported_local_time = ? WHERE sender = ?",
                 (long_ago, muong_nhe))
    conn.close()
    w = open_window(province)
    names = [n for n, _l in w.PAGES]
    page = click_page(qtbot, w, "communes")
    assert w.tabs.currentWidget() is w.slots[names.index("communes")]
    assert page.summary.text() == "Đang tính…"  # counted off the window's thread
    qtbot.waitUntil(lambda: page.table.rowCount() == 2, timeout=10000)
    assert page.late_names() == []  # 35 days by default
    # The province sets ten days: typed into the box, Enter.
    page.threshold.selectAll()
    qtbot.mouseClick(page.threshold, LEFT)
    page.threshold.lineEdit().selectAll()
    type_text(page.threshold.lineEdit(), "10")
    qtbot.keyClick(page.threshold, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.late_names() != [], timeout=3000)
    assert page.late_names() == ["Công an xã Mường Nhé (03160)"]
    late = page.table.item(0, 0)
    assert late.font().bold() and late.background().color().name() == "#fde2e0"
    assert page.table.item(0, 2).text() == "20"
    assert page.table.item(1, 0).background().style() == Qt.BrushStyle.NoBrush
    assert "trễ" in page.summary.text()
    qtbot.wait(100)  # the page is shown once the event loop runs
    save(w, "province_communes_page.png")
    close_window(w)
    conn = db.open_database(province)
    from desktop.sync import overview

    assert overview.late_after(conn) == 10  # kept for next time
    conn.close()


def test_a_commune_has_no_communes_page(qtbot, stick, tmp_path):
    path = tmp_path / "03160" / "antq.db"
    w = open_window(path)
    names = [n for n, _l in w.PAGES]
    assert not w.tabs.isTabVisible(names.index("communes"))
    sections = w.tabs.section_tabs
    assert "Các xã" not in [sections.tabText(i) for i in range(sections.count())
                            if sections.isTabVisible(i)]
    assert not w.page_actions["communes"].isVisible()  # nor in Xem
    close_window(w)


def test_the_sync_folder_from_the_menu_and_its_status_line(qtbot, stick, tmp_path,
                                                           monkeypatch):
    province, usb = stick
    share = tmp_path / "share"  # not there yet (a network drive not mounted)
    w = open_window(province)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(share))
    click_menu(qtbot, w, action(w, "&Thư mục đồng bộ…"))
    runner = w.sync_folder_runner
    qtbot.waitUntil(lambda: runner.runs == 1, timeout=10000)
    assert "không tới được" in runner.label.text() and runner.label.isVisible()
    assert QApplication.activeModalWidget() is None  # no error dialog
    share.mkdir()
    for bundle in usb.glob("*.vsb"):
        (share / bundle.name).write_bytes(bundle.read_bytes())
    click_menu(qtbot, w, action(w, "Đồng bộ qua thư mục &ngay"))
    qtbot.waitUntil(lambda: runner.runs == 2, timeout=20000)
    today = dt.date.today().strftime("%d/%m/%Y")
    assert today in runner.label.text() and "nhập 2 gói, ghi 2 gói" in runner.label.text()
    assert {"Vàng A Dơ", "Lò Thị Hoa"} <= set(people(w))
    save(w, "province_sync_folder_status.png")
    close_window(w)
    conn = db.open_database(province)
    assert sync_folder.last_run(conn).reachable
    conn.close()
