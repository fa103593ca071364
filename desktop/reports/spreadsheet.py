"""Reading and writing .xlsx and .csv tables: merged cells filled in, encodings and
delimiters guessed, and cells that a spreadsheet would run as a formula neutralised."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.domain.errors import UserError
from desktop.i18n import _

if TYPE_CHECKING:  # openpyxl is imported when a spreadsheet is read or written, not before
    from openpyxl.cell.cell import Cell
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet
    from openpyxl.worksheet.worksheet import Worksheet

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """For CSV: a text that begins like a formula gets a leading apostrophe (OWASP "CSV
    injection"), so a spreadsheet opening the file shows it as text and never runs it. An .xlsx
    cell needs none (:func:`text_cell`): the apostrophe would be shown as part of the text."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def text_cell(ws: Worksheet | WriteOnlyWorksheet, value: object) -> Cell:
    """An .xlsx cell holding ``value``; text that begins like a formula is stored as a text
    cell marked "quote prefix" (what Excel does for a typed apostrophe): it shows exactly as
    written, "+84912345678" or "=1+2", and still never runs, also when edited."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def unneutralise(value: object) -> object:
    """Undo :func:`neutralise` when reading back a CSV this program wrote (or an .xlsx written
    by an older version, which neutralised its cells the same way)."""
    if isinstance(value, str) and value.startswith("'") and value[1:2] in FORMULA_START \
            and value[1:2]:
        return value[1:]
    return value


def read_table(path: Path) -> list[list[object]]:
    """Every row of the first sheet (or of the CSV) as a list of cell values; row i of the
    result is row i+1 of the sheet. Merged cells carry their value into every cell they cover."""
    suffix = path.suffix.lower()
    if not path.exists():
        raise UserError(_("Không có tệp {p}").format(p=path))
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    if suffix in (".csv", ".txt"):
        return _read_csv(path)
    raise UserError(_("{p}: chỉ đọc được tệp .xlsx hoặc .csv (tệp .xls cũ: hãy lưu lại dạng "
                      ".xlsx trong Excel)").format(p=path.name))


def _read_xlsx(path: Path) -> list[list[object]]:
    import zipfile

    from openpyxl import load_workbook

    # Read-only: the values without a Cell object each (a third of the time of a 10,000-row
    # roster); the merged ranges, which that mode does not give, read from the sheet's XML.
    try:
        wb = load_workbook(path, data_only=True, read_only=True)
        try:
            ws = wb.worksheets[0]
            rows = [list(r) for r in ws.iter_rows(values_only=True)]
            merged = _merged_ranges(wb._archive, ws._worksheet_path)  # noqa: SLF001
        finally:
            wb.close()
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, IndexError) as e:
        raise UserError(_("{p}: không đọc được như tệp Excel ({e})").format(p=path.name, e=e)) \
            from None
    width = max((len(r) for r in rows), default=0)
    for row in rows:  # every row as wide as the widest, as the sheet shows it
        row.extend([None] * (width - len(row)))
    for min_col, min_row, max_col, max_row in merged:
        top = rows[min_row - 1][min_col - 1] if min_row <= len(rows) and \
            min_col <= width else None
        for r in range(min_row - 1, min(max_row, len(rows))):
            row = rows[r]
            for c in range(min_col - 1, min(max_col, width)):
                row[c] = top
    return rows


_MERGE = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?mergeCell\s[^>]*?ref="([A-Z]{1,3}[0-9]+'
                    rb'(?::[A-Z]{1,3}[0-9]+)?)"')
MAX_SHEET_BYTES = 512 * 1024 * 1024  # a sheet's XML, unpacked: far above any roster


def _merged_ranges(archive, sheet_path: str) -> list[tuple[int, int, int, int]]:
    """(min_col, min_row, max_col, max_row) of each merged range of a sheet, from its XML."""
    from openpyxl.utils.cell import range_boundaries

    if archive.getinfo(sheet_path).file_size > MAX_SHEET_BYTES:
        raise ValueError(_("trang tính quá lớn"))
    data = archive.read(sheet_path)
    at = data.find(b"mergeCell")  # after the rows: the pattern is not tried on each of them
    if at < 0:
        return []
    # Text in the XML cannot hold a "<" (it is escaped): only the elements match.
    return [range_boundaries(m.decode("ascii")) for m in _MERGE.findall(data, max(at - 64, 0))]


def _read_csv(path: Path) -> list[list[object]]:
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = raw.decode("utf-16")
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1258", errors="replace")  # Vietnamese Windows code page
    sample = text[:20000]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    return [list(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter)]


def write_table(path: Path, headings: Sequence[str], rows: Iterable[Sequence[object]], *,
                title: str | None = None, mark: str | None = None) -> int:
    """Write ``rows`` under ``headings`` to .xlsx or .csv (UTF-8 with BOM, so Excel reads the
    Vietnamese letters); returns the number of rows. Text that would run as a formula never
    does: an apostrophe in CSV, a text cell in .xlsx. ``mark`` (the độ mật, "MẬT") is a line of
    its own above the headings, as the printed copy carries it above its table."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        n = 0
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f)
            if mark:
                w.writerow([mark])
            w.writerow([neutralise(h) for h in headings])
            for row in rows:
                w.writerow(["" if v is None else neutralise(v) for v in row])
                n += 1
        return n
    if suffix != ".xlsx":
        raise UserError(_("{p}: chỉ ghi được tệp .xlsx hoặc .csv").format(p=path.name))
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Border, Font, Side

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=(title or "Danh sách")[:31])
    bold = Font(bold=True)
    if mark:  # in red, boxed, as the printed seal (desktop/reports/page.py)
        seal = WriteOnlyCell(ws, value=mark)
        seal.font = Font(bold=True, color="D90000", size=13)
        side = Side(style="double", color="D90000")
        seal.border = Border(left=side, right=side, top=side, bottom=side)
        ws.append([seal])

    def cell(value: object, *, header: bool = False) -> WriteOnlyCell:
        c = text_cell(ws, value)
        if header:
            c.font = bold
        return c

    ws.append([cell(h, header=True) for h in headings])
    n = 0
    for row in rows:
        ws.append([cell(v) for v in row])
        n += 1
    wb.save(path)
    return n
