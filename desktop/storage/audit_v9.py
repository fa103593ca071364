"""The audit log as schemas 9 to 12 kept it (format 1), for the two migrations that touch it:
9 made the plain log a chain in this format, 13 checks that chain and converts it to format 2
(desktop/storage/audit.py explains both). Nothing else reads or writes it.

One ``audit_log`` row per entry: ``seq, id`` (a UUID), ``at`` (ISO local time), ``hlc``,
``site``, ``actor``, ``action``, ``tbl``, ``pk`` (texts), ``field``, ``old``, ``new`` (texts; a
create's ``new`` JSON of its values; sensitive values ``hmac:`` and 64 hex digits),
``digest`` = SHA-256 of the canonical ``[old, new]``, ``prev`` and ``hash`` (64 hex digits,
``hash`` = SHA-256 of the canonical ``[seq, prev, id, at, hlc, site, actor, action, tbl, pk,
field, digest]``), ``redacted``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import json.encoder
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from desktop.domain.kinds import KINDS
from desktop.storage import dbapi
from desktop.storage.site import get_meta, set_meta

GENESIS = "0" * 64
HEAD_META = "audit_head"

TABLE_SQL = """
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY, id TEXT NOT NULL, at TEXT NOT NULL, hlc INTEGER NOT NULL,
    site TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, tbl TEXT, pk TEXT,
    field TEXT, old TEXT, new TEXT, digest TEXT NOT NULL, prev TEXT NOT NULL,
    hash TEXT NOT NULL, redacted INTEGER)
"""
INDEXES_SQL = ("CREATE INDEX audit_record ON audit_log(tbl, pk)",
               "CREATE INDEX audit_at ON audit_log(at)")
PEER_HEAD_SQL = """
CREATE TABLE audit_peer_head (site_id TEXT PRIMARY KEY, seq INTEGER NOT NULL,
    hash TEXT NOT NULL, seen_local_time TEXT NOT NULL, warning TEXT,
    warned_local_time TEXT) WITHOUT ROWID
