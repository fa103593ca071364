"""Importing a commune's real roster sheet: titles, a header over two rows with merged cells,
the numbering row "(1) (2) … (8)", group headings and the signatures under the table; the date
members joined; the Tổ rules of Luật 30/2023; a cell fixed in the preview; the blank template."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from conftest import pdf_text  # noqa: F401 - the reports conftest (commune fixture)

from desktop.cli import main
from desktop.reports import periods
from desktop.reports.movement import report_data
from desktop.reports.roster_import import import_roster, preview_roster, write_template
from desktop.storage.printouts import find_unit
from desktop.storage.rosters import Scope, people_page
from desktop.storage.writer import Store

TODAY = dt.date(2026, 12, 1)


def _tbv(commune, village=None, name="Tổ bảo vệ an ninh, trật tự bản Nậm Pố"):
    return commune.store.add("organization", {
        "name": name, "org_type": "to_bao_ve_antt",
        "unit_id": village or commune.village2}).id


def _real_sheet(path, rows, *, footer=True):
    """Laid out as a Công an xã's sheet: two title rows, a header over rows 4–5 with merged
    cells, the numbering row, the people, then the date line and the signatures."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["CÔNG AN XÃ MƯỜNG NHÉ", None, None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"])
    ws.append(["DANH SÁCH THÀNH VIÊN TỔ BẢO VỆ AN NINH, TRẬT TỰ BẢN NẬM PỐ"])
    ws.merge_cells("A2:H2")
    ws.append([])
    ws.append(["STT", "Họ và tên", "Ngày, tháng, năm sinh", "Giới tính", "Số định danh",
               "Nơi cư trú", "Chức vụ trong Tổ", "Ghi chú"])
    ws.append([None, None, None, None, "cá nhân (CCCD)", None, None, None])
    for col in "ABCDFGH":
        ws.merge_cells(f"{col}4:{col}5")
    ws.append([f"({i})" for i in range(1, 9)])
    for r in rows:
        ws.append(r)
    if footer:
        ws.append([])
        n = ws.max_row + 1
        ws.append([None, None, None, None, None, "Mường Nhé, ngày 05 tháng 12 năm 2026"])
        ws.merge_cells(f"F{n}:H{n}")
        ws.append([None, "NGƯỜI LẬP BIỂU", None, None, None, "TRƯỞNG CÔNG AN XÃ"])
        ws.append([None, "(Ký, ghi rõ họ tên)", None, None, None, "(Ký tên, đóng dấu)"])
        ws.append([])
        ws.append([None, "Lò Văn Lập", None, None, None, "Nguyễn Văn Trưởng"])
    wb.save(path)
    return path


PEOPLE = [
    [1, "Lò Văn Thắng", "05/03/1985", "Nam", "011085000123", "Bản Nậm Pố", "Tổ trưởng", None],
    ["I. Bản Nậm Pố"] * 8,
    [2, "Giàng Thị Mỷ", dt.datetime(1990, 2, 1), "Nữ", "011190000456", "Nậm Pố", "Tổ phó",
     None],
    [3, "Vàng A Sùng", "1979", "Nam", None, "Bản Nậm Pố", "Tổ viên", None],
]


def test_titles_numbering_merged_header_groups_and_footer_are_recognised(commune, tmp_path):
    conn = commune.store.conn
    org = _tbv(commune)
    path = _real_sheet(tmp_path / "ds.xlsx", PEOPLE)
    preview = preview_roster(conn, path, org, today=TODAY)
    assert preview.messages() == [], preview.messages()
    assert [r.name for r in preview.rows] == ["Lò Văn Thắng", "Giàng Thị Mỷ", "Vàng A Sùng"]
    assert preview.header_row == 4
    assert set(preview.mapping.values()) >= {"full_name", "birth_date", "citizen_id", "role",
                                             "village", "gender"}
    skipped = dict(preview.skipped)
    assert skipped[5] == "dòng tiêu đề (ô gộp)" and skipped[6] == "dòng đánh số cột"
    assert "chân trang" in skipped[12]  # the date line: nothing below is read
    assert [r.row for r in preview.rows] == [7, 9, 10]
    assert preview.counts()["error"] == 0
    result = import_roster(Store(conn, today=TODAY), preview)
    assert (result.people_added, result.memberships_added) == (3, 3)


def test_a_numbering_row_of_plain_numbers_and_a_total_line(commune, tmp_path):
    conn = commune.store.conn
    org = _tbv(commune)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["STT", "Họ và tên", "Năm sinh", "Thôn/Bản"])
    ws.append([1, 2, 3, 4])
    ws.append([1, "Lò Văn Thắng", 1985, "Nậm Pố"])
    ws.append(["Tổng cộng: 1 người"])
    ws.append([None, "Người lập danh sách"])
    wb.save(tmp_path / "b.xlsx")
    preview = preview_roster(conn, tmp_path / "b.xlsx", org, today=TODAY)
    assert [r.name for r in preview.rows] == ["Lò Văn Thắng"] and preview.messages() == []


