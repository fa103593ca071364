"""What a list paints after each key typed in its search box is what the storage finds and
presents: the table's delegate asks all of a cell's roles in one call (``multiData``, which
the window's models answer), and the row numbers' header is measured once for each number of
digits instead of from the model at every key (desktop/ui/common/widgets.py)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QAbstractTableModel, QEvent, QModelIndex, QObject, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QApplication,
    QHeaderView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)
from uikit import find_item, type_text

from desktop.domain.kinds import PERSON
from desktop.storage import records, rosters
from desktop.storage.present import Presenter
from desktop.ui.common.widgets import PlainCells, RowNumbers, record_table

_UNALIGNED = int(QStyleOptionViewItem().displayAlignment.value)  # what no answer leaves


def painted(table: QTableView) -> list[list[tuple[str, int]]]:
    """Each row's cells on the screen as the table's delegate paints them: text, alignment."""
    model, delegate = table.model(), table.itemDelegate()
    last = table.rowAt(table.viewport().height() - 1)
    rows = range(max(0, table.rowAt(0)), (last if last >= 0 else model.rowCount() - 1) + 1)
    out = []
    for r in rows:
        cells = []
        for c in range(model.columnCount()):
            option = QStyleOptionViewItem()
            delegate.initStyleOption(option, model.index(r, c))  # the roles, as painting asks
            cells.append((option.text, int(option.displayAlignment.value)))
        out.append(cells)
    return out


def settle(qtbot, searched, wanted: str) -> None:
    qtbot.waitUntil(lambda: searched() == wanted, timeout=3000)


def test_each_key_paints_the_people_the_search_finds_with_their_values(window, qtbot):
    page = window.people
    page.search.setFocus()
    presenter = Presenter(window.conn)
    names = [page.model.column_name(c) for c in range(page.model.columnCount())]
    left = _UNALIGNED  # the style's: the roster sets no alignment
    for typed, searched in (("lò", "lò"), (" v", "lò v"), ("ă", "lò vă")):
        type_text(page.search, typed)  # key events carrying Vietnamese letters
        settle(qtbot, lambda: page.model.search, searched)
        shown = painted(page.table)
        found = rosters.people_page(window.conn, page.scope(), search=searched,
                                    limit=len(shown))
        assert shown and len(shown) == len(found), searched
        for cells, person in zip(shown, found, strict=True):
            values = presenter.record(PERSON, person, only=names)
            assert cells == [(values[n], left) for n in names], searched


def test_an_organization_s_roster_paints_each_member_s_values_and_role(window, qtbot):
    # The roster presents only the columns it shows, each field alone (RosterModel._present):
    # the same texts as the storage's whole-record presentation, the role by its name.
    window.tree.setCurrentIndex(find_item(window, "organization"))
    page = window.people
    names = [page.model.column_name(c) for c in range(page.model.columnCount())]
    assert "role" in names
    shown = painted(page.table)
    found = rosters.people_page(window.conn, page.scope(), limit=len(shown))
    assert shown and len(shown) == len(found)
    presenter = Presenter(window.conn)
    for cells, member in zip(shown, found, strict=True):
        values = presenter.record(PERSON, member, only=names)
        values["role"] = presenter.catalogue_name("role", str(member["role"]))
        assert values["role"] and values["role"] != member["role"]  # a name, not its code
        assert [text for text, _a in cells] == [values[n] for n in names]


def test_a_list_of_records_paints_each_cell_s_text_and_alignment_from_its_model(window, qtbot):
    page = window.show_page("meetings")
    page.search.setFocus()
    type_text(page.search, "họp")
    model = page.model
    settle(qtbot, lambda: model.query.search, "họp")
    shown = painted(page.table)
    found = records.page(window.conn, model.kind, model.query, limit=len(shown))
    assert shown and len(shown) == len(found)
    for r, cells in enumerate(shown):
        for c, (text, align) in enumerate(cells):
            index = model.index(r, c)
            aligned = index.data(Qt.ItemDataRole.TextAlignmentRole)
            assert text == index.data()
            assert align == (_UNALIGNED if aligned is None else int(aligned.value))
        assert model.record_id(r) == found[r]["id"]


class _Numbers(QAbstractTableModel):
    def __init__(self, rows: int) -> None:
        super().__init__()
        self.rows = rows

    def rowCount(self, parent=QModelIndex()):  # noqa: B008, N802
        return 0 if parent.isValid() else self.rows

    def columnCount(self, parent=QModelIndex()):  # noqa: B008, N802
        return 0 if parent.isValid() else 2

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        return f"{index.row()}:{index.column()}" if role == Qt.ItemDataRole.DisplayRole \
            else None

    def grow(self, rows: int) -> None:
        if rows > self.rows:
            self.beginInsertRows(QModelIndex(), self.rows, rows - 1)
            self.rows = rows
            self.endInsertRows()
        else:
            self.beginRemoveRows(QModelIndex(), rows, self.rows - 1)
            self.rows = rows
            self.endRemoveRows()


def test_the_row_numbers_are_as_wide_as_qt_s_own_header_makes_them(qapp):
    ours, theirs = _Numbers(0), _Numbers(0)
    table = record_table(ours)
    plain = QTableView()
    plain.setModel(theirs)
    plain.verticalHeader().setDefaultSectionSize(24)
    assert isinstance(table.verticalHeader(), RowNumbers)
    assert type(plain.verticalHeader()) is QHeaderView
    header = table.verticalHeader()
    assert header.sectionsClickable() and header.highlightSections()  # as Qt's own
    for rows in (0, 7, 9, 10, 99, 100, 101, 12, 1234, 100_000, 3, 0, 5):
        ours.grow(rows)
        theirs.grow(rows)
        assert header.sizeHint() == plain.verticalHeader().sizeHint(), rows


class _Paints(QObject):
    """Counts the paint events of the widgets it watches."""

    def __init__(self, *widgets: QWidget) -> None:
        super().__init__()
        self.count = 0
        for w in widgets:
            w.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


@pytest.mark.parametrize("name", ["people", "meetings"])
def test_a_key_typed_repaints_the_list_not_the_whole_page(window, qtbot, name):
    # The count under the list turns to "…" at every key. A label whose text changes tells
    # the layouts above it, and the tab widget holding the pages then repaints itself whole
    # (the buttons, the headers, the scroll bar: ~5–10 ms a key, at times before the list).
    # The count's label keeps its size instead, and still shows its whole text.
    page = window.people if name == "people" else window.show_page(name)
    model = page.model
    searched = (lambda: model.search) if name == "people" else (lambda: model.query.search)
    qtbot.waitUntil(lambda: page.count.text() not in ("", "…"), timeout=5000)
    QApplication.processEvents()
    page.search.setFocus()
    type_text(page.search, "n")  # the search box's clear button comes: the box repaints
    qtbot.wait(300)  # (its fade-in done)
    # (the scroll bar and the headers change with the number of rows found)
    list_paints, others = _Paints(page.table.viewport()), _Paints(page.add_button,
                                                                   page.delete_button)
    for typed, wanted in (("g", "ng"), ("u", "ngu")):
        before = list_paints.count
        type_text(page.search, typed)
        qtbot.waitUntil(lambda w=wanted, b=before: searched() == w and list_paints.count > b,
                        timeout=3000)
        assert page.count.text() == "…"
    qtbot.wait(50)  # what the keys left to do (the count waits for typing to pause)
    assert others.count == 0
    qtbot.waitUntil(lambda: page.count.text() != "…", timeout=5000)
    label = page.count
    assert label.width() >= label.fontMetrics().horizontalAdvance(label.text())
    assert label.height() >= label.fontMetrics().height()


def _grab(table: QTableView) -> QImage:
    QApplication.processEvents()
    return table.viewport().grab().toImage()


@pytest.mark.parametrize("name", ["people", "meetings"])
def test_a_list_s_cells_look_as_qt_s_own_delegate_paints_them(window, qtbot, name):
    # The lists paint their plain cells themselves (PlainCells), a text drawn directly the
    # first time and prepared once when painted again: pixel for pixel what Qt's delegate
    # paints, both ways, with a row chosen (left to Qt's delegate),
    # a text too long for its column (elided by Qt's) and Vietnamese letters.
    page = window.people if name == "people" else window.show_page(name)
    table, model = page.table, page.model
    delegate = table.itemDelegate()
    assert isinstance(delegate, PlainCells)
    page.search.setFocus()
    type_text(page.search, "lò" if name == "people" else "họp")
    qtbot.waitUntil(lambda: model.rowCount() > 3 and page.filter_note.isVisible(), timeout=5000)
    table.setFocus()
    table.selectRow(1)
    for narrow in (False, True):
        if narrow:  # the first column's texts no longer fit: Qt's delegate elides them
            table.setColumnWidth(0, 60)
        QApplication.processEvents()  # a repaint still due
        delegate._widths.clear()
        delegate._statics.clear()
        first = table.viewport().grab().toImage()  # each text painted the first time: drawn
        # directly
        assert delegate._widths  # the texts it painted itself
        again = _grab(table)  # and again: prepared (QStaticText)
        assert delegate._statics
        table.setItemDelegate(QStyledItemDelegate(table))
        theirs = _grab(table)
        table.setItemDelegate(delegate)
        assert first == theirs, narrow
        assert again == theirs, narrow
