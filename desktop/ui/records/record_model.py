"""A lazy table over any record kind: rows fetched in pages, sorting and filtering in SQL."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QModelRoleDataSpan,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)

from desktop.domain.kinds import FieldType, Kind
from desktop.domain.text import in_two_lines
from desktop.storage import dbapi, records
from desktop.storage.present import Presenter
from desktop.ui.common.counting import Counter
from desktop.ui.common.fetching import collections_held, read_size
from desktop.ui.common.read_ahead import ReadAhead, hold_warm_ups
from desktop.ui.common.widgets import answer_roles, replace_rows

Index = QModelIndex | QPersistentModelIndex
BATCH = 100  # a screenful is ~30 rows; each page is fetched as the user scrolls
# Pages fetched back to back (End held down) double up to this: 6,000 minutes in seven
# pages; a page of 1,600 reads in 9-10 ms at 300,000 people, one of 3,200 took 27-40.
MAX_BATCH = 1600
# Fields a list reads besides its columns, to present them: a meeting's number is shown with
# its issuer (Presenter.record).
_ALSO_READ = {"meeting": frozenset({"issuer"})}
HELD_S = 0.25  # asked again this soon after the last page came: held down (End repeats ~30/s)
PRESENTED_AHEAD = 50  # rows of a page read ahead presented while typing pauses (a screen ~30)
ID_ROLE = Qt.ItemDataRole.UserRole + 10
_DISPLAY, _ID = int(Qt.ItemDataRole.DisplayRole), int(ID_ROLE)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
# Figures read down a column, units under units: right-aligned, as on the home page.
NUMBER = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class RecordTableModel(QAbstractTableModel):
    counted = Signal(int)  # the list's count, once counted off the UI thread
    count_failed = Signal(object)  # it could not be counted (a counting.Failure)
    # A search's page read ahead while typing pauses: the texts of its first rows, to be
    # prepared for painting meanwhile (widgets.PlainCells.prepare)
    texts_ahead = Signal(list)
    replaced = Signal()  # another list or search shown: the list starts at its top

    def __init__(self, conn: dbapi.Connection, kind: Kind, columns: Sequence[str],
                 parent: Any = None) -> None:
        super().__init__(parent)
        self._conn, self.kind, self.columns = conn, kind, tuple(columns)
        self._column_set = frozenset(self.columns)
        # What a page reads of each record: a minutes' row is 26 columns, its texts among
        # them (records.page, ``fields``).
        self._fields = self._column_set | _ALSO_READ.get(kind.name, frozenset())
        self._aligns = tuple(NUMBER if kind.field(c).type is FieldType.INT else None
                             for c in self.columns)
        self._presenter = Presenter(conn)
        self._counter = Counter(conn, self)
        self._counter.counted.connect(self.counted)
        self._counter.failed.connect(self.count_failed)
        # A search's first page read while the officer types (desktop/ui/common/read_ahead.py).
        self._ahead = ReadAhead(conn, ready=self._page_read_ahead)
        self._presented_ahead: tuple[object, list[list[str]]] | None = None  # (page, cells)
        self.destroyed.connect(self._ahead.close)
        self.query = records.Query()
        self._rows: list[dict[str, object]] = []
        self._shown: list[list[str] | None] = []  # the cells' text, by column
        self._last_key: tuple | None = None  # the next page starts after it (keyset)
        self._exhausted = True
        self._batch, self._last_fetch = BATCH, 0.0  # the next page's size; when the last came
        self._wanted = 0  # rows of the pages asked for still to come (fetching.READ_BUDGET_S)
        self._per_row = 0.0  # seconds a row of this list took in its last read
        self._more = QTimer(self, singleShot=True, interval=0)  # the next turn's read
        self._more.timeout.connect(self._read_more)
        self._active = False  # no query runs until the page is first shown

    def let_go_of_file(self) -> None:
        """Close the connections this model's workers keep on the file (the window lets go
        of it: a restore replaces it, and an open reader keeps it busy)."""
        self._counter.release()
        self._ahead.release()
        # Nor the rest of a page still coming (the file is closed next: a turn's read on it
        # would raise as the window closes mid-page)
        self._wanted = 0
        self._more.stop()

    def set_query(self, query: records.Query) -> None:
        self._active = True
        # The roster's warm-up stands aside until these rows are painted (read_ahead.py:
        # its steps held the interpreter's lock the question and each painted cell wait for)
        hold_warm_ups()
        # The first page read, then put in place of the rows shown (replace_rows): the
        # columns stay, with their widths (a reset would lose them, and laying them out again
        # costs a second paint at every key typed).
        page = self._ahead.take(query)  # read while the officer typed
        presented, self._presented_ahead = self._presented_ahead, None
        cells = presented[1] if page is not None and presented is not None and \
            presented[0] is page else None  # (presented while typing paused)
        self._wanted, self._per_row = 0, 0.0  # a page still coming of the last list: dropped
        self._more.stop()
        if page is None:
            started = time.perf_counter()
            with collections_held():
                page = records.page(self._conn, self.kind, query, limit=BATCH,
                                    fields=self._fields, every_key=False)
            self._per_row = (time.perf_counter() - started) / max(1, len(page))
        self.query = query
        self._last_key = page[-1].pop("sort_key") if page else None  # type: ignore[assignment]
        self._exhausted = len(page) < BATCH
        self._batch, self._last_fetch = BATCH, time.monotonic()
        self._counter.forget()
        replace_rows(self, len(self._rows), len(page), lambda n: self._show(page, n, cells))
        self.replaced.emit()

    def read_ahead(self, query: records.Query, shown_in: float | None = None) -> None:
        """Read the first page of ``query`` off the UI thread, for a ``set_query`` of it
        soon (typing pauses). ``shown_in``: seconds until that set_query (the rest of
        typing's pause): the roster's warm-up starts no step that would still run then."""
        if shown_in is not None:
            hold_warm_ups(in_s=shown_in)
        kind, fields = self.kind, self._fields
        self._ahead.ask(query, lambda conn: records.page(conn, kind, query, limit=BATCH,
                                                         fields=fields, every_key=False))

    def _page_read_ahead(self, key: object) -> None:
        """(The UI thread, while typing pauses.) A search's page was read ahead: its first
        rows presented now, and their texts prepared for painting (texts_ahead), rather
        than both when typing pauses and the page is shown."""
        page = self._ahead.peek(key)
        if page is None:
            return  # another key since, or taken already
        cells = [self._cells(rec) for rec in page[:PRESENTED_AHEAD]]
        self._presented_ahead = (page, cells)
        self.texts_ahead.emit([text for row in cells for text in row])

    def _show(self, page: list[dict[str, object]], n: int,
              cells: list[list[str]] | None = None) -> None:
        """The model shows the first ``n`` rows of ``page`` (replace_rows calls it), with
        the cells of its first rows when they were presented already."""
        self._rows = page[:n]
        self._shown = [None] * n
        if cells:
            self._shown[:len(cells[:n])] = cells[:n]

    def refresh(self) -> None:
        self.set_query(self.query)

    def count(self) -> None:
        """Count the list off the UI thread: ``counted`` follows."""
        kind, query = self.kind, self.query
        self._counter.ask(lambda conn: records.count(conn, kind, query))

    @property
    def counted_total(self) -> int | None:
        return self._counter.answer

    @property
    def total(self) -> int:
        """The count, counted now if it has not come yet (tests, the command line)."""
        known = self._counter.answer
        if known is not None:
            return known
        return len(self._rows) if self._exhausted else \
            records.count(self._conn, self.kind, self.query)

    def record_id(self, row: int) -> str | None:
        return str(self._rows[row]["id"]) if 0 <= row < len(self._rows) else None

    def row_of(self, record_id: str) -> int:
        return next((i for i, r in enumerate(self._rows) if r["id"] == record_id), -1)

    # -- lazy loading ------------------------------------------------------------------

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or self._exhausted:
            return
        # Asked again soon after the last page came (End or the scroll bar held at the
        # bottom): a bigger page, so that 6,000 minutes end in seven presses, not sixty.
        self._batch = min(self._batch * 2, MAX_BATCH) \
            if time.monotonic() - self._last_fetch < HELD_S else BATCH
        self._wanted += self._batch
        self._fetch()

    def _read_more(self) -> None:
        """(The next turn of the event loop.) The rest of the pages asked for."""
        if self._wanted > 0 and not self._exhausted:
            self._fetch()

    def _fetch(self) -> None:
        """Read what is wanted, as much of it as fetching.READ_BUDGET_S allows at the list's rate;
        the rest in the next turn of the event loop."""
        limit = read_size(self._wanted, self._per_row, BATCH)
        started = time.perf_counter()
        try:
            with collections_held():
                page = records.page(self._conn, self.kind, self.query, after=self._last_key,
                                    limit=limit, fields=self._fields, every_key=False)
        finally:
            self._last_fetch = time.monotonic()
        self._per_row = (time.perf_counter() - started) / max(1, len(page))
        self._wanted -= limit
        if len(page) < limit:
            self._exhausted, self._wanted = True, 0
        elif self._wanted > 0:
            self._more.start()
        if not page:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
        self._rows.extend(page)
        self._shown.extend([None] * len(page))  # presented when first painted
        self._last_key = page[-1].pop("sort_key")  # type: ignore[assignment]
        self.endInsertRows()

    # -- sorting in SQL ----------------------------------------------------------------

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        name = self.columns[column] if 0 <= column < len(self.columns) else None
        query = replace(self.query, order_by=name,
                        descending=order == Qt.SortOrder.DescendingOrder)
        if self._active:
            self.set_query(query)
        else:  # enabling sorting asks for a sort before the page was ever shown
            self.query = query

    # -- QAbstractTableModel -----------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        # Asked for every role of every visible cell at each repaint: int compares, and the
        # cell's text made once, when its row is read (see _cells).
        if role == _DISPLAY:
            if not index.isValid():
                return None
            row = index.row()
            cells = self._shown[row]
            if cells is None:  # a page holds more rows than a screen shows
                cells = self._shown[row] = self._cells(self._rows[row])
            return cells[index.column()]
        if role == _ID and index.isValid():
            return self._rows[index.row()]["id"]
        if role == _ALIGNMENT and index.isValid():
            return self._aligns[index.column()]
        return None

    def multiData(self, index: Index, roles: QModelRoleDataSpan) -> None:
        # Asked once for each visible cell at every repaint, its seven roles (answer_roles):
        # the text and the alignment answered here rather than through data(), two calls
        # less a cell.
        if roles.size() == 7 and (text := roles[5]).role() == _DISPLAY \
                and roles[1].role() == _ALIGNMENT and index.isValid():
            row, column = index.row(), index.column()
            cells = self._shown[row]
            if cells is None:  # a page holds more rows than a screen shows
                cells = self._shown[row] = self._cells(self._rows[row])
            text.setData(cells[column])
            roles[1].setData(self._aligns[column])
        else:
            answer_roles(self, index, roles, own=(1,))  # the text and the alignment

    def cell_text(self, row: int, column: int) -> str:
        """A cell's text, as painted (desktop/ui/common/widgets.py, PlainCells)."""
        cells = self._shown[row]
        if cells is None:  # a page holds more rows than a screen shows
            cells = self._shown[row] = self._cells(self._rows[row])
        return cells[column]

    def plain_column(self, column: int) -> bool:
        return self._aligns[column] is None

    def right_aligned_column(self, column: int) -> bool:
        return self._aligns[column] == NUMBER  # figures, read down a column

    def _cells(self, rec: dict[str, object]) -> list[str]:
        shown = self._presenter.record(self.kind, rec, only=self._column_set)
        return [shown.get(c, "").replace("\n", " ")[:200] for c in self.columns]

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == _TOOLTIP:
            return self.kind.field(self.columns[section]).label  # whole, however narrow
        if role != _DISPLAY:
            return None
        if orientation == Qt.Orientation.Horizontal:  # a long title on two lines (QA, issue 14)
            return in_two_lines(self.kind.field(self.columns[section]).label)
        return str(section + 1)
