"""Remote field versions in and out: the conflict rule of SYNC.md §3.6, and the delta to send.

Incoming cells are applied inside one :meth:`Store.transaction` (the one write path), so the
site clock advances past every imported stamp and a failure rolls everything back. For each
incoming cell ``inc`` against the local ``cur`` of the same (table, record, field):

1. ``cur`` absent or ``(inc.hlc, inc.origin) > (cur.hlc, cur.origin)``: adopt ``inc``; if
   ``cur``'s dot is neither ``inc``'s nor in its history, ``cur`` lost a concurrent edit.
2. else, if ``inc`` is new to us and its dot is not in ``cur``'s history: ``inc`` lost.
3. else: a repeat or an old value, nothing to do.

The winner is the maximum of a total order, so the result does not depend on the order of
arrival; conflict detection only decides what is logged for review. A winning delete whose
history does not cover a field value of the same record hides a concurrent edit: that is
always logged (severity "high"). Relayed cells keep their origin, stamp and sequence.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import operator
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import accumulate, groupby, repeat
from typing import Any

from desktop.domain import validation
from desktop.domain.errors import UserError, ValidationError
from desktop.domain.kinds import CATALOGUES, KINDS_BY_TABLE, FieldType, Kind
from desktop.i18n import _
from desktop.storage import bulk, dbapi, derived, moves, references, roster_members, versions
from desktop.storage.writer import Store

# One incoming or outgoing field version:
# (table, record id, field, value, hlc, origin, partition, seq, history of dots)
Cell = tuple[str, str, str, object, int, str, str, int, list]
Dot = tuple[str, str, int]
Vector = dict[tuple[str, str], int]
# A bundle's record line (sync.bundle.RecordLine): t, pk, f, v, h, o, p, s, q, x.
Record = Any
# A record an import creates or re-links: kind, id, new?, merged values, carried partition.
Placed = tuple[Kind, str, bool, dict[str, object], str]

_FIELD_NAME = re.compile(r"[a-z][a-z0-9_]{0,62}\Z")
_CHUNK = 500
PROGRESS_EVERY = 5000


class MergeError(UserError):
    """An incoming change that cannot be stored (the whole bundle is refused)."""


class Cancelled(UserError):
    """The user stopped an import; nothing was changed."""


@dataclass
class MergeStats:
    cells: int = 0
    adopted: int = 0
    ignored: int = 0
    new_records: dict[str, int] = field(default_factory=dict)
    changed_records: dict[str, int] = field(default_factory=dict)
    conflicts_new: int = 0
    conflicts_closed: int = 0
    hlc_max: int = 0
    # Records left breaking a whole-record rule, put up for review (sync/conflicts.py).
    review_new: int = 0
    # What each table's merge wrote, for those rules: (kind, the records before, by id; the
    # values the merge changed, by id, a new record's being all it has).
    touched: list[tuple[Kind, Mapping[str, Mapping[str, object]],
                        Mapping[str, Mapping[str, object]]]] = field(
        default_factory=list, repr=False, compare=False)

    def as_dict(self) -> dict[str, object]:
        return {"cells": self.cells, "adopted": self.adopted, "ignored": self.ignored,
                "new_records": dict(self.new_records),
                "changed_records": dict(self.changed_records),
                "conflicts_new": self.conflicts_new, "conflicts_closed": self.conflicts_closed,
                "review_new": self.review_new}


def conflict_id(kind: str, tbl: str, pk: str, field_name: str, loser: Sequence[object],
                winner: Sequence[object]) -> str:
    """Deterministic: the same conflict seen at two sites or twice is one row."""
    raw = json.dumps([kind, tbl, pk, field_name, list(loser), list(winner)],
                     separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]


def now_local() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


# -- vectors ---------------------------------------------------------------------------------

def version_vector(conn: dbapi.Connection) -> Vector:
    return {(r[0], r[1]): int(r[2]) for r in conn.execute("SELECT origin, part, seq FROM sync_vv")}


def belief_of(conn: dbapi.Connection, peer: str) -> Vector:
    return {(r[0], r[1]): int(r[2]) for r in conn.execute(
        "SELECT origin, part, seq FROM sync_belief WHERE peer = ?", (peer,))}


def raise_vector(conn: dbapi.Connection, vector: Mapping[tuple[str, str], int],
                 parts: Iterable[str] | None = None) -> None:
    """``sync_vv := max(sync_vv, vector)``, for the partitions given (all if None)."""
    keep = None if parts is None else set(parts)
    conn.executemany(
        "INSERT INTO sync_vv(origin, part, seq) VALUES (?, ?, ?) ON CONFLICT(origin, part) "
        "DO UPDATE SET seq = max(seq, excluded.seq)",
        [(o, p, s) for (o, p), s in vector.items() if keep is None or p in keep])


def raise_belief(conn: dbapi.Connection, peer: str,
                 vector: Mapping[tuple[str, str], int]) -> None:
    conn.executemany(
        "INSERT INTO sync_belief(peer, origin, part, seq) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(peer, origin, part) DO UPDATE SET seq = max(seq, excluded.seq)",
        [(peer, o, p, s) for (o, p), s in vector.items()])


# -- checking incoming cells -------------------------------------------------------------------

def check_cell(cell: Cell, allowed_parts: Callable[[str], bool]) -> None:
    """Refuse what cannot be a field version written by this program (a hostile line)."""
    tbl, pk, f, v, h, o, p, s, hist = cell
    where = f"{tbl}/{pk}/{f}"
    if tbl not in KINDS_BY_TABLE:
        raise MergeError(_("bảng «{t}» không có trong chương trình này (hãy cập nhật chương "
                           "trình)").format(t=tbl))
    if not isinstance(pk, str) or not 0 < len(pk) <= 64:
        raise MergeError(_("{w}: mã bản ghi không hợp lệ").format(w=where))
    if f != "_deleted" and not _FIELD_NAME.match(f) or f in _DERIVED:
        raise MergeError(_("{w}: tên trường không hợp lệ").format(w=where))
    if f == "_deleted":
        if v not in (0, 1) or isinstance(v, bool):
            raise MergeError(_("{w}: giá trị xóa phải là 0 hoặc 1").format(w=where))
    elif not (v is None or isinstance(v, str | int)) or isinstance(v, bool):
        raise MergeError(_("{w}: giá trị không hợp lệ").format(w=where))
    if isinstance(v, str) and len(v) > 1_000_000:
        raise MergeError(_("{w}: giá trị quá dài").format(w=where))
    if not (isinstance(h, int) and isinstance(s, int) and 0 <= h < 2**63 and 0 < s < 2**63):
        raise MergeError(_("{w}: phiên bản không hợp lệ").format(w=where))
    if not (isinstance(o, str) and isinstance(p, str) and o and p):
        raise MergeError(_("{w}: nơi ghi hoặc phân vùng không hợp lệ").format(w=where))
    if not allowed_parts(p):
        raise MergeError(_("{w}: phân vùng «{p}» không được gửi tới điểm này").format(
            w=where, p=p))
    if not isinstance(hist, list) or len(hist) > 256 or not all(
            isinstance(d, list) and len(d) == 3 and isinstance(d[0], str)
            and isinstance(d[1], str) and isinstance(d[2], int) for d in hist):
        raise MergeError(_("{w}: lịch sử phiên bản không hợp lệ").format(w=where))


_DERIVED = {"name_key", "id"}


def check_cells(cells: Iterable[Cell], allowed_parts: Callable[[str], bool]) -> None:
    """:func:`check_cell` for many cells: the names are checked once per (table, field,
    partition), the values and versions of every cell on a fast path."""
    seen: set[tuple[str, str, str]] = set()
    for c in cells:
        tbl, pk, f, v, h, o, p, s, hist = c
        key = (tbl, f, p)
        tv = type(v)
        if (key not in seen or not (tv is str or tv is int or v is None)
                or type(pk) is not str or not 0 < len(pk) <= 64
                or type(h) is not int or type(s) is not int or not 0 <= h < 2**63
                or not 0 < s < 2**63 or type(o) is not str or not o or hist
                or type(hist) is not list or (f == "_deleted" and v not in (0, 1))
                or (tv is str and len(v) > 1_000_000)):
            check_cell(c, allowed_parts)
            seen.add(key)


# -- checking incoming values and partitions (issue 10) ---------------------------------------

def check_values(conn: dbapi.Connection, cells: Iterable[Cell], *, sender: str,
                 name: str) -> None:
    """Refuse the whole bundle (MergeError naming the file ``name``, the ``sender``, the
    record, the field and the value) if one value is not what a local write could have stored
    here: :func:`validation.check_stored`, record ids of the right shape, and catalogue codes
    of this database's catalogue or of catalogue items in the same bundle. Run after
    :func:`check_cells`, before anything is written."""
    codes: dict[tuple[str, str], Cell] = {}  # (catalogue, code) -> the first cell using it
    items: dict[str, dict[str, object]] = defaultdict(dict)
    code_fields = {(k.table, f.name): str(f.catalogue) for k in KINDS_BY_TABLE.values()
                   for f in k.fields if f.type is FieldType.CODE}
    # Each field's distinct values, checked once each (issue 12: a bundle of 10,000 people
    # holds a few dozen birth years and villages, two genders); the first cell of each value
    # is the one named if it is refused. Keyed by type too: 1 and "1" (and True) differ.
    distinct: dict[tuple[str, str], dict[object, Cell]] = {}
    last_pk = None
    for c in cells:
        tbl, pk, f, v = c[0], c[1], c[2], c[3]
        if pk != last_pk:
            last_pk = pk
            if not validation.RECORD_ID.fullmatch(pk):
                raise MergeError(_("{n}: gói của {s} có mã bản ghi không hợp lệ ({t}/{pk}); gói "
                                   "bị từ chối, không có gì thay đổi").format(
                    n=name, s=sender, t=tbl, pk=validation.shown(pk)))
        if f == "_deleted":
            continue
        seen = distinct.get((tbl, f))
        if seen is None:
            seen = distinct[(tbl, f)] = {}
        tv = type(v)
        key = v if tv is str else (tv, v) if tv is int or v is None else (object, id(c))
        if key not in seen:
            seen[key] = c
        if tbl == "catalogue_item" and f in ("catalogue", "code") and v is not None:
            items[pk][f] = v
    for (tbl, f), seen in distinct.items():
        check = validation.stored_checker(KINDS_BY_TABLE[tbl], f)
        catalogue = code_fields.get((tbl, f))
        for c in seen.values():
            try:
                check(c[3])
            except ValidationError as e:
                raise _invalid(name, sender, c, e.message) from None
            if catalogue is not None and c[3] is not None:
                codes.setdefault((catalogue, str(c[3])), c)
    if codes:
        _check_codes(conn, codes, items, sender, name)


def typed_checks_pass(conn: dbapi.Connection, cells: Sequence[Cell],
                      allowed_parts: Callable[[str], bool],
                      records: Sequence[Record] | None = None) -> bool:
    """Whether :func:`check_cells` and :func:`check_values` both pass ``cells``, each of
    which already has the types and bounds :func:`check_cell` asks (checked in C while
    decoding: bundle._TypedLine, so each value is text, an integer or None, never a bool).
    One pass over the cells gathers each field's distinct values (issue 12: each pass over
    100,000 cells costs 10-50 ms, most of it reaching them in memory); the names, ids and
    values are then checked distinct, with the same rules (validation.stored_all). False:
    one may not pass, and the two checks run cell by cell to name the first that fails.
    ``records``: the typed record lines ``cells`` were expanded from (bundle.RecordLine),
    whose columns give the same values, partitions, ids and histories in passes over
    10,000 records, not 100,000 cells."""
    distinct: dict[tuple[str, str], set[object]] = {}  # a typed value is its own key: "1"
    # and 1 differ, and no bool is there to equal 1
    if records is not None:
        parts, pks, histories = _gathered_from_records(records, distinct)
    else:
        for tbl, f, v in map(_TABLE_FIELD_VALUE, cells):
            seen = distinct.get((tbl, f))
            if seen is None:
                seen = distinct[(tbl, f)] = set()
            seen.add(v)
        parts, pks = set(map(_PARTITION, cells)), set(map(_PK, cells))
        histories = list(filter(None, map(_HISTORY, cells)))
    for tbl, f in distinct:
        if (tbl not in KINDS_BY_TABLE or f != "_deleted" and not _FIELD_NAME.match(f)
                or f in _DERIVED):
            return False
    if not all(map(allowed_parts, parts)):
        return False
    if any(f == "_deleted" and not values <= {0, 1} for (_t, f), values in distinct.items()):
        return False  # a tombstone is the integer 0 or 1 (not "1" or None)
    if not all(isinstance(d, list) and len(d) == 3 and type(d[0]) is str
               and type(d[1]) is str and type(d[2]) is int
               for hist in histories for d in hist):
        return False
    if not all(map(validation.RECORD_ID.fullmatch, pks)):
        return False
    codes: set[tuple[str, str]] = set()
    for (tbl, f), values in distinct.items():
        if f == "_deleted":
            continue
        kind = KINDS_BY_TABLE[tbl]
        if not validation.stored_all(kind, f, values):
            return False
        spec = kind.by_name.get(f)
        if spec is not None and spec.type is FieldType.CODE:
            codes.update((str(spec.catalogue), str(v)) for v in values if v is not None)
    if not codes:
        return True
    items: dict[str, dict[str, object]] = defaultdict(dict)
    for c in cells:
        if c[0] == "catalogue_item" and c[2] in ("catalogue", "code") and c[3] is not None:
            items[c[1]][c[2]] = c[3]
    arriving = _arriving_codes(conn, items)
    return all(_code_known(conn, arriving, catalogue, code) for catalogue, code in codes)


def _gathered_from_records(records: Sequence[Record],
                           distinct: dict[tuple[str, str], set[object]]
                           ) -> tuple[set[str], set[str], list[list]]:
    """For :func:`typed_checks_pass`: each (table, field)'s distinct values into
    ``distinct``, from the records of each table and fields (most bundles: a few such
    shapes, each field a column of them), and the partitions, record ids and non-empty
    histories of the cells the records stand for (a version given whole, ``x``, has its
    own partition and history)."""
    shapes: dict[tuple[str, tuple[str, ...]], list[list]] = {}
    for r in records:
        key = (r.t, tuple(r.f))
        got = shapes.get(key)
        if got is None:
            got = shapes[key] = []
        got.append(r.v)
    for (tbl, fields), values in shapes.items():
        for f, column in zip(fields, zip(*values, strict=True), strict=True):
            seen = distinct.get((tbl, f))
            if seen is None:
                seen = distinct[(tbl, f)] = set()
            seen.update(column)
    parts = set(map(_RECORD_PART, records))
    whole = [w for r in records if r.x for w in r.x]
    parts.update(w[3] for w in whole)
    return parts, set(map(_RECORD_PK, records)), [w[5] for w in whole if w[5]]


_RECORD_PART, _RECORD_PK = operator.attrgetter("p"), operator.attrgetter("pk")


def _invalid(name: str, sender: str, c: Cell, why: str) -> MergeError:
    kind = KINDS_BY_TABLE.get(c[0])
    known = kind.by_name.get(c[2]) if kind is not None else None
    field = f"{known.label} ({c[2]})" if known is not None else c[2]  # the officer's word first
    return MergeError(_("{n}: gói của {s} có giá trị không hợp lệ ở {t}/{pk}, trường {f}: "
                        "{why} (giá trị {v}); gói bị từ chối, không có gì thay đổi").format(
        n=name, s=sender, t=c[0], pk=c[1], f=field, why=why, v=validation.shown(c[3])))


def _check_codes(conn: dbapi.Connection, codes: Mapping[tuple[str, str], Cell],
                 items: Mapping[str, Mapping[str, object]], sender: str, name: str) -> None:
    """Every catalogue code used is an item of its catalogue: here (even one deleted since
    the sender used it) or arriving in the same bundle."""
    arriving = _arriving_codes(conn, items)
    for (catalogue, code), used in codes.items():
        if _code_known(conn, arriving, catalogue, code):
            continue
        raise _invalid(name, sender, used, _("không có trong danh mục {c} của điểm này "
                                                "(hãy cập nhật danh mục từ tỉnh)").format(
            c=dict(CATALOGUES).get(catalogue, catalogue)))


def _arriving_codes(conn: dbapi.Connection,
                    items: Mapping[str, Mapping[str, object]]) -> set[tuple[str, str]]:
    """(catalogue, code) of the catalogue items a bundle writes, with what is here."""
    arriving: set[tuple[str, str]] = set()
    for pk, got in items.items():
        if "catalogue" not in got or "code" not in got:
            row = conn.execute("SELECT catalogue, code FROM catalogue_item WHERE id = ?",
                               (pk,)).fetchone()
            got = {"catalogue": row[0], "code": row[1], **got} if row is not None else got
        arriving.add((str(got.get("catalogue")), str(got.get("code"))))
    return arriving


def _code_known(conn: dbapi.Connection, arriving: set[tuple[str, str]], catalogue: str,
                code: str) -> bool:
    return (catalogue, code) in arriving or conn.execute(
        "SELECT 1 FROM catalogue_item WHERE catalogue = ? AND code = ?",
        (catalogue, code)).fetchone() is not None


def _placed_records(kind: Kind, rows: Mapping[str, Mapping[str, object]],
                    changes: Mapping[str, Mapping[str, object]],
                    part_of_new: Mapping[str, str]) -> list[Placed]:
    """The records an import creates, or whose partition-deciding fields it changes, with
    their merged values and the partition their cells carry."""
    fields = references.partition_fields(kind)
    out: list[Placed] = []
    for pk, changed in changes.items():
        row = rows.get(pk)
        if changed and (row is None or any(f in changed for f in fields)):
            record = {**(row or {}), **changed}
            part = str(row["_part"]) if row is not None else part_of_new[pk]
            out.append((kind, pk, row is None, record, part))
    return out


def check_partitions(conn: dbapi.Connection, placed: Sequence[Placed],
                     moving: Iterable[str] = ()) -> None:
    """Partitions come from the data, never from the sender: the partition of each record
    created or re-linked by an import, computed from its merged values here, must be the one
    its cells carry (which the sender may write: :func:`check_cells`). A new unit must be a
    village (the others are shipped). Raises MergeError naming the records; call inside the
    import's transaction, after the merge."""
    wrong: list[str] = []
    seen: dict[tuple[str, str], str | None] = {}  # many records share a village
    for kind, pk, new, record, carried in placed:
        part, via = references.data_partition(conn, kind, record, seen)
        if part is not None and part != carried and not (
                pk in moving or moves.may_differ(conn, kind, pk, record, carried, via)):
            wrong.append(_("{t}/{pk} (theo {f} thuộc {q}, gói ghi vào {p})").format(
                t=kind.table, pk=pk, f=via or kind.table, q=_named(conn, part),
                p=_named(conn, carried)))
        elif new and kind.name == "unit" and record.get("level") != "village":
            wrong.append(_("{t}/{pk} (chỉ thêm được thôn/bản/tổ dân phố)").format(
                t=kind.table, pk=pk))
    if wrong:
        more = _(" và {n} bản ghi khác").format(n=len(wrong) - 5) if len(wrong) > 5 else ""
        raise MergeError(_("Gói ghi bản ghi vào phân vùng khác với phân vùng theo dữ liệu của "
                           "chính nó: {w}{m}; gói bị từ chối, không có gì thay đổi").format(
            w="; ".join(wrong[:5]), m=more))


