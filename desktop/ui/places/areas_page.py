"""The *Địa bàn* page and the tree's right-click: a commune's thôn, bản, tổ dân phố added,
renamed, merged and retired through desktop/storage/villages.py (the functions
``antq village`` calls), each as one step of undo."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPoint, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.domain import dates
from desktop.domain.errors import UserError, ValidationError
from desktop.i18n import _, ngettext
from desktop.storage import villages
from desktop.storage.villages import Village
from desktop.ui.common.counting import NOT_COUNTED, Failure, Reader
from desktop.ui.common.dialogs import free_on_close
from desktop.ui.common.widgets import fit_columns_to_screen, record_table
from desktop.ui.records.pages import AppContext, Selection, format_count

ERROR_STYLE = "color: #b00020;"
RETIRED_COLOUR = QColor("#777777")


def _today_text() -> str:
    return dt.date.today().strftime("%d/%m/%Y")


def _display(iso: str | None) -> str:
    return dates.PartialDate.from_iso(iso).display() if iso else ""


# -- dialogs ------------------------------------------------------------------------------------


class VillageDialog(QDialog):
    """A small form with a message line and Lưu/Hủy; ``apply`` does the change (raising
    UserError to say what is wrong), then the dialog closes and ``done_message`` is shown."""

    def __init__(self, ctx: AppContext, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(title)
        self.setMinimumWidth(520)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setVisible(False)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText(_("Lưu"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Hủy"))
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.result_path: list[str] = []  # where the tree goes afterwards
        self.done_message = ""

    def date_edit(self, label: str) -> QLineEdit:
        edit = QLineEdit(_today_text())
        edit.setPlaceholderText(_("dd/mm/yyyy"))
        self.form.addRow(label, edit)
        return edit

    def read_date(self, edit: QLineEdit, *, required: bool = True) -> dt.date | None:
        typed = edit.text().strip()
        if not typed and not required:
            return None
        try:
            return dates.parse_date(typed, allow_partial=False).to_date()
        except ValidationError as e:
            edit.setFocus()
            raise UserError(_("Ngày «{d}»: {m}").format(d=typed, m=e.message)) from None

    def save(self) -> None:
        self.message.setVisible(False)
        try:
            self.apply()
        except ValidationError as e:
            self.show_message(e.message)
            return
        except UserError as e:
            self.show_message(str(e))
            return
        self.accept()

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(True)

    def apply(self) -> None:  # pragma: no cover - each dialog has its own
        raise NotImplementedError


class AddVillagesDialog(VillageDialog):
    """One name a line: a new commune types its villages at once."""

    def __init__(self, ctx: AppContext, commune_id: str, parent: QWidget | None = None) -> None:
        super().__init__(ctx, _("Thêm thôn, bản, tổ dân phố"), parent)
        self.commune_id = commune_id
        commune = _unit_name(ctx, commune_id)
        intro = QLabel(_("Thêm vào {c}. Gõ mỗi dòng một tên, kèm chữ Thôn, Bản hoặc Tổ dân "
                         "phố ở đầu (ví dụ «Bản Huổi Lếch»).").format(c=commune))
        intro.setWordWrap(True)
        self.form.addRow(intro)
        self.names = QPlainTextEdit()
        self.names.setPlaceholderText(_("Bản Huổi Lếch\nBản Na Pheo\nTổ dân phố 1"))
        self.names.setTabChangesFocus(True)
        self.names.setMinimumHeight(160)
        self.form.addRow(_("Tên:"), self.names)
        self.valid_from = QLineEdit()
        self.valid_from.setPlaceholderText(_("dd/mm/yyyy (không bắt buộc)"))
        self.form.addRow(_("Có từ ngày:"), self.valid_from)
        self.names.setFocus()

    def apply(self) -> None:
        names = [n for n in self.names.toPlainText().splitlines() if n.strip()]
        start = self.read_date(self.valid_from, required=False)
        ids = villages.add(self.ctx.undo, self.commune_id, names, valid_from=start)
        self.result_path = [self.commune_id, ids[0]]
        self.done_message = _("Đã thêm {n}: {names}").format(
            n=_n_villages(len(ids)), names=", ".join(n.strip() for n in names))


class RenameVillageDialog(VillageDialog):
    """A new name from a date; the old one kept, unless it was only misspelt."""

    def __init__(self, ctx: AppContext, village: Village, parent: QWidget | None = None) -> None:
        super().__init__(ctx, _("Đổi tên «{n}»").format(n=village.name), parent)
        self.village = village
        self.name = QLineEdit(village.name)
        self.name.selectAll()
        self.form.addRow(_("Tên hiện nay:"), QLabel(village.name))
        self.form.addRow(_("Tên mới:"), self.name)
        self.date = self.date_edit(_("Có hiệu lực từ ngày:"))
        self.correction = QCheckBox(_("Chỉ sửa lỗi chính tả (không giữ tên cũ)"))
        self.correction.toggled.connect(lambda on: self.date.setEnabled(not on))
        self.form.addRow("", self.correction)
        note = QLabel(_("Tên cũ được giữ trong lịch sử. {p} người cư trú và {o} tổ chức ở "
                        "đây chuyển sang tên mới.").format(p=format_count(village.residents),
                                                           o=village.organizations))
        note.setWordWrap(True)
        self.form.addRow(note)
        self.save_button.setText(_("Đổi tên"))
        self.name.setFocus()

    def apply(self) -> None:
        on = None if self.correction.isChecked() else self.read_date(self.date)
        moved = villages.rename(self.ctx.undo, self.village.id, self.name.text(), on=on,
                                correction=self.correction.isChecked())
        self.result_path = [self.village.commune_id, moved.successor_id]
        self.done_message = _("Đã đổi tên «{a}» thành «{b}»").format(
            a=self.village.name, b=self.name.text().strip())


class MergeVillageDialog(VillageDialog):
    """This village into another of its commune: its people and organizations go there."""

    def __init__(self, ctx: AppContext, village: Village, parent: QWidget | None = None) -> None:
        super().__init__(ctx, _("Sáp nhập «{n}»").format(n=village.name), parent)
        self.village = village
        self.target = QComboBox()
        for v in villages.villages(ctx.conn, village.commune_id, counted=False):  # names
            if v.id != village.id:
                self.target.addItem(v.name, v.id)
        self.target.setCurrentIndex(-1)  # the officer chooses; nothing is guessed
        self.target.setPlaceholderText(_("Chọn thôn, bản…"))
        self.form.addRow(_("Sáp nhập «{n}» vào:").format(n=village.name), self.target)
        self.date = self.date_edit(_("Có hiệu lực từ ngày:"))
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.form.addRow(self.note)
        self.target.currentIndexChanged.connect(self._explain)
        self.save_button.setText(_("Sáp nhập"))
        self._explain()

    def _explain(self, _index: int = 0) -> None:
        target = self.target.currentText()
        self.save_button.setEnabled(bool(self.target.currentData()))
        if not self.target.count():
            self.note.setText(_("Xã chưa có thôn, bản nào khác để sáp nhập vào."))
            return
        where = f"«{target}»" if target else _("thôn, bản được chọn")
        self.note.setText(_("{p} người cư trú và {o} tổ chức của «{n}» chuyển sang {t}. "
                            "«{n}» giữ tên trong lịch sử, ghi là đã sáp nhập vào {t}.").format(
            p=format_count(self.village.residents), o=self.village.organizations,
            n=self.village.name, t=where))

    def apply(self) -> None:
        into = self.target.currentData()
        if not into:
            raise UserError(_("Hãy chọn thôn, bản được giữ lại"))
        moved = villages.merge(self.ctx.undo, [self.village.id], str(into),
                               on=self.read_date(self.date))
        self.result_path = [self.village.commune_id, moved.successor_id]
        self.done_message = _("Đã sáp nhập «{a}» vào «{b}»; đã chuyển {p} người, {o} tổ chức")\
            .format(a=self.village.name, b=self.target.currentText(), p=moved.people,
                    o=moved.organizations)


class RetireVillageDialog(VillageDialog):
    """A village that no longer exists and has no one left in it."""

    def __init__(self, ctx: AppContext, village: Village, parent: QWidget | None = None) -> None:
        super().__init__(ctx, _("Thôi sử dụng «{n}»").format(n=village.name), parent)
        self.village = village
        self.date = self.date_edit(_("Thôi từ ngày:"))
        note = QLabel(_("«{n}» không còn hiện trong cây và trong các danh sách chọn; tên được "
                        "giữ trong lịch sử. Thôn, bản còn người cư trú hoặc tổ chức thì hãy "
                        "dùng «Sáp nhập…» để họ chuyển sang thôn, bản khác.").format(
            n=village.name))
        note.setWordWrap(True)
        self.form.addRow(note)
        self.save_button.setText(_("Thôi sử dụng"))
        if village.residents or village.organizations:
            self.show_message(_("«{n}» còn {p} người cư trú và {o} tổ chức: hãy sáp nhập vào "
                                "thôn, bản khác.").format(n=village.name,
                                                         p=format_count(village.residents),
                                                         o=village.organizations))

    def apply(self) -> None:
        villages.retire(self.ctx.undo, self.village.id, on=self.read_date(self.date))
        self.result_path = [self.village.commune_id]
        self.done_message = _("«{n}» đã thôi; tên được giữ trong lịch sử").format(
            n=self.village.name)


# -- opening a dialog from the page or the tree --------------------------------------------------


def may_write(ctx: AppContext) -> bool:
    """An account that may not change data is told so before a form is filled in vain."""
    from desktop.storage import accounts

    try:
        accounts.require(ctx.conn, "write")
    except accounts.PermissionDenied as e:
        ctx.notify(str(e))
        return False
    return True


def open_dialog(parent: QWidget, ctx: AppContext, dialog: VillageDialog,
                after: Callable[[list[str]], None]) -> VillageDialog:
    """Show ``dialog``; once it is saved: the status line, the pages, the tree (``after``
    with the path to select)."""

    def saved() -> None:
        ctx.changed()
        ctx.notify(dialog.done_message)
        after(dialog.result_path)

    dialog.accepted.connect(saved)
    free_on_close(dialog).open()
    return dialog


def _unit_name(ctx: AppContext, unit_id: str) -> str:
    from desktop.storage.present import Presenter

    return Presenter(ctx.conn).ref_title("unit", unit_id)


def _n_villages(n: int) -> str:
    return ngettext("{n} thôn, bản", "{n} thôn, bản", n).format(n=n)


def reload_tree(window: QWidget, path: list[str]) -> None:
    """The main window's tree read again and ``path`` (commune, village) selected in it."""
    reload = getattr(window, "reload_tree", None)
    if reload is None:
        return
    reload(villages.tree_path(window.conn, path[-1]) if path else None)


