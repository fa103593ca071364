"""Tệp → Khôi phục từ bản sao lưu…: choose a backup (newest first, or any file), confirm, then
the database is replaced (``storage.backup.restore``) and the window reopens on it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
)

from desktop.domain import formatting
from desktop.domain.errors import UserError
from desktop.i18n import N_, _
from desktop.storage import backup, db, site

REASONS = {"start": N_("khi mở chương trình"), "manual": N_("sao lưu thủ công"),
           "before-restore": N_("trước khi khôi phục"), "before-import": N_("trước khi nhập gói")}


def reason_text(reason: str) -> str:
    if reason.startswith("before-migration"):
        return _("trước khi nâng cấp cơ sở dữ liệu")
    return _(REASONS[reason]) if reason in REASONS else reason


class RestoreDialog(QDialog):
    def __init__(self, db_path: Path, parent=None) -> None:
        super().__init__(parent)
        self.db_path = db_path
        self.chosen: Path | None = None
        self.setWindowTitle(_("Khôi phục từ bản sao lưu"))
        self.list = QListWidget()
        for b in backup.list_backups(db_path):
            item = QListWidgetItem(_("{when} — {why} ({size} KB)").format(
                when=formatting.date_time(b.created), why=reason_text(b.reason),
                size=formatting.count(max(1, b.size // 1024))))
            item.setData(Qt.ItemDataRole.UserRole, str(b.path))
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        other = QPushButton(_("Chọn tệp khác…"))
        other.clicked.connect(self._choose_file)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.addButton(other, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("Bản sao lưu của {db} (mới nhất trước):").format(
            db=db_path.name) if self.list.count() else _("Chưa có bản sao lưu nào.")))
        layout.addWidget(self.list)
        note = QLabel(_("Cơ sở dữ liệu hiện tại được giữ lại thành một bản sao lưu trước khi "
                        "khôi phục. Sau khi khôi phục, điểm này nhận mã đồng bộ mới và cần "
                        "đăng ký lại với tỉnh."))
        note.setWordWrap(True)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.resize(560, 380)

    def _choose_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, _("Chọn bản sao lưu"), str(backup.backups_dir(self.db_path)),
            _("Cơ sở dữ liệu ANTQ (*.db);;Mọi tệp (*)"))
        if path:
            self.chosen = Path(path)
            super().accept()

    def accept(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        self.chosen = Path(item.data(Qt.ItemDataRole.UserRole))
        super().accept()


def confirm(parent, backup_file: Path) -> bool:
    answer = QMessageBox.question(
        parent, _("Khôi phục từ bản sao lưu"),
        _("Thay cơ sở dữ liệu đang mở bằng bản sao lưu «{f}»?\nNhững thay đổi sau thời điểm "
          "sao lưu sẽ không còn trong cơ sở dữ liệu (vẫn có trong bản sao lưu «trước khi "
          "khôi phục»).").format(f=backup_file.name))
    return answer == QMessageBox.StandardButton.Yes


def restore_into(window, backup_file: Path) -> bool:
    """Close the window's database, restore, reopen the window on it. True when done."""
    from desktop.ui.app import reopen

    db_path = Path(window.db_path)
    try:
        backup.check_backup(backup_file, db.known_key(db_path))
    except UserError as e:
        QMessageBox.warning(window, _("Khôi phục từ bản sao lưu"), str(e))
        return False
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        actor = window.store.actor if getattr(window, "store", None) else None
        window.conn.close()
        result = backup.restore(backup_file, db_path, actor=actor)
    except UserError as e:
        QApplication.restoreOverrideCursor()
        QMessageBox.warning(window, _("Khôi phục từ bản sao lưu"), str(e))
        reopen(window, db_path)  # the database is as it was; the old connection is closed
        return False
    QApplication.restoreOverrideCursor()
    new_window = reopen(window, db_path, backup=False)
    if new_window is not None and result.site_id is not None:
        new_window.statusBar().showMessage(
            _("Đã khôi phục từ {f}; điểm đồng bộ nhận mã mới, hãy đăng ký lại với tỉnh").format(
                f=backup_file.name))
    return True


def admin_password_ok(window) -> bool:
    """Only the chief restores, and proves it is still at the keyboard with the account's
    password (the same check as ``antq restore``: backup.check_restore_rights)."""
    from desktop.storage import accounts

    title = _("Khôi phục từ bản sao lưu")
    account = accounts.current(window.conn)
    if account is None and not site.has_admin_password(window.conn):
        return True  # the program's own connection (no one logged in): nothing to prove
    label = (_("Mật khẩu của «{n}»:").format(n=account.name) if account is not None
             else _("Mật khẩu quản trị:"))
    password, ok = QInputDialog.getText(window, title, label, QLineEdit.EchoMode.Password)
    if not ok:
        return False
    try:
        if account is not None:
            accounts.confirm_password(window.conn, password)
        backup.check_restore_rights(window.conn, password)
    except UserError as e:
        QMessageBox.warning(window, title, str(e))
        return False
    return True


def restore_from_backup(window) -> RestoreDialog | None:
    """The menu action: the dialog, then (on OK, the password and confirmation) the restore.
    An account that may not restore is told so first, before choosing anything."""
    from desktop.storage import accounts

    try:
        accounts.require(window.conn, "restore")
    except UserError as e:
        QMessageBox.warning(window, _("Khôi phục từ bản sao lưu"), str(e))
        return None
    dialog = RestoreDialog(Path(window.db_path), window)

    def done(code: int) -> None:
        if code == QDialog.DialogCode.Accepted and dialog.chosen is not None \
                and confirm(window, dialog.chosen) and admin_password_ok(window):
            restore_into(window, dialog.chosen)

    dialog.finished.connect(done)
    dialog.open()
    return dialog
