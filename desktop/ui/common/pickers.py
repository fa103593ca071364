"""Builds the right editor for each field, with its choices taken from the database."""

from __future__ import annotations

from desktop.domain.kinds import Field, FieldType
from desktop.storage import catalogues, dbapi, rosters
from desktop.ui.common.fields import (
    BoolEditor,
    ChoiceEditor,
    FieldEditor,
    LineEditor,
    LongTextEditor,
    SearchPickEditor,
)


class EditorFactory:
    """``unit_scope``: the unit selected in the navigation tree (limits the pickers)."""

    def __init__(self, conn: dbapi.Connection, unit_scope: str | None = None) -> None:
        self.conn = conn
        self.unit_scope = unit_scope

    def editor(self, field: Field) -> FieldEditor:
        t = field.type
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
        if t is FieldType.REF and field.ref == "unit":
            return ChoiceEditor(field, rosters.unit_choices(self.conn, self._commune_scope()))
        if t is FieldType.REF and field.ref in ("organization", "model", "establishment"):
            return ChoiceEditor(field, rosters.record_choices(self.conn, field.ref,
                                                              self._commune_scope()))
        return LineEditor(field)

    def _commune_scope(self) -> str | None:
        """Pickers offer the commune of the selection (a village's commune), not one bản."""
        if not self.unit_scope:
            return None
        return rosters.commune_of(self.conn, self.unit_scope) or self.unit_scope
