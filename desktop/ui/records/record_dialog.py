"""The editor of one record: fields built from its kind, inline validation next to each field,
Enter or Ctrl+S to save, Esc to cancel (asking first when something was changed). Saving goes
through the undo stack, so Ctrl+Z in the main window takes it back. The dialog opens at the size
of its content (within the screen), long texts tall beside the short fields, and remembers the
size the officer gives it, per kind of record."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QSettings, QSize, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop.domain import cccd
from desktop.domain.errors import UserError, ValidationError
from desktop.domain.kinds import FieldType, Kind
from desktop.domain.text import lower_first
from desktop.domain.validation import clean_field
from desktop.i18n import _
from desktop.storage import records
from desktop.storage.history import UndoStack
from desktop.storage.present import Presenter
from desktop.storage.references import DuplicatePerson
from desktop.storage.same_person import merge_people
from desktop.ui.common.dialogs import run_modal
from desktop.ui.common.fields import FieldEditor, display_for_editing
from desktop.ui.common.pickers import EditorFactory

# Fields the editor does not offer: derived, or set by the program.
HIDDEN = {
    "meeting": {"year"},
    "attachment": {"owner_kind", "owner_id", "sha256", "size", "media_type"},
    "person": {"merged_into"},  # written by a merge only (Trùng lặp)
    # The code is made from the name; the attributes have widgets of their own (both
    # editors.CatalogueDialog).
    "catalogue": {"code", "attrs"},
}


# From this many long texts (the minutes' agenda, content, conclusions) they get a column of
# their own beside the short fields, tall enough to read without scrolling the dialog.
TEXT_COLUMN_FROM = 2


class FitScrollArea(QScrollArea):
    """A scroll area that asks for the whole of its content (Qt's own caps it at a few hundred
    pixels, which made every editor scroll) and never scrolls sideways: it is as wide as the
    content needs, so no field is cut off. It only scrolls down on a screen too small."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        inner = self.widget()
        if inner is None:
            return super().sizeHint()
        hint = inner.sizeHint()
        return QSize(hint.width() + self.verticalScrollBar().sizeHint().width(), hint.height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        inner = self.widget()
        if inner is None:
            return super().minimumSizeHint()
        width = inner.minimumSizeHint().width() + self.verticalScrollBar().sizeHint().width()
        return QSize(width, 120)


def confirm_discard(parent: QWidget) -> bool:
    """«Bỏ các thay đổi?» before an editor with changes is closed: True to close."""
    box = QMessageBox(QMessageBox.Icon.Question, _("Bỏ các thay đổi?"),
                      _("Những gì vừa nhập chưa được lưu. Bỏ các thay đổi và đóng?"),
                      parent=parent)
    discard = box.addButton(_("Bỏ thay đổi"), QMessageBox.ButtonRole.DestructiveRole)
    keep = box.addButton(_("Tiếp tục sửa"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(keep)
    box.setEscapeButton(keep)
    run_modal(box)
    return box.clickedButton() is discard


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
        self.setWindowTitle(title.format(k=lower_first(kind.label)))
        self.setSizeGripEnabled(True)
        self._baseline: tuple | None = None  # what the editor showed when it opened

        # Shown under the citizen ID when another person holds it: the officer says they are
        # one person. The dialog's child even where no field shows it: a button of its own, its
        # click (which holds the dialog) would keep the closed dialog alive.
        self.same_person = QPushButton(self)
        self.same_person.setVisible(False)
        self.same_person.clicked.connect(lambda: self.merge_into_existing())
        self._duplicate: DuplicatePerson | None = None
        factory = EditorFactory(self.conn, unit_scope)
        self.editors: dict[str, FieldEditor] = {}
        self._initial: dict[str, str | None] = {}
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        shown = [f for f in kind.fields if f.name not in HIDDEN.get(kind.name, set())]
        long_texts = [f for f in shown if f.type is FieldType.LONGTEXT]
        texts = QVBoxLayout() if len(long_texts) >= TEXT_COLUMN_FROM else None
        for f in shown:
            editor = factory.editor(f)
            editor.setParent(self)
            self.editors[f.name] = editor
            box, lay = editor.boxed()
            if f.type is FieldType.CITIZEN_ID:
                lay.addWidget(self.same_person, 0, Qt.AlignmentFlag.AlignLeft)
            label = QLabel(f.label + (" *" if f.required else ""))
            label.setBuddy(editor.widget)
            if texts is not None and f.type is FieldType.LONGTEXT:
                texts.addWidget(label)
                texts.addWidget(box, 1)
            else:
                form.addRow(label, box)
            editor.changed.connect(lambda e=editor: self.check_field(e))
            if f.name in self.presets:
                editor.widget.setEnabled(False)

        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setVisible(False)
        self.banner.setStyleSheet("color: #b00020;")

        inner = QWidget()
        columns = QHBoxLayout(inner)
        columns.setContentsMargins(0, 0, 0, 0)
        columns.addLayout(form, 2)
        if texts is not None:
            columns.addSpacing(12)
            columns.addLayout(texts, 3)
        scroll = FitScrollArea()
        scroll.setWidget(inner)
        self.scroll = scroll
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Save).setText(_("Lưu (Ctrl+S)"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Hủy (Esc)"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.cancel)
        self.buttons = buttons
        QShortcut(QKeySequence.StandardKey.Save, self, activated=self.save)

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(scroll, 1)
        self.extra = QVBoxLayout()
        layout.addLayout(self.extra)
        self.main_layout = layout
        layout.addWidget(buttons)
        self._load()
        if kind.name == "membership":  # the roles of the organization's own type
            self.editors["organization_id"].changed.connect(lambda: self._offer_roles())
            self._offer_roles(opening=True)

    # -- size, and leaving without saving ---------------------------------------------------

    def _geometry_key(self) -> str:
        return f"editors/{self.kind.name}/geometry"

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if self._baseline is None:  # the first show: subclasses have added their parts
            self._baseline = self.state()
            self._keep_form_whole()
            saved = QSettings().value(self._geometry_key())
            if not (saved and self.restoreGeometry(saved)):
                self._fit_to_content()
        super().showEvent(event)

    def _room(self) -> QSize:
        """The screen's free area the editor may take."""
        screen = (self.parentWidget() or self).screen() or self.screen()
        return screen.availableGeometry().size() * 0.95 if screen else QSize(1200, 800)

    def _keep_form_whole(self) -> None:
        """The fields never scroll while the screen has room for them: the editor cannot be
        made (or remembered) shorter than its form; lists under it take what is left."""
        inner = self.scroll.widget()
        rest = self.minimumSizeHint().height() - self.scroll.minimumSizeHint().height()
        need = min(inner.sizeHint().height(), self._room().height() - rest)
        self.scroll.setMinimumHeight(max(need, self.scroll.minimumSizeHint().height()))

    def _fit_to_content(self) -> None:
        """As large as the content asks, within the screen's free area."""
        room = self._room()
        hint = self.sizeHint().expandedTo(self.minimumSizeHint()).expandedTo(QSize(560, 0))
        self.resize(hint.boundedTo(room))

    def done(self, result: int) -> None:
        if self._baseline is not None:  # shown, so its size is one the officer saw
            QSettings().setValue(self._geometry_key(), self.saveGeometry())
        super().done(result)

    def state(self) -> tuple:
        """What the officer can change, to know whether anything was (subclasses add theirs)."""
        return tuple((name, editor.text()) for name, editor in self.editors.items())

    def has_changes(self) -> bool:
        return self._baseline is not None and self.state() != self._baseline

    def cancel(self) -> None:
        """Hủy, Esc or the window's close button: asks first when something was changed."""
        if not self.has_changes() or confirm_discard(self):
            self.reject()

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Escape and not event.modifiers():
            event.accept()
            self.cancel()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event) -> None:  # noqa: N802
        # Only a visible editor asks (the idle lock and a change of account close hidden ones).
        if self.isVisible() and self.has_changes() and not confirm_discard(self):
            event.ignore()
            return
        super().closeEvent(event)

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
        if self.kind.name == "crime_stat":  # a blank box said nothing of the forms it reads
            self.editors["period"].widget.setPlaceholderText(
                _("năm 2026, quý 2026-Q4, tháng 2026-10, 6 tháng 2026-H1"))

    def _offer_roles(self, *, opening: bool = False) -> None:
        """A membership's Chức danh offers its organization's roles, and a new member starts
        as a plain member (Đội viên, Tổ viên): the first role of every type, Tổ trưởng, was
        preselected for a Đội dân phòng that already had its Đội trưởng. A role the record
        already holds stays, offered or not."""
        from desktop.storage import catalogues

        organization, role = self.editors["organization_id"].text(), self.editors["role"]
        if not organization or "role" in self.presets:
            return
        roles = catalogues.roles_of_organization(self.conn, organization)
        keep = role.text() if self.record_id or not opening else None
        if not self.record_id and keep not in {r.code for r in roles}:
            keep = None  # another organization's role is not carried over to a new member
        role.widget.blockSignals(True)
        role.widget.setCurrentIndex(-1)  # set_choices keeps nothing: ``keep`` is set below
        role.widget.blockSignals(False)
        role.set_choices([(r.code, r.name) for r in roles])
        if keep is not None:
            role.set_value(keep, "")
        elif roles:
            role.set_value(roles[-1].code, roles[-1].name)
        if opening:
            self._initial["role"] = role.text()

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

