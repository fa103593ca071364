"""The login dialog: the account and its password unlock the encrypted database."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
)

from desktop import APP_NAME
from desktop.domain.errors import UserError
from desktop.i18n import _
from desktop.storage.account_defaults import DEFAULT_ACCOUNT, DEMO_PASSWORD


def _accounts():  # -> the desktop.storage.accounts module
    """The accounts (and the storage under them), imported when first needed: the dialog
    paints first, and they are imported while the officer types (desktop/ui/shell/preload.py)."""
    from desktop.storage import accounts

    return accounts


class LoginDialog(QDialog):
    """Asks until the database opens or the officer cancels; ``conn``, ``account`` and
    ``notes`` (what to tell the officer, e.g. that an old database was encrypted) after."""

    def __init__(self, db_path: Path, parent=None, *, demo: bool = False,
                 user: str | None = None) -> None:
        """``user``: the account to offer (default: the last one that logged in here; ""
        when another account is to log in, from the lock screen)."""
        super().__init__(parent)
        self.db_path = db_path
        self.conn = self.account = None
        self.notes: list[str] = []
        self.setWindowTitle(_("Đăng nhập — {app}").format(app=APP_NAME))
        intro = QLabel(_("Dữ liệu trong {f} được mã hóa. Nhập tài khoản và mật khẩu để mở.")
                       .format(f=db_path.name))
        intro.setWordWrap(True)
        if user is None:
            user = str(QSettings().value("login/user") or DEFAULT_ACCOUNT)
        self.user = QLineEdit(user)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020")
        form = QFormLayout()
        form.addRow(_("Tài khoản:"), self.user)
        form.addRow(_("Mật khẩu:"), self.password)
        # Not QDialogButtonBox(buttons): choosing among its constructors (buttons or a
        # Qt.Orientation) builds the Qt namespace's enums, 25 ms before the prompt shows.
        self.buttons = QDialogButtonBox()
        self.buttons.setStandardButtons(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(_("Đăng nhập"))
        self.buttons.accepted.connect(lambda: self._try())
        self.buttons.rejected.connect(lambda: self.reject())
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        if demo:
            hint = QLabel(_("Dữ liệu mẫu: tài khoản «{u}», mật khẩu «{p}».").format(
                u=DEFAULT_ACCOUNT, p=DEMO_PASSWORD))
            layout.addWidget(hint)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.password.setFocus() if self.user.text() else self.user.setFocus()
        self.resize(440, self.sizeHint().height())

    def _try(self) -> None:
        # The key derivation takes a second, and the first open after an update of the
        # program may convert the database (migrations): say so rather than look frozen.
        self.message.setStyleSheet("")
        self.message.setText(_("Đang mở dữ liệu… Lần đầu sau khi cập nhật chương trình, dữ "
                               "liệu được nâng cấp một lần và có thể mất vài chục giây."))
        self.buttons.setEnabled(False)
        from PySide6.QtCore import Qt  # not at import: its enums cost 25 ms before the prompt

        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        QApplication.processEvents()
        try:
            self.conn, self.account, self.notes = _accounts().login(
                self.db_path, self.user.text().strip(), self.password.text())
        except UserError as e:
            QApplication.restoreOverrideCursor()
            self.buttons.setEnabled(True)
            self.message.setStyleSheet("color: #b00020")
            self.message.setText(str(e))
            self.password.clear()
            self.password.setFocus()
            return
        QApplication.restoreOverrideCursor()
        settings = QSettings()
        # Written only when another account logs in: QSettings rewrites and syncs its whole
        # file for a value set, between the click and the first rows (issue 12).
        if settings.value("login/user") != self.account.name:
            settings.setValue("login/user", self.account.name)
        self.accept()
