"""Small widget recipes the pages share: read-only lists that select whole rows."""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QModelRoleDataSpan,
    QObject,
    QPointF,
    QSize,
    Qt,
    QTimer,
)
from PySide6.QtGui import QFontMetricsF, QPalette, QPen, QStaticText, QTextLayout
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QTableWidget,
)

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)


def answer_roles(model: QAbstractItemModel, index: QModelIndex, roles: QModelRoleDataSpan,
                 own: Sequence[int] = ()) -> None:
    """A lazy model's ``multiData``. The delegate asks seven roles of a cell at once (font,
    alignment, colours, check box, icon, text, background): one call into Python a cell
    rather than seven. The text is the model's, and the roles at the positions ``own`` (the
    record lists': 1, the alignment); the delegate keeps its seven answers from cell to cell,
    so those are answered for every cell (None: the style's), and the others, never written,
    stay empty."""
    if roles.size() == 7 and (text := roles[5]).role() == _DISPLAY:
        text.setData(model.data(index))
        for i in own:
            roles[i].setData(model.data(index, roles[i].role()))
        return
    for i in range(roles.size()):
        asked = roles[i]
        asked.setData(model.data(index, asked.role()))


def replace_rows(model: QAbstractItemModel, old: int, new: int,
                 show: Callable[[int], None]) -> None:
    """Another list put in place of the ``old`` rows a model shows: ``show(n)`` makes the
    model show the first ``n`` of its ``new`` rows. Rows shown before and after keep their
    places, told as changed data: removing them all and inserting the new ones (as a search
    typed did at every key) made the view lay out its rows, and the row numbers' header
    its sections, and paint that header again (~175 calls into Python), for a list of the
    same length. A row selected, current or under the mouse is another record now: it is
    let go first, as when its row is removed."""
    head = min(old, new)
    if head and model.persistentIndexList():
        model.layoutAboutToBeChanged.emit()
        kept = model.persistentIndexList()  # with those the selection keeps meanwhile
        model.changePersistentIndexList(kept, [QModelIndex()] * len(kept))
        model.layoutChanged.emit()
    if new < old:
        model.beginRemoveRows(QModelIndex(), new, old - 1)
        show(new)
        model.endRemoveRows()
    elif new > old:
        if head:
            show(head)
        model.beginInsertRows(QModelIndex(), old, new - 1)
        show(new)
        model.endInsertRows()
    else:
        show(new)
    if head:
        model.dataChanged.emit(model.index(0, 0), model.index(head - 1, model.columnCount() - 1))


class SteadyLabel(QLabel):
    """A label whose text changes at every key typed (a list's count, "…" until it comes)
    without laying the window out again. A label's new text tells its layout that its size
    may have changed; the page is laid out, then every widget above it, and the tab widget
    holding the pages repaints itself whole: the list, its headers, scroll bar and buttons
    again (~5–10 ms a key, sometimes before the list's own repaint). A widget of fixed size
    tells no one, so this label keeps a fixed size: as wide as the widest text it has shown
    (it grows when a text needs more room, and never shrinks while the text only changes)."""

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        super().setText(text)
        hint = self.sizeHint()
        if hint.width() > self.minimumWidth() or hint.height() != self.minimumHeight():
            self.setFixedSize(max(hint.width(), self.minimumWidth()), hint.height())

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.setMinimumSize(0, 0)  # measured again for the new font
            self.setMaximumSize(16777215, 16777215)
            self.setText(self.text())


class RowNumbers(QHeaderView):
    """The row numbers left of a list. Qt sizes this header from the text of up to 200 of
    its sections, asking the model five roles of each (about 500 calls into Python), every
    time rows come and go: at every key typed in a search box. The numbers are 1 … n, so its
    size only changes with the number of digits of n: measured by Qt once for each."""

    def __init__(self, parent: QTableView) -> None:
        super().__init__(Qt.Orientation.Vertical, parent)
        self.setSectionsClickable(True)  # as QTableView's own: a click selects the row
        self.setHighlightSections(True)
        self._hints: dict[tuple[int, int], QSize] = {}

    def sizeHint(self) -> QSize:
        n = self.count()
        key = (len(str(n)) if n else 0, self.defaultSectionSize())
        hint = self._hints.get(key)
        if hint is None:
            hint = self._hints[key] = super().sizeHint()
        return hint

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._hints.clear()
        super().changeEvent(event)


