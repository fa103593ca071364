"""The main window: the navigation tree on the left, the pages on the right, menus with their
shortcuts, a status bar that says what happened."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from PySide6.QtCore import QModelIndex, QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QMainWindow,
    QSplitter,
    QTabWidget,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from desktop import APP_NAME
from desktop.i18n import _
from desktop.storage import rosters, site
from desktop.storage.history import UndoStack
from desktop.storage.writer import Store
from desktop.ui.navigation import ID_ROLE, KIND_ROLE, NavigationModel
from desktop.ui.pages import AppContext, DeletedPage, Selection
from desktop.ui.tasks import TaskRunner


def _ui(module: str):
    """A dialog module of desktop.ui, imported when its menu entry is first used: start-up
    should not pay for the About box (importlib.metadata) or babel."""
    import importlib

    return importlib.import_module(f"desktop.ui.{module}")


class MainWindow(QMainWindow):
    # (name, tab label); each page is also an attribute of that name (window.meetings …)
    PAGES = (
        ("home", _("Trang chủ")), ("people", _("Người")), ("organizations", _("Tổ chức")),
        ("meetings", _("Biên bản họp")), ("models", _("Mô hình")),
        ("deeds", _("Người tốt, việc tốt")), ("catalogues", _("Danh mục")),
        ("deleted", _("Đã xóa gần đây")),
    )

    def __init__(self, conn: sqlite3.Connection, db_path: Path) -> None:
        super().__init__()
        self.conn = conn
        self.db_path = db_path
        self.site = site.load_site(conn)
        self.setWindowTitle(f"{APP_NAME} — {self.site.name if self.site else db_path.name}")
        self.resize(1280, 800)
        self.store = Store(conn)
        self.undo = UndoStack(self.store)
        self.tasks = TaskRunner(self)
        self.ctx = AppContext(conn, db_path, self.undo, self.tasks, self.notify, self.changed,
                              self.site)

        self.nav_model = NavigationModel(conn, self)
        self.tree = QTreeView()
        self.tree.setModel(self.nav_model)
        self.tree.setUniformRowHeights(True)
        self.tree.expanded.connect(self._on_expanded)
        self.tree.selectionModel().currentChanged.connect(self._on_current_changed)

        self._sync = None
        self._built: dict[str, QWidget] = {}
        self.tabs = QTabWidget()
        self.slots: list[QWidget] = []
        for _name, label in self.PAGES:
            slot = QWidget()  # the page itself is built when first shown
            QVBoxLayout(slot).setContentsMargins(0, 0, 0, 0)
            self.slots.append(slot)
            self.tabs.addTab(slot, label)
        self.tabs.currentChanged.connect(lambda _i: self._refresh_current())

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.tree)
        self.splitter.addWidget(self.tabs)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([320, 960])
        self.setCentralWidget(self.splitter)

        self.selection = Selection(title=_("Tất cả"))
        self._dirty: set[int] = set()
        self._building = True  # one refresh at the end, not one per step of building
        self._build_menu()
        self._load_tree()
        self._restore_state()
        self._building = False
        self._apply_selection()
        self.statusBar().showMessage(_("Sẵn sàng"))

    # -- menus -------------------------------------------------------------------------

    def _action(self, menu, text: str, slot, shortcut=None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_menu(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(_("&Tệp"))
        self._action(file_menu, _("&Mở cơ sở dữ liệu…"), self._open_other,
                     QKeySequence.StandardKey.Open)
        self._action(file_menu, _("&Khôi phục từ bản sao lưu…"),
                     lambda: _ui("backup_dialog").restore_from_backup(self))
        file_menu.addSeparator()
        self._action(file_menu, _("&Cài đặt…"),
                     lambda: _ui("settings_dialog").SettingsDialog(self).open())
        file_menu.addSeparator()
        self._action(file_menu, _("&Thoát"), self.close, "Ctrl+Q")

        edit = bar.addMenu(_("&Sửa"))
        self.undo_action = self._action(edit, _("&Hoàn tác"), self.undo_last,
                                        QKeySequence.StandardKey.Undo)
        edit.addSeparator()
        self._action(edit, _("&Thêm mới…"), lambda: self.current_page_call("add"),
                     QKeySequence.StandardKey.New)
        self._action(edit, _("&Sửa bản ghi đang chọn…"),
                     lambda: self.current_page_call("edit_current"), "F2")
        self._action(edit, _("&Xóa bản ghi đang chọn…"),
                     lambda: self.current_page_call("delete_current"),
                     QKeySequence.StandardKey.Delete)

        sync_menu = bar.addMenu(_("Đồng &bộ"))
        self._action(sync_menu, _("&Ghi ra USB…"), lambda: self.sync.export_to_usb(),
                     "Ctrl+Shift+E")
        self._action(sync_menu, _("&Nhập từ USB…"), lambda: self.sync.import_from_usb(),
                     "Ctrl+Shift+I")
        self._action(sync_menu, _("&Xung đột dữ liệu…"), lambda: self.sync.show_conflicts())
        sync_menu.addSeparator()
        self._action(sync_menu, _("Điểm đồng bộ và &khóa…"), lambda: self.sync.show_sites())

        view = bar.addMenu(_("&Xem"))
        self._action(view, _("&Tìm kiếm"), self._focus_search, QKeySequence.StandardKey.Find)
        self._action(view, _("&Làm mới"), self._reload_all, QKeySequence.StandardKey.Refresh)
        view.addSeparator()
        for i, (_name, label) in enumerate(self.PAGES):
            self._action(view, label, lambda _c=False, i=i: self.tabs.setCurrentIndex(i),
                         f"Ctrl+{i + 1}")

        help_menu = bar.addMenu(_("Trợ &giúp"))
        self._action(help_menu, _("&Dữ liệu của tôi ở đâu"),
                     lambda: _ui("about").show_data_folder(self, self.db_path))
        self._action(help_menu, _("&Giới thiệu"),
                     lambda: _ui("about").show_about(self, self.db_path))

    # -- tree --------------------------------------------------------------------------

    def _load_tree(self) -> None:
        province = None
        if self.site is not None:
            province = self.site.unit_code if self.site.site_kind == "province" else \
                rosters.province_of(self.conn, self.site.unit_code)
        self.nav_model.load_roots(province)
        if self.nav_model.rowCount() == 1:
            root = self.nav_model.index(0, 0)
            self.tree.expand(root)
            # Chosen here, so the tree taking focus later does not pick it again.
            self.tree.setCurrentIndex(root)
            if self.site is not None and self.site.site_kind == "commune":
                unit_id = rosters.unit_of_site(self.conn, self.site.unit_code)
                for row in range(self.nav_model.rowCount(root)):
                    index = self.nav_model.index(row, 0, root)
                    if index.data(ID_ROLE) == unit_id:
                        self.tree.expand(index)
                        self.tree.setCurrentIndex(index)

    def _on_expanded(self, index: QModelIndex) -> None:
        self.nav_model.ensure_children(self.nav_model.itemFromIndex(index))

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid() or current.data(ID_ROLE) is None:
            return
        title = str(current.data(Qt.ItemDataRole.DisplayRole))
        if current.data(KIND_ROLE) == "organization":
            org = current.data(ID_ROLE)
            self.selection = Selection(rosters.organization_unit(self.conn, org), org, title)
        else:
            self.selection = Selection(current.data(ID_ROLE), None, title)
        self._apply_selection()

    def _apply_selection(self) -> None:
        self._dirty = set(range(len(self.PAGES)))
        if not self._building:
            self._refresh_current()

    def _refresh_current(self) -> None:
        """Pages are refreshed when shown, not all at once: one query, not seven."""
        i = self.tabs.currentIndex()
        if i in self._dirty and not self._building:
            page = self.page(self.PAGES[i][0])
            if isinstance(page, DeletedPage):
                page.reload()
            else:
                page.set_selection(self.selection)
            self._dirty.discard(i)

    @property
    def sync(self):
        """The sync actions, loaded on first use (cryptography is not needed to start)."""
        if self._sync is None:
            from desktop.ui.sync_dialogs import SyncActions

            self._sync = SyncActions(self.ctx, self)
        return self._sync

    def page(self, name: str) -> QWidget:
        """The page ``name``, built into its tab on first use."""
        page = self._built.get(name)
        if page is None:
            from desktop.ui.record_pages import build_page

            page = self._built[name] = build_page(name, self.ctx)
            index = [n for n, _label in self.PAGES].index(name)
            self.slots[index].layout().addWidget(page)
        return page

    def show_page(self, name: str) -> QWidget:
        self.tabs.setCurrentIndex([n for n, _label in self.PAGES].index(name))
        return self.page(name)

    # -- actions -----------------------------------------------------------------------

    def current_page_call(self, name: str):
        page = self.page(self.PAGES[self.tabs.currentIndex()][0])
        method = getattr(page, name, None)
        return method() if method else None

    def notify(self, message: str) -> None:
        self.statusBar().showMessage(message, 8000)

    def changed(self) -> None:
        self.undo_action.setEnabled(self.undo.can_undo)
        self._apply_selection()

    def undo_last(self) -> None:
        try:
            change = self.undo.undo()
        except Exception as e:  # the record changed meanwhile (another window, a bundle)
            self.notify(_("Không hoàn tác được: {e}").format(e=e))
            return
        if change is None:
            self.notify(_("Không còn gì để hoàn tác"))
            return
        self.changed()
        self.notify(_("Đã hoàn tác"))

    def _focus_search(self) -> None:
        page = self.page(self.PAGES[self.tabs.currentIndex()][0])
        search = getattr(page, "search", None)
        if search is not None:
            search.setFocus()
            search.selectAll()

    def _reload_all(self) -> None:
        self._load_tree()
        self._apply_selection()

    def _open_other(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, _("Mở cơ sở dữ liệu"), str(self.db_path.parent),
            _("Cơ sở dữ liệu ANTQ (*.db);;Mọi tệp (*)"))
        if path:
            from desktop.ui.app import reopen

            reopen(self, Path(path))


    # -- remembering the window --------------------------------------------------------

    def _restore_state(self) -> None:
        settings = QSettings()
        geometry = settings.value("main/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = settings.value("main/splitter")
        if state is not None:
            self.splitter.restoreState(state)
        tab = settings.value("main/tab", 1, type=int)  # the people page, the first time
        self.tabs.setCurrentIndex(tab if 0 <= tab < self.tabs.count() else 1)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        settings = QSettings()
        settings.setValue("main/geometry", self.saveGeometry())
        settings.setValue("main/splitter", self.splitter.saveState())
        settings.setValue("main/tab", self.tabs.currentIndex())
        for page in self._built.values():  # a pending search must not run after closing
            for name in ("_timer", "_count_timer"):
                timer = getattr(page, name, None)
                if timer is not None:
                    timer.stop()
        if self.tasks.busy:  # a document or an import still running: let it finish
            self.notify(_("Đang chờ công việc đang chạy kết thúc…"))
            self.tasks.pool.waitForDone(30000)
        super().closeEvent(event)


def _page_property(name: str) -> property:
    return property(lambda self: self.page(name), doc=f"The {name} page (built on first use).")


for _name, _label in MainWindow.PAGES:
    setattr(MainWindow, _name, _page_property(_name))
