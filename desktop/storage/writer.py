"""The one write path (DESIGN invariant 1).

Every change to a synced table goes through :class:`Store`. In the same transaction as the
data it records, for each changed field, a version (HLC stamp, origin site, per-origin
sequence; desktop/storage/versions.py) and a line in ``audit_log``. Deletes are the versioned
``_deleted`` field, never a row removal. Bundle import (merge.py) applies remote versions
inside the same transactions, so that nothing writes these tables around it.
"""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from desktop.domain import cccd, validation
from desktop.domain.errors import NotFoundError, UserError, ValidationError
from desktop.domain.hlc import HybridClock
from desktop.domain.ids import new_record_id
from desktop.domain.kinds import KINDS, Field, FieldType, Kind
from desktop.domain.text import lower_first
from desktop.i18n import _
from desktop.storage import accounts, audit, dbapi, derived, periods, references, versions
from desktop.storage.site import Site, require_site, set_meta

MAX_HIST = 16
REF_PART = "ref"  # the partition of province reference data


@dataclass
class WriteResult:
    id: str
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Txn:
    """Clock and sequence counters read at BEGIN and written back before COMMIT."""

    clock: HybridClock
    names: versions.Names
    seqs: dict[str, int] = field(default_factory=dict)


class _Batch:
    """What the rows of one ``add_many`` look up in the database, each asked once: the codes
    and references typed, the partitions they lead to, this site's own partitions, which of
    the batch's citizen ids are stored already. Nothing these read changes while the batch is
    prepared (its rows are written after all of them are checked, under the write lock), so
    every row gets the answer it would get alone. The citizen ids of the batch's own earlier
    rows count as stored: added one by one, the second would be refused (issue 12)."""

    def __init__(self, store: Store, kind: Kind, rows: Sequence[Mapping[str, object]]) -> None:
        self.resolved: dict[tuple[str, str], str] = {}
        self.parts: dict[tuple[str, str], str | None] = {}
        self._own: list[tuple[str, ...] | None] = []
        self._store = store
        self.free_ids: set[str] = set()
        self.batch_ids: dict[str, tuple[str, object, object]] = {}  # citizen id: earlier row
        if kind.name == "person":
            self.free_ids = _free_citizen_ids(store.conn, rows)
        for f in kind.fields:  # ids of live records resolve to themselves: asked together
            if f.type is FieldType.REF and f.ref is not None:
                given = {v for r in rows if isinstance(v := r.get(f.name), str) and v}
                for found in _live_ids(store.conn, KINDS[f.ref].table, given):
                    self.resolved[(f.name, found)] = found

    def own(self) -> tuple[str, ...] | None:
        if not self._own:
            self._own.append(references.own_partitions(self._store.conn, self._store.site))
        return self._own[0]


def _free_citizen_ids(conn: dbapi.Connection, rows: Sequence[Mapping[str, object]]) -> set[str]:
    """The citizen ids the rows give (as cleaning will store them, when valid) that no stored
    person has: one query per 500 instead of one per row. A number cleaned otherwise than
    guessed here is simply asked about alone (references.check_record)."""
    wanted = set()
    for r in rows:
        v = r.get("citizen_id")
        if isinstance(v, str) and v:
            wanted.add(cccd.normalise_citizen_id(v))
    wanted.discard("")
    taken = {r[0] for r in dbapi.rows_in(
        conn, "SELECT citizen_id FROM person WHERE _deleted = 0 AND citizen_id IN ({})",
        sorted(wanted))}
    return wanted - taken


def _live_ids(conn: dbapi.Connection, table: str, ids: set[str]) -> set[str]:
    """Those of ``ids`` that are ids of records of ``table`` not deleted, 500 a query."""
    return {r[0] for r in dbapi.rows_in(
        conn, f"SELECT id FROM {table} WHERE _deleted = 0 AND id IN ({{}})", sorted(ids))}


def kind_named(name: str) -> Kind:
    kind = KINDS.get(name)
    if kind is None:
        raise UserError(_("Không có loại bản ghi «{n}» (có: {k})").format(
            n=name, k=", ".join(KINDS)))
    return kind


def now_local() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


