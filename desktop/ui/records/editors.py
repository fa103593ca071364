"""Editors with more than fields: minutes with attendance and attachments, a model with its
replication history, an organization with its members and the rules of its type."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.domain import catalogue_attrs, dates
from desktop.domain.errors import UserError, ValidationError
from desktop.domain.kinds import KINDS, FieldType
from desktop.domain.validation import clean_field
from desktop.i18n import _
from desktop.storage import attachments, catalogues, derived, records, rosters
from desktop.storage.present import Presenter
from desktop.ui.common.fields import FieldEditor
from desktop.ui.common.pickers import EditorFactory
from desktop.ui.records.record_dialog import RecordDialog

# The fewest rows a list under an editor's form shows (members, replications).
LIST_ROWS_AT_LEAST = 4
# A catalogue's list of roles (of its organization type) is this many lines tall at least.
ATTR_LIST_LINES = 8


class AttendanceTable(QTableWidget):
    """One row per member of the organization: present or absent, and why."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 3, parent)
        self.setHorizontalHeaderLabels([_("Thành viên"), _("Có mặt"), _("Lý do vắng mặt")])
        self.horizontalHeader().setStretchLastSection(True)
        self.setColumnWidth(0, 220)
        self.verticalHeader().setVisible(False)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.people: list[str] = []
        self.existing: dict[str, str] = {}  # person id -> attendance record id

    def fill(self, conn, organization_id: str | None, meeting_id: str | None) -> None:
        self.setRowCount(0)
        self.people, self.existing = [], {}
        marks: dict[str, dict[str, object]] = {}
        if meeting_id:
            for r in records.page(conn, KINDS["attendance"],
                                  records.Query(filters={"meeting_id": meeting_id})):
                marks[str(r["person_id"])] = r
                self.existing[str(r["person_id"])] = str(r["id"])
        members = rosters.people_page(conn, rosters.Scope("organization", organization_id),
                                      limit=200) if organization_id else []
        presenter = Presenter(conn)
        names = {str(m["id"]): str(m["full_name"]) for m in members}
        for pid in marks:  # someone who attended and has since left the organization
            names.setdefault(pid, presenter.ref_title("person", pid))
        for pid, name in names.items():
            row = self.rowCount()
            self.insertRow(row)
            self.people.append(pid)
            item = QTableWidgetItem(name)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.setItem(row, 0, item)
            check = QCheckBox()
            mark = marks.get(pid)
            check.setChecked(bool(mark["present"]) if mark else True)
            self.setCellWidget(row, 1, check)
            reason = QLineEdit(str(mark["absence_reason"] or "") if mark else "")
            reason.setPlaceholderText(_("ốm, đi làm nương…"))
            self.setCellWidget(row, 2, reason)

    def marks(self) -> list[tuple[str, bool, str]]:
        out = []
        for row, pid in enumerate(self.people):
            present = self.cellWidget(row, 1).isChecked()
            reason = self.cellWidget(row, 2).text().strip()
            out.append((pid, present, "" if present else reason))
        return out