class _Actions:
    """What can be done where: adding in a commune, the rest on one current village."""

    def __init__(self, parent: QWidget, ctx: AppContext,
                 after: Callable[[list[str]], None]) -> None:
        self.parent, self.ctx, self.after = parent, ctx, after

    def _open(self, make: Callable[[], VillageDialog]) -> VillageDialog | None:
        if not may_write(self.ctx):
            return None
        return open_dialog(self.parent, self.ctx, make(), self.after)

    def add(self, commune_id: str) -> VillageDialog | None:
        return self._open(lambda: AddVillagesDialog(self.ctx, commune_id, self.parent))

    def rename(self, village: Village) -> VillageDialog | None:
        return self._open(lambda: RenameVillageDialog(self.ctx, village, self.parent))

    def merge(self, village: Village) -> VillageDialog | None:
        return self._open(lambda: MergeVillageDialog(self.ctx, village, self.parent))

    def retire(self, village: Village) -> VillageDialog | None:
        return self._open(lambda: RetireVillageDialog(self.ctx, village, self.parent))


def tree_menu(window, pos: QPoint) -> QMenu | None:
    """The right-click menu of the navigation tree on a commune or a village."""
    from desktop.ui.shell.navigation import ID_ROLE, KIND_ROLE

    index = window.tree.indexAt(pos)
    if not index.isValid() or index.data(KIND_ROLE) != "unit":
        return None
    unit_id = str(index.data(ID_ROLE))
    ctx = window.ctx
    commune = villages.commune_for(ctx.conn, unit_id)
    if commune is None:  # a province: its communes are the official list
        return None
    window.tree.setCurrentIndex(index)
    actions = _Actions(window, ctx, lambda path: reload_tree(window, path))
    menu = QMenu(window.tree)
    menu.addAction(_("Thêm thôn, bản, tổ dân phố…"), lambda: actions.add(commune))
    if unit_id != commune:
        village = villages.get(ctx.conn, unit_id)
        menu.addSeparator()
        menu.addAction(_("Đổi tên «{n}»…").format(n=village.name),
                       lambda: actions.rename(village))
        menu.addAction(_("Sáp nhập «{n}» vào thôn, bản khác…").format(n=village.name),
                       lambda: actions.merge(village))
        menu.addAction(_("Thôi sử dụng «{n}»…").format(n=village.name),
                       lambda: actions.retire(village))
    menu.addSeparator()
    menu.addAction(_("Mở trang Địa bàn"), lambda: window.show_page("areas"))
    menu.exec(window.tree.viewport().mapToGlobal(pos))
    menu.deleteLater()  # one per right-click: not kept under the tree
    return menu


