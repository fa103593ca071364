"""Importing an officer's roster from Excel/CSV and exporting lists, formula-safe."""

from __future__ import annotations

import csv
import datetime as dt
import zipfile

import openpyxl
import pytest

from desktop.domain.errors import UserError
from desktop.reports.export import export_kind, export_roster
from desktop.reports.roster_import import import_roster, preview_roster
from desktop.reports.spreadsheet import neutralise, read_table, write_table
from desktop.storage.rosters import Scope, people_page
from desktop.storage.writer import Store

TODAY = dt.date(2026, 12, 1)
HEAD = ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Số CCCD", "Thôn/Bản",
        "Chức danh", "Số điện thoại"]


def _xlsx(path, rows, *, title=True):
    wb = openpyxl.Workbook()
    ws = wb.active
    if title:
        ws.append(["DANH SÁCH THÀNH VIÊN TỔ BẢO VỆ AN NINH, TRẬT TỰ"])
        ws.merge_cells("A1:I1")
        ws.append([])
        ws.append(["(Kèm theo Quyết định số 12/QĐ-UBND)"])
    ws.append(HEAD)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def _org(commune, name="Tổ tự quản bản Nậm Pố", org_type="to_tu_quan"):
    return commune.store.add("organization", {"name": name, "org_type": org_type,
                                              "unit_id": commune.village2}).id


def _members(conn, org):
    return [(p["full_name"], p["birth_date"], p["citizen_id"], p["role"])
            for p in people_page(conn, Scope("organization", org), limit=-1)]


GOOD = [
    [1, "Lò Văn Thắng", "05/03/1985", "Nam", "Thái", "011085000123", "Bản Nậm Pố", "Tổ trưởng",
     "0912 345 678"],
    [2, "Giàng Thị  Mỷ", dt.datetime(1990, 2, 1), "nữ", "Mông", 11190000456, "Nậm Pố",
     "Tổ viên", 987654321],
    [3, "Quàng Văn Ơn", 32874, "Nam", "Thái", None, "Bản Huổi Lếch", None, None],
    [4, "Vàng A Sùng", 1979, "Nam", "H'Mông", "011079000789", "Bản Nậm Pố", "Tổ phó", None],
]


def test_import_good_sheet_then_reimport_creates_no_duplicates(commune, tmp_path):
    conn, store = commune.store.conn, Store(commune.store.conn, today=TODAY)
    org = _org(commune)
    path = _xlsx(tmp_path / "ds.xlsx", [GOOD[0], [], GOOD[1], ["I. Bản Nậm Pố"], *GOOD[2:]])
    preview = preview_roster(conn, path, org, today=TODAY)
    assert preview.header_row == 4
    assert preview.messages() == [] and preview.counts()["new"] == 4
    assert [r.row for r in preview.rows] == [5, 7, 9, 10]
    result = import_roster(store, preview)
    assert (result.people_added, result.memberships_added) == (4, 4)
    members = _members(conn, org)
    assert members == [
        ("Lò Văn Thắng", "1985-03-05", "011085000123", "to_truong"),
        ("Vàng A Sùng", "1979", "011079000789", "to_pho"),
        ("Giàng Thị Mỷ", "1990-02-01", "011190000456", "to_vien"),
        ("Quàng Văn Ơn", "1990-01-01", None, "to_vien"),  # Excel serial 32874 = 01/01/1990
    ]
    row = conn.execute("SELECT phone, residence_unit_id, ethnicity, gender FROM person "
                       "WHERE full_name = 'Giàng Thị Mỷ'").fetchone()
    assert tuple(row) == ("0987654321", commune.village2, "mong", "female")
    persons = conn.execute("SELECT count(*) FROM person").fetchone()[0]
    again = preview_roster(conn, path, org, today=TODAY)
    assert again.counts()["skip"] == 4 and again.counts()["new"] == 0
    assert import_roster(store, again).people_added == 0
    assert conn.execute("SELECT count(*) FROM person").fetchone()[0] == persons
    assert len(_members(conn, org)) == 4


def test_existing_person_is_linked_not_duplicated(commune, tmp_path):
    conn = commune.store.conn
    org = _org(commune)
    path = _xlsx(tmp_path / "ds.xlsx", [
        [1, "Nguyễn Văn Đức", "05/03/1975", "Nam", "Kinh", "011075000321", "Bản Huổi Lếch",
         "Tổ trưởng", None],
        [2, "Đặng Ngọc Ẩn", "30/12/1969", "Nam", "Kinh", None, "Bản Huổi Lếch", None, None]])
    preview = preview_roster(conn, path, org, today=TODAY)
    assert [r.status for r in preview.rows] == ["link", "link"]
    assert "dùng hồ sơ đã có" in preview.messages()[0]
    before = conn.execute("SELECT count(*) FROM person").fetchone()[0]
    import_roster(Store(conn, today=TODAY), preview)
    assert conn.execute("SELECT count(*) FROM person").fetchone()[0] == before
    assert {m[0] for m in _members(conn, org)} == {"Nguyễn Văn Đức", "Đặng Ngọc Ẩn"}