def test_joined_date_asked_once_or_read_from_its_column_and_counted(commune, tmp_path):
    conn = commune.store.conn
    org = _tbv(commune)
    path = _real_sheet(tmp_path / "ds.xlsx", PEOPLE)
    preview = preview_roster(conn, path, org, today=TODAY, joined_date=dt.date(2026, 11, 20))
    import_roster(Store(conn, today=TODAY), preview)
    joined = [r[0] for r in conn.execute("SELECT joined_date FROM membership WHERE "
                                         "organization_id = ?", (org,))]
    assert joined == ["2026-11-20"] * 3
    commune_id = str(find_unit(conn, "03160")["id"])
    summary = {s["key"]: s for s in report_data(conn, commune_id,
                                                periods.parse("2026-Q4"))["summary"]}
    assert summary["joined"]["current"] == 3  # the home page's "Thành viên mới" counts them
    # A column of dates: each row its own; an empty cell takes the date asked (default today).
    other = _tbv(commune, commune.village, "Tổ bảo vệ an ninh, trật tự bản Huổi Lếch")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["STT", "Họ và tên", "Năm sinh", "Thôn/Bản", "Ngày tham gia"])
    ws.append([1, "Lò Văn Một", 1980, "Huổi Lếch", "15/07/2024"])
    ws.append([2, "Lò Văn Hai", 1981, "Huổi Lếch", None])
    wb.save(tmp_path / "c.xlsx")
    preview = preview_roster(conn, tmp_path / "c.xlsx", other, today=TODAY)
    assert [r.membership["joined_date"] for r in preview.rows] == ["2024-07-15", "2026-12-01"]


def test_the_to_rules_of_luat_30_in_the_preview(commune, tmp_path):
    conn = commune.store.conn
    org = _tbv(commune)
    chief = commune.store.add("person", {"full_name": "Cầm Văn Trưởng", "birth_date": "1970",
                                         "residence_unit_id": commune.village2}).id
    commune.store.add("membership", {"person_id": chief, "organization_id": org,
                                     "role": "to_truong", "joined_date": "01/08/2024"})
    path = _real_sheet(tmp_path / "ds.xlsx", [
        [1, "Lò Văn Thắng", "05/03/1985", "Nam", "011085000123", "Bản Nậm Pố", "Tổ trưởng",
         None],
        [2, "Lò Văn Bé", "12/05/2019", "Nam", None, "Bản Nậm Pố", "Tổ viên", None],
        [3, "Quàng Văn Ơn", "1990", "Nam", None, "Bản Huổi Lếch", "Tổ viên", None],
        [4, "Vàng A Già", "02/01/1950", "Nam", None, "Bản Nậm Pố", "Tổ viên", None],
    ])
    preview = preview_roster(conn, path, org, today=TODAY)
    by_name = {r.name: r for r in preview.rows}
    assert by_name["Lò Văn Thắng"].ok and by_name["Lò Văn Thắng"].notes == [
        "đã có Tổ trưởng: Cầm Văn Trưởng; mỗi Tổ bảo vệ an ninh, trật tự chỉ có một Tổ "
        "trưởng (ghi ngày thôi tham gia của người cũ khi thay)"]
    assert by_name["Lò Văn Bé"].problems == [
        "Lò Văn Bé mới 7 tuổi; thành viên Tổ bảo vệ an ninh, trật tự phải từ đủ 18 tuổi trở "
        "lên (Luật 30/2023/QH15, Điều 13)"]
    assert by_name["Quàng Văn Ơn"].notes == [
        "Quàng Văn Ơn cư trú tại Bản Huổi Lếch, không ở địa bàn của tổ (Bản Nậm Pố)"]
    assert "quá 70 tuổi" in by_name["Vàng A Già"].notes[0]
    assert any(m.startswith("Dòng 8: Lò Văn Bé mới 7 tuổi") for m in preview.messages())
    result = import_roster(Store(conn, today=TODAY), preview, valid_only=True)
    assert (result.memberships_added, result.refused) == (3, 1)


def test_a_second_to_truong_inside_the_file_is_noted(commune, tmp_path):
    org = _tbv(commune)
    path = _real_sheet(tmp_path / "ds.xlsx", [
        [1, "Lò Văn Thắng", "1985", "Nam", None, "Bản Nậm Pố", "Tổ trưởng", None],
        [2, "Lò Văn Thi", "1986", "Nam", None, "Bản Nậm Pố", "Tổ trưởng", None]])
    rows = preview_roster(commune.store.conn, path, org, today=TODAY).rows
    assert rows[0].notes == [] and "đã có Tổ trưởng: Lò Văn Thắng" in rows[1].notes[0]


