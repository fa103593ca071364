"""The main window: the navigation tree on the left, the pages on the right, menus with their
shortcuts, a status bar that says what happened."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QSettings, QTimer, Signal
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QTreeView,
    QWidget,
)

from desktop import APP_NAME
from desktop.i18n import _, pgettext
from desktop.ui.common.after_paint import AfterPaint
from desktop.ui.common.dialogs import LastShown, free_on_close, run_modal
from desktop.ui.shell import collector
from desktop.ui.shell.sections import SectionedPages

if TYPE_CHECKING:
    from collections.abc import Callable

    # (QAction and QKeySequence named where the menus are built, behind the login prompt:
    # PySide builds a class and its enums when first named, 1.7 ms before the prompt)
    from PySide6.QtGui import QAction

    # (the database driver loads while the password is typed, desktop/ui/shell/preload.py)
    from desktop.storage import dbapi
    from desktop.ui.common.tasks import TaskRunner
    from desktop.ui.records.pages import AppContext, Selection
    from desktop.ui.shell.navigation import NavigationModel


FILL_AT_LATEST_MS = 500


def _ui(module: str):
    """A dialog module of desktop.ui, imported when its menu entry is first used: start-up
    should not pay for the About box (importlib.metadata) or babel."""
    import importlib

    return importlib.import_module(f"desktop.ui.{module}")


PAGES_MIN_WIDTH = 480


class MainWindow(QMainWindow):
    # (name, tab label); each page is also an attribute of that name (window.meetings …)
    PAGES = (
        # The people's page has a tab of its own words: «Người» is also the record kind
        # (English "Person"), the page lists many ("People").
        ("home", _("Trang chủ")), ("people", pgettext("page", "Người")),
        ("organizations", _("Tổ chức")),
        ("areas", _("Địa bàn")), ("meetings", _("Biên bản họp")), ("models", _("Mô hình")),
        ("deeds", _("Người tốt, việc tốt")), ("tips", _("Nguồn tin")),
        ("cameras", _("Camera")), ("establishments", _("Cơ quan, trường học")),
        ("safety", _("An toàn ANTT")), ("crime", _("Tội phạm")),
        ("catalogues", _("Danh mục")),
        ("deleted", _("Đã xóa gần đây")), ("audit", _("Nhật ký")), ("duplicates", _("Trùng lặp")),
        ("communes", _("Các xã")),  # the province only: hidden at a commune
    )
    # The pages in sections named in the officer's words (desktop/ui/shell/sections.py): each
    # page in one, every section's tab and its pages' tabs in view at 1024 px.
    SECTIONS = (
        ("home", _("Trang chủ"), ("home",)),
        ("people", _("Tổ chức và con người"), ("people", "organizations", "areas", "meetings")),
        ("movement", _("Phong trào"), ("models", "deeds", "cameras", "establishments", "safety")),
        ("tips", _("Nguồn tin"), ("tips", "crime")),
        ("communes", _("Các xã"), ("communes",)),
        ("admin", _("Quản trị"), ("catalogues", "duplicates", "deleted", "audit")),
    )

    # Emitted once the window holds its data (see ``fill``).
    filled = Signal()
    # The dialogs tests reach, held weakly: a closed one is freed (common/dialogs.py).
    login_dialog: LastShown[QWidget] = LastShown()
    settings_dialog: LastShown[QWidget] = LastShown()
    accounts_dialog: LastShown[QWidget] = LastShown()
    password_dialog: LastShown[QWidget] = LastShown()

    def __init__(self, conn: dbapi.Connection | None, db_path: Path, *, fill_now: bool = True
                 ) -> None:
        """The window's frame: menus, the tree, the tabs. What reads the database is built by
        ``fill``: here at once, or with ``fill_now=False`` right after the frame is first
        painted, so that the program is seen to start before the storage modules are even
        imported (start-up budget, DESIGN.md). Without ``conn`` the officer logs in once the
        frame has painted (the database is encrypted)."""
        super().__init__()
        self.conn = conn
        self.db_path = db_path
        self.setWindowTitle(APP_NAME)
        self.resize(1280, 800)

        self.tree = QTreeView()
        self.tree.setUniformRowHeights(True)
        # Right-click a commune or a village: add, rename, merge, retire villages (the policy
        # set by ``fill``: the Qt namespace's enums cost 25 ms before the first paint).
        self.tree.customContextMenuRequested.connect(
            lambda pos: self.is_filled and _ui("places.areas_page").tree_menu(self, pos))
        # The pages' tabs, in sections; each page is built into its slot when first shown.
        self.tabs = SectionedPages(self.PAGES, self.SECTIONS)
        self.slots: list[QWidget] = self.tabs.slots
        self.splitter = QSplitter()  # horizontal
        self.splitter.addWidget(self.tree)
        self.splitter.addWidget(self.tabs)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setCollapsible(0, False)
        # The pages' own minimum widths differ (a wide table, a narrow list): without a
        # minimum of its own the tab widget takes the widest, and showing that page squeezed
        # the tree. The tree keeps the width the officer gave it (remembered at closing).
        self.tabs.setMinimumWidth(PAGES_MIN_WIDTH)
        self.splitter.setSizes([320, 960])
        # A stack: the screen lock puts its page over the tree and the pages (idle_lock.py).
        self.central = QStackedWidget()
        self.central.addWidget(self.splitter)
        self.setCentralWidget(self.central)
        self.screen_lock = None  # made by ``fill``, once an account is logged in

        self._sync = None
        self._built: dict[str, QWidget] = {}
        self._early: dict[str, QWidget] = {}  # built without data (build_first_page)
        self._dirty: set[int] = set()
        self._building = True  # one refresh at the end, not one per step of building
        self.is_filled = False
        # The menu bar's titles are part of the frame; their entries (43 actions and their
        # shortcuts) are not seen before a menu opens, and no menu opens while the login asks:
        # a start that logs in builds them behind the login prompt (``_log_in``), any other
        # at once (issue 12, the start budget).
        self.actions_needing_data: list[QAction] = []
        self._menus = [self.menuBar().addMenu(title) for title in (
            _("&Tệp"), _("&Sửa"), _("Đồng &bộ"), _("&Xem"), _("Trợ &giúp"))]
        self._menus_built = False
        if fill_now or conn is not None:
            self._build_menu()
        self._restore_state()
        self.tabs.currentChanged.connect(lambda _i: self._refresh_current())
        if fill_now:
            self.fill()
        else:
            self._fill_after_paint = AfterPaint(self, self._fill_deferred)
            # Should no paint come (a window restored minimised), fill anyway.
            QTimer.singleShot(FILL_AT_LATEST_MS, self, self._fill_deferred)
            self.statusBar().showMessage(_("Đang mở dữ liệu…"))

    def _fill_deferred(self) -> None:
        # The fallback timer firing while the officer is still typing the password must
        # neither ask again nor close the window: the dialog in progress fills it.
        if self.is_filled or not self.isVisible() or getattr(self, "_logging_in", False):
            return
        if self.conn is None and not self._log_in():
            self.close()
            return
        try:
            self.fill()
        except Exception as e:  # a damaged database: say so, rather than a window that waits
            from PySide6.QtWidgets import QMessageBox

            QMessageBox.critical(self, APP_NAME,
                                 _("Không đọc được dữ liệu của {p}: {e}").format(
                                     p=self.db_path, e=e))
            self.close()

    def _log_in(self) -> bool:
        """The login dialog over the painted frame; True once the database is open."""
        from desktop.ui.accounts.login import LoginDialog
        from desktop.ui.shell.preload import Preloader

        self._logging_in = True
        try:
            dialog = LoginDialog(self.db_path, self, demo=self.db_path.name == "demo.db")
            self.login_dialog = dialog
            # While the officer types, what the login and the first page need is imported;
            # whatever is left once the dialog closes is imported where it is used, never
            # between the login and the first rows.
            self.preloader = Preloader(dialog, first=(self._build_menu,),
                                       last=(self.build_first_page,))
            self.preloader.start()
            accepted = run_modal(dialog) == LoginDialog.DialogCode.Accepted
            self.preloader.stop()
            if not accepted:
                return False
        finally:
            self._logging_in = False
        self.conn = dialog.conn
        if dialog.notes:  # (QMessageBox named only then: 1 ms before the prompt otherwise)
            from PySide6.QtWidgets import QMessageBox

            QMessageBox.information(self, APP_NAME, "\n\n".join(dialog.notes))
        return True

    def show_account(self) -> None:
        from desktop.storage import accounts

        account = accounts.current(self.conn)
        if account is None:
            return
        if getattr(self, "account_label", None) is None:
            self.account_label = QLabel()
            self.statusBar().addPermanentWidget(self.account_label)
        self.account_label.setText(_("Người dùng: {n} ({r})").format(
            n=account.full_name or account.name, r=account.role_name))
        # Tệp → Người dùng… for the chief; others see why not (the storage layer's words).
        try:
            accounts.require(self.conn, "accounts")
            why = ""
        except accounts.PermissionDenied as e:
            why = str(e)
        self.accounts_action.setEnabled(not why)
        self.accounts_action.setToolTip(why or self.accounts_action.text().replace("&", ""))
        self.accounts_action.setStatusTip(why)

    def fill(self) -> None:
        """Everything that reads the database: the context the pages share, the tree, the
        current page."""
        if self.is_filled:
            return
        self._build_menu()  # if the officer logged in before the preloader's first turn
        from desktop.storage import site
        from desktop.storage.history import UndoStack
        from desktop.storage.writer import Store
        from desktop.ui.common.tasks import TaskRunner
        from desktop.ui.records.pages import AppContext, Selection
        from desktop.ui.shell.navigation import NavigationModel

        self.site = site.load_site(self.conn)
        self.setWindowTitle(f"{APP_NAME} — "
                            f"{self.site.name if self.site else self.db_path.name}")
        self.store = Store(self.conn)
        self.undo = UndoStack(self.store)
        self.tasks: TaskRunner = TaskRunner(self)
        self.ctx: AppContext = AppContext(self.conn, self.db_path, self.undo, self.tasks,
                                          self.notify, self.changed, self.site)
        self.nav_model: NavigationModel = NavigationModel(self.conn, self)
        self.tree.setModel(self.nav_model)
        from PySide6.QtCore import Qt

        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.expanded.connect(self._on_expanded)
        self.tree.selectionModel().currentChanged.connect(self._on_current_changed)
        self.selection: Selection = Selection(title=_("Tất cả"))
        self._load_tree()
        self._restore_location()
        self.is_filled = True
        self._building = False
        for action in self.actions_needing_data:
            action.setEnabled(True)
        self.undo_action.setEnabled(self.undo.can_undo)
        self._apply_selection()
        self.statusBar().showMessage(_("Sẵn sàng"))
        self.show_account()
        from desktop.storage import accounts
        from desktop.ui.accounts.idle_lock import ScreenLock

        self.screen_lock = ScreenLock(self, accounts.idle_minutes(self.conn))
        province = self.site is not None and self.site.site_kind == "province"
        self.tabs.setTabVisible([n for n, _l in self.PAGES].index("communes"), province)
        self.page_actions["communes"].setVisible(province)  # Xem → Các xã too
        # The sync folder, when one is named: a moment after start (its modules are not
        # needed to show the window), then on a timer (desktop/ui/exchange/province_sync.py).
        # A timer of the window's, so that closing the window or its data cancels it.
        self._sync_folder_later = QTimer(self, singleShot=True, interval=2000)
        self._sync_folder_later.timeout.connect(self._start_sync_folder)
        self._sync_folder_later.start()
        collector.freeze_after_start(self)
        self.filled.emit()

    def _start_sync_folder(self) -> None:
        # Importing the sync modules holds the UI thread ~50 ms (a key typed then waits):
        # not done when no folder is named. Naming one (Đồng bộ → Thư mục đồng bộ…) starts
        # its runner then.
        from desktop.storage.site import get_meta

        if self.is_filled and get_meta(self.conn, "sync_folder"):  # FOLDER_KEY
            _ui("exchange.province_sync").start(self)

    # -- menus -------------------------------------------------------------------------

    def _action(self, menu, text: str, slot, shortcut=None, *, needs_data: bool = True
                ) -> QAction:
        from PySide6.QtGui import QAction, QKeySequence

        action = QAction(text, self)
        # setShortcuts, not setShortcut or QKeySequence(...): resolving their overloads builds
        # every enum of Qt's namespace (14 ms) before the window can show.
        if isinstance(shortcut, QKeySequence.StandardKey):
            action.setShortcuts(shortcut)  # every binding of the platform for this key
        elif shortcut is not None:
            action.setShortcuts([QKeySequence.fromString(shortcut)])
        action.triggered.connect(slot)
        menu.addAction(action)
        if needs_data:  # enabled by ``fill``
            self.actions_needing_data.append(action)
        return action

    def _build_menu(self) -> None:
        """The menus' entries, once; those that need the data disabled until ``fill``."""
        if self._menus_built:
            return
        self._menus_built = True
        from PySide6.QtGui import QKeySequence

        file_menu, edit, sync_menu, view, help_menu = self._menus
        self._action(file_menu, _("&Mở cơ sở dữ liệu…"), self._open_other,
                     QKeySequence.StandardKey.Open, needs_data=False)
        self._action(file_menu, _("&Khôi phục từ bản sao lưu…"),
                     lambda: _ui("accounts.backup_dialog").restore_from_backup(self))
        file_menu.addSeparator()
        self._action(file_menu, _("&Cài đặt…"), lambda: self._settings())
        file_menu.addSeparator()
        self.accounts_action = self._action(file_menu, _("&Người dùng…"),
                                            lambda: _ui("accounts.accounts_dialog")
                                            .show_accounts(self))
        file_menu.setToolTipsVisible(True)  # why «Người dùng…» is disabled
        self._action(file_menu, _("Đổi mật khẩ&u của tôi…"),
                     lambda: _ui("accounts.accounts_dialog").change_my_password(self))
        self._action(file_menu, _("Khóa màn &hình"), lambda: self.screen_lock.lock(), "Ctrl+L")
        file_menu.addSeparator()
        self._action(file_menu, _("&Thoát"), self.close, "Ctrl+Q", needs_data=False)

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

        self._action(sync_menu, _("&Ghi ra USB…"), lambda: self.sync.export_to_usb(),
                     "Ctrl+Shift+E")
        self._action(sync_menu, _("&Nhập từ USB…"), lambda: self.sync.import_from_usb(),
                     "Ctrl+Shift+I")
        self._action(sync_menu, _("Nhập &cả thư mục/USB…"),
                     lambda: _ui("exchange.province_sync").import_folder(self.sync))
        self._action(sync_menu, _("&Hoàn tác lần nhập gần nhất…"),
                     lambda: self.sync.undo_last_import())
        self._action(sync_menu, _("&Xung đột dữ liệu…"), lambda: self.sync.show_conflicts())
        sync_menu.addSeparator()
        self._action(sync_menu, _("Điểm đồng bộ và &khóa…"), lambda: self.sync.show_sites())
        self._action(sync_menu, _("&Thư mục đồng bộ…"),
                     lambda: _ui("exchange.province_sync").choose_folder(self.sync))
        self._action(sync_menu, _("Đồng bộ qua thư mục &ngay"),
                     lambda: _ui("exchange.province_sync").run_now(self))
        sync_menu.addSeparator()
        self._action(sync_menu, _("&Phát hành danh mục cho các xã…"),
                     lambda: _ui("exchange.reference_dialog").publish(self.sync))
        self._action(sync_menu, _("Áp dụng &danh mục của tỉnh…"),
                     lambda: _ui("exchange.reference_dialog").apply(self.sync))
        self._action(sync_menu, _("Kỳ số liệ&u đã phê duyệt…"),
                     lambda: _ui("exchange.approvals_dialog").show_own(self))

        self._action(view, _("&Tìm kiếm"), self._focus_search, QKeySequence.StandardKey.Find)
        self._action(view, _("&Làm mới"), self._reload_all, QKeySequence.StandardKey.Refresh)
        view.addSeparator()
        # Every page, section by section; Ctrl+1…9 the first nine of PAGES, as before sections.
        names = [n for n, _label in self.PAGES]
        self.page_actions: dict[str, QAction] = {}
        for _section, _label, pages in self.SECTIONS:
            view.addSeparator()
            for name in pages:
                i = names.index(name)
                self.page_actions[name] = self._action(
                    view, self.PAGES[i][1], lambda _c=False, i=i: self.tabs.setCurrentIndex(i),
                    f"Ctrl+{i + 1}" if i < 9 else None, needs_data=False)

        self._action(help_menu, _("&Dữ liệu của tôi ở đâu"),
                     lambda: _ui("shell.about").show_data_folder(self, self.db_path),
                     needs_data=False)
        self._action(help_menu, _("&Giới thiệu"),
                     lambda: _ui("shell.about").show_about(self, self.db_path), needs_data=False)
        if not self.is_filled:
            for action in self.actions_needing_data:
                action.setEnabled(False)

    # -- tree --------------------------------------------------------------------------

    def _load_tree(self) -> None:
        from desktop.storage import rosters
        from desktop.ui.shell.navigation import ID_ROLE

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

    def reload_tree(self, path: list[str] | None = None) -> None:
        """The tree read again (villages added, renamed, merged), then ``path`` (see
        ``location``) selected, or where the officer was."""
        where = path or self.location()
        self._building = True
        try:
            self._load_tree()
            self.go_to(where)
        finally:
            self._building = False
        self._apply_selection()

    def location(self) -> list[str]:
        """The ids from the tree's top to its current item: where the officer is."""
        from desktop.ui.shell.navigation import ID_ROLE

        path, index = [], self.tree.currentIndex()
        while index.isValid():
            path.insert(0, str(index.data(ID_ROLE)))
            index = index.parent()
        return path

    def go_to(self, path: list[str]) -> bool:
        """Select the tree item at ``path`` (see ``location``), expanding on the way; as far
        down as it still exists (a deleted organization leaves its village selected)."""
        from desktop.ui.shell.navigation import ID_ROLE

        parent, found = QModelIndex(), QModelIndex()
        for wanted in path:
            if parent.isValid():
                self.nav_model.ensure_children(self.nav_model.itemFromIndex(parent))
            match = next((self.nav_model.index(row, 0, parent)
                          for row in range(self.nav_model.rowCount(parent))
                          if self.nav_model.index(row, 0, parent).data(ID_ROLE) == wanted),
                         None)
            if match is None:
                break
            if parent.isValid():
                self.tree.expand(parent)
            parent = found = match
        if found.isValid():
            self.tree.setCurrentIndex(found)
            self.tree.scrollTo(found)
        return found.isValid() and len(self.location()) == len(path)

    def _restore_location(self) -> None:
        """Back where the officer was when this database was last closed."""
        saved = QSettings().value("main/location")
        if not isinstance(saved, str):
            return
        import json  # (preloaded while the password is typed: not before the frame)

        try:
            where = json.loads(saved)
        except ValueError:
            return
        if isinstance(where, dict) and where.get("db") == str(self.db_path) and \
                isinstance(where.get("path"), list) and where["path"]:
            self.go_to([str(x) for x in where["path"]])

    def _on_expanded(self, index: QModelIndex) -> None:
        self.nav_model.ensure_children(self.nav_model.itemFromIndex(index))

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        from desktop.storage import rosters
        from desktop.ui.records.pages import Selection
        from desktop.ui.shell.navigation import ID_ROLE, KIND_ROLE

        if not current.isValid() or current.data(ID_ROLE) is None:
            return
        title = str(current.data())
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
            if hasattr(page, "set_selection"):
                page.set_selection(self.selection)
            else:  # the recently deleted records: everywhere, whatever is selected
                page.reload()
            self._dirty.discard(i)

    @property
    def sync(self):
        """The sync actions, loaded on first use (cryptography is not needed to start)."""
        if self._sync is None:
            from desktop.ui.exchange.sync_dialogs import SyncActions

            self._sync = SyncActions(self.ctx, self)
        return self._sync

    def page(self, name: str) -> QWidget:
        """The page ``name``, built into its tab on first use (given its data, if
        ``build_first_page`` built it)."""
        page = self._built.get(name)
        if page is None:
            from desktop.ui.shell.record_pages import build_page

            self.fill()  # a page asked for before the frame's first paint
            early = self._early.pop(name, None)
            if early is not None:
                early.attach(self.ctx)  # type: ignore[attr-defined]
                page = self._built[name] = early
            else:
                page = self._built[name] = build_page(name, self.ctx)
            index = [n for n, _label in self.PAGES].index(name)
            if self.slots[index].layout().indexOf(page) < 0:  # (an early page is there)
                self.slots[index].layout().addWidget(page)
        return page

    def build_first_page(self) -> None:
        """The page the window shows first, built without its data while the password is
        typed, where it can be (record_pages.build_page_early), and shown empty in its tab
        behind the prompt: its widgets and model (4-6 ms of the UI thread) and their first
        layout and polish (about 3 ms of the first rows' paint) came between «Đăng nhập»
        and the first rows otherwise (100,000-300,000 people, issue 12). ``page`` gives it
        the data."""
        index = self.tabs.currentIndex()
        name = self.PAGES[index][0]
        if name in self._built or name in self._early:
            return
        from desktop.ui.shell.record_pages import build_page_early

        early = build_page_early(name, self.slots[index])
        if early is not None:
            self._early[name] = early
            self.slots[index].layout().addWidget(early)

    def show_page(self, name: str) -> QWidget:
        self.tabs.setCurrentIndex([n for n, _label in self.PAGES].index(name))
        return self.page(name)

    # -- actions -----------------------------------------------------------------------

    def current_page_call(self, name: str):
        page = self.page(self.PAGES[self.tabs.currentIndex()][0])
        method = getattr(page, name, None)
        return method() if method else None

    def notify(self, message: str) -> None:
        if self.screen_lock is not None and self.screen_lock.is_locked:
            self.screen_lock.held_message = message  # may name a record: shown after unlocking
            return
        self.statusBar().showMessage(message, 8000)

    def _settings(self) -> None:
        dialog = free_on_close(_ui("shell.settings_dialog").SettingsDialog(self, conn=self.conn))
        dialog.accepted.connect(lambda: self.screen_lock.set_minutes(dialog.idle_minutes()))
        dialog.open()
        self.settings_dialog = dialog

    def close_data(self) -> None:
        """Close this window's database (another account logs in): the key is forgotten,
        nothing of the window reads the database again."""
        from desktop.storage import db

        if self.screen_lock is not None:
            self.screen_lock.stop()
        self.stop_pending_work()
        self.conn.close()
        db.forget_key(self.db_path)
        collector.thaw()

    def changed(self) -> None:
        self.undo_action.setEnabled(self.undo.can_undo)
        if self.nav_model.refresh_counts():  # «Tổ … (5)» once a member is added
            current = self.tree.currentIndex()
            if current.isValid() and self.selection.organization_id is not None:
                from dataclasses import replace

                self.selection = replace(self.selection, title=str(current.data()))
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
        self.undo_action.setEnabled(self.undo.can_undo)
        self.reload_tree()  # an undone village change (or organization) shows in the tree
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
        from PySide6.QtWidgets import QFileDialog

        path, _filter = QFileDialog.getOpenFileName(
            self, _("Mở cơ sở dữ liệu"), str(self.db_path.parent),
            _("Cơ sở dữ liệu ANTQ (*.db);;Mọi tệp (*)"))
        if path:
            self.reopen(Path(path))

    def reopen(self, db_path: Path, *, backup: bool = True) -> MainWindow | None:
        """This window replaced by one on ``db_path``: another database, or this one after a
        restore (see :func:`reopen`)."""
        return reopen(self, db_path, backup=backup)

    def start_another(self, conn: dbapi.Connection) -> MainWindow:
        """A new window on this database, open as ``conn``'s account (another account logged
        in); this one is left for the caller to close."""
        return start_window(self.db_path, backup=False, conn=conn)


    # -- remembering the window --------------------------------------------------------

    def _restore_state(self) -> None:
        settings = QSettings()
        geometry = settings.value("main/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = settings.value("main/splitter")
        if state is not None:
            self.splitter.restoreState(state)
        # By name: pages are added between versions, so an index would open another page.
        names = [n for n, _label in self.PAGES]
        tab = settings.value("main/page", "people", type=str)  # the people page, the first time
        self.tabs.setCurrentIndex(names.index(tab) if tab in names else names.index("people"))

    def stop_pending_work(self) -> None:
        """Nothing waiting on a timer reads the database once the window or its data is
        closed: a pending search, the roster's warm-up, the sync folder's runs."""
        for page in self._built.values():
            for name in ("_timer", "_count_timer", "_warm_later"):
                timer = getattr(page, name, None)
                if timer is not None:
                    timer.stop()
        for owner, name in ((self, "_sync_folder_later"),
                            (getattr(self, "sync_folder_runner", None), "timer")):
            timer = getattr(owner, name, None)
            if timer is not None:
                timer.stop()
        # The lists' counting and reading-ahead workers keep connections of their own.
        for page in self._built.values():
            for owner in (getattr(page, "model", None), page):  # a page's own Reader too
                let_go = getattr(owner, "let_go_of_file", None)
                if let_go is not None:
                    let_go()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        settings = QSettings()
        settings.setValue("main/geometry", self.saveGeometry())
        settings.setValue("main/splitter", self.splitter.saveState())
        settings.setValue("main/page", self.PAGES[self.tabs.currentIndex()][0])
        if self.is_filled:
            import json

            settings.setValue("main/location", json.dumps(
                {"db": str(self.db_path), "path": self.location()}))
        if self.screen_lock is not None:
            self.screen_lock.stop()
        self.stop_pending_work()
        if self.is_filled and self.tasks.busy:  # a document or an import still running
            self.notify(_("Đang chờ công việc đang chạy kết thúc…"))
            self.tasks.pool.waitForDone(30000)
        collector.thaw()
        super().closeEvent(event)


# -- opening a window --------------------------------------------------------------------
# Here, beside the window, rather than in app.py: a window opens its successor (another
# database, a restore, another account), so what starts one must be reachable from it
# without importing app.py, which imports this module.

def start_window(db_path: Path, *, backup: bool = True,
                 conn: dbapi.Connection | None = None) -> MainWindow:
    """The window as a start shows it: the frame painted first, its data right after, then,
    once its first rows are painted, the day's backup if due. The cycle collector's youngest
    generation is held off until those rows (collector.py). ``conn``: the database already
    open."""
    from PySide6.QtWidgets import QApplication

    collector.hold_during_start()  # until the first rows (collector.py)
    window = MainWindow(conn, db_path, fill_now=False)
    window.filled.connect(lambda: after_first_rows(window, collector.after_start))
    if backup:
        window.filled.connect(lambda: after_first_rows(window, lambda: backup_at_start(window)))
    window.show()
    app = QApplication.instance()
    app.setProperty("main_window", window)
    listener = app.property("single_instance")  # desktop/ui/shell/single_instance.py
    if listener is not None:
        listener.follow(db_path, window)  # listens once the frame has painted
    return window


# Should the filled window's page not paint (a window restored minimised), work waiting for
# its first rows starts this long after the window was filled anyway.
ROWS_AT_LATEST_MS = 3000


def after_first_rows(window: MainWindow, then: Callable[[], object]) -> None:
    """``then`` once, from the event loop, after the page the filled window shows has painted
    (its first rows are on screen), or ROWS_AT_LATEST_MS after this call should none come.

    ``filled`` is emitted before that paint: work started there held the rows back. The day's
    backup did, at every start: importing its modules, its status-bar widgets and the look
    for today's copy took 17-18 ms of the UI thread before the rows (300,000 people), and
    when a copy was due its thread copied the file beside the first paint (issue 12)."""
    pending: list[Callable[[], object]] = [then]

    def run() -> None:
        if pending:
            pending.pop()()

    AfterPaint(window.tabs.currentWidget() or window, run)
    QTimer.singleShot(ROWS_AT_LATEST_MS, window, run)


def backup_at_start(window: MainWindow):  # -> BackgroundBackup
    """The day's copy of the database (at most one a day, issue 12), made on a worker thread
    with its own connection once the window's first rows are on screen (after_first_rows):
    neither they nor the window are held up, the status bar shows the progress, a failure is
    a warning there (desktop/ui/accounts/backup_dialog.py)."""
    window.daily_backup = _ui("accounts.backup_dialog").BackgroundBackup(window)
    window.daily_backup.start()
    return window.daily_backup


def _reopened_connection(old_window, db_path: Path) -> dbapi.Connection | None:
    """What a reopened window starts with: the same database stays logged in as the same
    account (after a restore, if the restored database still has it); another database, or
    an account it no longer has, is asked for (None). A window whose connection has no
    account (the program's own, in tests) reopens the way it was opened."""
    from desktop.storage import accounts
    from desktop.storage.db import open_database

    old = getattr(old_window, "conn", None)
    account = accounts.current(old) if old is not None else None
    if account is None:
        return open_database(db_path)
    if Path(old_window.db_path).resolve() != Path(db_path).resolve():
        return None
    conn = open_database(db_path)
    again = accounts.get(conn, account.name)
    if again is None or again.disabled:
        conn.close()
        return None
    accounts.bind(conn, again)
    return conn


def reopen(old_window, db_path: Path, *, backup: bool = True) -> MainWindow | None:
    """A window on ``db_path`` in place of ``old_window`` (closed once the new one opened);
    None, with a warning, if the database does not open."""
    from PySide6.QtWidgets import QMessageBox

    from desktop.domain.errors import UserError

    try:
        window = start_window(db_path, backup=backup,
                              conn=_reopened_connection(old_window, db_path))
    except UserError as e:
        QMessageBox.warning(old_window, _("Không mở được"), str(e))
        return None
    old_window.close()
    return window


def _page_property(name: str) -> property:
    return property(lambda self: self.page(name), doc=f"The {name} page (built on first use).")


for _name, _label in MainWindow.PAGES:
    setattr(MainWindow, _name, _page_property(_name))
