"""The first start on a database with no site: a short wizard (commune or province from the
official list, the site's name, an administrator password) or "try with demo data".

Nothing is written until Finish, and then in one transaction (``site.init_site``): cancelling
leaves the database as it was, and the next start asks again.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QRadioButton,
    QVBoxLayout,
    QWizard,
    QWizardPage,
)

from desktop import APP_NAME
from desktop.domain.errors import UserError
from desktop.i18n import _
from desktop.storage import accounts, dbapi, site
from desktop.storage.db import forget_key, open_database
from desktop.storage.paths import demo_database_path

COMMUNE, PROVINCE, DEMO = "commune", "province", "demo"
PAGE_KIND, PAGE_UNIT, PAGE_PASSWORD = 0, 1, 2


class KindPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(_("Chào mừng đến với {app}").format(app=APP_NAME))
        self.setSubTitle(_("Máy này dùng cho đơn vị nào?"))
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QRadioButton] = {}
        layout = QVBoxLayout(self)
        for key, text in ((COMMUNE, _("Công an xã, phường, đặc khu")),
                          (PROVINCE, _("Công an tỉnh, thành phố (tổng hợp số liệu các xã)")),
                          (DEMO, _("Dùng thử với dữ liệu mẫu"))):
            button = QRadioButton(text)
            self.group.addButton(button)
            self.buttons[key] = button
            layout.addWidget(button)
        self.buttons[COMMUNE].setChecked(True)
        note = QLabel(_("Dữ liệu mẫu là một tỉnh giả định với các xã, thôn, tổ chức và người "
                        "không có thật; nó nằm trong tệp riêng, không lẫn với dữ liệu thật."))
        note.setWordWrap(True)
        layout.addSpacing(12)
        layout.addWidget(note)

    def kind(self) -> str:
        return next(k for k, b in self.buttons.items() if b.isChecked())

    def nextId(self) -> int:  # noqa: N802 - Qt's name
        return -1 if self.kind() == DEMO else PAGE_UNIT

    def isFinalPage(self) -> bool:  # noqa: N802 - Qt's name
        return self.kind() == DEMO


class UnitPage(QWizardPage):
    def __init__(self, conn: dbapi.Connection, kind_page: KindPage) -> None:
        super().__init__()
        self.conn, self.kind_page = conn, kind_page
        self.setTitle(_("Đơn vị"))
        self.setSubTitle(_("Chọn đơn vị trong danh mục hành chính chính thức (từ 01/07/2025)."))
        self.province = QComboBox()
        self.commune = QComboBox()
        for box in (self.province, self.commune):
            box.setEditable(True)  # type to find among 34 provinces or a hundred communes
            box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.name = QLineEdit()
        self._name_edited = False
        self.name.textEdited.connect(self._edited)
        form = QFormLayout(self)
        form.addRow(_("Tỉnh, thành phố:"), self.province)
        self.commune_label = QLabel(_("Xã, phường, đặc khu:"))
        form.addRow(self.commune_label, self.commune)
        form.addRow(_("Tên điểm cài đặt:"), self.name)
        hint = QLabel(_("Tên này in trên danh sách, biên bản và báo cáo, và hiện ở tỉnh khi "
                        "đồng bộ."))
        hint.setWordWrap(True)
        form.addRow(hint)
        for code, name in site.provinces(conn):
            self.province.addItem(name, code)
        self.province.currentIndexChanged.connect(self._province_changed)
        self.commune.currentIndexChanged.connect(self._suggest_name)

    def initializePage(self) -> None:  # noqa: N802 - Qt's name
        commune = self.kind_page.kind() == COMMUNE
        self.commune.setVisible(commune)
        self.commune_label.setVisible(commune)
        self._province_changed()

    def _edited(self, _text: str) -> None:
        self._name_edited = True

    def _province_changed(self, _index: int = 0) -> None:
        self.commune.blockSignals(True)
        self.commune.clear()
        if self.province.currentData():
            for code, name in site.communes_of(self.conn, self.province.currentData()):
                self.commune.addItem(name, code)
        self.commune.blockSignals(False)
        self._suggest_name()
        self.completeChanged.emit()

    def _suggest_name(self, _index: int = 0) -> None:
        if self._name_edited:
            return
        unit = self.commune if self.kind_page.kind() == COMMUNE else self.province
        name = unit.currentText()
        # "Công an xã Mường Nhé", "Công an tỉnh Điện Biên": the unit's kind in lower case.
        for kind in ("Xã ", "Phường ", "Đặc khu ", "Tỉnh ", "Thành phố "):
            if name.startswith(kind):
                name = kind.lower() + name[len(kind):]
                break
        self.name.setText(_("Công an {u}").format(u=name) if name else "")

    def unit_code(self) -> str | None:
        box = self.commune if self.kind_page.kind() == COMMUNE else self.province
        index = box.findText(box.currentText(), Qt.MatchFlag.MatchExactly)
        return box.itemData(index) if index >= 0 else None

    def isComplete(self) -> bool:  # noqa: N802 - Qt's name
        return self.unit_code() is not None and bool(self.name.text().strip())

    def validatePage(self) -> bool:  # noqa: N802 - Qt's name
        if self.unit_code() is None:
            QMessageBox.warning(self, _("Đơn vị"), _("Hãy chọn một đơn vị trong danh sách."))
            return False
        return True


class PasswordPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(_("Tài khoản chỉ huy"))
        self.setSubTitle(_("Dữ liệu được mã hóa: tài khoản và mật khẩu này mở chương trình mỗi "
                           "lần và được hỏi trước những việc quan trọng. Quên mật khẩu là mất dữ "
                           "liệu: hãy ghi lại và cất ở nơi an toàn."))
        self.user = QLineEdit(accounts.DEFAULT_ACCOUNT)
        self.user.textChanged.connect(self._changed)
        self.password = QLineEdit()
        self.repeat = QLineEdit()
        for edit in (self.password, self.repeat):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.textChanged.connect(self._changed)
        self.message = QLabel()
        self.message.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow(_("Tên tài khoản:"), self.user)
        form.addRow(_("Mật khẩu (ít nhất {n} ký tự):").format(n=site.MIN_PASSWORD_LENGTH),
                    self.password)
        form.addRow(_("Nhập lại mật khẩu:"), self.repeat)
        form.addRow(self.message)

    def _problem(self) -> str | None:
        name = self.user.text().strip()
        if not name or any(c.isspace() for c in name):
            return _("Tên tài khoản không được trống hay có khoảng trắng.")
        if len(self.password.text()) < site.MIN_PASSWORD_LENGTH:
            return _("Mật khẩu cần ít nhất {n} ký tự.").format(n=site.MIN_PASSWORD_LENGTH)
        if self.password.text() != self.repeat.text():
            return _("Hai lần nhập không khớp.")
        return None

    def _changed(self, _text: str) -> None:
        problem = self._problem() if self.password.text() or self.repeat.text() else None
        self.message.setText(problem or "")
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802 - Qt's name
        return self._problem() is None


class FirstRunWizard(QWizard):
    """Asks; on Finish sets up the site (or creates the demo database). ``result_path`` is
    the database to open afterwards."""

    def __init__(self, conn: dbapi.Connection, db_path: Path, parent=None) -> None:
        super().__init__(parent)
        self.conn, self.db_path = conn, db_path
        self.result_path: Path | None = None
        self.setWindowTitle(_("Cài đặt lần đầu — {app}").format(app=APP_NAME))
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.kind_page = KindPage()
        self.unit_page = UnitPage(conn, self.kind_page)
        self.password_page = PasswordPage()
        self.setPage(PAGE_KIND, self.kind_page)
        self.setPage(PAGE_UNIT, self.unit_page)
        self.setPage(PAGE_PASSWORD, self.password_page)
        self.setStartId(PAGE_KIND)
        self.resize(620, 420)

    def accept(self) -> None:
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self.result_path = self._finish()
        except UserError as e:
            QApplication.restoreOverrideCursor()
            QMessageBox.warning(self, APP_NAME, str(e))
            return
        QApplication.restoreOverrideCursor()
        super().accept()

    def _finish(self) -> Path:
        kind = self.kind_page.kind()
        if kind == DEMO:
            from desktop.storage import demo

            path = demo_database_path()
            if not path.exists():
                demo.create_demo_database(path)
            return path
        code = self.unit_page.unit_code()
        if not accounts.list_accounts(self.conn):
            accounts.create_first(self.conn, self.password_page.user.text().strip(),
                                  self.password_page.password.text())
        site.init_site(self.conn, name=self.unit_page.name.text(),
                       commune_code=code if kind == COMMUNE else None,
                       province_code=code if kind == PROVINCE else None)
        return self.db_path


def ensure_site(db_path: Path, *, wizard_hook=None) -> Path | None:
    """The database to open: ``db_path`` when it has a site, else what the wizard set up;
    None when the officer cancelled. ``wizard_hook(wizard)`` runs before the wizard shows
    (the self-test uses it)."""
    created = not db_path.exists() or db_path.stat().st_size == 0
    conn = open_database(db_path)
    accepted = False
    try:
        if site.load_site(conn) is not None:
            return db_path
        wizard = FirstRunWizard(conn, db_path)
        if wizard_hook is not None:
            wizard_hook(wizard)
        accepted = wizard.exec() == QWizard.DialogCode.Accepted
        return wizard.result_path if accepted else None
    finally:
        conn.close()
        if created and not (accepted and wizard.result_path == db_path):
            # Nothing was set up in the file this start made: without an account its key
            # would be lost, so it goes, and the next start asks again.
            for suffix in ("", "-wal", "-shm"):
                Path(str(db_path) + suffix).unlink(missing_ok=True)
            forget_key(db_path)
