"""A read-only roster table that loads rows in pages as the user scrolls (fetchMore)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from desktop.domain.kinds import MEMBERSHIP, PERSON
from desktop.i18n import _
from desktop.storage import dbapi, rosters
from desktop.storage.present import Presenter
from desktop.storage.records import Record

Index = QModelIndex | QPersistentModelIndex
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
BATCH = 100  # a screenful is ~30 rows; each page is fetched as the user scrolls

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
_LEFT = (("left_date", _("Ngày thôi")), ("exit_reason", _("Lý do thôi")))


class RosterModel(QAbstractTableModel):
    def __init__(self, conn: dbapi.Connection, parent: Any = None) -> None:
        super().__init__(parent)
        self._conn = conn
        self._presenter = Presenter(conn)
        self._scope = rosters.Scope()
        self._search: str | None = None
        self._rows: list[dict[str, str] | None] = []  # None: not yet shown (see data())
        self._records: list[Record] = []
        self._last_key: tuple | None = None
        self._order: str | None = None  # a column clicked to sort by; None: name order
        self._descending = False
        self._ids: list[str] = []
        self._memberships: list[str | None] = []
        self._total: int | None = 0
        self._exhausted = True
        self._columns = _COLUMNS

    # -- what is shown -----------------------------------------------------------------

    def set_scope(self, scope: rosters.Scope, search: str | None = None) -> None:
        if scope.kind == "organization":
            left = _LEFT if scope.former else ()
            columns = (_COLUMNS[0], _ROLE, *left, *_COLUMNS[1:])
        else:
            columns = _COLUMNS
        if self._order not in {name for name, _header in columns}:
            self._order, self._descending = None, False  # that column is not shown here
        self.beginResetModel()
        self._scope, self._search = scope, search
        self._columns = columns
        self._rows = []
        self._records = []
        self._ids = []
        self._memberships: list[str | None] = []
        self._last_key = None
        self._total = None  # counted when asked: the first page need not wait for it
        self._exhausted = False
        self.endResetModel()
        self.fetchMore()  # the first page is always shown; the view asks for the rest

    @property
    def total(self) -> int:
        if self._total is None:
            self._total = rosters.count_people(self._conn, self._scope, self._search)
        return self._total

    @property
    def loaded(self) -> int:
        return len(self._rows)

    def column_name(self, column: int) -> str:
        return self._columns[column][0]

    def record_id(self, row: int) -> str | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, record_id: str) -> int:
        try:
            return self._ids.index(record_id)
        except ValueError:
            return -1

    def membership_id(self, row: int) -> str | None:
        return self._memberships[row] if 0 <= row < len(self._memberships) else None

    def _present(self, rec: dict[str, object]) -> dict[str, str]:
        shown = self._presenter.record(PERSON, rec, only=rec.keys())
        if "role" in rec:
            shown["role"] = self._presenter.catalogue_name("role", str(rec["role"]))
        for name in ("left_date", "exit_reason"):
            if name in rec:
                shown[name] = self._presenter.value(MEMBERSHIP.field(name), rec[name])
        return shown

    # -- lazy loading ------------------------------------------------------------------

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid():
            return
        page = rosters.people_page(self._conn, self._scope, search=self._search,
                                   offset=len(self._rows), limit=BATCH, after=self._last_key,
                                   order=self._order, descending=self._descending)
        if len(page) < BATCH:
            self._exhausted = True
        if not page:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
        shown_fields = [name for name, _header in self._columns]
        # Only what the columns show is kept until presented: a roster scrolled to its end
        # holds 100,000 of these.
        self._records.extend({f: r.get(f) for f in shown_fields} for r in page)
        self._rows.extend([None] * len(page))
        self._ids.extend(str(r["id"]) for r in page)
        self._memberships.extend(str(r.get("membership_id") or "") or None for r in page)
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
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        # Asked ~1,300 times a repaint (every role of every visible cell): an int compare.
        if role != _DISPLAY or not index.isValid():
            return None
        row = index.row()
        shown = self._rows[row]
        if shown is None:  # presented when first painted: a page holds more than a screenful
            shown = self._rows[row] = self._present(self._records[row])
        return shown.get(self._columns[index.column()][0], "")

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self._columns[section][1]
        return str(section + 1)