def _named(conn: dbapi.Connection, part: str) -> str:
    name = references.part_name(conn, part)
    return part if name == part else f"{name} ({part})"


# -- applying -----------------------------------------------------------------------------------

def _chunks(items: Sequence[str], n: int = _CHUNK) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


def value_of(kind: Kind, row: Mapping[str, object] | None, f: str) -> object:
    if row is None:
        return None
    if f == "_deleted" or f in kind.by_name:
        return row.get(f)
    extras = row.get("_extras")
    return json.loads(str(extras)).get(f) if extras else None


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def apply_cells(store: Store, cells: Sequence[Cell], *,
                progress: Callable[[int, int], None] | None = None,
                cancel: Callable[[], bool] | None = None,
                records: Sequence[Record] | None = None) -> MergeStats:
    """Merge ``cells`` into the database; call inside ``store.transaction()``.

    The cells must already have passed :func:`check_cell`. Raises :class:`MergeError` (and the
    transaction is rolled back by the caller's ``with``) on an inconsistent change.
    ``records``: the typed record lines the cells were expanded from (a table's new records
    are then merged at once from their columns).
    """
    conn = store.conn
    stats = MergeStats(cells=len(cells))
    vv = version_vector(conn)
    here = store.site.site_id
    now = now_local()
    names = versions.Names(conn)
    by_table: dict[str, list[Cell]] = defaultdict(list)
    for tbl, of_table in groupby(cells, _TABLE):
        by_table[tbl].extend(of_table)
    records_of: dict[str, list[Record]] = defaultdict(list)
    for tbl, of_table in groupby(records or (), _RECORD_TABLE):
        records_of[tbl].extend(of_table)
    done = 0
    conflicts: list[tuple[object, ...]] = []
    closed: list[tuple[object, ...]] = []
    placed: list[Placed] = []
    strays: set[str] = set()  # people with versions from a partition they moved out of
    for tbl, tcells in by_table.items():
        kind = KINDS_BY_TABLE[tbl]
        pks = list(dict.fromkeys(map(_PK, tcells)))
        cur: dict[str, dict[str, list]] = defaultdict(dict)  # pk -> field -> [h, o, p, s, hist]
        rows: dict[str, dict[str, object]] = {}
        for chunk in _chunks(pks):
            marks, params = dbapi.in_marks(chunk)  # a few lengths, not one a chunk's length
            for r in conn.execute(f"SELECT * FROM {tbl} WHERE id IN ({marks})", params):
                rows[r["id"]] = dict(r)
        held = versions.read_rowids(conn, tbl, [r["_rowid"] for r in rows.values()], names)
        for pk, r in rows.items():
            if r["_rowid"] in held:
                cur[pk] = held[r["_rowid"]]
        open_by_key: dict[tuple[str, str], list] = defaultdict(list)
        for r in conn.execute("SELECT id, kind, pk, field, loser_origin, loser_part, loser_seq, "
                              "winner_origin, winner_part, winner_seq FROM sync_conflict "
                              "WHERE status = 'open' AND tbl = ? AND kind != 'rule'", (tbl,)):
            key_field = "_deleted" if r[1] == "delete" else r[3]
            open_by_key[(r[2], key_field)].append(
                (r[0], [r[4], r[5], r[6]], [r[7], r[8], r[9]]))
        changes: dict[str, dict[str, object]] = defaultdict(dict)
        part_of_new: dict[str, str] = {}
        hlc_max = max(stats.hlc_max, max(map(_HLC, tcells)))
        if not rows and not cur and {k[0] for k in open_by_key}.isdisjoint(pks):
            at_once = _new_records_at_once(conn, kind, tcells, here, names, stats,
                                           records_of.get(tbl) if records else None)
            if at_once is not None:  # each record new here, written in one go
                placed += at_once
                stats.touched.append((kind, {}, {p[1]: p[3] for p in at_once}))
                stats.hlc_max = hlc_max
                stats.adopted += len(tcells)
                before, done = done, done + len(tcells)
                for at in range(before // PROGRESS_EVERY * PROGRESS_EVERY + PROGRESS_EVERY,
                                done + 1, PROGRESS_EVERY):  # as the cells' loop says them
                    _progress(at, len(cells), progress, cancel)
                continue
        adopted = 0
        for pk, group in groupby(tcells, _PK):  # the cells of one record come together
            of_record = list(group)
            row = rows.get(pk)
            if row is None and pk not in cur:
                # A record new to this site: nothing here to compare with, every cell is
                # adopted as it comes (unless the bundle is odd: one by one below).
                new = _new_record(of_record, here, pk, open_by_key)
                if new is not None:
                    cur[pk], changes[pk], part_of_new[pk] = new
                    adopted += len(of_record)
                    before, done = done, done + len(of_record)
                    if done // PROGRESS_EVERY != before // PROGRESS_EVERY:
                        _progress(done, len(cells), progress, cancel)
                    continue
            cells_of = cur[pk]
            changed = changes[pk]
            for c in of_record:
                _t, _pk, f, v, h, o, p, s, hist = c
                if row is not None:
                    how = (None if row["_part"] == p
                           else moves.stray(conn, store.site, kind, row, p))
                    if how is not None and s <= vv.get((o, p), 0):
                        done += 1  # seen here before the person moved: nothing new
                        continue
                    if how == "snapshot":  # a person who left comes back
                        moves.clear_snapshot(conn, kind, row, p)
                    elif how == "left":  # edited in the partition it left: written again after
                        strays.add(pk)
                    elif row["_part"] != p:
                        raise MergeError(_("{t}/{pk}: phân vùng «{p}» khác với bản ghi đã có "
                                           "(«{q}»)").format(t=tbl, pk=pk, p=p, q=row["_part"]))
                elif part_of_new.setdefault(pk, p) != p:
                    raise MergeError(_("{t}/{pk}: hai phân vùng khác nhau trong cùng bản ghi")
                                     .format(t=tbl, pk=pk))
                fresh = s > vv.get((o, p), 0)
                old = cells_of.get(f)
                # An edit made in the partition a person left, that knew the value the
                # province copied into the new one (a copy's first dot is of another
                # partition): it wins.
                copied = (pk in strays and old is not None and bool(old[4])
                          and old[4][0][1] != old[2]
                          and (old[4][0] == [o, p, s] or old[4][0] in hist))
                if old is None or copied or (h, o) > (old[0], old[1]):
                    if o == here:  # this site never made a version newer than its own
                        raise MergeError(_("{t}/{pk}/{f}: thay đổi mang tên điểm này nhưng "
                                           "điểm này chưa từng ghi nó (gói giả)").format(
                            t=tbl, pk=pk, f=f))
                    if old is not None:
                        odot = [old[1], old[2], old[3]]
                        if odot != [o, p, s] and odot not in hist and not copied:
                            loser_value = changed[f] if f in changed else value_of(kind, row, f)
                            conflicts.append(_conflict_row(
                                "value", tbl, pk, f, loser_value, old, v, [h, o, p, s], here,
                                now))
                    if old is not None and pk in strays:  # its copy where the person lives
                        hist = [*hist, [old[1], old[2], old[3]]]  # replaces this one knowingly
                    cells_of[f] = [h, o, p, s, hist]
                    changed[f] = v
                    adopted += 1
                elif fresh:
                    dot = [o, p, s]
                    if dot != [old[1], old[2], old[3]] and dot not in old[4]:
                        conflicts.append(_conflict_row(
                            "value", tbl, pk, f, v, [h, o, p, s],
                            changed.get(f, value_of(kind, row, f)), old, here, now))
                if fresh and open_by_key and (pk, f) in open_by_key:
                    covered = [[o, p, s], *hist]
                    for entry in list(open_by_key[(pk, f)]):
                        cid, loser, winner = entry
                        if loser in covered and winner in covered:
                            closed.append((o, now, cid))
                            open_by_key[(pk, f)].remove(entry)
                done += 1
                if done % PROGRESS_EVERY == 0:
                    _progress(done, len(cells), progress, cancel)
        stats.hlc_max = hlc_max
        stats.adopted += adopted
        stats.ignored += len(tcells) - adopted
        new_rowids = _write_rows(conn, kind, rows, changes, part_of_new, stats)
        stats.touched.append((kind, rows, changes))
        placed += _placed_records(kind, rows, changes, part_of_new)
        versions.write(conn, tbl, {rows[pk]["_rowid"]: cur[pk] for pk, ch in changes.items()
                                   if ch and pk in rows}, names)
        versions.write(conn, tbl, {r: cur[pk] for pk, r in new_rowids.items()}, names,
                       fresh=True)
        conflicts += _delete_conflicts(kind, rows, changes, cur, here, now)
    # After every table is written: a record may name a unit that came in the same bundle.
    check_partitions(conn, placed, strays)
    moves.settle(store, sorted(strays))  # at the province: the record goes where it lives
    roster_members.resolve(conn)  # memberships were written before their people
    if conflicts:
        before = conn.total_changes
        marks = ", ".join("?" * 18)
        conn.executemany(f"INSERT OR IGNORE INTO sync_conflict VALUES "
                         f"({marks}, 'open', NULL, NULL)", conflicts)
        stats.conflicts_new = conn.total_changes - before
    if closed:
        conn.executemany("UPDATE sync_conflict SET status = 'closed', resolved_by = ?, "
                         "resolved_local_time = ? WHERE id = ? AND status = 'open'", closed)
        stats.conflicts_closed = len(closed)
    if stats.hlc_max:
        store.observe(stats.hlc_max)
    if progress is not None:
        progress(len(cells), len(cells))
    return stats


