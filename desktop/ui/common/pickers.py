"""Builds the right editor for each field, with its choices taken from the database."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from desktop.domain.kinds import Field, FieldType
from desktop.storage import catalogues, dbapi, paging, rosters
from desktop.ui.common.fields import (
    BoolEditor,
    ChecklistEditor,
    ChoiceEditor,
    FieldEditor,
    LineEditor,
    LongTextEditor,
    SearchPickEditor,
    shared_choices,
)


class EditorFactory:
    """``unit_scope``: the unit selected in the navigation tree (limits the pickers)."""

    def __init__(self, conn: dbapi.Connection, unit_scope: str | None = None) -> None:
        self.conn = conn
        self.unit_scope = unit_scope
        self.built: dict[str, FieldEditor] = {}  # by field name, for editors that follow another

    def editor(self, field: Field) -> FieldEditor:
        editor = self._make(field)
        self.built[field.name] = editor
        return editor

    def _make(self, field: Field) -> FieldEditor:
        t = field.type
        if t is FieldType.LONGTEXT and field.catalogue:  # codes ticked by their names
            return self._checklist(field, field.catalogue)
        if t is FieldType.LONGTEXT and field.choices:  # fixed codes ticked by their labels
            return ChecklistEditor(field, [(code, label, ()) for code, label in field.choices],
                                   lambda _code: None)
        if t is FieldType.LONGTEXT:
            return LongTextEditor(field)
        if t is FieldType.BOOL:
            return BoolEditor(field)
        if t is FieldType.CHOICE:
            return ChoiceEditor(field, field.choices)
        if t is FieldType.CODE and field.catalogue:
            items = catalogues.items(self.conn, field.catalogue)
            return ChoiceEditor(field, [(i.code, i.name) for i in items])
        if t is FieldType.REF and field.ref == "person":
            return SearchPickEditor(field, lambda typed: rosters.people_choices(self.conn, typed))
        records = self._records(field)
        if records is not None:
            return ChoiceEditor(field, records)
        return LineEditor(field)

    def _records(self, field: Field) -> list[tuple[str, str]] | None:
        """The records a place or record picker offers (None: the field has no such picker),
        kept with the connection."""
        if field.type is not FieldType.REF:
            return None
        if field.ref == "unit":
            scope = self._commune_scope()
            return self._kept(("unit", scope), lambda: rosters.unit_choices(self.conn, scope))
        if field.ref in ("organization", "model", "establishment"):
            scope, ref = self._commune_scope(), field.ref
            return self._kept((ref, scope), lambda: rosters.record_choices(self.conn, ref,
                                                                           scope))
        return None

    def read_ahead(self, fields: Sequence[Field]) -> None:
        """The pickers of ``fields`` read now (a list's window idle), not when the officer
        opens a record: a 300k commune's 3,000 organizations, 10 ms of the minutes editor's
        opening, again after every write; and the combo model a long one is shown in
        (fields.shared_choices: a province's 4,400 organizations, about 20 ms more)."""
        for field in fields:
            records = self._records(field)
            if records is not None and ChoiceEditor.shares(records):
                shared_choices(records, ChoiceEditor.blank(field))

    def _kept(self, key: tuple[str, str | None],
              read: Callable[[], list[tuple[str, str]]]) -> list[tuple[str, str]]:
        """A picker's records, read once and kept with the connection while nothing is
        written (paging.stamp): a 300k commune's 3,000 organizations took 10 ms of the UI
        thread at every minutes record opened."""
        return paging.remembered(self.conn, "_picker_choices", key, read)

    def _checklist(self, field: Field, catalogue: str) -> ChecklistEditor:
        def retired(code: str) -> str | None:
            item = catalogues.item(self.conn, catalogue, code)
            return None if item is None else item.name

        def applies(attrs: dict[str, object]) -> list[str]:
            found = attrs.get("applies")
            return [str(a) for a in found] if isinstance(found, list) else []

        items = [(i.code, i.name, applies(i.attrs)) for i in
                 catalogues.items(self.conn, catalogue)]
        checklist = ChecklistEditor(field, items, retired)
        # The criteria offered are those of the kind of subject chosen above (attrs.applies).
        subject = self.built.get("subject_kind")
        if subject is not None:
            subject.changed.connect(lambda: checklist.show_for(subject.text()))
            checklist.show_for(subject.text())  # the subject a new record's form starts at
        return checklist

    def _commune_scope(self) -> str | None:
        """Pickers offer the commune of the selection (a village's commune), not one bản."""
        if not self.unit_scope:
            return None
        return rosters.commune_of(self.conn, self.unit_scope) or self.unit_scope
