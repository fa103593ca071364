"""The review queue of concurrent edits that lost, and their resolution.

A resolution is an ordinary edit through the write path whose history names both the loser's
and the winner's dots, so it fast-forwards every site and closes the conflict wherever the
conflict was recorded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from desktop.domain import validation
from desktop.domain.errors import NotFoundError, UserError
from desktop.domain.kinds import KINDS_BY_TABLE, FieldType, Kind
from desktop.i18n import _
from desktop.storage import dbapi, references, versions
from desktop.storage.merge import conflict_id, now_local, value_of
from desktop.storage.site import require_site
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


def _row(r: dbapi.Row) -> Conflict:
    return Conflict(r["id"], r["kind"], r["severity"], r["tbl"], r["pk"], r["field"],
                    r["loser_value"], r["loser_origin"], r["winner_value"], r["winner_origin"],
                    r["detected_local_time"], r["status"],
                    (r["loser_origin"], r["loser_part"], r["loser_seq"]),
                    (r["winner_origin"], r["winner_part"], r["winner_seq"]))


def list_conflicts(conn: dbapi.Connection, *, include_closed: bool = False) -> list[Conflict]:
    where = "" if include_closed else "WHERE status = 'open'"
    return [_row(r) for r in conn.execute(
        f"SELECT * FROM sync_conflict {where} ORDER BY severity, detected_local_time, id")]


def get_conflict(conn: dbapi.Connection, conflict_id: str) -> Conflict:
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


def _current(kind: Kind, row: dbapi.Row, field: str) -> object:
    return value_of(kind, dict(row), field)


# -- conflict records travel upward (SYNC §3.6: the province's queue is complete) ----------------

# A commune's bundle to the province carries the conflicts it detected itself and that are still
# open (a loser the province may never have seen: the commune's value lost to an incoming one
# before it was sent). They ride in the signed manifest, so a cap keeps it small; the rest go
# in later bundles, once earlier ones are resolved.
MAX_CONFLICTS_PER_BUNDLE = 1000
MAX_CONFLICT_BYTES = 1 << 20  # well under the manifest cap, whatever the values hold
_COLUMNS = ("id", "kind", "severity", "tbl", "pk", "field", "loser_value", "loser_hlc",
            "loser_origin", "loser_part", "loser_seq", "winner_value", "winner_hlc",
            "winner_origin", "winner_part", "winner_seq", "detected_site",
            "detected_local_time")


def conflicts_to_send(conn: dbapi.Connection, parts: set[str]) -> list[dict[str, object]]:
    """Open conflicts detected here, in the partitions the recipient may see (read only)."""
    here = require_site(conn).site_id
    out: list[dict[str, object]] = []
    size = 0
    for r in conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM sync_conflict WHERE status = "
                          f"'open' AND detected_site = ? ORDER BY detected_local_time, id",
                          (here,)):
        if r["loser_part"] in parts and r["winner_part"] in parts:
            item = {c: r[c] for c in _COLUMNS}
            size += len(json.dumps(item, ensure_ascii=False).encode())
            if size > MAX_CONFLICT_BYTES or len(out) == MAX_CONFLICTS_PER_BUNDLE:
                break
            out.append(item)
    return out


def parse_conflicts(obj: object, sender: str, allowed: set[str] | None,
                    name: str) -> list[dict[str, object]]:
    """Check the conflicts listed in a manifest; raises UserError if any is malformed."""
    if obj is None:
        return []
    bad = UserError(_("{n}: danh sách xung đột trong gói không hợp lệ").format(n=name))
    if not isinstance(obj, list) or len(obj) > MAX_CONFLICTS_PER_BUNDLE:
        raise bad
    ints = {"loser_hlc", "loser_seq", "winner_hlc", "winner_seq"}
    texts = set(_COLUMNS) - ints - {"loser_value", "winner_value"}
    for c in obj:
        if not isinstance(c, dict) or set(c) != set(_COLUMNS) \
                or not all(isinstance(c[k], int) and not isinstance(c[k], bool) for k in ints) \
                or not all(isinstance(c[k], str) for k in texts) \
                or not all(c[k] is None or isinstance(c[k], str)
                           for k in ("loser_value", "winner_value")) \
                or c["kind"] not in ("value", "delete") or c["tbl"] not in KINDS_BY_TABLE \
                or c["severity"] != ("high" if c["kind"] == "delete" or c["field"] == "_deleted"
                                     else "normal") \
                or c["detected_site"] != sender \
                or (allowed is not None and not {c["loser_part"], c["winner_part"]} <= allowed):
            raise bad
        dots = ([c["loser_origin"], c["loser_part"], c["loser_seq"]],
                [c["winner_origin"], c["winner_part"], c["winner_seq"]])
        if c["id"] != conflict_id(c["kind"], c["tbl"], c["pk"], c["field"], *dots):
            raise bad
    return obj


def receive_conflicts(conn: dbapi.Connection, items: list[dict[str, object]]) -> int:
    """Inside the import transaction, after the changes: keep the ones not known here, open
    unless a value here already covers both sides (then it was resolved or overtaken)."""
    new = 0
    for c in items:
        before = conn.total_changes
        conn.execute(f"INSERT OR IGNORE INTO sync_conflict ({', '.join(_COLUMNS)}, status) "
                     f"VALUES ({', '.join('?' * len(_COLUMNS))}, 'open')",
                     tuple(c[k] for k in _COLUMNS))
        if conn.total_changes == before:
            continue
        new += 1
        key_field = "_deleted" if c["kind"] == "delete" else c["field"]
        cell = versions.cell(conn, str(c["tbl"]), str(c["pk"]), str(key_field))
        if cell is None:
            continue
        covered = [[cell[1], cell[2], cell[3]], *cell[4]]
        if [c["loser_origin"], c["loser_part"], c["loser_seq"]] in covered \
                and [c["winner_origin"], c["winner_part"], c["winner_seq"]] in covered:
            conn.execute("UPDATE sync_conflict SET status = 'closed', resolved_by = ?, "
                         "resolved_local_time = ? WHERE id = ?",
                         (cell[1], now_local(), c["id"]))
    return new
