"""The main window: menu, navigation tree and a read-only roster of the selected place."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from PySide6.QtCore import QModelIndex, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTableView,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from desktop import APP_NAME, __version__
from desktop.i18n import _
from desktop.storage import rosters, site
from desktop.ui.navigation import ID_ROLE, KIND_ROLE, NavigationModel
from desktop.ui.roster_model import RosterModel


def format_count(n: int) -> str:
    """4.400: Vietnamese thousands separator."""
    return f"{n:,}".replace(",", ".")


class MainWindow(QMainWindow):
    def __init__(self, conn: sqlite3.Connection, db_path: Path) -> None:
        super().__init__()
        self.conn = conn
        self.db_path = db_path
        self.site = site.load_site(conn)
        self.setWindowTitle(f"{APP_NAME} — {self.site.name if self.site else db_path.name}")
        self.resize(1200, 760)

        self.nav_model = NavigationModel(conn, self)
        self.tree = QTreeView()
        self.tree.setModel(self.nav_model)
        self.tree.setUniformRowHeights(True)
        self.tree.expanded.connect(self._on_expanded)
        self.tree.selectionModel().currentChanged.connect(self._on_current_changed)

        self.roster_model = RosterModel(conn, self)
        self.table = QTableView()
        self.table.setModel(self.roster_model)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.horizontalHeader().setStretchLastSection(True)

        self.title = QLabel()
        self.title.setObjectName("rosterTitle")
        self.title.setStyleSheet("font-size: 15px; font-weight: bold; padding: 4px 0;")
        self.search = QLineEdit()
        self.search.setPlaceholderText(_("Tìm theo họ tên, số định danh, điện thoại "
                                         "(không cần gõ dấu)…"))
        self.search.setClearButtonEnabled(True)
        self._search_timer = QTimer(self, singleShot=True, interval=150)
        self._search_timer.timeout.connect(self._refresh_roster)
        self.search.textChanged.connect(self._search_timer.start)

        right = QWidget()
        layout = QVBoxLayout(right)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.title)
        layout.addWidget(self.search)
        layout.addWidget(self.table)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.tree)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([320, 880])
        self.setCentralWidget(self.splitter)

        self._scope = rosters.Scope()
        self._scope_title = _("Tất cả mọi người")
        self._build_menu()
        self._load_tree()
        self._restore_geometry()
        self._refresh_roster()

    # -- building ----------------------------------------------------------------------

    def _build_menu(self) -> None:
        file_menu = self.menuBar().addMenu(_("&Tệp"))
        open_action = QAction(_("&Mở cơ sở dữ liệu…"), self)
        open_action.setShortcut(QKeySequence.StandardKey.Open)
        open_action.triggered.connect(self._open_other)
        file_menu.addAction(open_action)
        file_menu.addSeparator()
        quit_action = QAction(_("&Thoát"), self)
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        view_menu = self.menuBar().addMenu(_("&Xem"))
        refresh = QAction(_("&Làm mới"), self)
        refresh.setShortcut(QKeySequence.StandardKey.Refresh)
        refresh.triggered.connect(self._reload)
        view_menu.addAction(refresh)
        find = QAction(_("&Tìm kiếm"), self)
        find.setShortcut(QKeySequence.StandardKey.Find)
        find.triggered.connect(lambda: self.search.setFocus())
        view_menu.addAction(find)

        help_menu = self.menuBar().addMenu(_("Trợ &giúp"))
        about = QAction(_("&Giới thiệu"), self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    def _load_tree(self) -> None:
        province = None
        if self.site is not None:
            province = self.site.unit_code if self.site.site_kind == "province" else \
                self._province_of_commune(self.site.unit_code)
        self.nav_model.load_roots(province)
        if self.nav_model.rowCount() == 1:
            root = self.nav_model.index(0, 0)
            self.tree.expand(root)
            if self.site is not None and self.site.site_kind == "commune":
                self._expand_site_commune(root)

    def _province_of_commune(self, code: str) -> str | None:
        unit_id = rosters.unit_of_site(self.conn, code)
        if unit_id is None:
            return None
        for root in rosters.root_units(self.conn):
            if any(c.id == unit_id for c in rosters.child_units(self.conn, root.id)):
                return root.code
        return None

    def _expand_site_commune(self, root: QModelIndex) -> None:
        unit_id = rosters.unit_of_site(self.conn, self.site.unit_code) if self.site else None
        for row in range(self.nav_model.rowCount(root)):
            index = self.nav_model.index(row, 0, root)
            if index.data(ID_ROLE) == unit_id:
                self.tree.expand(index)
                self.tree.setCurrentIndex(index)
                return

    # -- reacting ----------------------------------------------------------------------

    def _on_expanded(self, index: QModelIndex) -> None:
        self.nav_model.ensure_children(self.nav_model.itemFromIndex(index))

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid() or current.data(ID_ROLE) is None:
            return
        kind = current.data(KIND_ROLE)
        self._scope = rosters.Scope("organization" if kind == "organization" else "unit",
                                    current.data(ID_ROLE))
        self._scope_title = current.data(Qt.ItemDataRole.DisplayRole)
        self._refresh_roster()

    def _refresh_roster(self) -> None:
        text = self.search.text().strip() or None
        self.roster_model.set_scope(self._scope, text)
        self.table.setColumnWidth(0, 230)
        total = self.roster_model.total
        self.title.setText(self._scope_title)
        self.statusBar().showMessage(_("{n} người").format(n=format_count(total)))

    def _reload(self) -> None:
        self._load_tree()
        self._refresh_roster()

    def _open_other(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, _("Mở cơ sở dữ liệu"), str(self.db_path.parent),
            _("Cơ sở dữ liệu ANTQ (*.db);;Mọi tệp (*)"))
        if path:
            from desktop.ui.app import reopen

            reopen(self, Path(path))

    def _about(self) -> None:
        QMessageBox.about(self, _("Giới thiệu"), _(
            "<b>{app}</b> {v}<br>Hồ sơ phong trào Toàn dân bảo vệ an ninh Tổ quốc.<br>"
            "Cơ sở dữ liệu: {db}").format(app=APP_NAME, v=__version__, db=self.db_path))

    # -- remembering the window --------------------------------------------------------

    def _restore_geometry(self) -> None:
        settings = QSettings()
        geometry = settings.value("main/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = settings.value("main/splitter")
        if state is not None:
            self.splitter.restoreState(state)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        settings = QSettings()
        settings.setValue("main/geometry", self.saveGeometry())
        settings.setValue("main/splitter", self.splitter.saveState())
        super().closeEvent(event)