_SPECIAL = (QStyle.StateFlag.State_Selected | QStyle.StateFlag.State_HasFocus
            | QStyle.StateFlag.State_MouseOver | QStyle.StateFlag.State_Editing).value
_ENABLED = QStyle.StateFlag.State_Enabled.value
_ACTIVE = QStyle.StateFlag.State_Active.value
_PLAIN_TEXT = Qt.TextFormat.PlainText
_KEPT_TEXTS = 4096  # prepared texts kept: a few screens of a list
_PREPARE_S = 0.001  # texts prepared while idle, this long at a time
_NOT_PLAIN = float("inf")  # the width of a text that is not one plain line


class PlainCells(QStyledItemDelegate):
    """Paints a list's plain cells itself, drawn where Qt's delegate draws it, in the same
    colour. Qt's delegate lays out and shapes a cell's text twice at every repaint (to
    measure it, then to draw it): over half of a list's repaint, and a search repaints the
    list at every key. A text is measured and drawn directly the first time it is painted
    (a QStaticText's preparation costs twice a direct draw), then prepared when the window
    is idle, a millisecond at a time, so that its next paints (scrolling, a repaint, the
    next key's list) draw it at a third of a direct draw's cost. A text too long for its
    column is cut with «…» as Qt's delegate cuts it; a figure is right-aligned. A cell this
    cannot paint alike is left to Qt's delegate: selected, current, under the mouse, being
    edited, aligned otherwise, or with a text that is not one plain line.

    ``cell_text(row, column)`` is the model's text of a cell (what ``multiData`` answers, no
    conversion to a QVariant and back); ``plain(column)``: the column's text is left-aligned
    and coloured as the style's (no alignment, font or colour roles); ``right(column)``: so,
    but right-aligned (and vertically centred)."""

    def __init__(self, view: QAbstractItemView, cell_text: Callable[[int, int], str],
                 plain: Callable[[int], bool],
                 right: Callable[[int], bool] | None = None) -> None:
        super().__init__(view)
        self._view, self._cell_text, self._plain, self._right = view, cell_text, plain, right
        # A text's width, and once painted again or the window idle, the text prepared: in
        # two maps, not a (prepared, width) tuple a text, a tracked object more for the
        # cycle collector to walk for each of the 4,096 texts of every list shown.
        self._widths: OrderedDict[str, float] = OrderedDict()
        self._statics: dict[str, QStaticText] = {}  # of texts in _widths
        self._elisions: OrderedDict[tuple[str, int], str] = OrderedDict()
        self._drawn_once: deque[str] = deque(maxlen=_KEPT_TEXTS)  # to prepare when idle
        self._coming: deque[str] = deque(maxlen=_KEPT_TEXTS)  # about to be painted: prepare()
        self._preparing = QTimer(self, singleShot=True, interval=0)
        self._preparing.timeout.connect(self._prepare_some)
        self._measure()
        view.installEventFilter(self)

    def _measure(self) -> None:
        """What every cell shares: the font, the text's margin and height, the pens."""
        view = self._view
        self._widths.clear()
        self._statics.clear()
        self._elisions.clear()
        self._drawn_once.clear()
        self._coming.clear()
        self._font = view.font()
        self._margin = view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None,
                                                view) + 1
        layout = QTextLayout("Ay", self._font)  # one line's height, as Qt's delegate finds it
        layout.beginLayout()
        line = layout.createLine()
        line.setLineWidth(1000)
        layout.endLayout()
        self._height = layout.boundingRect().size().toSize().height()
        self._ascent = line.ascent()  # a direct draw is placed by its baseline
        self._metrics = QFontMetricsF(self._font)
        palette = view.palette()
        text = QPalette.ColorRole.Text
        # Pens, not colours: setPen(colour) makes a pen of it at every cell (0.8 µs, 0.3).
        self._pens = {_ENABLED | _ACTIVE: QPen(palette.color(QPalette.ColorGroup.Active, text)),
                      _ENABLED: QPen(palette.color(QPalette.ColorGroup.Inactive, text)),
                      _ACTIVE: QPen(palette.color(QPalette.ColorGroup.Disabled, text)),
                      0: QPen(palette.color(QPalette.ColorGroup.Disabled, text))}

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange,
                            QEvent.Type.PaletteChange):
            self._measure()
        return False

    def paint(self, painter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        state = option.state.value
        column = index.column()
        if not state & _SPECIAL:
            right = self._right is not None and self._right(column)
            if right or self._plain(column):
                text = self._cell_text(index.row(), column)
                if not text:
                    return  # nothing to draw: an unselected cell's background is the row's
                x, y, w, h = option.rect.getRect()
                w -= 2 * self._margin
                width = self._widths.get(text)
                if width is None:
                    width = self._measured(text)
                if width > w and width != _NOT_PLAIN:  # elided to the width, as Qt's is
                    text = self._elided(text, w)
                    width = self._widths.get(text)
                    if width is None:
                        width = self._measured(text)
                if width <= w:
                    shown = self._statics.get(text)
                    left = x + self._margin + (w - width if right else 0)
                    top = y + h // 2 - self._height // 2
                    painter.setPen(self._pens[state & (_ENABLED | _ACTIVE)])
                    if shown is None:  # not prepared yet: drawn directly, prepared when idle
                        painter.drawText(QPointF(left, top + self._ascent), text)
                        self._drawn_once.append(text)
                        if not self._preparing.isActive():
                            self._preparing.start()
                    elif right:
                        painter.drawStaticText(QPointF(left, top), shown)
                    else:  # whole pixels: no QPointF made (0.5 µs a cell)
                        painter.drawStaticText(left, top, shown)
                    return
        super().paint(painter, option, index)

    def _measured(self, text: str) -> float:
        """A text painted the first time: its width (none that is not one plain line: a line
        break, a tab, a control character goes to Qt's delegate)."""
        width = self._metrics.horizontalAdvance(text) if text.isprintable() else _NOT_PLAIN
        self._widths[text] = width
        if len(self._widths) > _KEPT_TEXTS:
            oldest, _width = self._widths.popitem(last=False)
            self._statics.pop(oldest, None)
        return width

    def _elided(self, text: str, width: int) -> str:
        """``text`` cut to ``width`` with «…» at its end, as Qt's delegate cuts it."""
        elided = self._elisions.get((text, width))
        if elided is None:
            elided = self._metrics.elidedText(text, Qt.TextElideMode.ElideRight, width)
            self._elisions[text, width] = elided
            if len(self._elisions) > _KEPT_TEXTS:
                self._elisions.popitem(last=False)
        return elided

    def prepare(self, texts: Sequence[str]) -> None:
        """Texts about to be painted (a search's page read ahead while typing pauses, in
        the order of its rows): measured and prepared while the window is idle, as texts
        drawn once are, so that the page's first paint draws them prepared rather than
        measuring and drawing each directly (over half of that paint's work)."""
        self._coming.clear()
        self._coming.extend(reversed(texts))  # (taken from the end: the first rows first)
        if self._coming and not self._preparing.isActive():
            self._preparing.start()

    def _prepare_some(self) -> None:
        """Texts about to be painted, then texts drawn once, prepared for their next paint:
        for a millisecond, then again when the window is next idle (a key typed or a
        search due meanwhile waits at most that long)."""
        until = time.perf_counter() + _PREPARE_S
        while (self._coming or self._drawn_once) and time.perf_counter() < until:
            if self._coming:
                text = self._coming.pop()
                width = self._widths.get(text)
                if width is None:
                    width = self._measured(text)
                if not text or width == _NOT_PLAIN:
                    continue  # (nothing to draw, or drawn by Qt's delegate)
            else:
                text = self._drawn_once.pop()  # the latest first: the list on screen now
                if text not in self._widths:
                    continue  # (no longer kept)
            if text not in self._statics:
                self._statics[text] = self._prepared(text)
        if self._coming or self._drawn_once:
            self._preparing.start()

    def _prepared(self, text: str) -> QStaticText:
        shown = QStaticText(text)
        shown.setTextFormat(_PLAIN_TEXT)
        shown.prepare(font=self._font)
        return shown


def fit_columns_to_screen(table: QTableView, column: int | None = None) -> None:
    """``table``'s columns (or only ``column``) fitted to its rows on screen, as the officer
    sees them, not to every row (Qt measures up to 1,000: 12-17 ms of text shaping at 3,000
    cameras, 2-5 on screen). A table not shown yet (a page opened the first time: shown
    after its rows come), or hidden since (another tab chosen), has none on screen, and Qt
    measured every row: its first rows then, as many as the window's height holds (the
    residents of «Địa bàn» counted while it was not shown yet: its 630 villages at the
    province measured, 19-23 ms)."""
    header = table.horizontalHeader()
    header.setResizeContentsPrecision(0 if table.isVisible() else max(1, -(
        -table.window().height() // table.verticalHeader().defaultSectionSize())))
    if column is None:
        table.resizeColumnsToContents()
    else:
        table.resizeColumnToContents(column)
    header.setResizeContentsPrecision(0)  # a column sized again: its rows on screen


def record_table(model: QAbstractItemModel) -> QTableView:
    """A list of records: one row selected at a time, not edited in place."""
    table = QTableView()
    table.setVerticalHeader(RowNumbers(table))
    table.setModel(model)
    cell_text = getattr(model, "cell_text", None)
    if cell_text is not None:  # the window's lazy lists: their plain cells painted quickly
        delegate = PlainCells(table, cell_text, model.plain_column,
                              getattr(model, "right_aligned_column", None))
        table.setItemDelegate(delegate)
        coming = getattr(model, "texts_ahead", None)
        if coming is not None:  # a page read ahead: its texts prepared before it shows
            coming.connect(delegate.prepare)
    replaced = getattr(model, "replaced", None)
    if replaced is not None:  # another list shown in place of the last: from its top
        replaced.connect(table.scrollToTop)
    table.setAlternatingRowColors(True)
    # One line a row: a text too long for its column is cut with «…» where it no longer
    # fits, not after its last whole word (as a wrapped line is), by PlainCells and by Qt's
    # delegate (a chosen row) alike.
    table.setWordWrap(False)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setDefaultSectionSize(24)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def list_behaviour(table: QTableView, *, search: QLineEdit, pending: QTimer,
                   run: Callable[[], None], open_current: Callable[[], object],
                   actions: Callable[[], Sequence[tuple[str, Callable[[], object]]]],
                   order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
    """What every list of the window does: sorted in SQL by the column clicked (none marked
    at first: the list's own order), a row opened by double-click or Enter, reached from its
    search box (see search_leads_to), and a menu of actions on a right-click."""
    table.horizontalHeader().setSortIndicator(-1, order)
    table.setSortingEnabled(True)
    # ``activated`` is a double-click (or a single click where the style says so) and Enter:
    # also listening to ``doubleClicked`` opened a row's record twice, one over the other.
    table.activated.connect(lambda _i: open_current())
    search_leads_to(search, table, pending, run)
    row_menu(table, actions)


def read_only_table(headers: Sequence[str], widths: Sequence[int] = ()) -> QTableWidget:
    """A small table of figures or messages filled by the caller."""
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setStretchLastSection(True)
    for column, width in enumerate(widths):
        table.setColumnWidth(column, width)
    return table


class _SearchLeadsToList(QObject):
    """Down or Enter in a list's search box goes to the list, on its first row: the officer
    types, then walks the results with the arrows and opens one with Enter."""

    KEYS = {Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter}

    def __init__(self, search: QLineEdit, table: QTableView, pending: QTimer,
                 run: Callable[[], None]) -> None:
        super().__init__(search)
        self.table, self.pending, self.run = table, pending, run
        search.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.KeyPress and event.key() in self.KEYS:
            if self.pending.isActive():  # a search waiting for typing to pause runs now
                self.pending.stop()
                self.run()
            if self.table.model().rowCount():
                self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)
                self.table.selectRow(0)
                return True
        return False


def search_leads_to(search: QLineEdit, table: QTableView, pending: QTimer,
                    run: Callable[[], None]) -> None:
    """``pending``: the timer that runs the search (``run``) once typing pauses."""
    _SearchLeadsToList(search, table, pending, run)


def row_menu(table: QTableView,
             entries: Callable[[], Sequence[tuple[str, Callable[[], object]]]]) -> None:
    """A right-click on a row selects it and offers ``entries()``: (label, action) pairs."""
    def show(pos) -> None:
        menu = row_menu_at(table, entries, pos)
        if menu is not None:
            menu.exec(table.viewport().mapToGlobal(pos))
            menu.deleteLater()  # one per right-click: not kept under the list

    table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    table.customContextMenuRequested.connect(show)


def row_menu_at(table: QTableView,
                entries: Callable[[], Sequence[tuple[str, Callable[[], object]]]],
                pos) -> QMenu | None:
    """The menu of the row at ``pos`` (now selected); None off the rows."""
    index = table.indexAt(pos)
    if not index.isValid():
        return None
    table.selectRow(index.row())
    menu = QMenu(table)
    for label, action in entries():
        menu.addAction(label, action)
    return menu
