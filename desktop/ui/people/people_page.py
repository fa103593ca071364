"""The people page: the roster of the selected place or organization, with its editors."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.errors import UserError
from desktop.domain.kinds import KINDS
from desktop.i18n import _, ngettext
from desktop.reports.profiles import Profile
from desktop.storage import catalogues, rosters
from desktop.ui.common.counting import show_not_counted
from desktop.ui.common.dialogs import LastShown, free_on_close, run_modal
from desktop.ui.common.widgets import SteadyLabel, list_behaviour, record_table
from desktop.ui.people.roster_model import RosterModel
from desktop.ui.records.pages import (
    AppContext,
    FilterNote,
    SearchAsYouType,
    Selection,
    clear_search_quietly,
    confirm_delete,
    count_of,
    delete_with_confirmation,
    saved_message,
    search_filter,
)
from desktop.ui.records.record_dialog import RecordDialog


class PeoplePage(QWidget):
    last_import: LastShown[QWidget] = LastShown()  # the import dialog open; tests look

    def __init__(self, ctx: AppContext | None, parent: QWidget | None = None) -> None:
        """``ctx`` None: the page's widgets only, its data given by ``attach`` (the window's
        first page is built so while the password is typed: MainWindow.build_first_page)."""
        super().__init__(parent)
        self.ctx = ctx  # type: ignore[assignment]  # (AppContext once attached)
        self.selection = Selection()
        self.model = RosterModel(None if ctx is None else ctx.conn, self)
        self.title = QLabel()
        self.title.setStyleSheet("font-size: 15px; font-weight: bold; padding: 2px 0;")
        self.search = QLineEdit()
        self.search.setPlaceholderText(_("Tìm theo họ tên, số định danh, điện thoại "
                                         "(không cần gõ dấu)…"))
        self.search.setClearButtonEnabled(True)
        self._columns_shown: tuple = ()
        # Half a second after the first roster, the read-ahead's worker reads the name
        # index into its connection's cache (walks and searches read it; cold: 17 times
        # slower, each page decrypted), then the ranks and numbers a search reads, lent to
        # this page's connection: off the UI thread (roster_model.start_reading_ahead).
        # Once warm, the searches typed and the pages scrolled to are read on that
        # connection; this page's own does not read the name index into its cache too
        # (it did, 30 MB more at 300,000 people). The window stops the timer when it or
        # its data closes (stop_pending_work).
        self._warm_later = QTimer(self, singleShot=True, interval=500)
        self._warm_later.timeout.connect(self._warm)
        self._warm_started = False
        self.typing = SearchAsYouType(
            self.search, self.reload, lambda: self.model.search,
            ahead=lambda: self.model.read_ahead(self.scope(), self.search_text(),
                                                self._timer.remainingTime() / 1000))
        self._timer = self.typing.timer
        # Counting 300,000 people reads them all: off the UI thread, "…" until it comes.
        self.model.counted.connect(self._show_count)
        self.model.count_failed.connect(lambda failure: show_not_counted(self.count, failure))

        self.add_button = QPushButton(_("Thêm người"))
        self.add_button.clicked.connect(self.add)
        self.edit_button = QPushButton(_("Sửa"))
        self.edit_button.clicked.connect(self.edit_current)
        self.delete_button = QPushButton(_("Xóa"))
        self.delete_button.clicked.connect(self.delete_current)
        # An organization's members: one button with a menu, so the row keeps room to type.
        self.members_button = QPushButton(_("Thành viên"))
        members_menu = QMenu(self.members_button)
        add_member = members_menu.addAction(_("Thêm thành viên…"), self.add_member)
        add_member.setToolTip(_("Thêm một người đã có vào tổ chức đang chọn"))
        members_menu.addAction(_("Cho thôi tham gia…"), self.end_membership)
        members_menu.addAction(_("Chuyển nơi cư trú sang xã khác…"), self.move_current)
        self.members_button.setMenu(members_menu)
        self.print_button = QPushButton(_("In…"))
        print_menu = QMenu(self.print_button)
        # Nội bộ or niêm yết công khai: asked in a dialog (print_preview.ProfileDialog).
        print_menu.addAction(_("Danh sách…"), self.ask_print_roster)
        self.print_button.setMenu(print_menu)
        self.excel_button = QPushButton(_("Excel…"))
        excel_menu = QMenu(self.excel_button)
        self.import_action = excel_menu.addAction(
            _("Nhập danh sách từ Excel hoặc CSV…"), self.import_roster)
        self.template_action = excel_menu.addAction(_("Tải mẫu Excel…"), self.save_template)
        excel_menu.addAction(_("Xuất ra Excel (.xlsx)…"), lambda: self.ask_export_roster("xlsx"))
        excel_menu.addAction(_("Xuất ra CSV…"), lambda: self.ask_export_roster("csv"))
        self.excel_button.setMenu(excel_menu)

        # The title shares its row with the filters, the search box with the actions: a long
        # organization name and the box typed in all day both keep their width.
        heading = QHBoxLayout()
        heading.addWidget(self.title, 1)
        # Only people who now belong to an organization of a type, or hold a role.
        self.org_type_filter = QComboBox()
        self.org_type_filter.addItem(_("Loại tổ chức: tất cả"), None)
        self.role_filter = QComboBox()
        self.role_filter.addItem(_("Chức danh: tất cả"), None)
        if ctx is not None:
            self._add_catalogue_choices()
        # An organization's roster: its members now, or those whose membership ended.
        self.members_filter = QComboBox()
        self.members_filter.addItem(_("Đang tham gia"), False)
        self.members_filter.addItem(_("Đã thôi tham gia"), True)
        for combo in (self.org_type_filter, self.role_filter, self.members_filter):
            combo.setMaximumWidth(200)
            combo.currentIndexChanged.connect(self.reload)
            heading.addWidget(combo)
        bar = QHBoxLayout()
        self.search.setMinimumWidth(260)
        bar.addWidget(self.search, 1)
        for b in (self.add_button, self.edit_button, self.delete_button, self.members_button,
                  self.print_button, self.excel_button):
            bar.addWidget(b)

        self.table = record_table(self.model)
        # None marked at first: Vietnamese name order (by role first in an organization).
        list_behaviour(self.table, search=self.search, pending=self._timer, run=self.reload,
                       open_current=self.edit_current, actions=self.row_actions)
        self.table.horizontalHeader().setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.horizontalHeader().customContextMenuRequested.connect(self._column_menu)
        self.count = SteadyLabel()  # set at every key typed: no relayout
        self.filter_note = FilterNote(
            self.search, lambda: (self.org_type_filter, self.role_filter, self.members_filter),
            self.reload)
        footer = QHBoxLayout()
        footer.addWidget(self.count)
        footer.addWidget(self.filter_note)
        footer.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(heading)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addLayout(footer)

    def attach(self, ctx: AppContext) -> None:
        """The data of a page built without it (``ctx`` None): before it is first shown."""
        self.ctx = ctx
        self.model.attach(ctx.conn)
        self._add_catalogue_choices()

    def _add_catalogue_choices(self) -> None:
        """The filters' organization types and roles, after their «tất cả»."""
        for combo, catalogue in ((self.org_type_filter, "org_type"), (self.role_filter, "role")):
            for item in catalogues.items(self.ctx.conn, catalogue):
                combo.addItem(item.name, item.code)

    # -- what is shown -----------------------------------------------------------------

    def set_selection(self, selection: Selection) -> None:
        if selection.organization_id != self.selection.organization_id:
            self.members_filter.blockSignals(True)  # another organization: its members now
            self.members_filter.setCurrentIndex(0)
            self.members_filter.blockSignals(False)
        if (selection.unit_id, selection.organization_id) != \
                (self.selection.unit_id, self.selection.organization_id):
            clear_search_quietly(self.search)  # typed for the last place, not this one
        self.selection = selection
        self.reload()

    def scope(self) -> rosters.Scope:
        s = self.selection
        role = self.role_filter.currentData()
        if s.organization_id:
            return rosters.Scope("organization", s.organization_id, role=role,
                                 former=bool(self.members_filter.currentData()))
        org_type = self.org_type_filter.currentData()
        if s.unit_id:
            return rosters.Scope("unit", s.unit_id, org_type=org_type, role=role)
        return rosters.Scope(org_type=org_type, role=role)

    def reload(self) -> None:
        in_org = self.selection.organization_id is not None
        self.members_button.setVisible(in_org)
        self.import_action.setEnabled(in_org)
        self.org_type_filter.setVisible(not in_org)
        self.members_filter.setVisible(in_org)
        self.model.set_scope(self.scope(), self.search_text())
        header = self.table.horizontalHeader()
        if (header.sortIndicatorSection(), header.sortIndicatorOrder()) != \
                self.model.sort_column():
            header.blockSignals(True)  # showing the model's order must not sort again
            header.setSortIndicator(*self.model.sort_column())
            header.blockSignals(False)
        self.title.setText(self.selection.title or _("Tất cả mọi người"))
        columns = (self._column_key(), tuple(self.model.column_name(c)
                                             for c in range(self.model.columnCount())))
        if columns != self._columns_shown:  # another set of columns: the officer's widths
            self._columns_shown = columns
            self._restore_columns()
        self.count.setText("…")
        self.count.setToolTip("")  # (why the last count failed, if it did)
        self.model.count()
        if self._warm_started:  # again if the database changed (rosters.warmed)
            self.model.start_reading_ahead()
        elif not self._warm_later.isActive():
            self._warm_later.start()

    def _warm(self) -> None:
        self._warm_started = True
        self.model.start_reading_ahead()

    def _show_count(self, n: int) -> None:
        self.count.setText(count_of("person", n))
        self.filter_note.show_for(n)

    def search_text(self) -> str | None:
        return search_filter(self.search.text())

    def row_actions(self) -> list[tuple[str, object]]:
        actions: list[tuple[str, object]] = [(_("Sửa…\tF2"), self.edit_current)]
        if self.selection.organization_id:
            actions.append((_("Cho thôi tham gia…"), self.end_membership))
        actions.append((_("Xóa…\tDel"), self.delete_current))
        return actions

    def current_id(self) -> str | None:
        index = self.table.currentIndex()
        return self.model.record_id(index.row()) if index.isValid() else None

    # -- columns the officer chose (remembered) ----------------------------------------

    def _column_key(self) -> str:
        return "people/hidden_org" if self.selection.organization_id else "people/hidden"

    def _restore_columns(self) -> None:
        hidden = set(QSettings().value(self._column_key(), [], type=list) or [])
        for col in range(self.model.columnCount()):
            name = self.model.column_name(col)
            self.table.setColumnHidden(col, name in hidden)
        self.table.setColumnWidth(0, 230)
        widths = {"citizen_id": 120,  # a 12-digit number must show whole
                  "exit_reason": 220}
        for col in range(1, self.model.columnCount()):
            if self.model.column_name(col) in widths:
                self.table.setColumnWidth(col, widths[self.model.column_name(col)])

    def _column_menu(self, pos) -> None:
        menu = QMenu(self)
        hidden = set(QSettings().value(self._column_key(), [], type=list) or [])
        for col in range(1, self.model.columnCount()):
            name = self.model.column_name(col)
            action = menu.addAction(self.model.headerData(col, Qt.Orientation.Horizontal))
            action.setCheckable(True)
            action.setChecked(name not in hidden)
            action.toggled.connect(lambda on, n=name: self._toggle_column(n, on))
        menu.exec(self.table.horizontalHeader().mapToGlobal(pos))
        menu.deleteLater()

    def _toggle_column(self, name: str, shown: bool) -> None:
        hidden = set(QSettings().value(self._column_key(), [], type=list) or [])
        hidden = hidden - {name} if shown else hidden | {name}
        QSettings().setValue(self._column_key(), sorted(hidden))
        self._restore_columns()

    # -- actions -----------------------------------------------------------------------

    def _dialog(self, kind: str, record_id: str | None, presets=None) -> RecordDialog:
        dialog = free_on_close(RecordDialog(self.ctx.undo, KINDS[kind], record_id,
                                            presets=presets, unit_scope=self.selection.unit_id,
                                            parent=self))
        dialog.saved.connect(self._saved)
        dialog.open()
        return dialog

    def add(self) -> RecordDialog:
        presets = {}
        unit = self.selection.unit_id
        if unit and rosters.is_village(self.ctx.conn, unit):
            presets = {"residence_unit_id": unit}
        dialog = self._dialog("person", None, presets)
        for editor in dialog.editors.values():  # the village is a default, not a constraint
            editor.widget.setEnabled(True)
        return dialog

    def edit_current(self) -> RecordDialog | None:
        pid = self.current_id()
        return self._dialog("person", pid) if pid else None

    def add_member(self) -> RecordDialog | None:
        org = self.selection.organization_id
        if not org:
            return None
        return self._dialog("membership", None, {"organization_id": org})

    def end_membership(self) -> RecordDialog | None:
        row = self.table.currentIndex().row()
        membership = self.model.membership_id(row) if row >= 0 else None
        if not membership:
            return None
        dialog = self._dialog("membership", membership)
        dialog.editors["left_date"].widget.setFocus()
        return dialog

    def move_current(self) -> None:
        """The chosen person moved to another commune (desktop/ui/people/move_dialog.py)."""
        pid = self.current_id()
        if pid is None:
            return
        from desktop.ui.people.move_dialog import MoveDialog

        dialog = MoveDialog(self.ctx, pid, self)
        if run_modal(dialog):
            self.ctx.changed()
            self.ctx.notify(dialog.summary)

    def _saved(self, kind: str, record_id: str, warnings: list) -> None:
        self.ctx.changed()
        self.ctx.notify(saved_message(warnings))
        if kind == "person":
            row = self.model.row_of(record_id)
            if row >= 0:
                self.table.selectRow(row)

    def ask_print_roster(self) -> None:
        from desktop.ui.common.print_preview import ask_profile

        ask_profile(self, _("In danh sách"), _("Xem trước…"), self.print_roster)

    def print_roster(self, profile: Profile = Profile.INTERNAL) -> None:
        """The roster as shown (scope and search), in the official layout."""
        from desktop.reports.roster import render_roster
        from desktop.ui.common.print_preview import print_document

        scope, search = self.scope(), self.search_text()
        if not self.model.rowCount() and not self.model.total and \
                not self._print_empty(scope, search, profile):
            return
        title = _("Danh sách niêm yết") if profile is Profile.PUBLIC else _("Danh sách")

        def render(conn, ctx) -> bytes:
            return render_roster(conn, scope, profile=profile, search=search,
                                 progress=ctx.progress, cancelled=lambda: ctx.cancelled)

        print_document(self.ctx.tasks, self.ctx.db_path, title, "danh-sach.pdf", render, self,
                       self.ctx.notify)

    def _print_empty(self, scope: rosters.Scope, search: str | None, profile: Profile) -> bool:
        """A roster of nobody is said before it is printed, with why (the command line warns
        the same way, desktop/reports/roster.py); True when the officer still wants it."""
        from PySide6.QtWidgets import QMessageBox

        from desktop.reports.roster import roster_data

        reasons = roster_data(self.ctx.conn, scope, profile=profile, search=search).warnings()
        box = QMessageBox(QMessageBox.Icon.Warning, _("Danh sách trống"),
                          "\n".join(reasons or [_("Danh sách có 0 người")]) + "\n\n" +
                          _("Vẫn in danh sách trống?"), parent=self)
        go = box.addButton(_("Vẫn in"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(_("Không in"), QMessageBox.ButtonRole.RejectRole)
        run_modal(box)
        return box.clickedButton() is go

    def import_roster(self, path: str | None = None) -> None:
        """An existing Excel roster into the selected organization, row by row checked."""
        from desktop.ui.people.import_dialog import RosterImportDialog

        org = self.selection.organization_id
        if org is None:
            self.ctx.notify(_("Chọn một tổ chức bên trái trước"))
            return
        if not path:
            path, _filter = QFileDialog.getOpenFileName(
                self, _("Nhập danh sách"), str(Path.home()),
                _("Bảng tính (*.xlsx *.csv);;Mọi tệp (*)"))
        if not path:
            return
        dialog = free_on_close(RosterImportDialog(self.ctx.undo.store, Path(path), org, self))
        dialog.imported.connect(self._imported)
        dialog.open()
        self.last_import = dialog

    def save_template(self, path: str | None = None) -> None:
        """A blank roster sheet to fill in, then import (desktop/ui/people/import_dialog.py)."""
        from desktop.ui.people.import_dialog import save_template

        written = save_template(self, self.ctx.conn, self.selection.organization_id, path)
        if written is not None:
            self.ctx.notify(_("Đã ghi mẫu {p}").format(p=written))

    def _imported(self, result: dict) -> None:
        self.ctx.changed()
        p, m, s = result["people_added"], result["memberships_added"], result["skipped"]
        self.ctx.notify(_("Đã nhập: {people}, {members}, bỏ qua {skipped}").format(
            people=ngettext("{n} người mới", "{n} người mới", p).format(n=p),
            members=ngettext("{n} thành viên", "{n} thành viên", m).format(n=m),
            skipped=ngettext("{n} dòng đã có", "{n} dòng đã có", s).format(n=s)))

    def ask_export_roster(self, fmt: str) -> None:
        from desktop.ui.common.print_preview import ask_profile

        ask_profile(self, _("Xuất danh sách ra Excel") if fmt == "xlsx" else
                    _("Xuất danh sách ra CSV"), _("Chọn tệp…"),
                    lambda profile: self.export_roster(fmt, profile=profile))

    def export_roster(self, fmt: str, path: str | None = None, *,
                      profile: Profile = Profile.INTERNAL) -> Path | None:
        from desktop.reports.export import export_roster

        if not path:
            path, _filter = QFileDialog.getSaveFileName(
                self, _("Xuất danh sách"), str(Path.home() / f"danh-sach.{fmt}"),
                _("Excel (*.xlsx)") if fmt == "xlsx" else _("CSV (*.csv)"))
        if not path:
            return None
        target = Path(path).with_suffix("." + fmt)
        try:
            n = export_roster(self.ctx.conn, self.scope(), target, profile=profile,
                              search=self.search_text())
        except UserError as e:
            self.ctx.notify(str(e))
            return None
        self.ctx.record_event("export", {"format": fmt, "file": str(target), "what": "roster",
                                         "rows": n, "profile": profile.value})
        self.ctx.notify(ngettext("Đã xuất {n} dòng ra {p}", "Đã xuất {n} dòng ra {p}",
                                 n).format(n=n, p=target))
        return target

    def delete_current(self, *, confirm=confirm_delete) -> None:
        pid = self.current_id()
        if pid is not None:
            delete_with_confirmation(self.ctx, self, KINDS["person"], pid, confirm)