class Store:
    """Reads and writes records of one database as one site and one officer."""

    def __init__(self, conn: dbapi.Connection, *, actor: str | None = None,
                 today: dt.date | None = None) -> None:
        self.conn = conn
        # The audit log names the account that logged in, not the operating-system user.
        account = accounts.current(conn)
        self.actor = actor or (account.name if account else _current_user())
        self._today = today
        self._site: Site | None = None
        self._txn: _Txn | None = None

    @property
    def today(self) -> dt.date:
        return self._today or dt.date.today()

    @property
    def site(self) -> Site:
        if self._site is None:
            self._site = require_site(self.conn)
        return self._site

    # -- transactions -------------------------------------------------------------------

    @contextmanager
    def transaction(self, action: str = "write") -> Iterator[None]:
        """One write transaction; nested calls join the outer one. The account logged in on
        the connection must be allowed ``action`` (accounts.PERMISSIONS): checked here, in
        the storage layer, so the window and the command line cannot differ."""
        if self._txn is not None:
            yield
            return
        accounts.require(self.conn, action)
        site = self.site
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            # Read inside the write lock: another process may have written since.
            last = self.conn.execute("SELECT value FROM site_meta WHERE key='hlc'").fetchone()
            self._txn = _Txn(HybridClock(int(last[0]) if last else 0),
                             versions.Names(self.conn))
            yield
            txn = self._txn
            set_meta(self.conn, "hlc", str(txn.clock.last))
            self.conn.executemany(
                "INSERT INTO sync_vv(origin, part, seq) VALUES (?, ?, ?) "
                "ON CONFLICT(origin, part) DO UPDATE SET seq = excluded.seq",
                [(site.site_id, part, seq) for part, seq in txn.seqs.items()])
            self.conn.execute("COMMIT")
        except BaseException:
            # SQLite may have rolled back already (disk full): a second ROLLBACK would hide
            # the real error behind "cannot rollback - no transaction is active".
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        finally:
            self._txn = None

    def _next_seq(self, part: str, n: int = 1) -> int:
        """Reserve ``n`` sequence numbers of this site in ``part``; returns the first."""
        assert self._txn is not None
        seqs = self._txn.seqs
        if part not in seqs:
            row = self.conn.execute("SELECT seq FROM sync_vv WHERE origin=? AND part=?",
                                    (self.site.site_id, part)).fetchone()
            seqs[part] = row[0] if row else 0
        first = seqs[part] + 1
        seqs[part] += n
        return first

    # -- reading one record ---------------------------------------------------------------

    def get_row(self, kind: Kind, record_id: str) -> dbapi.Row:
        row = self.conn.execute(f"SELECT * FROM {kind.table} WHERE id = ?",
                                (record_id,)).fetchone()
        if row is None:
            raise NotFoundError(_("Không có {label} với id «{id}»").format(
                label=lower_first(kind.label), id=record_id))
        return row

    # -- writes ------------------------------------------------------------------------------

    def add(self, kind_name: str, values: Mapping[str, object]) -> WriteResult:
        kind = kind_named(kind_name)
        with self.transaction():
            record, warnings = self._prepare(kind, values, current=None)
            record_id = new_record_id()
            self._insert(kind, record_id, record)
        return WriteResult(record_id, warnings)

    def add_many(self, kind_name: str, rows: Sequence[Mapping[str, object]]) -> list[str]:
        """Bulk insert through the same path (demo data, spreadsheet import, benchmarks)."""
        kind = kind_named(kind_name)
        ids: list[str] = []
        with self.transaction():
            batch = _Batch(self, kind, rows)
            prepared = []
            for n, values in enumerate(rows, start=1):
                try:
                    record, _w = self._prepare(kind, values, current=None, batch=batch)
                except ValidationError as e:
                    raise ValidationError(e.field, e.message, row=n, label=e.label) from None
                ids.append(new_record_id())
                prepared.append(record)
                if kind.name == "person" and record.get("citizen_id"):
                    batch.batch_ids.setdefault(str(record["citizen_id"]), (
                        ids[-1], record.get("full_name"), record.get("birth_date")))
            self._insert_many(kind, ids, prepared, batch.parts)
        return ids

    def edit(self, kind_name: str, record_id: str, values: Mapping[str, object]) -> WriteResult:
        kind = kind_named(kind_name)
        with self.transaction():
            row = self.get_row(kind, record_id)
            if row["_deleted"]:
                raise UserError(_("{label} «{id}» đã bị xóa; hãy khôi phục trước khi sửa")
                                .format(label=kind.label, id=record_id))
            current = {f.name: row[f.name] for f in kind.fields}
            record, warnings = self._prepare(kind, values, current=current, record_id=record_id,
                                             part=row["_part"])
            changed = {k: v for k, v in record.items() if current.get(k) != v}
            self._update(kind, row, changed)
            # The record passed every rule just now: an import's item saying it broke one
            # (sync/conflicts.py, review_broken_records) is done.
            self.conn.execute("UPDATE sync_conflict SET status = 'closed', resolved_by = ?, "
                              "resolved_local_time = ? WHERE status = 'open' AND tbl = ? "
                              "AND pk = ? AND kind = 'rule'",
                              (self.site.site_id, now_local(), kind.table, record_id))
        return WriteResult(record_id, warnings)

    def delete(self, kind_name: str, record_id: str) -> None:
        self._set_deleted(kind_named(kind_name), record_id, 1)

    def restore(self, kind_name: str, record_id: str) -> None:
        self._set_deleted(kind_named(kind_name), record_id, 0)

    def resolve_field(self, kind_name: str, record_id: str, field_name: str, value: object,
                      replaces: Sequence[Sequence[object]]) -> None:
        """Write ``value`` to one field as an ordinary edit whose history also names the dots
        in ``replaces`` (a conflict's loser and winner), even if the value is unchanged, so the
        write fast-forwards every site and closes the conflict everywhere."""
        kind = kind_named(kind_name)
        with self.transaction("conflicts"):
            row = self.get_row(kind, record_id)
            self._update(kind, row, {field_name: value}, action="resolve",
                         extra_hist=[list(d) for d in replaces])

    def blank_fields(self, kind_name: str, record_id: str, names: Sequence[str]) -> list[str]:
        """Set ``names`` to empty as one versioned change (audit action ``erase``), without
        the field rules (a required name is blanked too): only *Xóa vĩnh viễn* does this
        (desktop/storage/erasure.py). Returns the fields that held a value."""
        kind = kind_named(kind_name)
        with self.transaction("erase"):
            row = self.get_row(kind, record_id)
            changed = {n: None for n in names if row[n] is not None}
            self._update(kind, row, changed, action="erase")
        return list(changed)

    def link(self, kind_name: str, record_id: str, values: Mapping[str, object]) -> None:
        """Write ``values`` as one versioned change without the field and reference rules:
        a merged person's alias, and references re-pointed to the survivor, which this site
        may not hold (desktop/storage/duplicates.py, aliases.py). Deleted records too."""
        kind = kind_named(kind_name)
        with self.transaction():
            row = self.get_row(kind, record_id)
            self._update(kind, row, {k: v for k, v in values.items() if row[k] != v},
                         action="merge")

    def rehome(self, kind_name: str, record_id: str, part: str) -> int:
        """Put a record in partition ``part``: each version not yet in it is written again by
        this site in ``part`` (the same value, its history naming the dot it replaces), so the
        sites holding ``part`` receive the whole record and everywhere else it fast-forwards.
        A person who moved (desktop/storage/moves.py). Returns the versions written."""
        kind = kind_named(kind_name)
        with self.transaction():
            assert self._txn is not None
            row = self.get_row(kind, record_id)
            self._check_writable(part)
            rowid = row["_rowid"]
            cells = versions.read_rowids(self.conn, kind.table, [rowid],
                                         self._txn.names).get(rowid, {})
            stray = [f for f, c in cells.items() if c[2] != part]
            if not stray and row["_part"] == part:
                return 0
            for c in cells.values():
                self._txn.clock.observe(c[0])
            hlc = self._txn.clock.now()
            seq = self._next_seq(part, len(stray)) if stray else 0
            for i, name in enumerate(stray):
                old = cells[name]
                dot = [old[1], old[2], old[3]]
                hist = [dot, *(d for d in old[4] if d != dot)]
                cells[name] = [hlc, self.site.site_id, part, seq + i,
                               hist[:max(MAX_HIST, len(old[4]) + 1)]]
            self.conn.execute(f"UPDATE {kind.table} SET _part = ? WHERE id = ?",
                              (part, record_id))
            versions.write(self.conn, kind.table, {rowid: cells}, self._txn.names)
            audit.record_event(self.conn, self.actor, "rehome",
                               {"from": row["_part"], "to": part, "versions": len(stray)},
                               tbl=kind.table, pk=record_id)
        return len(stray)

    def observe(self, stamp: int) -> None:
        """Advance this transaction's clock past a stamp seen in imported data."""
        assert self._txn is not None, "observe() only inside Store.transaction()"
        self._txn.clock.observe(stamp)

    def _set_deleted(self, kind: Kind, record_id: str, flag: int) -> None:
        with self.transaction():
            row = self.get_row(kind, record_id)
            if row["_deleted"] == flag:
                msg = _("«{id}» đã bị xóa rồi") if flag else _("«{id}» chưa bị xóa")
                raise UserError(msg.format(id=record_id))
            self._update(kind, row, {"_deleted": flag},
                         action="delete" if flag else "restore")

    # -- internals -----------------------------------------------------------------------

    def _prepare(self, kind: Kind, values: Mapping[str, object], current: dict[str, object] | None,
                 record_id: str | None = None, part: str | None = None,
                 batch: _Batch | None = None) -> tuple[dict[str, object], list[str]]:
        """Clean, resolve references and codes, merge with the current record (in partition
        ``part``), check rules. ``batch``: a new record of ``add_many``, its lookups shared."""
        cleaned: dict[str, object] = dict(validation.clean_values(kind, values, today=self.today))
        for name, value in list(cleaned.items()):
            f = kind.field(name)
            if value is None:
                continue
            if f.type is FieldType.CODE:
                cleaned[name] = self._resolve(references.resolve_code, f, str(value), batch)
            elif f.type is FieldType.REF:
                cleaned[name] = self._resolve(references.resolve_ref, f, str(value), batch)
        record = dict(current or {})
        record.update(cleaned)
        derived.fill_defaults(self.conn, kind, record, is_new=current is None)
        warnings = validation.check_record(kind, record)  # type: ignore[arg-type]
        if batch is None:
            warnings += references.check_record(self.conn, kind, record, record_id)
        else:
            number = record.get("citizen_id") if kind.name == "person" else None
            earlier = batch.batch_ids.get(str(number)) if number else None
            if earlier is not None:  # an earlier row of the batch has the number
                raise references.DuplicatePerson(kind.field("citizen_id"), str(number),
                                                 str(earlier[0]), str(earlier[1]), earlier[2])
            warnings += references.check_record(self.conn, kind, record, record_id,
                                                batch.free_ids)
        # Partitions come from the data: no record that would never sync, and no move.
        if current is None:
            references.placed_partition(self.conn, kind, record, self.site,
                                        batch.parts if batch else None,
                                        batch.own if batch else None)
        elif part is not None and any(record.get(n) != current.get(n)
                                      for n in references.partition_fields(kind)):
            references.check_kept_partition(self.conn, kind, record, part)
        return record, warnings

    def _resolve(self, resolve: Callable[[dbapi.Connection, Field, str], str], f: Field,
                 value: str, batch: _Batch | None) -> str:
        """A code or reference resolved; within a batch each distinct value once."""
        if batch is None:
            return resolve(self.conn, f, value)
        key = (f.name, value)
        found = batch.resolved.get(key)
        if found is None:
            found = batch.resolved[key] = resolve(self.conn, f, value)
        return found

    def _insert(self, kind: Kind, record_id: str, record: dict[str, object]) -> None:
        self._insert_many(kind, [record_id], [record])

    def _insert_many(self, kind: Kind, ids: Sequence[str],
                     records: Sequence[dict[str, object]],
                     parts: dict[tuple[str, str], str | None] | None = None) -> None:
        """``parts``: the partitions of records the rows name, as far as looked up already."""
        assert self._txn is not None
        names = [f.name for f in kind.fields]
        extra = list(kind.extra_columns) + (["_search"] if kind.searchable else [])
        cols = ["_rowid", "id", "_part", "_deleted", *names, *extra]
        now = now_local()
        site = self.site.site_id
        # Rowids given here (we hold the write lock) so the versions can name them.
        first = int(self.conn.execute(f"SELECT coalesce(max(_rowid), 0) + 1 FROM "
                                      f"{kind.table}").fetchone()[0])
        rows, audit_rows = [], []
        clocks: dict[int, dict[str, list]] = {}
        by_part: dict[str, list[dict[str, object]]] = {}
        extra_values = derived.columns_many(kind, records)  # sort keys, search text
        for rowid, (record_id, record, extra_row) in enumerate(
                zip(ids, records, extra_values, strict=True), start=first):
            part = references.partition_of(self.conn, kind, record, self.site,
                                           {} if parts is None else parts)
            if part not in by_part:  # each partition's answer is the same for every row
                self._check_writable(part)
            by_part.setdefault(part, []).append(record)
            stamped = [n for n in names if record.get(n) is not None] + ["_deleted"]
            hlc = self._txn.clock.now()
            seq = self._next_seq(part, len(stamped))
            clocks[rowid] = {name: [hlc, site, part, seq + i, []]
                             for i, name in enumerate(stamped)}
            rows.append((rowid, record_id, part, 0, *(record.get(n) for n in names),
                         *extra_row))
            audit_rows.append((rowid, now, hlc, site, self.actor, "create", kind.table,
                               record_id, None, None, {n: record[n] for n in stamped[:-1]}))
        for part, recs in by_part.items():  # approved periods are locked (periods.py)
            periods.check_write(self.conn, self.site, kind, part, recs, names)
        marks = ", ".join("?" * len(cols))
        self.conn.executemany(f"INSERT INTO {kind.table} ({', '.join(cols)}) VALUES ({marks})",
                              rows)
        versions.write(self.conn, kind.table, clocks, self._txn.names, fresh=True)
        self._write_audit(kind, audit_rows)

    def _check_writable(self, part: str) -> None:
        """Reference data (catalogues) belongs to the province: a commune's edit of it would
        never be accepted upstream and would leave the commune silently different."""
        if part == REF_PART and self.site.site_kind != "province":
            raise UserError(_("Danh mục dùng chung do Công an tỉnh quản lý; xã/phường không "
                              "sửa được (đề nghị tỉnh sửa và gửi xuống)"))
        if part not in (REF_PART, self.site.unit_code) and self.site.site_kind != "province":
            own = references.own_partitions(self.conn, self.site)
            if own is not None and part not in own:  # e.g. a person who moved away
                raise UserError(_("Bản ghi này thuộc {p} (đã chuyển đi); xã/phường chỉ sửa "
                                  "được bản ghi trên địa bàn mình").format(
                    p=references.part_name(self.conn, part)))

    def _update(self, kind: Kind, row: dbapi.Row, changed: Mapping[str, object],
                *, action: str = "update", extra_hist: Sequence[list[object]] = ()) -> None:
        if not changed:
            return
        assert self._txn is not None
        self._check_writable(row["_part"])
        if action not in ("erase", "merge"):  # approved periods are locked (periods.py)
            before = {f.name: row[f.name] for f in kind.fields}
            periods.check_write(self.conn, self.site, kind, row["_part"],
                                [before, {**before, **changed}], changed)
        record_id, part = row["id"], row["_part"]
        rowid = row["_rowid"]
        old_cells = versions.read_rowids(self.conn, kind.table, [rowid],
                                         self._txn.names).get(rowid, {})
        # An edit made after seeing a value must beat it, however wrong our clock is.
        for cell in old_cells.values():
            self._txn.clock.observe(cell[0])
        hlc = self._txn.clock.now()
        seq = self._next_seq(part, len(changed))
        site, now = self.site.site_id, now_local()
        new_cells = dict(old_cells)
        audit_rows = []
        for i, (name, value) in enumerate(changed.items()):
            old = old_cells.get(name)
            hist: list[list[object]] = []
            if old is not None:
                hist = [[old[1], old[2], old[3]]]
            hist += [d for d in extra_hist if d not in hist]
            limit = MAX_HIST
            if name == "_deleted":
                # A delete or restore knowingly covers every field value it saw, so an edit
                # it did not see is told apart as a concurrent delete-versus-edit.
                seen = [[c[1], c[2], c[3]] for f, c in old_cells.items() if f != "_deleted"]
                hist += [d for d in seen if d not in hist]
                limit = MAX_HIST + len(seen)
            if old is not None:
                hist += [d for d in old[4] if d not in hist]
            new_cells[name] = [hlc, site, part, seq + i, hist[:limit]]
            audit_rows.append((rowid, now, hlc, site, self.actor, action, kind.table,
                               record_id, name, row[name], value))
        record = {f.name: row[f.name] for f in kind.fields}
        record.update({k: v for k, v in changed.items() if k != "_deleted"})
        sets = dict(changed)
        sets.update(zip(derived.column_names(kind), derived.columns(kind, record), strict=True))
        assignments = ", ".join(f"{name} = ?" for name in sets)
        self.conn.execute(f"UPDATE {kind.table} SET {assignments} WHERE id = ?",
                          (*sets.values(), record_id))
        versions.write(self.conn, kind.table, {rowid: new_cells}, self._txn.names)
        self._write_audit(kind, audit_rows)

    def _write_audit(self, kind: Kind, rows: Sequence[tuple[object, ...]]) -> None:
        # The chain, the keyed hashes of sensitive values: desktop/storage/audit.py.
        audit.append_changes(self.conn, kind, rows)


def _current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name on some service accounts
        return "unknown"