_TABLE, _PK, _HLC = operator.itemgetter(0), operator.itemgetter(1), operator.itemgetter(4)
_PARTITION, _HISTORY = operator.itemgetter(6), operator.itemgetter(8)
_TABLE_FIELD_VALUE = operator.itemgetter(0, 2, 3)


def _progress(done: int, total: int, progress: Callable[[int, int], None] | None,
              cancel: Callable[[], bool] | None) -> None:
    if cancel is not None and cancel():
        raise Cancelled(_("Đã dừng nhập; không có gì thay đổi"))
    if progress is not None:
        progress(done, total)


def _new_record(cells: Sequence[Cell], here: str, pk: str,
                open_by_key: Mapping[tuple[str, str], list]
                ) -> tuple[dict[str, list], dict[str, object], str] | None:
    """The versions, values and partition of a record this site does not have, from its
    cells, when the rule of :func:`apply_cells` could only adopt each one: one partition,
    each field once, no cell claiming to be this site's, no open conflict on it. None
    otherwise (the cells then go one by one, with their errors)."""
    origins = {(c[5], c[6]) for c in cells}
    part = cells[0][6]
    for o, p in origins:
        if p != part or o == here:
            return None
    versions_of = {c[2]: [c[4], c[5], c[6], c[7], c[8]] for c in cells}
    if len(versions_of) != len(cells):
        return None
    if open_by_key and any((pk, f) in open_by_key for f in versions_of):
        return None
    return versions_of, {c[2]: c[3] for c in cells}, part


