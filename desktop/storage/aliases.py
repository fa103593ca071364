"""A merged person's id goes on naming the survivor (issue 15, «The same person twice»).

A merge (desktop/storage/same_person.py) writes the survivor's id into the other record's
``merged_into`` and deletes it. Other sites learn it from bundles, but may meanwhile have
written things naming the old id: a membership, an attendance, a deed, a camera's owner, or
an edit of the old record itself. Every such write reaches the province (communes send
everything up; a local write there resolves the old id at once), so the province alone,
after each import, brings those to the survivor, as ordinary versioned writes that go down
like any other. One writer: two sites never make the same repair concurrently (that would
be logged as a conflict between identical values).

- a reference to a merged id is re-pointed to the survivor (or deleted if the survivor
  already has the same one: a membership of that organization, attendance of that meeting);
- a field of the merged record written without seeing the merge (its version is not covered
  by the merge's delete) is written to the survivor, unless the survivor's own value is newer.

One pair merged each way at two sites (both records aliases once synced) is settled there
too: the record every site resolves to (the smallest id) is made live again. Reading goes
through :func:`resolve`, which follows ``merged_into`` (``antq show person OLD_ID``, ids typed
in references).
"""

from __future__ import annotations

from collections.abc import Iterable

from desktop.domain.errors import UserError
from desktop.domain.kinds import KINDS, PERSON
from desktop.i18n import _
from desktop.storage import dbapi, versions
from desktop.storage.alias_chain import resolve, resolve_all
from desktop.storage.duplicates import Written
from desktop.storage.references import own_partitions
from desktop.storage.same_person import ALIAS, already_has, moves_partition, references
from desktop.storage.writer import Store


def merged_ids(conn: dbapi.Connection) -> list[str]:
    """Every person that is an alias here (a partial index holds only these)."""
    return [r[0] for r in conn.execute(
        "SELECT id FROM person WHERE merged_into IS NOT NULL AND _deleted = 1")]


def follow_merges(store: Store) -> int:
    """Bring what names a merged person to its survivor (module docstring); returns the
    number of records written. One transaction."""
    conn = store.conn
    written = 0
    if conn.execute("SELECT 1 FROM person WHERE merged_into IS NOT NULL AND _deleted = 1 "
                    "LIMIT 1").fetchone() is None:
        return 0  # nothing was ever merged: no transaction, nothing written
    with store.transaction("sync"):
        merged = set(merged_ids(conn))
        if not merged:
            return 0
        survivors = {m: s for m, s in resolve_all(conn).items() if m in merged}
        # Two sites merged one pair each way (A into B here, B into A there): both records
        # are aliases. The one every site resolves to (the smallest id) is made live again.
        for survivor in sorted({s for m, s in survivors.items() if s in survivors}):
            store.link("person", survivor, {ALIAS: None})
            store.restore("person", survivor)
            written += 1
        if written:
            merged = set(merged_ids(conn))
            survivors = {m: s for m, s in resolve_all(conn).items() if m in merged}
        written += _repoint(store, survivors)
        written += _forward_edits(store, survivors)
    return written


def _held(conn: dbapi.Connection, person_id: str) -> bool:
    return conn.execute("SELECT 1 FROM person WHERE id = ? AND _deleted = 0",
                        (person_id,)).fetchone() is not None


def _repoint(store: Store, survivors: dict[str, str]) -> int:
    conn = store.conn
    province = own_partitions(conn, store.site) is None
    written = 0
    aliased = "(SELECT id FROM person WHERE merged_into IS NOT NULL AND _deleted = 1)"
    for kind_name, field_name in references():
        kind = KINDS[kind_name]
        # One query per field (some, as a meeting's secretary, have no index: one scan).
        for row in conn.execute(f"SELECT * FROM {kind.table} WHERE {field_name} IN {aliased} "
                                "AND _deleted = 0").fetchall():
            old = row[field_name]
            keep = survivors.get(old, old)
            if keep == old:
                continue
            if already_has(conn, kind_name, field_name, row, keep):
                store.delete(kind_name, row["id"])
            elif moves_partition(conn, kind_name, field_name, row, keep):
                if not province:  # only the province writes in every commune
                    continue
                values = {f.name: row[f.name] for f in kind.fields
                          if row[f.name] is not None}
                store.add(kind_name, {**values, field_name: keep})
                store.delete(kind_name, row["id"])
            else:
                # The survivor may live in another commune, not held here: no check.
                store.link(kind_name, row["id"], {field_name: keep})
            written += 1
    for row in conn.execute("SELECT id, owner_id FROM attachment WHERE owner_kind = 'person' "
                            f"AND owner_id IN {aliased} AND _deleted = 0").fetchall():
        keep = survivors.get(row["owner_id"], row["owner_id"])
        if keep != row["owner_id"]:
            store.link("attachment", row["id"], {"owner_id": keep})
            written += 1
    return written


