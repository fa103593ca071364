"""Reading a workbook fast (openpyxl's read-only mode, merged ranges from the sheet's XML)
gives what the full reader gives: every row as wide as the widest, empty rows kept in place,
a merged cell's value in every cell it covers."""

from __future__ import annotations

import datetime as dt
import zipfile

import openpyxl

from desktop.reports.spreadsheet import read_table


def _full_read(path):
    """The slow way the program read sheets before: a Cell object for every cell."""
    wb = openpyxl.load_workbook(path, data_only=True)
    ws = wb.worksheets[0]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    for rng in ws.merged_cells.ranges:
        top = rows[rng.min_row - 1][rng.min_col - 1]
        for r in range(rng.min_row - 1, rng.max_row):
            for c in range(rng.min_col - 1, rng.max_col):
                rows[r][c] = top
    return rows


def test_the_fast_reader_reads_what_the_full_one_does(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["CÔNG AN XÃ MƯỜNG CHÀ", None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"])
    ws.append(["DANH SÁCH"])
    ws.merge_cells("A2:F2")
    ws.append([])
    ws.append(["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số định danh", "Ghi chú"])
    ws.append([None, None, None, None, "CCCD", None])
    for col in "ABCDF":
        ws.merge_cells(f"{col}4:{col}5")
    ws.append([1, "Lò Văn Thắng", dt.datetime(1985, 3, 5), "Nam", "011085000123", 2.0])
    ws.append(["I. Bản Nậm Pố"])
    ws.merge_cells("A7:F7")
    ws.append([2, "=1+2", "1990", "Nữ", None, None, "một ô xa hơn"])
    path = tmp_path / "ds.xlsx"
    wb.save(path)

    rows = read_table(path)
    assert rows == _full_read(path)
    assert rows[3][0] == rows[4][0] == "STT" and rows[6] == ["I. Bản Nậm Pố"] * 6 + [None]
    assert rows[2] == [None] * 7 and len({len(r) for r in rows}) == 1


def test_merged_ranges_are_found_whatever_the_xml_prefix(tmp_path):
    """Some programs write the sheet's elements with a namespace prefix (x:mergeCell)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Tiêu đề", None, None])
    ws.append(["a", "b", "c"])
    ws.merge_cells("A1:C1")
    plain = tmp_path / "plain.xlsx"
    wb.save(plain)
    prefixed = tmp_path / "prefixed.xlsx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(prefixed, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<mergeCell ", b"<x:mergeCell xmlns:x="
                                    b'"http://schemas.openxmlformats.org/spreadsheetml/2006/main" ')
            dst.writestr(item, data)
    assert read_table(prefixed)[0] == ["Tiêu đề"] * 3