def _new_records_at_once(conn: dbapi.Connection, kind: Kind, cells: Sequence[Cell], here: str,
                         names: versions.Names, stats: MergeStats,
                         lines: Sequence[Record] | None = None) -> list[Placed] | None:
    """Write the records of one table's ``cells`` when each is new here and they are batches
    another site wrote at once (a bundle's new people): in each batch the records with the
    same fields in the same order (a person without a phone is of another batch), one
    writer (origin and partition, not this site), one stamp a record, its sequences one
    after another in the same order of fields, no history, none deleted.
    :func:`apply_cells` would adopt every cell (:func:`_new_record`); the rows, versions and
    placed records it would write are made here from columns of the cells, the same bytes
    (issue 12: passes in C over them, not a few dicts and calls of Python a record). None,
    nothing written, when the cells are not so: they then go the usual way. ``lines``: the
    record lines of these cells, whose columns are taken as they are when they are so
    (:func:`_records_batches`)."""
    found = None if lines is None else _records_batches(lines, here)
    if found is None:
        found = _cells_batches(cells, here)
    if found is None:
        return None
    m, batches, columns = found
    # The rows, as _write_rows writes new records: in the records' order (their rowids).
    records: list[dict[str, object]] = [{}] * m
    pks: list[str] = [""] * m
    parts: list[str] = [""] * m
    names_of = [f.name for f in kind.fields]
    by_row: list[tuple[object, ...]] = [()] * m
    for (shape, at, _of), got in zip(batches, columns, strict=True):
        batch_pks, column, _hlcs, _first, _order, _origin, part = got  # type: ignore[misc]
        unknown = [f for f in shape if f != "_deleted" and f not in kind.by_name]
        k = len(batch_pks)
        extras = ([_extras_text(dict(zip(unknown, v, strict=True)))
                   for v in zip(*(column[f] for f in unknown), strict=True)] if unknown
                  else repeat(None, k))
        rows = zip(batch_pks, repeat(part, k), column.get("_deleted") or repeat(0, k), extras,
                   *(column.get(f) or repeat(None, k) for f in names_of), strict=True)
        for r, pk, record, row in zip(at, batch_pks, zip(*column.values(), strict=True), rows,
                                      strict=True):
            records[r], pks[r], parts[r], by_row[r] = dict(zip(shape, record, strict=True)), \
                pk, part, row
    rowid = int(conn.execute(f"SELECT coalesce(max(_rowid), 0) + 1 FROM {kind.table}")
                .fetchone()[0])
    keyed = derived.columns_many(kind, records)
    inserts = [(r, *row, *more)
               for r, row, more in zip(range(rowid, rowid + m), by_row, keyed, strict=True)]
    cols = ["_rowid", "id", "_part", "_deleted", "_extras", *names_of,
            *derived.column_names(kind)]
    bulk.insert_many(conn, kind.table, cols, inserts)  # its triggers once, not per row
    stats.new_records[kind.name] = stats.new_records.get(kind.name, 0) + m
    # The versions, as versions.write gives them: the names numbered in its order (the table,
    # then each record's fields and writer, the first record of each batch first).
    names.no(kind.table)
    for (shape, _at, _of), got in zip(batches, columns, strict=True):
        for f in (*shape, got[5], got[6]):  # type: ignore[index]
            names.no(f)
    for (shape, at, _of), got in zip(batches, columns, strict=True):
        _batch_pks, _column, hlcs, first, order, origin, part = got  # type: ignore[misc]
        versions.write_run(conn, kind.table, [rowid + r for r in at], shape, order, hlcs,
                           first, origin, part, names)
    return [(kind, pk, True, record, part)
            for pk, record, part in zip(pks, records, parts, strict=True)]