"""
_INSERT = ("INSERT INTO audit_log (seq, id, at, hlc, site, actor, action, tbl, pk, field, old, "
           "new, digest, prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
SENSITIVE: frozenset[tuple[str, str]] = frozenset(
    (k.table, f.name) for k in KINDS.values() for f in k.fields if f.sensitive)
_SENSITIVE_TABLES = frozenset(t for t, _f in SENSITIVE)

_str = json.encoder.encode_basestring  # type: ignore[attr-defined]


def _opt(value: str | None) -> str:
    return "null" if value is None else _str(value)


def digest_of(old: str | None, new: str | None) -> str:
    return hashlib.sha256(f"[{_opt(old)},{_opt(new)}]".encode()).hexdigest()


def hash_of(seq: int, prev: str, entry_id: str, at: str, stamp: int, site: str, actor: str,
            action: str, tbl: str | None, pk: str | None, field: str | None,
            digest: str) -> str:
    text = (f"[{seq:d},{_str(prev)},{_str(entry_id)},{_str(at)},{stamp:d},{_str(site)},"
            f"{_str(actor)},{_str(action)},{_opt(tbl)},{_opt(pk)},{_opt(field)},{_str(digest)}]")
    return hashlib.sha256(text.encode()).hexdigest()


def _keyed_hash(key: bytes, value: object) -> str:
    return "hmac:" + hmac.new(key, str(value).encode("utf-8"), hashlib.sha256).hexdigest()


def _value_text(key: bytes, tbl: str, field: str, value: object) -> str | None:
    if value is None:
        return None
    return _keyed_hash(key, value) if (tbl, field) in SENSITIVE else str(value)


class Appender:
    def __init__(self, conn: dbapi.Connection) -> None:
        self.conn = conn
        self.seq, self.hash = 0, GENESIS
        self.rows: list[tuple[object, ...]] = []

    def add(self, entry_id: str, at: str, stamp: int, site: str, actor: str, action: str,
            tbl: str | None, pk: str | None, field: str | None, old: str | None,
            new: str | None) -> None:
        seq = self.seq + 1
        digest = digest_of(old, new)
        h = hash_of(seq, self.hash, entry_id, at, stamp, site, actor, action, tbl, pk, field,
                    digest)
        self.rows.append((seq, entry_id, at, stamp, site, actor, action, tbl, pk, field, old,
                          new, digest, self.hash, h))
        self.seq, self.hash = seq, h

    def flush(self) -> None:
        if self.rows:
            self.conn.executemany(_INSERT, self.rows)
            self.rows = []


def chain_existing(conn: dbapi.Connection, key: bytes, *, chunk: int = 5_000) -> None:
    """Migration 9: rebuild ``audit_log`` as a chain of the entries already there, in their
    order, with sensitive plain values (a CCCD in a create's JSON, an edited ethnicity)
    replaced by their keyed hashes; start the table of other sites' heads."""
    conn.execute("ALTER TABLE audit_log RENAME TO audit_log_plain")
    conn.execute("DROP INDEX IF EXISTS audit_record")
    conn.execute("DROP INDEX IF EXISTS audit_at")
    conn.execute(TABLE_SQL)
    out = Appender(conn)
    read = conn.cursor()
    read.row_factory = None
    for (entry_id, at, stamp, site, actor, action, tbl, pk, field, old,
         new) in read.execute("SELECT id, at, hlc, site, actor, action, tbl, pk, field, old, "
                              "new FROM audit_log_plain ORDER BY rowid"):
        if field is None and new is not None and tbl in _SENSITIVE_TABLES:
            new = _hash_sensitive_json(key, tbl, new)
        elif (tbl, field) in SENSITIVE:
            old = _value_text(key, tbl, field, old)
            new = _value_text(key, tbl, field, new)
        out.add(entry_id, at, stamp, site, actor, action, tbl, pk, field, old, new)
        if len(out.rows) >= chunk:
            out.flush()
    out.flush()
    # The plain values must not linger in the freed pages either.
    secure = conn.execute("PRAGMA secure_delete").fetchone()[0]
    conn.execute("PRAGMA secure_delete = ON")
    try:
        conn.execute("DROP TABLE audit_log_plain")
    finally:
        conn.execute(f"PRAGMA secure_delete = {int(secure):d}")
    for stmt in INDEXES_SQL:
        conn.execute(stmt)
    conn.execute(PEER_HEAD_SQL)
    set_meta(conn, HEAD_META, f"{out.seq} {out.hash}")


def _hash_sensitive_json(key: bytes, tbl: str, text: str) -> str:
    try:
        values = json.loads(text)
    except ValueError:
        return text
    if not isinstance(values, dict) or not any((tbl, n) in SENSITIVE and v is not None
                                               for n, v in values.items()):
        return text
    return json.dumps({n: _keyed_hash(key, v) if (tbl, n) in SENSITIVE and v is not None
                       else v for n, v in values.items()}, ensure_ascii=False)


# -- reading it for migration 13 ------------------------------------------------------------

Row = tuple[int, str, int, str, str, str, str | None, str | None, str | None, str | None,
            str | None, int | None, str]
"""(seq, at, hlc, site, actor, action, tbl, pk, field, old, new, redacted, digest)"""


@dataclass
class Checked:
    """What a walk over this log found: its entries, its head, the first place it broke."""

    entries: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    broken: str | None = None  # "seq N: what" (English: it goes into the converted log)


def rows(conn: dbapi.Connection, checked: Checked) -> Iterator[Row]:
    """Every entry in seq order, checked as it goes (digest, hash, link to the one before,
    the head kept in ``site_meta``); the first problem is noted in ``checked``, never raised:
    the conversion keeps every entry, and says in the new log what the old one showed."""
    cursor = conn.cursor()
    cursor.row_factory = None
    last_seq, last_hash = 0, GENESIS
    for (seq, entry_id, at, stamp, site, actor, action, tbl, pk, field, old, new, digest, prev,
         stored, redacted) in cursor.execute(
            "SELECT seq, id, at, hlc, site, actor, action, tbl, pk, field, old, new, digest, "
            "prev, hash, redacted FROM audit_log ORDER BY seq"):
        if checked.broken is None:
            values_gone = redacted is not None and old is None and new is None
            if seq != last_seq + 1:
                checked.broken = f"seq {last_seq + 1}: missing"
            elif prev != last_hash:
                checked.broken = f"seq {seq}: not linked to the entry before"
            elif not values_gone and digest_of(old, new) != digest:
                checked.broken = f"seq {seq}: values edited"
            elif hash_of(seq, prev, entry_id, at, stamp, site, actor, action, tbl, pk, field,
                         digest) != stored:
                checked.broken = f"seq {seq}: edited"
        last_seq, last_hash = seq, stored
        checked.entries += 1
        yield (seq, at, stamp, site, actor, action, tbl, pk, field, old, new, redacted, digest)
    checked.head_seq, checked.head_hash = last_seq, last_hash
    kept = get_meta(conn, HEAD_META)
    if checked.broken is None and kept is not None and kept != f"{last_seq} {last_hash}":
        checked.broken = f"head kept as {kept.split(' ')[0]}, log ends at seq {last_seq}"


# -- migration 13: into format 2 --------------------------------------------------------------

def convert(conn: dbapi.Connection, *, chunk: int = 5_000) -> None:
    """Migration 13: every entry of this log, checked, into format 2 (``audit_entry``) with
    the same seq and content, chained anew; then one ``audit-upgrade`` entry saying what the
    old chain showed (desktop/storage/audit.py has why)."""
    from desktop.storage import audit

    audit.create_schema(conn)
    conn.execute("ALTER TABLE audit_peer_head ADD COLUMN format INTEGER NOT NULL DEFAULT 1")
    checked = Checked()
    out = audit.Appender(conn)
    out.seq, out.chain = 0, bytes(32)
    batch: list[Row] = []

    def flush() -> None:
        pks: dict[str, set[str]] = defaultdict(set)
        for r in batch:
            if r[6] is not None and r[7] is not None:
                pks[r[6]].add(r[7])
        rowid = {t: audit.rowids(conn, t, ids) for t, ids in pks.items()}
        for (seq, at, stamp, site, actor, action, tbl, pk, field, old, new, redacted,
             digest) in batch:
            rec = None if pk is None else rowid.get(tbl or "", {}).get(pk, pk)
            gone = redacted is not None and old is None and new is None
            if not gone and (tbl, field) in SENSITIVE:
                old, new = _short(old), _short(new)
            elif not gone and field is None and new is not None and tbl in _SENSITIVE_TABLES:
                new = _short_json(tbl, new)
            out.add(audit.seconds_of(at), stamp, site, actor, action, tbl, rec, pk, field, old, new,
                    seq=seq, digest=bytes.fromhex(digest) if gone else None,
                    redacted=redacted)
        out.flush()
        batch.clear()

    for row in rows(conn, checked):
        batch.append(row)
        if len(batch) >= chunk:
            flush()
    flush()
    secure = conn.execute("PRAGMA secure_delete").fetchone()[0]
    conn.execute("PRAGMA secure_delete = ON")  # an erased person's old pages, if any
    try:
        conn.execute("DROP TABLE audit_log")
    finally:
        conn.execute(f"PRAGMA secure_delete = {int(secure):d}")
    set_meta(conn, HEAD_META, f"{out.seq} {out.chain.hex()}")
    audit.ensure_view(conn)
    if checked.entries:
        audit.record_event(conn, None, "audit-upgrade", {
            "format": 2, "entries": checked.entries,
            "old_head": {"seq": checked.head_seq, "hash": checked.head_hash},
            "old_chain": checked.broken or "intact"})


def _short(value: str | None) -> str | bytes | None:
    """A format-1 keyed hash (``hmac:`` and 64 hex) → the 16 bytes format 2 keeps."""
    if isinstance(value, str) and value.startswith("hmac:") and len(value) == 69:
        try:
            return bytes.fromhex(value[5:])[:16]
        except ValueError:
            return value
    return value


def _short_json(tbl: str, text: str) -> str:
    """A converted create's values (JSON), its keyed hashes as format 2 shows them."""
    try:
        values = json.loads(text)
    except ValueError:
        return text
    if not isinstance(values, dict):
        return text
    for name, value in values.items():
        if (tbl, name) in SENSITIVE and isinstance(value, str):
            kept = _short(value)
            if isinstance(kept, bytes):
                values[name] = "hmac:" + kept.hex()
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"))
