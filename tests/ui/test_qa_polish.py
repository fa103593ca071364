"""What a careful new user saw on the screenshots of every page and dialog (issue 14, «the
screenshots look like a finished Vietnamese desktop program»), each through clicks: an editor
titled with its abbreviation intact; a new member starting as Đội viên (Hòa giải viên …) among
the roles of the organization's type; the log's moments and details in words; the recently
deleted page saying why it is empty; the duplicates' figures right-aligned; the file dialog
without stale sticks; the demo's camera owners «ông» or «bà» as their names say."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel, QMessageBox
from uikit import click_button_menu, click_menu, click_page, close_window, open_window

from desktop.domain.text import lower_first
from desktop.ui.records.record_dialog import RecordDialog
from desktop.ui.records.record_model import NUMBER
from desktop.ui.shell.navigation import ID_ROLE

MOMENT = re.compile(r"^\d\d:\d\d \d\d/\d\d/\d{4}$")


@pytest.fixture
def window(qapp, demo_factory, tmp_path):
    w = open_window(demo_factory(1, 5), tmp_path)
    yield w
    close_window(w)


def shown_editor(qtbot, parent) -> RecordDialog:
    def found() -> RecordDialog | None:
        return next((d for d in parent.findChildren(RecordDialog) if d.isVisible()), None)

    qtbot.waitUntil(lambda: found() is not None, timeout=3000)
    return found()


def close_editor(qtbot, dialog) -> None:
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # nothing typed: it closes without asking
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=3000)


def test_a_label_in_a_sentence_keeps_its_abbreviations():
    assert lower_first("Đánh giá An toàn về ANTT") == "đánh giá An toàn về ANTT"
    assert lower_first("Camera an ninh") == "camera an ninh"
    assert lower_first("CCCD của người") == "CCCD của người"


def test_an_editor_is_titled_with_its_abbreviation_intact(window, qtbot):
    page = click_page(qtbot, window, "safety")
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    dialog = shown_editor(qtbot, page)
    # not «Thêm đánh giá an toàn về antt»
    assert dialog.windowTitle() == "Thêm đánh giá An toàn về ANTT"
    close_editor(qtbot, dialog)


@pytest.mark.parametrize(("org_type", "roles"), [
    ("doi_dan_phong", ["Đội trưởng", "Đội phó", "Đội viên"]),
    ("to_hoa_giai", ["Tổ trưởng tổ hòa giải", "Hòa giải viên"]),
])
def test_a_new_member_starts_as_a_plain_member_among_the_types_roles(window, qtbot, org_type,
                                                                      roles):
    village = window.conn.execute("SELECT id FROM unit WHERE level = 'village' AND "
                                  "_deleted = 0 LIMIT 1").fetchone()[0]
    org = window.store.add("organization", {"name": "Đơn vị thử", "org_type": org_type,
                                             "unit_id": village}).id
    window.reload_tree()
    # The organization reached in the tree by clicks, as the officer does.
    from uikit import find_organization

    index = find_organization(window, lambda i: i.data(ID_ROLE) == org)
    window.tree.scrollTo(index)
    qtbot.mouseClick(window.tree.viewport(), Qt.MouseButton.LeftButton,
                     pos=window.tree.visualRect(index).center())
    page = click_page(qtbot, window, "people")
    qtbot.waitUntil(page.members_button.isVisible, timeout=3000)
    click_button_menu(qtbot, page.members_button, "Thêm thành viên…")
    dialog = shown_editor(qtbot, page)
    role = dialog.editors["role"].widget
    offered = [role.itemText(i) for i in range(role.count())]
    assert offered == roles  # the type's own, not every role of every type
    assert role.currentText() == roles[-1]  # not its leader: a Đội has its Đội trưởng
    assert not dialog.editors["role"].message.isVisibleTo(dialog)  # no «bắt buộc phải có»
    assert not dialog.has_changes()  # opened untouched: Esc closes without asking
    close_editor(qtbot, dialog)


def test_the_log_writes_moments_our_way_and_records_in_words(window, qtbot):
    pid = window.store.add("person", {"full_name": "Lò Văn Ấn", "birth_date": "1990-03-05",
                                      "ethnicity": "thai", "citizen_id": "011090001234"}).id
    window.store.edit("person", pid, {"birth_date": "1990-04-06"})
    page = click_page(qtbot, window, "audit")
    qtbot.waitUntil(lambda: page.model.rowCount() >= 2, timeout=3000)
    m = page.model
    edited = [m.data(m.index(0, c)) for c in range(m.columnCount())]
    made = [m.data(m.index(1, c)) for c in range(m.columnCount())]
    assert MOMENT.match(edited[1]) and MOMENT.match(made[1])  # not "2026-12-06 11:16:20"
    assert edited[4] == "Người: Ngày sinh"
    assert (edited[5], edited[6]) == ("05/03/1990", "06/04/1990")  # not "1990-03-05"
    assert "Họ và tên: Lò Văn Ấn" in made[6] and "Ngày sinh: 05/03/1990" in made[6]
    assert "Dân tộc: (đã ẩn)" in made[6]  # a sensitive field: kept as a keyed hash
    assert "full_name" not in made[6] and "ethnicity" not in made[6]
    assert "011090001234" not in made[6] and "hmac:" not in made[6]  # hidden, in words
    # The moment is not cut: its column is as wide as it.
    width = page.table.fontMetrics().horizontalAdvance(edited[1])
    assert page.table.horizontalHeader().sectionSize(1) > width


def test_recently_deleted_says_why_it_is_empty_and_erases_only_a_person(window, qtbot):
    page = click_page(qtbot, window, "deleted")
    assert page.model.rowCount() == 0
    assert "Chưa có bản ghi nào bị xóa" in page.count.text()
    assert not page.erase_button.isEnabled() and not page.restore_button.isEnabled()
    org = window.conn.execute("SELECT id FROM organization WHERE _deleted = 0 LIMIT 1"
                              ).fetchone()[0]
    pid = window.store.add("person", {"full_name": "Vàng Thị Mai"}).id
    window.undo.delete("organization", org)
    window.undo.delete("person", pid)
    window.changed()
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=3000)
    assert page.count.text() == "2 bản ghi đã xóa"

    def click_row(kind: str) -> None:
        row = next(i for i, item in enumerate(page.items) if item.kind == kind)
        rect = page.table.visualRect(page.model.index(row, 1))
        qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())

    click_row("organization")
    assert page.restore_button.isEnabled() and not page.erase_button.isEnabled()
    click_row("person")
    assert page.restore_button.isEnabled() and page.erase_button.isEnabled()


def test_the_duplicates_figures_are_right_aligned(window, qtbot):
    village = window.conn.execute("SELECT id FROM unit WHERE level = 'village' AND "
                                  "_deleted = 0 LIMIT 1").fetchone()[0]
    for _i in range(2):
        window.store.add("person", {"full_name": "Giàng Thị Pà", "birth_date": "1987-02-11",
                                    "residence_unit_id": village})
    page = click_page(qtbot, window, "duplicates")
    qtbot.mouseClick(page.scan_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any("Giàng Thị Pà" in (page.table.item(r, 2).text() or "")
                                for r in range(page.table.rowCount())), timeout=20000)
    for col in (0, 1):
        assert page.table.item(0, col).textAlignment() == NUMBER.value


def test_the_data_folder_box_writes_each_path_on_one_line(window, qtbot):
    action = next(a for m in window.menuBar().actions() if m.menu()
                  for a in m.menu().actions() if a.text() == "&Dữ liệu của tôi ở đâu")
    click_menu(qtbot, window, action)
    qtbot.waitUntil(lambda: any(isinstance(w, QMessageBox) and w.isVisible()
                                for w in QApplication.topLevelWidgets()), timeout=3000)
    box = next(w for w in QApplication.topLevelWidgets()
               if isinstance(w, QMessageBox) and w.isVisible())
    label = next(lb for lb in box.findChildren(QLabel) if "<table>" in lb.text())
    longest = max(re.findall(r"<code>(.*?)</code>", label.text()), key=len)
    assert label.width() > label.fontMetrics().horizontalAdvance(longest)
    box.close()


def test_the_file_dialog_drops_sticks_no_longer_there_and_shows_whole_dates(qapp, tmp_path,
                                                                            monkeypatch):
    from desktop.ui.common import file_dialogs

    gone = tmp_path / "KINGSTON"  # a stick plugged in once, remembered by Qt since
    real = QFileDialog.sidebarUrls
    remembered = [QUrl.fromLocalFile(str(gone)), QUrl.fromLocalFile(str(tmp_path))]
    calls: list[int] = []

    def sidebar(self):
        if not calls:  # the side panel as Qt restores it
            calls.append(1)
            return remembered
        return real(self)

    monkeypatch.setattr(QFileDialog, "sidebarUrls", sidebar)
    dialog = file_dialogs.file_dialog(None, "Chọn gói", str(tmp_path),
                                      accept=QFileDialog.AcceptMode.AcceptOpen,
                                      mode=QFileDialog.FileMode.ExistingFile)
    try:
        shown = [u.toLocalFile() for u in dialog.sidebarUrls()]
        assert str(gone) not in shown and str(tmp_path) in shown
        from PySide6.QtWidgets import QTreeView

        view = dialog.findChild(QTreeView)
        whole = view.fontMetrics().horizontalAdvance("21:31 06/12/2026")
        assert view.header().sectionSize(3) > whole  # not "21:31 …2/2026"
        assert dialog.width() >= 900
    finally:
        dialog.deleteLater()


def test_the_demo_cameras_owners_are_ong_or_ba_as_their_names_say(window, qtbot):
    page = click_page(qtbot, window, "cameras")
    qtbot.waitUntil(lambda: page.model.rowCount() > 0, timeout=3000)
    owners = [page.model.index(r, 0).data() for r in range(page.model.rowCount())]
    assert owners and all(o.startswith(("Hộ ông ", "Hộ bà ")) for o in owners)
    # «Hộ bà Lò Văn Thành», «Hộ ông Cà Thị Sơn» read as mistakes
    assert all((" Thị " in o) == o.startswith("Hộ bà ") for o in owners), owners


def test_the_home_pages_figures_are_never_written_over_each_other(window, qtbot):
    page = click_page(qtbot, window, "home")
    qtbot.waitUntil(lambda: page.chart.rows != [], timeout=5000)
    qtbot.waitUntil(page.chart.isVisible, timeout=3000)
    page.chart.grab()  # painted as on the screen
    figures = page.chart.figure_rects
    assert len(figures) == 2 * len(page.chart.rows)
    # a pair's two figures (equal, or near-equal as «1.478» and «1.578») on their own lines
    for a, b in zip(figures[::2], figures[1::2], strict=True):
        assert not a.intersects(b), (a, b)
    # and the summary's headings whole: «Cùng kỳ» in English once read «period las»
    header = page.summary.horizontalHeader()
    for column in (1, 2, 3):
        text = page.summary.horizontalHeaderItem(column).text()
        assert header.sectionSize(column) >= header.fontMetrics().horizontalAdvance(text)


def test_the_crime_figures_editor_says_how_to_write_a_period(window, qtbot):
    page = click_page(qtbot, window, "crime")
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    dialog = shown_editor(qtbot, page)
    hint = dialog.editors["period"].widget.placeholderText()
    assert "2026-Q4" in hint and "2026-10" in hint
    close_editor(qtbot, dialog)


def test_the_demo_models_are_of_the_type_their_names_say(window, qtbot):
    page = click_page(qtbot, window, "models")
    qtbot.waitUntil(lambda: page.model.rowCount() > 0, timeout=3000)
    names = {name: c for c, name in enumerate(page.model.columns)}
    rows = [(page.model.index(r, names["name"]).data(),
             page.model.index(r, names["model_type"]).data())
            for r in range(page.model.rowCount())]
    cameras = [kind for name, kind in rows if name.startswith("Camera an ninh")]
    assert cameras and all(kind.startswith("Hệ thống camera") for kind in cameras), rows
    assert all(kind == "Zalo an ninh" for name, kind in rows if name.startswith("Zalo an ninh"))
    # «Camera an ninh xã Mường Chà»: the commune's kind in lower case inside a name
    assert all(" Xã " not in name for name, _kind in rows if name.startswith("Camera"))


def test_restore_waits_for_a_copy_to_be_chosen(window, qtbot):
    from desktop.storage import backup
    from desktop.ui.accounts.backup_dialog import RestoreDialog

    action = next(a for m in window.menuBar().actions() if m.menu()
                  for a in m.menu().actions() if a.text() == "&Khôi phục từ bản sao lưu…")

    def opened() -> RestoreDialog:
        click_menu(qtbot, window, action)
        qtbot.waitUntil(lambda: any(isinstance(x, RestoreDialog) and x.isVisible()
                                    for x in QApplication.topLevelWidgets()), timeout=3000)
        return next(x for x in QApplication.topLevelWidgets()
                    if isinstance(x, RestoreDialog) and x.isVisible())

    dialog = opened()
    assert dialog.list.count() == 0
    # «Khôi phục», not an «Đồng ý» that closed the dialog and did nothing
    assert dialog.restore_button.text() == "Khôi phục"
    assert not dialog.restore_button.isEnabled()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=3000)
    backup.backup_now(window.conn, window.db_path, "manual")
    dialog = opened()
    assert dialog.list.count() == 1 and dialog.restore_button.isEnabled()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=3000)


def test_a_minutes_file_is_added_by_a_button_too(window, qtbot, tmp_path, monkeypatch):
    from desktop.storage import attachments
    from desktop.ui.records import editors

    scan = tmp_path / "Biên bản bản chụp.png"
    scan.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    monkeypatch.setattr(editors.QFileDialog, "getOpenFileNames",
                        lambda *a, **k: ([str(scan)], ""))
    from uikit import find_item, type_text

    window.tree.setCurrentIndex(find_item(window, "organization"))
    page = click_page(qtbot, window, "meetings")
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    dialog = shown_editor(qtbot, page)
    assert not dialog.save_file.isEnabled()  # nothing saved to write out yet
    qtbot.mouseClick(dialog.add_file_button, Qt.MouseButton.LeftButton)
    assert dialog.files.item(0).text() == "Biên bản bản chụp.png (mới)"
    type_text(dialog.editors["title"].widget, "Họp tổ")
    dialog.editors["started_at"].widget.setText("08:00 05/12/2026")
    from PySide6.QtWidgets import QDialogButtonBox

    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Save),
                     Qt.MouseButton.LeftButton)
    assert not dialog.isVisible(), dialog.banner.text()
    saved = attachments.attachments_of(window.store, "meeting", page.current_id())
    assert [a["filename"] for a in saved] == ["Biên bản bản chụp.png"]


def test_the_sync_guide_speaks_of_buttons_not_commands(window, qtbot):
    from desktop.ui.exchange.sync_dialogs import SitesDialog

    action = next(a for m in window.menuBar().actions() if m.menu()
                  for a in m.menu().actions() if a.text() == "Điểm đồng bộ và &khóa…")
    click_menu(qtbot, window, action)
    qtbot.waitUntil(lambda: any(isinstance(x, SitesDialog) and x.isVisible()
                                for x in QApplication.topLevelWidgets()), timeout=5000)
    dialog = next(x for x in QApplication.topLevelWidgets()
                  if isinstance(x, SitesDialog) and x.isVisible())
    shown = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert "«Tạo khóa»" in shown  # the guide is there
    assert "antq " not in shown and "--out" not in shown  # no command line in the window
    dialog.close()


def test_the_tips_filters_and_search_are_whole_at_1280(window, qtbot):
    window.resize(1280, 800)
    page = click_page(qtbot, window, "tips")
    qtbot.waitUntil(lambda: page.model.rowCount() > 0, timeout=3000)
    QApplication.processEvents()
    for combo in page.filters.values():  # «Loại nguồn tin: tất c» once
        needed = combo.fontMetrics().horizontalAdvance(combo.currentText())
        assert combo.width() > needed + 20, (combo.currentText(), combo.width())
    assert page.search.width() >= 200
    assert page.print_button.isVisible()


def test_the_areas_list_writes_a_villages_kind_as_a_list_does(window, qtbot):
    page = click_page(qtbot, window, "areas")  # the province: every commune's villages
    qtbot.waitUntil(lambda: page.model.rowCount() > 0, timeout=3000)
    kinds = {page.model.index(r, 2).data() for r in range(page.model.rowCount())}
    assert kinds and all(k[:1].isupper() for k in kinds), kinds  # «Bản», not «bản»


def test_the_home_page_counts_the_communes_that_have_not_sent(window, qtbot, monkeypatch):
    from desktop.sync import overview

    rows = [{"code": f"03{n:03d}", "name": f"Xã Thử {n}", "last_received": None,
             "last_received_shown": ""} for n in range(45)]
    monkeypatch.setattr(overview, "not_sent", lambda *_a, **_k: rows)
    page = click_page(qtbot, window, "home")
    page.reload()  # as a new period chosen does
    qtbot.waitUntil(lambda: page.not_sent.isVisibleTo(page), timeout=5000)
    shown = page.not_sent.text()
    # not 45 names over half the page: how many, the first few, the rest on hover
    assert shown.startswith("45 xã/phường chưa gửi số liệu kỳ này: Xã Thử 0, ")
    assert "Xã Thử 6" not in shown and "trang Các xã" in shown
    assert "Xã Thử 44 (03044, chưa gửi gói nào)" in page.not_sent.toolTip()
