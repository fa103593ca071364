"""The review queue of concurrent edits that lost, and their resolution.

A resolution is an ordinary edit through the write path whose history names both the loser's
and the winner's dots, so it fast-forwards every site and closes the conflict wherever the
conflict was recorded.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from desktop.domain import validation
from desktop.domain.errors import NotFoundError, UserError
from desktop.domain.kinds import KINDS_BY_TABLE, FieldType, Kind
from desktop.i18n import _
from desktop.storage import references
from desktop.storage.merge import now_local, value_of
from desktop.storage.writer import Store


@dataclass(frozen=True)
class Conflict:
    id: str
    kind: str  # value | delete
    severity: str
    tbl: str
    pk: str
    field: str
    loser_value: str | None
    loser_origin: str
    winner_value: str | None
    winner_origin: str
    detected_local_time: str
    status: str
    loser_dot: tuple[str, str, int]
    winner_dot: tuple[str, str, int]

    @property
    def kind_name(self) -> str:
        return KINDS_BY_TABLE[self.tbl].name

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "kind": self.kind, "severity": self.severity,
                "record_kind": self.kind_name, "record_id": self.pk, "field": self.field,
                "mine_or_loser": self.loser_value, "loser_site": self.loser_origin,
                "winner": self.winner_value, "winner_site": self.winner_origin,
                "detected": self.detected_local_time, "status": self.status}


def _row(r: sqlite3.Row) -> Conflict:
    return Conflict(r["id"], r["kind"], r["severity"], r["tbl"], r["pk"], r["field"],
                    r["loser_value"], r["loser_origin"], r["winner_value"], r["winner_origin"],
                    r["detected_local_time"], r["status"],
                    (r["loser_origin"], r["loser_part"], r["loser_seq"]),
                    (r["winner_origin"], r["winner_part"], r["winner_seq"]))


def list_conflicts(conn: sqlite3.Connection, *, include_closed: bool = False) -> list[Conflict]:
    where = "" if include_closed else "WHERE status = 'open'"
    return [_row(r) for r in conn.execute(
        f"SELECT * FROM sync_conflict {where} ORDER BY severity, detected_local_time, id")]


def get_conflict(conn: sqlite3.Connection, conflict_id: str) -> Conflict:
    rows = conn.execute("SELECT * FROM sync_conflict WHERE id = ? OR id LIKE ?",
                        (conflict_id, conflict_id + "%")).fetchall()
    if len(rows) != 1:
        raise NotFoundError(_("Không có xung đột «{i}»").format(i=conflict_id) if not rows
                            else _("«{i}» trùng đầu với nhiều xung đột; hãy gõ dài hơn").format(
                                i=conflict_id))
    return _row(rows[0])


def resolve_conflict(store: Store, conflict_id: str, keep: str) -> Conflict:
    """``keep``: "mine" (the value that lost), "theirs" (the current winner) or a new value.

    For a delete-versus-edit conflict, "mine" keeps the edited record (restores it) and
    "theirs" keeps it deleted.
    """
    conn = store.conn
    c = get_conflict(conn, conflict_id)
    if c.status != "open":
        raise UserError(_("Xung đột «{i}» đã được giải quyết ({s})").format(i=c.id, s=c.status))
    kind = KINDS_BY_TABLE[c.tbl]
    dots = [list(c.loser_dot), list(c.winner_dot)]
    with store.transaction():
        if c.kind == "delete":
            if keep not in ("mine", "theirs"):
                raise UserError(_("--keep: với xung đột xóa/sửa chỉ chọn mine (giữ bản ghi) "
                                  "hoặc theirs (giữ việc xóa)"))
            field, value = "_deleted", 0 if keep == "mine" else 1
            status = "restored" if keep == "mine" else "accepted"
        else:
            field = c.field
            if keep == "mine":
                value, status = c.loser_value, "restored"
                value = _stored(kind, field, value)
            elif keep == "theirs":
                row = store.get_row(kind, c.pk)
                value, status = _current(kind, row, field), "accepted"
            else:
                value, status = _typed(store, kind, field, keep), "merged"
        store.resolve_field(kind.name, c.pk, field, value, dots)
        conn.execute("UPDATE sync_conflict SET status = ?, resolved_by = ?, "
                     "resolved_local_time = ? WHERE id = ?",
                     (status, store.site.site_id, now_local(), c.id))
    return get_conflict(conn, c.id)


def _stored(kind: Kind, field: str, text: str | None) -> object:
    """A value kept as text in the conflict log, back in its column's type."""
    f = kind.by_name.get(field)
    if text is None or f is None or f.type not in (FieldType.INT, FieldType.BOOL):
        return text
    return int(text)


def _typed(store: Store, kind: Kind, field: str, text: str) -> object:
    """A hand-merged value typed by the reviewer, checked like any edit of that field."""
    if field not in kind.by_name:
        return text
    f = kind.field(field)
    value = validation.clean_values(kind, {field: text}, today=store.today).get(field)
    if value is not None and f.type is FieldType.CODE:
        value = references.resolve_code(store.conn, f, str(value))
    elif value is not None and f.type is FieldType.REF:
        value = references.resolve_ref(store.conn, f, str(value))
    return value


def _current(kind: Kind, row: sqlite3.Row, field: str) -> object:
    return value_of(kind, dict(row), field)
