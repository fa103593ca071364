"""Đồng bộ → «Phát hành danh mục cho các xã…» (the province) and «Áp dụng danh mục của
tỉnh…» (a commune): the window's side of desktop/sync/reference_release.py — the same
functions as ``antq publish-reference`` and ``antq apply-reference``. A commune sees the list
of what the release changes before anything is written, and applies it or not."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QListWidget,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.errors import UserError
from desktop.i18n import _, ngettext
from desktop.storage.reference_releases import Change
from desktop.sync import reference_release
from desktop.ui.common.dialogs import run_modal

if TYPE_CHECKING:
    from desktop.ui.exchange.sync_dialogs import SyncActions


class ChangesDialog(QDialog):
    """What release N changes here, one line each, with «Áp dụng» and «Hủy»."""

    def __init__(self, parent: QWidget | None, version: int, changes: list[Change]) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Áp dụng danh mục của tỉnh"))
        self.heading = QLabel(_("Danh mục bản {v} của tỉnh sẽ thay đổi trên máy này:").format(
            v=version) if changes else _("Danh mục bản {v} không có gì khác với danh mục đang "
                                        "dùng; áp dụng để ghi nhận số bản.").format(v=version))
        self.heading.setWordWrap(True)
        self.list = QListWidget(self)
        self.list.addItems([c.line() for c in changes])
        self.note = QLabel(_("Mục thôi áp dụng vẫn giữ trong các bản ghi cũ."))
        buttons = QDialogButtonBox(self)
        self.apply_button = buttons.addButton(_("Áp dụng"),
                                              QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = buttons.addButton(_("Hủy"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for w in (self.heading, self.list, self.note, buttons):
            layout.addWidget(w)
        self.resize(620, 380)


def publish(actions: SyncActions, folder: str | None = None) -> Path | None:
    """The province writes release N+1 into a folder (a stick, the sync folder)."""
    parent = actions.parent
    if not actions.allowed("sync"):
        return None
    site_keys = actions.unlocked()
    if site_keys is None:
        return None
    if folder is None:
        folder = QFileDialog.getExistingDirectory(
            parent, _("Chọn USB hoặc thư mục ghi danh mục cho các xã"))
    if not folder:
        return None
    try:
        path, release = reference_release.publish(actions.ctx.conn, site_keys, Path(folder))
    except UserError as e:
        QMessageBox.warning(parent, _("Phát hành danh mục"), str(e))
        return None
    QMessageBox.information(parent, _("Phát hành danh mục"), _(
        "Đã phát hành danh mục bản {v}: {p}\nChép tệp này cho các xã (USB hoặc thư mục đồng "
        "bộ); mỗi xã mở Đồng bộ → Áp dụng danh mục của tỉnh….").format(v=release.version,
                                                                      p=path))
    return path


def apply(actions: SyncActions, file: str | None = None) -> bool:
    """A commune reads a release, sees what it changes, and applies it if the officer says
    so. True when applied."""
    parent, conn = actions.parent, actions.ctx.conn
    if not actions.allowed("sync"):
        return False
    if file is None:
        file, _filter = QFileDialog.getOpenFileName(
            parent, _("Chọn tệp danh mục của tỉnh"), "",
            _("Danh mục ANTQ (antq-danh-muc-*.json);;Mọi tệp (*)"))
    if not file:
        return False
    try:
        preview = reference_release.apply(conn, Path(file), dry_run=True)
    except UserError as e:
        QMessageBox.warning(parent, _("Áp dụng danh mục của tỉnh"), str(e))
        return False
    dialog = ChangesDialog(parent, preview.version, preview.changes)
    actions.last_dialog = dialog
    if run_modal(dialog) != QDialog.DialogCode.Accepted:
        return False
    try:
        done = reference_release.apply(conn, Path(file))
    except UserError as e:
        QMessageBox.warning(parent, _("Áp dụng danh mục của tỉnh"), str(e))
        return False
    status = getattr(parent, "statusBar", None)
    if status is not None:
        status().showMessage(ngettext("Đã áp dụng danh mục bản {v} ({n} thay đổi)",
                                      "Đã áp dụng danh mục bản {v} ({n} thay đổi)",
                                      len(done.changes)).format(v=done.version,
                                                                n=len(done.changes)), 10000)
    return True