_Batches = tuple[int, list[tuple[tuple[str, ...], Sequence[int], object]], list]


def _cells_batches(cells: Sequence[Cell], here: str) -> _Batches | None:
    """For :func:`_new_records_at_once`: the number of records, the batches (the fields, the
    records having them, their cells) and each batch's :func:`_batch_columns`; None when the
    cells are not batches written at once."""
    lengths = [len(list(of)) for _pk, of in groupby(map(_PK, cells))]  # a record's cells
    if len(lengths) != len(set(map(_PK, cells))):
        return None  # a record's cells in two places: the usual way
    fields_of = list(map(_FIELD, cells))
    shapes: dict[tuple[str, ...], list[int]] = {}  # fields -> the records having them
    start = 0
    for at, n in enumerate(lengths):
        shapes.setdefault(tuple(fields_of[start:start + n]), []).append(at)
        start += n
    batches: list[tuple[tuple[str, ...], Sequence[int], object]]
    if len(shapes) == 1:
        batches = [(next(iter(shapes)), range(len(lengths)), cells)]
    else:  # each batch's cells, its records in their order
        starts = list(accumulate(lengths, initial=0))
        batches = [(shape, at, [c for r in at for c in cells[starts[r]:starts[r + 1]]])
                   for shape, at in shapes.items()]
    columns = [_batch_columns(shape, of, here)  # type: ignore[arg-type]
               for shape, _at, of in batches]
    if any(c is None for c in columns):
        return None
    return len(lengths), batches, columns


