"""The Sync menu: export to a USB stick, import from it, conflicts, sites and keys.

The window calls the same functions as ``antq export-bundle`` / ``import-bundle`` /
``conflicts`` / ``enrol``; the long ones run in the background with progress and Cancel.
The private keys are unlocked once per session with the passphrase.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.errors import UserError
from desktop.domain.kinds import KINDS_BY_TABLE
from desktop.i18n import _
from desktop.storage.db import connect
from desktop.storage.present import Presenter
from desktop.sync import conflicts, enrol, exchange, keys
from desktop.ui.pages import AppContext
from desktop.ui.tasks import TaskContext
from desktop.ui.widgets import read_only_table


class SyncActions:
    """Holds the unlocked keys for the session and opens the sync dialogs."""

    def __init__(self, ctx: AppContext, parent: QWidget) -> None:
        self.ctx, self.parent = ctx, parent
        self._keys: keys.SiteKeys | None = None
        self.last_dialog: QDialog | None = None  # kept alive while open; tests look at it

    # -- keys --------------------------------------------------------------------------

    def unlocked(self, passphrase: str | None = None) -> keys.SiteKeys | None:
        if self._keys is not None:
            return self._keys
        conn = self.ctx.conn
        if not keys.has_keys(conn):
            QMessageBox.information(self.parent, _("Chưa có khóa"), _(
                "Máy này chưa có khóa đồng bộ. Mở «Điểm đồng bộ và khóa…» để tạo khóa."))
            return None
        if passphrase is None:
            passphrase, ok = QInputDialog.getText(
                self.parent, _("Mở khóa"), _("Mật khẩu bảo vệ khóa đồng bộ:"),
                QLineEdit.EchoMode.Password)
            if not ok:
                return None
        try:
            self._keys = keys.unlock(conn, passphrase)
        except UserError as e:
            QMessageBox.warning(self.parent, _("Không mở được khóa"), str(e))
            return None
        return self._keys

    # -- export ------------------------------------------------------------------------

    def export_to_usb(self, folder: str | None = None, passphrase: str | None = None,
                      for_sites: list[str] | None = None) -> None:
        site_keys = self.unlocked(passphrase)
        if site_keys is None:
            return
        if folder is None:
            folder = QFileDialog.getExistingDirectory(self.parent,
                                                      _("Chọn ổ USB hoặc thư mục để ghi"))
        if not folder:
            return
        if for_sites is None:
            peers = enrol.list_sites(self.ctx.conn)
            chosen = choose_recipients(self.parent, peers)
            if chosen is None:
                return
            for_sites = chosen
        db_path = self.ctx.db_path

        def work(task: TaskContext) -> list[exchange.ExportResult]:
            conn = connect(db_path)
            try:
                return exchange.export_to_folder(
                    conn, site_keys, Path(folder), for_sites=for_sites or None,
                    progress=lambda i, n, done, total: task.progress(i, n))
            finally:
                conn.close()

        def done(results: list[exchange.ExportResult]) -> None:
            lines = [_("{name}: {n} thay đổi → {file} ({kb} KB)").format(
                name=r.recipient_name, n=r.changes, file=r.path.name, kb=max(1, r.bytes // 1024))
                for r in results] or [_("Không có điểm nhận nào.")]
            self.last_dialog = show_results(self.parent, _("Đã ghi gói đồng bộ"), lines)
            self.ctx.notify(_("Đã ghi {n} gói đồng bộ").format(n=len(results)))

        self.ctx.tasks.run(_("Đang ghi gói đồng bộ…"), work, on_done=done,
                           on_error=lambda m: QMessageBox.warning(self.parent, _("Lỗi"), m),
                           parent=self.parent)

    # -- import ------------------------------------------------------------------------

    def import_from_usb(self, paths: list[str] | None = None,
                        passphrase: str | None = None, confirm: bool = True) -> None:
        site_keys = self.unlocked(passphrase)
        if site_keys is None:
            return
        if paths is None:
            chosen, _filter = QFileDialog.getOpenFileNames(
                self.parent, _("Chọn gói đồng bộ"), "", _("Gói đồng bộ (*.vsb);;Mọi tệp (*)"))
            paths = chosen
        if not paths:
            return
        files = [Path(p) for p in paths]
        db_path = self.ctx.db_path

        def run(dry: bool):
            def work(task: TaskContext) -> list[exchange.ImportResult]:
                conn = connect(db_path)
                try:
                    return exchange.import_files(
                        conn, site_keys, files, dry_run=dry, actor=self.ctx.undo.store.actor,
                        progress=lambda i, n, d, t: task.progress(i * 100 + (d * 100 // max(t, 1)),
                                                                  n * 100),
                        cancel=lambda: task.cancelled)
                finally:
                    conn.close()
            return work

        def after_dry_run(results: list[exchange.ImportResult]) -> None:
            lines = [result_line(r) for r in results]
            if not any(r.status == "checked" for r in results):
                self.last_dialog = show_results(self.parent, _("Không có gì để nhập"), lines)
                return
            if confirm and not ask(self.parent, _("Nhập các gói này?"), lines):
                return
            self.ctx.tasks.run(_("Đang nhập…"), run(False), on_done=after_import,
                               on_error=lambda m: QMessageBox.warning(self.parent, _("Lỗi"), m),
                               parent=self.parent)

        def after_import(results: list[exchange.ImportResult]) -> None:
            self.ctx.changed()
            self.last_dialog = show_results(self.parent, _("Kết quả nhập"),
                                            [result_line(r) for r in results])
            imported = sum(1 for r in results if r.status == "imported")
            self.ctx.notify(_("Đã nhập {n}/{t} gói").format(n=imported, t=len(results)))

        self.ctx.tasks.run(_("Đang kiểm tra gói…"), run(True), on_done=after_dry_run,
                           on_error=lambda m: QMessageBox.warning(self.parent, _("Lỗi"), m),
                           parent=self.parent)

    # -- conflicts and sites -----------------------------------------------------------

    def show_conflicts(self) -> None:
        dialog = ConflictsDialog(self.ctx, self.parent)
        dialog.open()
        self.last_dialog = dialog

    def show_sites(self) -> None:
        dialog = SitesDialog(self, self.parent)
        dialog.open()
        self.last_dialog = dialog


def result_line(r: exchange.ImportResult) -> str:
    line = f"{r.path.name}: {r.message}"
    if r.warnings:
        line += " — " + "; ".join(r.warnings)
    if r.quarantined_to:
        line += " " + _("(đã chuyển sang {p})").format(p=r.quarantined_to.parent)
    return line


def show_results(parent: QWidget, title: str, lines: list[str]) -> QDialog:
    dialog = QDialog(parent)
    dialog.setWindowTitle(title)
    dialog.resize(720, 360)
    listing = QListWidget()
    listing.addItems(lines)
    listing.setWordWrap(True)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(listing)
    layout.addWidget(buttons)
    dialog.listing = listing  # type: ignore[attr-defined]
    dialog.open()
    return dialog


def ask(parent: QWidget, title: str, lines: list[str]) -> bool:
    box = QMessageBox(QMessageBox.Icon.Question, title, "\n".join(lines), parent=parent)
    yes = box.addButton(_("Nhập"), QMessageBox.ButtonRole.AcceptRole)
    box.addButton(_("Hủy"), QMessageBox.ButtonRole.RejectRole)
    box.exec()
    return box.clickedButton() is yes


def choose_recipients(parent: QWidget, peers: list[enrol.Peer]) -> list[str] | None:
    """Ticks for the sites to write a bundle for (all ticked); None if cancelled."""
    if not peers:
        QMessageBox.information(parent, _("Chưa có điểm nhận"), _(
            "Chưa đăng ký điểm đồng bộ nào. Mở «Điểm đồng bộ và khóa…» để đăng ký."))
        return None
    dialog = QDialog(parent)
    dialog.setWindowTitle(_("Ghi gói cho"))
    listing = QListWidget()
    for p in peers:
        item = QListWidgetItem(f"{p.name} ({p.unit_code})")
        item.setData(Qt.ItemDataRole.UserRole, p.site_id)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked)
        listing.addItem(item)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                               | QDialogButtonBox.StandardButton.Cancel)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(listing)
    layout.addWidget(buttons)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return [listing.item(i).data(Qt.ItemDataRole.UserRole) for i in range(listing.count())
            if listing.item(i).checkState() == Qt.CheckState.Checked]


class ConflictsDialog(QDialog):
    """Open conflicts, the two values side by side; keep one, or type the right value."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(_("Xung đột dữ liệu"))
        self.resize(900, 480)
        self.table = read_only_table([_("Bản ghi"), _("Trường"), _("Giá trị bị thay"),
                                      _("Giá trị đang dùng"), _("Phát hiện lúc")])
        self.mine = QPushButton(_("Giữ giá trị bị thay"))
        self.theirs = QPushButton(_("Giữ giá trị đang dùng"))
        self.other = QPushButton(_("Nhập giá trị khác…"))
        self.mine.clicked.connect(lambda: self.resolve("mine"))
        self.theirs.clicked.connect(lambda: self.resolve("theirs"))
        self.other.clicked.connect(self.resolve_other)
        buttons = QHBoxLayout()
        for b in (self.mine, self.theirs, self.other):
            buttons.addWidget(b)
        buttons.addStretch(1)
        close = QPushButton(_("Đóng"))
        close.clicked.connect(self.reject)
        buttons.addWidget(close)
        self.info = QLabel()
        layout = QVBoxLayout(self)
        layout.addWidget(self.info)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.items: list[conflicts.Conflict] = []
        self.reload()

    def reload(self) -> None:
        self.items = conflicts.list_conflicts(self.ctx.conn)
        presenter = Presenter(self.ctx.conn)
        self.table.setRowCount(len(self.items))
        for r, c in enumerate(self.items):
            kind = KINDS_BY_TABLE[c.tbl]
            title = presenter.ref_title(kind.name, c.pk)
            label = kind.by_name[c.field].label if c.field in kind.by_name else c.field
            for col, value in enumerate((f"{kind.label}: {title}", label,
                                         c.loser_value or "", c.winner_value or "",
                                         c.detected_local_time.replace("T", " "))):
                self.table.setItem(r, col, QTableWidgetItem(value))
        self.info.setText(_("{n} xung đột chưa xử lý").format(n=len(self.items)))

    def current(self) -> conflicts.Conflict | None:
        row = self.table.currentRow()
        return self.items[row] if 0 <= row < len(self.items) else None

    def resolve(self, keep: str) -> None:
        c = self.current()
        if c is None:
            return
        try:
            conflicts.resolve_conflict(self.ctx.undo.store, c.id, keep)
        except UserError as e:
            QMessageBox.warning(self, _("Không xử lý được"), str(e))
            return
        self.ctx.changed()
        self.ctx.notify(_("Đã xử lý xung đột"))
        self.reload()

    def resolve_other(self) -> None:
        c = self.current()
        if c is None:
            return
        value, ok = QInputDialog.getText(self, _("Giá trị khác"), _("Giá trị đúng:"),
                                         text=c.winner_value or "")
        if ok:
            self.resolve(value)


