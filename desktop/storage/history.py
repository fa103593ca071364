"""Undo of the last saved changes, and the "recently deleted" list.

Undo is itself an ordinary, versioned edit through the write path (a created record is
deleted, an edit is edited back, a delete is restored), so it syncs like any other change.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

from desktop.domain.kinds import KINDS
from desktop.storage import audit, dbapi, records
from desktop.storage.writer import Store, WriteResult, kind_named


@dataclass(frozen=True)
class Change:
    kind: str
    id: str
    action: str  # create | update | delete | restore | link (an alias, Store.link)
    before: Mapping[str, object] = field(default_factory=dict)  # old values, for update


class UndoStack:
    """Writes through a :class:`Store` and remembers how to take each write back."""

    def __init__(self, store: Store, limit: int = 100) -> None:
        self.store = store
        self.limit = limit
        self._done: list[list[Change]] = []  # each entry: the changes of one user action
        self._batch: list[Change] | None = None

    @property
    def can_undo(self) -> bool:
        return bool(self._done)

    def last(self) -> Change | None:
        return self._done[-1][0] if self._done else None

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Several writes as one transaction and one step of undo (minutes + attendance)."""
        if self._batch is not None:
            yield
            return
        self._batch = []
        try:
            with self.store.transaction():
                yield
            if self._batch:
                self._done.append(self._batch)
                del self._done[:-self.limit]
        finally:
            self._batch = None

    def _push(self, change: Change) -> None:
        if self._batch is not None:
            self._batch.append(change)
            return
        self._done.append([change])
        del self._done[:-self.limit]

    def add(self, kind: str, values: Mapping[str, object]) -> WriteResult:
        result = self.store.add(kind, values)
        self._push(Change(kind_named(kind).name, result.id, "create"))
        return result

    def edit(self, kind: str, record_id: str, values: Mapping[str, object]) -> WriteResult:
        k = kind_named(kind)
        current = records.get(self.store.conn, k, record_id)
        result = self.store.edit(kind, record_id, values)
        after = records.get(self.store.conn, k, record_id)
        before = {n: current[n] for n in values if n in current and current[n] != after[n]}
        if before:
            self._push(Change(k.name, record_id, "update", before))
        return result

    def delete(self, kind: str, record_id: str) -> None:
        self.store.delete(kind, record_id)
        self._push(Change(kind_named(kind).name, record_id, "delete"))

    def restore(self, kind: str, record_id: str) -> None:
        self.store.restore(kind, record_id)
        self._push(Change(kind_named(kind).name, record_id, "restore"))

    def link(self, kind: str, record_id: str, values: Mapping[str, object]) -> None:
        k = kind_named(kind)
        row = self.store.get_row(k, record_id)
        before = {n: row[n] for n in values if row[n] != values[n]}
        self.store.link(kind, record_id, values)
        if before:
            self._push(Change(k.name, record_id, "link", before))

    def last_changes(self) -> list[Change]:
        """The changes of the last user action (a merge keeps them, to be taken back later)."""
        return list(self._done[-1]) if self._done else []

    def forget(self, kind: str, record_id: str) -> None:
        """Drop every step that touches a record erased for good (Xóa vĩnh viễn): undoing one
        would write back values that must be gone."""
        name = kind_named(kind).name
        self._done = [group for group in self._done
                      if not any(c.kind == name and c.id == record_id for c in group)]

    def undo(self) -> Change | None:
        """Take back the last user action; returns its first change (None: nothing to undo)."""
        if not self._done:
            return None
        group = self._done[-1]
        take_back(self.store, group)
        self._done.pop()
        return group[0]


Writer = Store | UndoStack  # the window writes through its undo stack, the CLI through the store


def store_of(w: Writer) -> Store:
    return w.store if isinstance(w, UndoStack) else w


@contextmanager
def atomic(w: Writer) -> Iterator[None]:
    """One transaction (and, from the window, one step of undo)."""
    if isinstance(w, UndoStack):
        with w.batch():
            yield
    else:
        with w.transaction():
            yield


def take_back(store: Store, group: list[Change]) -> None:
    """Undo ``group`` (the changes of one action), newest first, in one transaction."""
    with store.transaction():
        for change in reversed(group):
            if change.action in ("create", "restore"):
                store.delete(change.kind, change.id)
            elif change.action == "delete":
                store.restore(change.kind, change.id)
            elif change.action == "link":
                store.link(change.kind, change.id, dict(change.before))
            else:
                store.edit(change.kind, change.id, dict(change.before))


@dataclass(frozen=True)
class DeletedItem:
    kind: str
    id: str
    title: str
    deleted_at: str
    actor: str


def recently_deleted(conn: dbapi.Connection, limit: int = 200) -> list[DeletedItem]:
    """Records now deleted, the latest deletion first (from the audit trail); not those
    erased for good (Xóa vĩnh viễn: nothing is left to restore)."""
    out: list[DeletedItem] = []
    by_table = {k.table: k for k in KINDS.values()}
    for tbl, pk, at, actor in audit.latest_deletions(conn, limit * 2):
        kind = by_table.get(tbl)
        if kind is None:
            continue
        rec = conn.execute(f"SELECT * FROM {kind.table} WHERE id = ?", (pk,)).fetchone()
        if rec is not None and kind.name == "person" and rec["merged_into"]:
            continue  # merged, not deleted: taken back on the Trùng lặp page (Bỏ gộp)
        if rec is not None and rec["_deleted"]:
            out.append(DeletedItem(kind.name, pk, str(rec[kind.title_field] or ""), at, actor))
        if len(out) >= limit:
            break
    return out
