"""Issue 14, the officer's day as one test, by clicks and key events only: the first run (the
commune found by typing "muong cha"), villages added, a Tổ made, its roster imported from a
commune's real sheet (title rows, numbering row, a wrong date fixed in the preview), a meeting
held with its attendance, the minutes and the quarter's report saved as PDF, the day's work
sent to the province on a USB stick (keys and enrolment the first time). Each step checks what
the officer sees; the pictures it takes illustrate docs/huong-dan.md."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
from dbkit import copy_database
from pypdf import PdfReader
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import (
    QApplication,
    QDialogButtonBox,
    QFileDialog,
    QMessageBox,
    QPushButton,
    QWizard,
)
from test_sync_clicks import Modals, answer_box, menu_action
from test_villages_window import dialog_up, right_click_tree
from uikit import click_button_menu, click_page, retype_cell, type_text, window_as

from desktop.domain.kinds import KINDS
from desktop.storage import db, records, site
from desktop.sync import enrol, keys
from desktop.ui.common.print_preview import last_preview
from desktop.ui.exchange.sync_dialogs import (
    FingerprintDialog,
    RecipientsDialog,
    ResultsDialog,
    SitesDialog,
)
from desktop.ui.movement.home_page import period_choices
from desktop.ui.people.import_dialog import RosterImportDialog
from desktop.ui.places import areas_page
from desktop.ui.records.editors import MeetingDialog, OrganizationDialog
from desktop.ui.shell import first_run
from desktop.ui.shell.app import make_application
from desktop.ui.shell.navigation import ID_ROLE

NEXT, FINISH = QWizard.WizardButton.NextButton, QWizard.WizardButton.FinishButton
PASSWORD = "mật khẩu xã"
GUIDE = Path(__file__).resolve().parents[2] / "build" / "guide"  # docs/images/ takes copies


def picture(widget, name: str) -> None:
    GUIDE.mkdir(parents=True, exist_ok=True)
    QApplication.processEvents()  # the layouts a text just set asks for (a count cut to «4»)
    widget.grab().save(str(GUIDE / name))


def click(qtbot, widget) -> None:
    qtbot.waitUntil(widget.isVisible, timeout=3000)  # a page shows a moment after its tab
    assert widget.isEnabled(), widget.text()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def click_tab(qtbot, window, label: str) -> None:
    """The page of that label: its section's tab, then its own (the guide says both)."""
    name = next(n for n, text in window.PAGES if text == label)
    click_page(qtbot, window, name)


def click_tree(qtbot, window, index) -> None:
    window.tree.scrollTo(index)
    qtbot.mouseClick(window.tree.viewport(), Qt.MouseButton.LeftButton,
                     pos=window.tree.visualRect(index).center())
    assert window.tree.currentIndex() == index


def child(window, parent, text: str):
    model = window.nav_model
    window.tree.expand(parent)
    for r in range(model.rowCount(parent)):
        index = model.index(r, 0, parent)
        if str(index.data()).startswith(text):
            return index
    raise AssertionError(f"{text} not under {parent.data()}")


def choose(qtbot, combo, text: str) -> None:
    """A choice picked with the keyboard, as the officer does: Home, then Down to it."""
    target = combo.findText(text)
    assert target >= 0, [combo.itemText(i) for i in range(combo.count())]
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Home)
    for _ in range(target - combo.currentIndex()):
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentText() == text


def retype(qtbot, edit, text: str) -> None:
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    type_text(edit, text)


def visible(kind):
    return next((w for w in QApplication.topLevelWidgets()
                 if isinstance(w, kind) and w.isVisible()), None)


def save_preview(qtbot, page, target: Path, monkeypatch) -> list[str]:
    """The preview of a document page asked for, saved with its «Lưu PDF…» button."""
    qtbot.waitUntil(lambda: last_preview(page) is not None, timeout=30000)
    preview = last_preview(page)
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(target), "")))
    [button] = [b for b in preview.findChildren(QPushButton) if b.text() == "Lưu PDF…"]
    click(qtbot, button)
    assert target.exists()
    preview.close()
    return [p.extract_text() for p in PdfReader(io.BytesIO(target.read_bytes())).pages]