class DropList(QListWidget):
    """Files dropped here (scans, photos) are attached when the minutes are saved."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.setMinimumHeight(90)
        self.new_files: list[Path] = []

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    dragMoveEvent = dragEnterEvent  # noqa: N815

    def dropEvent(self, event) -> None:  # noqa: N802
        for url in event.mimeData().urls():
            self.add_file(Path(url.toLocalFile()))
        event.acceptProposedAction()

    def add_file(self, path: Path) -> None:
        if path.is_file():
            self.new_files.append(path)
            self.addItem(_("{n} (mới)").format(n=path.name))


class MeetingDialog(RecordDialog):
    """Minutes after Mẫu 1.9: the attendance checklist is built from the roster."""

    def __init__(self, undo, kind, record_id=None, **kw) -> None:
        super().__init__(undo, kind, record_id, **kw)
        self.attendance = AttendanceTable()
        self.files = DropList()
        # Attendance and attachments side by side under the fields, so the content and
        # conclusions above keep their height.
        left, right = QVBoxLayout(), QVBoxLayout()
        left.addWidget(QLabel(_("Thành phần tham dự:")))
        left.addWidget(self.attendance, 1)
        files_label = QLabel(_("Tệp đính kèm (kéo thả bản chụp, ảnh vào đây):"))
        files_label.setWordWrap(True)
        right.addWidget(files_label)
        right.addWidget(self.files, 1)
        row = QHBoxLayout()
        row.addLayout(left, 3)
        row.addLayout(right, 2)
        self.extra.addLayout(row, 1)
        # The files already attached, in the list's order before the newly dropped ones.
        self.saved_files: list[records.Record] = []
        self.save_file = QPushButton(_("Lưu tệp đính kèm ra…"))
        self.save_file.setToolTip(_("Ghi bản rõ của tệp đã chọn ra ngoài (được ghi vào nhật "
                                    "ký); nhấp đúp vào tệp cũng được"))
        self.save_file.clicked.connect(self.export_selected)
        self.files.itemDoubleClicked.connect(lambda _item: self.export_selected())
        # Dragging was the only way in: a file is also chosen in a dialog (and by keyboard).
        self.add_file_button = QPushButton(_("Thêm tệp…"))
        self.add_file_button.clicked.connect(lambda: self.choose_files())
        file_buttons = QHBoxLayout()
        file_buttons.addWidget(self.add_file_button)
        file_buttons.addWidget(self.save_file)
        right.addLayout(file_buttons)
        # Saving out needs a saved file chosen (a new minutes has none).
        self.save_file.setEnabled(False)
        self.files.currentRowChanged.connect(
            lambda row: self.save_file.setEnabled(0 <= row < len(self.saved_files)))
        self.attendance.setMinimumHeight(150)
        org_editor = self.editors["organization_id"]
        org_editor.changed.connect(self._refill)
        self._refill()
        if not record_id:  # a new minutes takes the number of its organization's series
            self._issuer_typed = False
            self.editors["issuer"].widget.textEdited.connect(self._issuer_edited)
            org_editor.changed.connect(self._follow_series)
            self.editors["started_at"].changed.connect(self._show_number)
            self._follow_series()
        if record_id:
            for a in attachments.attachments_of(undo.store, "meeting", record_id):
                self.saved_files.append(a)
                self.files.addItem(str(a["filename"]))

    def choose_files(self) -> None:
        """Scans and photos chosen in a file dialog, attached when the minutes are saved."""
        paths, _filter = QFileDialog.getOpenFileNames(
            self, _("Thêm tệp đính kèm"), str(Path.home()),
            _("Ảnh, bản chụp (*.jpg *.jpeg *.png *.pdf *.tif *.tiff);;Mọi tệp (*)"))
        for path in paths:
            self.files.add_file(Path(path))

    def export_selected(self) -> Path | None:
        """Write the selected attached file out in clear, where the officer chooses."""
        title = _("Lưu tệp đính kèm ra")
        row = self.files.currentRow()
        if not 0 <= row < len(self.saved_files):
            QMessageBox.information(self, title, _("Hãy chọn một tệp đã lưu trong danh sách"))
            return None
        rec = self.saved_files[row]
        path, _filter = QFileDialog.getSaveFileName(self, title,
                                                    str(Path.home() / str(rec["filename"])))
        if not path:
            return None
        try:
            out = attachments.export_attachment(self.conn, rec, Path(path),
                                                actor=self.undo.store.actor)
        except UserError as e:
            QMessageBox.warning(self, title, str(e))
            return None
        QMessageBox.information(self, title, _("Đã ghi {p}").format(p=out))
        return out

    def state(self) -> tuple:
        return (*super().state(), tuple(self.attendance.marks()), tuple(self.files.new_files))

    def _refill(self) -> None:
        self.attendance.fill(self.conn, self.editors["organization_id"].text(), self.record_id)

    # -- the number of a new minutes (issue 14, finding 9) ----------------------------------

    def _issuer_edited(self, _text: str) -> None:
        self._issuer_typed = True  # the officer's ký hiệu stays, whatever the organization
        self._show_number()

    def _follow_series(self) -> None:
        """The ký hiệu of the chosen organization's own series, unless the officer typed one."""
        org = self.editors["organization_id"].text()
        if org and not self._issuer_typed:
            self.editors["issuer"].widget.setText(derived.meeting_issuer(self.conn, org))
        self._show_number()

    def _show_number(self) -> None:
        """The number the minutes will be given, shown where it would be typed."""
        org = self.editors["organization_id"].text()
        issuer = (self.editors["issuer"].text() or "").strip()
        hint = _("tự đánh số khi lưu")
        if org and issuer:
            try:
                year = dates.parse_datetime(self.editors["started_at"].text() or "").year
            except ValidationError:
                year = dt.date.today().year
            number = derived.next_meeting_number(self.conn, org, issuer, year)
            hint = _("tự đánh số khi lưu: {n}").format(
                n=derived.format_meeting_number(number, issuer))
        self.editors["number"].widget.setPlaceholderText(hint)

    def write(self, values):
        with self.undo.batch():
            result = super().write(values)
            meeting_id = result.id
            for pid, present, reason in self.attendance.marks():
                fields = {"present": "1" if present else "0", "absence_reason": reason}
                existing = self.attendance.existing.get(pid)
                if existing:
                    self.undo.edit("attendance", existing, fields)
                else:
                    self.undo.add("attendance", {"meeting_id": meeting_id, "person_id": pid,
                                                 **fields})
            for path in self.files.new_files:
                attachments.attach(self.undo.store, "meeting", meeting_id, path,
                                   add=self.undo.add)
        return result


