"""The *Trùng lặp* page: people who may be recorded twice, the two records side by side, and
the officer's answer — «Là một người» (which record to keep) or «Không phải một người»; a
merge taken back with «Bỏ gộp» (or Hoàn tác). The same functions as ``antq duplicates``
(desktop/storage/duplicates.py)."""

from __future__ import annotations

from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.cccd import mask_citizen_id
from desktop.domain.errors import UserError
from desktop.domain.kinds import PERSON
from desktop.i18n import _, ngettext
from desktop.storage import duplicates
from desktop.storage.paging import stamp
from desktop.storage.present import Presenter
from desktop.storage.references import part_name
from desktop.ui.common.counting import Failure, Reader
from desktop.ui.common.dialogs import LastShown, free_on_close, run_modal
from desktop.ui.records.pages import AppContext
from desktop.ui.records.record_model import NUMBER

# The fields compared side by side, in the officer's order.
COMPARED = ("full_name", "birth_date", "gender", "ethnicity", "citizen_id", "old_id_number",
            "residence_unit_id", "address", "phone", "religion", "education")
DIFFERS = QColor("#fff1c2")
BACKGROUND_FROM = 5_000  # people to look at before the page scans in the background


class DuplicatesPage(QWidget):
    last_message: LastShown[QMessageBox] = LastShown()  # tests read it; held weakly

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.found: list[duplicates.Candidate] = []
        self._filled: tuple[object, tuple[int, int]] | None = None  # status, database's stamp
        self.reading = False  # the queue asked of the worker, not come yet
        self._unshown: tuple[list, list[list[str]]] | None = None  # came while hidden
        self.reader = Reader(ctx.conn, self, delay=0.0)
        self.reader.read.connect(self._show_read)
        self.reader.failed.connect(self._read_failed)
        self.status = QComboBox()
        for key, label in duplicates.STATUSES.items():
            self.status.addItem(str(label), key)
        self.status.currentIndexChanged.connect(lambda _i: self.reload())
        self.scan_button = QPushButton(_("Tìm lại tất cả"))
        self.scan_button.setToolTip(_("Xét lại mọi người (bình thường chỉ xét người mới ghi "
                                      "hoặc vừa sửa)"))
        self.scan_button.clicked.connect(lambda: self.scan_all())
        self.count = QLabel()
        self.count.setWordWrap(True)  # (a failure to read says why and what to do)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(_("Trạng thái:")))
        bar.addWidget(self.status)
        bar.addWidget(self.count, 1)
        bar.addWidget(self.scan_button)

        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels([_("Cặp"), _("Điểm"), _("Hồ sơ 1"), _("Hồ sơ 2"),
                                              _("Lý do")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._show_current)

        self.compare = QTableWidget(0, 2)
        self.compare.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.compare.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.compare.setWordWrap(True)

        self.same_button = QPushButton(_("Là một người…"))
        self.same_button.setToolTip(_("Gộp hai hồ sơ: chọn hồ sơ được giữ lại; hồ sơ kia thành "
                                      "tên khác của nó (tổ chức, cuộc họp, khen thưởng chuyển "
                                      "sang)"))
        self.same_button.clicked.connect(lambda: self.merge_current())
        self.not_same_button = QPushButton(_("Không phải một người"))
        self.not_same_button.clicked.connect(lambda: self.dismiss_current())
        self.unmerge_button = QPushButton(_("Bỏ gộp"))
        self.unmerge_button.clicked.connect(lambda: self.unmerge_current())
        self.reopen_button = QPushButton(_("Xem xét lại"))
        self.reopen_button.clicked.connect(lambda: self.reopen_current())
        actions = QHBoxLayout()
        for b in (self.same_button, self.not_same_button, self.unmerge_button,
                  self.reopen_button):
            actions.addWidget(b)
        actions.addStretch(1)

        below = QWidget()
        lay = QVBoxLayout(below)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.compare, 1)
        lay.addLayout(actions)
        split = QSplitter()
        split.setOrientation(split.orientation().Vertical)
        split.addWidget(self.table)
        split.addWidget(below)
        split.setSizes([300, 400])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(bar)
        layout.addWidget(split, 1)
        self.reload()

    def let_go_of_file(self) -> None:
        """The worker's connection closed (the window lets go of its file: MainWindow)."""
        self.reader.release()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self._unshown is not None:
            self._show_read(self._unshown)

    # -- reading -------------------------------------------------------------------------

    def reload(self) -> None:
        if duplicates.pending(self.ctx.conn) > BACKGROUND_FROM:
            self.scan_in_background(everyone=False)  # the first look at a whole province
            return
        self._fill()

    def _fill(self) -> None:
        status = self.status.currentData()
        if self._filled == (status, stamp(self.ctx.conn)):
            # Nothing written since the list was read (the window refreshes the page it has
            # just built, which read the queue: at 300k people 35-65 ms more on opening it).
            return
        duplicates.scan(self.ctx.conn)  # it writes: here (little when nothing changed)
        self._filled = (status, stamp(self.ctx.conn))
        # The pairs' people read on a worker's connection: 830 people at random in a 300k
        # commune held this thread 25-90 ms, cold. The pairs shown stay till then.
        self.reading = True
        self.reader.ask(lambda conn: self.read_queue(conn, status))

    @classmethod
    def read_queue(cls, conn, status: str | None) -> tuple[list, list[list[str]]]:
        """The queue and each pair's cells as shown (on the worker: its own connection)."""
        found = duplicates.queue(conn, status)
        presenter = Presenter(conn)
        return found, [[str(c.id), str(c.score), *(cls._summary(presenter, p) for p in c.people),
                        c.reasons_text()] for c in found]

    def _show_read(self, answer: tuple[list, list[list[str]]]) -> None:
        self.reading = False
        if not self.isVisible():  # another tab, or the window closed (its database too)
            self._unshown = answer
            return
        self._unshown = None
        chosen = self.current()
        self.found, rows = answer
        self.table.setRowCount(len(self.found))
        for r, (c, cells) in enumerate(zip(self.found, rows, strict=True)):
            for col, value in enumerate(cells):
                item = QTableWidgetItem(value)
                item.setToolTip(value if col not in (2, 3) else _("{s}\nMã hồ sơ: {id}").format(
                    s=value, id=c.people[col - 2]["id"]))
                if col < 2:  # the pair's number and its score: figures, right-aligned
                    item.setTextAlignment(NUMBER)
                self.table.setItem(r, col, item)
        self.table.resizeColumnToContents(0)
        self.table.resizeColumnToContents(1)
        self.count.setText(ngettext("{n} cặp", "{n} cặp", len(self.found)).format(
            n=len(self.found)))
        row = next((r for r, c in enumerate(self.found) if chosen and c.id == chosen.id), 0)
        if self.found:
            self.table.selectRow(row)
        self._show_current()

    def _read_failed(self, failure: Failure) -> None:
        """The queue could not be read: said in the status line; the pairs shown stay, and
        the next reload asks again."""
        self.reading = False
        self._unshown = None
        self._filled = None
        self.count.setText(_("Không đọc được danh sách cặp: {why}").format(why=failure.text))

    @classmethod
    def _summary(cls, presenter: Presenter, p: dict) -> str:
        """What an officer tells two people apart by: name, birth date, village, the CCCD
        masked (011*****2345), ethnicity. The record's id only in the tooltip."""
        if "full_name" not in p:
            return _("(hồ sơ không có ở điểm này)")
        parts = [str(p.get("full_name") or "")]
        for name in ("birth_date", "residence_unit_id", "citizen_id", "ethnicity"):
            if p.get(name):
                parts.append(cls._shown(presenter, name, p[name]))
        return " · ".join(parts)

    @staticmethod
    def _shown(presenter: Presenter, name: str, value: object, *, said: bool = True) -> str:
        """``said``: the CCCD named as such (in a one-line summary, not beside its label)."""
        if name == "citizen_id" and value:
            masked = mask_citizen_id(str(value))
            return _("CCCD {n}").format(n=masked) if said else masked
        return presenter.value(PERSON.field(name), value)

    def current(self) -> duplicates.Candidate | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows or rows[0].row() >= len(self.found):
            return None
        return self.found[rows[0].row()]

    def _show_current(self) -> None:
        c = self.current()
        status = c.status if c else None
        self.same_button.setEnabled(status in (duplicates.OPEN, duplicates.NOT_SAME))
        self.not_same_button.setEnabled(status == duplicates.OPEN)
        self.unmerge_button.setVisible(status == duplicates.MERGED)
        self.reopen_button.setVisible(status == duplicates.NOT_SAME)
        self.compare.setRowCount(0)
        if c is None:
            return
        presenter = Presenter(self.ctx.conn)
        self.compare.setHorizontalHeaderLabels([self._heading(c, 0), self._heading(c, 1)])
        rows = [(PERSON.field(n).label, [self._shown(presenter, n, p.get(n), said=False)
                                         for p in c.people]) for n in COMPARED]
        rows = [row for row in rows if any(row[1])]  # what neither record says: not shown
        rows.append((_("Xã/phường"), [part_name(self.ctx.conn, str(p["_part"]))
                                      if p.get("_part") else "" for p in c.people]))
        self.compare.setRowCount(len(rows))
        self.compare.setVerticalHeaderLabels([label for label, _v in rows])
        for r, (_label, values) in enumerate(rows):
            differ = values[0] != values[1] and all(values)
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setToolTip(_("Mã hồ sơ: {id}").format(id=c.people[col]["id"]))
                if differ:
                    item.setBackground(QBrush(DIFFERS))
                self.compare.setItem(r, col, item)

    def _heading(self, c: duplicates.Candidate, i: int) -> str:
        pid = c.a if i == 0 else c.b
        heading = _("Hồ sơ {n}").format(n=i + 1)
        if c.status == duplicates.MERGED and c.kept == pid:
            heading += " — " + _("được giữ lại")
        return heading

    # -- the officer's answers ---------------------------------------------------------------

    def _done(self, message: str) -> None:
        self.ctx.notify(message)
        self.ctx.changed()
        self.reload()

    def _failed(self, e: UserError) -> None:
        box = free_on_close(QMessageBox(QMessageBox.Icon.Warning, _("Trùng lặp"), str(e),
                                        parent=self))
        box.open()
        self.last_message = box

    def merge_current(self) -> None:
        c = self.current()
        if c is None:
            self.ctx.notify(_("Chọn một cặp trước"))
            return
        names = [str(p.get("full_name") or p["id"]) for p in c.people]
        text = _("Giữ lại hồ sơ nào? Hồ sơ kia thành tên khác của hồ sơ được giữ; tổ chức, cuộc "
                 "họp, khen thưởng của nó chuyển sang. Hoàn tác được (Bỏ gộp).")
        parts = [str(p.get("_part") or "") for p in c.people]
        if all(parts) and parts[0] != parts[1]:
            text += "\n\n" + _("Hai hồ sơ ở hai xã ({a}, {b}): xã của hồ sơ không được giữ sẽ "
                                "chỉ còn thấy tên khác (các tổ chức của xã đó ghi tên người được "
                                "giữ, hồ sơ của người đó ở xã kia).").format(
                a=part_name(self.ctx.conn, parts[0]), b=part_name(self.ctx.conn, parts[1]))
        box = QMessageBox(QMessageBox.Icon.Question, _("Là một người"), text, parent=self)
        keep_a = box.addButton(_("Giữ hồ sơ 1: {n}").format(n=names[0]),
                               QMessageBox.ButtonRole.AcceptRole)
        keep_b = box.addButton(_("Giữ hồ sơ 2: {n}").format(n=names[1]),
                               QMessageBox.ButtonRole.AcceptRole)
        box.addButton(_("Hủy"), QMessageBox.ButtonRole.RejectRole)
        run_modal(box)
        clicked = box.clickedButton()
        if clicked not in (keep_a, keep_b):
            return
        keep = c.a if clicked is keep_a else c.b
        try:
            duplicates.merge(self.ctx.undo, c.id, keep)
        except UserError as e:
            self._failed(e)
            return
        self._done(_("Đã gộp: giữ hồ sơ của {n}").format(
            n=names[0] if keep == c.a else names[1]))

    def dismiss_current(self) -> None:
        c = self.current()
        if c is None:
            return
        try:
            duplicates.dismiss(self.ctx.undo.store, c.id)
        except UserError as e:
            self._failed(e)
            return
        self._done(_("Cặp số {n}: không phải một người").format(n=c.id))

    def unmerge_current(self) -> None:
        c = self.current()
        if c is None:
            return
        try:
            undone = duplicates.unmerge(self.ctx.undo.store, c.id)
        except UserError as e:
            self._failed(e)
            return
        for pid in (c.a, c.b):  # Hoàn tác must not take the merge back a second time
            self.ctx.undo.forget("person", pid)
        message = _("Đã bỏ gộp cặp số {n}").format(n=c.id)
        if undone.partial:
            message += "; " + _("Việc gộp được làm ở nơi khác: các tổ chức, cuộc họp, khen "
                                "thưởng đã chuyển vẫn ở hồ sơ được giữ")
        self._done(message)

    def reopen_current(self) -> None:
        c = self.current()
        if c is None:
            return
        try:
            duplicates.reopen(self.ctx.undo.store, c.id)
        except UserError as e:
            self._failed(e)
            return
        self._done(_("Cặp số {n}: đang chờ xem xét lại").format(n=c.id))

    def scan_all(self) -> None:
        self.scan_in_background(everyone=True)

    def scan_in_background(self, *, everyone: bool) -> None:
        """A scan of many people with its own connection, the window free meanwhile."""
        from desktop.storage.db import connect
        from desktop.ui.common.tasks import TaskContext

        db_path = self.ctx.db_path

        def work(task: TaskContext) -> duplicates.ScanResult:
            conn = connect(db_path)
            try:
                def step(done: int, total: int) -> None:
                    task.check()
                    task.progress(done, total)
                return duplicates.scan(conn, everyone=everyone, progress=step)
            finally:
                conn.close()

        def done(r: duplicates.ScanResult) -> None:
            self.ctx.notify(_("Đã xét {n} người: {f} cặp mới").format(n=r.checked, f=r.found))
            self._fill()

        self.scanning = self.ctx.tasks.run(_("Đang tìm hồ sơ trùng lặp…"), work, on_done=done,
                                           on_error=self.ctx.notify, parent=self)
