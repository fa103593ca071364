"""*Hoàn tác lần nhập này* in the window: a button on the import's results and Đồng bộ → Hoàn
tác lần nhập gần nhất…, calling ``storage.undo`` as ``antq undo-import`` does. The officer is
told first what will be undone, or why it cannot be (a later edit or import) and what to do;
the undo runs off the UI thread with its own connection."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialogButtonBox, QMessageBox, QPushButton, QWidget

from desktop.domain import dates
from desktop.i18n import _
from desktop.storage import undo
from desktop.storage.db import connect
from desktop.ui.common.dialogs import alive, run_modal

if TYPE_CHECKING:
    from desktop.sync.exchange import ImportResult

TITLE = _("Hoàn tác lần nhập")


def offer(actions, dialog, results: Sequence[ImportResult]) -> QPushButton | None:
    """Add «Hoàn tác lần nhập này» to the results ``dialog`` of an import, for the bundles it
    imported (all undone together, newest first)."""
    bundle_ids = [r.bundle_id for r in results if r.status == "imported" and r.bundle_id]
    if not bundle_ids:
        return None
    button = QPushButton(_("Hoàn tác lần nhập này"))
    dialog.buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
    dialog.undo_button = button

    def undone() -> None:
        if not alive(dialog):  # closed while the undo ran: freed, nothing to mark
            return
        button.setEnabled(False)
        dialog.listing.addItem(_("Đã hoàn tác lần nhập này."))

    button.clicked.connect(lambda: undo_imports(actions, dialog, bundle_ids, undone))
    return button


def undo_last(actions) -> None:
    """The menu entry: the newest import with a journal, if any."""
    if not actions.allowed("sync"):
        return
    kept = undo.journals(actions.ctx.conn)
    if not kept:
        QMessageBox.information(actions.parent, TITLE, _(
            "Không có lần nhập nào để hoàn tác (chương trình chỉ giữ được {n} lần nhập gần "
            "nhất).").format(n=undo.KEEP))
        return
    undo_imports(actions, actions.parent, [kept[0].bundle_id])


def undo_imports(actions, parent: QWidget, bundle_ids: Sequence[str],
                 on_done: Callable[[], None] | None = None) -> None:
    """Say why not, or what will be undone; on «Hoàn tác», undo in the background."""
    ctx = actions.ctx
    why = undo.refusal(ctx.conn, bundle_ids)
    if why is not None:
        QMessageBox.warning(parent, TITLE, why)
        return
    chosen = [j for j in undo.journals(ctx.conn) if j.bundle_id in bundle_ids]
    lines = [_("Gói {b} của {s}, nhập lúc {t}: {n} bản ghi").format(
        b=Path(j.file).name, s=j.sender_name, n=j.records,
        t=dates.format_datetime(dates.parse_datetime(j.imported_local_time)))
        for j in chosen]
    box = QMessageBox(QMessageBox.Icon.Question, TITLE, "\n".join([
        _("Hoàn tác lần nhập này? Mọi bản ghi gói đã thêm hoặc sửa trở lại như trước khi nhập; "
          "xung đột do gói mở ra được bỏ. Có thể nhập lại gói sau."), "", *lines]),
        parent=parent)
    yes = box.addButton(_("Hoàn tác"), QMessageBox.ButtonRole.AcceptRole)
    box.addButton(_("Không"), QMessageBox.ButtonRole.RejectRole)
    run_modal(box)
    if box.clickedButton() is not yes:
        return
    db_path, actor = ctx.db_path, ctx.undo.store.actor

    def work(_task) -> undo.Undone:
        conn = connect(db_path)
        try:
            return undo.undo(conn, bundle_ids, actor=actor)
        finally:
            conn.close()

    def done(result: undo.Undone) -> None:
        ctx.changed()
        ctx.notify(_("Đã hoàn tác lần nhập {n} gói ({r} bản ghi trở lại như trước)").format(
            n=len(result.journals), r=result.records))
        if on_done is not None:
            on_done()

    ctx.tasks.run(_("Đang hoàn tác lần nhập…"), work, on_done=done,
                  on_error=lambda message: QMessageBox.warning(
                      parent if alive(parent) else actions.parent, TITLE, message),
                  parent=parent)