# -- the page -----------------------------------------------------------------------------------


class _VillagesModel(QAbstractTableModel):
    """The page's rows, their cells' texts made when painted: a province's 630 villages
    were 5,040 items made on the UI thread at every opening and place chosen."""

    RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    FLAGS = Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled  # (made once: an enum's
    # "|" and its roles' comparisons cost a few microseconds each, at every cell painted)
    TEXT = (int(Qt.ItemDataRole.DisplayRole), int(Qt.ItemDataRole.EditRole))
    ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
    COLOUR = int(Qt.ItemDataRole.ForegroundRole)
    TIP = int(Qt.ItemDataRole.ToolTipRole)

    def __init__(self, columns: tuple[str, ...], numbers: tuple[int, ...], residents: int,
                 parent: QWidget) -> None:
        super().__init__(parent)
        self.columns, self.numbers, self.residents = columns, numbers, residents
        self.rows: list[Village] = []
        self.communes: dict[str, str] = {}  # a village's commune's name, by its id
        self.texts: dict[int, list[str]] = {}  # a row's cells once painted
        self.not_counted = ""  # why the residents were not counted (their cells' tips)
        self.all_current = True  # no old name shown: every cell painted plain
        self.retired = QBrush(RETIRED_COLOUR)

    def show(self, rows: list[Village], communes: dict[str, str]) -> None:
        self.beginResetModel()
        self.rows, self.communes, self.texts, self.not_counted = rows, communes, {}, ""
        self.all_current = all(v.current for v in rows)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if role == Qt.ItemDataRole.DisplayRole:
            if orientation == Qt.Orientation.Horizontal:
                return self.columns[section] if 0 <= section < len(self.columns) else None
            return section + 1
        return None

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:
        return self.FLAGS

    def plain_column(self, column: int) -> bool:
        """A column the list's delegate paints itself (widgets.PlainCells): left-aligned and
        in the style's colour while no old name is shown."""
        return column not in self.numbers and self.all_current

    def right_aligned_column(self, column: int) -> bool:
        return column in self.numbers and self.all_current

    def cell_text(self, row: int, column: int) -> str:
        return self.text(row, column)

    def text(self, row: int, column: int) -> str:
        texts = self.texts.get(row)
        if texts is None:
            v = self.rows[row]
            # "Bản", "Tổ dân phố" as every list writes a kind (stored in lower case)
            kind = v.division_type or ""
            residents = "…" if v.residents is None else format_count(v.residents)
            texts = self.texts[row] = [
                v.name, self.communes.get(v.commune_id, ""), kind[:1].upper() + kind[1:],
                residents, format_count(v.organizations), _display(v.valid_from),
                _display(v.valid_to), v.successor_name or ""]
        return texts[column]

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        row, column = index.row(), index.column()
        if not 0 <= row < len(self.rows):
            return None
        role = int(role)
        if role in self.TEXT:
            return self.text(row, column)
        if role == self.ALIGN:
            return self.RIGHT if column in self.numbers else None
        current = self.rows[row].current
        if role == self.COLOUR:
            return None if current else self.retired
        if role == self.TIP:
            tip = None if current else _("Tên cũ, không còn dùng")
            if (self.not_counted and column == self.residents
                    and self.rows[row].residents is None):
                tip = "\n".join(filter(None, (tip, self.not_counted)))
            return tip
        return None

    def counted(self, counts: dict[str, int]) -> None:
        """The residents' counts into the rows."""
        for row, v in enumerate(self.rows):
            if v.id in counts:
                self.rows[row] = replace(v, residents=counts[v.id])
                self.texts.pop(row, None)
        self._residents_changed()

    def uncounted(self, said: str) -> None:
        """The residents not counted: a dash, and why in their cells' tips."""
        self.not_counted = said
        for row, v in enumerate(self.rows):
            if v.residents is None:
                self.text(row, self.residents)
                self.texts[row][self.residents] = NOT_COUNTED
        self._residents_changed()

    def _residents_changed(self) -> None:
        if self.rows:
            self.dataChanged.emit(self.index(0, self.residents),
                                  self.index(len(self.rows) - 1, self.residents))



