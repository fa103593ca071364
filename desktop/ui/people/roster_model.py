"""A read-only roster table that loads rows in pages as the user scrolls (fetchMore).

A place's roster may hold 300,000 people. Scrolling keeps only their rowids (eight bytes a
person, in order) and the sort key of the last one (the next page starts after it: keyset
paging); a person's columns are read and presented when a row is painted, CHUNK rows
at a time, and only the last CACHED_CHUNKS hundreds are kept. Holding the scroll bar at the
bottom fetches ever larger pages (up to 25,600 rowids), each read within
fetching.READ_BUDGET_S at a time, the rest in the next turns of the event loop, and shown
whole. An organization's roster (a few hundred members) is read whole. The count comes
from another thread (desktop/ui/common/counting.py).
"""

from __future__ import annotations

import time
from array import array
from collections import OrderedDict
from collections.abc import Callable, Sequence
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

from desktop.domain.kinds import MEMBERSHIP, PERSON
from desktop.i18n import _
from desktop.storage import dbapi, rosters
from desktop.storage.present import Presenter
from desktop.storage.records import Record
from desktop.ui.common.counting import Counter
from desktop.ui.common.fetching import collections_held, read_size
from desktop.ui.common.read_ahead import ReadAhead
from desktop.ui.common.widgets import answer_roles, replace_rows

Index = QModelIndex | QPersistentModelIndex
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_HORIZONTAL = Qt.Orientation.Horizontal
BATCH = 100  # a screenful is ~30 rows; each page is fetched as the user scrolls
# Pages fetched back to back (the scroll bar held down) double up to this, each read a part
# at a time (fetching.READ_BUDGET_S) and shown whole.
MAX_BATCH = 25600
HELD_S = 0.25  # asked again this soon after the last page came: held down (End repeats ~30/s)
# Rows read together when painted: a screen shows ~30 (each row read costs ~10 µs, and the
# first chunk is read at every key typed in the search box).
CHUNK = 50
CACHED_CHUNKS = 40  # presented rows kept: a few screens up and down

# (field, header); "role" exists only in an organization's roster.
_COLUMNS = (
    ("full_name", _("Họ và tên")),
    ("birth_date", _("Ngày sinh")),
    ("gender", _("Giới tính")),
    ("ethnicity", _("Dân tộc")),
    ("citizen_id", _("Số định danh")),
    ("phone", _("Điện thoại")),
    ("residence_unit_id", _("Nơi cư trú")),
)
_ROLE = ("role", _("Chức danh"))
_PERSON_FIELDS = {f.name: f for f in PERSON.fields}
_LEFT = (("left_date", _("Ngày thôi")), ("exit_reason", _("Lý do thôi")))


class _Row:
    """A row read with its chunk, presented when first painted (a chunk holds more rows
    than a screen shows)."""

    __slots__ = ("id", "membership_id", "_record", "_cells", "_model")

    def __init__(self, record_id: str, membership_id: str | None, record: Record,
                 model: RosterModel) -> None:
        self.id, self.membership_id, self._record, self._model = (record_id, membership_id,
                                                                  record, model)
        self._cells: tuple[str, ...] | None = None

    def cells(self) -> tuple[str, ...]:
        """The row's text, column by column (the columns change only with a reset, which
        lets every row go)."""
        if self._cells is None:
            self._cells = self._model._present(self._record) if self._record else \
                ("",) * len(self._model._columns)
            self._record = {}
        return self._cells


