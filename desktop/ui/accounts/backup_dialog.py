"""Backups in the window: the daily copy made in the background after the first paint
(:class:`BackgroundBackup`, progress in the status bar), and Tệp → Khôi phục từ bản sao lưu…:
the copies kept (newest first, why each is kept, the space they take, the disk budget, what
the next pruning deletes), then the restore (``storage.backup.restore``), after which the
window reopens on the restored database."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
)

from desktop.domain.errors import UserError
from desktop.i18n import N_, _
from desktop.storage import backup, db, site
from desktop.ui.common.dialogs import free_on_close

REASONS = {"start": N_("khi mở chương trình"), "daily": N_("sao lưu hằng ngày"),
           "manual": N_("sao lưu thủ công"), "before-restore": N_("trước khi khôi phục"),
           "before-import": N_("trước khi nhập gói")}
WHY = {"newest": N_("giữ: bản mới nhất"), "recent": N_("giữ: trong 24 giờ qua"),
       "daily": N_("giữ: bản của ngày"), "weekly": N_("giữ: bản của tuần"),
       "monthly": N_("giữ: bản của tháng")}
WARNING_COLOUR = "#b3261e"


def reason_text(reason: str) -> str:
    if reason.startswith("before-migration"):
        return _("trước khi nâng cấp cơ sở dữ liệu")
    return _(REASONS[reason]) if reason in REASONS else reason


# -- the daily copy, in the background -----------------------------------------------------------

class BackgroundBackup(QObject):
    """The day's automatic copy (``backup.automatic_backup``) on a worker thread with its own
    connection, started after the window's first paint; the status bar shows its progress,
    then where it went, or a warning that stays until the window closes. Nothing is started
    when today already has a copy. Quitting the program stops the copy (nothing left)."""

    progressed = Signal(int, int)
    done = Signal(object)  # the Path made (None: stopped)
    failed = Signal(str)

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.db_path = Path(window.db_path)
        self._stop = False
        self.thread: threading.Thread | None = None
        self.made: Path | None = None
        self.bar = QProgressBar()
        self.bar.setMaximumWidth(160)
        self.bar.setFormat(_("Sao lưu %p%"))
        self.bar.hide()
        self.warning = QLabel()
        self.warning.setStyleSheet(f"color: {WARNING_COLOUR}")
        self.warning.hide()
        bar = window.statusBar()
        bar.addPermanentWidget(self.bar)
        bar.addPermanentWidget(self.warning)
        self.progressed.connect(self._show_progress)
        self.done.connect(self._finished)
        self.failed.connect(self._failed)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(lambda: self.stop())  # stop(wait_s) takes no signal value

    def start(self) -> bool:
        """Start the copy if today has none yet; True if started."""
        if not backup.automatic_due(self.db_path):
            return False
        self.bar.setRange(0, 0)  # busy until the first step says how many pages
        self.bar.show()
        self.window.statusBar().showMessage(_("Đang sao lưu cơ sở dữ liệu (hằng ngày)…"), 5000)
        self.thread = threading.Thread(target=self._run, name="antq-daily-backup", daemon=True)
        self.thread.start()
        return True

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def stop(self, wait_s: float = 10.0) -> None:
        """Stop a copy in progress (its part file is removed) and wait for the thread."""
        self._stop = True
        if self.thread is not None:
            self.thread.join(wait_s)

    def _run(self) -> None:  # the worker thread: no widget is touched here
        try:
            made = backup.automatic_backup(self.db_path, progress=self.progressed.emit,
                                           cancel=lambda: self._stop)
        except backup.BackupCancelled:
            self.done.emit(None)
        except Exception as e:  # disk full, folder not writable…: said, never a crash
            self.failed.emit(str(e) or type(e).__name__)
        else:
            self.done.emit(made)

    def _show_progress(self, done: int, total: int) -> None:
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(min(done, total))

    def _finished(self, made: object) -> None:
        self.bar.hide()
        if isinstance(made, Path):
            self.made = made
            self.warning.hide()
            self.window.statusBar().showMessage(
                _("Đã sao lưu cơ sở dữ liệu: {f}").format(f=made.name), 8000)

    def _failed(self, message: str) -> None:
        self.bar.hide()
        text = _("Không sao lưu được cơ sở dữ liệu hôm nay: {e}").format(e=message)
        self.warning.setText("⚠ " + _("Chưa sao lưu hôm nay"))
        self.warning.setToolTip(text)
        self.warning.show()
        self.window.statusBar().showMessage(text)


# -- the copies kept, and restoring one ----------------------------------------------------------

class RestoreDialog(QDialog):
    """The copies kept, newest first, each with why it is kept or that the next pruning
    deletes it; the space they take against the disk budget, which can be changed here."""

    def __init__(self, db_path: Path, parent=None) -> None:
        super().__init__(parent)
        self.db_path = db_path
        self.chosen: Path | None = None
        self.policy = backup.load_policy(db_path)
        self.backups = backup.list_backups(db_path)
        self.setWindowTitle(_("Khôi phục từ bản sao lưu"))
        self.list = QListWidget()
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        self.usage = QLabel()
        self.usage.setWordWrap(True)
        self.budget = QDoubleSpinBox()
        self.budget.setDecimals(1)
        self.budget.setRange(backup.MIN_BUDGET / backup.GB, 10_000)
        self.budget.setSingleStep(0.5)
        self.budget.setSuffix(" GB")
        self.budget.setValue(self.policy.budget / backup.GB)
        self.budget.valueChanged.connect(lambda _v: self._fill())
        self.save_budget = QPushButton(_("Lưu hạn mức và dọn"))
        self.save_budget.clicked.connect(lambda: self.apply_budget())
        other = QPushButton(_("Chọn tệp khác…"))
        other.clicked.connect(self._choose_file)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.addButton(other, QDialogButtonBox.ButtonRole.ActionRole)
        # «Khôi phục», and only with a copy chosen: «Đồng ý» over an empty list closed the
        # dialog and did nothing.
        self.restore_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.restore_button.setText(_("Khôi phục"))
        self.list.currentRowChanged.connect(
            lambda row: self.restore_button.setEnabled(row >= 0))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("Bản sao lưu của {db} (mới nhất trước):").format(
            db=db_path.name) if self.backups else _("Chưa có bản sao lưu nào.")))
        layout.addWidget(self.list)
        layout.addWidget(self.usage)
        row = QHBoxLayout()
        row.addWidget(QLabel(_("Hạn mức dung lượng cho mọi bản sao lưu:")))
        row.addWidget(self.budget)
        row.addWidget(self.save_budget)
        row.addStretch(1)
        layout.addLayout(row)
        note = QLabel(_("Chương trình tự sao lưu mỗi ngày một lần (sau khi mở cửa sổ) và giữ "
                        "một bản mỗi ngày trong {d} ngày, mỗi tuần trong {w} tuần, mỗi tháng "
                        "trong {m} tháng gần nhất, trong hạn mức dung lượng (bản cũ nhất bị xóa "
                        "trước, bản mới nhất luôn được giữ). Cơ sở dữ liệu hiện tại được giữ "
                        "lại thành một bản sao lưu trước khi khôi phục. Sau khi khôi phục, điểm "
                        "này nhận mã đồng bộ mới và cần đăng ký lại với tỉnh.").format(
            d=self.policy.daily, w=self.policy.weekly, m=self.policy.monthly))
        note.setWordWrap(True)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self._fill()
        self.resize(640, 460)

    def chosen_policy(self) -> backup.Policy:
        import dataclasses

        return dataclasses.replace(self.policy, budget=int(round(
            self.budget.value() * 10)) * backup.GB // 10)

    def plan(self) -> backup.Plan:
        return backup.plan(self.backups, self.chosen_policy())

    def _fill(self) -> None:
        """The list and the usage line, for the budget shown (not saved yet)."""
        # (imported here: it loads babel, 11 ms, and this module is imported at every start
        # for the day's copy, on the UI thread; the dialog is opened by hand)
        from desktop.domain import formatting

        plan = self.plan()
        current = self.list.currentRow()
        self.list.clear()
        for b in self.backups:
            why = plan.why(b)
            item = QListWidgetItem(_("{when} — {why} ({size}) — {keep}").format(
                when=formatting.date_time(b.created), why=reason_text(b.reason),
                size=backup.size_text(b.size),
                keep=_(WHY[why]) if why in WHY else _("sẽ xóa khi dọn")))
            item.setData(Qt.ItemDataRole.UserRole, str(b.path))
            if why is None:
                item.setForeground(Qt.GlobalColor.darkRed)
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(current if 0 <= current < self.list.count() else 0)
        self.restore_button.setEnabled(self.list.currentRow() >= 0)
        text = _("Đang dùng {used} cho {n} bản; hạn mức {budget}.").format(
            used=backup.size_text(plan.used), n=len(self.backups),
            budget=backup.size_text(plan.policy.budget))
        if plan.dropped:
            text += " " + _("Lần dọn tới sẽ xóa {n} bản ({s}), giữ {k} bản ({ks}).").format(
                n=len(plan.dropped), s=backup.size_text(sum(b.size for b in plan.dropped)),
                k=len(plan.kept), ks=backup.size_text(plan.kept_size))
        else:
            text += " " + _("Không có bản nào phải xóa.")
        self.usage.setText(text)

    def apply_budget(self) -> None:
        """Save the budget shown and prune by it (asking first when copies would go)."""
        policy = self.chosen_policy()
        plan = backup.plan(self.backups, policy)
        if plan.dropped:
            answer = QMessageBox.question(self, _("Dọn bản sao lưu"), _(
                "Xóa {n} bản sao lưu cũ ({s}) để vừa hạn mức {b}?").format(
                n=len(plan.dropped), s=backup.size_text(sum(b.size for b in plan.dropped)),
                b=backup.size_text(policy.budget)))
            if answer != QMessageBox.StandardButton.Yes:
                return
        try:
            backup.save_policy(self.db_path, policy)
            backup.prune(self.db_path, policy=policy)
        except (UserError, OSError) as e:
            QMessageBox.warning(self, _("Dọn bản sao lưu"), str(e))
            return
        self.policy = policy
        self.backups = backup.list_backups(self.db_path)
        self._fill()

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
    db_path = Path(window.db_path)
    try:
        backup.check_backup(backup_file, db.known_key(db_path))
    except UserError as e:
        QMessageBox.warning(window, _("Khôi phục từ bản sao lưu"), str(e))
        return False
    daily = getattr(window, "daily_backup", None)
    if daily is not None:  # its connection would keep the database open
        daily.stop()
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        actor = window.store.actor if getattr(window, "store", None) else None
        window.stop_pending_work()  # a message box below runs the event loop
        window.conn.close()
        result = backup.restore(backup_file, db_path, actor=actor)
    except UserError as e:
        QApplication.restoreOverrideCursor()
        QMessageBox.warning(window, _("Khôi phục từ bản sao lưu"), str(e))
        window.reopen(db_path)  # the database is as it was; the old connection is closed
        return False
    QApplication.restoreOverrideCursor()
    new_window = window.reopen(db_path, backup=False)
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
    dialog = free_on_close(RestoreDialog(Path(window.db_path), window))

    def done(code: int) -> None:
        if code == QDialog.DialogCode.Accepted and dialog.chosen is not None \
                and confirm(window, dialog.chosen) and admin_password_ok(window):
            restore_into(window, dialog.chosen)

    dialog.finished.connect(done)
    dialog.open()
    return dialog
