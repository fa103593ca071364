"""The first start on a database with no site: a short wizard (commune or province from the
official list, the site's name, an administrator password) or "try with demo data".

Nothing is written until Finish, and then in one transaction (``site.init_site``): cancelling
leaves the database as it was, and the next start asks again.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QItemSelectionModel, Qt
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QRadioButton,
    QVBoxLayout,
    QWizard,
    QWizardPage,
)

from desktop import APP_NAME
from desktop.domain import text
from desktop.domain.errors import UserError
from desktop.i18n import _
from desktop.storage import accounts, dbapi, site
from desktop.storage.db import forget_key, open_database
from desktop.storage.paths import demo_database_path

COMMUNE, PROVINCE, DEMO = "commune", "province", "demo"
PAGE_KIND, PAGE_UNIT, PAGE_PASSWORD, PAGE_DEMO = 0, 1, 2, 3
CODE_ROLE = Qt.ItemDataRole.UserRole


def matches(typed: list[str], words: list[str]) -> bool:
    """Every word typed (folded: no accents, no case) begins a word of the unit's name:
    "muong cha" finds "Xã Mường Chà", "dien bien" finds "Tỉnh Điện Biên"."""
    return all(any(w.startswith(t) for w in words) for t in typed)


class KindPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(_("Chào mừng đến với {app}").format(app=APP_NAME))
        self.setSubTitle(_("Máy này dùng cho đơn vị nào?"))
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QRadioButton] = {}
        layout = QVBoxLayout(self)
        for key, label in ((COMMUNE, _("Công an xã, phường, đặc khu")),
                           (PROVINCE, _("Công an tỉnh, thành phố (tổng hợp số liệu các xã)")),
                           (DEMO, _("Dùng thử với dữ liệu mẫu"))):
            button = QRadioButton(label)
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
        return PAGE_DEMO if self.kind() == DEMO else PAGE_UNIT


class UnitPage(QWizardPage):
    """The commune (or province) found by typing part of its name, with or without accents,
    among all of them; nothing is chosen until the officer picks one."""

    def __init__(self, conn: dbapi.Connection, kind_page: KindPage) -> None:
        super().__init__()
        self.conn, self.kind_page = conn, kind_page
        self.setTitle(_("Đơn vị"))
        self.setSubTitle(_("Tìm đơn vị trong danh mục hành chính chính thức (từ 01/07/2025) "
                           "rồi nhấp chọn."))
        self.search = QLineEdit()
        self.search.setClearButtonEnabled(True)
        self.list = QListWidget()
        self.list.setSelectionMode(QListWidget.SelectionMode.SingleSelection)
        self.empty = QLabel()
        self.empty.setWordWrap(True)
        self.empty.setVisible(False)
        self.chosen = QLabel()
        self.chosen.setWordWrap(True)
        self.name = QLineEdit()
        self._name_edited = False
        self._loaded: str | None = None  # the kind the list holds
        # The folded words of each row's own name, and with its province (kept here, not in
        # the items: a list in item data comes back converted on every read).
        self._words: list[list[str]] = []
        self._with_province: list[list[str]] = []
        self.name.textEdited.connect(self._edited)
        self.name.textChanged.connect(lambda _t: self.completeChanged.emit())
        self.search.textChanged.connect(self._filter)
        self.list.itemSelectionChanged.connect(self._picked)
        self.search_label = QLabel()
        self.search_label.setBuddy(self.search)
        form = QFormLayout()
        form.addRow(_("Tên điểm cài đặt:"), self.name)
        hint = QLabel(_("Tên này in trên danh sách, biên bản và báo cáo, và hiện ở tỉnh khi "
                        "đồng bộ."))
        hint.setWordWrap(True)
        form.addRow(hint)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search_label)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty)
        layout.addWidget(self.chosen)
        layout.addLayout(form)
        # Down or Enter in the search box goes to the list's first match, chosen only by
        # Enter, Space or a click there: Enter in the box must not pick for the officer.
        self.search.installEventFilter(self)
        self.list.itemActivated.connect(lambda item: item.setSelected(True))

    def initializePage(self) -> None:  # noqa: N802 - Qt's name
        kind = self.kind_page.kind()
        if self._loaded == kind:
            return
        self._loaded = kind
        self.list.clear()
        self._words, self._with_province = [], []
        self.search.clear()
        if kind == COMMUNE:
            self.search_label.setText(_("Tên xã, phường, đặc khu (gõ không dấu cũng được, ví "
                                        "dụ «muong cha»):"))
            units = [(code, name, province) for code, name, province in
                     site.all_communes(self.conn)]
        else:
            self.search_label.setText(_("Tên tỉnh, thành phố (gõ không dấu cũng được, ví dụ "
                                        "«dien bien»):"))
            units = [(code, name, "") for code, name in site.provinces(self.conn)]
        for code, name, province in units:
            item = QListWidgetItem(f"{name} — {province}" if province else name)
            item.setData(CODE_ROLE, code)
            self._words.append(text.search_words(name))
            self._with_province.append(text.search_words(f"{name} {province}"))
            self.list.addItem(item)
        self.list.clearSelection()
        self.list.setCurrentRow(-1)
        self._picked()
        self.search.setFocus()

    def _edited(self, _text: str) -> None:
        self._name_edited = True

    def _filter(self, typed: str) -> None:
        """Units whose own name holds every word typed ("muong cha": Mường Chà, not Mường Tè
        of Lai Châu); only if there are none, those whose name and province together do
        ("muong dien bien")."""
        words = text.search_words(typed)
        keys = self._words
        if words and not any(matches(words, w) for w in keys):
            keys = self._with_province
        shown = 0
        for row in range(self.list.count()):
            item = self.list.item(row)
            hide = bool(words) and not matches(words, keys[row])
            item.setHidden(hide)
            if hide and item.isSelected():  # what is chosen is always in sight
                item.setSelected(False)
            shown += not hide
        self.empty.setText(_("Không có đơn vị nào khớp «{t}». Hãy gõ ít chữ hơn, ví dụ chỉ "
                             "«{w}».").format(t=typed.strip(), w=(words or [""])[-1]))
        self.empty.setVisible(shown == 0)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if obj is self.search and event.type() == QEvent.Type.KeyPress and event.key() in (
                Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._to_list()
            return True
        return super().eventFilter(obj, event)

    def _to_list(self) -> None:
        for row in range(self.list.count()):
            if not self.list.item(row).isHidden():
                self.list.setFocus()
                self.list.selectionModel().setCurrentIndex(
                    self.list.model().index(row, 0), QItemSelectionModel.SelectionFlag.NoUpdate)
                return

    def _picked(self) -> None:
        item = self.selected_item()
        if item is None:
            self.chosen.setText(_("Chưa chọn đơn vị: nhấp vào một dòng trong danh sách."))
        else:
            self.chosen.setText(_("Đã chọn: {u}").format(u=item.text()))
        self._suggest_name()
        self.completeChanged.emit()

    def selected_item(self) -> QListWidgetItem | None:
        items = [i for i in self.list.selectedItems() if not i.isHidden()]
        return items[0] if items else None

    def unit_name(self) -> str:
        item = self.selected_item()
        return item.text().split(" — ")[0] if item is not None else ""

    def _suggest_name(self) -> None:
        if self._name_edited:
            return
        name = self.unit_name()
        # "Công an xã Mường Nhé", "Công an tỉnh Điện Biên": the unit's kind in lower case.
        for kind in ("Xã ", "Phường ", "Đặc khu ", "Tỉnh ", "Thành phố "):
            if name.startswith(kind):
                name = kind.lower() + name[len(kind):]
                break
        self.name.setText(_("Công an {u}").format(u=name) if name else "")

    def unit_code(self) -> str | None:
        item = self.selected_item()
        return None if item is None else str(item.data(CODE_ROLE))

    def isComplete(self) -> bool:  # noqa: N802 - Qt's name
        return self.unit_code() is not None and bool(self.name.text().strip())


class DemoPage(QWizardPage):
    """The way in for trying the program: what it makes, where, and how to log in."""

    def __init__(self) -> None:
        super().__init__()
        self.setTitle(_("Dùng thử với dữ liệu mẫu"))
        self.setSubTitle(_("Bấm «Hoàn tất» để tạo và mở dữ liệu mẫu."))
        self.text = QLabel()
        self.text.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addStretch(1)

    def initializePage(self) -> None:  # noqa: N802 - Qt's name
        path = demo_database_path()
        made = _("đã có sẵn, được mở lại") if path.exists() else _(
            "được tạo mới (việc này mất một lúc)")
        self.text.setText(_("Dữ liệu mẫu là một tỉnh giả định (Điện Biên) với các xã, thôn, "
                            "tổ chức, người, biên bản… không có thật. Tệp {p} {m}; dữ liệu "
                            "thật của máy này không bị đụng đến.\n\nĐăng nhập bằng tài khoản "
                            "«{u}», mật khẩu «{pw}». Muốn dùng thật thì mở lại chương trình và "
                            "chọn xã, phường của mình.").format(
            p=path, m=made, u=accounts.DEFAULT_ACCOUNT, pw=accounts.DEMO_PASSWORD))


class PasswordPage(QWizardPage):
    def __init__(self, unit_page: UnitPage | None = None) -> None:
        super().__init__()
        self.unit_page = unit_page
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
        self.summary = QLabel()  # the choice of the page before, repeated before Finish
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        form = QFormLayout(self)
        form.addRow(self.summary)
        form.addRow(_("Tên tài khoản:"), self.user)
        form.addRow(_("Mật khẩu (ít nhất {n} ký tự):").format(n=site.MIN_PASSWORD_LENGTH),
                    self.password)
        form.addRow(_("Nhập lại mật khẩu:"), self.repeat)
        form.addRow(self.message)

    def initializePage(self) -> None:  # noqa: N802 - Qt's name
        if self.unit_page is not None:
            item = self.unit_page.selected_item()
            self.summary.setText(_("Đơn vị: {u}\nTên in trên giấy tờ: {n}").format(
                u=item.text() if item else "", n=self.unit_page.name.text().strip()))
        self.password.setFocus()

    def nextId(self) -> int:  # noqa: N802 - Qt's name
        return -1  # the last page (the demo's page comes after it in number only)

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
        self.password_page = PasswordPage(self.unit_page)
        self.demo_page = DemoPage()
        self.setPage(PAGE_KIND, self.kind_page)
        self.setPage(PAGE_UNIT, self.unit_page)
        self.setPage(PAGE_PASSWORD, self.password_page)
        self.setPage(PAGE_DEMO, self.demo_page)
        self.setStartId(PAGE_KIND)
        self.resize(680, 560)

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
