"""The *Nguồn tin* page: tips from the public, those overdue for transfer to the investigating
agency highlighted, the add/edit dialog of any record kind (the same write path as
``antq add tip``), the printed list, and — for the chief and the handlers a chief named — the
informant's identity, opened after the password is typed again (desktop/storage/vault.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QPersistentModelIndex
from PySide6.QtGui import QBrush, QColor, QPalette
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.domain import dates
from desktop.domain.errors import UserError, ValidationError
from desktop.domain.kinds import KINDS, FieldType
from desktop.i18n import _
from desktop.storage import accounts, dbapi, paging, records, tips, vault
from desktop.ui.common.after_paint import AfterPaint
from desktop.ui.common.counting import Failure, Reader
from desktop.ui.common.dialogs import LastShown, free_on_close
from desktop.ui.common.widgets import PlainCells
from desktop.ui.records.pages import AppContext
from desktop.ui.records.record_dialog import RecordDialog
from desktop.ui.records.record_model import RecordTableModel
from desktop.ui.records.unit_list_page import UnitListPage

OVERDUE_FILL = QColor("#fde2df")
OVERDUE_TEXT = QColor("#9b1c1c")
ERROR_STYLE = "color: #b00020"
COLUMNS = ("source_code", "received_at", "channel", "category", "unit_id", "transferred_at",
           "valuable", "case_solved")


class OverdueDelegate(PlainCells):
    """Rows of tips overdue for transfer drawn in red on pink (by Qt's delegate: a few rows);
    the other rows' plain cells painted as every list's are (PlainCells). Qt's delegate for
    every cell, with this class's Python at each, made the list's paint at every key typed
    in its search 6-16 ms at 3,000 tips, where the other lists take 2.5-4."""

    def __init__(self, view: QTableView, model: RecordTableModel) -> None:
        super().__init__(view, model.cell_text, model.plain_column,
                         model.right_aligned_column)
        self.ids: set[str] = set()
        self._record_id = model.record_id
        model.texts_ahead.connect(self.prepare)  # a page read ahead: its texts prepared

    def paint(self, painter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        if self.ids and self._record_id(index.row()) in self.ids:
            QStyledItemDelegate.paint(self, painter, option, index)  # red on pink
        else:
            super().paint(painter, option, index)

    def initStyleOption(self, option: QStyleOptionViewItem,  # noqa: N802 - Qt's name
                        index: QModelIndex | QPersistentModelIndex) -> None:
        super().initStyleOption(option, index)
        # (asked for every cell the list's first sizing measures: the row's id at once, not
        # through the model's data)
        if self.ids and self._record_id(index.row()) in self.ids:
            option.backgroundBrush = QBrush(OVERDUE_FILL)
            option.palette.setColor(QPalette.ColorRole.Text, OVERDUE_TEXT)


class TipDialog(RecordDialog):
    """A tip's editor: the source code is given by the program when saved, never typed; a
    new tip starts at this minute, received by the officer logged in."""

    def _load(self) -> None:
        super()._load()
        code = self.editors["source_code"].widget
        assert isinstance(code, QLineEdit)
        code.setReadOnly(True)
        if self.record_id:
            return
        code.setPlaceholderText(_("tự cấp khi lưu (NT-năm-số)"))
        now = dt.datetime.now().replace(second=0, microsecond=0)
        self.editors["received_at"].set_value(dates.iso_datetime(now),
                                              dates.format_datetime(now))
        me = accounts.current(self.conn)
        if me is not None:
            name = me.full_name or me.name
            self.editors["received_by"].set_value(name, name)
        self._initial = {n: e.text() for n, e in self.editors.items()}


Button = tuple[QDialogButtonBox.StandardButton, str]


def _message_and_buttons(dialog: QDialog, go: Button, stop: Button,
                         on_go: Callable[[], object]) -> tuple[QLabel, QDialogButtonBox,
                                                               QPushButton]:
    """What both dialogs of an identity end with: the line that says what is wrong, and the
    two buttons (``go`` runs ``on_go``, which accepts when all is well; ``stop`` rejects)."""
    message = QLabel()
    message.setStyleSheet(ERROR_STYLE)
    message.setWordWrap(True)
    buttons = QDialogButtonBox(go[0] | stop[0])
    go_button = buttons.button(go[0])
    go_button.setText(go[1])
    buttons.button(stop[0]).setText(stop[1])
    buttons.accepted.connect(lambda: on_go())  # not accepted's arguments
    buttons.rejected.connect(lambda: dialog.reject())
    return message, buttons, go_button


class PasswordCheck(QDialog):
    """The logged-in account types its password again before an identity is shown."""

    def __init__(self, conn: dbapi.Connection, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.conn = conn
        self.setWindowTitle(_("Xác nhận mật khẩu"))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.message, buttons, self.ok_button = _message_and_buttons(
            self, (QDialogButtonBox.StandardButton.Ok, _("Mở danh tính")),
            (QDialogButtonBox.StandardButton.Cancel, _("Hủy")), self.check)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("Danh tính người cung cấp tin được bảo vệ: nhập lại mật khẩu "
                                  "của bạn. Việc mở được ghi vào nhật ký.")))
        form = QFormLayout()
        form.addRow(_("Mật khẩu:"), self.password)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)

    def check(self) -> bool:
        try:
            accounts.confirm_password(self.conn, self.password.text())
        except UserError as e:
            self.message.setText(str(e))
            self.password.clear()
            self.password.setFocus()
            return False
        self.accept()
        return True


class IdentityDialog(QDialog):
    """The identity behind one source code: read (an audit event), added or corrected."""

    def __init__(self, conn: dbapi.Connection, source_code: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.conn, self.source_code = conn, source_code
        self.setWindowTitle(_("Danh tính người cung cấp tin — {c}").format(c=source_code))
        self.edits: dict[str, QLineEdit | QPlainTextEdit] = {}
        form = QFormLayout()
        for f in vault.FIELDS:
            edit: QLineEdit | QPlainTextEdit = (QPlainTextEdit() if f.type is FieldType.LONGTEXT
                                                else QLineEdit())
            self.edits[f.name] = edit
            form.addRow(f.label + (" *" if f.required else ""), edit)
        self.message, buttons, self.save_button = _message_and_buttons(
            self, (QDialogButtonBox.StandardButton.Save, _("Lưu danh tính")),
            (QDialogButtonBox.StandardButton.Close, _("Đóng")), self.save)
        note = QLabel(_("Chỉ chỉ huy và người được chỉ huy giao xem được. Không in, không xuất, "
                        "không đồng bộ lên tỉnh."))
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)
        self.existing = vault.has_identity(conn, source_code)
        if self.existing:
            for name, value in vault.open_identity(conn, source_code).items():
                edit = self.edits[name]
                if isinstance(edit, QPlainTextEdit):
                    edit.setPlainText(str(value or ""))
                else:
                    edit.setText(str(value or ""))

    def values(self) -> dict[str, str]:
        return {n: e.toPlainText() if isinstance(e, QPlainTextEdit) else e.text()
                for n, e in self.edits.items()}

    def save(self) -> bool:
        try:
            vault.save(self.conn, self.source_code, self.values())
        except ValidationError as e:
            self.message.setText(str(e))
            edit = self.edits.get(e.field or "")
            if edit is not None:
                edit.setFocus()
            return False
        except UserError as e:
            self.message.setText(str(e))
            return False
        self.accept()
        return True


class TipPage(UnitListPage):
    dialog_class = TipDialog
    password_check: LastShown[PasswordCheck] = LastShown()  # tests reach them; held weakly
    identity_dialog: LastShown[IdentityDialog] = LastShown()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, "tip", COLUMNS, filters=("channel", "category"),
                         newest_first=True, parent=parent)
        self.delegate = OverdueDelegate(self.table, self.model)
        self.table.setItemDelegate(self.delegate)
        self.overdue_label = QLabel()
        self.overdue_label.setStyleSheet(f"color: {OVERDUE_TEXT.name()}; font-weight: bold;")
        self.overdue_label.setWordWrap(True)
        self.overdue_label.setVisible(False)  # until overdue tips are read (_show_overdue)
        self.print_button = QPushButton(_("In danh sách…"))
        self.print_button.clicked.connect(lambda: self.print_list())
        self.identity_button = QPushButton(_("Danh tính…"))
        self.identity_button.setToolTip(_("Người cung cấp tin của nguồn tin đang chọn (chỉ chỉ "
                                          "huy và người được giao; hỏi lại mật khẩu)"))
        self.identity_button.clicked.connect(lambda: self.ask_identity())
        # On a line of their own with the overdue warning: beside the search, two filters and
        # Thêm/Sửa/Xóa they squeezed the search box and cut the filters' words at 1280 px.
        row = QHBoxLayout()
        row.addWidget(self.overdue_label, 1)
        row.addStretch(0)
        row.addWidget(self.print_button)
        row.addWidget(self.identity_button)
        self.layout().insertLayout(1, row)
        self.identity_button.setVisible(vault.may_open(ctx.conn))
        self._overdue_for: tuple | None = None  # (place, database stamp, minute) asked for
        # The overdue tips read off the UI thread, as the count is: 20-30 ms of this thread
        # at the page's first opening with 30,000 tips at 300,000 people (1,500 overdue),
        # with the first rows and their paint waiting for them. The rows are shown at once;
        # the warning and the red rows follow when read.
        self.overdue_reader = Reader(ctx.conn, self, delay=0.0)
        self.overdue_reader.read.connect(self._show_overdue)
        self.overdue_reader.failed.connect(self._overdue_not_read)
        self._overdue_asked_after_paint = False

    def reload(self) -> None:
        super().reload()
        # The overdue tips and who may open identities are the place's, whatever is typed:
        # read again when the place, the database or the minute changes (tips.overdue's
        # resolution), not at every key typed in the search (3,000 tips at 300,000 people,
        # 150 of them overdue: 4-8 ms a key)
        shown_for = (self.selection.unit_id, paging.stamp(self.ctx.conn),
                     dt.datetime.now().replace(second=0, microsecond=0))
        if shown_for == getattr(self, "_overdue_for", None):
            return
        self._overdue_for = shown_for
        # Asked once the rows are painted: the worker's Python (1,500 tips made into
        # Overdue) held the interpreter's lock the paint's cells wait for, 20 ms of the
        # first paint when asked before it.
        if not self._overdue_asked_after_paint:
            self._overdue_asked_after_paint = True
            AfterPaint(self.table.viewport(), self._ask_overdue)
        self.identity_button.setVisible(vault.may_open(self.ctx.conn))

    def _ask_overdue(self) -> None:
        self._overdue_asked_after_paint = False
        unit = self.selection.unit_id
        self.overdue_reader.ask(lambda reader: tips.overdue(reader, unit_scope=unit))

    def _show_overdue(self, items: list[tips.Overdue]) -> None:
        """(The overdue tips read.) Their rows red on pink, and how many said above."""
        self.delegate.ids = {o.id for o in items}
        self.overdue_label.setText(tips.overdue_message(items))
        self.overdue_label.setVisible(bool(items))
        self.table.viewport().update()

    def _overdue_not_read(self, failure: Failure) -> None:
        """They could not be read: said where the warning stands (read again at the next
        reload), not a list silently without its red rows."""
        self._overdue_for = None
        self.delegate.ids = set()
        self.overdue_label.setText(_("Không đọc được các nguồn tin quá hạn: {why}").format(
            why=failure.text))
        self.overdue_label.setVisible(True)
        self.table.viewport().update()

    def let_go_of_file(self) -> None:
        super().let_go_of_file()
        self.overdue_reader.release()
        self._overdue_for = None  # (read again when the file is back)

    def open_dialog(self, record_id: str | None) -> RecordDialog:
        dialog = super().open_dialog(record_id)
        unit = self.selection.unit_id
        if record_id is None and unit:  # a new tip happens where the officer is looking
            name = str(records.get(self.ctx.conn, KINDS["unit"], unit)["name"])
            dialog.editors["unit_id"].set_value(unit, name)
        return dialog

    def print_list(self) -> None:
        from desktop.reports.tips import render_tip_list

        self.print_unit_list(_("Danh sách nguồn tin"), "nguon-tin.pdf", render_tip_list)

    def ask_identity(self) -> PasswordCheck | None:
        """Danh tính…: the password again, then the identity (or an empty form to add it)."""
        tip_id = self.current_id()
        if tip_id is None:
            self.ctx.notify(_("Chọn một nguồn tin trước"))
            return None
        if not vault.may_open(self.ctx.conn):
            self.ctx.notify(str(vault._refused(accounts.current(self.ctx.conn))))
            return None
        code = str(records.get(self.ctx.conn, self.kind, tip_id)["source_code"] or "")
        check = free_on_close(PasswordCheck(self.ctx.conn, self))
        check.accepted.connect(lambda: self.show_identity(code))
        check.open()
        self.password_check = check
        return check

    def show_identity(self, code: str) -> IdentityDialog | None:
        try:
            dialog = free_on_close(IdentityDialog(self.ctx.conn, code, self))
        except UserError as e:
            self.ctx.notify(str(e))
            return None
        dialog.accepted.connect(lambda: self.ctx.notify(
            _("Đã lưu danh tính của nguồn tin {c}").format(c=code)))
        dialog.open()
        self.identity_dialog = dialog
        return dialog
