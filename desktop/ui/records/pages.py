"""The pages of the main window: a lazy table of one record kind with its actions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QElapsedTimer, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.errors import UserError
from desktop.domain.kinds import KINDS, Kind
from desktop.domain.text import lower_first
from desktop.i18n import _, ngettext
from desktop.storage import catalogues, dbapi, history, records
from desktop.storage.history import UndoStack
from desktop.storage.present import Presenter
from desktop.storage.site import Site
from desktop.ui.common.counting import show_not_counted
from desktop.ui.common.dialogs import free_on_close, run_modal
from desktop.ui.common.pickers import EditorFactory
from desktop.ui.common.tasks import TaskRunner
from desktop.ui.common.widgets import (
    SteadyLabel,
    fit_columns_to_screen,
    list_behaviour,
    record_table,
)
from desktop.ui.records.record_dialog import RecordDialog
from desktop.ui.records.record_model import RecordTableModel

if TYPE_CHECKING:
    from desktop.storage.backup import Backup


@dataclass(frozen=True)
class Selection:
    """What is selected in the navigation tree."""

    unit_id: str | None = None
    organization_id: str | None = None
    title: str = ""


@dataclass
class AppContext:
    """What every page needs; built once by the main window."""

    conn: dbapi.Connection
    db_path: Path
    undo: UndoStack
    tasks: TaskRunner
    notify: Callable[[str], None]  # the status bar
    changed: Callable[[], None]  # something was written: pages refresh
    site: Site | None = None

    def record_event(self, action: str, detail: dict[str, object]) -> None:
        """An export or a print in the audit log, as this window's officer (issue 11)."""
        from desktop.storage import audit

        audit.record_event(self.conn, self.undo.store.actor, action, detail)


# A list idle this long (no key typed, no other list shown) reads its editor's pickers
PICKERS_AHEAD_MS = 300


def search_filter(typed: str) -> str | None:
    """What a typed search filters by. One letter matches most of a province (every "Nguyễn",
    every "Văn", every "họp") and costs a full scan while the officer is still typing: the
    filter starts at the second letter, or at the first digit of a number."""
    typed = typed.strip()
    return typed if len(typed) >= 2 or typed.isdigit() else None


class SearchAsYouType(QObject):
    """Runs a list's search as the officer types: at once on the first key after a pause (no
    wait for the first result), then when typing pauses for ``pause`` ms; never when what
    was typed does not change what is searched (a first letter, a trailing space). While it
    waits for the pause, ``ahead`` has the list read its first page off the UI thread
    (desktop/ui/common/read_ahead.py): shown when the pause ends if it is ready by then."""

    def __init__(self, box: QLineEdit, run: Callable[[], None],
                 searched: Callable[[], str | None], pause: int = 150,
                 ahead: Callable[[], None] | None = None) -> None:
        super().__init__(box)
        self.box, self.run, self.searched, self.ahead = box, run, searched, ahead
        self.timer = QTimer(self, singleShot=True, interval=pause)  # the list's pending search
        self.timer.timeout.connect(self._run)
        self._since = QElapsedTimer()
        box.textChanged.connect(self._typed)

    def _typed(self) -> None:
        if search_filter(self.box.text()) == self.searched():
            self.timer.stop()
            return
        if self._since.isValid() and self._since.elapsed() < self.timer.interval():
            self.timer.start()  # typing goes on: once it pauses
            if self.ahead is not None:
                self.ahead()
        else:
            self._run()

    def _run(self) -> None:
        self.timer.stop()
        self._since.restart()
        self.run()