def take_what_is_left(dialog: RecordDialog, listing: QListWidget) -> None:
    """A list under the form (members, replications) takes the height the form leaves, never
    less than a few rows; the form keeps its own (RecordDialog._keep_form_whole)."""
    rows = listing.fontMetrics().lineSpacing() * LIST_ROWS_AT_LEAST
    listing.setMinimumHeight(rows + 2 * listing.frameWidth() + 4)
    dialog.main_layout.setStretchFactor(dialog.scroll, 0)
    dialog.main_layout.setStretchFactor(dialog.extra, 1)


class ModelDialog(RecordDialog):
    """A model and where it has been replicated."""

    def __init__(self, undo, kind, record_id=None, **kw) -> None:
        super().__init__(undo, kind, record_id, **kw)
        if not record_id:
            return
        self.history = QListWidget()
        presenter = Presenter(self.conn)
        reps = records.page(self.conn, KINDS["replication"],
                            records.Query(filters={"model_id": record_id}))
        for r in reps:
            self.history.addItem(_("{d}: nhân rộng tới {u}").format(
                d=presenter.value(KINDS["replication"].field("replicated_date"),
                                  r["replicated_date"]),
                u=presenter.ref_title("unit", str(r["unit_id"]))))
        if not reps:
            self.history.addItem(_("Chưa nhân rộng"))
        self.extra.addWidget(QLabel(_("Lịch sử nhân rộng:")))
        self.extra.addWidget(self.history, 1)
        take_what_is_left(self, self.history)


class OrganizationDialog(RecordDialog):
    """An organization, with the rules of its type shown as warnings."""

    def __init__(self, undo, kind, record_id=None, **kw) -> None:
        super().__init__(undo, kind, record_id, **kw)
        if not record_id:
            return
        warnings = catalogues.organization_warnings(self.conn, record_id)
        members = rosters.people_page(self.conn, rosters.Scope("organization", record_id))
        self.members = QListWidget()
        presenter = Presenter(self.conn)
        for m in members:
            self.members.addItem(f"{presenter.catalogue_name('role', str(m['role']))}: "
                                 f"{m['full_name']}")
        self.rules = QLabel("\n".join(_("⚠ {w}").format(w=w) for w in warnings))
        self.rules.setWordWrap(True)  # a long rule wraps instead of widening the dialog
        self.rules.setStyleSheet("color: #8a5300;")
        self.rules.setVisible(bool(warnings))
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        head.addWidget(QLabel(_("Thành viên ({n}):").format(n=len(members))))
        head.addStretch(1)
        lay.addLayout(head)
        lay.addWidget(self.members, 1)
        lay.addWidget(self.rules)
        self.extra.addWidget(box, 1)
        take_what_is_left(self, self.members)


