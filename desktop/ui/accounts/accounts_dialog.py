"""Tệp → Người dùng… (the chief) and Tệp → Đổi mật khẩu của tôi… (anyone).

Every action calls the same functions of desktop/storage/accounts.py as ``antq user``: the
rules (who may, the last chief, the password's length) live there, and their UserError is
shown here, in the dialog, as it is.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.errors import UserError
from desktop.domain.text import upper_first
from desktop.i18n import _
from desktop.storage import accounts, dbapi
from desktop.ui.common.dialogs import LastShown, free_on_close

ERROR_STYLE = "color: #b00020"


def _password_edit() -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


def _message_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet(ERROR_STYLE)
    return label


class _FormDialog(QDialog):
    """A form whose OK button is enabled only while ``problem`` finds nothing; OK then calls
    ``apply``, and a UserError it raises stays in the dialog, under the form."""

    def __init__(self, title: str, ok_text: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.form = QFormLayout()
        self.hint = QLabel()  # why OK is not yet enabled
        self.hint.setWordWrap(True)
        self.message = _message_label()  # what the storage layer refused
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ok_text)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Hủy"))
        self.buttons.accepted.connect(lambda: self._ok())
        self.buttons.rejected.connect(lambda: self.reject())
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.hint)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)

    def _watch(self, *edits: QLineEdit) -> None:
        for edit in edits:
            edit.textChanged.connect(lambda _text: self._update())

    def problem(self) -> str | None:
        return None

    def apply(self) -> None:
        raise NotImplementedError

    def _update(self) -> None:
        problem = self.problem()
        self.ok_button.setEnabled(problem is None)
        self.hint.setText(problem or "")
        self.message.clear()

    def _ok(self) -> None:
        if self.problem() is not None:  # Enter in a field while OK is disabled
            return
        try:
            self.apply()
        except UserError as e:
            self.message.setText(str(e))
            return
        self.accept()


def _password_problem(first: str, repeat: str) -> str | None:
    try:
        accounts.check_new_password(first, repeat)
    except UserError as e:
        return str(e)
    return None


class NewAccountDialog(_FormDialog):
    """Thêm…: name, full name, role, password typed twice."""

    def __init__(self, conn: dbapi.Connection, parent: QWidget | None = None) -> None:
        super().__init__(_("Thêm tài khoản"), _("Tạo tài khoản"), parent)
        self.conn = conn
        self.account: accounts.Account | None = None
        self.name = QLineEdit()
        self.full_name = QLineEdit()
        self.role = QComboBox()
        for code, label in accounts.ROLE_NAMES.items():
            self.role.addItem(upper_first(_(label)), code)
        self.role.setCurrentIndex(self.role.findData("officer"))
        self.password, self.repeat = _password_edit(), _password_edit()
        self.form.addRow(_("Tên tài khoản:"), self.name)
        self.form.addRow(_("Họ tên:"), self.full_name)
        self.form.addRow(_("Vai trò:"), self.role)
        self.form.addRow(_("Mật khẩu (ít nhất {n} ký tự):").format(
            n=accounts.MIN_PASSWORD_LENGTH), self.password)
        self.form.addRow(_("Nhập lại mật khẩu:"), self.repeat)
        self._watch(self.name, self.password, self.repeat)
        self._update()
        self.name.setFocus()

    def problem(self) -> str | None:
        if not self.name.text().strip():
            return _("Nhập tên tài khoản (dùng để đăng nhập).")
        try:
            accounts.check_name(self.name.text())
        except UserError as e:
            return str(e)
        return _password_problem(self.password.text(), self.repeat.text())

    def apply(self) -> None:
        self.account = accounts.add(self.conn, self.name.text().strip(),
                                    str(self.role.currentData()), self.password.text(),
                                    full_name=self.full_name.text().strip() or None)


class PasswordDialog(_FormDialog):
    """A new password for ``name``, typed twice; ``own``: the officer's own, who first proves
    it is still them with the current password."""

    def __init__(self, conn: dbapi.Connection, name: str, *, own: bool = False,
                 parent: QWidget | None = None) -> None:
        title = _("Đổi mật khẩu của tôi") if own else _("Đổi mật khẩu của «{n}»").format(n=name)
        super().__init__(title, _("Đổi mật khẩu"), parent)
        self.conn, self.account_name, self.own = conn, name, own
        self.note: str | None = None  # what the reset means for the informant vault
        self.current: QLineEdit | None = None
        if own:
            self.current = _password_edit()
            self.form.addRow(_("Mật khẩu hiện tại:"), self.current)
        self.password, self.repeat = _password_edit(), _password_edit()
        self.form.addRow(_("Mật khẩu mới (ít nhất {n} ký tự):").format(
            n=accounts.MIN_PASSWORD_LENGTH), self.password)
        self.form.addRow(_("Nhập lại mật khẩu mới:"), self.repeat)
        self._watch(*(e for e in (self.current, self.password, self.repeat) if e is not None))
        self._update()
        (self.current or self.password).setFocus()

    def problem(self) -> str | None:
        if self.current is not None and not self.current.text():
            return _("Nhập mật khẩu hiện tại.")
        return _password_problem(self.password.text(), self.repeat.text())

    def apply(self) -> None:
        if self.current is not None:
            try:
                accounts.confirm_password(self.conn, self.current.text())
            except UserError:
                self.current.clear()
                self.current.setFocus()
                raise
        self.note = accounts.change_password(self.conn, self.account_name,
                                             self.password.text())


class AccountsDialog(QDialog):
    """The accounts of this database: add, change a password, disable."""

    COLUMNS = (_("Tên tài khoản"), _("Họ tên"), _("Vai trò"), _("Đã khóa"),
               _("Được mở danh tính người cung cấp tin"))
    confirmation: LastShown[QMessageBox] = LastShown()  # tests answer it; held weakly

    def __init__(self, conn: dbapi.Connection, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.conn = conn
        self.setWindowTitle(_("Người dùng"))
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(list(self.COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(lambda: self._update_buttons())
        self.message = _message_label()
        self.add_button = QPushButton(_("Thêm…"))
        self.password_button = QPushButton(_("Đổi mật khẩu…"))
        self.disable_button = QPushButton(_("Khóa tài khoản…"))
        close = QPushButton(_("Đóng"))
        self.add_button.clicked.connect(lambda: self.add())
        self.password_button.clicked.connect(lambda: self.change_password())
        self.disable_button.clicked.connect(lambda: self.disable())
        # The informant vault: a chief names the officers who handle informants.
        self.grant_button = QPushButton(_("Giao mở danh tính"))
        self.grant_button.setToolTip(_("Cán bộ đang chọn được xem danh tính người cung cấp tin "
                                       "(như chỉ huy)"))
        self.revoke_button = QPushButton(_("Thu hồi quyền mở danh tính"))
        self.grant_button.clicked.connect(lambda: self.set_vault_grant(True))
        self.revoke_button.clicked.connect(lambda: self.set_vault_grant(False))
        close.clicked.connect(lambda: self.accept())
        buttons = QHBoxLayout()
        for button in (self.add_button, self.password_button, self.disable_button,
                       self.grant_button, self.revoke_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        note = QLabel(_("Tài khoản bị khóa không mở được cơ sở dữ liệu nữa; lịch sử và nhật ký "
                        "của nó vẫn được giữ."))
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(note)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.resize(640, 380)
        self.reload()

    def reload(self, select: str | None = None) -> None:
        from desktop.storage import vault

        self.accounts = accounts.list_accounts(self.conn)
        self.granted = {g.name for g in vault.grants(self.conn)}
        self.table.setRowCount(len(self.accounts))
        for row, account in enumerate(self.accounts):
            opens = account.role == "chief" or account.name in self.granted
            # Values on their own, capitalised as «Có» is elsewhere (the names as written).
            cells = (account.name, account.full_name or "", upper_first(account.role_name),
                     upper_first(_("đã khóa")) if account.disabled else "",
                     upper_first(_("có")) if opens and not account.disabled else "")
            for col, text in enumerate(cells):
                self.table.setItem(row, col, QTableWidgetItem(text))
            if account.name == select:
                self.table.selectRow(row)
        self._update_buttons()

    def selected(self) -> accounts.Account | None:
        rows = self.table.selectionModel().selectedRows()
        return self.accounts[rows[0].row()] if rows else None

    def _update_buttons(self) -> None:
        account = self.selected()
        usable = account is not None and not account.disabled
        self.password_button.setEnabled(usable)
        self.disable_button.setEnabled(usable)
        officer = usable and account is not None and account.role == "officer"
        granted = account is not None and account.name in self.granted
        self.grant_button.setEnabled(officer and not granted)
        self.revoke_button.setEnabled(officer and granted)

    # -- actions (each opened as a window-modal sheet; results come back by signals) --------

    def add(self) -> NewAccountDialog:
        self.message.clear()
        dialog = free_on_close(NewAccountDialog(self.conn, self))
        dialog.accepted.connect(lambda: self._added(dialog))
        dialog.open()
        return dialog

    def _added(self, dialog: NewAccountDialog) -> None:
        assert dialog.account is not None
        self.reload(select=dialog.account.name)
        self._say(_("Đã tạo tài khoản «{n}» ({r})").format(n=dialog.account.name,
                                                            r=dialog.account.role_name))

    def change_password(self) -> PasswordDialog | None:
        account = self.selected()
        if account is None:
            return None
        self.message.clear()
        dialog = free_on_close(PasswordDialog(self.conn, account.name, parent=self))
        dialog.accepted.connect(lambda: self._password_changed(dialog, account.name))
        dialog.open()
        return dialog

    def _password_changed(self, dialog: PasswordDialog, name: str) -> None:
        self.reload(select=name)
        said = _("Đã đổi mật khẩu của «{n}»").format(n=name)
        self._say(f"{said}. {dialog.note}" if dialog.note else said)

    def set_vault_grant(self, granted: bool) -> None:
        """Giao / Thu hồi: the same functions as ``antq vault grant|revoke``."""
        from desktop.storage import vault

        account = self.selected()
        if account is None:
            return
        try:
            (vault.grant if granted else vault.revoke)(self.conn, account.name)
        except UserError as e:
            self._say(str(e), error=True)
            return
        self.reload(select=account.name)
        said = (_("«{n}» được mở danh tính người cung cấp tin") if granted
                else _("Đã thu hồi quyền mở danh tính của «{n}»"))
        self._say(said.format(n=account.name))

    def disable(self) -> QMessageBox | None:
        account = self.selected()
        if account is None:
            return None
        self.message.clear()
        box = QMessageBox(QMessageBox.Icon.Warning, _("Khóa tài khoản"),
                          _("Khóa tài khoản «{n}» ({r})?\nNgười dùng nó sẽ không mở được cơ sở "
                            "dữ liệu nữa.").format(n=account.name, r=account.role_name),
                          parent=self)
        free_on_close(box)  # after its answer is read (finished comes first)
        yes = box.addButton(_("Khóa tài khoản"), QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(_("Không"), QMessageBox.ButtonRole.RejectRole)
        box.finished.connect(lambda _result: self._disable_answered(box, yes, account.name))
        box.open()
        self.confirmation = box
        return box

    def _disable_answered(self, box: QMessageBox, yes, name: str) -> None:
        if box.clickedButton() is not yes:
            return
        try:
            accounts.disable(self.conn, name)
        except UserError as e:
            self._say(str(e), error=True)
            return
        self.reload(select=name)
        self._say(_("Đã khóa tài khoản «{n}»: nó không mở được cơ sở dữ liệu nữa").format(n=name))

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setStyleSheet(ERROR_STYLE if error else "")
        self.message.setText(text)


def show_accounts(window) -> AccountsDialog | None:
    """Tệp → Người dùng…: refused here with the storage layer's own words for other roles."""
    try:
        accounts.require(window.conn, "accounts")
    except UserError as e:
        window.notify(str(e))
        return None
    dialog = AccountsDialog(window.conn, window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    window.accounts_dialog = dialog
    return dialog


def change_my_password(window) -> PasswordDialog | None:
    """Tệp → Đổi mật khẩu của tôi…, for any account."""
    me = accounts.current(window.conn)
    if me is None:
        return None
    dialog = PasswordDialog(window.conn, me.name, own=True, parent=window)
    dialog.accepted.connect(lambda: window.notify(_("Đã đổi mật khẩu của «{n}»").format(
        n=me.name)))
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    window.password_dialog = dialog
    return dialog