BAD = [
    [1, "Lò Văn Thắng", "31/02/1985", "Nam", "Thái", "011085000123", "Bản Nậm Pố", None, None],
    [2, "Giàng Thị Mỷ", "01/02/1990", "Nữ", "Mông", "011190000456", "Bản Pá Vạt", None, None],
    [3, "Quàng Văn Ơn", "01/01/1990", "Nam", "Thái", "011190000456", "Bản Nậm Pố", None, None],
    [4, "Giàng Thị Mỷ", "01/02/1990", "Nữ", "Mông", None, "Bản Nậm Pố", None, None],
    [5, "Vàng A Sùng", "1979", "Nam", "Thái", "011079000789", "Bản Nậm Pố", "Bí thư", None],
    [6, None, "1979", "Nam", "Thái", None, "Bản Nậm Pố", None, None],
    [7, "Lường Thị Xuân", "02/03/1991", "Nữ", "Thái", "0111910", "Bản Nậm Pố", None, None],
    [8, "Cầm Văn Khôi", "02/03/1992", "Nam", "Thái", None, "Bản Nậm Pố", None, None],
]


def test_bad_sheet_gives_row_numbered_messages_and_imports_nothing(commune, tmp_path, dump):
    conn = commune.store.conn
    org = _org(commune)
    path = _xlsx(tmp_path / "bad.xlsx", BAD)
    preview = preview_roster(conn, path, org, today=TODAY)
    messages = preview.messages()
    expected = {
        5: "Ngày sinh", 6: "Thôn/Bản: «Bản Pá Vạt» không có trong xã Mường Nhé",
        7: "trùng số định danh 011190000456 với dòng 6",
        8: "trùng họ tên và ngày sinh với dòng 6", 9: "Chức danh: «Bí thư»",
        10: "thiếu họ và tên", 11: "Số định danh (CCCD)"}
    for row, text in expected.items():
        assert any(m.startswith(f"Dòng {row}: ") and text in m for m in messages), (row, messages)
    assert "31/02/1985" in next(m for m in messages if m.startswith("Dòng 5:"))
    assert [r.row for r in preview.rows if r.ok] == [12]
    before = dump(conn)
    with pytest.raises(UserError, match="7 dòng lỗi"):
        import_roster(Store(conn, today=TODAY), preview)
    assert dump(conn) == before
    result = import_roster(Store(conn, today=TODAY), preview, valid_only=True)
    assert (result.people_added, result.refused) == (1, 7)
    assert [m[0] for m in _members(conn, org)] == ["Cầm Văn Khôi"]


def test_csv_semicolons_bom_and_a_mapping_override(commune, tmp_path):
    conn = commune.store.conn
    org = _org(commune)
    path = tmp_path / "ds.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(["TT", "Họ tên", "Năm sinh", "Số định danh", "Nơi ở"])
        w.writerow(["1", "Lò Văn Thắng", "1985", "011085000123", "Nậm Pố"])
        w.writerow(["2", "Lò Thị Mai", "3/4/1991", "", "Nậm Pố"])
    preview = preview_roster(conn, path, org, today=TODAY)
    assert preview.messages() == []
    assert {preview.headings[c]: f for c, f in preview.mapping.items()}["Nơi ở"] == "address"
    fixed = preview_roster(conn, path, org, mapping={"Nơi ở": "village"}, today=TODAY)
    assert [r.person["residence_unit_id"] for r in fixed.rows] == [commune.village2] * 2
    assert fixed.rows[1].person["birth_date"] == "1991-04-03"
    letters = preview_roster(conn, path, org, mapping={"E": "village", "C": ""}, today=TODAY)
    assert "birth_date" not in letters.rows[0].person
    with pytest.raises(UserError, match="không có trường"):
        preview_roster(conn, path, org, mapping={"E": "thon"})