class SitesDialog(QDialog):
    """This site's keys and fingerprint, the enrolled sites, and the enrolment steps."""

    def __init__(self, actions: SyncActions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actions, self.ctx = actions, actions.ctx
        self.setWindowTitle(_("Điểm đồng bộ và khóa"))
        self.resize(760, 440)
        self.own = QLabel()
        self.own.setWordWrap(True)
        self.own.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.sites = QListWidget()
        row = QHBoxLayout()
        self.create_keys = QPushButton(_("Tạo khóa…"))
        self.create_keys.clicked.connect(self.make_keys)
        self.request = QPushButton(_("Ghi yêu cầu đăng ký…"))
        self.request.clicked.connect(self.write_request)
        self.accept_button = QPushButton(_("Chấp nhận yêu cầu của xã…"))
        self.accept_button.clicked.connect(self.accept_request)
        self.install = QPushButton(_("Cài trả lời của tỉnh…"))
        self.install.clicked.connect(self.install_answer)
        self.rotate = QPushButton(_("Thay khóa…"))
        self.rotate.setToolTip(_("Tạo khóa mới (khi nghi lộ khóa); các điểm khác tự nhận khóa "
                                 "mới qua gói đồng bộ tiếp theo"))
        self.rotate.clicked.connect(self.rotate_keys)
        for b in (self.create_keys, self.rotate, self.request, self.accept_button, self.install):
            row.addWidget(b)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.own)
        layout.addWidget(QLabel(_("Các điểm đã đăng ký:")))
        layout.addWidget(self.sites, 1)
        layout.addLayout(row)
        layout.addWidget(close)
        self.reload()

    def reload(self) -> None:
        conn = self.ctx.conn
        site = self.ctx.site
        has = keys.has_keys(conn)
        if site is None:
            self.own.setText(_("Cơ sở dữ liệu chưa được khởi tạo."))
        elif has:
            fp = keys.fingerprint(site.site_id, keys.public_keys(conn))
            self.own.setText(_("{n} ({c}). Mã nhận diện (đọc cho bên kia đối chiếu): <b>{f}</b>")
                             .format(n=site.name, c=site.unit_code, f=fp))
        else:
            self.own.setText(_("{n}: chưa có khóa đồng bộ.").format(n=site.name))
        self.sites.clear()
        for p in enrol.list_sites(conn):
            state = _("đã thu hồi") if p.status == "revoked" else _("đang dùng")
            self.sites.addItem(f"{p.name} ({p.unit_code}) — {p.fingerprint} — {state}")
        province = site is not None and site.site_kind == "province"
        self.create_keys.setEnabled(not has)
        self.rotate.setEnabled(has)
        self.request.setVisible(not province)
        self.install.setVisible(not province)
        self.accept_button.setVisible(province)

    def make_keys(self, passphrase: str | None = None) -> None:
        if passphrase is None:
            first, ok = QInputDialog.getText(self, _("Tạo khóa"), _(
                "Đặt mật khẩu bảo vệ khóa (ít nhất 8 ký tự):"), QLineEdit.EchoMode.Password)
            if not ok:
                return
            again, ok = QInputDialog.getText(self, _("Tạo khóa"), _("Nhập lại mật khẩu:"),
                                             QLineEdit.EchoMode.Password)
            if not ok:
                return
            if first != again:
                QMessageBox.warning(self, _("Tạo khóa"), _("Hai lần nhập không khớp."))
                return
            passphrase = first
        try:
            keys.init_keys(self.ctx.conn, passphrase)
        except UserError as e:
            QMessageBox.warning(self, _("Tạo khóa"), str(e))
            return
        self.reload()

    def rotate_keys(self, passphrase: str | None = None) -> str | None:
        """New key pairs under the same passphrase; returns the new fingerprint."""
        if passphrase is None:
            passphrase, ok = QInputDialog.getText(
                self, _("Thay khóa"), _("Mật khẩu bảo vệ khóa đồng bộ:"),
                QLineEdit.EchoMode.Password)
            if not ok:
                return None
        try:
            _old, new = keys.rotate_keys(self.ctx.conn, passphrase)
        except UserError as e:
            QMessageBox.warning(self, _("Thay khóa"), str(e))
            return None
        self.actions._keys = None  # unlock again: the session's keys are the old ones
        site = self.ctx.site
        fp = keys.fingerprint(site.site_id, new) if site else ""
        self.ctx.notify(_("Đã thay khóa; vân tay mới {f}").format(f=fp))
        self.reload()
        return fp

    def _save_path(self, title: str, name: str) -> Path | None:
        path, _f = QFileDialog.getSaveFileName(self, title, str(Path.home() / name))
        return Path(path) if path else None

    def _open_path(self, title: str) -> Path | None:
        path, _f = QFileDialog.getOpenFileName(self, title)
        return Path(path) if path else None

    def write_request(self, out: Path | None = None) -> str | None:
        site_keys = self.actions.unlocked()
        out = out or self._save_path(_("Ghi yêu cầu đăng ký"), "yeu-cau-dang-ky.json")
        if site_keys is None or out is None:
            return None
        try:
            fp = enrol.make_request(self.ctx.conn, site_keys, out)
        except UserError as e:
            QMessageBox.warning(self, _("Đăng ký"), str(e))
            return None
        QMessageBox.information(self, _("Đăng ký"), _(
            "Đã ghi {p}. Mang tệp này lên tỉnh; khi tỉnh chấp nhận, hai bên đọc và đối chiếu "
            "mã nhận diện: {f}").format(p=out, f=fp))
        return fp

    def accept_request(self, request: Path | None = None, out: Path | None = None) -> None:
        site_keys = self.actions.unlocked()
        request = request or self._open_path(_("Chọn yêu cầu đăng ký của xã"))
        if site_keys is None or request is None:
            return
        out = out or self._save_path(_("Ghi trả lời cho xã"), "tra-loi-dang-ky.json")
        if out is None:
            return
        try:
            peer = enrol.accept_request(self.ctx.conn, site_keys, request, out)
        except UserError as e:
            QMessageBox.warning(self, _("Đăng ký"), str(e))
            return
        QMessageBox.information(self, _("Đăng ký"), _(
            "Đã đăng ký {n}. Đối chiếu mã nhận diện với xã: {f}").format(
                n=peer.name, f=peer.fingerprint))
        self.reload()

    def install_answer(self, path: Path | None = None) -> None:
        path = path or self._open_path(_("Chọn trả lời của tỉnh"))
        if path is None:
            return
        try:
            peer = enrol.install_response(self.ctx.conn, path)
        except UserError as e:
            QMessageBox.warning(self, _("Đăng ký"), str(e))
            return
        QMessageBox.information(self, _("Đăng ký"), _(
            "Đã cài trả lời của {n}. Đối chiếu mã nhận diện của tỉnh: {f}").format(
                n=peer.name, f=peer.fingerprint))
        self.reload()
