"""*Chuyển nơi cư trú*: the officer records that a person moved to another commune of the
province (desktop/storage/moves.py does it; the command line's ``antq edit person ID
residence_unit_id=CODE moved_date=…`` calls the same function)."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from desktop.domain.errors import UserError
from desktop.i18n import _
from desktop.storage import moves, references


class MoveDialog(QDialog):
    def __init__(self, ctx, person_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.person_id = ctx, person_id
        self.summary = ""
        conn = ctx.conn
        full_name, part = moves.mover(conn, person_id)
        self.setWindowTitle(_("Chuyển nơi cư trú"))
        self.commune = QComboBox()
        for code, name in moves.destinations(conn, part):
            self.commune.addItem(name, code)
        self.date = QLineEdit(dt.date.today().strftime("%d/%m/%Y"))
        self.date.setPlaceholderText(_("dd/mm/yyyy"))
        self.notes = QLineEdit()
        old = references.part_name(conn, part)
        if ctx.undo.store.site.site_kind == "province":
            then = _("Hồ sơ sang xã mới ngay; xã mới nhận với gói đồng bộ tiếp theo.")
        else:
            then = _("Hồ sơ sang xã mới khi Công an tỉnh nhận gói đồng bộ.")
        note = QLabel(_("Các tổ chức ở {old} sẽ ghi thôi tham gia (chuyển nơi cư trú) từ ngày "
                        "chuyển; {old} giữ một dòng lịch sử.").format(old=old) + " " + then)
        note.setWordWrap(True)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(_("Ghi chuyển đi"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Hủy"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(_("Người:"), QLabel(full_name))
        form.addRow(_("Chuyển đến:"), self.commune)
        form.addRow(_("Ngày chuyển:"), self.date)
        form.addRow(_("Ghi chú:"), self.notes)
        form.addRow(note)
        form.addRow(self.message)
        form.addRow(buttons)
        self.setMinimumWidth(540)

    def accept(self) -> None:
        code = self.commune.currentData()
        if not code:
            self.message.setText(_("Chọn xã, phường chuyển đến"))
            return
        try:
            moved = moves.move_person(self.ctx.undo.store, self.person_id, str(code),
                                      self.date.text(), notes=self.notes.text().strip() or None)
        except UserError as e:  # a ValidationError too: it names the field
            self.message.setText(str(e))
            return
        self.summary = moves.summary(self.ctx.conn, moved)
        super().accept()