def _forward_edits(store: Store, survivors: dict[str, str]) -> int:
    """Fields of merged records written without seeing the merge, onto the survivor."""
    conn = store.conn
    olds = [o for o, k in survivors.items() if k != o and _held(conn, k)]
    if not olds:
        return 0
    rows = _rows(conn, olds + [survivors[o] for o in olds])
    cells = versions.read_rowids(conn, PERSON.table, [r["_rowid"] for r in rows.values()])
    written = 0
    for old in olds:
        keep = survivors[old]
        o_row, k_row = rows[old], rows[keep]
        o_cells = cells.get(o_row["_rowid"], {})
        k_cells = cells.get(k_row["_rowid"], {})
        gone = o_cells.get("_deleted")
        if gone is None:
            continue
        covered = [[gone[1], gone[2], gone[3]], *gone[4]]
        update: dict[str, object] = {}
        for f in PERSON.fields:
            cell = o_cells.get(f.name)
            if f.name == ALIAS or cell is None or [cell[1], cell[2], cell[3]] in covered:
                continue
            value = o_row[f.name]
            mine = k_cells.get(f.name)
            if value != k_row[f.name] and (mine is None or (cell[0], cell[1])
                                           > (mine[0], mine[1])):
                update[f.name] = value
        if update:
            store.link("person", keep, update)
            written += 1
    return written


def _rows(conn: dbapi.Connection, ids: Iterable[str]) -> dict[str, dbapi.Row]:
    ids = list(dict.fromkeys(ids))
    return {r["id"]: r for r in dbapi.rows_in(conn, "SELECT * FROM person WHERE id IN ({})", ids)}


def after_import(conn: dbapi.Connection, actor: str | None,
                 written: Written | None = None) -> list[str]:
    """What an import does last, each step its own transaction: names of merged people
    brought to their survivors, then the duplicates queue brought up to date for the people
    ``written`` while the import was watched (duplicates.watching; everyone still to scan if
    None). Returns warnings (a failure here leaves the import itself in place)."""
    from desktop.storage import duplicates
    from desktop.storage.site import load_site

    warnings: list[str] = []
    here = load_site(conn)
    try:
        if here is not None and here.site_kind == "province":
            follow_merges(Store(conn, actor=actor))
    except (UserError, dbapi.Error) as e:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        warnings.append(_("Chưa chuyển được các bản ghi gắn với hồ sơ đã gộp: {e}").format(e=e))
    try:
        duplicates.scan(conn, only=None if written is None else written.ids())
    except dbapi.Error as e:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        warnings.append(_("Chưa tìm được hồ sơ trùng lặp: {e}").format(e=e))
    return warnings


def shown_instead(conn: dbapi.Connection, rec: dict) -> tuple[dict, list[str]]:
    """What ``antq show person OLD_ID`` shows for a merged record: the survivor, after a line
    saying so (the record itself, if the survivor is not held here). The survivor's record
    carries ``merged_from``."""
    from desktop.storage import records

    old = str(rec["id"])
    survivor = resolve(conn, old)
    try:
        kept = records.get(conn, PERSON, survivor)
    except UserError:
        return rec, [_("Hồ sơ {o} đã được gộp vào hồ sơ {s} (hồ sơ đó không có ở điểm "
                       "này)").format(o=old, s=survivor)]
    kept = dict(kept)
    kept["merged_from"] = old
    return kept, [_("Hồ sơ {o} đã được gộp vào hồ sơ {s} ({n}); đây là hồ sơ được giữ "
                    "lại:").format(o=old, s=survivor, n=kept.get("full_name") or "")]
