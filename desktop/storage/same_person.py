"""Two records of one person made one: when the officer says that the person being written and
the one who already holds the citizen ID are the same (storage/references.py refuses two people
with one number), the memberships, attendance, chairs, secretaries and deeds of the other
record move to the kept one, its empty fields are filled from the other, what the officer just
typed is written on top, and the other record is deleted (recoverable, like any delete).

One transaction, and from the window one step of undo (a Store or an UndoStack is given).

The other record keeps the survivor's id in ``merged_into`` (an alias, written through the
Store like any field, so bundles carry it): its id goes on naming the survivor everywhere
(desktop/storage/aliases.py), and the duplicates queue (duplicates.py) can take it back.
"""

from __future__ import annotations

from collections.abc import Mapping

from desktop.domain.errors import UserError
from desktop.domain.kinds import KINDS, PERSON, FieldType
from desktop.i18n import _
from desktop.storage import records
from desktop.storage import references as references_module
from desktop.storage.history import Writer, atomic, store_of

# Records that name a person, and what makes two of them the same thing: a person is a member
# of an organization once, attends a meeting once.
_ONE_PER = {"membership": "organization_id", "attendance": "meeting_id"}


ALIAS = "merged_into"


def references() -> list[tuple[str, str]]:
    """(kind, field) of every field naming a person, but the alias itself."""
    return [(kind.name, f.name) for kind in KINDS.values() for f in kind.fields
            if f.type is FieldType.REF and f.ref == PERSON.name and f.name != ALIAS]


def merge_people(w: Writer, keep_id: str, *, values: Mapping[str, object] | None = None,
                 drop_id: str | None = None) -> str:
    """Make ``keep_id`` the one record of the person; returns it. ``values`` (as typed) win
    over what either record holds; ``drop_id``, another record of the same person, gives
    its empty-here fields and its references, then is deleted."""
    store = store_of(w)
    conn = store.conn
    if drop_id == keep_id:
        raise UserError(_("Không gộp được một hồ sơ vào chính nó"))
    keep = records.get(conn, PERSON, keep_id)
    if keep.get("deleted"):
        raise UserError(_("Hồ sơ {n} đã bị xóa; hãy khôi phục trước khi gộp").format(
            n=keep["full_name"]))
    update: dict[str, object] = {}
    with atomic(w):
        if drop_id is not None:
            drop = records.get(conn, PERSON, drop_id)
            if drop.get("deleted"):
                raise UserError(_("Hồ sơ {n} ({id}) đã bị xóa hoặc đã gộp").format(
                    n=drop["full_name"], id=drop_id))
            for f in PERSON.fields:
                if f.name != ALIAS and keep.get(f.name) in (None, "") \
                        and drop.get(f.name) not in (None, ""):
                    update[f.name] = drop[f.name]
            _move_references(w, conn, drop_id, keep_id)
            _link(w, drop_id, {ALIAS: keep_id})  # before the delete, which then covers it
            w.delete("person", drop_id)
        for name, value in (values or {}).items():
            if value not in (None, "") and str(value) != str(keep.get(name) or ""):
                update[name] = value
        if update:
            w.edit("person", keep_id, update)
    return keep_id


def _link(w: Writer, person_id: str, values: Mapping[str, object]) -> None:
    w.link("person", person_id, values)  # an UndoStack remembers it, to take it back


def already_has(conn, kind_name: str, field_name: str, row, keep_id: str) -> bool:  # type: ignore[no-untyped-def]
    """Whether ``keep_id`` already holds the one-per thing ``row`` gives (a membership of the
    same organization, attendance of the same meeting)."""
    same = _ONE_PER.get(kind_name)
    if same is None or field_name != "person_id":
        return False
    kind = KINDS[kind_name]
    return conn.execute(
        f"SELECT 1 FROM {kind.table} WHERE person_id = ? AND {same} = ? AND _deleted = 0"
        + (" AND left_date IS NULL" if kind_name == "membership" else ""),
        (keep_id, row[same])).fetchone() is not None


def moves_partition(conn, kind_name: str, field_name: str, row, keep_id: str) -> bool:  # type: ignore[no-untyped-def]
    """Whether naming ``keep_id`` in ``field_name`` would put ``row`` in another partition (a
    deed follows its person: a survivor in another commune takes the deed there)."""
    kind = KINDS[kind_name]
    if field_name not in references_module.partition_fields(kind):
        return False
    record = {f.name: row[f.name] for f in kind.fields}
    record[field_name] = keep_id
    part = references_module.data_partition(conn, kind, record)[0]
    return part is not None and part != row["_part"]


def _move_references(w: Writer, conn, drop_id: str, keep_id: str) -> None:  # type: ignore[no-untyped-def]
    for kind_name, field_name in references():
        kind = KINDS[kind_name]
        rows = conn.execute(f"SELECT * FROM {kind.table} WHERE {field_name} = ? AND "
                            "_deleted = 0", (drop_id,)).fetchall()
        for row in rows:
            if already_has(conn, kind_name, field_name, row, keep_id):
                w.delete(kind_name, row["id"])  # the kept person already has one
            elif moves_partition(conn, kind_name, field_name, row, keep_id):
                # A record cannot change partition (it would vanish from one site): the
                # survivor's commune gets a copy, the old one is deleted (both undoable).
                values = {f.name: row[f.name] for f in kind.fields if row[f.name] is not None}
                w.add(kind_name, {**values, field_name: keep_id})
                w.delete(kind_name, row["id"])
            else:
                w.edit(kind_name, row["id"], {field_name: keep_id})
    # Files attached to the other record (a scan of an ID card) belong to the survivor.
    for row in conn.execute("SELECT id FROM attachment WHERE owner_kind = 'person' AND "
                            "owner_id = ? AND _deleted = 0", (drop_id,)).fetchall():
        w.edit("attachment", row["id"], {"owner_id": keep_id})
