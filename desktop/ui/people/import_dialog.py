"""Importing an organization's roster from Excel or CSV: the file (or a blank template to fill
in first), the date members joined (asked once, default today), the columns found (and
fixable), every row with its values and problems, each cell correctable in place, then
nothing or only the valid rows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.errors import UserError
from desktop.i18n import _
from desktop.reports.roster_import import (
    FIELD_LABELS,
    ImportPreview,
    import_roster,
    preview_roster,
    write_template,
)
from desktop.storage import dbapi, printouts
from desktop.storage.writer import Store

_STATUS = {"new": _("Thêm mới"), "link": _("Người đã có"), "skip": _("Đã là thành viên"),
           "error": _("Lỗi")}
_RED, _AMBER = QColor("#b00020"), QColor("#8a5300")
_FILES = _("Bảng tính (*.xlsx *.csv);;Mọi tệp (*)")


def save_template(parent: QWidget, conn: dbapi.Connection, organization_id: str | None,
                  path: str | None = None) -> Path | None:
    """Ask where, then write the blank roster sheet; returns the file written."""
    if not path:
        path, _filter = QFileDialog.getSaveFileName(
            parent, _("Tải mẫu Excel"), str(Path.home() / "mau-danh-sach.xlsx"),
            _("Excel (*.xlsx)"))
    if not path:
        return None
    return write_template(conn, Path(path), organization_id)


class RosterImportDialog(QDialog):
    imported = Signal(dict)  # the ImportResult as a dict

    def __init__(self, store: Store, path: Path | None, organization_id: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.path, self.organization_id = store, path, organization_id
        org = printouts.organization(store.conn, organization_id)
        self.setWindowTitle(_("Nhập danh sách vào {o}").format(o=org["name"]))
        self.resize(1100, 700)
        self.setSizeGripEnabled(True)

        self.file_label = QLabel()
        self.choose_button = QPushButton(_("Chọn tệp…"))
        self.choose_button.clicked.connect(lambda: self.choose_file())
        self.template_button = QPushButton(_("Tải mẫu Excel…"))
        self.template_button.setToolTip(_("Một bảng trống đúng mẫu: điền rồi nhập lại"))
        self.template_button.clicked.connect(lambda: self.download_template())
        file_row = QHBoxLayout()
        file_row.addWidget(QLabel(_("Tệp:")))
        file_row.addWidget(self.file_label, 1)
        file_row.addWidget(self.choose_button)
        file_row.addWidget(self.template_button)

        self.joined = QDateEdit(QDate.currentDate())
        self.joined.setCalendarPopup(True)
        self.joined.setDisplayFormat("dd/MM/yyyy")
        self.joined.setToolTip(_("Dùng cho các dòng không ghi ngày tham gia"))
        self.joined.dateChanged.connect(lambda _d: self.check())
        joined_row = QHBoxLayout()
        joined_row.addWidget(QLabel(_("Ngày tham gia (cho các dòng không ghi ngày):")))
        joined_row.addWidget(self.joined)
        joined_row.addStretch(1)

        self.mapping_row = QHBoxLayout()
        self.mapping_box = QWidget()
        self.mapping_box.setLayout(self.mapping_row)
        self.recheck = QPushButton(_("Kiểm tra lại với các cột đã chọn"))
        self.recheck.clicked.connect(lambda: self.check())  # not clicked(bool) as first
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.rows = QTableWidget()
        self.rows.verticalHeader().setVisible(False)
        self.rows.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.rows.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                  | QAbstractItemView.EditTrigger.EditKeyPressed
                                  | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.rows.itemChanged.connect(self._cell_edited)
        hint = QLabel(_("Nhấp đúp vào một ô để sửa giá trị sai (tệp gốc không bị thay đổi)."))
        hint.setStyleSheet("color: #555;")

        buttons = QDialogButtonBox()
        self.import_all = buttons.addButton(_("Nhập tất cả"),
                                            QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_valid = buttons.addButton(_("Chỉ nhập các dòng hợp lệ"),
                                              QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = buttons.addButton(_("Hủy, không nhập gì"), QDialogButtonBox.ButtonRole.RejectRole)
        self.import_all.clicked.connect(lambda: self.run_import(valid_only=False))
        self.import_valid.clicked.connect(lambda: self.run_import(valid_only=True))
        cancel.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(file_row)
        layout.addLayout(joined_row)
        layout.addWidget(QLabel(_("Cột trong tệp → trường (sửa nếu chương trình nhận sai):")))
        layout.addWidget(self.mapping_box)
        layout.addWidget(self.recheck, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.summary)
        layout.addWidget(self.rows, 1)
        layout.addWidget(hint)
        layout.addWidget(buttons)

        self.preview: ImportPreview | None = None
        self.combos: dict[int, QComboBox] = {}
        self.edits: dict[tuple[int, str], str] = {}
        self._columns: list[str] = []  # the field shown in each table column from 2 on
        self._filling = False
        self._recheck = QTimer(self, singleShot=True, interval=0)
        self._recheck.timeout.connect(lambda: self.check())
        self.set_file(path)

    # -- the file ------------------------------------------------------------------------

    def set_file(self, path: Path | None) -> None:
        self.path = path
        self.edits.clear()
        self.file_label.setText(path.name if path else _("(chưa chọn tệp)"))
        self.file_label.setToolTip(str(path) if path else "")
        self._clear_mapping()
        if path is None:
            self.summary.setText(_("Chọn tệp danh sách (.xlsx hoặc .csv), hoặc tải mẫu Excel "
                                   "để điền."))
            self.rows.setRowCount(0)
            self._enable(False)
            return
        self.check(first=True)

    def choose_file(self, path: str | None = None) -> None:
        if not path:
            path, _filter = QFileDialog.getOpenFileName(
                self, _("Nhập danh sách"), str(self.path.parent if self.path else Path.home()),
                _FILES)
        if path:
            self.set_file(Path(path))

    def download_template(self, path: str | None = None) -> None:
        try:
            written = save_template(self, self.store.conn, self.organization_id, path)
        except (UserError, OSError) as e:
            self._say(str(e), error=True)
            return
        if written is not None:
            self._say(_("Đã ghi mẫu {p}: điền rồi chọn lại tệp đó.").format(p=written))

    def _clear_mapping(self) -> None:
        while self.mapping_row.count():
            item = self.mapping_row.takeAt(0)
            layout = item.layout()
            while layout is not None and layout.count():
                widget = layout.takeAt(0).widget()
                if widget is not None:
                    widget.deleteLater()
        self.combos.clear()

    # -- checking ------------------------------------------------------------------------

    def _mapping(self) -> dict[int, str]:
        return {col: combo.currentData() or "" for col, combo in self.combos.items()}

    def joined_date(self) -> dt.date:
        d = self.joined.date()
        return dt.date(d.year(), d.month(), d.day())

    def check(self, first: bool = False) -> None:
        if self.path is None:
            return
        try:
            self.preview = preview_roster(
                self.store.conn, self.path, self.organization_id,
                mapping=None if first else self._mapping(), joined_date=self.joined_date(),
                edits=self.edits)
        except UserError as e:
            self._say(str(e), error=True)
            self._enable(False)
            return
        if first:
            self._build_mapping(self.preview)
        self._show(self.preview)

    def _enable(self, on: bool) -> None:
        self.import_all.setEnabled(on)
        self.import_valid.setEnabled(on)
        self.recheck.setEnabled(on)

    def _say(self, message: str, *, error: bool = False) -> None:
        self.summary.setText(message)
        self.summary.setStyleSheet("color: #b00020;" if error else "")

    def _build_mapping(self, preview: ImportPreview) -> None:
        for col, heading in enumerate(preview.headings):
            if not heading:
                continue
            combo = QComboBox()
            combo.addItem(_("(bỏ qua)"), "")
            for name, label in FIELD_LABELS.items():
                combo.addItem(label, name)
            combo.setCurrentIndex(max(0, combo.findData(preview.mapping.get(col, ""))))
            combo.setToolTip(heading)
            box = QVBoxLayout()
            box.addWidget(QLabel(heading[:24]))
            box.addWidget(combo)
            self.mapping_row.addLayout(box)
            self.combos[col] = combo

    def _show(self, preview: ImportPreview) -> None:
        counts = preview.counts()
        said = _("{rows} dòng: {new} người mới, {link} người đã có, {skip} đã là thành viên, "
                 "{error} dòng lỗi.").format(**counts)
        if preview.skipped:  # so the officer sees why a row of the sheet is not in the table
            said += " " + _("Không phải người: {rows}.").format(rows="; ".join(
                _("dòng {n} ({why})").format(n=n, why=why) for n, why in preview.skipped))
        self._say(said)
        self._columns = [f for _c, f in sorted(preview.mapping.items()) if f and f != "stt"]
        headings = [_("Dòng"), _("Kết quả")] + [FIELD_LABELS.get(f, f) for f in self._columns] \
            + [_("Vấn đề")]
        self._filling = True
        try:
            self.rows.clear()
            self.rows.setColumnCount(len(headings))
            self.rows.setHorizontalHeaderLabels(headings)
            self.rows.setRowCount(len(preview.rows))
            for i, r in enumerate(preview.rows):
                colour = _RED if r.problems else _AMBER if r.notes else None
                fixed = {f for (n, f) in self.edits if n == r.row}
                values = [str(r.row), _STATUS.get(r.status, r.status)] + [
                    r.cells.get(f, "") for f in self._columns] + [
                    "; ".join(r.problems + [_("lưu ý: {n}").format(n=n) for n in r.notes])]
                for c, value in enumerate(values):
                    item = QTableWidgetItem(value)
                    editable = 2 <= c < 2 + len(self._columns)
                    if not editable:
                        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                    if c == 0:  # the sheet's row number, a figure
                        item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                              | Qt.AlignmentFlag.AlignVCenter)
                    if colour is not None and c in (1, len(values) - 1):
                        item.setForeground(colour)
                    if editable and self._columns[c - 2] in fixed:
                        item.setToolTip(_("Đã sửa trong bảng này"))
                        font = item.font()
                        font.setItalic(True)
                        item.setFont(font)
                    self.rows.setItem(i, c, item)
        finally:
            self._filling = False
        header = self.rows.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(headings) - 1, QHeaderView.ResizeMode.Stretch)
        has_errors = bool(preview.errors)
        self.recheck.setEnabled(True)
        self.import_all.setEnabled(not has_errors and counts["rows"] > counts["skip"])
        self.import_valid.setVisible(has_errors)
        self.import_valid.setEnabled(counts["rows"] > counts["error"] + counts["skip"])

    def _cell_edited(self, item: QTableWidgetItem) -> None:
        """The officer corrected a value: checked again with it, the file untouched."""
        if self._filling or self.preview is None:
            return
        c = item.column() - 2
        if not 0 <= c < len(self._columns) or item.row() >= len(self.preview.rows):
            return
        row = self.preview.rows[item.row()].row
        self.edits[(row, self._columns[c])] = item.text()
        self._recheck.start()  # after the editor has closed

    # -- importing -----------------------------------------------------------------------

    def run_import(self, *, valid_only: bool) -> None:
        if self.preview is None:
            return
        try:
            result = import_roster(self.store, self.preview, valid_only=valid_only)
        except UserError as e:
            self._say(str(e), error=True)
            return
        self.imported.emit(result.as_dict())
        # The tree shows each organization's head count, the page's title with it: read again.
        window = self.parentWidget().window() if self.parentWidget() else None
        reload_tree = getattr(window, "reload_tree", None)
        if reload_tree is not None:
            reload_tree()
        self.accept()
