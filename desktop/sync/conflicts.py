"""The review queue of concurrent edits that lost, and their resolution.

A resolution is an ordinary edit through the write path whose history names both the loser's
and the winner's dots, so it fast-forwards every site and closes the conflict wherever the
conflict was recorded.

The queue also holds records an import left breaking a whole-record rule that a local write
enforces (``kind`` "rule", :func:`review_broken_records`): a bundle is never refused for
one, since the sender may rightly hold that state (two sites each fixed one of a CCCD and a
birth year, and the fields merged); the officer sees the record, the field and the rule's
message, and the item closes when an edit here makes the record pass.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from desktop.domain import validation
from desktop.domain.errors import NotFoundError, UserError, ValidationError
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

    @property
    def message(self) -> str | None:
        """A rule item's reason: the rule's words, as a local write says them."""
        return self.loser_value if self.kind == RULE else None

    @property
    def field_label(self) -> str:
        kind = KINDS_BY_TABLE[self.tbl]
        return kind.by_name[self.field].label if self.field in kind.by_name else self.field

    def as_dict(self) -> dict[str, object]:
        if self.kind == RULE:  # one value, the one in force, and why it cannot stay
            return {"id": self.id, "kind": self.kind, "severity": self.severity,
                    "record_kind": self.kind_name, "record_id": self.pk, "field": self.field,
                    "field_label": self.field_label, "value": self.winner_value,
                    "message": self.message, "detected": self.detected_local_time,
                    "status": self.status}
        return {"id": self.id, "kind": self.kind, "severity": self.severity,
                "record_kind": self.kind_name, "record_id": self.pk, "field": self.field,
                "mine_or_loser": self.loser_value, "loser_site": self.loser_origin,
                "winner": self.winner_value, "winner_site": self.winner_origin,
                "detected": self.detected_local_time, "status": self.status}


RULE = "rule"


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
    if c.kind == RULE:
        return _resolve_rule(store, c, keep)
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
    # Rule items stay here: each site checks the records it imports itself, and a program
    # before them would refuse the bundle for a kind it does not know.
    for r in conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM sync_conflict WHERE status = "
                          f"'open' AND detected_site = ? AND kind != 'rule' "
                          f"ORDER BY detected_local_time, id", (here,)):
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


# -- records an import left breaking a whole-record rule ----------------------------------------

Touched = Sequence[tuple[Kind, Mapping[str, Mapping[str, object]],
                         Mapping[str, Mapping[str, object]]]]


def review_broken_records(store: Store, touched: Touched) -> int:
    """Inside the import transaction, after the merge (``touched``: MergeStats.touched):
    each record the import created or changed that now breaks a rule a local write enforces
    (validation.check_record: a required field, the CCCD against the birth year and sex, a
    left date before the joined date…) becomes an open item naming the field the rule names
    and its message; a warning is no item. A record that broke the same rule in the same
    words before the import, which did not write the field named, is not put up again (held
    from before the rules, or already reviewed). An item of a record that now passes is
    closed (a fix came from another site). Returns the items opened."""
    broken: list[tuple[Kind, str, ValidationError]] = []
    passing: list[tuple[str, str]] = []
    for kind, before, changes in touched:
        names = [f.name for f in kind.fields]
        for pk, changed in changes.items():
            if not changed:
                continue
            row = before.get(pk)
            if row is None:  # a new record: the changes are all it has
                record, deleted = changed, changed.get("_deleted")
            else:
                record = {n: changed[n] if n in changed else row[n] for n in names}
                deleted = changed.get("_deleted", row["_deleted"])
            if deleted:
                continue
            error = _rule_error(kind, record)
            if error is None:
                if row is not None:
                    passing.append((kind.table, pk))
            elif (row is None or error.field in changed
                  or _said(_rule_error(kind, row)) != _said(error)):
                broken.append((kind, pk, error))
    if passing:
        _close_passing(store, passing)
    return _open_items(store, broken) if broken else 0


def _rule_error(kind: Kind, record: Mapping[str, object]) -> ValidationError | None:
    try:
        validation.check_record(kind, record)  # type: ignore[arg-type]
    except ValidationError as e:
        return e
    return None


def _said(e: ValidationError | None) -> tuple[str | None, str] | None:
    return None if e is None else (e.field, e.message)


def _close_passing(store: Store, records: Sequence[tuple[str, str]]) -> None:
    """Close the open rule items of these records (each passes the rules now)."""
    conn = store.conn
    open_items = {(r[1], r[2]): r[0] for r in conn.execute(
        "SELECT id, tbl, pk FROM sync_conflict WHERE status = 'open' AND kind = 'rule'")}
    if not open_items:  # the usual case: one query per import
        return
    done = [(store.site.site_id, now_local(), open_items[r]) for r in records
            if r in open_items]
    conn.executemany("UPDATE sync_conflict SET status = 'closed', resolved_by = ?, "
                     "resolved_local_time = ? WHERE id = ?", done)


def _open_items(store: Store, broken: Sequence[tuple[Kind, str, ValidationError]]) -> int:
    """One open item per broken record (an older open item of the record, for another rule
    or in other words, is closed: the record is what it is now)."""
    conn = store.conn
    here, now = store.site.site_id, now_local()
    opened = 0
    for kind, pk, e in broken:
        field_name = e.field if e.field in kind.by_name else kind.fields[0].name
        row = conn.execute(f"SELECT * FROM {kind.table} WHERE id = ?", (pk,)).fetchone()
        cell = versions.cell(conn, kind.table, pk, field_name)
        # The version of the field named, which the item is about (none: a field never given).
        hlc, origin, part, seq = (cell[0], cell[1], cell[2], cell[3]) if cell is not None \
            else (0, here, str(row["_part"]), 0)
        dot = [origin, part, seq]
        item_id = conflict_id(RULE, kind.table, pk, field_name, dot, [e.message])
        conn.execute("UPDATE sync_conflict SET status = 'closed', resolved_by = ?, "
                     "resolved_local_time = ? WHERE status = 'open' AND tbl = ? AND pk = ? "
                     "AND kind = 'rule' AND id != ?", (here, now, kind.table, pk, item_id))
        value = value_of(kind, dict(row), field_name)
        # (conn.total_changes would count the undo journal's trigger rows too)
        held = conn.execute("SELECT status FROM sync_conflict WHERE id = ?",
                            (item_id,)).fetchone()
        opened += held is None or held[0] != "open"
        conn.execute(
            "INSERT INTO sync_conflict VALUES (?, 'rule', 'normal', ?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "?, ?, ?, ?, ?, ?, 'open', NULL, NULL) ON CONFLICT(id) DO UPDATE SET "
            "status = 'open', resolved_by = NULL, resolved_local_time = NULL, "
            "detected_local_time = excluded.detected_local_time WHERE status != 'open'",
            (item_id, kind.table, pk, field_name, e.message, hlc, origin, part, seq,
             None if value is None else str(value), hlc, origin, part, seq, here, now))
    return opened


def _resolve_rule(store: Store, c: Conflict, keep: str) -> Conflict:
    """A rule item: ``keep`` is the right value of the field named, written as any edit
    (every rule checked again: refused with its message if the record still breaks one).
    "mine" or "theirs" close it only if the record passes now (fixed by an edit here)."""
    kind = KINDS_BY_TABLE[c.tbl]
    with store.transaction("conflicts"):
        if keep in ("mine", "theirs"):
            row = store.get_row(kind, c.pk)
            error = None if row["_deleted"] else _rule_error(kind, dict(row))
            if error is not None:
                raise UserError(_("{f}: {m} — hãy nhập giá trị đúng hoặc sửa bản ghi").format(
                    f=c.field_label, m=error.message))
            status = "closed"
        else:
            store.edit(kind.name, c.pk, {c.field: keep})
            status = "merged"
        store.conn.execute("UPDATE sync_conflict SET status = ?, resolved_by = ?, "
                           "resolved_local_time = ? WHERE id = ?",
                           (status, store.site.site_id, now_local(), c.id))
    return get_conflict(store.conn, c.id)
