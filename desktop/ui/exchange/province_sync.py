"""Sync menu entries of issue 15: import a whole folder or stick at once (per commune, with
progress and Cancel), and the sync folder — chosen here, run now, and run by itself at start and
on a timer, off the window's thread, its last run said in the status bar.

The work is the CLI's (desktop/sync/folder_import.py, sync_folder.py), run through the task
runner on its own connection; a background run shows no progress dialog and never an error
dialog: an unreachable folder is a quiet line in the status bar.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QFileDialog, QLabel, QMessageBox

from desktop.domain.errors import UserError
from desktop.i18n import _
from desktop.storage import undo
from desktop.storage.db import connect
from desktop.sync import folder_import, keys, sync_folder
from desktop.ui.common.tasks import TaskContext

if TYPE_CHECKING:
    from desktop.ui.exchange.sync_dialogs import SyncActions

RUN_EVERY_MS = 10 * 60 * 1000  # a share comes and goes: look every ten minutes
NEVER_SHOWN_MS = 24 * 3600 * 1000  # a background run's progress dialog stays hidden


def import_folder(actions: SyncActions, folder: str | None = None) -> None:
    """Đồng bộ → Nhập cả thư mục/USB…: every bundle for this site in the folder, per
    commune, earliest first; one line per commune and a total."""
    from desktop.ui.exchange import undo_import
    from desktop.ui.exchange.sync_dialogs import show_results

    ctx, parent = actions.ctx, actions.parent
    if not actions.allowed("sync"):
        return
    site_keys = actions.unlocked()
    if site_keys is None:
        return
    if folder is None:
        folder = QFileDialog.getExistingDirectory(
            parent, _("Chọn USB hoặc thư mục chứa các gói đồng bộ"))
    if not folder:
        return
    db_path, actor = ctx.db_path, ctx.undo.store.actor

    def work(task: TaskContext) -> folder_import.FolderImport:
        conn = connect(db_path)
        try:
            return folder_import.import_folder(
                conn, site_keys, [Path(folder)], actor=actor,
                progress=lambda done, total, label: task.progress(done, total, label),
                cancel=lambda: task.cancelled)
        finally:
            conn.close()

    def done(result: folder_import.FolderImport) -> None:
        ctx.changed()
        dialog = actions.last_dialog = show_results(parent, _("Kết quả nhập thư mục"),
                                                    result.lines())
        imported = [r for r in result.results if r.status == "imported"]
        if 0 < len(imported) <= undo.KEEP:  # only the last few imports keep their journal
            undo_import.offer(actions, dialog, imported)
        ctx.notify(result.total_line())

    ctx.tasks.run(_("Đang nhập các gói đồng bộ…"), work, on_done=done,
                  on_error=lambda m: QMessageBox.warning(parent, _("Không nhập được"), m),
                  parent=parent)


def choose_folder(actions: SyncActions) -> None:
    """Đồng bộ → Thư mục đồng bộ…: name the folder (or none), then run once."""
    if not actions.allowed("sync"):
        return
    conn, parent = actions.ctx.conn, actions.parent
    current = sync_folder.folder(conn)
    chosen = QFileDialog.getExistingDirectory(
        parent, _("Chọn thư mục đồng bộ (thư mục mạng hoặc thư mục được đồng bộ)"),
        str(current or ""))
    if not chosen:
        return
    try:
        sync_folder.set_folder(conn, chosen)
    except UserError as e:
        QMessageBox.warning(parent, _("Thư mục đồng bộ"), str(e))
        return
    runner = runner_of(parent)
    runner.show_last()
    runner.run_now()


class SyncFolderRunner(QObject):
    """Runs the sync folder at start and every ``RUN_EVERY_MS``, one run at a time, and keeps a
    permanent status bar label saying when it last ran and how it went."""

    def __init__(self, window) -> None:  # type: ignore[no-untyped-def]
        super().__init__(window)
        self.window = window
        self.label = QLabel()
        window.statusBar().addPermanentWidget(self.label)
        self.timer = QTimer(self)
        self.timer.setInterval(RUN_EVERY_MS)
        self.timer.timeout.connect(lambda: self.run_now(quiet=True))
        self.busy = False
        self.runs = 0  # finished runs (tests wait on it)
        # The folder's files this window already dealt with: not decrypted again each run.
        # Only the worker of the one run at a time touches it.
        self.known: dict[str, tuple[int, int]] = {}
        self.show_last()

    def stop(self) -> None:
        self.timer.stop()

    def show_last(self) -> None:
        conn = self.window.conn
        last = sync_folder.last_run(conn)
        where = sync_folder.folder(conn)
        self.label.setVisible(where is not None)
        if where is None:
            return
        text = last.status_line() if last is not None else _("Thư mục đồng bộ: chưa chạy")
        self.label.setText(text)
        self.label.setToolTip(str(where))

    def _keys(self) -> keys.SiteKeys | None:
        """The keys if they open without asking anything (a timer never shows a dialog)."""
        conn = self.window.conn
        if not keys.has_keys(conn) or keys.needs_passphrase(conn):
            return None
        try:
            return keys.unlock(conn)
        except UserError:
            return None

    def run_now(self, *, quiet: bool = False) -> bool:
        """Start a run unless one is running or there is no folder; True if started."""
        window = self.window
        if self.busy or not window.isVisible() or window.tasks.busy \
                or sync_folder.folder(window.conn) is None:
            return False
        site_keys = self._keys()
        if site_keys is None:
            self.label.setText(_("Thư mục đồng bộ: chưa chạy (chưa có khóa đồng bộ)"))
            self.label.setVisible(True)
            return False
        self.busy = True
        db_path, actor = window.db_path, window.undo.store.actor

        def work(task: TaskContext) -> sync_folder.RunResult:
            conn = connect(db_path)
            try:
                return sync_folder.run(conn, site_keys, actor=actor,
                                       cancel=lambda: task.cancelled, known=self.known)
            finally:
                conn.close()

        def done(result: sync_folder.RunResult) -> None:
            self.busy = False
            self.runs += 1
            self.show_last()
            if result.imported is not None and result.imported.imported:
                window.changed()
                window.notify(result.imported.total_line())

        def failed(message: str) -> None:
            self.busy = False
            self.runs += 1
            self.label.setText(_("Thư mục đồng bộ: {e}").format(e=message))
            self.label.setVisible(True)

        window.tasks.run(_("Đang đồng bộ qua thư mục…"), work, on_done=done, on_error=failed,
                         parent=window, show_after_ms=NEVER_SHOWN_MS if quiet else 300)
        return True


def runner_of(window) -> SyncFolderRunner:  # type: ignore[no-untyped-def]
    """The window's runner, made (and its timer started) on first use."""
    runner = getattr(window, "sync_folder_runner", None)
    if runner is None:
        window.sync_folder_runner = runner = SyncFolderRunner(window)
        runner.timer.start()
    return runner


def start(window) -> SyncFolderRunner | None:  # type: ignore[no-untyped-def]
    """Called a moment after the window holds its data (the sync modules are not needed to
    start): the first run, then the timer."""
    if not (window.is_filled and window.isVisible()) \
            or getattr(window, "sync_folder_runner", None) is not None:
        return None
    runner = runner_of(window)
    runner.run_now(quiet=True)
    return runner


def run_now(window) -> None:  # type: ignore[no-untyped-def]
    """Đồng bộ → Đồng bộ qua thư mục ngay (with its progress, as any long work)."""
    if sync_folder.folder(window.conn) is None:
        choose_folder(window.sync)
        return
    if not runner_of(window).run_now():
        window.notify(_("Đồng bộ qua thư mục đang chạy, hoặc đang có việc khác"))