def _records_batches(records: Sequence[Record], here: str) -> _Batches | None:
    """:func:`_cells_batches` from the record lines the cells were expanded from: the same
    batches (the records of the same fields, in the order those first come) and columns,
    read from each line's fields, values, stamp, writer, base and offsets — when every line
    is one record (no id twice), its versions of one stamp and writer (no ``x``) and the
    offsets of each batch the same numbers 0…n-1. None otherwise (the cells are looked at)."""
    if any(map(_RECORD_WHOLE, records)):
        return None
    pks = list(map(_RECORD_PK, records))
    if len(set(pks)) != len(pks):
        return None
    shapes: dict[tuple[str, ...], list[int]] = {}
    offsets: dict[tuple[str, ...], set[tuple[int, ...]]] = {}
    for at, r in enumerate(records):
        shape = tuple(r.f)
        got = shapes.get(shape)
        if got is None:
            got = shapes[shape] = []
            offsets[shape] = set()
        got.append(at)
        offsets[shape].add(tuple(r.q))
    batches: list[tuple[tuple[str, ...], Sequence[int], object]] = []
    columns = []
    for shape, at in shapes.items():
        [order_of] = offsets[shape] if len(offsets[shape]) == 1 else [None]
        w = len(shape)
        if order_of is None or sorted(order_of) != list(range(w)) or len(set(shape)) != w:
            return None
        of = [records[i] for i in at] if len(shapes) > 1 else records
        writers = set(zip(map(_RECORD_ORIGIN, of), map(_RECORD_PART, of), strict=True))
        if len(writers) != 1 or next(iter(writers))[0] == here:
            return None
        [(origin, part)] = writers
        column = {f: list(v) for f, v in zip(shape, zip(*map(_RECORD_VALUES, of),
                                                         strict=True), strict=True)}
        if any(column.get("_deleted", ())):
            return None  # a record deleted as it arrives: the usual way
        batches.append((shape, at if len(shapes) > 1 else range(len(records)), of))
        columns.append((pks if len(shapes) == 1 else [pks[i] for i in at], column,
                        list(map(_RECORD_STAMP, of)), list(map(_RECORD_BASE, of)),
                        [order_of.index(k) for k in range(w)], origin, part))
    return len(records), batches, columns