class AreasPage(QWidget):
    """The villages of the commune selected in the tree (or of this commune), with their
    old names on request."""

    COLUMNS = (_("Tên"), _("Xã, phường"), _("Loại"), _("Người cư trú"), _("Tổ chức"),
               _("Có từ ngày"), _("Đến ngày"), _("Nay là"))
    NUMBERS = (3, 4)
    RESIDENTS = 3

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.selection = Selection()
        self.commune_id: str | None = None
        self.by_commune = False  # a province: its communes' villages, with their commune
        self.rows: list[Village] = []
        self.counter = Reader(ctx.conn, self, delay=0.0)
        self.counter.read.connect(self._counted)
        self.counter.failed.connect(self._not_counted)
        self.heading = QLabel()
        font = self.heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.heading.setFont(font)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.model = _VillagesModel(self.COLUMNS, self.NUMBERS, self.RESIDENTS, self)
        self.table = record_table(self.model)
        self.table.verticalHeader().setVisible(False)
        self.table.activated.connect(lambda _i: self.rename_current())  # double-click, Enter
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._row_menu)
        self.show_old = QCheckBox(_("Hiện cả tên cũ (thôn, bản đã đổi tên, sáp nhập, thôi)"))
        self.show_old.toggled.connect(lambda _on: self.reload())
        self.add_button = QPushButton(_("Thêm…"))
        self.rename_button = QPushButton(_("Đổi tên…"))
        self.merge_button = QPushButton(_("Sáp nhập…"))
        self.retire_button = QPushButton(_("Thôi sử dụng…"))
        self.add_button.clicked.connect(lambda: self.add())
        self.rename_button.clicked.connect(self.rename_current)
        self.merge_button.clicked.connect(self.merge_current)
        self.retire_button.clicked.connect(self.retire_current)
        bar = QHBoxLayout()
        for button in (self.add_button, self.rename_button, self.merge_button,
                       self.retire_button):
            bar.addWidget(button)
        bar.addStretch(1)
        bar.addWidget(self.show_old)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.heading)
        layout.addWidget(self.hint)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._enable())
        self.actions = _Actions(self, ctx, lambda path: reload_tree(self.window(), path))

    # -- what is shown ----------------------------------------------------------------------

    def set_selection(self, selection: Selection) -> None:
        self.selection = selection
        self.reload()
        if selection.unit_id:  # a village chosen in the tree is the one chosen here
            self.select_village(selection.unit_id)

    def reload(self) -> None:
        self.counter.forget()  # a count still coming is the list's before
        chosen = self.current_village()
        conn = self.ctx.conn
        area = (villages.area_of(conn, self.selection.unit_id)
                or villages.home_area(conn, self.ctx.site))
        self.commune_id = area[1] if area and area[0] == "commune" else None
        self.by_commune = area is not None and area[0] == "province"
        self.rows = []
        self.model.show([], {})
        self.table.setColumnHidden(1, not self.by_commune)
        if area is None:
            self.heading.setText(_("Địa bàn"))
            self.hint.setText(_("Chọn một xã, phường ở cây bên trái để xem và sửa thôn, bản, "
                                "tổ dân phố của xã đó."))
            self._enable()
            return
        self.heading.setText(_("Thôn, bản, tổ dân phố của {c}").format(
            c=_unit_name(self.ctx, area[1])))
        old = self.show_old.isChecked()
        # The residents counted off the UI thread (every resident's index entry: 130-180 ms
        # of this thread at 300,000 people); "…" until they come.
        self.rows = (villages.villages(conn, area[1], include_retired=old, counted=False)
                     if self.commune_id else
                     villages.villages_of_province(conn, area[1], include_retired=old,
                                                   counted=False))
        # the communes' names in one read (45 at the province: one question each was ~9 ms)
        names = villages.unit_names(conn, list(dict.fromkeys(v.commune_id for v in self.rows)))
        self.model.show(self.rows, names)  # (the model's own list: counts replace its rows)
        current = sum(1 for v in self.rows if v.current)
        if self.by_commune:
            self.hint.setText(_("{n} ở các xã, phường. Chọn một xã ở cây bên trái để thêm thôn, "
                                "bản cho xã đó.").format(n=_n_villages(current)))
        elif current:
            self.hint.setText(_("{n}. Nhấp chuột phải vào một thôn, bản (ở đây hoặc ở cây bên "
                                "trái) để đổi tên, sáp nhập.").format(n=_n_villages(current)))
        else:
            self.hint.setText(_("Xã chưa có thôn, bản, tổ dân phố nào. Bấm «Thêm…» và gõ tên, "
                                "mỗi dòng một tên; người dân và tổ chức sau đó được xếp vào "
                                "đúng thôn, bản."))
        fit_columns_to_screen(self.table)  # 630 villages at the province: not each one
        if chosen is not None:
            self.select_village(chosen.id)
        self._enable()
        ids = [v.id for v in self.rows]
        self.counter.ask(lambda reader: villages.residents(reader, ids))

    def let_go_of_file(self) -> None:
        """The counting worker's connection closed (the window lets go of its file)."""
        self.counter.release()

    def _counted(self, counts: dict[str, int]) -> None:
        """The residents' counts come: into the rows (and what a dialog opened says)."""
        self.model.counted(counts)
        self.rows = list(self.model.rows)
        fit_columns_to_screen(self.table, self.RESIDENTS)

    def _not_counted(self, failure: Failure) -> None:
        """The residents could not be counted: a dash in the column, why in the status line
        (the next reload counts again; a dialog opened counts its own village)."""
        said = _("Không đếm được số người cư trú: {why}").format(why=failure.text)
        self.model.uncounted(said)
        if said not in self.hint.text():
            self.hint.setText(f"{self.hint.text()}\n{said}")

    def current_village(self) -> Village | None:
        row = self.table.currentIndex().row()
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def select_village(self, village_id: str) -> None:
        for row, v in enumerate(self.rows):
            if v.id == village_id:
                self.table.selectRow(row)
                return

    def _enable(self) -> None:
        village = self.current_village()
        editable = village is not None and village.current
        self.add_button.setEnabled(self.commune_id is not None)
        for button in (self.rename_button, self.merge_button, self.retire_button):
            button.setEnabled(editable)
        why = "" if editable else _("Chọn một thôn, bản đang dùng trong danh sách")
        for button in (self.rename_button, self.merge_button, self.retire_button):
            button.setToolTip(why)

    def _row_menu(self, pos: QPoint) -> None:
        index = self.table.indexAt(pos)
        if index.isValid():
            self.table.selectRow(index.row())
        village = self.current_village()
        menu = QMenu(self.table)
        if self.commune_id:
            menu.addAction(_("Thêm thôn, bản, tổ dân phố…"), self.add)
        if village is not None and village.current:
            menu.addAction(_("Đổi tên…"), self.rename_current)
            menu.addAction(_("Sáp nhập vào thôn, bản khác…"), self.merge_current)
            menu.addAction(_("Thôi sử dụng…"), self.retire_current)
        menu.exec(self.table.viewport().mapToGlobal(pos))
        menu.deleteLater()

    # -- actions ----------------------------------------------------------------------------

    def add(self) -> VillageDialog | None:
        if self.commune_id is None:
            self.ctx.notify(_("Chọn một xã, phường ở cây bên trái trước"))
            return None
        return self.actions.add(self.commune_id)

    def _current_or_say(self) -> Village | None:
        village = self.current_village()
        if village is None or not village.current:
            self.ctx.notify(_("Chọn một thôn, bản đang dùng trong danh sách trước"))
            return None
        if village.residents is None:  # asked before the counts came: this one's, here
            counted = villages.residents(self.ctx.conn, [village.id])[village.id]
            village = replace(village, residents=counted)
        return village

    def rename_current(self) -> VillageDialog | None:
        village = self._current_or_say()
        return self.actions.rename(village) if village else None

    def merge_current(self) -> VillageDialog | None:
        village = self._current_or_say()
        return self.actions.merge(village) if village else None

    def retire_current(self) -> VillageDialog | None:
        village = self._current_or_say()
        return self.actions.retire(village) if village else None

    edit_current = rename_current  # Sửa → Sửa bản ghi đang chọn (F2)
