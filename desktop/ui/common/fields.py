"""One input widget per field type, with its message line for inline validation."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, QRect, QSize, QStringListModel, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QSizePolicy,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from desktop.domain import dates
from desktop.domain.kinds import Field, FieldType
from desktop.domain.results import criteria_codes
from desktop.i18n import _

Choices = Sequence[tuple[str, str]]  # (stored value, label)

_PLACEHOLDERS = {
    FieldType.DATE: _("dd/mm/yyyy"),
    FieldType.DATETIME: _("HH:MM dd/mm/yyyy"),
    FieldType.CITIZEN_ID: _("12 chữ số"),
    FieldType.PHONE: _("0912 345 678"),
}


LONG_TEXT_LINES = 5
_MEASURED_ALL = 200  # a list this long or shorter: Qt measures every label for its width
_MEASURED_LONGEST = 40  # a longer one: the widest of its labels longest in characters
_SHARED_MIN = 200  # a longer list: one model for every editor offering it (shared_choices)
_SHARED_MOST = 8  # models kept for the lists last offered
CHECKLIST_MAX_LINES = 24  # a checklist taller than this scrolls
CHECKLIST_MARGIN = 6  # the rows' spacing (2 each side) and a little slack
CHECKLIST_MIN_LINES = 22  # it is never made shorter than this (or its rows)


class FieldEditor(QObject):
    """Owns the widget of one field and the label under it that shows its message."""

    changed = Signal()

    def __init__(self, field: Field, widget: QWidget, parent=None) -> None:
        super().__init__(parent)
        self.field = field
        self.widget = widget
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        self.message.setObjectName(f"message_{field.name}")

    def boxed(self) -> tuple[QWidget, QVBoxLayout]:
        """The widget with its message under it, as one row of a form (the layout returned
        takes more below them)."""
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(1)
        lay.addWidget(self.widget)
        lay.addWidget(self.message)
        return box, lay

    # -- value -------------------------------------------------------------------------

    def text(self) -> str | None:
        """What the user entered, as the write path takes it (None: unchanged/empty)."""
        raise NotImplementedError

    def set_value(self, stored: object, shown: str) -> None:
        raise NotImplementedError

    # -- messages ----------------------------------------------------------------------

    def show_error(self, message: str) -> None:
        self._show(message, "#b00020")

    def show_warning(self, message: str) -> None:
        self._show(message, "#8a5300")

    def show_info(self, message: str) -> None:
        self._show(message, "#1b5e20")

    def clear_message(self) -> None:
        self.message.clear()
        self.message.setVisible(False)

    def _show(self, message: str, colour: str) -> None:
        self.message.setText(message)
        self.message.setStyleSheet(f"color: {colour}; font-size: 11px;")
        self.message.setVisible(True)


class LineEditor(FieldEditor):
    def __init__(self, field: Field, parent=None) -> None:
        edit = QLineEdit()
        edit.setPlaceholderText(_PLACEHOLDERS.get(field.type, ""))
        if field.type in (FieldType.TEXT, FieldType.PHONE, FieldType.CITIZEN_ID):
            edit.setMaxLength(field.max_length)
        super().__init__(field, edit, parent)
        edit.editingFinished.connect(self.changed)

    def text(self) -> str | None:
        return self.widget.text()

    def set_value(self, stored: object, shown: str) -> None:
        self.widget.setText(shown)


class LongTextEditor(FieldEditor):
    def __init__(self, field: Field, parent=None) -> None:
        edit = QPlainTextEdit()
        edit.setTabChangesFocus(True)  # Tab moves on, as in every other field
        # Five lines to read without scrolling, more when the dialog is made taller.
        lines = edit.fontMetrics().lineSpacing() * LONG_TEXT_LINES
        edit.setMinimumHeight(lines + 2 * edit.frameWidth() + 8)
        edit.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        super().__init__(field, edit, parent)

    def text(self) -> str | None:
        return self.widget.toPlainText()

    def set_value(self, stored: object, shown: str) -> None:
        self.widget.setPlainText(shown)


class BoolEditor(FieldEditor):
    def __init__(self, field: Field, parent=None) -> None:
        super().__init__(field, QCheckBox(), parent)
        self.widget.toggled.connect(self.changed)

    def text(self) -> str | None:
        return "1" if self.widget.isChecked() else "0"

    def set_value(self, stored: object, shown: str) -> None:
        self.widget.setChecked(bool(stored))


class _Shared:
    """The combo model of one long list (a picker's records), made once and set on every
    editor that offers it (QComboBox.setModel), with its widest label once measured."""

    def __init__(self, choices: Choices, blank: bool) -> None:
        self.choices = choices  # held: the cache's key is its identity
        self.model = QStandardItemModel()
        # The rows QComboBox.addItem makes: the label's item, the value in UserRole, the blank
        # row without one.
        items = [QStandardItem("")] if blank else []
        for value, label in choices:
            item = QStandardItem(label)
            item.setData(value, Qt.ItemDataRole.UserRole)
            items.append(item)
        self.model.appendColumn(items)
        self.widest: dict[str, int] = {}  # by the font's key


_shared: dict[tuple[int, bool], _Shared] = {}


def shared_choices(choices: Choices, blank: bool) -> _Shared:
    """The model of ``choices`` (the very list: a picker's records are one list until the
    database changes, pickers.EditorFactory), made once: adding a province's 4,400
    organizations to each minutes editor took about 20 ms of the UI thread at every record
    opened. Pickers make it while the list is idle (EditorFactory.read_ahead)."""
    key = (id(choices), blank)
    held = _shared.get(key)
    if held is None or held.choices is not choices:
        held = _Shared(choices, blank)
        if len(_shared) >= _SHARED_MOST:
            del _shared[next(iter(_shared))]
    else:
        del _shared[key]  # kept as the newest
    _shared[key] = held
    return held


class ChoiceEditor(FieldEditor):
    """A fixed list (choices, catalogue items, or records to pick), with a blank first item
    for optional fields (not for a field with a default, e.g. the độ mật: it starts there),
    and a completer so a long list can be typed into."""

    def __init__(self, field: Field, choices: Choices, parent=None) -> None:
        combo = QComboBox()
        combo.setEditable(len(choices) > 12)
        if combo.isEditable():
            combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
            combo.completer().setFilterMode(Qt.MatchFlag.MatchContains)
            combo.completer().setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        super().__init__(field, combo, parent)
        self._shared: _Shared | None = None  # the long list's model this combo shows
        self.set_choices(choices)
        combo.currentIndexChanged.connect(self.changed)

    @staticmethod
    def blank(field: Field) -> bool:
        """Whether the list starts with a blank item."""
        return not field.required and field.default is None

    @staticmethod
    def shares(choices: Choices) -> bool:
        return len(choices) > _SHARED_MIN

    def set_choices(self, choices: Choices) -> None:
        combo = self.widget
        current = self.text()
        combo.blockSignals(True)
        if self.shares(choices):
            self._shared = shared_choices(choices, self.blank(self.field))
            combo.setModel(self._shared.model)
        else:
            self._own_model()
            combo.clear()
            if self.blank(self.field):
                combo.addItem("", None)
            for value, label in choices:
                combo.addItem(label, value)
        combo.blockSignals(False)
        self._fit_width(choices)
        if current:
            self.set_value(current, "")

    def _own_model(self) -> None:
        """The combo's own model again, in place of a shared one (never changed here),
        holding the same rows."""
        shared, self._shared = self._shared, None
        if shared is None:
            return
        combo = self.widget
        index = combo.currentIndex()
        own = QStandardItemModel(combo)
        own.appendColumn([shared.model.item(row).clone()
                          for row in range(shared.model.rowCount())])
        combo.setModel(own)
        combo.setCurrentIndex(index)

    def _fit_width(self, choices: Choices) -> None:
        """A long list is as wide as its widest label, measured among its longest labels
        only: Qt measured every one for the form's size hint (3,000 organizations of a 300k
        commune: 26 ms of shaping text when a minutes record opened)."""
        combo = self.widget
        if len(choices) <= _MEASURED_ALL:
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContentsOnFirstShow)
            return
        fm = combo.fontMetrics()
        font = combo.font().key()
        widest = self._shared.widest.get(font) if self._shared is not None else None
        if widest is None:
            longest = heapq.nlargest(_MEASURED_LONGEST, (label for _value, label in choices),
                                     key=len)
            widest = max(fm.horizontalAdvance(label) for label in longest)
            if self._shared is not None:
                self._shared.widest[font] = widest
        combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        # (Qt counts the length in widths of "X"; this policy also leaves an icon's room)
        combo.setMinimumContentsLength(max(1, -(-(widest - combo.iconSize().width() - 4)
                                                // fm.horizontalAdvance("X"))))

    def text(self) -> str | None:
        combo = self.widget
        if combo.isEditable() and combo.currentText() != combo.itemText(combo.currentIndex()):
            typed = combo.currentText().strip()
            found = combo.findText(typed, Qt.MatchFlag.MatchFixedString)
            return combo.itemData(found) if found >= 0 else (typed or None)
        data = combo.currentData()
        return None if data is None else str(data)

    def set_value(self, stored: object, shown: str) -> None:
        combo = self.widget
        if stored is None and self.field.default is not None:
            stored = self.field.default  # an empty độ mật is Thường
        index = combo.findData(stored) if stored is not None else (0 if combo.count() else -1)
        if index < 0 and stored is not None:  # a value not offered (e.g. a deleted record)
            self._own_model()  # added to this combo only
            combo.addItem(shown or str(stored), stored)
            index = combo.count() - 1
        combo.setCurrentIndex(index)


class SearchPickEditor(FieldEditor):
    """Picking one of very many records (people) by typing part of the name."""

    def __init__(self, field: Field, lookup: Callable[[str], Choices], parent=None) -> None:
        edit = QLineEdit()
        edit.setPlaceholderText(_("Gõ tên để tìm…"))
        super().__init__(field, edit, parent)
        self._lookup = lookup
        self._ids: dict[str, str] = {}
        self._model = QStringListModel()
        completer = QCompleter(self._model, edit)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        edit.setCompleter(completer)
        edit.textEdited.connect(self._refresh)
        edit.editingFinished.connect(self.changed)
        self._selected: str | None = None
        self._selected_label = ""

    def _refresh(self, typed: str) -> None:
        choices = self._lookup(typed) if len(typed.strip()) >= 2 else []
        self._ids = {label: value for value, label in choices}
        self._model.setStringList(list(self._ids))

    def text(self) -> str | None:
        label = self.widget.text().strip()
        if not label:
            return None
        if label in self._ids:
            return self._ids[label]
        return self._selected if self._selected and label == self._selected_label else label

    def set_value(self, stored: object, shown: str) -> None:
        self._selected = None if stored is None else str(stored)
        self._selected_label = shown
        self.widget.setText(shown)


class ChecklistEditor(FieldEditor):
    """Codes of a catalogue ticked from their names (the criteria an evaluation met): stored as
    the codes joined by «; », as typed in the CLI. A code the record holds that the catalogue
    no longer offers stays shown and ticked, marked retired, so a save does not drop it."""

    def __init__(self, field: Field, items: Sequence[tuple[str, str, Sequence[str]]],
                 retired: Callable[[str], str | None], parent=None) -> None:
        """``items``: (code, name, subjects it applies to) of the catalogue in force;
        ``retired(code)``: the name of an item no longer in force (None: not in it at all)."""
        listing = _Checklist()
        listing.setWordWrap(True)
        listing.setSpacing(2)  # wrapped names run together without it
        listing.setSelectionMode(QListWidget.SelectionMode.SingleSelection)
        listing.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        super().__init__(field, listing, parent)
        self._retired = retired
        self._stored: list[str] = []  # the record's codes, kept in their order on save
        self._subject: str | None = None
        for code, name, applies in items:
            self._add(code, name, tuple(applies))
        listing.itemChanged.connect(self._ticked)

    def _add(self, code: str, label: str, applies: tuple[str, ...] | None) -> QListWidgetItem:
        item = QListWidgetItem(label)
        item.setData(Qt.ItemDataRole.UserRole, code)
        item.setData(Qt.ItemDataRole.UserRole + 1, applies)  # None: shown for every subject
        item.setToolTip(label)
        item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                      | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Unchecked)
        self.widget.addItem(item)
        return item

    def _items(self) -> list[QListWidgetItem]:
        return [self.widget.item(i) for i in range(self.widget.count())]

    def _ticked(self, _item: QListWidgetItem) -> None:
        self.changed.emit()

    def show_for(self, subject: str | None) -> None:
        """Only the criteria of the subject chosen (all when none is), and any ticked one."""
        self._subject = subject
        for item in self._items():
            applies = item.data(Qt.ItemDataRole.UserRole + 1)
            item.setHidden(bool(subject) and applies is not None and subject not in applies
                           and item.checkState() is not Qt.CheckState.Checked)
        self.widget.updateGeometry()

    def checked_codes(self) -> list[str]:
        return [item.data(Qt.ItemDataRole.UserRole) for item in self._items()
                if item.checkState() is Qt.CheckState.Checked]

    def text(self) -> str | None:
        ticked = self.checked_codes()
        codes = [c for c in self._stored if c in ticked]
        codes += [c for c in ticked if c not in codes]
        return "; ".join(codes)

    def set_value(self, stored: object, shown: str) -> None:
        self._stored = criteria_codes(stored)
        known = {item.data(Qt.ItemDataRole.UserRole): item for item in self._items()}
        self.widget.blockSignals(True)
        for item in known.values():
            item.setCheckState(Qt.CheckState.Unchecked)
        for code in self._stored:
            item = known.get(code)
            if item is None:  # retired, or not in this database's catalogue at all
                name = self._retired(code)
                label = (_("{name} (đã ngừng dùng)").format(name=name) if name is not None
                         else _("{code} (không có trong danh mục)").format(code=code))
                item = known[code] = self._add(code, label, None)
            item.setCheckState(Qt.CheckState.Checked)
        self.widget.blockSignals(False)
        self.show_for(self._subject)


class _Checklist(QListWidget):
    """A list whose rows tick with a click anywhere on them, not only on the small box, and
    with Space (Qt's own key for a checkable row). As tall as its rows ask (within reason),
    so the criteria are read without scrolling where the screen has room."""

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(super().sizeHint().width(), self._rows_height(CHECKLIST_MAX_LINES))

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        # Not squeezed by the notes beside it: its rows stay readable up to a point.
        return QSize(super().minimumSizeHint().width(), self._rows_height(CHECKLIST_MIN_LINES))

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.updateGeometry()  # the rows wrap anew

    def _rows_height(self, most_lines: int) -> int:
        """The shown rows as wrapped at the list's width (Qt's own row hint is one unwrapped
        line), within five lines and ``most_lines``."""
        line = self.fontMetrics().lineSpacing()
        room = max(self.viewport().width(), 240) - self.style().pixelMetric(
            QStyle.PixelMetric.PM_IndicatorWidth) - 3 * CHECKLIST_MARGIN
        rows = sum(self.fontMetrics().boundingRect(
            QRect(0, 0, room, 100 * line), Qt.TextFlag.TextWordWrap, self.item(i).text()).height()
            + CHECKLIST_MARGIN for i in range(self.count()) if not self.isRowHidden(i))
        return min(max(rows, LONG_TEXT_LINES * line), most_lines * line) + \
            2 * self.frameWidth() + CHECKLIST_MARGIN

    _pressed: QListWidgetItem | None = None

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self._pressed = self.itemAt(event.position().toPoint())
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        item = self.itemAt(event.position().toPoint())
        pressed, self._pressed = self._pressed, None
        if item is None or item is not pressed or event.button() is not Qt.MouseButton.LeftButton:
            super().mouseReleaseEvent(event)  # a drag from one row to another ticks nothing
            return
        event.accept()  # not Qt's own handling: it would tick a click on the box a second time
        item.setCheckState(Qt.CheckState.Unchecked if item.checkState() is Qt.CheckState.Checked
                           else Qt.CheckState.Checked)


def display_for_editing(field: Field, stored: object) -> str:
    """The text a stored value is edited as: dates as dd/mm/yyyy, others as they are."""
    if stored is None:
        return ""
    if field.type is FieldType.DATE:
        return dates.PartialDate.from_iso(str(stored)).display()
    if field.type is FieldType.DATETIME:
        return dates.format_datetime(dates.parse_datetime(str(stored)))
    return str(stored)
