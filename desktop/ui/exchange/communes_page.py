"""The *Các xã* page (the province only, issue 15): every enrolled commune with its last bundle
received and how old it is — late rows in red, past a threshold the province sets here —, the
last bundle written for it, its figures, open conflicts, clock warnings, when its key is due for
replacement, the months it sent nothing in and the periods approved. The same figures as
``antq communes`` (desktop/sync/overview.py), counted off the window's thread (its own
connection, desktop/ui/common/tasks.py): a province's scan takes a noticeable moment. From here the
province approves a commune's period and withdraws it (desktop/ui/exchange/approvals_dialog.py)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.errors import UserError
from desktop.i18n import _, ngettext
from desktop.sync import overview
from desktop.ui.common.dialogs import run_modal
from desktop.ui.common.tasks import TaskContext
from desktop.ui.common.widgets import read_only_table
from desktop.ui.exchange import approvals_dialog
from desktop.ui.records.pages import AppContext

LATE_BACKGROUND = "#fde2e0"
BAD_COLOUR = "#b3261e"
QUIET_MS = 24 * 3600 * 1000  # the page says «Đang tính…»: no progress dialog over it


class CommunesPage(QWidget):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.view: overview.Overview | None = None
        self.generation = 0  # of the latest reload asked; an older result is dropped
        self.computing = False
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.threshold = QSpinBox()
        self.threshold.setRange(1, overview.MAX_LATE_AFTER)
        self.threshold.setSuffix(_(" ngày"))
        self.threshold.setToolTip(_("Quá bấy nhiêu ngày không có gói mới thì xã/phường được "
                                    "tô đỏ là trễ"))
        self.threshold.editingFinished.connect(lambda: self.set_threshold())
        self.refresh_button = QPushButton(_("Làm mới"))
        self.refresh_button.clicked.connect(lambda: self.reload())
        bar = QHBoxLayout()
        bar.addWidget(QLabel(_("Trễ khi quá")))
        bar.addWidget(self.threshold)
        bar.addWidget(QLabel(_("không có gói mới")))
        bar.addStretch(1)
        bar.addWidget(self.refresh_button)
        self.approve_button = QPushButton(_("Duyệt số liệu kỳ…"))
        self.approve_button.setToolTip(_("Phê duyệt số liệu một kỳ của xã/phường đang chọn: "
                                         "các bản ghi trong kỳ bị khóa ở cả tỉnh và xã"))
        self.approve_button.clicked.connect(lambda: self.approve_current())
        self.withdraw_button = QPushButton(_("Bỏ duyệt…"))
        self.withdraw_button.clicked.connect(lambda: self.withdraw_current())
        self.periods_button = QPushButton(_("Kỳ đã phê duyệt…"))
        self.periods_button.setToolTip(_("Các kỳ đã phê duyệt của xã/phường đang chọn; chỉ huy "
                                         "mở khóa một kỳ"))
        self.periods_button.clicked.connect(lambda: self.show_periods())
        actions = QHBoxLayout()
        for button in (self.approve_button, self.withdraw_button, self.periods_button):
            actions.addWidget(button)
        actions.addStretch(1)
        self.labels = overview.count_labels()
        self.count_keys = list(self.labels)
        self.table = read_only_table([
            _("Xã/phường"), _("Gói nhận gần nhất"), _("Số ngày"), _("Gói gửi gần nhất"),
            *self.labels.values(), _("Xung đột"), _("Sai quy tắc"), _("Cảnh báo đồng hồ"),
            _("Thay khóa trước"), _("Tháng không gửi"), _("Kỳ đã phê duyệt")])
        self.table.setSortingEnabled(False)
        self.table.itemSelectionChanged.connect(lambda: self._enable())
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        self._enable()

    def set_threshold(self) -> None:
        value = self.threshold.value()
        if self.view is not None and value == self.view.late_after:
            return
        try:
            overview.set_late_after(self.ctx.conn, value)
        except UserError as e:
            self.ctx.notify(str(e))
            return
        self.reload()

    def reload(self) -> None:
        """Count again in the background; the latest request's result is the one shown."""
        self.generation += 1
        generation = self.generation
        self.computing = True
        self.summary.setText(_("Đang tính…"))
        self._enable()
        db_path, account = self.ctx.db_path, getattr(self.ctx.conn, "account", None)

        def work(_task: TaskContext) -> overview.Overview:
            from desktop.storage.db import connect

            conn = connect(db_path)
            try:
                conn.account = account  # the same officer's rights as the window's
                return overview.overview(conn)
            finally:
                conn.close()

        self.ctx.tasks.run(_("Đang tính…"), work, parent=self, show_after_ms=QUIET_MS,
                           on_done=lambda v: self._arrived(generation, v),
                           on_error=lambda m: self._arrived(generation, None, m))

    def _arrived(self, generation: int, view: overview.Overview | None,
                 error: str | None = None) -> None:
        if generation != self.generation:  # a newer reload is under way: it shows its own
            return
        self.computing = False
        if view is None:  # a commune: the page says why it is empty
            self.view = None
            self.summary.setText(error or "")
            self.table.setRowCount(0)
            self.threshold.setEnabled(False)
            self._enable()
            return
        self.view = view
        self.threshold.blockSignals(True)
        self.threshold.setValue(view.late_after)
        self.threshold.blockSignals(False)
        late = sum(1 for r in view.rows if r.late)
        self.summary.setText(
            ngettext("{n} xã/phường đã đăng ký", "{n} xã/phường đã đăng ký", len(view.rows))
            .format(n=len(view.rows)) + " — " + ngettext(
                "{k} xã/phường trễ (quá {d} ngày không có gói mới)",
                "{k} xã/phường trễ (quá {d} ngày không có gói mới)", late).format(
                k=late, d=view.late_after)
            if view.rows else _("Chưa có xã/phường nào đăng ký với tỉnh (Đồng bộ → Điểm đồng "
                                "bộ và khóa…)"))
        self.table.setRowCount(len(view.rows))
        for r, row in enumerate(view.rows):
            self._fill_row(r, row)
        self.table.resizeColumnsToContents()
        for col in range(self.table.columnCount()):
            self.table.setColumnWidth(col, min(self.table.columnWidth(col), 260))
        self._enable()

    def _fill_row(self, r: int, row: overview.CommuneRow) -> None:
        name = f"{row.name} ({row.unit_code})"
        if row.status != "active":
            name += _(" (đã thu hồi)")
        if row.last_received is None:
            received, age = _("chưa nhận gói nào"), ""
        else:
            received, age = row.last_received.strftime("%d/%m/%Y"), str(row.age_days)
        cells: list[tuple[str, str]] = [
            (name, ""), (received, _("Xã/phường ghi gói lúc {t}").format(
                t=row.last_created.strftime("%H:%M %d/%m/%Y")) if row.last_created else ""),
            (age, ""),
            (row.last_sent.strftime("%d/%m/%Y") if row.last_sent else _("chưa gửi"), ""),
            *((str(row.counts.get(k, 0)), "") for k in self.count_keys),
            (str(row.open_conflicts), ""),
            (str(row.rule_items), _("Bản ghi nhận về sai quy tắc nhập liệu: xem Đồng bộ → Xung "
                                    "đột dữ liệu") if row.rule_items else ""),
            (str(len(row.clock_warnings)), "\n".join(row.clock_warnings)),
            (row.key_due.strftime("%d/%m/%Y") if row.key_due else "",
             _("Khóa đã dùng quá hạn: nhắc xã thay khóa")
             if row.key_overdue else ""),
            (", ".join(overview.month_shown(m) for m in row.missing_months), ""),
            (row.approved_shown(), ""),
        ]
        n = len(self.count_keys)
        figures = {2, *range(4, 4 + n + 3)}  # age, counts, conflicts, rule items, clock warnings
        for c, (text, tip) in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setToolTip(tip or text)
            if c in figures:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                      | Qt.AlignmentFlag.AlignVCenter)
            if row.late:
                item.setBackground(QBrush(QColor(LATE_BACKGROUND)))
            self.table.setItem(r, c, item)
        if row.late:
            first = self.table.item(r, 0)
            font = QFont(first.font())
            font.setBold(True)
            first.setFont(font)
            days = row.age_days if row.age_days is not None else None
            first.setToolTip(_("Trễ: {n} ngày không có gói mới").format(n=days)
                             if days is not None else _("Trễ: chưa nhận gói nào"))
        if row.key_overdue:
            self.table.item(r, len(cells) - 3).setForeground(QBrush(QColor(BAD_COLOUR)))
        if row.clock_warnings:
            self.table.item(r, len(cells) - 4).setForeground(QBrush(QColor(BAD_COLOUR)))

    def late_names(self) -> list[str]:
        """The communes shown as late (for tests and screen readers)."""
        return [self.table.item(r, 0).text() for r in range(self.table.rowCount())
                if self.view is not None and self.view.rows[r].late]

    # -- period approval -------------------------------------------------------------------

    def current_row(self) -> overview.CommuneRow | None:
        r = self.table.currentRow()
        if self.view is None or self.computing or not 0 <= r < len(self.view.rows):
            return None
        return self.view.rows[r]

    def _enable(self) -> None:
        row = self.current_row()
        for button in (self.approve_button, self.periods_button):
            button.setEnabled(row is not None)
        self.withdraw_button.setEnabled(row is not None and bool(row.approved))

    def approve_current(self) -> None:
        row = self.current_row()
        if row is not None:  # written: ctx.changed() reloads the page shown
            approvals_dialog.approve(self.ctx, self, row.unit_code, row.name)

    def withdraw_current(self) -> None:
        row = self.current_row()
        if row is None or not row.approved:
            return
        approvals_dialog.withdraw(self.ctx, self, row.unit_code, row.name, row.approved[-1][0])

    def show_periods(self) -> None:
        row = self.current_row()
        if row is None:
            return
        # an unlock calls ctx.changed(): the page reloads
        run_modal(approvals_dialog.ApprovalsDialog(self.ctx, row.unit_code, self))