def commune_sheet(path: Path) -> Path:
    """A Công an xã's roster as typed in Excel: title rows, the header, the numbering row
    under it, the people (one birth date impossible), the signatures."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["CÔNG AN XÃ MƯỜNG CHÀ", None, None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"])
    ws.append(["DANH SÁCH THÀNH VIÊN TỔ BẢO VỆ AN NINH, TRẬT TỰ BẢN HUỔI LẾCH"])
    ws.merge_cells("A2:F2")
    ws.append([])
    ws.append(["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Thôn/Bản", "Chức danh"])
    ws.append(["(1)", "(2)", "(3)", "(4)", "(5)", "(6)"])
    ws.append([1, "Lò Văn Thắng", "05/03/1985", "Nam", "Bản Huổi Lếch", "Tổ trưởng"])
    ws.append([2, "Giàng Thị Mỷ", "31/02/1992", "Nữ", "Huổi Lếch", "Tổ phó"])
    ws.append([3, "Vàng A Sùng", "12/08/1979", "Nam", "Bản Huổi Lếch", "Tổ viên"])
    ws.append([4, "Quàng Văn Piếng", "1990", "Nam", "Bản Huổi Lếch", "Tổ viên"])
    ws.append([])
    ws.append([None, "NGƯỜI LẬP BIỂU", None, None, "TRƯỞNG CÔNG AN XÃ"])
    ws.append([None, "(Ký, ghi rõ họ tên)"])
    wb.save(path)
    return path


def test_the_officers_day(qapp, qtbot, fresh_db, master_db, tmp_path, monkeypatch,
                          windows):
    make_application()

    # -- 1. The first run: the commune found by typing without accents. -------------------
    conn = db.open_database(fresh_db)
    wizard = first_run.FirstRunWizard(conn, fresh_db)
    wizard.show()
    qtbot.waitExposed(wizard)
    next_button, finish = wizard.button(NEXT), wizard.button(FINISH)
    qtbot.mouseClick(wizard.kind_page.buttons[first_run.COMMUNE], Qt.MouseButton.LeftButton,
                     pos=QPoint(8, wizard.kind_page.buttons[first_run.COMMUNE].height() // 2))
    click(qtbot, next_button)
    unit = wizard.unit_page
    unit.search.setFocus()
    type_text(unit.search, "muong cha")
    lst = unit.list
    item = next(lst.item(r) for r in range(lst.count())
                if lst.item(r).text() == "Xã Mường Chà — Tỉnh Điện Biên")
    qtbot.mouseClick(lst.viewport(), Qt.MouseButton.LeftButton,
                     pos=lst.visualItemRect(item).center())
    assert unit.chosen.text() == "Đã chọn: Xã Mường Chà — Tỉnh Điện Biên"
    picture(wizard, "01-chon-xa.png")
    click(qtbot, next_button)
    page = wizard.password_page
    page.password.setFocus()
    type_text(page.password, PASSWORD)
    type_text(page.repeat, PASSWORD)
    assert "Công an xã Mường Chà" in page.summary.text()
    click(qtbot, finish)
    assert wizard.result() == QWizard.DialogCode.Accepted
    wizard.close()
    conn.close()

    # The window, logged in as the account the wizard made.
    window = window_as(fresh_db, "admin", PASSWORD, windows)
    window.resize(1280, 800)  # every page's tab in view at the size officers' screens have
    assert window.windowTitle().endswith("Công an xã Mường Chà")
    root = window.nav_model.index(0, 0)
    commune = child(window, root, "Xã Mường Chà")

    # -- 2. Villages, added from the tree. ---------------------------------------------------
    right_click_tree(qtbot, window, commune, "Thêm thôn, bản")
    add = dialog_up(qtbot, window, areas_page.AddVillagesDialog)
    add.names.setFocus()
    for i, name in enumerate(("Bản Huổi Lếch", "Bản Na Sang", "Bản Mường Anh")):
        if i:
            qtbot.keyClick(add.names, Qt.Key.Key_Return)
        type_text(add.names, name)
    picture(add, "02-them-thon-ban.png")
    click(qtbot, add.save_button)
    assert window.statusBar().currentMessage().startswith("Đã thêm 3 thôn, bản")
    commune = child(window, window.nav_model.index(0, 0), "Xã Mường Chà")
    village = child(window, commune, "Bản Huổi Lếch")
    click_tree(qtbot, window, village)

    # -- 3. The Tổ bảo vệ an ninh, trật tự of the village. -----------------------------------
    click_tab(qtbot, window, "Tổ chức")
    click(qtbot, window.organizations.add_button)
    org_dialog = visible(OrganizationDialog)
    name = org_dialog.editors["name"].widget
    name.setFocus()
    type_text(name, "Tổ bảo vệ an ninh, trật tự bản Huổi Lếch")
    choose(qtbot, org_dialog.editors["org_type"].widget, "Tổ bảo vệ an ninh, trật tự")
    choose(qtbot, org_dialog.editors["unit_id"].widget, "Bản Huổi Lếch (Xã Mường Chà)")
    picture(org_dialog, "03-to-chuc.png")
    click(qtbot, org_dialog.buttons.button(QDialogButtonBox.StandardButton.Save))
    assert not org_dialog.isVisible(), org_dialog.banner.text()
    village = child(window, child(window, window.nav_model.index(0, 0), "Xã Mường Chà"),
                    "Bản Huổi Lếch")
    org = child(window, village, "Tổ bảo vệ an ninh, trật tự bản Huổi Lếch")
    assert org.data() == "Tổ bảo vệ an ninh, trật tự bản Huổi Lếch (0)"
    org_id = org.data(ID_ROLE)

    # -- 4. Its roster, from the commune's spreadsheet; a wrong date fixed in the preview. --
    click_tab(qtbot, window, "Người")
    click_tree(qtbot, window, org)
    people = window.people
    sheet = commune_sheet(tmp_path / "danh-sach-to-bao-ve.xlsx")
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(sheet), "")))
    click_button_menu(qtbot, people.excel_button, "Nhập danh sách từ Excel hoặc CSV…")
    importing = visible(RosterImportDialog)
    assert "4 dòng" in importing.summary.text() and "1 dòng lỗi" in importing.summary.text()
    assert "dòng đánh số cột" in importing.summary.text()
    assert not importing.import_all.isEnabled()
    table = importing.rows
    headings = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    birth = headings.index("Ngày sinh")
    row = next(r for r in range(table.rowCount()) if table.item(r, birth).text() == "31/02/1992")
    picture(importing, "04-nhap-excel-loi.png")
    retype_cell(qtbot, importing, table, row, birth, "28/02/1992")
    qtbot.waitUntil(lambda: "0 dòng lỗi" in importing.summary.text(), timeout=5000)
    picture(importing, "05-nhap-excel-da-sua.png")
    click(qtbot, importing.import_all)
    assert "Đã nhập: 4 người mới, 4 thành viên" in window.statusBar().currentMessage()
    assert str(window.tree.currentIndex().data()).endswith("(4)")
    qtbot.waitUntil(lambda: people.count.text() == "4 người", timeout=5000)
    assert people.model.index(0, 0).data() == "Lò Văn Thắng"  # the Tổ trưởng first
    picture(window, "06-danh-sach.png")

    # -- 5. The meeting, with who came and who did not. ------------------------------------
    click_tab(qtbot, window, "Biên bản họp")
    meetings = window.meetings
    click(qtbot, meetings.add_button)
    minutes = visible(MeetingDialog)
    assert minutes.editors["organization_id"].text() == org_id
    assert len(minutes.attendance.people) == 4
    title = minutes.editors["title"].widget
    title.setFocus()
    type_text(title, "Sinh hoạt định kỳ tháng 12")
    retype(qtbot, minutes.editors["started_at"].widget, "08:00 05/12/2026")
    absent_row = minutes.attendance.people.index(next(
        pid for pid in minutes.attendance.people
        if minutes.attendance.item(minutes.attendance.people.index(pid), 0).text()
        == "Vàng A Sùng"))
    check = minutes.attendance.cellWidget(absent_row, 1)
    qtbot.mouseClick(check, Qt.MouseButton.LeftButton, pos=QPoint(8, check.height() // 2))
    assert not check.isChecked()
    reason = minutes.attendance.cellWidget(absent_row, 2)
    qtbot.mouseClick(reason, Qt.MouseButton.LeftButton)
    type_text(reason, "Đi làm nương")
    picture(minutes, "07-bien-ban.png")
    click(qtbot, minutes.buttons.button(QDialogButtonBox.StandardButton.Save))
    assert not minutes.isVisible(), minutes.banner.text()
    meeting_id = meetings.current_id()
    marks = records.page(window.conn, KINDS["attendance"],
                         records.Query(filters={"meeting_id": meeting_id}))
    assert sorted((bool(m["present"]), m["absence_reason"] or "") for m in marks) == [
        (False, "Đi làm nương"), (True, ""), (True, ""), (True, "")]

    # -- 6. The minutes, printed to PDF. -----------------------------------------------------
    click(qtbot, meetings.print_button)
    text = "\n".join(save_preview(qtbot, meetings, tmp_path / "bien-ban.pdf", monkeypatch))
    assert "BIÊN BẢN" in text and "Sinh hoạt định kỳ tháng 12" in text
    assert "Vàng A Sùng" in text and "Đi làm nương" in text

    # -- 7. The quarter's report, printed to PDF. --------------------------------------------
    click_tab(qtbot, window, "Trang chủ")
    home = window.page("home")
    click_tree(qtbot, window, child(window, window.nav_model.index(0, 0), "Xã Mường Chà"))
    qtbot.waitUntil(lambda: home.isVisible() and home.summary.rowCount() > 0, timeout=10000)
    quarter = next(label for label, _p in period_choices(dt.date.today())
                   if label.startswith("Quý"))
    choose(qtbot, home.period, quarter)  # the quarter's report
    label = home.period.currentData().label  # "quý IV năm 2026"
    qtbot.waitUntil(lambda: home.title.text() == f"Xã Mường Chà — {label}", timeout=10000)
    members = next(r for r in range(home.summary.rowCount())
                   if home.summary.item(r, 0).text() == "Thành viên mới tham gia trong kỳ")
    assert int(home.summary.item(members, 1).text()) == 4  # joined today, this quarter
    qtbot.wait(100)  # painted before the picture
    picture(window, "08-trang-chu.png")
    click(qtbot, home.print_button)
    text = "\n".join(save_preview(qtbot, home, tmp_path / "bao-cao.pdf", monkeypatch))
    assert "BÁO CÁO" in text and "Mường Chà" in text

    # -- 8. The day's work to the province on a USB stick. -----------------------------------
    # The first time, «Ghi ra USB…» leads on to the keys and the enrolment request.
    monkeypatch.setattr(keys, "KDF_PARAMS", {"t": 1, "m": 8, "p": 1})
    stick = tmp_path / "usb"
    stick.mkdir()
    request, answer = stick / "yeu-cau.json", stick / "tra-loi.json"
    modals = (Modals(qtbot).then(QMessageBox, answer_box(qtbot, "Tạo khóa ngay"))
              .then(QMessageBox, answer_box(qtbot))
              .then(QMessageBox, answer_box(qtbot, "Đăng ký…")))
    menu_action(window, "&Ghi ra USB…").trigger()
    modals.done()
    sites = window.sync.last_dialog
    assert isinstance(sites, SitesDialog) and "Ghi yêu cầu đăng ký" in sites.guide_text()
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(request), "")))
    modals = Modals(qtbot).then(QMessageBox, answer_box(qtbot))
    click(qtbot, sites.request)
    modals.done()
    assert request.is_file()
    # The province accepts it in its own office (its program, not this window).
    province = tmp_path / "tinh" / "antq.db"
    province.parent.mkdir()
    copy_database(master_db, province)
    prov = db.open_database(province)
    try:
        site.init_site(prov, name="Công an tỉnh Điện Biên", province_code="11")
        keys.init_keys(prov)
        prov_keys = keys.unlock(prov)
        commune_fp = keys.fingerprint(site.require_site(window.conn).site_id,
                                      keys.public_keys(window.conn))
        enrol.accept_request(prov, prov_keys, request, answer, confirmed_fingerprint=commune_fp)
        province_fp = keys.fingerprint(prov_keys.site.site_id, prov_keys.public)
    finally:
        prov.close()
    # Back at the commune: the answer installed once the fingerprint read out matches.
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(answer), "")))

    def read_out(dialog: FingerprintDialog) -> None:
        dialog.typed.setFocus()
        type_text(dialog.typed, province_fp)
        click(qtbot, dialog.confirm_button)

    modals = Modals(qtbot).then(FingerprintDialog, read_out).then(QMessageBox, answer_box(qtbot))
    click(qtbot, sites.install)
    modals.done()
    click(qtbot, sites.close_button)
    # And the bundle, named for people, written to the stick.
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *a, **k: str(stick)))
    modals = Modals(qtbot).then(RecipientsDialog, lambda d: click(qtbot, d.ok_button))
    menu_action(window, "&Ghi ra USB…").trigger()
    qtbot.waitUntil(lambda: isinstance(window.sync.last_dialog, ResultsDialog), timeout=30000)
    modals.done()
    [bundle] = stick.glob("*.vsb")
    assert bundle.name.startswith("xa-muong-cha_tinh-dien-bien_"), bundle.name  # from, to
    assert bundle.name in window.sync.last_dialog.lines()[0]
    picture(window.sync.last_dialog, "09-gui-tinh.png")
    click(qtbot, window.sync.last_dialog.close_button)