class FilterNote(QWidget):
    """Beside a list's count: what filters the list and one click to show it whole. A search
    typed for one organization once emptied the next one's list with no hint (issue 14,
    finding 5); now navigation clears the search and whatever still filters is said here."""

    def __init__(self, search: QLineEdit, combos: Callable[[], Sequence[QComboBox]],
                 reload: Callable[[], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search, self.combos, self.reload = search, combos, reload
        self.label = QLabel()
        self.label.setStyleSheet("color: #8a5a00;")
        self.clear_button = QPushButton(_("Bỏ lọc"))
        self.clear_button.setToolTip(_("Xóa ô tìm kiếm và các bộ lọc, hiện cả danh sách"))
        self.clear_button.clicked.connect(self.clear)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.label)
        row.addWidget(self.clear_button)
        self.hide()

    def _chosen(self) -> list[QComboBox]:
        return [c for c in self.combos() if not c.isHidden() and c.currentIndex() > 0]

    def active(self) -> list[str]:
        """The filters in force, as the officer reads them: «typed», then each chosen filter."""
        typed = [f"«{self.search.text().strip()}»"] if search_filter(self.search.text()) \
            else []
        return typed + [c.currentText() for c in self._chosen()]

    def show_for(self, n: int) -> None:
        """The note beside a list of ``n`` rows: hidden when nothing filters it."""
        filters = self.active()
        if not filters:
            self.hide()
            return
        text = _("— không có kết quả nào khớp: {f}") if n == 0 else _("— đang lọc: {f}")
        self.label.setText(text.format(f="; ".join(filters)))
        self.show()

    def clear(self) -> None:
        """Everything shown again, in one reload."""
        for widget in (self.search, *self._chosen()):
            widget.blockSignals(True)
            if isinstance(widget, QComboBox):
                widget.setCurrentIndex(0)
            else:
                widget.clear()
            widget.blockSignals(False)
        self.hide()
        self.reload()
        self.search.setFocus()


def clear_search_quietly(search: QLineEdit) -> None:
    """Another place chosen in the tree: the search typed for the last one goes, without a
    search of its own (the page reloads for the new place anyway)."""
    if search.text():
        search.blockSignals(True)
        search.clear()
        search.blockSignals(False)


def format_count(n: int) -> str:
    """4.400 in Vietnamese, 4,400 in English."""
    from desktop.domain import formatting  # babel: not needed for the first paint

    return formatting.count(n)


def count_of(kind: str, n: int) -> str:
    """"12 biên bản họp" under a list; in English singular or plural as ``n`` wants."""
    c = format_count(n)
    if kind == "person":
        return ngettext("{n} người", "{n} người", n).format(n=c)
    if kind == "organization":
        return ngettext("{n} tổ chức", "{n} tổ chức", n).format(n=c)
    if kind == "meeting":
        return ngettext("{n} biên bản họp", "{n} biên bản họp", n).format(n=c)
    if kind == "model":
        return ngettext("{n} mô hình điển hình", "{n} mô hình điển hình", n).format(n=c)
    if kind == "deed":
        return ngettext("{n} người tốt, việc tốt", "{n} người tốt, việc tốt", n).format(n=c)
    if kind == "tip":
        return ngettext("{n} nguồn tin", "{n} nguồn tin", n).format(n=c)
    if kind == "camera":
        return ngettext("{n} hệ thống camera", "{n} hệ thống camera", n).format(n=c)
    if kind == "establishment":
        return ngettext("{n} cơ quan, doanh nghiệp, nhà trường",
                        "{n} cơ quan, doanh nghiệp, nhà trường", n).format(n=c)
    if kind == "safety_evaluation":
        return ngettext("{n} đánh giá An toàn về ANTT", "{n} đánh giá An toàn về ANTT",
                        n).format(n=c)
    if kind == "crime_stat":
        return ngettext("{n} bảng số liệu tội phạm, vi phạm", "{n} bảng số liệu tội phạm, vi phạm",
                        n).format(n=c)
    if kind == "catalogue":
        return ngettext("{n} mục danh mục", "{n} mục danh mục", n).format(n=c)
    if kind == "deleted":
        return ngettext("{n} bản ghi đã xóa", "{n} bản ghi đã xóa", n).format(n=c)
    return _("{n} {k}").format(n=c, k=lower_first(KINDS[kind].label))


def saved_message(warnings: Sequence[str]) -> str:
    """The status line after a save: what was saved and what the officer should check."""
    message = _("Đã lưu")
    if warnings:
        message += " — " + _("Cảnh báo: ") + "; ".join(warnings)
    return message


def delete_with_confirmation(ctx: AppContext, parent: QWidget, kind: Kind, record_id: str,
                             confirm: Callable[[QWidget, str], bool]) -> bool:
    """Ask, delete (a tombstone, undoable), say so; False when nothing was deleted."""
    rec = records.get(ctx.conn, kind, record_id)
    # as the list shows it: «tháng 10/2026», not the stored 2026-10
    title = Presenter(ctx.conn).record(kind, rec, only=(kind.title_field,)).get(
        kind.title_field) or record_id
    if not confirm(parent, title):
        return False
    try:
        ctx.undo.delete(kind.name, record_id)
    except UserError as e:
        ctx.notify(str(e))
        return False
    ctx.changed()
    ctx.notify(_("Đã xóa «{n}» — Hoàn tác: Ctrl+Z").format(n=title))
    return True


def confirm_delete(parent: QWidget, what: str) -> bool:
    box = QMessageBox(QMessageBox.Icon.Question, _("Xóa"),
                      _("Xóa «{w}»?\nCó thể khôi phục ở trang «Đã xóa gần đây».").format(w=what),
                      parent=parent)
    yes = box.addButton(_("Xóa"), QMessageBox.ButtonRole.DestructiveRole)
    box.addButton(_("Không"), QMessageBox.ButtonRole.RejectRole)
    run_modal(box)
    return box.clickedButton() is yes


class RecordPage(QWidget):
    """A searchable, filterable, sortable list of one kind; double-click or Enter edits."""

    dialog_class: type[RecordDialog] = RecordDialog
    selection_changed = Signal()

    def __init__(self, ctx: AppContext, kind_name: str, columns: Sequence[str], *,
                 filters: Sequence[str] = (), newest_first: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.kind: Kind = KINDS[kind_name]
        self.selection = Selection()
        self.model = RecordTableModel(ctx.conn, self.kind, columns, self)
        self.model.query = records.Query(descending=newest_first)
        self._sized = False

        self.search = QLineEdit()
        self.search.setPlaceholderText(_("Tìm (không cần gõ dấu)…"))
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(260)
        self.search.setVisible(self.kind.searchable)
        self.typing = SearchAsYouType(
            self.search, self.reload, lambda: self.model.query.search,
            ahead=lambda: self.model.read_ahead(self.query(),
                                                self._timer.remainingTime() / 1000))
        self._timer = self.typing.timer
        self.model.counted.connect(self._show_count)
        # The editor's pickers read while the list is idle (EditorFactory.read_ahead)
        self._pickers_ahead = QTimer(self, singleShot=True, interval=PICKERS_AHEAD_MS)
        self._pickers_ahead.timeout.connect(lambda: EditorFactory(
            ctx.conn, self.selection.unit_id).read_ahead(self.kind.fields))
        self.model.count_failed.connect(lambda failure: show_not_counted(self.count, failure))

        self.filters: dict[str, QComboBox] = {}
        bar = self.toolbar = QHBoxLayout()
        bar.addWidget(self.search, 2)
        for name in filters:
            combo = QComboBox()
            f = self.kind.field(name)
            combo.addItem(_("{label}: tất cả").format(label=f.label), None)
            choices = f.choices or [(i.code, i.name) for i in
                                    catalogues.items(ctx.conn, f.catalogue or "")]
            for value, label in choices:
                combo.addItem(label, value)
            combo.currentIndexChanged.connect(self.reload)
            combo.setMaximumWidth(240)  # long catalogue names must not squeeze the search
            self.filters[name] = combo
            bar.addWidget(combo, 1)

        self.add_button = QPushButton(_("Thêm"))
        self.add_button.clicked.connect(self.add)
        self.edit_button = QPushButton(_("Sửa"))
        self.edit_button.clicked.connect(self.edit_current)
        self.delete_button = QPushButton(_("Xóa"))
        self.delete_button.clicked.connect(self.delete_current)
        for button in (self.add_button, self.edit_button, self.delete_button):
            bar.addWidget(button)

        self.table = record_table(self.model)
        list_behaviour(self.table, search=self.search, pending=self._timer, run=self.reload,
                       open_current=self.edit_current, actions=self.row_actions,
                       order=Qt.SortOrder.DescendingOrder if newest_first
                       else Qt.SortOrder.AscendingOrder)
        self.table.horizontalHeader().setSortIndicatorShown(True)
        self.count = SteadyLabel()  # set at every key typed: no relayout
        self.filter_note = FilterNote(self.search, lambda: list(self.filters.values()),
                                      self.reload)
        footer = QHBoxLayout()
        footer.addWidget(self.count)
        footer.addWidget(self.filter_note)
        footer.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addLayout(footer)

    # -- what is shown -----------------------------------------------------------------

    def set_selection(self, selection: Selection) -> None:
        if (selection.unit_id, selection.organization_id) != \
                (self.selection.unit_id, self.selection.organization_id):
            clear_search_quietly(self.search)
        self.selection = selection
        self.reload()

    def query(self) -> records.Query:
        filters = {n: c.currentData() for n, c in self.filters.items() if c.currentData()}
        if self.selection.organization_id and "organization_id" in self.kind.by_name:
            filters["organization_id"] = self.selection.organization_id
        scope = None if "organization_id" in filters or not records.has_unit_scope(self.kind) \
            else self.selection.unit_id
        return replace(self.model.query, filters=filters, unit_scope=scope,
                       search=search_filter(self.search.text()))

    def reload(self) -> None:
        self.model.set_query(self.query())
        if not self._sized and self.model.rowCount():
            self._sized = True
            header = self.table.horizontalHeader()
            fit_columns_to_screen(self.table)  # not to the page's 100
            for col in range(self.model.columnCount()):
                header.resizeSection(col, min(header.sectionSize(col), 320))
        # Counted off the UI thread (desktop/ui/common/counting.py): "…" until the count comes.
        self.count.setText("…")
        self.count.setToolTip("")  # (why the last count failed, if it did)
        self.model.count()
        self._pickers_ahead.start()

    def let_go_of_file(self) -> None:
        """Nothing read once the window lets go of its file (MainWindow.stop_pending_work)."""
        self._pickers_ahead.stop()

    def _show_count(self, n: int) -> None:
        self.count.setText(count_of(self.kind.name, n))
        self.filter_note.show_for(n)

    def current_id(self) -> str | None:
        index = self.table.currentIndex()
        return self.model.record_id(index.row()) if index.isValid() else None

    def row_actions(self) -> list[tuple[str, Callable[[], object]]]:
        return [(_("Sửa…\tF2"), self.edit_current), (_("Xóa…\tDel"), self.delete_current)]

    def select_id(self, record_id: str) -> None:
        row = self.model.row_of(record_id)
        if row >= 0:
            self.table.selectRow(row)

    # -- actions -----------------------------------------------------------------------

    def presets(self) -> dict[str, object]:
        """Fields a new record takes from the selection (its village, its organization)."""
        out: dict[str, object] = {}
        if self.selection.organization_id and "organization_id" in self.kind.by_name:
            out["organization_id"] = self.selection.organization_id
        return out

    def open_dialog(self, record_id: str | None) -> RecordDialog:
        dialog = free_on_close(self.dialog_class(
            self.ctx.undo, self.kind, record_id,
            presets=self.presets() if record_id is None else None,
            unit_scope=self.selection.unit_id, parent=self))
        dialog.saved.connect(self._saved)
        dialog.open()
        return dialog

    def add(self) -> RecordDialog:
        return self.open_dialog(None)

    def edit_current(self) -> RecordDialog | None:
        record_id = self.current_id()
        return self.open_dialog(record_id) if record_id else None

    def _saved(self, kind: str, record_id: str, warnings: list) -> None:
        self.ctx.changed()
        self.select_id(record_id)
        self.ctx.notify(saved_message(warnings))

    def delete_current(self, *, confirm: Callable[[QWidget, str], bool] = confirm_delete) -> None:
        record_id = self.current_id()
        if record_id is not None:
            delete_with_confirmation(self.ctx, self, self.kind, record_id, confirm)


def confirm_erase(parent: QWidget, what: str, backups: Sequence[Backup]) -> bool:
    """Xóa vĩnh viễn asks first, and says which backups still hold the person."""
    from desktop.domain import formatting

    text = _("Xóa vĩnh viễn «{w}»?\n\nHọ tên, ngày sinh, số định danh, dân tộc, điện thoại, "
             "địa chỉ, ghi chú… của người này bị làm trống trên máy này và trên mọi máy khi "
             "đồng bộ, và bị bỏ khỏi nhật ký. Không khôi phục được.").format(w=what)
    if backups:
        text += "\n\n" + _("Các bản sao lưu sau vẫn còn dữ liệu cũ cho đến khi bị xóa theo "
                            "hạn giữ (một bản mỗi ngày trong 7 ngày, mỗi tuần trong 4 tuần, "
                            "mỗi tháng trong 12 tháng):")
        text += "".join(f"\n  {formatting.date_time(b.created)}  {b.path.name}"
                        for b in backups)
    box = QMessageBox(QMessageBox.Icon.Warning, _("Xóa vĩnh viễn"), text, parent=parent)
    yes = box.addButton(_("Xóa vĩnh viễn"), QMessageBox.ButtonRole.DestructiveRole)
    box.addButton(_("Không"), QMessageBox.ButtonRole.RejectRole)
    run_modal(box)
    return box.clickedButton() is yes


def moment_text(stored: str) -> str:
    """A stored moment as the window writes it, "11:16 06/12/2026" (the audit's ISO form
    once showed as "2026-12-06 11:16:20"); what does not read as one is shown as stored."""
    from desktop.domain import dates

    try:
        return dates.format_datetime(dates.parse_datetime(stored[:16]))
    except (UserError, ValueError):
        return stored


def officer_name(conn: dbapi.Connection, actor: str) -> str:
    """Who did it, by the account's full name when it has one: "Lò Văn Thành (admin)"."""
    from desktop.storage import accounts

    account = accounts.get(conn, actor) if actor else None
    return f"{account.full_name} ({actor})" if account and account.full_name else actor


def deleted_title(conn: dbapi.Connection, presenter: Presenter,
                  item: history.DeletedItem) -> str:
    """What a deleted record is called: a name, not an id or a code. A membership and an
    attendance are named by their person and their organization or meeting."""
    from desktop.domain.errors import NotFoundError

    kind = KINDS[item.kind]
    try:
        rec = records.get(conn, kind, item.id)  # a deleted record too: a tombstone keeps it
    except NotFoundError:
        return item.title or item.id
    if item.kind == "membership":
        fields = ("person_id", "organization_id")
    elif item.kind == "attendance":
        fields = ("person_id", "meeting_id")
    else:
        fields = (kind.title_field,)
    shown = presenter.record(kind, rec, only=fields)
    return " — ".join(shown[f] for f in fields if shown.get(f)) or item.title or item.id


class DeletedPage(QWidget):
    """Records deleted recently, with Restore; a person can then be erased for good."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        from PySide6.QtGui import QStandardItemModel

        self.model = QStandardItemModel(0, 4, self)
        self.model.setHorizontalHeaderLabels([_("Loại"), _("Tên"), _("Xóa lúc"), _("Người xóa")])
        self.table = record_table(self.model)
        self.restore_button = QPushButton(_("Khôi phục"))
        self.restore_button.setEnabled(False)  # until a row is chosen
        self.restore_button.clicked.connect(self.restore_current)
        self.erase_button = QPushButton(_("Xóa vĩnh viễn…"))
        self.erase_button.setToolTip(_("Làm trống dữ liệu cá nhân của người đang chọn, trên "
                                       "mọi máy đồng bộ; không khôi phục được"))
        self.erase_button.clicked.connect(lambda: self.erase_current())
        buttons = QHBoxLayout()
        buttons.addWidget(self.restore_button)
        buttons.addWidget(self.erase_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(QLabel(_("Bản ghi đã xóa gần đây (có thể khôi phục):")))
        layout.addWidget(self.table, 1)
        self.count = QLabel()
        layout.addWidget(self.count)
        layout.addLayout(buttons)
        self.items: list[history.DeletedItem] = []
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._enable_buttons())
        self.erase_button.setEnabled(False)  # until a deleted person is chosen

    def _enable_buttons(self) -> None:
        """Khôi phục once a row is chosen; Xóa vĩnh viễn only for a person's (it empties a
        person's data, nothing else)."""
        rows = self.table.selectionModel().selectedRows()
        row = rows[0].row() if rows else -1
        self.restore_button.setEnabled(bool(rows))
        self.erase_button.setEnabled(0 <= row < len(self.items)
                                     and self.items[row].kind == "person")

    def reload(self) -> None:
        from PySide6.QtGui import QStandardItem

        self.items = history.recently_deleted(self.ctx.conn)
        self.model.removeRows(0, self.model.rowCount())
        presenter, officers = Presenter(self.ctx.conn), {}
        for item in self.items:
            if item.actor not in officers:
                officers[item.actor] = officer_name(self.ctx.conn, item.actor)
            title = deleted_title(self.ctx.conn, presenter, item)
            cells = [QStandardItem(KINDS[item.kind].label), QStandardItem(title),
                     QStandardItem(moment_text(item.deleted_at)),
                     QStandardItem(officers[item.actor])]
            cells[1].setToolTip(title)  # a long name whole on hover
            self.model.appendRow(cells)
        self.table.resizeColumnsToContents()
        header = self.table.horizontalHeader()
        header.resizeSection(1, min(max(header.sectionSize(1), 260), 520))
        self.count.setText(count_of("deleted", len(self.items)) if self.items else _(
            "Chưa có bản ghi nào bị xóa. Bản ghi xóa ở các trang khác hiện ở đây, để khôi "
            "phục khi xóa nhầm."))
        self._enable_buttons()

    def restore_current(self) -> None:
        row = self.table.currentIndex().row()
        if not 0 <= row < len(self.items):
            return
        item = self.items[row]
        self.ctx.undo.restore(item.kind, item.id)
        self.ctx.changed()
        self.ctx.notify(_("Đã khôi phục «{t}»").format(t=item.title))

    def erase_current(self, *, confirm: Callable[[QWidget, str, Sequence[Backup]], bool]
                      = confirm_erase) -> None:
        """Xóa vĩnh viễn the selected person (desktop/storage/erasure.py)."""
        from desktop.storage import erasure

        row = self.table.currentIndex().row()
        if not 0 <= row < len(self.items):
            self.ctx.notify(_("Chọn một người trong danh sách trước"))
            return
        item = self.items[row]
        if item.kind != "person":
            self.ctx.notify(_("Chỉ xóa vĩnh viễn được dữ liệu của một người"))
            return
        if not confirm(self, item.title, erasure.backups_holding(self.ctx.conn)):
            return
        try:
            result = erasure.erase_person(self.ctx.undo.store, item.id)
        except UserError as e:
            self.ctx.notify(str(e))
            return
        self.ctx.undo.forget(item.kind, item.id)
        self.ctx.changed()
        n = len(result.backups)
        self.ctx.notify(ngettext("Đã xóa vĩnh viễn «{t}»; {n} bản sao lưu còn giữ dữ liệu cũ "
                                 "cho đến khi bị thay",
                                 "Đã xóa vĩnh viễn «{t}»; {n} bản sao lưu còn giữ dữ liệu cũ "
                                 "cho đến khi bị thay", n).format(t=item.title, n=n))
