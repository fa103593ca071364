"""Period approval in the window (issue 15): on the province's *Các xã* page a commune's
period is approved by clicking (the period typed into the dialog), shown in the table, and a
minute dated in it can then not be edited in the window, with the storage's line; at the
commune, once the approval has come down, the chief reads the approved periods and unlocks
one, saying why."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QDialogButtonBox,
    QInputDialog,
    QLineEdit,
    QMessageBox,
)
from uikit import (
    click_menu,
    click_page,
    close_window,
    find_organization,
    keyed_site,
    save,
    type_text,
    when_modal,
)

from desktop.storage import db, periods
from desktop.storage.writer import Store
from desktop.sync import enrol, exchange, keys
from desktop.ui.exchange.approvals_dialog import ApprovalsDialog
from desktop.ui.records.editors import MeetingDialog
from desktop.ui.shell.app import build_window, make_application
from desktop.ui.shell.navigation import ID_ROLE

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture(autouse=True)
def fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keys, "KDF_PARAMS", {"t": 1, "m": 8, "p": 1})


@pytest.fixture
def sites(master_db: Path, tmp_path: Path):
    """The province and Mường Nhé (03160) enrolled; the commune's minutes of 15/08/2026 (Q3)
    imported at the province. Returns (province, commune, minutes id, organization id)."""
    province = keyed_site(master_db, tmp_path / "tinh", "Công an tỉnh Điện Biên",
                        province_code="11")
    commune = keyed_site(master_db, tmp_path / "xa", "Công an xã Mường Nhé",
                       commune_code="03160")
    prov, conn = db.open_database(province), db.open_database(commune)
    prov_keys, own = keys.unlock(prov), keys.unlock(conn)
    request, answer = tmp_path / "xa.req", tmp_path / "xa.ans"
    fp = enrol.make_request(conn, own, request)
    enrol.accept_request(prov, prov_keys, request, answer, confirmed_fingerprint=fp)
    enrol.install_response(conn, answer, keys.fingerprint(prov_keys.site.site_id,
                                                          prov_keys.public))
    unit = conn.execute("SELECT id FROM unit WHERE code = '03160' AND level = 'commune' "
                        "AND valid_to IS NULL"
                        ).fetchone()[0]
    store = Store(conn, actor="xã")
    org = store.add("organization", {"name": "Tổ tự quản số 1", "org_type": "to_tu_quan",
                                     "unit_id": unit}).id
    minutes = store.add("meeting", {"organization_id": org, "title": "Họp quý III",
                                    "started_at": "08:00 15/08/2026"}).id
    (tmp_path / "len").mkdir()
    exchange.export_to_folder(conn, own, tmp_path / "len")
    exchange.import_files(prov, prov_keys, [tmp_path / "len"])
    prov.close()
    conn.close()
    return province, commune, minutes, org


def open_window(path: Path):
    make_application()
    w = build_window(path)
    w.show()
    return w


def click_tab(qtbot, w, name: str) -> None:
    click_page(qtbot, w, name)  # its section's tab, then its own


def answer_text(qtbot, text: str) -> None:
    """The next QInputDialog gets ``text`` typed (over what it offers) and OK."""
    def answer(dialog: QInputDialog) -> None:
        edit = dialog.findChild(QLineEdit)
        edit.setFocus()
        edit.selectAll()
        type_text(edit, text)
        ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
        qtbot.mouseClick(ok, LEFT)

    when_modal(QInputDialog, answer)


def test_the_province_approves_by_clicking_and_the_minutes_are_locked(qtbot, sites, tmp_path):
    province, commune, minutes, org = sites
    w = open_window(province)
    click_tab(qtbot, w, "communes")
    page = w.communes
    qtbot.waitUntil(lambda: page.table.rowCount() == 1, timeout=10000)
    approved_col = page.table.columnCount() - 1
    assert page.table.horizontalHeaderItem(approved_col).text() == "Kỳ đã phê duyệt"
    assert page.table.item(0, approved_col).text() == ""
    qtbot.mouseClick(page.table.viewport(), LEFT,
                     pos=page.table.visualItemRect(page.table.item(0, 0)).center())
    assert page.approve_button.isEnabled()

    answer_text(qtbot, "2026-q3")
    qtbot.mouseClick(page.approve_button, LEFT)
    [a] = periods.approvals(w.conn)
    assert (a.period, a.status, a.locks) == ("2026-Q3", "approved", True)
    qtbot.waitUntil(lambda: page.table.rowCount() == 1 and not page.computing, timeout=10000)
    assert page.table.item(0, approved_col).text() == "2026-Q3"
    save(w, "province_communes_approved.png")

    # A period the storage does not read: its line, nothing written.
    def close_box(box) -> None:
        assert "«2026-Q9» không phải kỳ số liệu" in box.text()
        box.accept()

    answer_text(qtbot, "2026-Q9")
    when_modal(QMessageBox, close_box)
    qtbot.mouseClick(page.approve_button, LEFT)
    assert len(periods.approvals(w.conn)) == 1

    # The minutes of 15/08/2026, edited in the window: refused with the storage's line.
    org_index = find_organization(w, lambda i: i.data(ID_ROLE) == org)
    assert org_index is not None
    w.tree.scrollTo(org_index)
    qtbot.mouseClick(w.tree.viewport(), LEFT, pos=w.tree.visualRect(org_index).center())
    click_tab(qtbot, w, "meetings")
    meetings = w.meetings
    qtbot.waitUntil(lambda: meetings.model.rowCount() == 1, timeout=5000)
    qtbot.mouseClick(meetings.table.viewport(), LEFT,
                     pos=meetings.table.visualRect(meetings.model.index(0, 0)).center())
    assert meetings.current_id() == minutes
    qtbot.mouseClick(meetings.edit_button, LEFT)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), MeetingDialog),
                    timeout=3000)
    dialog = QApplication.activeModalWidget()
    place = dialog.editors["place"].widget
    place.setFocus()
    type_text(place, "Nhà văn hóa")
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Save), LEFT)
    assert dialog.isVisible()
    assert "thuộc kỳ 2026-Q3 của" in dialog.banner.text() and \
        "unlock-period" in dialog.banner.text(), dialog.banner.text()
    dialog.grab().save(str(tmp_path / "refused.png"))
    dialog.reject()
    assert w.conn.execute("SELECT place FROM meeting WHERE id = ?", (minutes,)).fetchone()[0] \
        != "Nhà văn hóa"

    # The approval goes down with the next bundle.
    (tmp_path / "xuong").mkdir()
    exchange.export_to_folder(w.conn, keys.unlock(w.conn), tmp_path / "xuong")
    close_window(w)
    conn = db.open_database(commune)
    exchange.import_files(conn, keys.unlock(conn), [tmp_path / "xuong"])
    conn.close()

    # At the commune: Đồng bộ → Kỳ số liệu đã phê duyệt…, the chief unlocks Q3, saying why.
    c = open_window(commune)
    seen: list[list[list[str]]] = []

    def in_dialog(dialog: ApprovalsDialog) -> None:
        seen.append(dialog.rows())
        answer_text(qtbot, "Sửa địa điểm ghi nhầm")
        qtbot.mouseClick(dialog.unlock_button, LEFT)
        seen.append(dialog.rows())
        dialog.grab().save(str(tmp_path / "approvals.png"))
        qtbot.mouseClick(dialog.close_button, LEFT)

    when_modal(ApprovalsDialog, in_dialog)
    [item] = [a for m in c.menuBar().actions() if m.menu() is not None
              for a in m.menu().actions() if a.text() == "Kỳ số liệ&u đã phê duyệt…"]
    click_menu(qtbot, c, item)
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=5000)
    assert seen[0][0][0] == "2026-Q3" and seen[0][0][1:4] == ["01/07/2026", "30/09/2026", "khóa"]
    assert seen[1][0][3] == "đã mở khóa" and "Sửa địa điểm ghi nhầm" in seen[1][0][5]
    [a] = periods.approvals(c.conn)
    assert a.unlocked and a.unlock_reason == "Sửa địa điểm ghi nhầm"
    Store(c.conn).edit("meeting", minutes, {"place": "Hội trường"})  # open again
    close_window(c)


def test_the_communes_page_counts_off_the_window_and_keeps_the_newest(qtbot, sites,
                                                                      monkeypatch):
    """«Làm mới» clicked twice: the first count, slower, comes last and is dropped."""
    import threading
    import time

    from desktop.sync import overview

    province, _commune, _minutes, _org = sites
    real = overview.overview
    calls: list[int] = []
    main = threading.current_thread()
    lock = threading.Lock()

    def counted(conn, today=None):
        assert threading.current_thread() is not main  # never on the window's thread
        with lock:
            calls.append(len(calls))
            n = calls[-1]
        view = real(conn, today)
        if n == 1:  # the first «Làm mới»: slow, and says so
            time.sleep(1.0)
            view.late_after = 111
        elif n == 2:
            view.late_after = 222
        return view

    monkeypatch.setattr(overview, "overview", counted)
    w = open_window(province)
    click_tab(qtbot, w, "communes")
    page = w.communes
    qtbot.waitUntil(lambda: len(calls) == 1 and not page.computing, timeout=10000)
    qtbot.mouseClick(page.refresh_button, LEFT)
    assert page.summary.text() == "Đang tính…" and not page.approve_button.isEnabled()
    qtbot.waitUntil(lambda: len(calls) == 2, timeout=5000)
    qtbot.mouseClick(page.refresh_button, LEFT)
    qtbot.waitUntil(lambda: not page.computing, timeout=10000)
    assert page.view.late_after == 222
    qtbot.wait(1500)  # the slow first count has come back meanwhile
    assert page.view.late_after == 222 and page.threshold.value() == 222
    close_window(w)


def test_an_officer_may_not_unlock_and_is_told_in_one_line(qtbot, sites, tmp_path, windows):
    from dbkit import TEST_PASSWORD, TEST_USER
    from uikit import window_as

    from desktop.storage import accounts

    province, commune, _minutes, _org = sites
    prov = db.open_database(province)
    periods.approve(Store(prov), "03160", "2026-Q3")
    (tmp_path / "xuong").mkdir()
    exchange.export_to_folder(prov, keys.unlock(prov), tmp_path / "xuong")
    prov.close()
    conn, _a, _n = accounts.login(commune, TEST_USER, TEST_PASSWORD)
    exchange.import_files(conn, keys.unlock(conn), [tmp_path / "xuong"])
    accounts.add(conn, "maiv", "officer", "mật khẩu cán bộ")
    conn.close()
    w = window_as(commune, "maiv", "mật khẩu cán bộ", windows)
    told: list[str] = []

    def in_dialog(dialog: ApprovalsDialog) -> None:
        def close_box(box: QMessageBox) -> None:
            told.append(box.text())
            box.accept()

        answer_text(qtbot, "Sửa số liệu")
        when_modal(QMessageBox, close_box)
        qtbot.mouseClick(dialog.unlock_button, LEFT)
        told.append(dialog.rows()[0][3])
        qtbot.mouseClick(dialog.close_button, LEFT)

    when_modal(ApprovalsDialog, in_dialog)
    [item] = [a for m in w.menuBar().actions() if m.menu() is not None
              for a in m.menu().actions() if a.text() == "Kỳ số liệ&u đã phê duyệt…"]
    click_menu(qtbot, w, item)
    qtbot.waitUntil(lambda: len(told) == 2, timeout=5000)
    assert told == ["Tài khoản «maiv» (cán bộ) không được mở khóa kỳ đã phê duyệt", "khóa"]
    [a] = periods.approvals(w.conn)
    assert a.locks
