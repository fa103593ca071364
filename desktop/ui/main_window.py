"""The main window: the navigation tree on the left, the pages on the right, menus with their
shortcuts, a status bar that says what happened."""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QModelIndex, QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from desktop import APP_NAME, __version__
from desktop.domain.kinds import KINDS
from desktop.i18n import _
from desktop.storage import records, rosters, site
from desktop.storage.history import UndoStack
from desktop.storage.writer import Store
from desktop.ui.editors import MeetingDialog, ModelDialog, OrganizationDialog
from desktop.ui.navigation import ID_ROLE, KIND_ROLE, NavigationModel
from desktop.ui.pages import AppContext, DeletedPage, RecordPage, Selection
from desktop.ui.people_page import PeoplePage
from desktop.ui.record_dialog import RecordDialog
from desktop.ui.tasks import TaskRunner


class OrganizationPage(RecordPage):
    dialog_class = OrganizationDialog


class MeetingPage(RecordPage):
    dialog_class = MeetingDialog

    def __init__(self, ctx: AppContext, *args, **kw) -> None:
        super().__init__(ctx, *args, **kw)
        self.print_button = QPushButton(_("In biên bản…"))
        self.print_button.clicked.connect(self.print_minutes)
        self.toolbar.addWidget(self.print_button)

    def print_minutes(self) -> None:
        """Mẫu 1.9 of the selected minutes."""
        from desktop.reports.minutes import render_minutes
        from desktop.ui.print_preview import print_document

        meeting_id = self.current_id()
        if meeting_id is None:
            self.ctx.notify(_("Chọn một biên bản trước"))
            return
        print_document(self.ctx.tasks, self.ctx.db_path, _("Biên bản"), "bien-ban.pdf",
                       lambda conn, _ctx: render_minutes(conn, meeting_id), self,
                       self.ctx.notify)


class ModelPage(RecordPage):
    dialog_class = ModelDialog

    def __init__(self, ctx: AppContext, *args, **kw) -> None:
        super().__init__(ctx, *args, **kw)
        self.replicate_button = QPushButton(_("Nhân rộng…"))
        self.replicate_button.setToolTip(_("Mô hình đang chọn được nhân rộng tới địa bàn "
                                           "đang chọn bên trái"))
        self.replicate_button.clicked.connect(self.replicate)
        self.toolbar.addWidget(self.replicate_button)

    def query(self) -> records.Query:
        """A village shows its commune's models: those are the ones replicated into it."""
        q = super().query()
        if q.unit_scope:
            q = replace(q, unit_scope=rosters.commune_of(self.ctx.conn, q.unit_scope)
                        or q.unit_scope)
        return q

    def replicate(self) -> RecordDialog | None:
        """Two clicks: select a village in the tree and a model here, then Nhân rộng, Lưu."""
        model_id = self.current_id()
        if model_id is None:
            self.ctx.notify(_("Chọn một mô hình trước"))
            return None
        presets: dict[str, object] = {"model_id": model_id}
        dialog = RecordDialog(self.ctx.undo, KINDS["replication"], None, presets=presets,
                              unit_scope=self.selection.unit_id, parent=self)
        if self.selection.unit_id:
            dialog.editors["unit_id"].set_value(self.selection.unit_id, "")
        dialog.editors["replicated_date"].widget.setText(dt.date.today().strftime("%d/%m/%Y"))
        dialog.saved.connect(self._saved)
        dialog.open()
        return dialog


class MainWindow(QMainWindow):
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
        self._home = None  # built when first shown: it brings the report code (reportlab)
        self.home_slot = QWidget()
        QVBoxLayout(self.home_slot).setContentsMargins(0, 0, 0, 0)
        self.people = PeoplePage(self.ctx)
        self.organizations = OrganizationPage(
            self.ctx, "organization", ("name", "org_type", "unit_id", "founded_date",
                                       "decision_number", "status"),
            filters=("org_type", "status"))
        self.meetings = MeetingPage(
            self.ctx, "meeting", ("number", "title", "started_at", "organization_id", "place"),
            filters=("kind",), newest_first=True)
        self.models = ModelPage(
            self.ctx, "model", ("name", "model_type", "unit_id", "started_date", "status",
                                "is_point"), filters=("model_type", "status"))
        self.deeds = RecordPage(
            self.ctx, "deed", ("deed_date", "person_id", "organization_id", "description",
                               "commendation_form", "commendation_level"),
            filters=("commendation_form",), newest_first=True)
        self.catalogues = RecordPage(self.ctx, "catalogue", ("catalogue", "code", "name",
                                                             "aliases", "sort_order"))
        self.deleted = DeletedPage(self.ctx)

        self.tabs = QTabWidget()
        self.pages = [
            (self.home_slot, _("Trang chủ")), (self.people, _("Người")),
            (self.organizations, _("Tổ chức")),
            (self.meetings, _("Biên bản họp")), (self.models, _("Mô hình")),
            (self.deeds, _("Người tốt, việc tốt")), (self.catalogues, _("Danh mục")),
            (self.deleted, _("Đã xóa gần đây")),
        ]
        for page, label in self.pages:
            self.tabs.addTab(page, label)
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
        for i, (_page, label) in enumerate(self.pages):
            self._action(view, label, lambda _c=False, i=i: self.tabs.setCurrentIndex(i),
                         f"Ctrl+{i + 1}")

        help_menu = bar.addMenu(_("Trợ &giúp"))
        self._action(help_menu, _("&Giới thiệu"), self._about)

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
        self._dirty = set(range(len(self.pages)))
        if not self._building:
            self._refresh_current()

    def _refresh_current(self) -> None:
        """Pages are refreshed when shown, not all at once: one query, not seven."""
        i = self.tabs.currentIndex()
        if i in self._dirty and not self._building:
            page = self.pages[i][0]
            if page is self.home_slot:
                page = self.home
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

    @property
    def home(self):
        if self._home is None:
            from desktop.ui.home_page import HomePage

            self._home = HomePage(self.ctx)
            self.home_slot.layout().addWidget(self._home)
        return self._home

    # -- actions -----------------------------------------------------------------------

    def current_page_call(self, name: str):
        page = self.tabs.currentWidget()
        method = getattr(self.home if page is self.home_slot else page, name, None)
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
        page = self.tabs.currentWidget()
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

    def _about(self) -> None:
        QMessageBox.about(self, _("Giới thiệu"), _(
            "<b>{app}</b> {v}<br>Hồ sơ phong trào Toàn dân bảo vệ an ninh Tổ quốc.<br>"
            "Cơ sở dữ liệu: {db}").format(app=APP_NAME, v=__version__, db=self.db_path))

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
        for page, _label in self.pages:  # a pending search must not run after closing
            for name in ("_timer", "_count_timer"):
                timer = getattr(page, name, None)
                if timer is not None:
                    timer.stop()
        super().closeEvent(event)
