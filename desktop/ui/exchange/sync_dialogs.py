"""The Sync menu: export to a USB stick, import from it, conflicts, sites and keys.

The window calls the same functions as ``antq export-bundle`` / ``import-bundle`` /
``conflicts`` / ``enrol`` and uses the same words ("vân tay", "yêu cầu", "trả lời"); the long
ones run in the background with progress and Cancel. The private keys are sealed under the
database key: the login opens them, no second password (keys made by an earlier version ask
their old passphrase once, then are re-sealed).

Every button is connected through a lambda or a slot without parameters: a ``clicked(bool)``
flag must never arrive where a slot expects data (issue 10, finding 10).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
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

from desktop.domain import dates
from desktop.domain.errors import UserError
from desktop.domain.kinds import KINDS_BY_TABLE
from desktop.i18n import _, ngettext
from desktop.storage import accounts
from desktop.storage.db import connect
from desktop.storage.present import Presenter
from desktop.sync import conflicts, enrol, exchange, keys
from desktop.ui.common.dialogs import LastShown, free_on_close, run_modal
from desktop.ui.common.tasks import TaskContext
from desktop.ui.common.widgets import read_only_table
from desktop.ui.records.pages import AppContext

OK_COLOUR, BAD_COLOUR, NOTE_COLOUR = "#1b7f2a", "#b3261e", "#666666"


def mono(size_delta: int = 3) -> QFont:
    """Fingerprints in a fixed-width font, a little larger: read out digit by digit."""
    font = QFont("monospace")
    font.setStyleHint(QFont.StyleHint.TypeWriter)
    font.setPointSize(max(QFont().pointSize(), 9) + size_delta)
    font.setBold(True)
    return font


class SyncActions:
    """Holds the unlocked keys for the session and opens the sync dialogs."""

    last_dialog: LastShown[QDialog] = LastShown()  # the last one opened; tests look at it

    def __init__(self, ctx: AppContext, parent: QWidget) -> None:
        self.ctx, self.parent = ctx, parent
        self._keys: keys.SiteKeys | None = None

    # -- keys --------------------------------------------------------------------------

    def allowed(self, action: str, parent: QWidget | None = None) -> bool:
        """The account's role may ``action``; else says so (one line) and nothing is asked.
        The storage functions check it again."""
        try:
            accounts.require(self.ctx.conn, action)
        except accounts.PermissionDenied as e:
            QMessageBox.warning(parent or self.parent, _("Không được phép"), str(e))
            return False
        return True

    def unlocked(self) -> keys.SiteKeys | None:
        """The site's keys, opened with the database (no password). With no keys yet, offers
        to create them here and now (never a dead end that sends the officer elsewhere); keys
        of an earlier version ask their old passphrase, once ever."""
        if self._keys is not None:
            return self._keys
        conn = self.ctx.conn
        if not keys.has_keys(conn):
            return self.offer_keys()
        legacy: str | None = None
        if keys.needs_passphrase(conn):
            legacy, ok = QInputDialog.getText(
                self.parent, _("Khóa đồng bộ cũ"),
                _("Khóa đồng bộ do phiên bản trước tạo còn được bảo vệ bằng mật khẩu riêng. "
                  "Nhập mật khẩu đó một lần; từ nay khóa mở cùng lúc đăng nhập:"),
                QLineEdit.EchoMode.Password)
            if not ok:
                return None
        try:
            self._keys = keys.unlock(conn, legacy_passphrase=legacy)
        except UserError as e:
            QMessageBox.warning(self.parent, _("Không mở được khóa"), str(e))
            return None
        return self._keys

    def offer_keys(self) -> keys.SiteKeys | None:
        box = QMessageBox(QMessageBox.Icon.Question, _("Chưa có khóa"), _(
            "Máy này chưa có khóa đồng bộ. Cần tạo khóa (một lần) rồi đăng ký với "
            "{other} trước khi trao đổi gói đồng bộ.").format(other=self._other_side()),
            parent=self.parent)
        create = box.addButton(_("Tạo khóa ngay"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(_("Hủy"), QMessageBox.ButtonRole.RejectRole)
        run_modal(box)
        if box.clickedButton() is not create:
            return None
        return self.create_keys(self.parent)

    def create_keys(self, parent: QWidget) -> keys.SiteKeys | None:
        """Make the keys (sealed under the database key: no password to choose) and say the
        fingerprint (the same words as ``antq keys init``)."""
        if not self.allowed("enrol", parent):
            return None
        conn = self.ctx.conn
        try:
            public = keys.init_keys(conn)
            self._keys = keys.unlock(conn)
        except UserError as e:
            QMessageBox.warning(parent, _("Tạo khóa"), str(e))
            return None
        site = self._keys.site
        inform(parent, _("Đã tạo khóa"), [
            _("Khóa của {n}: vân tay {f}").format(n=site.name,
                                                 f=keys.fingerprint(site.site_id, public)),
            _("Bước tiếp theo: đăng ký với {other} (xem hướng dẫn trong «Điểm đồng bộ và "
              "khóa…»).").format(other=self._other_side())])
        return self._keys

    def _other_side(self) -> str:
        site = self.ctx.site
        return _("các xã/phường") if site is not None and site.site_kind == "province" \
            else _("tỉnh")

    # -- export ------------------------------------------------------------------------

    def export_to_usb(self, *, folder: str | None = None,
                      for_sites: list[str] | None = None) -> None:
        # The right, keys, then someone to write for: each missing step is offered here, and
        # nothing is asked that could not be used yet.
        if not self.allowed("sync"):
            return
        if not keys.has_keys(self.ctx.conn) and self.offer_keys() is None:
            return
        if for_sites is None and not self._has_recipients():
            return
        site_keys = self.unlocked()
        if site_keys is None:
            return
        if folder is None:
            folder = QFileDialog.getExistingDirectory(self.parent,
                                                      _("Chọn ổ USB hoặc thư mục để ghi"))
        if not folder:
            return
        if for_sites is None:
            chosen = choose_recipients(self.parent, self._active_peers())
            if not chosen:
                return
            for_sites = chosen
        db_path = self.ctx.db_path

        def work(task: TaskContext) -> list[exchange.ExportResult]:
            conn = connect(db_path)
            try:
                return exchange.export_to_folder(
                    conn, site_keys, Path(folder), for_sites=for_sites or None,
                    progress=lambda i, n, done, total: task.progress(i, n),
                    actor=self.ctx.undo.store.actor)
            except exchange.ExportFailed as e:  # the message lists the files already written
                raise UserError(e.report()) from None
            finally:
                conn.close()

        def done(results: list[exchange.ExportResult]) -> None:
            lines = [_("{name}: {n} thay đổi → {file} ({kb} KB)").format(
                name=r.recipient_name, n=r.changes, file=r.path.name, kb=max(1, r.bytes // 1024))
                for r in results] or [_("Không có điểm nhận nào.")]
            self.last_dialog = show_results(self.parent, _("Đã ghi gói đồng bộ"), lines)
            self.ctx.notify(_("Đã ghi {n} gói đồng bộ").format(n=len(results)))

        # The message says what happened (stick full, write-protected, removed) and which
        # files were written before it.
        self.ctx.tasks.run(_("Đang ghi gói đồng bộ…"), work, on_done=done,
                           on_error=lambda m: QMessageBox.warning(
                               self.parent, _("Không ghi được gói đồng bộ"), m),
                           parent=self.parent)

    def _active_peers(self) -> list[enrol.Peer]:
        return [p for p in enrol.list_sites(self.ctx.conn) if p.status == "active"]

    def _has_recipients(self) -> bool:
        """True when some site is enrolled; else offers the enrolment guide."""
        if self._active_peers():
            return True
        box = QMessageBox(QMessageBox.Icon.Information, _("Chưa có điểm nhận"), _(
            "Chưa đăng ký với {other}: chưa có ai để gửi gói đồng bộ. Mở hướng dẫn đăng ký "
            "để làm từng bước?").format(other=self._other_side()), parent=self.parent)
        go = box.addButton(_("Đăng ký…"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(_("Để sau"), QMessageBox.ButtonRole.RejectRole)
        run_modal(box)
        if box.clickedButton() is go:
            self.show_sites()
        return False

    # -- import ------------------------------------------------------------------------

    def import_from_usb(self, *, paths: list[str] | None = None,
                        confirm: bool = True) -> None:
        if not self.allowed("sync"):
            return
        site_keys = self.unlocked()
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

        def failed(message: str) -> None:
            QMessageBox.warning(self.parent, _("Không nhập được"), message)

        def after_dry_run(results: list[exchange.ImportResult]) -> None:
            lines = [result_line(r) for r in results]
            if not any(r.status == "checked" for r in results):
                self.last_dialog = show_results(self.parent, _("Không có gì để nhập"), lines)
                return
            if confirm and not ask(self.parent, _("Nhập các gói này?"),
                                   [_("Đã kiểm tra, chưa ghi gì:"), *lines]):
                return
            self.ctx.tasks.run(_("Đang nhập…"), run(False), on_done=after_import,
                               on_error=failed, parent=self.parent)

        def after_import(results: list[exchange.ImportResult]) -> None:
            from desktop.ui.exchange import undo_import

            self.ctx.changed()
            dialog = self.last_dialog = show_results(self.parent, _("Kết quả nhập"),
                                                     [result_line(r) for r in results])
            undo_import.offer(self, dialog, results)
            imported = sum(1 for r in results if r.status == "imported")
            self.ctx.notify(_("Đã nhập {n}/{t} gói").format(n=imported, t=len(results)))

        self.ctx.tasks.run(_("Đang kiểm tra gói…"), run(True), on_done=after_dry_run,
                           on_error=failed, parent=self.parent)

    def undo_last_import(self) -> None:
        from desktop.ui.exchange import undo_import

        undo_import.undo_last(self)

    # -- conflicts and sites -----------------------------------------------------------

    def show_conflicts(self) -> ConflictsDialog:
        dialog = free_on_close(ConflictsDialog(self.ctx, self.parent))
        dialog.open()
        self.last_dialog = dialog
        return dialog

    def show_sites(self) -> SitesDialog:
        dialog = free_on_close(SitesDialog(self, self.parent))
        dialog.open()
        self.last_dialog = dialog
        return dialog


def _moment(stored: str) -> str:
    """A stored local time as the window writes times (HH:MM dd/mm/yyyy)."""
    try:
        return dates.format_datetime(dates.parse_datetime(stored))
    except UserError:  # written by a newer version in another form: as it is
        return stored


def result_line(r: exchange.ImportResult) -> str:
    # Most messages begin with the file's name already: not twice.
    line = r.message if r.message.startswith(r.path.name) else f"{r.path.name}: {r.message}"
    if r.warnings:
        line += " — " + "; ".join(r.warnings)
    if r.quarantined_to:
        line += " " + _("(bản sao để xem xét: {p})").format(p=r.quarantined_to.parent)
    return line


class ResultsDialog(QDialog):
    """One line per file or recipient; opened without blocking."""

    def __init__(self, parent: QWidget, title: str, lines: list[str]) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(720, 360)
        self.listing = QListWidget()
        self.listing.addItems(lines)
        self.listing.setWordWrap(True)
        self.buttons = buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.close_button = buttons.button(QDialogButtonBox.StandardButton.Close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.listing)
        layout.addWidget(buttons)

    def lines(self) -> list[str]:
        return [self.listing.item(i).text() for i in range(self.listing.count())]


def show_results(parent: QWidget, title: str, lines: list[str]) -> ResultsDialog:
    dialog = free_on_close(ResultsDialog(parent, title, lines))
    dialog.open()
    return dialog


def inform(parent: QWidget, title: str, lines: list[str]) -> None:
    """A message whose text can be selected (a fingerprint, a file name)."""
    box = QMessageBox(QMessageBox.Icon.Information, title, "\n".join(lines), parent=parent)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    run_modal(box)


def ask(parent: QWidget, title: str, lines: list[str]) -> bool:
    box = QMessageBox(QMessageBox.Icon.Question, title, "\n".join(lines), parent=parent)
    yes = box.addButton(_("Nhập"), QMessageBox.ButtonRole.AcceptRole)
    box.addButton(_("Hủy"), QMessageBox.ButtonRole.RejectRole)
    run_modal(box)
    return box.clickedButton() is yes


class RecipientsDialog(QDialog):
    """Ticks for the sites to write a bundle for (all ticked)."""

    def __init__(self, parent: QWidget, peers: list[enrol.Peer]) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Ghi gói cho"))
        self.listing = QListWidget()
        for p in peers:
            item = QListWidgetItem(f"{p.name} ({p.unit_code})")
            item.setData(Qt.ItemDataRole.UserRole, p.site_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.listing.addItem(item)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(_("Ghi"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.listing)
        layout.addWidget(buttons)

    def chosen(self) -> list[str]:
        return [self.listing.item(i).data(Qt.ItemDataRole.UserRole)
                for i in range(self.listing.count())
                if self.listing.item(i).checkState() == Qt.CheckState.Checked]


def choose_recipients(parent: QWidget, peers: list[enrol.Peer]) -> list[str] | None:
    """The sites ticked; None if cancelled."""
    dialog = RecipientsDialog(parent, peers)
    if run_modal(dialog) != QDialog.DialogCode.Accepted:
        return None
    return dialog.chosen()


class FingerprintDialog(QDialog):
    """The fingerprint computed from the file beside the one the other side reads out over
    the phone; the confirming button stays disabled until they match (and, when the request
    replaces an enrolled site, until the replacement is ticked)."""

    def __init__(self, parent: QWidget | None, *, title: str, intro: str, actual: str,
                 typed_label: str, confirm_text: str, replaces: enrol.Peer | None = None,
                 note: str = "") -> None:
        super().__init__(parent)
        self.actual = actual
        self.setWindowTitle(title)
        head = QLabel(intro)
        head.setWordWrap(True)
        grid = QGridLayout()
        grid.addWidget(QLabel(_("Vân tay trong tệp")), 0, 0)
        grid.addWidget(QLabel(typed_label), 0, 1)
        self.in_file = QLabel(actual)
        self.in_file.setFont(mono())
        self.in_file.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.typed = QLineEdit()
        self.typed.setFont(mono())
        self.typed.setPlaceholderText("XXXX-XXXX-XXXX-XXXX-XXXX")
        self.typed.setMinimumWidth(self.typed.fontMetrics().horizontalAdvance(actual) + 24)
        self.typed.textChanged.connect(lambda _text: self._update())
        grid.addWidget(self.in_file, 1, 0)
        grid.addWidget(self.typed, 1, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addLayout(grid)
        layout.addWidget(self.verdict)
        self.replace: QCheckBox | None = None
        self.warning: QLabel | None = None
        if replaces is not None:
            self.warning = warning = QLabel(_(
                "Mã xã/phường {c} đã có điểm «{n}» (vân tay {f}) đăng ký. Chỉ chấp nhận khi máy "
                "cũ không còn dùng (hỏng, mất, cài lại); nếu không, hãy hủy và hỏi lại xã.")
                .format(c=replaces.unit_code, n=replaces.name, f=replaces.fingerprint))
            warning.setWordWrap(True)
            warning.setStyleSheet(f"color: {BAD_COLOUR}")
            self.replace = QCheckBox(_("Thay hẳn điểm cũ «{n}» (điểm cũ bị thu hồi)").format(
                n=replaces.name))
            self.replace.toggled.connect(lambda _checked: self._update())
            layout.addWidget(warning)
            layout.addWidget(self.replace)
        self.note = QLabel(note)
        self.note.setTextFormat(Qt.TextFormat.RichText)
        self.note.setWordWrap(True)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note.setVisible(bool(note))
        layout.addWidget(self.note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        self.confirm_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.confirm_button.setText(confirm_text)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(660)
        self._update()
        self.typed.setFocus()

    def matches(self) -> bool:
        return enrol.same_fingerprint(self.typed.text(), self.actual)

    def replacing(self) -> bool:
        return self.replace is not None and self.replace.isChecked()

    def _update(self) -> None:
        typed = "".join(ch for ch in self.typed.text().upper() if ch.isalnum())
        if self.matches():
            text, colour = _("✓ Hai vân tay khớp."), OK_COLOUR
        elif not typed:
            text, colour = _("Gõ vân tay bên kia đọc qua điện thoại để so với vân tay trong "
                             "tệp."), NOTE_COLOUR
        elif self.actual.replace("-", "").startswith(typed):
            text, colour = _("Khớp đến đây ({k}/{n} ký tự)…").format(
                k=len(typed), n=len(self.actual.replace("-", ""))), NOTE_COLOUR
        else:
            text, colour = _("✗ Không khớp: không ghi gì. Hỏi lại bên kia, hoặc kiểm tra đã "
                             "chọn đúng tệp chưa."), BAD_COLOUR
        self.verdict.setText(text)
        self.verdict.setStyleSheet(f"color: {colour}; font-weight: bold")
        self.confirm_button.setEnabled(
            self.matches() and (self.replace is None or self.replace.isChecked()))


class ConflictsDialog(QDialog):
    """Open conflicts, the two values side by side; keep one, or type the right value. A
    record an import left breaking a rule (``kind`` "rule") shows its value in use and the
    rule's words: only the right value, typed, or an edit of the record settles it."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(_("Xung đột dữ liệu"))
        self.resize(900, 480)
        self.table = read_only_table([_("Bản ghi"), _("Trường"), _("Giá trị bị thay"),
                                      _("Giá trị đang dùng"), _("Phát hiện lúc"),
                                      _("Sai quy tắc")])
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.mine = QPushButton(_("Giữ giá trị bị thay"))
        self.theirs = QPushButton(_("Giữ giá trị đang dùng"))
        self.other = QPushButton(_("Nhập giá trị khác…"))
        self.mine.clicked.connect(lambda: self.resolve("mine"))
        self.theirs.clicked.connect(lambda: self.resolve("theirs"))
        self.other.clicked.connect(lambda: self.resolve_other())
        buttons = QHBoxLayout()
        for b in (self.mine, self.theirs, self.other):
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.close_button = QPushButton(_("Đóng"))
        self.close_button.clicked.connect(lambda: self.reject())
        buttons.addWidget(self.close_button)
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
            lost = "" if c.kind == conflicts.RULE else c.loser_value or ""
            for col, value in enumerate((f"{kind.label}: {title}", c.field_label, lost,
                                         c.winner_value or "", _moment(c.detected_local_time),
                                         c.message or "")):
                cell = QTableWidgetItem(value)
                cell.setToolTip(value)
                self.table.setItem(r, col, cell)
        self.table.clearSelection()
        # Wide enough for each header and value (Qt's 100 px cut «Giá trị đang dùng»), a
        # long value within reason: the rest shows on hover.
        self.table.resizeColumnsToContents()
        for col in range(self.table.columnCount()):
            self.table.setColumnWidth(col, min(self.table.columnWidth(col), 320))
        rules = sum(1 for c in self.items if c.kind == conflicts.RULE)
        said = ngettext("{n} xung đột chưa xử lý", "{n} xung đột chưa xử lý",
                        len(self.items) - rules).format(n=len(self.items) - rules)
        if rules:  # not a conflict between two sites: said apart
            said += ", " + ngettext("{n} bản ghi sai quy tắc", "{n} bản ghi sai quy tắc",
                                    rules).format(n=rules)
        self.info.setText(said)
        self._update_buttons()

    def _update_buttons(self) -> None:
        rows = {i.row() for i in self.table.selectedItems()}  # (the current row may lag)
        chosen = [self.items[r] for r in rows if r < len(self.items)]
        # A rule item has no value that lost: only the right value settles it.
        for b in (self.mine, self.theirs):
            b.setEnabled(bool(chosen) and chosen[0].kind != conflicts.RULE)
        self.other.setEnabled(bool(chosen))

    def current(self) -> conflicts.Conflict | None:
        row = self.table.currentRow()
        return self.items[row] if 0 <= row < len(self.items) and \
            self.table.selectedItems() else None

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
    """This site's keys and fingerprint, the enrolment steps, and the enrolled sites."""

    def __init__(self, actions: SyncActions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actions, self.ctx = actions, actions.ctx
        self.setWindowTitle(_("Điểm đồng bộ và khóa"))
        self.resize(860, 640)
        self.own = QLabel()
        self.own.setWordWrap(True)
        self.own.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.guide_box = QGroupBox()
        self.guide = QLabel()
        self.guide.setWordWrap(True)
        self.guide.setTextFormat(Qt.TextFormat.RichText)
        self.guide.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        QVBoxLayout(self.guide_box).addWidget(self.guide)
        self.sites = QListWidget()
        row = QHBoxLayout()
        self.create_keys = QPushButton(_("Tạo khóa"))
        self.create_keys.clicked.connect(lambda: self.make_keys())
        self.request = QPushButton(_("Ghi yêu cầu đăng ký…"))
        self.request.clicked.connect(lambda: self.write_request())
        self.accept_button = QPushButton(_("Chấp nhận yêu cầu của xã…"))
        self.accept_button.clicked.connect(lambda: self.accept_request())
        self.install = QPushButton(_("Cài trả lời của tỉnh…"))
        self.install.clicked.connect(lambda: self.install_answer())
        self.rotate = QPushButton(_("Thay khóa…"))
        self.rotate.setToolTip(_("Tạo khóa mới (khi nghi lộ khóa); các điểm khác tự nhận khóa "
                                 "mới qua gói đồng bộ tiếp theo"))
        self.rotate.clicked.connect(lambda: self.rotate_keys())
        for b in (self.create_keys, self.request, self.accept_button, self.install,
                  self.rotate):
            row.addWidget(b)
        row.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        self.close_button = close.button(QDialogButtonBox.StandardButton.Close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.own)
        layout.addWidget(self.guide_box)
        layout.addWidget(QLabel(_("Các điểm đã đăng ký:")))
        layout.addWidget(self.sites, 1)
        layout.addLayout(row)
        layout.addWidget(close)
        self.reload()

    @property
    def is_province(self) -> bool:
        return self.ctx.site is not None and self.ctx.site.site_kind == "province"

    def own_fingerprint(self) -> str | None:
        site = self.ctx.site
        if site is None or not keys.has_keys(self.ctx.conn):
            return None
        return keys.fingerprint(site.site_id, keys.public_keys(self.ctx.conn))

    def reload(self) -> None:
        conn = self.ctx.conn
        site = self.ctx.site
        fp = self.own_fingerprint()
        if site is None:
            self.own.setText(_("Cơ sở dữ liệu chưa được khởi tạo."))
        elif fp:
            self.own.setText(_("{n} ({c}). Vân tay của điểm này (đọc cho bên kia đối chiếu): "
                               "<b>{f}</b>").format(n=site.name, c=site.unit_code, f=fp))
        else:
            self.own.setText(_("{n}: chưa có khóa đồng bộ.").format(n=site.name))
        peers = enrol.list_sites(conn)
        self.sites.clear()
        if not peers:
            empty = QListWidgetItem(_("Chưa có điểm nào đã đăng ký."))
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.sites.addItem(empty)
        for p in peers:
            state = _("đã thu hồi") if p.status == "revoked" else _("đang dùng")
            self.sites.addItem(_("{n} ({c}) — vân tay {f} — {s}").format(
                n=p.name, c=p.unit_code, f=p.fingerprint, s=state))
        province = self.is_province
        self.create_keys.setEnabled(fp is None)
        self.rotate.setEnabled(fp is not None)
        for b in (self.request, self.install, self.accept_button):
            b.setEnabled(fp is not None)
        self.request.setVisible(not province)
        self.install.setVisible(not province)
        self.accept_button.setVisible(province)
        installed = any(p.site_kind == "province" and p.status == "active" for p in peers)
        self._fill_guide(fp, installed)

    def _fill_guide(self, fp: str | None, installed: bool) -> None:
        """The enrolment, step by step, from this site's side; done steps are ticked."""
        shown = f"<b>{fp}</b>" if fp else _("(có sau khi tạo khóa)")
        if self.is_province:
            self.guide_box.setTitle(_("Đăng ký một xã/phường — các bước ở tỉnh"))
            steps = [
                (fp is not None, _("Tạo khóa: bấm «Tạo khóa». Khóa mở "
                                   "cùng lúc đăng nhập, không có mật khẩu riêng.")),
                (False, _("Xã ghi tệp yêu cầu đăng ký vào USB và mang USB lên tỉnh.")),
                (False, _("Chấp nhận: bấm «Chấp nhận yêu cầu của xã…», chọn tệp yêu cầu trên "
                          "USB. Gọi điện cho xã; xã đọc vân tay của xã, bạn gõ vào ô «Vân tay "
                          "xã đọc qua điện thoại». Chỉ khi hai vân tay khớp mới bấm được «Chấp "
                          "nhận».")),
                (False, _("Lưu tệp trả lời vào USB và đọc vân tay của tỉnh cho xã: {f}.")
                 .format(f=shown)),
                (False, _("Đưa USB về xã; xã cài trả lời và gõ vân tay tỉnh đã đọc.")),
                (False, _("Từ đó dùng «Ghi ra USB…» và «Nhập từ USB…» để trao đổi gói đồng bộ "
                          "với các xã.")),
            ]
            note = _("Một xã cài lại máy (khóa mới) gửi yêu cầu mới cho cùng mã xã: chỉ chấp "
                     "nhận khi đánh dấu «Thay hẳn điểm cũ» (điểm cũ bị thu hồi).")
        else:
            self.guide_box.setTitle(_("Đăng ký với tỉnh — các bước ở xã/phường"))
            steps = [
                (fp is not None, _("Tạo khóa: bấm «Tạo khóa». Khóa mở "
                                   "cùng lúc đăng nhập, không có mật khẩu riêng.")),
                (installed, _("Ghi yêu cầu: bấm «Ghi yêu cầu đăng ký…», lưu tệp yêu cầu vào USB "
                              "và mang USB lên tỉnh.")),
                (installed, _("Gọi điện cho tỉnh và đọc vân tay của điểm này: {f}. Tỉnh gõ vân "
                              "tay bạn đọc; chỉ khi khớp tỉnh mới chấp nhận và ghi tệp trả lời "
                              "vào USB.").format(f=shown)),
                (installed, _("Tỉnh đọc vân tay của tỉnh cho bạn: ghi lại trên giấy.")),
                (installed, _("Cài trả lời: khi USB về, bấm «Cài trả lời của tỉnh…», chọn tệp "
                              "trả lời, gõ vân tay tỉnh đã đọc; khi hai vân tay khớp, bấm «Cài "
                              "trả lời».")),
                (False, _("Từ đó dùng «Ghi ra USB…» và «Nhập từ USB…» để trao đổi gói đồng bộ "
                          "với tỉnh.")),
            ]
            note = ""
        items = "".join(
            f"<li>{'✓ ' if done else ''}{text}</li>" for done, text in steps)
        html = f"<ol style='margin-left: 0'>{items}</ol>"
        if note:
            html += f"<p style='color: {NOTE_COLOUR}'>{note}</p>"
        self.guide.setText(html)

    def guide_text(self) -> str:
        """The guide as plain text (for tests and screen readers)."""
        from PySide6.QtGui import QTextDocument

        doc = QTextDocument()
        doc.setHtml(self.guide.text())
        return doc.toPlainText()

    # -- keys --------------------------------------------------------------------------

    def make_keys(self) -> None:
        self.actions.create_keys(self)
        self.reload()

    def rotate_keys(self) -> None:
        """New key pairs, once confirmed; says the new fingerprint."""
        if not self.actions.allowed("enrol", self):
            return
        box = QMessageBox(QMessageBox.Icon.Question, _("Thay khóa"), _(
            "Tạo khóa mới cho điểm này (khi nghi lộ khóa)? Các điểm khác nhận khóa mới qua gói "
            "đồng bộ tiếp theo; không cần đăng ký lại."), parent=self)
        go = box.addButton(_("Thay khóa"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(_("Hủy"), QMessageBox.ButtonRole.RejectRole)
        run_modal(box)
        if box.clickedButton() is not go:
            return
        # Keys of an earlier version: their old passphrase, once (they are re-sealed).
        if keys.needs_passphrase(self.ctx.conn) and self.actions.unlocked() is None:
            return
        site = self.ctx.site
        try:
            old, new = keys.rotate_keys(self.ctx.conn)
        except UserError as e:
            QMessageBox.warning(self, _("Thay khóa"), str(e))
            return
        self.actions._keys = None  # unlock again: the session's keys are the old ones
        fp = keys.fingerprint(site.site_id, new) if site else ""
        old_fp = keys.fingerprint(site.site_id, old) if site else ""
        self.ctx.notify(_("Đã thay khóa; vân tay mới {f}").format(f=fp))
        self.reload()
        inform(self, _("Thay khóa"), [
            _("Đã thay khóa của {n}: vân tay mới {f} (cũ {o})").format(
                n=site.name if site else "", f=fp, o=old_fp),
            _("Gói tiếp theo mang khóa mới, ký bằng khóa cũ; không cần đăng ký lại.")])

    # -- enrolment ---------------------------------------------------------------------

    def _save_path(self, title: str, default: Path) -> Path | None:
        path, _f = QFileDialog.getSaveFileName(self, title, str(default),
                                               _("Tệp đăng ký (*.json)"))
        return Path(path) if path else None

    def _open_path(self, title: str) -> Path | None:
        path, _f = QFileDialog.getOpenFileName(self, title, "",
                                               _("Tệp đăng ký (*.json);;Mọi tệp (*)"))
        return Path(path) if path else None

    def write_request(self) -> None:
        """Commune, step 2: the request on the stick, and the fingerprint to read out."""
        if not self.actions.allowed("enrol", self):
            return
        site_keys = self.actions.unlocked()
        if site_keys is None:
            return
        default = Path.home() / f"yeu-cau-dang-ky-{site_keys.site.unit_code}.json"
        out = self._save_path(_("Ghi yêu cầu đăng ký"), default)
        if out is None:
            return
        try:
            fp = enrol.make_request(self.ctx.conn, site_keys, out)
        except UserError as e:
            QMessageBox.warning(self, _("Đăng ký"), str(e))
            return
        inform(self, _("Đăng ký"), [
            _("Đã ghi yêu cầu {p}").format(p=out),
            _("Vân tay của điểm này: {f} (đọc cho tỉnh qua điện thoại)").format(f=fp),
            _("Mang USB lên tỉnh. Khi tỉnh chấp nhận, tỉnh đọc vân tay của tỉnh cho bạn: ghi "
              "lại để gõ khi cài trả lời.")])

    def accept_request(self) -> None:
        """Province: check a commune's request against the fingerprint it reads out, then
        enrol it and write the answer."""
        if not self.actions.allowed("enrol", self):
            return
        site_keys = self.actions.unlocked()
        if site_keys is None:
            return
        request = self._open_path(_("Chọn yêu cầu đăng ký của xã"))
        if request is None:
            return
        try:
            info = enrol.describe_request(self.ctx.conn, request)
        except UserError as e:
            QMessageBox.warning(self, _("Đăng ký"), str(e))
            return
        own = keys.fingerprint(site_keys.site.site_id, site_keys.public)
        peer = info.peer
        dialog = FingerprintDialog(
            self, title=_("Chấp nhận yêu cầu đăng ký"),
            intro=_("Yêu cầu của {n} (mã {c}). Gọi điện cho xã; xã đọc vân tay của xã, gõ vào ô "
                    "bên phải.").format(n=peer.name, c=peer.unit_code),
            actual=peer.fingerprint, typed_label=_("Vân tay xã đọc qua điện thoại"),
            confirm_text=_("Chấp nhận"), replaces=info.replaces,
            note=_("Sau khi chấp nhận, đọc vân tay của tỉnh cho xã: {f}").format(
                f=f"<b>{own}</b>"))
        self.actions.last_dialog = dialog
        if run_modal(dialog) != QDialog.DialogCode.Accepted:
            return
        typed, replace = dialog.typed.text(), dialog.replacing()  # read before it goes
        # Beside the request: on the stick that goes back to the commune.
        default = request.parent / f"tra-loi-dang-ky-{peer.unit_code}.json"
        out = self._save_path(_("Ghi trả lời cho xã"), default)
        if out is None:
            return
        try:
            peer = enrol.accept_request(self.ctx.conn, site_keys, request, out,
                                        confirmed_fingerprint=typed, replace=replace)
        except UserError as e:
            QMessageBox.warning(self, _("Đăng ký"), str(e))
            return
        self.reload()
        lines = [_("Đã đăng ký {n} ({c}); vân tay {f} khớp với vân tay xã đọc").format(
                     n=peer.name, c=peer.unit_code, f=peer.fingerprint),
                 _("Đã ghi trả lời {p}; vân tay của tỉnh (đọc cho xã): {f}").format(
                     p=out, f=own)]
        if info.replaces is not None:
            lines.append(_("Đã thu hồi điểm cũ {n} ({f})").format(
                n=info.replaces.name, f=info.replaces.fingerprint))
        inform(self, _("Đăng ký"), lines)

    def install_answer(self) -> None:
        """Commune, last step: install the province's answer once its fingerprint, read out
        by the province, matches."""
        if not self.actions.allowed("enrol", self):
            return
        path = self._open_path(_("Chọn trả lời của tỉnh"))
        if path is None:
            return
        try:
            info = enrol.describe_response(self.ctx.conn, path)
        except UserError as e:
            QMessageBox.warning(self, _("Đăng ký"), str(e))
            return
        province = info.province
        dialog = FingerprintDialog(
            self, title=_("Cài trả lời của tỉnh"),
            intro=_("Trả lời của tỉnh «{n}». Gõ vân tay tỉnh đã đọc qua điện thoại vào ô bên "
                    "phải.").format(n=province.name),
            actual=province.fingerprint, typed_label=_("Vân tay tỉnh đọc qua điện thoại"),
            confirm_text=_("Cài trả lời"))
        self.actions.last_dialog = dialog
        if run_modal(dialog) != QDialog.DialogCode.Accepted:
            return
        try:
            peer = enrol.install_response(self.ctx.conn, path, dialog.typed.text())
        except UserError as e:
            QMessageBox.warning(self, _("Đăng ký"), str(e))
            return
        self.reload()
        inform(self, _("Đăng ký"), [
            _("Đã cài chứng nhận; tỉnh «{n}», vân tay {f} khớp với vân tay tỉnh đọc")
            .format(n=peer.name, f=peer.fingerprint),
            _("Từ đó dùng «Ghi ra USB…» và «Nhập từ USB…» để trao đổi gói đồng bộ với tỉnh.")])