_RECORD_TABLE, _RECORD_WHOLE = operator.attrgetter("t"), operator.attrgetter("x")
_RECORD_ORIGIN, _RECORD_VALUES = operator.attrgetter("o"), operator.attrgetter("v")
_RECORD_STAMP, _RECORD_BASE = operator.attrgetter("h"), operator.attrgetter("s")


def _batch_columns(fields: tuple[str, ...], cells: Sequence[Cell], here: str
                   ) -> tuple[list[str], dict[str, list], list[int], list[int], list[int],
                              str, str] | None:
    """One batch of :func:`_new_records_at_once` (its records' cells, each record the
    ``fields`` in that order): (ids, each field's values, each record's stamp and first
    sequence, the fields' order of sequences, the writer), or None if it is not one."""
    n, w = len(cells), len(fields)
    m = n // w
    if len(set(fields)) != w:
        return None
    ids = list(map(_PK, cells))
    pks = ids[::w]
    if len(set(pks)) != m or any(ids[j::w] != pks for j in range(1, w)):
        return None
    writers = set(map(_WRITER, cells))
    if len(writers) != 1 or next(iter(writers))[0] == here or any(map(_HISTORY, cells)):
        return None
    [(origin, part)] = writers
    stamps = list(map(_HLC, cells))
    hlcs = stamps[::w]
    if any(stamps[j::w] != hlcs for j in range(1, w)):
        return None
    seqs = list(map(_SEQ, cells))
    by_field = [seqs[j::w] for j in range(w)]
    first = list(map(min, *by_field)) if w > 1 else by_field[0]  # each record's first
    offsets = [by_field[j][0] - first[0] for j in range(w)]
    if sorted(offsets) != list(range(w)) or any(
            by_field[j] != list(map(operator.add, first, repeat(offsets[j]))) for j in range(w)):
        return None
    values = list(map(_VALUE, cells))
    column = {f: values[j::w] for j, f in enumerate(fields)}
    if any(column.get("_deleted", ())):
        return None  # a record deleted as it arrives: the usual way (its delete conflicts)
    return pks, column, hlcs, first, [offsets.index(k) for k in range(w)], origin, part


_FIELD, _VALUE, _SEQ = operator.itemgetter(2), operator.itemgetter(3), operator.itemgetter(7)
_WRITER = operator.itemgetter(5, 6)


