"""Period approval in the window (issue 15; ``antq approve|unapprove|unlock-period|approvals``).

At the province, the *Các xã* page approves a commune's figures for a period and withdraws an
approval; at either end, a commune's approved periods are listed here and a chief unlocks one,
saying why. Every action calls the same storage functions as the command line
(desktop/storage/periods.py), which check the site and the account: a refusal is shown as
their one line.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.errors import UserError
from desktop.i18n import _
from desktop.storage import periods, references
from desktop.ui.common.dialogs import run_modal
from desktop.ui.common.widgets import read_only_table
from desktop.ui.records.pages import AppContext


def last_quarter(today: dt.date | None = None) -> str:
    """The quarter before this one (``2026-Q3`` in November): what is usually approved."""
    today = today or dt.date.today()
    q = (today.month - 1) // 3  # this quarter's index, 0…3
    return f"{today.year}-Q{q}" if q else f"{today.year - 1}-Q4"


def ask_period(parent: QWidget, title: str, label: str, default: str) -> str | None:
    """The period typed by the officer (checked by the storage function), None if cancelled."""
    text, ok = QInputDialog.getText(parent, title, label, text=default)
    return text.strip() if ok else None


def refused(parent: QWidget, title: str, e: UserError) -> None:
    """The storage's one line, in a box the officer closes."""
    run_modal(QMessageBox(QMessageBox.Icon.Warning, title, str(e), parent=parent))


def period_label() -> str:
    return _("Kỳ số liệu: quý 2026-Q3, tháng 2026-11 hoặc năm 2026")


def approve(ctx: AppContext, parent: QWidget, unit: str, name: str) -> bool:
    """«Duyệt số liệu kỳ…»: asks the period, approves it (the province only)."""
    title = _("Duyệt số liệu kỳ của {c}").format(c=name)
    period = ask_period(parent, title, period_label(), last_quarter())
    if period is None:
        return False
    try:
        a = periods.approve(ctx.undo.store, unit, period)
    except UserError as e:
        refused(parent, title, e)
        return False
    ctx.notify(_("Đã phê duyệt số liệu kỳ {p} của {c}; các bản ghi trong kỳ bị khóa ở cả tỉnh "
                 "và xã (gửi xuống với gói đồng bộ tiếp theo)").format(p=a.period, c=name))
    ctx.changed()
    return True


def withdraw(ctx: AppContext, parent: QWidget, unit: str, name: str, default: str) -> bool:
    """«Bỏ duyệt…»: asks the period (the latest approved offered), withdraws its approval."""
    title = _("Bỏ duyệt số liệu kỳ của {c}").format(c=name)
    period = ask_period(parent, title, period_label(), default)
    if period is None:
        return False
    try:
        a = periods.withdraw(ctx.undo.store, unit, period)
    except UserError as e:
        refused(parent, title, e)
        return False
    ctx.notify(_("Đã hủy phê duyệt số liệu kỳ {p} của {c}").format(p=a.period, c=name))
    ctx.changed()
    return True


class ApprovalsDialog(QDialog):
    """A commune's approved periods (read-only) and «Mở khóa kỳ…» for the chief."""

    def __init__(self, ctx: AppContext, unit: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.unit = ctx, unit
        self.part = periods._commune(ctx.conn, unit)[1]
        self.name = references.part_name(ctx.conn, self.part)
        self.last_message: QMessageBox | None = None
        self.setWindowTitle(_("Kỳ số liệu đã phê duyệt — {c}").format(c=self.name))
        self.table = read_only_table([_("Kỳ"), _("Từ ngày"), _("Đến ngày"), _("Trạng thái"),
                                      _("Người duyệt"), _("Mở khóa")])
        self.table.setSortingEnabled(False)
        self.empty = QLabel()
        self.unlock_button = QPushButton(_("Mở khóa kỳ…"))
        self.unlock_button.setToolTip(_("Chỉ huy mở khóa kỳ đã phê duyệt để sửa số liệu (ghi "
                                        "nhật ký, đồng bộ); tỉnh duyệt lại thì khóa lại"))
        self.unlock_button.clicked.connect(lambda: self.unlock_current())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.close_button = buttons.button(QDialogButtonBox.StandardButton.Close)
        bar = QHBoxLayout()
        bar.addWidget(self.unlock_button)
        bar.addStretch(1)
        bar.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        layout.addLayout(bar)
        self.resize(760, 320)
        self.fill()

    def fill(self) -> None:
        self.items = periods.approvals(self.ctx.conn, self.part)
        self.table.setRowCount(len(self.items))
        for r, a in enumerate(self.items):
            state = (_("đã mở khóa") if a.status == "approved" and a.unlocked else
                     _("khóa") if a.status == "approved" else _("đã hủy phê duyệt"))
            unlocked = (f"{a.unlocked_by}: {a.unlock_reason}"
                        if a.unlocked else "")
            cells = (a.period, _day(a.start), _day(a.end), state, a.decided_by or "", unlocked)
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        self.empty.setText(_("Chưa có kỳ nào được phê duyệt") if not self.items else
                           _("Các bản ghi có ngày thuộc kỳ đang khóa không sửa được ở cả tỉnh "
                             "và xã"))
        self.unlock_button.setEnabled(any(a.locks for a in self.items))
        if self.items and self.table.currentRow() < 0:
            locked = [r for r, a in enumerate(self.items) if a.locks]
            self.table.selectRow(locked[-1] if locked else len(self.items) - 1)

    def rows(self) -> list[list[str]]:
        """What the table shows (for tests and screen readers)."""
        return [[self.table.item(r, c).text() for c in range(self.table.columnCount())]
                for r in range(self.table.rowCount())]

    def unlock_current(self) -> None:
        row = self.table.currentRow()
        if not 0 <= row < len(self.items):
            return
        a = self.items[row]
        title = _("Mở khóa kỳ {p} của {c}").format(p=a.period, c=self.name)
        reason, ok = QInputDialog.getText(self, title, _("Lý do mở khóa (ghi vào nhật ký):"))
        if not ok:
            return
        try:
            periods.unlock(self.ctx.undo.store, self.part, a.period, reason)
        except UserError as e:
            refused(self, title, e)
            return
        self.ctx.notify(_("Đã mở khóa kỳ {p} của {c} (đã ghi nhật ký; đồng bộ với gói tiếp "
                          "theo)").format(p=a.period, c=self.name))
        self.ctx.changed()
        self.fill()


def _day(iso: str) -> str:
    try:
        return dt.date.fromisoformat(iso[:10]).strftime("%d/%m/%Y")
    except ValueError:
        return iso


def show_own(window) -> None:  # type: ignore[no-untyped-def]
    """Đồng bộ → Kỳ số liệu đã phê duyệt… at a commune: its own periods."""
    site = window.ctx.site
    if site is None or site.site_kind != "commune":
        window.notify(_("Ở tỉnh: chọn xã/phường ở trang Các xã rồi bấm «Kỳ đã phê duyệt…»"))
        return
    run_modal(ApprovalsDialog(window.ctx, site.unit_code, window))