def test_two_row_header_with_birth_year_under_nam_or_nu(commune, tmp_path):
    conn = commune.store.conn
    org = _org(commune)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["STT", "Họ và tên", "Năm sinh", None, "Thôn/Bản"])
    ws.append([None, None, "Nam", "Nữ", None])
    ws.merge_cells("C1:D1")
    ws.merge_cells("A1:A2")
    ws.merge_cells("B1:B2")
    ws.append([1, "Lò Văn Thắng", 1985, None, "Nậm Pố"])
    ws.append([2, "Lò Thị Mai", None, "1991", "Nậm Pố"])
    ws.append([None, "NGƯỜI LẬP DANH SÁCH", None, None, None])
    wb.save(tmp_path / "hai.xlsx")
    preview = preview_roster(conn, tmp_path / "hai.xlsx", org, today=TODAY)
    assert preview.messages() == []
    assert [(r.person["gender"], r.person["birth_date"]) for r in preview.rows] == [
        ("male", "1985"), ("female", "1991")]


def test_roster_excel_round_trip(commune, tmp_path):
    conn = commune.store.conn
    out = tmp_path / "roster.xlsx"
    assert export_roster(conn, Scope("organization", commune.org), out) == 5
    rows = read_table(out)
    assert rows[0][:3] == ["STT", "Họ và tên", "Ngày sinh"]
    cid = rows[0].index("Số định danh cá nhân")
    assert rows[1][1] == "Nguyễn Văn Đức" and rows[1][cid] == "011075000321"
    org = _org(commune, "Tổ bảo vệ an ninh, trật tự bản Nậm Pố", "to_bao_ve_antt")
    preview = preview_roster(conn, out, org, today=TODAY)
    assert all("(lưu ý)" in m for m in preview.messages())
    assert [r.status for r in preview.rows] == ["link"] * 5
    import_roster(Store(conn, today=TODAY), preview)
    assert _members(conn, org) == _members(conn, commune.org)


def test_export_kind_csv_with_bom_and_filter(commune, tmp_path):
    out = tmp_path / "people.csv"
    n = export_kind(commune.store.conn, "person", out, {"gender": "female"})
    assert n == 2
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0][1] == "Họ và tên"
    assert sorted(r[1] for r in rows[1:]) == ["Lò Thị Ánh", "Quàng Thị Hường"]
    assert "01/02/1990" in rows[1] + rows[2] and "Thái" in rows[1]


def test_formula_injection_is_neutralised(tmp_path):
    evil = ["=HYPERLINK(\"http://x\")", "+84912345678", "-2+3", "@SUM(A1)", "bình thường"]
    assert [neutralise(v) for v in evil] == ["'" + v for v in evil[:4]] + ["bình thường"]
    write_table(tmp_path / "x.csv", ["a"] * 5, [evil])
    [_head, row] = list(csv.reader((tmp_path / "x.csv").read_text("utf-8-sig").splitlines()))
    assert row[:4] == ["'" + v for v in evil[:4]] and row[4] == "bình thường"
    # In .xlsx a text cell cannot run: it shows what was written, with no apostrophe ("'-",
    # "'+84912345678" in LibreOffice and Excel before), marked quote-prefixed as Excel marks
    # a typed apostrophe, so editing it keeps it text.
    write_table(tmp_path / "x.xlsx", ["=1+1"] * 5, [evil + ["-"]])
    ws = openpyxl.load_workbook(tmp_path / "x.xlsx").active
    cells = [c for r in ws.iter_rows() for c in r if c.value is not None]
    assert all(c.data_type == "s" for c in cells)
    assert [c.value for c in cells[5:]] == evil + ["-"]
    assert all(c.quotePrefix for c in cells[5:9]) and not cells[9].quotePrefix
    with zipfile.ZipFile(tmp_path / "x.xlsx") as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "'" not in sheet and "&lt;f" not in sheet
    assert read_table(tmp_path / "x.xlsx")[1] == evil + ["-"]


def test_unreadable_files(commune, tmp_path):
    org = _org(commune)
    (tmp_path / "a.xls").write_bytes(b"\xd0\xcf")
    with pytest.raises(UserError, match=r"\.xlsx"):
        preview_roster(commune.store.conn, tmp_path / "a.xls", org)
    (tmp_path / "b.xlsx").write_bytes(b"not a zip")
    with pytest.raises(UserError, match="không đọc được"):
        preview_roster(commune.store.conn, tmp_path / "b.xlsx", org)
    _xlsx(tmp_path / "c.xlsx", [], title=False)
    wb = openpyxl.Workbook()
    wb.active.append(["Tên tổ", "Địa bàn"])
    wb.save(tmp_path / "d.xlsx")
    with pytest.raises(UserError, match="Họ và tên"):
        preview_roster(commune.store.conn, tmp_path / "d.xlsx", org)
