"""The editor of one record: fields built from its kind, inline validation next to each field,
Enter or Ctrl+S to save, Esc to cancel. Saving goes through the undo stack, so Ctrl+Z in the
main window takes it back."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop.domain import cccd
from desktop.domain.errors import UserError, ValidationError
from desktop.domain.kinds import FieldType, Kind
from desktop.domain.validation import clean_field
from desktop.i18n import _
from desktop.storage import records
from desktop.storage.history import UndoStack
from desktop.storage.present import Presenter
from desktop.storage.references import DuplicatePerson
from desktop.storage.same_person import merge_people
from desktop.ui.fields import FieldEditor, display_for_editing
from desktop.ui.pickers import EditorFactory

# Fields the editor does not offer: derived, or set by the program.
HIDDEN = {
    "meeting": {"year"},
    "attachment": {"owner_kind", "owner_id", "sha256", "size", "media_type"},
}


class RecordDialog(QDialog):
    saved = Signal(str, str, list)  # kind, id, warnings

    def __init__(self, undo: UndoStack, kind: Kind, record_id: str | None = None, *,
                 presets: Mapping[str, object] | None = None, unit_scope: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.undo, self.kind, self.record_id = undo, kind, record_id
        self.conn = undo.store.conn
        self.presets = dict(presets or {})
        title = _("Sửa {k}") if record_id else _("Thêm {k}")
        self.setWindowTitle(title.format(k=kind.label.lower()))
        self.setMinimumWidth(560)

        # Shown under the citizen ID when another person holds it: the officer says they are
        # one person.
        self.same_person = QPushButton()
        self.same_person.setVisible(False)
        self.same_person.clicked.connect(lambda: self.merge_into_existing())
        self._duplicate: DuplicatePerson | None = None
        factory = EditorFactory(self.conn, unit_scope)
        self.editors: dict[str, FieldEditor] = {}
        self._initial: dict[str, str | None] = {}
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for f in kind.fields:
            if f.name in HIDDEN.get(kind.name, set()):
                continue
            editor = factory.editor(f)
            editor.setParent(self)
            self.editors[f.name] = editor
            box = QWidget()
            lay = QVBoxLayout(box)
            lay.setContentsMargins(0, 0, 0, 0)
            lay.setSpacing(1)
            lay.addWidget(editor.widget)
            lay.addWidget(editor.message)
            if f.type is FieldType.CITIZEN_ID:
                lay.addWidget(self.same_person, 0, Qt.AlignmentFlag.AlignLeft)
            label = QLabel(f.label + (" *" if f.required else ""))
            label.setBuddy(editor.widget)
            form.addRow(label, box)
            editor.changed.connect(lambda e=editor: self.check_field(e))
            if f.name in self.presets:
                editor.widget.setEnabled(False)

        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setVisible(False)
        self.banner.setStyleSheet("color: #b00020;")

        inner = QWidget()
        inner.setLayout(form)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Save).setText(_("Lưu (Ctrl+S)"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Hủy (Esc)"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        QShortcut(QKeySequence.StandardKey.Save, self, activated=self.save)

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(scroll, 1)
        self.extra = QVBoxLayout()
        layout.addLayout(self.extra)
        layout.addWidget(buttons)
        self._load()

    # -- loading -----------------------------------------------------------------------

    def _load(self) -> None:
        values: dict[str, object] = {}
        if self.record_id:
            values = records.get(self.conn, self.kind, self.record_id)
        values.update(self.presets)
        presenter = Presenter(self.conn)
        for name, editor in self.editors.items():
            stored = values.get(name)
            if stored is None and editor.field.type is FieldType.BOOL and not self.record_id:
                continue
            shown = presenter.value(editor.field, stored) if editor.field.type in (
                FieldType.REF, FieldType.CODE) else display_for_editing(editor.field, stored)
            editor.set_value(stored, shown)
            self._initial[name] = editor.text()
        if self.kind.name == "meeting" and not self.record_id:
            self.editors["number"].widget.setPlaceholderText(_("tự đánh số khi lưu"))

    # -- validation next to the field --------------------------------------------------

    def check_field(self, editor: FieldEditor) -> bool:
        f = editor.field
        value = editor.text()
        try:
            if f.type not in (FieldType.REF, FieldType.CODE):
                clean_field(f, value)
            if f.required and not (value or "").strip():
                raise ValidationError(f.name, _("bắt buộc phải có"))
        except ValidationError as e:
            editor.show_error(e.message)
            return False
        editor.clear_message()
        if f.type is FieldType.CITIZEN_ID and value and value.strip():
            return self._explain_citizen_id(editor, value)
        return True

    def _explain_citizen_id(self, editor: FieldEditor, value: str) -> bool:
        """The decoded meaning of the number, and where it disagrees with the form: a birth
        year or gender it contradicts is an error (the record cannot be saved so)."""
        year = gender = None
        birth = self.editors.get("birth_date")
        if birth is not None and (birth.text() or "").strip():
            try:
                year = int(str(clean_field(birth.field, birth.text()))[:4])
            except ValidationError:
                year = None
        sex = self.editors.get("gender")
        if sex is not None and sex.text():
            gender = sex.text()
        info = cccd.check_citizen_id(value, birth_year=year, gender=gender)
        if info.errors:
            editor.show_error(" ".join([cccd.describe(info) + ".", *info.errors,
                                        *info.warnings]))
            return False
        if info.warnings:
            editor.show_warning(" ".join([cccd.describe(info) + ".", *info.warnings]))
        else:
            editor.show_info(cccd.describe(info))
        return True

    # -- saving ------------------------------------------------------------------------

    def values(self) -> dict[str, str | None]:
        """What to write: every filled field of a new record, the changed fields of an edit."""
        out: dict[str, str | None] = {}
        for name, editor in self.editors.items():
            value = editor.text()
            if self.record_id:
                if value != self._initial.get(name):
                    out[name] = value if value is not None else ""
            elif value is not None and (value.strip() or name in self.presets):
                out[name] = value
        for name, value in self.presets.items():
            if not self.record_id:
                out[name] = None if value is None else str(value)
        return out

    def save(self) -> None:
        self.banner.setVisible(False)
        self.same_person.setVisible(False)
        self._duplicate = None
        if not all([self.check_field(e) for e in self.editors.values()]):
            self._focus_first_error()
            return
        try:
            result = self.write(self.values())
        except DuplicatePerson as e:
            self._offer_merge(e)
            return
        except ValidationError as e:
            editor = self.editors.get(e.field or "")
            if editor is not None:
                editor.show_error(e.message)
                editor.widget.setFocus()
            else:
                self._show_banner(str(e))
            return
        except UserError as e:
            self._show_banner(str(e))
            return
        self.record_id = result.id
        self.saved.emit(self.kind.name, result.id, result.warnings)
        self.accept()

    def _offer_merge(self, e: DuplicatePerson) -> None:
        """Two people cannot share a citizen ID: say whose it is, and offer to make the two
        records one (the number is a typo otherwise, to be corrected in the field)."""
        editor = self.editors.get("citizen_id")
        if editor is not None:
            editor.show_error(e.message)
            editor.widget.setFocus()
        self._duplicate = e
        self.same_person.setText(_("Là cùng một người: gộp vào hồ sơ đã có"))
        self.same_person.setToolTip(_("Gộp vào hồ sơ của {n}: các tổ chức, cuộc họp và khen "
                                      "thưởng của hai hồ sơ về một").format(n=e.other_name))
        self.same_person.setVisible(True)

    def merge_into_existing(self) -> None:
        """The officer said it is the same person: what was typed goes into the existing
        record (and the record being edited, if any, is merged into it), one step of undo."""
        e = self._duplicate
        if e is None:
            return
        try:
            kept = merge_people(self.undo, e.other_id, values=self.values(),
                                drop_id=self.record_id)
        except UserError as err:
            self._show_banner(str(err))
            return
        self.record_id = kept
        self.saved.emit(self.kind.name, kept, [_("Đã gộp vào hồ sơ của {n}").format(
            n=e.other_name)])
        self.accept()

    def write(self, values: dict[str, str | None]):
        """Write the record (subclasses add what goes with it in the same undo step)."""
        if self.record_id:
            return self.undo.edit(self.kind.name, self.record_id, values)
        return self.undo.add(self.kind.name, values)

    def _focus_first_error(self) -> None:
        for editor in self.editors.values():
            if editor.message.isVisible() and "b00020" in editor.message.styleSheet():
                editor.widget.setFocus()
                return

    def _show_banner(self, message: str) -> None:
        self.banner.setText(message)
        self.banner.setVisible(True)