class RosterModel(QAbstractTableModel):
    counted = Signal(int)  # the roster's count, once counted off the UI thread
    count_failed = Signal(object)  # it could not be counted (a counting.Failure)
    replaced = Signal()  # another roster or search shown: the list starts at its top
    # A search's page read ahead while typing pauses: the texts of its first rows, to be
    # prepared for painting meanwhile (widgets.PlainCells.prepare)
    texts_ahead = Signal(list)

    def __init__(self, conn: dbapi.Connection | None, parent: Any = None) -> None:
        """``conn`` None: an empty roster until ``attach`` gives it its database (the
        window's first page, built while the password is typed)."""
        super().__init__(parent)
        self._presented_ahead: tuple[object, list[_Row]] | None = None  # (page, its rows)
        self._scope = rosters.Scope()
        self._search: str | None = None
        self._order: str | None = None  # a column clicked to sort by; None: name order
        self._descending = False
        self._columns = _COLUMNS
        self._rowids = array("q")  # a place's roster: its people, in order
        self._members: list[Record] = []  # an organization's roster, whole
        self._chunks: OrderedDict[int, list[_Row]] = OrderedDict()  # chunk number -> rows
        self._last_key: tuple | None = None
        self._exhausted = True
        self._batch = BATCH
        self._last_fetch = 0.0
        # A place's roster: rowids of the pages asked for still to come, and the seconds a
        # rowid took in the last read. A page of 25,600 (End held at 300,000 people) read at
        # once took 23-24 ms of the press, past a frame: read within fetching.READ_BUDGET_S
        # at a time, the rest in the next turns of the event loop (``_more``). The parts
        # read are shown together once they make a page (``_coming``): each insertion is
        # laid out and painted again (5-12 ms at 300,000): shown part by part, End held
        # took 35 presses to the end of 300,000 people, not 20.
        self._wanted = 0
        self._per_row = 0.0
        self._coming = array("q")
        self._asked = False  # asked again while a page came in parts
        self._inserting = False  # a page being shown (endInsertRows)
        self._asks = 0  # fetchMore calls since the last turn's read, a page coming in parts
        self._let_go = False
        self._more = QTimer(self, singleShot=True, interval=0)
        self._more.timeout.connect(self._read_more)
        self._seen: tuple[int, _Row | None] = (-1, None)  # the row data() last read
        self._painting = False  # a search was shown, its rows not yet painted
        if conn is not None:
            self.attach(conn)

    def attach(self, conn: dbapi.Connection) -> None:
        """The database this roster reads (once, before anything is shown)."""
        self._conn = conn
        self._presenter = Presenter(conn)
        self._counter = Counter(conn, self)
        self._counter.counted.connect(self.counted)
        self._counter.failed.connect(self.count_failed)
        # A search's first page read while the officer types (desktop/ui/common/read_ahead.py).
        # It also reads the ranks and numbers a search is placed or found by, for both
        # connections (rosters.warm, lend_warm_up): off the UI thread, once.
        self._ahead = ReadAhead(conn, warm=lambda c, after: rosters.warm(c, after),
                                warmed=rosters.warmed, lend=rosters.lend_warm_up,
                                ready=self._page_read_ahead)
        self.destroyed.connect(self._ahead.close)

    def let_go_of_file(self) -> None:
        """Close the connections this model's workers keep on the file (the window lets go
        of it: a restore replaces it, and an open reader keeps it busy)."""
        self._counter.release()
        self._ahead.release()
        # No read of the rest of a page on the file let go of (it is closed next; the view
        # may still ask a page as the window closes) until another roster is shown.
        self._let_go = True
        self._wanted = 0
        self._more.stop()

    # -- what is shown -----------------------------------------------------------------

    def set_scope(self, scope: rosters.Scope, search: str | None = None) -> None:
        if scope.kind == "organization":
            left = _LEFT if scope.former else ()
            columns = (_COLUMNS[0], _ROLE, *left, *_COLUMNS[1:])
        else:
            columns = _COLUMNS
        if self._order not in {name for name, _header in columns}:
            self._order, self._descending = None, False  # that column is not shown here
        if columns != self._columns:  # other columns: laid out again
            self.beginResetModel()
            self._clear(scope, search)
            self._forget_rows()
            self._columns = columns
            self.endResetModel()
            self.fetchMore()
        elif scope.kind == "organization" or self._scope.kind == "organization":
            # An organization's roster is read whole: its rows go, the new ones come.
            if self.rowCount():
                self.beginRemoveRows(QModelIndex(), 0, self.rowCount() - 1)
                self._clear(scope, search)
                self._forget_rows()
                self.endRemoveRows()
            else:
                self._clear(scope, search)
                self._forget_rows()
            self.fetchMore()
        else:  # a place's roster: the first page read, then put in place of the last
            # The warm-up stands aside until its rows are painted (read_ahead.py: each
            # cell painted waited for the interpreter's lock a warm-up step held).
            self._ahead.hold()
            self._painting = True  # (its first cell painted ends the hold: cell_text)
            key = (scope, search, self._order, self._descending)
            # A search: read ahead while the officer typed, or read now where the searches
            # typed before it were (desktop/ui/common/read_ahead.py).
            ahead = self._ahead.read_now(key, self._first_page(*key)) if search else \
                self._ahead.take(key)
            if ahead is not None:
                rowids, last, first_rows = ahead
                presented = self._presented_ahead
                if presented is not None and presented[0] is ahead:
                    first_rows = presented[1]  # (presented while typing paused)
            else:
                rowids, last = rosters.people_rowids(
                    self._conn, scope, search=search, limit=BATCH, order=self._order,
                    descending=self._descending)
                first_rows = None
            self._presented_ahead = None
            self._clear(scope, search)
            self._exhausted, self._last_key = len(rowids) < BATCH, last
            self._last_fetch = time.monotonic()
            replace_rows(self, len(self._rowids), len(rowids),
                         lambda n: self._show_rowids(rowids, n, first_rows))
        self._ahead.forget()
        self.replaced.emit()

    def read_ahead(self, scope: rosters.Scope, search: str | None,
                   shown_in: float | None = None) -> None:
        """Read the first page of ``scope`` and ``search`` off the UI thread, for a
        ``set_scope`` of them soon (typing pauses): its rowids and its first rows.
        ``shown_in``: seconds until that set_scope (the rest of typing's pause): the
        warm-up starts no step that would still run then (ReadAhead.hold)."""
        if shown_in is not None:
            self._ahead.hold(in_s=shown_in)
        if scope.kind == "organization" or self._scope.kind == "organization" or \
                self._columns != _COLUMNS:
            return  # read whole, or laid out again: set_scope reads it as before
        key = (scope, search, self._order, self._descending)
        self._ahead.ask(key, self._first_page(*key))

    @staticmethod
    def _first_page(scope: rosters.Scope, search: str | None, order: str | None,
                    descending: bool) -> Callable[[dbapi.Connection], tuple]:
        """A place's roster's first page, read on a connection: its rowids, the key to go
        on after, the rows of its first chunk."""
        fields = {name for name, _h in _COLUMNS}

        def read(conn: dbapi.Connection) -> tuple[list[int], tuple | None, list[Record]]:
            rowids, last = rosters.people_rowids(conn, scope, search=search, limit=BATCH,
                                                 order=order, descending=descending)
            return rowids, last, rosters.people_rows(conn, rowids[:CHUNK], fields=fields)

        return read

    def start_reading_ahead(self) -> None:
        """The read-ahead's connection opened and its name index read into its cache now
        (the window is idle), not at the officer's first search; then the ranks and
        numbers a search reads, lent to the window's connection, whose searches never
        read them themselves (on the UI thread: 0.1-1 s at 300,000 people). Called again
        (each roster shown), they are read again if the database changed. Once warm, the
        searches typed and the pages scrolled to are read there (fetchMore)."""
        if self._ahead.start():
            rosters.warmed_elsewhere(self._conn)

    def _page_read_ahead(self, key: object) -> None:
        """(The UI thread, while typing pauses.) A search's page was read ahead: its first
        rows presented now, and their texts prepared for painting (texts_ahead), rather
        than both when typing pauses and the page is shown."""
        page = self._ahead.peek(key)
        if page is None:
            return  # another key since, or taken already
        rowids, _last, first_rows = page
        rows = self._chunk_of(rowids[:CHUNK], first_rows)
        self._presented_ahead = (page, rows)
        self.texts_ahead.emit([text for row in rows for text in row.cells()])

    def _show_rowids(self, rowids: list[int], n: int,
                     first_rows: list[Record] | list[_Row] | None = None) -> None:
        """The model shows the first ``n`` of ``rowids`` (replace_rows calls it); the rows
        of its first chunk when they were read with them (or presented already)."""
        self._rowids = array("q", rowids[:n])
        self._chunks.clear()
        self._seen = (-1, None)
        if first_rows is not None and n:
            first = self._rowids[:CHUNK]
            self._chunks[0] = first_rows[:len(first)] \
                if first_rows and isinstance(first_rows[0], _Row) \
                else self._chunk_of(first, first_rows)

    def _clear(self, scope: rosters.Scope, search: str | None) -> None:
        self._scope, self._search = scope, search
        self._last_key = None
        self._exhausted = False
        self._batch, self._last_fetch = BATCH, 0.0
        # A page still coming of the last roster: dropped. The rate is learnt again at the
        # first fetchMore, which reads the 200 rowids asked at once: a first page's rate
        # (100 rowids) is mostly the read's fixed cost, and read by it the pages up to
        # 6,400 came in parts, each shown after a press that then asked nothing more.
        self._wanted, self._per_row = 0, 0.0
        self._coming = array("q")
        self._more.stop()
        self._asked = self._let_go = False
        self._asks = 0
        self._counter.forget()

    def _forget_rows(self) -> None:
        self._presented_ahead = None
        self._rowids = array("q")
        self._members = []
        self._chunks.clear()
        self._seen = (-1, None)

    def count(self) -> None:
        """Count the roster off the UI thread: ``counted`` follows."""
        scope, search = self._scope, self._search
        self._counter.ask(lambda conn: rosters.count_people(conn, scope, search))

    @property
    def search(self) -> str | None:
        return self._search

    @property
    def counted_total(self) -> int | None:
        """The count, once it has come (None until then)."""
        return self._counter.answer

    @property
    def total(self) -> int:
        """The count, counted now if it has not come yet (the command line, tests)."""
        known = self._counter.answer
        if known is not None:
            return known
        if self._exhausted:
            return self.rowCount()
        return rosters.count_people(self._conn, self._scope, self._search)

    @property
    def loaded(self) -> int:
        return self.rowCount()

    @property
    def presented(self) -> int:
        """Rows held now (the memory a long scroll costs)."""
        return sum(len(rows) for rows in self._chunks.values())

    def column_name(self, column: int) -> str:
        return self._columns[column][0]

    def record_id(self, row: int) -> str | None:
        shown = self._row(row)
        return (shown.id or None) if shown else None

    def membership_id(self, row: int) -> str | None:
        shown = self._row(row)
        return shown.membership_id if shown else None

    def row_of(self, record_id: str) -> int:
        if self._scope.kind == "organization":
            return next((i for i, r in enumerate(self._members) if r["id"] == record_id), -1)
        rowid = rosters.person_rowid(self._conn, record_id)
        try:
            return self._rowids.index(rowid) if rowid is not None else -1
        except ValueError:
            return -1

    def _present(self, rec: dict[str, object]) -> tuple[str, ...]:
        """A row's text, column by column, each column's field presented alone, as
        Presenter.record presents it: record() went through all 14 fields of a person for
        the 7 shown (15 µs a row against 8; a search's first paint presents ~30 rows)."""
        value = self._presenter.value
        cells = []
        for name, _h in self._columns:
            field = _PERSON_FIELDS.get(name)
            if field is not None:
                cells.append(value(field, rec.get(name)))
            elif name == "role":
                cells.append(self._presenter.catalogue_name("role", str(rec["role"]))
                             if "role" in rec else "")
            else:  # left_date, exit_reason
                cells.append(value(MEMBERSHIP.field(name), rec[name]) if name in rec else "")
        return tuple(cells)

    def _row(self, row: int) -> _Row | None:
        """The row's id, membership and shown columns, read with its chunk if need be."""
        if not 0 <= row < self.rowCount():
            return None
        number, at = divmod(row, CHUNK)
        chunk = self._chunks.get(number)
        if chunk is None:
            chunk = self._chunks[number] = self._read_chunk(number)
            while len(self._chunks) > CACHED_CHUNKS:
                self._chunks.popitem(last=False)
        else:
            self._chunks.move_to_end(number)
        return chunk[at] if at < len(chunk) else None

    def _read_chunk(self, number: int) -> list[_Row]:
        first = number * CHUNK
        if self._scope.kind == "organization":
            return [_Row(str(r["id"]), str(r.get("membership_id") or "") or None, r, self)
                    for r in self._members[first:first + CHUNK]]
        rowids = self._rowids[first:first + CHUNK]
        shown = {name for name, _h in self._columns}  # a place's roster: fields of a person
        return self._chunk_of(rowids, rosters.people_rows(self._conn, rowids, fields=shown))

    def _chunk_of(self, rowids: Sequence[int], rows: list[Record]) -> list[_Row]:
        people = {r["rowid"]: r for r in rows}
        # Someone deleted meanwhile keeps an empty row until the roster is read again.
        return [_Row(str(people[r]["id"]), None, people[r], self) if r in people
                else _Row("", None, {}, self) for r in rowids]

    # -- lazy loading ------------------------------------------------------------------

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or self._exhausted:
            return
        if self._inserting:  # asked by the view as a page is shown: read from the next turn
            self._asked = True  # (not two reads in one press of End)
            return
        if self._wanted > 0:  # a page still coming in parts: the next page once it is
            self._asked = True  # shown (as a press of End held waited while a page was read
            self._asks += 1  # whole, then asked for the next)
            if self._asks > 1:  # asked again with no turn of the event loop between: read
                self._asks = 0  # through without one (a loop of fetchMore), a part now
                self._fetch_people()
            return
        # Asked again soon after the last page came (the scroll bar held at the bottom, End
        # held down): a bigger page. Counted from when that page came, not from when it was
        # asked: on a busy machine a page can take longer than the keyboard's repeat, and
        # the pages must not fall back to a hundred rows on the way down.
        self._batch = min(self._batch * 2, MAX_BATCH) \
            if time.monotonic() - self._last_fetch < HELD_S else BATCH
        if self._scope.kind == "organization":  # a few hundred members: read at once
            try:
                self._fetch_members()
            finally:
                self._last_fetch = time.monotonic()
        else:
            self._wanted += self._batch
            self._fetch_people()

    def _read_more(self) -> None:
        """(The next turn of the event loop.) The rest of the pages asked for."""
        self._asks = 0
        if self._wanted > 0 and not self._exhausted and not self._let_go and \
                self._scope.kind != "organization":
            self._fetch_people()

    def _fetch_people(self) -> None:
        """Read the rowids wanted, as many as fetching.READ_BUDGET_S allows at the roster's
        last rate; the rest in the next turn of the event loop. Each part starts after the
        last rowid of the one before (keyset): the same rowids in the same order as the
        page read at once."""
        # Read on the read-ahead's connection once it is warm, whose cache holds the name
        # index its warm-up read: on this thread while its worker is idle (read_here), else
        # by the worker (read_now). The window's own connection then never reads that
        # index whole: the index (30 MB at 300,000 people) is not held in two caches. Not
        # warm yet (or too long): read on the window's, as before.
        limit = read_size(self._wanted, self._per_row, BATCH)
        scope, search, after, order, descending = (
            self._scope, self._search, self._last_key, self._order, self._descending)

        def read(conn: dbapi.Connection) -> tuple[list[int], tuple | None]:
            return rosters.people_rowids(conn, scope, search=search, after=after, limit=limit,
                                         order=order, descending=descending)

        started = time.perf_counter()
        try:
            with collections_held():
                got = self._ahead.read_here(read)
                if got is None:
                    got = self._ahead.read_now(("more", scope, search, after, limit, order,
                                                descending), read)
                rowids, last = got if got is not None else read(self._conn)
        finally:
            self._last_fetch = time.monotonic()
        self._per_row = (time.perf_counter() - started) / max(1, len(rowids))
        self._wanted -= limit
        self._coming.extend(rowids)
        if rowids:
            self._last_key = last  # the next part starts after it
        if len(rowids) < limit:
            self._exhausted, self._wanted = True, 0
        if self._wanted <= 0:
            self._more.stop()  # (the page done by a read of fetchMore's, before the turn)
        else:
            self._more.start()
            if len(self._coming) < self._batch:
                return  # shown with the next parts, once they make a page
        coming, self._coming = self._coming, array("q")
        if not coming:
            return
        first = len(self._rowids)
        self.beginInsertRows(QModelIndex(), first, first + len(coming) - 1)
        self._rowids.extend(coming)
        self._chunks.pop(first // CHUNK, None)  # a chunk read while it was shorter
        self._seen = (-1, None)
        self._inserting = True
        try:
            self.endInsertRows()
        finally:
            self._inserting = False
        if self._asked and not self._exhausted and self._wanted <= 0:
            self._asked = False  # the next page, read from the next turn on
            self._batch = min(self._batch * 2, MAX_BATCH)
            self._wanted += self._batch
            self._more.start()

    def _fetch_members(self) -> None:
        page = rosters.people_page(self._conn, self._scope, search=self._search,
                                   after=self._last_key, limit=self._batch,
                                   order=self._order, descending=self._descending)
        if len(page) < self._batch:
            self._exhausted = True
        if not page:
            return
        first = len(self._members)
        self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
        shown = {name for name, _h in self._columns}
        self._members.extend({**{f: r.get(f) for f in shown}, "id": r["id"],
                              "membership_id": r.get("membership_id")} for r in page)
        self._chunks.pop(first // CHUNK, None)  # a chunk read while it was shorter
        self._seen = (-1, None)
        self._last_key = page[-1]["sort_key"]
        self.endInsertRows()

    # -- sorting in SQL (a click on a column's header) ---------------------------------

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        name = self._columns[column][0] if 0 <= column < len(self._columns) else None
        descending = name is not None and order == Qt.SortOrder.DescendingOrder
        if (name, descending) == (self._order, self._descending):
            return  # the view asks once when sorting is enabled: nothing to reload
        self._order, self._descending = name, descending
        self.set_scope(self._scope, self._search)

    def sort_column(self) -> tuple[int, Qt.SortOrder]:
        """The column sorted by (-1: the default order) and its direction, for the header."""
        names = [name for name, _header in self._columns]
        column = names.index(self._order) if self._order in names else -1
        return column, (Qt.SortOrder.DescendingOrder if self._descending
                        else Qt.SortOrder.AscendingOrder)

    # -- QAbstractTableModel -----------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid():
            return 0
        return len(self._members) if self._scope.kind == "organization" else len(self._rowids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if role != _DISPLAY or not index.isValid():
            return None
        return self._text(index.row(), index.column())

    def multiData(self, index: Index, roles: QModelRoleDataSpan) -> None:
        # Asked once for each visible cell at every repaint (~200 a screen), its seven roles
        # (answer_roles): the text found here rather than through data(), a call less a cell.
        if roles.size() == 7 and (text := roles[5]).role() == _DISPLAY:
            text.setData(self._text(index.row(), index.column()))
        else:
            answer_roles(self, index, roles)  # only the text is the roster's

    def cell_text(self, row: int, column: int) -> str:
        """A cell's text, as painted (desktop/ui/common/widgets.py, PlainCells)."""
        if self._painting:  # a search's rows painted: the warm-up goes on after this paint
            self._painting = False
            QTimer.singleShot(0, self._ahead.shown)
        return self._text(row, column)

    def plain_column(self, column: int) -> bool:
        return True  # every column: text only, to the left

    def _text(self, row: int, column: int) -> str:
        if self._seen[0] != row:  # the row's columns found once for its seven cells
            self._seen = (row, self._row(row))
        shown = self._seen[1]
        return shown.cells()[column] if shown else ""

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = _DISPLAY) -> Any:
        if role != _DISPLAY:
            return None
        if orientation == _HORIZONTAL:
            return self._columns[section][1]
        return str(section + 1)
