"""What an officer does all day, through the window: add, validate, save, undo, delete,
restore, add a member to a Tổ, write minutes with attendance, replicate a model."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from uikit import SCREENSHOTS, click_page, close_window, find_item, open_window, type_text

from desktop.domain.kinds import KINDS
from desktop.reports.profiles import Profile
from desktop.storage import records, rosters
from desktop.ui.common.print_preview import last_preview
from desktop.ui.shell.navigation import ID_ROLE


@pytest.fixture
def window(qapp, demo_factory, tmp_path):
    w = open_window(demo_factory(1, 20), tmp_path)
    yield w
    close_window(w)


def names_shown(page) -> list[str]:
    return [page.model.index(r, 0).data() for r in range(page.model.rowCount())]




def select_village(window):
    village = find_item(window, "organization").parent()
    window.tree.setCurrentIndex(village)
    return village


def test_add_a_person_with_inline_validation_then_undo(window, qtbot):
    select_village(window)
    page = window.people
    dialog = page.add()
    name = dialog.editors["full_name"]
    name.widget.setFocus()
    type_text(name.widget, "Hoàng Thị Đào")
    birth = dialog.editors["birth_date"]
    type_text(birth.widget, "31/02/1990")
    dialog.save()  # refused: the message stands next to the date, nothing is written
    assert dialog.isVisible()
    assert birth.message.isVisible() and "31/02/1990" in birth.message.text()
    assert "Hoàng Thị Đào" not in names_shown(page)
    birth.widget.clear()
    type_text(birth.widget, "03/1990")
    dialog.editors["citizen_id"].widget.setText("011190123456")
    dialog.check_field(dialog.editors["citizen_id"])
    assert "Điện Biên" in dialog.editors["citizen_id"].message.text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    dialog.grab().save(str(SCREENSHOTS / "person_editor.png"))
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=2000)
    qtbot.keyClick(name.widget, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert not dialog.isVisible(), [e.message.text() for e in dialog.editors.values()]
    assert "Hoàng Thị Đào" in names_shown(page)
    assert window.statusBar().currentMessage().startswith("Đã lưu")
    saved = [r for r in records.page(window.conn, KINDS["person"],
                                     records.Query(search="hoang thi dao"))]
    assert [(r["birth_date"], r["residence_unit_id"]) for r in saved] == [
        ("1990-03", window.selection.unit_id)]

    window.undo_last()
    assert "Hoàng Thị Đào" not in names_shown(page)
    assert window.statusBar().currentMessage() == "Đã hoàn tác"


def test_delete_asks_first_and_recently_deleted_restores(window):
    page = window.people
    page.table.selectRow(0)
    name = names_shown(page)[0]
    page.delete_current(confirm=lambda _parent, _what: False)
    assert name in names_shown(page)
    page.delete_current(confirm=lambda _parent, what: what == name)
    assert name not in names_shown(page)
    assert "Hoàn tác" in window.statusBar().currentMessage()
    window.show_page("deleted")
    deleted = window.deleted
    assert [i.title for i in deleted.items] == [name]
    deleted.table.selectRow(0)
    deleted.restore_current()
    assert deleted.items == []
    window.show_page("people")
    assert name in names_shown(page)


def test_add_a_member_to_a_to_and_end_the_membership(window):
    org = find_item(window, "organization")
    window.tree.setCurrentIndex(org)
    page = window.people
    before = page.model.total
    outsider = rosters.people_page(window.conn, rosters.Scope(), limit=1)[0]
    dialog = page.add_member()
    assert not dialog.editors["organization_id"].widget.isEnabled()
    dialog.editors["person_id"].set_value(outsider["id"], outsider["full_name"])
    role = dialog.editors["role"].widget
    # The organization's own roles (a Đội dân phòng has no «Tổ viên»), its plain member last.
    role.setCurrentIndex(role.count() - 1)
    dialog.editors["joined_date"].widget.setText("01/12/2026")
    dialog.save()
    assert not dialog.isVisible(), dialog.banner.text()
    assert page.model.total == before + 1
    row = page.model.row_of(str(outsider["id"]))
    page.table.selectRow(row)
    leave = page.end_membership()
    leave.editors["left_date"].widget.setText("02/12/2026")
    reason = leave.editors["exit_reason"].widget
    reason.setCurrentIndex(reason.findData("tu_nguyen"))
    leave.save()
    assert not leave.isVisible(), leave.banner.text()
    assert page.model.total == before
    # The former members, with when and why they left.
    assert page.members_filter.isVisible() and not page.org_type_filter.isVisible()
    page.members_filter.setCurrentIndex(page.members_filter.findData(True))
    row = page.model.row_of(str(outsider["id"]))
    assert row >= 0
    shown = {page.model.column_name(c): page.model.index(row, c).data()
             for c in range(page.model.columnCount())}
    assert shown["left_date"] == "02/12/2026"
    assert shown["exit_reason"] == "Tự nguyện xin thôi tham gia"
    # Another organization opens on its current members.
    window.tree.setCurrentIndex(window.nav_model.index(0, 0))
    window.tree.setCurrentIndex(org)
    assert page.members_filter.currentData() is False


def test_minutes_with_attendance_are_saved_in_one_step(window):
    org = find_item(window, "organization")
    window.tree.setCurrentIndex(org)
    window.show_page("meetings")
    page = window.meetings
    dialog = page.add()
    assert dialog.editors["organization_id"].text() == org.data(ID_ROLE)
    members = dialog.attendance.people
    assert len(members) >= 3
    type_text(dialog.editors["title"].widget, "Sinh hoạt định kỳ tháng 12")
    dialog.editors["started_at"].widget.setText("08:00 05/12/2026")
    dialog.attendance.cellWidget(1, 1).setChecked(False)
    dialog.attendance.cellWidget(1, 2).setText("Đi làm nương")
    dialog.grab().save(str(SCREENSHOTS / "minutes_editor.png"))
    dialog.save()
    assert not dialog.isVisible(), dialog.banner.text()
    meeting_id = page.current_id()
    rec = records.get(window.conn, KINDS["meeting"], meeting_id)
    assert rec["title"] == "Sinh hoạt định kỳ tháng 12" and rec["number"] >= 1
    marks = records.page(window.conn, KINDS["attendance"],
                         records.Query(filters={"meeting_id": meeting_id}))
    assert len(marks) == len(members)
    assert [m["absence_reason"] for m in marks if not m["present"]] == ["Đi làm nương"]
    window.undo_last()  # the minutes and their attendance go together
    assert records.count(window.conn, KINDS["attendance"],
                         records.Query(filters={"meeting_id": meeting_id})) == 0


def test_replicate_a_model_into_the_selected_village(window):
    """Select the village, then the model and Nhân rộng…: the dialog needs only Lưu."""
    window.show_page("models")
    village = select_village(window)
    page = window.models
    assert page.model.total > 0  # the village shows its commune's models
    page.table.selectRow(0)
    model_id = page.current_id()
    before = records.count(window.conn, KINDS["replication"],
                           records.Query(filters={"model_id": model_id}))
    dialog = page.replicate()
    assert dialog.editors["unit_id"].text() == village.data(ID_ROLE)
    dialog.save()
    assert not dialog.isVisible(), dialog.banner.text()
    after = records.count(window.conn, KINDS["replication"],
                          records.Query(filters={"model_id": model_id}))
    assert after == before + 1


def test_home_page_shows_the_figures_of_the_selected_unit(window, qtbot):
    click_page(qtbot, window, "home")
    home = window.home
    # read off the UI thread: greyed until the figures come
    qtbot.waitUntil(lambda: home.summary.isEnabled() and home.summary.rowCount() > 0,
                    timeout=10000)
    labels = [home.summary.item(r, 0).text() for r in range(home.summary.rowCount())]
    assert "Tổ chức quần chúng bảo vệ ANTT" in labels
    organizations = int(home.summary.item(labels.index("Tổ chức quần chúng bảo vệ ANTT"), 1)
                        .text().replace(".", ""))
    assert organizations == records.count(window.conn, KINDS["organization"])
    assert home.by_type.rowCount() >= 1 and home.chart.rows
    home.grab().save(str(SCREENSHOTS / "home_page.png"))


def test_print_roster_previews_the_official_pdf_and_saves_it(window, qtbot, tmp_path):
    org = find_item(window, "organization")
    window.tree.setCurrentIndex(org)
    click_page(qtbot, window, "people")
    window.people.print_roster(Profile.PUBLIC)
    qtbot.waitUntil(lambda: last_preview(window.people) is not None,
                    timeout=10000)
    preview = last_preview(window.people)
    assert len(preview.page_labels) >= 1
    preview.grab().save(str(SCREENSHOTS / "print_preview.png"))
    saved = preview.save_as(str(tmp_path / "ds"))
    assert saved.suffix == ".pdf" and saved.read_bytes().startswith(b"%PDF")
    from pypdf import PdfReader

    text = PdfReader(saved).pages[0].extract_text()
    assert "DANH SÁCH" in text
    first_member = window.people.model.index(0, 0).data()
    assert first_member in text


def test_import_an_excel_roster_with_row_feedback_then_export(window, qtbot, tmp_path):
    import openpyxl

    org = find_item(window, "organization")
    window.tree.setCurrentIndex(org)
    click_page(qtbot, window, "people")
    page = window.people
    before = page.model.total
    sheet_path = tmp_path / "to.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["DANH SÁCH THÀNH VIÊN"])
    sheet.append(["STT", "Họ và tên", "Ngày sinh", "Giới tính"])
    sheet.append([1, "Mùa A Sính", "12/05/1980", "Nam"])
    sheet.append([2, "Lầu Thị Dợ", "31/02/1990", "Nữ"])
    book.save(sheet_path)
    page.import_roster(str(sheet_path))
    dialog = page.last_import
    problems = [dialog.rows.item(r, dialog.rows.columnCount() - 1).text()
                for r in range(dialog.rows.rowCount())]
    assert dialog.rows.item(1, 0).text() == "4" and "31/02/1990" in problems[1]
    assert not dialog.import_all.isEnabled()  # a row in error: all or nothing
    dialog.grab().save(str(SCREENSHOTS / "roster_import.png"))
    dialog.run_import(valid_only=True)
    assert not dialog.isVisible(), dialog.summary.text()
    assert page.model.total == before + 1
    assert "Mùa A Sính" in names_shown(page)
    out = page.export_roster("xlsx", str(tmp_path / "out"))
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    assert any("Mùa A Sính" in [str(v) for v in row] for row in rows)


def test_roster_filters_by_organization_type_and_role(window):
    window.tree.setCurrentIndex(window.nav_model.index(0, 0))
    page = window.people
    everyone = page.model.total
    page.org_type_filter.setCurrentIndex(page.org_type_filter.findData("to_bao_ve_antt"))
    members = page.model.total
    assert 0 < members < everyone
    page.role_filter.setCurrentIndex(page.role_filter.findData("to_truong"))
    leaders = page.model.total
    assert 0 < leaders < members
    shown = {page.model.record_id(r) for r in range(page.model.rowCount())}
    leaders_in_db = {r["id"] for r in rosters.people_page(
        window.conn, rosters.Scope("all", org_type="to_bao_ve_antt", role="to_truong"),
        limit=-1)}
    assert shown == leaders_in_db