def _conflict_row(kind: str, tbl: str, pk: str, f: str, loser_value: object, loser: list,
                  winner_value: object, winner: list, here: str, now: str) -> tuple[object, ...]:
    ldot, wdot = [loser[1], loser[2], loser[3]], [winner[1], winner[2], winner[3]]
    severity = "high" if kind == "delete" or f == "_deleted" else "normal"
    return (conflict_id(kind, tbl, pk, f, ldot, wdot), kind, severity, tbl, pk, f,
            _text(loser_value), loser[0], *ldot, _text(winner_value), winner[0], *wdot,
            here, now)


def _delete_conflicts(kind: Kind, rows: Mapping[str, dict[str, object]],
                      changes: Mapping[str, dict[str, object]],
                      cur: Mapping[str, dict[str, list]], here: str,
                      now: str) -> list[tuple[object, ...]]:
    """A winning delete that did not see a field value hides a concurrent edit."""
    out = []
    for pk, changed in changes.items():
        if not changed:
            continue
        cells = cur[pk]
        d = cells.get("_deleted")
        deleted = changed.get("_deleted", (rows.get(pk) or {}).get("_deleted"))
        if d is None or deleted != 1:
            continue
        covered = [[d[1], d[2], d[3]], *d[4]]
        for f, e in cells.items():
            if f == "_deleted" or [e[1], e[2], e[3]] in covered:
                continue
            value = changed.get(f, value_of(kind, rows.get(pk), f))
            out.append(_conflict_row("delete", kind.table, pk, f, value, e, 1, d, here, now))
    return out


def _write_rows(conn: dbapi.Connection, kind: Kind, rows: Mapping[str, dict[str, object]],
                changes: Mapping[str, dict[str, object]], part_of_new: Mapping[str, str],
                stats: MergeStats) -> dict[str, int]:
    """Write the merged records; returns the ``_rowid`` given to each new one."""
    names = [f.name for f in kind.fields]
    known = {*names, "_deleted"}
    derived_names = derived.column_names(kind)
    cols = ["_deleted", "_extras", *names, *derived_names]
    # (values but the derived ones, the record they are computed from) of each written record
    new: list[tuple[str, list[object], Mapping[str, object]]] = []
    old: list[tuple[str, list[object], Mapping[str, object]]] = []
    for pk, changed in changes.items():
        if not changed:
            continue
        row = rows.get(pk)
        if row is None:  # the changes are the whole record (a field not sent is empty)
            extras = {f: changed[f] for f in changed.keys() - known}
            values = [changed.get("_deleted", 0), _extras_text(extras),
                      *map(changed.get, names)]
            new.append((pk, values, changed))
            continue
        record = {n: row[n] for n in names}
        extras = json.loads(str(row["_extras"])) if row["_extras"] else {}
        deleted = row["_deleted"]
        for f, v in changed.items():
            if f == "_deleted":
                deleted = v
            elif f in record:
                record[f] = v
            else:
                extras[f] = v
        old.append((pk, [deleted, _extras_text(extras), *map(record.__getitem__, names)],
                    record))
    new_rowids: dict[str, int] = {}
    if new:
        next_rowid = int(conn.execute(f"SELECT coalesce(max(_rowid), 0) + 1 FROM "
                                      f"{kind.table}").fetchone()[0])
        keyed = derived.columns_many(kind, [r for _pk, _v, r in new])
        inserts = []
        for (pk, values, _r), more in zip(new, keyed, strict=True):
            new_rowids[pk] = next_rowid
            inserts.append((next_rowid, pk, part_of_new[pk], *values, *more))
            next_rowid += 1
        all_cols = ["_rowid", "id", "_part", *cols]
        bulk.insert_many(conn, kind.table, all_cols, inserts)  # its triggers once, not per row
        stats.new_records[kind.name] = stats.new_records.get(kind.name, 0) + len(inserts)
    if old:
        keyed = derived.columns_many(kind, [r for _pk, _v, r in old])
        updates = [(*values, *more, pk) for (pk, values, _r), more in zip(old, keyed, strict=True)]
        sets = ", ".join(f"{c} = ?" for c in cols)
        conn.executemany(f"UPDATE {kind.table} SET {sets} WHERE id = ?", updates)
        stats.changed_records[kind.name] = stats.changed_records.get(kind.name, 0) + len(updates)
    return new_rowids


def _extras_text(extras: Mapping[str, object]) -> str | None:
    """The fields this program version does not know, kept as JSON (None if there are none)."""
    return json.dumps(extras, ensure_ascii=False, sort_keys=True) if extras else None


# -- the delta to send ------------------------------------------------------------------------

def cells_to_send(conn: dbapi.Connection, belief: Mapping[tuple[str, str], int],
                  parts: Callable[[str], bool]) -> list[Cell]:
    """Every current cell the peer has not acknowledged, in partitions it may see, in a
    deterministic order (table, record, field). Read inside one read transaction."""
    out: list[Cell] = []
    wanted = versions.since(conn, belief, parts)
    by_table: dict[str, list[str]] = defaultdict(list)
    for c in wanted:
        if not by_table[c[0]] or by_table[c[0]][-1] != c[1]:
            by_table[c[0]].append(c[1])
    rows: dict[tuple[str, str], dict[str, object]] = {}
    for tbl, pks in by_table.items():
        for chunk in _chunks(pks):
            marks, params = dbapi.in_marks(chunk)  # a few lengths, not one a chunk's length
            for r in conn.execute(f"SELECT * FROM {tbl} WHERE id IN ({marks})", params):
                rows[(tbl, r["id"])] = dict(r)
    for tbl, pk, f, h, o, p, s, hist in wanted:
        kind = KINDS_BY_TABLE.get(tbl)
        if kind is None:  # pragma: no cover - versions only exist for known tables
            continue
        # Text stored before the import asked what a local write stores goes out in that
        # form, or every peer would refuse the bundle (validation.sent_form).
        value = validation.sent_form(kind, f, value_of(kind, rows.get((tbl, pk)), f))
        out.append((tbl, pk, f, value, h, o, p, s, hist))
    return out
