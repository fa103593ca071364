"""Importing an organization's roster from Excel or CSV: the columns found (and fixable),
every row's problems with its row number, then nothing or only the valid rows."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
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
)
from desktop.storage.writer import Store
from desktop.ui.widgets import read_only_table

_STATUS = {"new": _("Thêm mới"), "link": _("Người đã có"), "skip": _("Đã là thành viên"),
           "error": _("Lỗi")}


class RosterImportDialog(QDialog):
    imported = Signal(dict)  # the ImportResult as a dict

    def __init__(self, store: Store, path: Path, organization_id: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.path, self.organization_id = store, path, organization_id
        self.setWindowTitle(_("Nhập danh sách từ {f}").format(f=path.name))
        self.resize(980, 680)
        self.mapping_row = QHBoxLayout()
        self.mapping_box = QWidget()
        self.mapping_box.setLayout(self.mapping_row)
        self.summary = QLabel()
        self.rows = read_only_table([_("Dòng"), _("Họ và tên"), _("Kết quả"), _("Vấn đề")],
                                    (60, 220, 120))
        self.recheck = QPushButton(_("Kiểm tra lại với các cột đã chọn"))
        self.recheck.clicked.connect(lambda: self.check())  # not clicked(bool) as first
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
        layout.addWidget(QLabel(_("Cột trong tệp → trường (sửa nếu chương trình nhận sai):")))
        layout.addWidget(self.mapping_box)
        layout.addWidget(self.recheck, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.summary)
        layout.addWidget(self.rows, 1)
        layout.addWidget(buttons)
        self.preview: ImportPreview | None = None
        self.combos: dict[int, QComboBox] = {}
        self.check(first=True)

    def _mapping(self) -> dict[int, str]:
        return {col: combo.currentData() or "" for col, combo in self.combos.items()}

    def check(self, first: bool = False) -> None:
        try:
            self.preview = preview_roster(self.store.conn, self.path, self.organization_id,
                                          mapping=None if first else self._mapping())
        except UserError as e:
            self.summary.setText(str(e))
            self.summary.setStyleSheet("color: #b00020;")
            self.import_all.setEnabled(False)
            self.import_valid.setEnabled(False)
            return
        if first:
            self._build_mapping(self.preview)
        self._show(self.preview)

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
        self.summary.setStyleSheet("")
        self.summary.setText(_(
            "{rows} dòng: {new} người mới, {link} người đã có, {skip} đã là thành viên, "
            "{error} dòng lỗi.").format(**counts))
        self.rows.setRowCount(len(preview.rows))
        for i, r in enumerate(preview.rows):
            values = (str(r.row), r.name, _STATUS.get(r.status, r.status),
                      "; ".join(r.problems + r.notes))
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                if r.problems:
                    item.setForeground(QColor("#b00020"))
                self.rows.setItem(i, c, item)
        has_errors = bool(preview.errors)
        self.import_all.setEnabled(not has_errors and counts["rows"] > counts["skip"])
        self.import_valid.setVisible(has_errors)
        self.import_valid.setEnabled(counts["rows"] > counts["error"] + counts["skip"])

    def run_import(self, *, valid_only: bool) -> None:
        assert self.preview is not None
        try:
            result = import_roster(self.store, self.preview, valid_only=valid_only)
        except UserError as e:
            self.summary.setText(str(e))
            self.summary.setStyleSheet("color: #b00020;")
            return
        self.imported.emit(result.as_dict())
        self.accept()
