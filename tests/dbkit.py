"""Database helpers for tests: copying a database with its key file, and a full logical dump
(schema and every row), to prove that a refused change changed nothing."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

from desktop.domain import hlc
from desktop.storage import dbapi, keyfile, merge
from desktop.storage.site import get_meta
from desktop.storage.writer import Store

TEST_USER = "admin"
TEST_PASSWORD = "mật khẩu kiểm thử"
FAST_KDF = {"t": 1, "m": 8, "p": 1}


def copy_database(source: Path, target: Path) -> Path:
    """The database file and its key file (the two travel together)."""
    shutil.copy(source, target)
    keys = keyfile.keyfile_path(Path(source))
    if keys.exists():
        shutil.copy(keys, keyfile.keyfile_path(Path(target)))
    return target


def logical_dump(conn: dbapi.Connection) -> list[str]:
    """SQLCipher's driver has no ``iterdump``; rows are sorted, so the dump does not depend
    on the order rows were stored in."""
    out = [f"{t} {n}: {s}" for t, n, s in conn.execute(
        "SELECT type, name, sql FROM sqlite_master ORDER BY type, name")]
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' "
        "AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name")]
    if "audit_entry" in tables:  # the compact log: its rows as text, through its view
        tables = sorted({t for t in tables if t not in _AUDIT_STORED} | {"audit_log"})
    for name in tables:
        rows = sorted(repr(tuple(r)) for r in conn.execute(
            _WHAT_CHANGES.get(name, f'SELECT * FROM "{name}"')))
        out += [f"{name}: {r}" for r in rows]
    return out


# The audit log also records what was tried and what left the program (a refused bundle, an
# export, a backup): "nothing changed" means no data and no entry of a write; the events and
# the head they move are tested by tests/storage/test_audit_chain.py.
_WHAT_CHANGES = {
    "audit_log": "SELECT * FROM audit_log WHERE field IS NOT NULL OR action = 'create'",
    "site_meta": "SELECT * FROM site_meta WHERE key <> 'audit_head'",
    # A bundle written is noted beside the audit log's event (the province's overview).
    "sync_bundle_note": "SELECT * FROM sync_bundle_note WHERE direction = 'in'",
}


# The compact log's tables (desktop/storage/audit.py), dumped as the ``audit_log`` view; its
# names are numbered as they come, so two sites' numbers differ for the same entries.
_AUDIT_STORED = {"audit_entry", "audit_name"}


def version_rows(conn: dbapi.Connection, pk: str | None = None) -> list[dict[str, object]]:
    """Every stored field version (of record ``pk`` if given) as a dict with the columns the
    old ``sync_cell`` table had: tbl, pk, field, hlc, origin, part, seq, hist (JSON text)."""
    from desktop.storage import versions

    keys = ("tbl", "pk", "field", "hlc", "origin", "part", "seq")
    return [{**dict(zip(keys, c[:7], strict=True)), "hist": json.dumps(c[7])}
            for c in versions.all_cells(conn) if pk is None or c[1] == pk]


def roster_search_pages(conn: dbapi.Connection, scope: object, search: str,
                        limit: int) -> list[list[int]]:
    """Every page of a roster's search, each as people_rowids gives it (page after page, as
    the window reads them)."""
    from desktop.storage import rosters

    out: list[list[int]] = []
    after = None
    while True:
        found, after = rosters.people_rowids(conn, scope, search=search, after=after,
                                             limit=limit)
        out.append(found)
        if len(found) < limit:
            return out


def roster_search_afresh(conn: dbapi.Connection, scope: object, search: str,
                         limit: int) -> list[list[int]]:
    """:func:`roster_search_pages` as a search typed anew (nothing kept from the last key)."""
    from desktop.storage import rosters

    conn.__dict__.pop(rosters._TYPED, None)
    try:
        return roster_search_pages(conn, scope, search, limit)
    finally:
        conn.__dict__.pop(rosters._TYPED, None)


def roster_order_pages(conn: dbapi.Connection, scope: object, order: str, descending: bool,
                       size: int) -> list[str]:
    """The ids of a roster sorted by ``order``, read page after page as the window does
    (rowids, then their rows)."""
    from desktop.storage import rosters

    ids: list[str] = []
    after = None
    while True:
        rowids, after = rosters.people_rowids(conn, scope, limit=size, after=after,
                                              order=order, descending=descending)
        ids += [r["id"] for r in rosters.people_rows(conn, rowids)]
        if len(rowids) < size:
            return ids


def roster_order_afresh(conn: dbapi.Connection, column: str, descending: bool) -> list[str]:
    """The ids of every person there, sorted in Python by ``column`` (none first), then the
    name key and the rowid: what :func:`roster_order_pages` must give for the whole commune."""
    rows = conn.execute(f"SELECT id, coalesce({column}, '') v, name_key, _rowid FROM person "
                        "WHERE _deleted = 0").fetchall()
    return [r["id"] for r in sorted(rows, key=lambda r: (r["v"], r["name_key"], r["_rowid"]),
                                    reverse=descending)]


def record_pages(conn: dbapi.Connection, kind: object, query: object, size: int) -> list[str]:
    """The ids of a list of records read page after page (``records.page``, keyset)."""
    from desktop.storage import records

    ids: list[str] = []
    after = None
    while True:
        page = records.page(conn, kind, query, limit=size, after=after)
        ids += [r["id"] for r in page]
        if len(page) < size:
            return ids
        after = page[-1]["sort_key"]


class _Rollback(Exception):
    pass


def merge_outcome(store: Store, cells: list[merge.Cell]) -> tuple[object, ...]:
    """The database after merging ``cells`` (or the refusal), rolled back: ("merged", the
    merge's statistics, the logical dump) or ("refused", the message)."""
    result: tuple[object, ...] = ()
    try:
        with store.transaction():
            try:
                stats = merge.apply_cells(store, cells)
            except merge.MergeError as e:
                result = ("refused", str(e))
                raise _Rollback from None
            result = ("merged", stats.as_dict(), logical_dump(store.conn))
            raise _Rollback
    except _Rollback:
        return result


@contextmanager
def stamped_after(*conns: dbapi.Connection) -> Iterator[None]:
    """Edits made inside are stamped after every stamp the sites of ``conns`` issued or saw:
    the hybrid clock's wall reads one millisecond past theirs. Two sites editing one after the
    other within one millisecond get equal stamps, and the tie goes to the larger site id (a
    later uuid7: the site made last), not to the later edit."""
    after = 1 + max(int(get_meta(c, "hlc") or 0) >> hlc.COUNTER_BITS for c in conns)
    real = hlc.time
    hlc.time = SimpleNamespace(time_ns=lambda: after * 1_000_000)  # type: ignore[assignment]
    try:
        yield
    finally:
        hlc.time = real  # type: ignore[assignment]