def test_a_citizen_id_held_by_someone_else_is_a_row_error(commune, tmp_path):
    org = _tbv(commune)
    path = _real_sheet(tmp_path / "ds.xlsx", [
        [1, "Lò Văn Khác", "1975", "Nam", "011075000321", "Bản Nậm Pố", None, None]])
    [row] = preview_roster(commune.store.conn, path, org, today=TODAY).rows
    assert row.status == "error"
    assert "đã là số của Nguyễn Văn Đức" in row.problems[0]


def test_a_bad_cell_is_fixed_in_the_preview_not_in_the_file(commune, tmp_path):
    conn = commune.store.conn
    org = _tbv(commune)
    rows = [list(r) for r in PEOPLE]
    rows[0][2] = "31/02/1985"
    path = _real_sheet(tmp_path / "ds.xlsx", rows)
    preview = preview_roster(conn, path, org, today=TODAY)
    [bad] = preview.errors
    assert bad.row == 7 and bad.cells["birth_date"] == "31/02/1985"
    fixed = preview_roster(conn, path, org, today=TODAY, edits={(7, "birth_date"): "05/03/1985"})
    assert fixed.errors == [] and fixed.rows[0].cells["birth_date"] == "05/03/1985"
    import_roster(Store(conn, today=TODAY), fixed)
    assert ("Lò Văn Thắng", "1985-03-05") in [
        (p["full_name"], p["birth_date"]) for p in people_page(conn, Scope("organization", org),
                                                               limit=-1)]
    assert openpyxl.load_workbook(path).active["C7"].value == "31/02/1985"  # file untouched


def test_the_blank_template_reads_back_empty_and_imports_once_filled(commune, tmp_path):
    conn = commune.store.conn
    org = _tbv(commune)
    path = write_template(conn, tmp_path / "mau", org)
    assert path.name == "mau.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb["Danh sách"]
    assert ws["A1"].value == "DANH SÁCH THÀNH VIÊN TỔ BẢO VỆ AN NINH, TRẬT TỰ BẢN NẬM PỐ"
    assert [c.value for c in ws[5]][:3] == ["(1)", "(2)", "(3)"]
    assert ws["F6"].number_format == "@"  # the CCCD keeps its leading 0
    lists = {str(v.sqref): v.formula1 for v in ws.data_validations.dataValidation}
    assert lists["H6:H45"] == '"Tổ trưởng,Tổ phó,Tổ viên"'
    assert "Hướng dẫn" in wb.sheetnames
    empty = preview_roster(conn, path, org, today=TODAY)
    assert empty.rows == [] and empty.messages() == []
    ws["B6"], ws["C6"], ws["F6"], ws["H6"] = "Lò Văn Thắng", "05/03/1985", "011085000123", \
        "Tổ trưởng"
    ws["B7"], ws["C7"] = "Giàng Thị Mỷ", "1990"
    wb.save(path)
    preview = preview_roster(conn, path, org, today=TODAY)
    assert preview.messages() == [] and [r.name for r in preview.rows] == [
        "Lò Văn Thắng", "Giàng Thị Mỷ"]
    assert preview.rows[0].person["citizen_id"] == "011085000123"


def test_command_line_template_and_joined_date(commune, db_path, tmp_path, capsys):
    org = _tbv(commune)
    assert main(["roster-template", "--out", str(tmp_path / "mau.xlsx"), "--org", org,
                 "--db", str(db_path)]) == 0
    assert (tmp_path / "mau.xlsx").exists()
    path = _real_sheet(tmp_path / "ds.xlsx", PEOPLE)
    capsys.readouterr()
    assert main(["import-roster", str(path), "--org", org, "--dry-run",
                 "--db", str(db_path)]) == 0
    out = capsys.readouterr().out
    assert "Dòng 6: bỏ qua (dòng đánh số cột)" in out
    assert main(["import-roster", str(path), "--org", org, "--joined", "20/11/2026",
                 "--db", str(db_path)]) == 0
    assert {r[0] for r in commune.store.conn.execute(
        "SELECT joined_date FROM membership WHERE organization_id = ?", (org,))} == {
        "2026-11-20"}


@pytest.mark.parametrize("line", ["Người lập biểu", "NGƯỜI LẬP DANH SÁCH", "(Ký, ghi rõ họ tên)",
                                  "Xác nhận của Trưởng thôn", "Mường Nhé, ngày 05 tháng 12 "
                                  "năm 2026", "T/M. ỦY BAN NHÂN DÂN"])
def test_each_kind_of_footer_ends_the_table(commune, tmp_path, line):
    org = _tbv(commune)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["STT", "Họ và tên", "Năm sinh"])
    ws.append([1, "Lò Văn Thắng", 1985])
    ws.append([None, line])
    ws.append([None, "Lò Văn Ký"])  # the signer's name: never a member
    wb.save(tmp_path / "f.xlsx")
    preview = preview_roster(commune.store.conn, tmp_path / "f.xlsx", org, today=TODAY)
    assert [r.name for r in preview.rows] == ["Lò Văn Thắng"]
