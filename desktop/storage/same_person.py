"""Two records of one person made one: when the officer says that the person being written and
the one who already holds the citizen ID are the same (storage/references.py refuses two people
with one number), the memberships, attendance, chairs, secretaries and deeds of the other
record move to the kept one, its empty fields are filled from the other, what the officer just
typed is written on top, and the other record is deleted (recoverable, like any delete).

One transaction, and from the window one step of undo (a Store or an UndoStack is given).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from desktop.domain.errors import UserError
from desktop.domain.kinds import KINDS, PERSON, FieldType
from desktop.i18n import _
from desktop.storage import records
from desktop.storage.history import UndoStack
from desktop.storage.writer import Store

Writer = Store | UndoStack

# Records that name a person, and what makes two of them the same thing: a person is a member
# of an organization once, attends a meeting once.
_ONE_PER = {"membership": "organization_id", "attendance": "meeting_id"}


def _references() -> list[tuple[str, str]]:
    return [(kind.name, f.name) for kind in KINDS.values() for f in kind.fields
            if f.type is FieldType.REF and f.ref == PERSON.name]


@contextmanager
def _atomic(w: Writer) -> Iterator[None]:
    if isinstance(w, UndoStack):
        with w.batch():
            yield
    else:
        with w.transaction():
            yield


def merge_people(w: Writer, keep_id: str, *, values: Mapping[str, object] | None = None,
                 drop_id: str | None = None) -> str:
    """Make ``keep_id`` the one record of the person; returns it. ``values`` (as typed) win
    over what either record holds; ``drop_id``, another record of the same person, gives
    its empty-here fields and its references, then is deleted."""
    store = w.store if isinstance(w, UndoStack) else w
    conn = store.conn
    if drop_id == keep_id:
        raise UserError(_("Không gộp được một hồ sơ vào chính nó"))
    keep = records.get(conn, PERSON, keep_id)
    if keep.get("deleted"):
        raise UserError(_("Hồ sơ {n} đã bị xóa; hãy khôi phục trước khi gộp").format(
            n=keep["full_name"]))
    update: dict[str, object] = {}
    with _atomic(w):
        if drop_id is not None:
            drop = records.get(conn, PERSON, drop_id)
            for f in PERSON.fields:
                if keep.get(f.name) in (None, "") and drop.get(f.name) not in (None, ""):
                    update[f.name] = drop[f.name]
            _move_references(w, conn, drop_id, keep_id)
            w.delete("person", drop_id)
        for name, value in (values or {}).items():
            if value not in (None, "") and str(value) != str(keep.get(name) or ""):
                update[name] = value
        if update:
            w.edit("person", keep_id, update)
    return keep_id


def _move_references(w: Writer, conn, drop_id: str, keep_id: str) -> None:  # type: ignore[no-untyped-def]
    for kind_name, field_name in _references():
        kind = KINDS[kind_name]
        rows = conn.execute(f"SELECT * FROM {kind.table} WHERE {field_name} = ? AND "
                            "_deleted = 0", (drop_id,)).fetchall()
        for row in rows:
            same = _ONE_PER.get(kind_name)
            if same is not None and field_name == "person_id" and conn.execute(
                    f"SELECT 1 FROM {kind.table} WHERE person_id = ? AND {same} = ? AND "
                    "_deleted = 0" + (" AND left_date IS NULL" if kind_name == "membership"
                                      else ""), (keep_id, row[same])).fetchone():
                w.delete(kind_name, row["id"])  # the kept person already has one
                continue
            w.edit(kind_name, row["id"], {field_name: keep_id})
