"""The *Nhật ký* page: the audit log, newest first, read a page at a time as the list scrolls,
filtered by date and by account; a check that the chain is intact (desktop/storage/audit.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.errors import UserError
from desktop.domain.kinds import KINDS_BY_TABLE, Kind
from desktop.i18n import _
from desktop.storage import audit, dbapi
from desktop.storage.present import Presenter
from desktop.ui.common.dialogs import LastShown, free_on_close
from desktop.ui.common.widgets import record_table
from desktop.ui.records.pages import AppContext, moment_text
from desktop.ui.records.record_model import NUMBER

Index = QModelIndex | QPersistentModelIndex
BATCH = 100


class AuditTableModel(QAbstractTableModel):
    """Entries read in pages of ``BATCH``, each page the entries before the last one shown;
    or, with ``batch`` (the seq of an entry that made many records at once), that entry's
    records one by one, in the order they were made."""

    HEADERS = (_("Số"), _("Lúc"), _("Tài khoản"), _("Việc"), _("Bản ghi"), _("Giá trị cũ"),
               _("Giá trị mới / chi tiết"))

    def __init__(self, conn: dbapi.Connection, parent: Any = None, *,
                 batch: int | None = None) -> None:
        super().__init__(parent)
        self._conn = conn
        self.batch = batch
        self._presenter = Presenter(conn)  # ids and codes as names, cached across pages
        self.since: dt.date | None = None
        self.actor: str | None = None
        self.entries: list[audit.Entry] = []
        self._shown: list[list[str]] = []
        self._exhausted = batch is None  # the page reads once its filter is set
        if batch is not None:
            self.fetchMore()

    def set_filter(self, since: dt.date | None, actor: str | None) -> None:
        self.beginResetModel()
        self.since, self.actor = since, actor
        self.entries, self._shown = [], []
        self._exhausted = False
        self.endResetModel()
        self.fetchMore()

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or self._exhausted:
            return
        if self.batch is not None:
            page = audit.expand(self._conn, self.batch, offset=len(self.entries), limit=BATCH)
        else:
            before = self.entries[-1].seq if self.entries else None
            page = audit.entries(self._conn, since=self.since, user=self.actor, before=before,
                                 limit=BATCH)
        if len(page) < BATCH:
            self._exhausted = True
        if not page:
            return
        first = len(self.entries)
        self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
        self.entries.extend(page)
        self._shown.extend(_cells(e, self._presenter) for e in page)
        self.endInsertRows()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and index.isValid():
            return self._shown[index.row()][index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 0:
            return NUMBER  # the entry's number
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None


def _cells(e: audit.Entry, presenter: Presenter) -> list[str]:
    kind = KINDS_BY_TABLE.get(e.tbl or "")
    if e.is_batch:  # many records made at once: one row, opened by a double click
        return [f"{e.seq}–{e.last_seq}", moment_text(e.at), e.actor,
                audit.action_label(e.action), audit.subject(e), "",
                _("{s} (bấm đúp để xem từng bản ghi)").format(s=audit.batch_summary(e))]
    if e.redacted is not None:
        old = new = _("(đã xóa vĩnh viễn)")
    elif e.field is not None:
        old, new = _value(presenter, kind, e.field, e.old), _value(presenter, kind, e.field,
                                                                     e.new)
    else:
        old, new = "", _detail(e, presenter, kind)
    return [str(e.seq), moment_text(e.at), e.actor, audit.action_label(e.action),
            audit.subject(e), old[:200], new[:200]]


# The words of the events' details (print, export, vault …), as the officer says them.
EVENT_WORDS = {"what": _("Nội dung"), "file": _("Tệp"), "format": _("Định dạng"),
               "pages": _("Số trang"), "name": _("Tài khoản"), "source_code": _("Mã nguồn tin"),
               "rows": _("Số dòng"), "reason": _("Lý do")}


def _value(presenter: Presenter, kind: Kind | None, name: str, value: object) -> str:
    """A field's value as the lists show it: a name for an id or a code, dd/mm/yyyy for a
    date; a keyed hash (a CCCD, a phone) is only said to be hidden."""
    if value is None or value == "":
        return ""
    if isinstance(value, str) and value.startswith(audit.HMAC_PREFIX):
        return _("(đã ẩn)")
    if kind is None or name not in kind.by_name:
        return str(value)
    return presenter.value(kind.field(name), value)


def _detail(e: audit.Entry, presenter: Presenter, kind: Kind | None) -> str:
    """What a record was made with, field by field under their labels ("Người: Lò Văn Ấn;
    Thành tích: …", never "person_id: 38jd…"), or an event's detail in words."""
    detail = e.detail
    if detail is None:
        return e.new or ""
    shown = []
    for key, value in detail.items():
        if value in (None, "", [], {}):
            continue
        if kind is not None and e.action in audit.WRITE_ACTIONS:
            if key in kind.by_name:  # the record's own columns (not _deleted, the clock …)
                shown.append(f"{kind.field(key).label}: {_value(presenter, kind, key, value)}")
            continue
        shown.append(f"{EVENT_WORDS.get(key, key)}: {value}")
    return "; ".join(shown)


def _size_columns(table: Any) -> None:
    # A batch's range of numbers, a whole moment and a record's kind with its field: Qt's
    # default width cut them ("348432–34…" in a large commune's log, "21:39 …", "Người tốt, …").
    header, metrics = table.horizontalHeader(), table.fontMetrics()
    header.resizeSection(0, metrics.horizontalAdvance("0000000–0000000") + 20)
    header.resizeSection(1, metrics.horizontalAdvance("00:00 00/00/0000") + 20)
    header.resizeSection(4, metrics.horizontalAdvance("Thành viên tổ chức: Chức danh") + 20)


class BatchDialog(QDialog):
    """The records one entry made at once (an import, a bulk add), one row each with its
    number and the values it was made with, read a page at a time as the list scrolls."""

    def __init__(self, conn: dbapi.Connection, entry: audit.Entry,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Nhật ký: mục số {a}–{b}").format(a=entry.seq, b=entry.last_seq))
        self.model = AuditTableModel(conn, self, batch=entry.seq)
        head = QLabel(_("{action} {what}: {summary}. Tài khoản {actor}, lúc {at}.").format(
            action=audit.action_label(entry.action), what=audit.subject(entry).lower(),
            summary=audit.batch_summary(entry), actor=entry.actor, at=moment_text(entry.at)))
        head.setWordWrap(True)
        self.table = record_table(self.model)
        _size_columns(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(900, 560)


class AuditPage(QWidget):
    """Read only: the log cannot be changed from here (nor from anywhere else)."""

    last_message: LastShown[QMessageBox] = LastShown()  # tests read it; held weakly
    last_batch: LastShown[BatchDialog] = LastShown()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.model = AuditTableModel(ctx.conn, self)
        self.since = QLineEdit()
        self.since.setPlaceholderText(_("Từ ngày (dd/mm/yyyy)"))
        self.since.setClearButtonEnabled(True)
        self.since.setMaximumWidth(180)
        self._timer = QTimer(self, singleShot=True, interval=300)
        self._timer.timeout.connect(self.reload)
        self.since.textChanged.connect(self._timer.start)
        self.actor = QComboBox()
        self.actor.setMinimumWidth(180)
        self.actor.currentIndexChanged.connect(self._actor_chosen)
        self.verify_button = QPushButton(_("Kiểm tra toàn vẹn…"))
        self.verify_button.setToolTip(_("Tính lại chuỗi băm của cả nhật ký: một mục bị sửa, "
                                        "bị xóa hay bị đổi thứ tự đều lộ ra"))
        self.verify_button.clicked.connect(lambda: self.verify())
        bar = QHBoxLayout()
        bar.addWidget(QLabel(_("Từ ngày:")))
        bar.addWidget(self.since)
        bar.addWidget(QLabel(_("Tài khoản:")))
        bar.addWidget(self.actor)
        bar.addStretch(1)
        bar.addWidget(self.verify_button)
        self.table = record_table(self.model)
        self.table.activated.connect(self._open_batch)  # a double-click, or Enter
        _size_columns(self.table)
        self.notice = QLabel()  # a date that does not read, a sender's rewritten log
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet("color: #a00;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(bar)
        layout.addWidget(self.notice)
        layout.addWidget(self.table, 1)
        self._filling = False

    def _open_batch(self, index: QModelIndex) -> None:
        entry = self.model.entries[index.row()] if index.isValid() else None
        if entry is None or not entry.is_batch:
            return
        dialog = free_on_close(BatchDialog(self.ctx.conn, entry, self))
        dialog.open()
        self.last_batch = dialog

    def _since_date(self) -> tuple[dt.date | None, str]:
        from desktop.domain.dates import parse_date

        typed = self.since.text().strip()
        if not typed:
            return None, ""
        try:
            return parse_date(typed).earliest(), ""
        except UserError as e:
            return None, _("Từ ngày: {e}").format(e=e)

    def _actor_chosen(self) -> None:
        if not self._filling:
            self.reload()

    def reload(self) -> None:
        from desktop.storage import accounts

        try:  # the log is the chief's to read (storage checks it too)
            accounts.require(self.ctx.conn, "audit")
        except accounts.PermissionDenied as e:
            self.notice.setText(str(e))
            self.notice.setVisible(True)
            for widget in (self.since, self.actor, self.verify_button, self.table):
                widget.setEnabled(False)
            return
        since, problem = self._since_date()
        self._fill_actors()
        self.model.set_filter(since, self.actor.currentData())
        warnings = [_("Ngày không đọc được: {p}").format(p=problem)] if problem else []
        warnings += list(audit.peer_warnings(self.ctx.conn).values())
        self.notice.setText("\n".join(warnings))
        self.notice.setVisible(bool(warnings))

    def _fill_actors(self) -> None:
        current = self.actor.currentData()
        self._filling = True
        try:
            self.actor.clear()
            self.actor.addItem(_("Tất cả"), None)
            for name in audit.actors(self.ctx.conn):
                self.actor.addItem(name, name)
            index = self.actor.findData(current) if current else 0
            self.actor.setCurrentIndex(max(index, 0))
        finally:
            self._filling = False

    def verify(self) -> None:
        """The whole chain, recomputed in the background with its own connection."""
        from desktop.storage.db import connect
        from desktop.ui.common.tasks import TaskContext

        db_path = self.ctx.db_path

        def work(task: TaskContext) -> audit.Verified:
            conn = connect(db_path)
            try:
                return audit.verify(conn, progress=lambda done, total: task.progress(
                    done, max(total, 1)))
            finally:
                conn.close()

        self.ctx.tasks.run(_("Đang kiểm tra nhật ký…"), work, on_done=self._verified,
                           on_error=self.ctx.notify, parent=self)

    def _verified(self, result: audit.Verified) -> None:
        if result.broken is None:
            text = _("Nhật ký nguyên vẹn: {n} mục, mục cuối số {s}").format(
                n=result.entries, s=result.head_seq)
            box = QMessageBox(QMessageBox.Icon.Information, _("Nhật ký"), text, parent=self)
        else:
            text = result.broken.message()
            box = QMessageBox(QMessageBox.Icon.Warning, _("Nhật ký"), text, parent=self)
        self.ctx.notify(text)
        free_on_close(box).open()
        self.last_message = box