class CatalogueDialog(RecordDialog):
    """An item of a catalogue: its name, not its code, and the attributes its catalogue
    carries (the age range of a Tổ bảo vệ ANTT, the subjects of an An toàn criterion …), each
    a labelled widget of its type (desktop/domain/catalogue_attrs.py), not a JSON text.

    The code is the program's (record_dialog.HIDDEN), made from the name when the item is
    added (storage/catalogues.new_code) and kept when the name is later corrected, since
    records and other sites refer to it. Attributes the program does not know (a province's
    newer rule) are kept unchanged on save."""

    def __init__(self, undo, kind, record_id=None, **kw) -> None:
        self.attr_editors: dict[str, FieldEditor] = {}
        super().__init__(undo, kind, record_id, **kw)
        stored = records.get(self.conn, kind, record_id).get("attrs") if record_id else None
        try:
            self._stored_attrs = catalogue_attrs.parse(stored)
        except ValidationError:  # a broken value written before the rule: shown, not lost
            self._stored_attrs = {}
            self._show_banner(_("Thuộc tính đang lưu không đọc được; lưu sẽ thay bằng các "
                                "giá trị dưới đây"))
        self.attrs_box = QGroupBox(_("Thuộc tính của danh mục"))
        self.extra.addWidget(self.attrs_box)
        self._factory = EditorFactory(self.conn)
        self._build_attrs()
        self.editors["catalogue"].changed.connect(self._build_attrs)

    def _build_attrs(self) -> None:
        """The widgets of the chosen catalogue's attributes, filled from the stored ones."""
        old = self.attrs_box.layout()
        if old is not None:  # another catalogue chosen: its widgets replace these
            for editor in self.attr_editors.values():
                editor.widget.deleteLater()
                editor.message.deleteLater()
            QWidget().setLayout(old)  # Qt's way to drop a layout: hand it to a throwaway
        self.attr_editors = {}
        fields = catalogue_attrs.fields_of(self.editors["catalogue"].text())
        lists = QHBoxLayout()
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for f in fields:
            editor = self._factory.editor(f)
            editor.setParent(self)
            typed = catalogue_attrs.as_typed(f, self._stored_attrs.get(f.name))
            # A box is ticked by a stored value, a line shows its text.
            editor.set_value(typed == "1" if f.type is FieldType.BOOL else typed, typed or "")
            editor.changed.connect(lambda e=editor: self._check_attr(e))
            self.attr_editors[f.name] = editor
            label = QLabel(f.label)
            label.setBuddy(editor.widget)
            if catalogue_attrs.is_list(f) and f.catalogue:  # role lists side by side
                editor.widget.setMinimumHeight(ATTR_LIST_LINES * label.fontMetrics().height())
                column = QVBoxLayout()
                column.addWidget(label)
                column.addWidget(editor.widget, 1)
                column.addWidget(editor.message)
                lists.addLayout(column)
                continue
            if f.type is FieldType.LONGTEXT and not f.choices:
                editor.widget.setMinimumHeight(3 * label.fontMetrics().height())
            form.addRow(label, editor.boxed()[0])
        outer = QVBoxLayout(self.attrs_box)
        outer.addLayout(lists)
        outer.addLayout(form)
        if not fields:
            outer.addWidget(QLabel(_("Danh mục này không có thuộc tính riêng")))
        kept = [k for k in self._stored_attrs if k not in {f.name for f in fields}]
        if kept:  # said, so the officer knows they are there and stay
            note = QLabel(_("Giữ nguyên các thuộc tính khác: {k}").format(k=", ".join(kept)))
            note.setWordWrap(True)
            note.setStyleSheet("color: #555;")
            outer.addWidget(note)

    def _check_attr(self, editor: FieldEditor) -> bool:
        try:
            catalogue_attrs.clean(editor.field, editor.text(), clean_field)
        except ValidationError as e:
            editor.show_error(e.message)
            return False
        editor.clear_message()
        return True

    def state(self) -> tuple:
        return (*super().state(),
                tuple((name, e.text()) for name, e in self.attr_editors.items()))

    def values(self) -> dict[str, str | None]:
        """The fields, and ``attrs`` when an attribute changed: the stored object with the
        known attributes set from their widgets, every other key kept."""
        out = super().values()
        typed = {name: e.text() for name, e in self.attr_editors.items()}
        attrs = catalogue_attrs.merged(self.editors["catalogue"].text(), self._stored_attrs,
                                       typed, clean_field)
        if attrs != self._stored_attrs or (not self.record_id and attrs):
            out["attrs"] = catalogue_attrs.dump(attrs) or ""
        return out

    def save(self) -> None:
        if not all([self._check_attr(e) for e in self.attr_editors.values()]):
            for editor in self.attr_editors.values():
                if editor.message.isVisible():
                    editor.widget.setFocus()
                    break
            return
        super().save()

    def write(self, values: dict[str, str | None]):
        if not self.record_id:
            values = {**values, "code": catalogues.new_code(
                self.conn, str(values.get("catalogue") or ""), str(values.get("name") or ""))}
        return super().write(values)
