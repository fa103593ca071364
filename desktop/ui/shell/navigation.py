"""The navigation tree: province → commune → village → organizations, loaded on expand."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel

from desktop.i18n import _, ngettext
from desktop.storage import dbapi, rosters

KIND_ROLE = Qt.ItemDataRole.UserRole + 1
ID_ROLE = Qt.ItemDataRole.UserRole + 2
LOADED_ROLE = Qt.ItemDataRole.UserRole + 3


class NavigationModel(QStandardItemModel):
    def __init__(self, conn: dbapi.Connection, parent: Any = None) -> None:
        super().__init__(parent)
        self._conn = conn
        self.setHorizontalHeaderLabels([_("Địa bàn và tổ chức")])

    def load_roots(self, province_code: str | None) -> None:
        self.removeRows(0, self.rowCount())
        for node in rosters.root_units(self._conn, province_code):
            self.appendRow(self._unit_item(node))

    def _unit_item(self, node: rosters.UnitNode) -> QStandardItem:
        item = QStandardItem(node.name)
        item.setToolTip(node.name)  # the tree cuts a long name; the whole of it on hover
        item.setEditable(False)
        item.setData("unit", KIND_ROLE)
        item.setData(node.id, ID_ROLE)
        item.setData(False, LOADED_ROLE)
        if node.has_children:
            placeholder = QStandardItem(_("Đang tải…"))
            placeholder.setEditable(False)
            item.appendRow(placeholder)
        return item

    def ensure_children(self, item: QStandardItem) -> None:
        """Replace the placeholder by the unit's sub-units and organizations."""
        if item.data(KIND_ROLE) != "unit" or item.data(LOADED_ROLE):
            return
        item.setData(True, LOADED_ROLE)
        item.removeRows(0, item.rowCount())
        unit_id = item.data(ID_ROLE)
        for node in rosters.child_units(self._conn, unit_id):
            item.appendRow(self._unit_item(node))
        for org in rosters.organizations_in(self._conn, unit_id):
            child = QStandardItem()
            child.setEditable(False)
            child.setData("organization", KIND_ROLE)
            child.setData(org.id, ID_ROLE)
            _label(child, org)
            item.appendRow(child)

    def refresh_counts(self) -> bool:
        """The head counts of the organizations shown («Tổ … (5)» once a member is added),
        read again for the units already opened; True when one changed."""
        changed = False
        units = [self.item(row) for row in range(self.rowCount())]
        while units:
            unit = units.pop()
            if not unit.data(LOADED_ROLE):
                continue
            children = [unit.child(row) for row in range(unit.rowCount())]
            orgs = {c.data(ID_ROLE): c for c in children if c.data(KIND_ROLE) == "organization"}
            units.extend(c for c in children if c.data(KIND_ROLE) == "unit")
            if not orgs:
                continue
            for org in rosters.organizations_in(self._conn, unit.data(ID_ROLE)):
                item = orgs.get(org.id)
                if item is not None and _label(item, org):
                    changed = True
        return changed


def _label(item: QStandardItem, org: rosters.OrgNode) -> bool:
    """An organization's name and head count on its tree item; True when the text changed."""
    text = f"{org.name} ({org.members})"
    if item.text() == text:
        return False
    item.setText(text)
    members = ngettext("{n} thành viên", "{n} thành viên", org.members).format(n=org.members)
    item.setToolTip(f"{org.name}\n{members}")
    return True
