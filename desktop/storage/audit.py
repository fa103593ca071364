"""The audit log: who did what, when — append-only and hash-chained, so that an entry edited,
deleted or moved with raw SQL shows (issue #11, DOMAIN.md §4.6.5). This module is the one place
that writes the log and the one that reads it (history and erasure ask it).

Format 2 (schema 13, issue 12): compact
---------------------------------------
Format 1 (schemas 9-12, desktop/storage/audit_v9.py) cost about 860 bytes an entry with its
indexes (a demo database of 32,710 people, 39k entries, dbstat on a plain copy): a UUID per
entry, the previous and the own hash and a digest as 64 hex digits each, the site UUID, table,
36-character record id and local time as text in the row and again in two indexes, and a
create's every value copied as JSON. Now 67 bytes an entry there, indexes included:

``audit_name(n, kind, name)``
    small integers for the names entries repeat: sites, accounts (``actor``), actions,
    tables and fields (a few hundred rows at a province). Actions 1-6 are fixed
    (:data:`FIXED_ACTIONS`) so an index can name deletions.
``audit_entry``, one row per entry:

    ``seq``
        its place in the log, 1, 2, 3 … without gaps (INTEGER PRIMARY KEY: the row's key).
        The UUID each entry had is gone: nothing referred to it, ``seq`` is the identity.
    ``at``
        local time, whole seconds since 1970-01-01 read as if the local wall clock were UTC
        (4 bytes; shown again as the ``YYYY-MM-DDTHH:MM:SS`` it was).
    ``hlc``
        the HLC stamp of the write (for an event, the wall clock then).
    ``site, actor, action, tbl, field``
        ordinals in ``audit_name``.
    ``rec``
        the record: its ``_rowid`` in ``tbl`` (an integer of 1-3 bytes, stable: VACUUM keeps
        an INTEGER PRIMARY KEY) when ``tbl`` is a record table, otherwise the key as text (an
        informant's code). Records leave a table only when an import is undone, and only
        those the import made, which no entry of this site names (a local write after the
        import refuses the undo), so a rowid is never reused for another record an entry
        names.
    ``old, new``
        an update's values before and after, as text; a sensitive value (fields marked
        ``sensitive`` in ``desktop.domain.kinds``: CCCD, the old CMND, ethnicity, religion …)
        as the first 16 bytes of HMAC-SHA256 of its text under the audit key (a BLOB, shown as
        ``hmac:`` and 32 hex digits), never plain. The key is 32 random bytes in ``site_meta``
        (``audit_key``), inside the encrypted database: a keyed hash, because the 10^12 CCCDs
        are tried against a plain SHA-256 in minutes; with the key one can still tell whether
        a given CCCD was entered and when. 128 bits are far beyond guessing. An event's
        ``new`` is JSON of its detail.

        A create made in format 2 keeps no values (``new`` NULL). They are the record itself
        and, as the record changes, every update entry keeps old → new, so the values it was
        made with are the record walked back through the later entries (:func:`entries` does
        that for the listing; a field changed since at another site is left out). Copying
        them made the log a second copy of every citizen's personal data — half the log,
        a whole raw copy of the data, and what *Xóa vĩnh viễn* then had to chase. Creates
        converted from format 1 keep the JSON they had (nothing is lost in the conversion).
    ``hash``
        16 bytes: the first 8 of the entry's content hash, then the first 8 of its chain hash.
    ``redacted, digest``
        NULL, or the ``seq`` of the *Xóa vĩnh viễn* entry that dropped ``old`` and ``new``,
        and then the values' digest, kept in their place.

Format 3 (schema 25, issue 12): a write's creates as one entry
---------------------------------------------------------------
Most entries of a database were creates that one write made: an import of a spreadsheet, a
bulk add, the province's 136,000 attendance rows — about 68 bytes each with the ``at`` index,
16 % of a province's file. Now the creates of one table that one write makes (two or more:
``Store.add_many``; one ``Store.add`` stays an entry of format 2) are **one entry, a batch**:

    ``rec``
        a BLOB (no other entry has one) of varints: the HLC of its last record less ``hlc``
        (that of its first), then the records' rowids in the order made, as runs of
        consecutive rowids (:func:`encode_batch`). ``Store.add_many`` gives consecutive
        rowids: 10,000 people are one run, six bytes; the entry is one row of about 60 bytes
        and one ``at`` index entry, where format 2 had 10,000 of each (680 KB).
    ``seq``
        the number of its first record; a batch of n records takes n numbers (seq … seq+n-1),
        so every record still has its own number and the next entry follows the last one.
        ``verify`` expects the next entry there, counts n, and a head names the last number.
    ``old, new, field``
        NULL, as for any create of format 2: the values are the records themselves.

Its content hash is that of an entry whose ``pk`` and ``field`` are null and whose digest
covers the records::

    digest  = HMAC-SHA256(audit key, canonical [hlc of the last record, [id, id, …]])

with the ids read from the record tables by rowid (a rowid that names no row: null), so a
record taken out of the batch, added, swapped for another or the entry's time, actor or
HLCs edited breaks the content hash, as any edit does. Listing shows a batch as one entry
(:attr:`Entry.span` records, seq … :attr:`Entry.last_seq`); :func:`expand` reads its records
back as the entries they stand for — number, id and the values each was made with (walked
back as for a create of format 2, a field's version counting as the create's when that site
stamped it within the batch's HLCs) — for ``antq audit show N`` and the Nhật ký page's
double click. Erasure has nothing to drop in a batch: it holds ids and no value (a person's
id is kept after *Xóa vĩnh viễn*), and its listing reads the blanked record.

Indexes: ``at`` (listing from a date; appended in order, so packed), the record
``(tbl, rec)`` of every entry but a format-2 create (erasure, a create's values: creates are
most entries and need no lookup by record), and the deletions (*Đã xóa gần đây*). The view
``audit_log`` shows the entries as text (names, times, record ids, ``hmac:`` values) to anyone
reading the database with SQL; nothing writes through it.

The hashes (full SHA-256; only the head is kept whole)::

    digest  = HMAC-SHA256(audit key, canonical [old, new])       (sensitive values as shown)
    content = SHA-256(digest ‖ canonical [seq, at, hlc, site, actor, action, tbl, pk, field])
    chain   = SHA-256(chain of entry seq-1 ‖ content)            (32 zero bytes before the 1st)

with names and the record's id (``pk``: its UUID, looked up) as text: the content is what the
entry says, not how it is stored. The canonical encoding is JSON of the list, UTF-8, no spaces,
no ASCII escapes. The last chain hash, whole, is the head: kept in ``site_meta``
(``audit_head`` = "seq hex") and sent in every bundle.

Why 8 + 8 bytes and no ``prev``: no stored hash is a secret — whoever can write the file can
recompute any of them — so what a stored hash buys is that a change which did not recompute it
shows, and where. 8 bytes make a random edit pass with odds of 2^-64; the content part names
the edited entry (and, holding ``seq``, the place a moved entry came from: it hashes right at
its old seq), the chain part names an entry rewritten with its content hash recomputed (the
next entry no longer links). Against someone who recomputes everything, only the head seen
elsewhere helps — the province's copy — and matching it means a preimage of the whole 32-byte
SHA-256, whatever is stored per entry. ``prev`` was the previous entry's hash again.

Why a keyed digest: a redacted entry keeps its digest; a plain SHA-256 of a name would confirm
a guessed name of the erased person. Keyed, it tells nothing without the key.

Erasure: an erasure sets ``old`` and ``new`` to NULL, ``redacted`` to the erase entry's seq and
``digest`` to the values' digest; the chain is unchanged, since the content hash covers the
digest, not the values. Anyone changing that entry's digest, time, actor or action still breaks
it. A redaction must name a later ``erase`` entry of the same record.

Heads of other sites: a bundle carries the head and ``audit_format`` (:data:`FORMAT`); the
province remembers per sender the head and its format (``audit_peer_head``) and warns when a
later bundle shows, in the same format, a shorter history or another hash at the same seq
(:func:`observe_peer_head`). Converting to a new format re-chains every entry, so a sender's
first bundle in a newer format is a new baseline, not an alarm; a bundle in an older format
than the one remembered (written before the sender upgraded, imported late) is not compared.

Migration 25 (:func:`group_creates`) checks the format-2 chain (:func:`verify`), groups
each run of creates that one write made (consecutive numbers, one table, time, site and actor,
growing HLCs, no values kept) into a batch at the same numbers, keeps every other entry as it
was, chains the log anew and adds an ``audit-upgrade`` entry with the old head, whether the
old chain was intact (or where it first broke) and how many records it grouped — the same
semantics as migration 13 across its format boundary. A log with no such run is left as it is.
A record's exact HLC is not kept (the versions have it): the batch keeps the first and last.

The conversion (migration 13, ``audit_v9.convert``) walks the format-1 chain, checking it,
converts each entry (same seq, same content, new representation), chains them anew, and adds
one ``audit-upgrade`` entry saying how many entries it converted, the old head and whether the
old chain was intact — so a log tampered with before the upgrade stays on record as such.
Its number is below 14 and 17, which databases made meanwhile have: they run it when opened
(``db.MIGRATION_VERSIONS``, ``migrations.missing``).

Limits: whoever can write the database file can rebuild the whole chain from any entry on;
locally the chain cannot show that. What the province saw of the head is the check against it.

Speed: appending reads the key and the head once per write (one query), hashes in memory
and inserts with one ``executemany``; the Store gives each record's rowid (an event naming a
record by id has the INSERT look it up). The ordinals of names are kept with the connection
(checked after a rollback or another writer: see ``_NameCache``), so a write reads nothing
else. Measured on this machine, CPU time: a bulk create cost 18-29 µs an entry in format 2
(format 1: 33-34); a batch of format 3 about 3 µs a record (Store.add_many of 10,000 people:
28 ms of audit, 0.20-0.37 s in format 2). A two-field edit costs about 50 µs more than in
format 1 (the HMAC digest), a few percent of the edit.
:func:`verify` streams the log in seq order with a cursor and never holds it in memory (a
batch's ids are read and hashed 5,000 at a time). Listing a create reads its record and
versions: a page of 100 creates takes a few milliseconds; a batch is one line until opened.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import hmac
import json
import json.encoder
import secrets
import weakref
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from desktop.domain import hlc
from desktop.domain.kinds import KINDS, KINDS_BY_TABLE, Kind
from desktop.i18n import _, ngettext
from desktop.storage import accounts, dbapi
from desktop.storage.site import get_meta, set_meta

KEY_META = "audit_key"
HEAD_META = "audit_head"
GENESIS = "0" * 64
_ZERO = bytes(32)
HMAC_PREFIX = "hmac:"
FORMAT = 3  # travels in bundles beside the head (manifest ``audit_format``)
# The migration that made the log a chain (format 1), the one that made it compact (format 2)
# and the one that made a write's creates one entry (format 3).
CHAIN_VERSION = 9
FORMAT_VERSION = 13
BATCH_VERSION = 25

# Fixed ordinals of the write actions in ``audit_name`` (the deletions index names 3 and 6).
FIXED_ACTIONS = ("create", "update", "delete", "restore", "resolve", "erase")
_CREATE, _DELETE, _ERASE = 1, 3, 6
WRITE_ACTIONS = frozenset(FIXED_ACTIONS[:5])
_CHUNK = 500
# The most records one batch entry may name (a malformed one naming more is "edited").
MAX_BATCH = 10_000_000

SCHEMA = f"""
CREATE TABLE audit_name (n INTEGER PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL,
    UNIQUE (kind, name));
CREATE TABLE audit_entry (
    seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, hlc INTEGER NOT NULL,
    site INTEGER NOT NULL, actor INTEGER NOT NULL, action INTEGER NOT NULL,
    tbl INTEGER, rec, field INTEGER, old, new, hash BLOB NOT NULL,
    redacted INTEGER, digest BLOB);
-- Listing from a date.
CREATE INDEX audit_entry_at ON audit_entry(at);
-- A record's entries that say something a create of format 2 does not (values, changes):
-- erasure, the values a record was made with. Creates are most entries: left out.
CREATE INDEX audit_entry_record ON audit_entry(tbl, rec)
    WHERE rec IS NOT NULL AND (action <> {_CREATE} OR new IS NOT NULL);
-- Deletions and erasures (Đã xóa gần đây).
CREATE INDEX audit_entry_deleted ON audit_entry(tbl, rec) WHERE action IN ({_DELETE}, {_ERASE})
"""
# Where a query must repeat the partial index's terms for SQLite to use it.
_RECORD_TERMS = f"rec IS NOT NULL AND (action <> {_CREATE} OR new IS NOT NULL)"

_INSERT = ("INSERT INTO audit_entry (seq, at, hlc, site, actor, action, tbl, rec, field, old, "
           "new, hash, redacted, digest) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
SENSITIVE: frozenset[tuple[str, str]] = frozenset(
    (k.table, f.name) for k in KINDS.values() for f in k.fields if f.sensitive)
_RECORD_TABLES = frozenset(k.table for k in KINDS.values())


# -- times ------------------------------------------------------------------------------------

def now_local() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


def seconds_of(at: str) -> int:
    """A local time as written (ISO text) → the integer kept; a zone, if any, is dropped (the
    wall clock is what was read); 0 for text that is no time."""
    try:
        return calendar.timegm(dt.datetime.fromisoformat(at).timetuple())
    except (TypeError, ValueError):
        return 0


def text_of(seconds: int) -> str:
    return (dt.datetime(1970, 1, 1) + dt.timedelta(seconds=seconds)).isoformat(
        timespec="seconds")


# -- the key and sensitive values -------------------------------------------------------------

def audit_key(conn: dbapi.Connection) -> bytes:
    """The site's audit key, made (32 random bytes) on first use."""
    value = get_meta(conn, KEY_META)
    if value is None:
        value = secrets.token_hex(32)
        set_meta(conn, KEY_META, value)
    return bytes.fromhex(value)


def keyed(key: bytes, value: object) -> bytes:
    """What the log keeps of a sensitive value: 16 bytes of its keyed hash."""
    return hmac.digest(key, str(value).encode("utf-8"), "sha256")[:16]


_IPAD = bytes(b ^ 0x36 for b in range(256))
_OPAD = bytes(b ^ 0x5C for b in range(256))


class _Keyed:
    """HMAC-SHA256 under one key, its two padded key blocks hashed once (OpenSSL's HMAC set up
    for each value was a third of an edit's audit time); the same results as :func:`keyed`
    and :func:`digest_of` (a test keeps them equal)."""

    def __init__(self, key: bytes) -> None:
        block = (hashlib.sha256(key).digest() if len(key) > 64 else key).ljust(64, b"\0")
        self.inner = hashlib.sha256(block.translate(_IPAD))
        self.outer = hashlib.sha256(block.translate(_OPAD))
        self.empty = self.digest(None, None)  # a create's, an event's without detail

    def __call__(self, data: bytes) -> bytes:
        inner, outer = self.inner.copy(), self.outer.copy()
        inner.update(data)
        outer.update(inner.digest())
        return outer.digest()

    def value(self, value: object) -> bytes:
        return self(str(value).encode("utf-8"))[:16]

    def stored(self, tbl: str, field: str, value: object) -> str | bytes | None:
        """An updated field's value as the log keeps it."""
        if value is None:
            return None
        return self.value(value) if (tbl, field) in SENSITIVE else str(value)

    def digest(self, old: object, new: object) -> bytes:
        return self(f"[{_val(old)},{_val(new)}]".encode())

    def of_batch(self, last: int, ids: Iterable[str | None]) -> bytes:
        """A batch's digest: HMAC of the canonical ``[hlc of its last record, [ids]]``,
        fed a piece at a time (a batch may name a province's people)."""
        inner, outer = self.inner.copy(), self.outer.copy()
        inner.update(f"[{last:d},[".encode())
        piece: list[str] = []
        for n, pk in enumerate(ids):
            piece.append(_opt(pk) if n == 0 else "," + _opt(pk))
            if len(piece) >= 1_000:
                inner.update("".join(piece).encode())
                piece = []
        inner.update(("".join(piece) + "]]").encode())
        outer.update(inner.digest())
        return outer.digest()


_KEYED: dict[str, _Keyed] = {}


def _keyed_for(key_hex: str) -> _Keyed:
    """The HMAC of the key in ``site_meta`` (hex), set up once per process."""
    keyed = _KEYED.get(key_hex)
    if keyed is None:
        if len(_KEYED) > 8:  # databases opened in one process: a few
            _KEYED.clear()
        keyed = _KEYED[key_hex] = _Keyed(bytes.fromhex(key_hex))
    return keyed


def keyed_hash(key: bytes, value: object) -> str:
    """A sensitive value as the log shows it: ``hmac:`` and 32 hex digits."""
    return HMAC_PREFIX + keyed(key, value).hex()


def shown(value: object) -> str | None:
    """A stored value as text (a keyed hash as ``hmac:…``)."""
    if value is None:
        return None
    if isinstance(value, bytes):
        return HMAC_PREFIX + value.hex()
    return str(value)


def is_sensitive(tbl: str | None, field: str | None) -> bool:
    return (tbl, field) in SENSITIVE


# -- the canonical hashes -------------------------------------------------------------------
# JSON of the list with no spaces and no ASCII escapes, i.e. json.dumps(list,
# ensure_ascii=False, separators=(",", ":")); written out field by field with the json module's
# own string encoder because it is twice as fast as json.dumps, and verify spends its time
# here (a test keeps the two equal).

_str = json.encoder.encode_basestring  # type: ignore[attr-defined]


def _opt(value: str | None) -> str:
    return "null" if value is None else _str(value)


def _val(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bytes):
        return _str(HMAC_PREFIX + value.hex())
    return _str(str(value))


def digest_of(key: bytes, old: object, new: object) -> bytes:
    """The values' digest (keyed): what the content hash covers in their place."""
    return hmac.digest(key, f"[{_val(old)},{_val(new)}]".encode(), "sha256")


def content_of(digest: bytes, seq: int, at: int, stamp: int, site: str, actor: str,
               action: str, tbl: str | None, pk: str | None, field: str | None) -> bytes:
    text = (f"[{seq:d},{at:d},{stamp:d},{_str(site)},{_str(actor)},{_str(action)},"
            f"{_opt(tbl)},{_opt(pk)},{_opt(field)}]")
    return hashlib.sha256(digest + text.encode()).digest()


def chain_of(prev: bytes, content: bytes) -> bytes:
    return hashlib.sha256(prev + content).digest()


# -- batches (format 3) -----------------------------------------------------------------------
# A write's creates of one table are one entry; its ``rec`` is a BLOB of unsigned LEB128
# varints: the HLC of its last record less that of its first (``hlc``), then the records'
# rowids in the order written as runs of consecutive rowids, each run (start less the end of
# the run before, zigzag-signed; its length). Store.add_many gives consecutive rowids, so
# 10,000 people are one run: a few bytes.

def _put(out: bytearray, n: int) -> None:
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)


def encode_batch(hlc_span: int, rowids: Sequence[int]) -> bytes:
    out = bytearray()
    _put(out, hlc_span)
    end, i = 0, 0
    while i < len(rowids):
        start, j = rowids[i], i + 1
        while j < len(rowids) and rowids[j] == rowids[j - 1] + 1:
            j += 1
        delta = start - end
        _put(out, delta * 2 if delta >= 0 else -delta * 2 - 1)
        _put(out, j - i)
        end, i = start + (j - i), j
    return bytes(out)


def decode_batch(blob: bytes) -> tuple[int, list[tuple[int, int]]]:
    """(HLC span, [(first rowid, length)]); ValueError when malformed, empty or naming more
    than :data:`MAX_BATCH` records (the log is read from a file anyone may have edited)."""
    numbers: list[int] = []
    n = shift = 0
    for byte in blob:
        n |= (byte & 0x7F) << shift
        shift += 7
        if byte & 0x80:
            if shift > 63:
                raise ValueError("varint")
            continue
        numbers.append(n)
        n = shift = 0
    if shift or len(numbers) < 3 or len(numbers) % 2 == 0:
        raise ValueError("batch")
    runs, end, total = [], 0, 0
    for i in range(1, len(numbers), 2):
        z, length = numbers[i], numbers[i + 1]
        start = end + (z // 2 if z % 2 == 0 else -(z + 1) // 2)
        total += length
        if length < 1 or start < 1 or total > MAX_BATCH:
            raise ValueError("batch")
        runs.append((start, length))
        end = start + length
    return numbers[0], runs


def batch_span(blob: object) -> int:
    """How many records (and seq numbers) a batch's ``rec`` names; 1 for any other entry."""
    if not isinstance(blob, bytes):
        return 1
    try:
        return sum(length for _start, length in decode_batch(blob)[1])
    except ValueError:
        return 1


def batch_ids(conn: dbapi.Connection, tbl: str | None, runs: Sequence[tuple[int, int]]
              ) -> Iterator[str | None]:
    """The ids of a batch's records in its order (None for a rowid that names no row), read a
    run (or 5,000 rowids) at a time."""
    known = tbl in _RECORD_TABLES and conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (tbl,)).fetchone()
    for start, length in runs:
        for lo in range(start, start + length, 5_000):
            hi = min(lo + 5_000, start + length) - 1
            found = dict(conn.execute(f"SELECT _rowid, id FROM {tbl} WHERE _rowid BETWEEN ? "
                                      f"AND ?", (lo, hi)).fetchall()) if known else {}
            for rowid in range(lo, hi + 1):
                yield found.get(rowid)


def _runs_of(rowids: Sequence[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for r in rowids:
        if runs and runs[-1][0] + runs[-1][1] == r:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((r, 1))
    return runs


def batch_rowids(runs: Sequence[tuple[int, int]], offset: int = 0,
                 limit: int | None = None) -> list[int]:
    out: list[int] = []
    for start, length in runs:
        if offset >= length:
            offset -= length
            continue
        out.extend(range(start + offset, start + length))
        offset = 0
        if limit is not None and len(out) >= limit:
            return out[:limit]
    return out


# -- names ------------------------------------------------------------------------------------
# The ordinals a connection has used are kept with it (a query per batch for them was half the
# audit's time of an edit), with care for rollbacks: an ordinal this connection added is only
# "tentative" until seen committed. Each batch reads the head anyway; if it is the head this
# connection's last batch left, nothing happened in between (no other writer, no rollback of
# ours) and every ordinal kept holds. Otherwise a transaction boundary passed: the tentative
# ordinals are checked with one query (a rollback took them back) and the rest hold (a name,
# once committed, stays: only a rollback removes rows of ``audit_name``).

class _NameCache:
    def __init__(self) -> None:
        self.no: dict[tuple[str, str], int] = {}
        self.tentative: dict[int, tuple[str, str]] = {}
        self.head: str | None = None  # the head meta after this connection's last batch

    def checked(self, conn: dbapi.Connection, head_now: str | None) -> None:
        if head_now == self.head or not self.tentative:
            return
        ns = sorted(self.tentative)
        found = {n: (kind, name) for n, kind, name in conn.execute(
            f"SELECT n, kind, name FROM audit_name WHERE n IN ({','.join('?' * len(ns))})", ns)}
        if found != self.tentative:
            for key in self.tentative.values():
                self.no.pop(key, None)
        self.tentative = {}


_NAMES: weakref.WeakKeyDictionary[dbapi.Connection, _NameCache] = weakref.WeakKeyDictionary()


def _insert_sql(lookup: str | None) -> str:
    """The INSERT of entries whose record is looked up by id in table ``lookup`` (a record
    table; the id itself is kept if it names no row), or given as stored (``lookup`` None)."""
    rec = f"coalesce((SELECT _rowid FROM {lookup} WHERE id = ?), ?)" if lookup else "?"
    return (f"INSERT INTO audit_entry (seq, at, hlc, site, actor, action, tbl, field, rec, old, "
            f"new, hash, redacted, digest) VALUES (?, ?, ?, ?, ?, ?, ?, ?, {rec}, ?, ?, ?, ?, ?)")


def _all_names(conn: dbapi.Connection) -> dict[int, str]:
    return {n: name for n, name in conn.execute("SELECT n, name FROM audit_name")}


def rowids(conn: dbapi.Connection, tbl: str, pks: Iterable[str]) -> dict[str, int]:
    """{id: _rowid} of the records of a record table that exist."""
    if tbl not in _RECORD_TABLES:
        return {}
    return dict(dbapi.rows_in(conn, f"SELECT id, _rowid FROM {tbl} WHERE id IN ({{}})",
                              sorted(set(pks))))


def _pk_sql(conn: dbapi.Connection, alias: str = "e") -> str:
    """SQL for an entry's record id: the UUID of the row ``rec`` names, or ``rec`` itself."""
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    whens = [f"WHEN {n} THEN (SELECT id FROM {name} WHERE _rowid = {alias}.rec)"
             for n, name in conn.execute("SELECT n, name FROM audit_name WHERE kind = 'table'")
             if name in _RECORD_TABLES and name in tables]
    # A batch (a BLOB) names many records: none here (see batch_ids).
    if not whens:
        return (f"CASE WHEN typeof({alias}.rec) IN ('integer', 'blob') THEN NULL "
                f"ELSE {alias}.rec END")
    return (f"CASE typeof({alias}.rec) WHEN 'integer' THEN CASE {alias}.tbl "
            f"{' '.join(whens)} END WHEN 'blob' THEN NULL ELSE {alias}.rec END")


# -- appending --------------------------------------------------------------------------------

class Appender:
    """Chains entries onto the head read once, then writes them with one executemany.

    ``names``: the (kind, name) pairs the batch will use, read with the head (others are
    looked up when first used); ``lookup``: the record table whose ids the entries name."""

    def __init__(self, conn: dbapi.Connection, lookup: str | None = None,
                 names: Iterable[tuple[str, str]] = ()) -> None:
        self.conn = conn
        meta = dict(conn.execute("SELECT key, value FROM site_meta WHERE key IN (?, ?)",
                                 (KEY_META, HEAD_META)).fetchall())
        cache = _NAMES.get(conn)
        if cache is None:
            cache = _NAMES[conn] = _NameCache()
        cache.checked(conn, meta.get(HEAD_META))
        self.cache = cache
        missing = sorted({n for n in names if n not in cache.no})
        if missing:
            wanted = sorted({name for _kind, name in missing})
            for kind, name, n in conn.execute(
                    "SELECT kind, name, n FROM audit_name WHERE name IN "
                    f"({','.join('?' * len(wanted))})", wanted):
                cache.no.setdefault((kind, name), n)
        key = meta.get(KEY_META)
        self.keyed = _keyed_for(key if key is not None else audit_key(conn).hex())
        self.empty = self.keyed.empty
        seq, _sep, last = (meta.get(HEAD_META) or "").partition(" ")
        if seq.isdigit() and len(last) == 64:
            self.seq, self.chain = int(seq), bytes.fromhex(last)
        else:  # the head was removed: go on from the last entry; verify shows the seam
            row = conn.execute("SELECT max(seq) FROM audit_entry").fetchone()
            self.seq, self.chain = int(row[0] or 0), _ZERO
        self.lookup = lookup if lookup in _RECORD_TABLES else None
        self.rows: list[tuple[object, ...]] = []

    def ordinal(self, kind: str, name: str) -> int:
        cache = self.cache
        n = cache.no.get((kind, name))
        if n is None:
            row = self.conn.execute("SELECT n FROM audit_name WHERE kind = ? AND name = ?",
                                    (kind, name)).fetchone()
            if row is None:
                row = self.conn.execute("INSERT INTO audit_name (kind, name) VALUES (?, ?) "
                                        "RETURNING n", (kind, name)).fetchone()
                cache.tentative[int(row[0])] = (kind, name)
            n = cache.no[(kind, name)] = int(row[0])
        return n

    def add(self, at: int, stamp: int, site: str, actor: str, action: str, tbl: str | None,
            rec: int | str | None, pk: str | None, field: str | None, old: object,
            new: object, *, seq: int | None = None, digest: bytes | None = None,
            redacted: int | None = None) -> int:
        """One entry; ``pk`` is the record's id as the hash covers it, ``rec`` as stored (with
        a ``lookup`` table: looked up from ``pk``). ``digest`` and ``redacted`` only for an
        entry whose values were already dropped."""
        seq = self.seq + 1 if seq is None else seq
        if digest is None:
            d = self.empty if old is None and new is None else self.keyed.digest(old, new)
        else:
            d = digest
        content = content_of(d, seq, at, stamp, site, actor, action, tbl, pk, field)
        chain = chain_of(self.chain, content)
        no = self.ordinal
        where = (pk, pk) if self.lookup else (rec,)
        self.rows.append((seq, at, stamp, no("site", site), no("actor", actor),
                          no("action", action), None if tbl is None else no("table", tbl),
                          None if field is None else no("field", field), *where, old, new,
                          content[:8] + chain[:8], redacted, digest))
        self.seq, self.chain = seq, chain
        return seq

    def add_batch(self, at: int, first: int, last: int, site: str, actor: str, tbl: str,
                  rowids: Sequence[int], ids: Sequence[str | None], *,
                  seq: int | None = None) -> int:
        """One entry for the creates of ``rowids`` (ids ``ids``, HLC ``first`` … ``last``) in
        table ``tbl``: it takes one seq number a record, the first its own."""
        seq = self.seq + 1 if seq is None else seq
        d = self.keyed.of_batch(last, ids)
        content = content_of(d, seq, at, first, site, actor, "create", tbl, None, None)
        chain = chain_of(self.chain, content)
        no = self.ordinal
        blob = encode_batch(last - first, rowids)
        where = (None, blob) if self.lookup else (blob,)
        self.rows.append((seq, at, first, no("site", site), no("actor", actor),
                          no("action", "create"), no("table", tbl), None, *where, None, None,
                          content[:8] + chain[:8], None, None))
        self.seq, self.chain = seq + len(rowids) - 1, chain
        return seq

    def flush(self) -> None:
        if self.rows:
            self.conn.executemany(_insert_sql(self.lookup), self.rows)
            head = f"{self.seq} {self.chain.hex()}"
            set_meta(self.conn, HEAD_META, head)
            self.cache.head = head
            self.rows = []


def append_changes(conn: dbapi.Connection, kind: Kind,
                   rows: Sequence[tuple[object, ...]]) -> None:
    """The entries of one write of the Store (inside its transaction). Each row is
    ``(rowid, at, hlc, site, actor, action, tbl, pk, field, old, new)`` with the values as
    they are: ``rowid`` the record's ``_rowid`` (or None: looked up from ``pk``); for a create
    ``field`` is None and ``new`` the mapping of the values it set (not kept: see the
    module's text). Two creates or more are one batch entry (format 3)."""
    if not rows:
        return
    table = kind.table
    names = {("table", table)}
    for r in rows:
        names.update((("site", str(r[3])), ("actor", str(r[4])), ("action", str(r[5]))))
        if r[8] is not None:
            names.add(("field", str(r[8])))
    known = all(type(r[0]) is int for r in rows)
    out = Appender(conn, lookup=None if known else table, names=names)
    if known and len(rows) > 1 and all(r[5] == "create" and r[8] is None for r in rows):
        for group in _batches([(r[1], r[3], r[4], r[2], r[0], r[7]) for r in rows]):
            at, site, actor = group[0][0], str(group[0][1]), str(group[0][2])
            if len(group) == 1:
                out.add(seconds_of(str(at)), int(group[0][3]), site, actor,  # type: ignore
                        "create", table, group[0][4], str(group[0][5]), None, None, None)
            else:
                out.add_batch(seconds_of(str(at)), int(group[0][3]),  # type: ignore
                              int(group[-1][3]), site, actor, table,  # type: ignore
                              [g[4] for g in group], [str(g[5]) for g in group])
        out.flush()
        return
    keyed = out.keyed
    last_at, seconds = "", 0
    for rowid, at, stamp, site, actor, action, _tbl, pk, field, old, new in rows:
        if at != last_at:
            last_at, seconds = at, seconds_of(str(at))
        if field is None:
            old_v: object = None
            new_v: object = None if isinstance(new, Mapping) else new
        else:
            old_v = keyed.stored(table, str(field), old)
            new_v = keyed.stored(table, str(field), new)
        out.add(seconds, int(stamp), str(site), str(actor),  # type: ignore[call-overload]
                str(action), table, rowid, str(pk), None if field is None else str(field),
                old_v, new_v)
    out.flush()


def _batches(rows: Sequence[tuple]) -> list[list[tuple]]:
    """Creates ``(at, site, actor, hlc, …)`` in order, cut where the time, site or actor
    changes or the HLC does not grow (a batch keeps one of each and its HLCs' range)."""
    groups: list[list[tuple]] = []
    for r in rows:
        g = groups[-1] if groups else None
        if g is not None and g[-1][:3] == r[:3] and g[-1][3] < r[3]:
            g.append(r)
        else:
            groups.append([r])
    return groups


def default_actor(conn: dbapi.Connection) -> str:
    """Who acts when a caller names no one: whom a Store on ``conn`` writes as."""
    from desktop.storage.writer import Store  # writer imports this module

    return Store(conn).actor


def record_event(conn: dbapi.Connection, actor: str | None, action: str,
                 detail: Mapping[str, object] | None = None, *, tbl: str | None = None,
                 pk: str | None = None) -> int:
    """Append one event (an export, a print, a bundle, a backup, a login …); returns its seq.

    Inside an open transaction it joins it (and is undone with it); otherwise it is its own.
    """
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN IMMEDIATE")
    try:
        site, who = get_meta(conn, "site_id") or "", actor or default_actor(conn)
        names = {("site", site), ("actor", who), ("action", action)}
        if tbl is not None:
            names.add(("table", tbl))
        out = Appender(conn, lookup=tbl if pk is not None else None, names=names)
        text = None if detail is None else json.dumps(dict(detail), ensure_ascii=False,
                                                      sort_keys=True, default=str)
        seq = out.add(seconds_of(now_local()), hlc.pack(hlc.wall_ms_now(), 0), site, who,
                      action, tbl, pk, pk, None, None, text)
        out.flush()
        if own:
            conn.execute("COMMIT")
    except BaseException:
        if own and conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return seq


def ready(conn: dbapi.Connection) -> bool:
    """Whether this database's log is in this format yet (a backup made before migrating, or
    a database being migrated, is not: nothing is appended to it then)."""
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
                        "name = 'audit_entry'").fetchone() is not None


def head(conn: dbapi.Connection) -> tuple[int, str]:
    """The last entry's seq and chain hash (hex); (0, 64 zeros) for an empty log."""
    seq, _sep, h = (get_meta(conn, HEAD_META) or "").partition(" ")
    return (int(seq), h) if seq.isdigit() and len(h) == 64 else (0, GENESIS)


# -- reading ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    seq: int
    at: str
    site: str
    actor: str
    action: str
    tbl: str | None
    pk: str | None
    field: str | None
    old: str | None
    new: str | None
    redacted: int | None
    # A batch (format 3): how many records it made, one seq number each (seq … last_seq);
    # their ids and values are read by :func:`expand`.
    span: int = 1

    @property
    def last_seq(self) -> int:
        return self.seq + self.span - 1

    @property
    def is_batch(self) -> bool:
        return self.span > 1

    @property
    def is_event(self) -> bool:
        return self.action not in WRITE_ACTIONS

    @property
    def detail(self) -> dict[str, object] | None:
        """An event's detail, or a create's values."""
        if self.field is not None or self.new is None:
            return None
        try:
            value = json.loads(self.new)
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    def as_dict(self) -> dict[str, object]:
        return {"seq": self.seq, "at": self.at, "site": self.site, "actor": self.actor,
                "action": self.action, "table": self.tbl, "id": self.pk, "field": self.field,
                "old": self.old, "new": self.new, "redacted": self.redacted is not None,
                "records": self.span}


def _where(since: dt.date | None, user: str | None, before: int | None
           ) -> tuple[str, list[object]]:
    clauses, params = [], []
    if before is not None:
        clauses.append("e.seq < ?")
        params.append(before)
    if since is not None:
        clauses.append("e.at >= ?")
        params.append(calendar.timegm(since.timetuple()))
    if user:
        clauses.append("e.actor = (SELECT n FROM audit_name WHERE kind = 'actor' AND name = ?)")
        params.append(user)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def _select(conn: dbapi.Connection) -> str:
    return (f"SELECT e.seq, e.at, e.hlc, e.site, e.actor, e.action, e.tbl, e.rec, "
            f"{_pk_sql(conn)}, e.field, e.old, e.new, e.redacted FROM audit_entry e")


def _entries_of(conn: dbapi.Connection, rows: Sequence[tuple], names: dict[int, str]
                ) -> list[Entry]:
    name = names.get
    made = _made_with(conn, [(r[0], r[2], r[2], r[3], r[6], r[7]) for r in rows
                             if r[5] == _CREATE and r[11] is None and type(r[7]) is int],
                      names)
    return [Entry(seq, text_of(at), name(site, "?"), name(actor, "?"), name(action, "?"),
                  None if tbl is None else name(tbl, "?"), pk,
                  None if field is None else name(field, "?"), shown(old),
                  made.get(seq) if new is None else shown(new), redacted, batch_span(rec))
            for (seq, at, _h, site, actor, action, tbl, rec, pk, field, old, new,
                 redacted) in rows]


def entries(conn: dbapi.Connection, *, since: dt.date | None = None, user: str | None = None,
            before: int | None = None, limit: int = 100) -> list[Entry]:
    """A page of the log, newest first: the entries before seq ``before`` (keyset paging)."""
    accounts.require(conn, "audit")
    where, params = _where(since, user, before)
    rows = conn.execute(f"{_select(conn)}{where} ORDER BY e.seq DESC LIMIT ?",
                        (*params, limit)).fetchall()
    return _entries_of(conn, [tuple(r) for r in rows], _all_names(conn))


def iter_entries(conn: dbapi.Connection, *, since: dt.date | None = None,
                 user: str | None = None, page: int = 2_000) -> Iterator[Entry]:
    """Every matching entry, newest first, read a page at a time (a province's log)."""
    accounts.require(conn, "audit")  # here, not when the first entry is asked for

    def walk() -> Iterator[Entry]:
        before: int | None = None
        names = _all_names(conn)
        select = _select(conn)
        while True:
            where, params = _where(since, user, before)
            rows = [tuple(r) for r in conn.execute(
                f"{select}{where} ORDER BY e.seq DESC LIMIT ?", (*params, page))]
            yield from _entries_of(conn, rows, names)
            if len(rows) < page:
                return
            before = rows[-1][0]

    return walk()


def entry_at(conn: dbapi.Connection, seq: int) -> Entry | None:
    """The entry holding number ``seq``: its own, or the batch that made that record."""
    accounts.require(conn, "audit")
    rows = [tuple(r) for r in conn.execute(
        f"{_select(conn)} WHERE e.seq <= ? ORDER BY e.seq DESC LIMIT 1", (seq,))]
    found = _entries_of(conn, rows, _all_names(conn))
    return found[0] if found and found[0].last_seq >= seq else None


def record_ids(conn: dbapi.Connection, seq: int) -> list[str | None]:
    """A batch's record ids in its order ([] when ``seq`` is no batch)."""
    accounts.require(conn, "audit")
    row = conn.execute("SELECT n.name, e.rec FROM audit_entry e LEFT JOIN audit_name n ON "
                       "n.n = e.tbl WHERE e.seq = ?", (seq,)).fetchone()
    if row is None or not isinstance(row[1], bytes):
        return []
    try:
        runs = decode_batch(row[1])[1]
    except ValueError:
        return []
    return list(batch_ids(conn, row[0], runs))


def batch_summary(entry: Entry) -> str:
    """A batch in words: «10.000 bản ghi, mục số 5–10.004»."""
    from desktop.domain.formatting import count

    return ngettext("{n} bản ghi, mục số {a}–{b}", "{n} bản ghi, mục số {a}–{b}",
                    entry.span).format(n=count(entry.span), a=count(entry.seq),
                                       b=count(entry.last_seq))


def actors(conn: dbapi.Connection) -> list[str]:
    """Everyone named in the log, for the page's filter."""
    accounts.require(conn, "audit")
    return [r[0] for r in conn.execute("SELECT name FROM audit_name WHERE kind = 'actor' "
                                       "ORDER BY name")]


def _made_with(conn: dbapi.Connection, creates: Sequence[tuple[int, int, int, int, int, int]],
               names: dict[int, str]) -> dict[int, str]:
    """{seq: JSON of the values} for creates ``(seq, first hlc, last hlc, site, table,
    rowid)`` of format 2 or 3 (a batch's records, one seq each): the record as it is, walked
    back through this log's later entries about it (each keeps the value it replaced); a
    field neither written by the create (a version of that site stamped within its HLCs) and
    unchanged since, nor changed by a later entry here, was changed at another site and is
    left out. Sensitive values shown as their keyed hashes."""
    from desktop.storage import versions

    if not creates:
        return {}
    keyed = _keyed_for(get_meta(conn, KEY_META) or "00")
    by_table: dict[int, list[tuple[int, int, int, int, int, int]]] = defaultdict(list)
    for r in creates:
        by_table[r[4]].append(r)
    out: dict[int, str] = {}
    for t, rows in by_table.items():
        kind = KINDS_BY_TABLE.get(names.get(t, ""))
        if kind is None:
            continue
        fields = [f.name for f in kind.fields]
        sensitive = {f for f in fields if (kind.table, f) in SENSITIVE}
        recs = sorted({r[5] for r in rows})
        current: dict[int, tuple] = {}
        later: dict[int, list[tuple[int, str, object, int | None]]] = defaultdict(list)
        for i in range(0, len(recs), _CHUNK):
            chunk = recs[i:i + _CHUNK]
            marks = ",".join("?" * len(chunk))
            for row in conn.execute(f"SELECT _rowid, {', '.join(fields)} FROM {kind.table} "
                                    f"WHERE _rowid IN ({marks})", chunk):
                current[row[0]] = tuple(row[1:])
            for seq, rec, field, old, redacted in conn.execute(
                    f"SELECT seq, rec, field, old, redacted FROM audit_entry WHERE tbl = ? "
                    f"AND rec IN ({marks}) AND {_RECORD_TERMS} AND field IS NOT NULL "
                    f"ORDER BY seq", (t, *chunk)):
                later[rec].append((seq, names.get(field, ""), old, redacted))
        stamps = versions.read_rowids(conn, kind.table, current)
        for seq, lo, hi, site, _t, rec in rows:
            if rec not in current:
                continue
            values: dict[str, object] = {}
            earliest: dict[str, tuple[object, int | None]] = {}
            for s, field, old, redacted in later.get(rec, ()):
                if s > seq and field not in earliest:
                    earliest[field] = (old, redacted)
            stamped = stamps.get(rec, {})
            origin = names.get(site)
            for field, value in zip(fields, current[rec], strict=True):
                if field in earliest:
                    old, redacted = earliest[field]
                    if redacted is not None or old is None:
                        continue
                    value = shown(old)
                elif value is None:
                    continue
                else:
                    version = stamped.get(field)
                    if version is None or not lo <= version[0] <= hi or version[1] != origin:
                        continue
                    if field in sensitive:
                        value = HMAC_PREFIX + keyed.value(value).hex()
                values[field] = value
            if values:
                out[seq] = json.dumps(values, ensure_ascii=False)
    return out


def expand(conn: dbapi.Connection, seq: int, *, offset: int = 0, limit: int | None = None
           ) -> list[Entry]:
    """A batch's records as the per-record entries they stand for (seq, id and the values
    each was made with), from its ``offset``-th record; [] when ``seq`` is no batch."""
    accounts.require(conn, "audit")
    row = conn.execute("SELECT seq, at, hlc, site, actor, action, tbl, rec FROM audit_entry "
                       "WHERE seq = ?", (seq,)).fetchone()
    if row is None or not isinstance(row[7], bytes):
        return []
    first, at, stamp, site, actor, action, tbl, blob = tuple(row)
    try:
        hlc_span, runs = decode_batch(blob)
    except ValueError:
        return []
    names = _all_names(conn)
    table = names.get(tbl, "")
    rowids = batch_rowids(runs, offset, limit)
    pks = dict(zip(rowids, batch_ids(conn, table, _runs_of(rowids)), strict=True))
    start = first + offset
    made = _made_with(conn, [(start + i, stamp, stamp + hlc_span, site, tbl, r)
                             for i, r in enumerate(rowids)], names)
    return [Entry(start + i, text_of(at), names.get(site, "?"), names.get(actor, "?"),
                  names.get(action, "?"), table, pks[r], None, None, made.get(start + i), None)
            for i, r in enumerate(rowids)]


ACTIONS = {
    "create": _("Thêm"), "update": _("Sửa"), "delete": _("Xóa"), "restore": _("Khôi phục"),
    "resolve": _("Giải quyết xung đột"), "erase": _("Xóa vĩnh viễn"),
    "merge": _("Gộp hồ sơ trùng"), "duplicate-merge": _("Là một người (gộp hai hồ sơ)"),
    "duplicate-dismiss": _("Không phải một người"), "duplicate-reopen": _("Xem xét lại cặp trùng"),
    "duplicate-unmerge": _("Bỏ gộp hai hồ sơ"),
    "export": _("Xuất tệp"), "print": _("In"), "bundle-export": _("Ghi gói đồng bộ"),
    "bundle-import": _("Nhập gói đồng bộ"), "backup": _("Sao lưu"),
    "db-restore": _("Khôi phục từ bản sao lưu"), "login": _("Đăng nhập"),
    "login-failed": _("Đăng nhập sai"), "account-add": _("Thêm tài khoản"),
    "account-disable": _("Khóa tài khoản"), "password-change": _("Đổi mật khẩu"),
    "audit-upgrade": _("Chuyển nhật ký sang định dạng mới"),
    # The informant vault (desktop/storage/vault.py): the source code only, never a value.
    "vault-add": _("Cất danh tính người cung cấp tin"),
    "vault-open": _("Mở danh tính người cung cấp tin"),
    "vault-edit": _("Sửa danh tính người cung cấp tin"),
    "vault-grant": _("Giao mở danh tính"), "vault-revoke": _("Thu hồi quyền mở danh tính"),
}


def action_label(action: str) -> str:
    return ACTIONS.get(action, action)


def subject(entry: Entry) -> str:
    """What an entry is about, in words: the record's kind and field, or the event."""
    kind = KINDS_BY_TABLE.get(entry.tbl or "")
    if entry.tbl == "informant":  # the vault's events name a tip's source code
        return _("Nguồn tin {c}").format(c=entry.pk)
    if kind is None:
        return entry.tbl or ""
    if entry.field and entry.field in kind.by_name:
        return f"{kind.label}: {kind.field(entry.field).label}"
    return kind.label


def latest_deletions(conn: dbapi.Connection, limit: int) -> list[tuple[str, str, str, str]]:
    """(table, record id, time, account) of the records whose last word here is a deletion
    and that were not erased for good, latest first (history.recently_deleted)."""
    names = _all_names(conn)
    rows = conn.execute(
        f"SELECT e.tbl, {_pk_sql(conn)}, max(e.seq), e.at, e.actor FROM audit_entry e "
        f"WHERE e.action IN ({_DELETE}, {_ERASE}) GROUP BY e.tbl, e.rec "
        f"HAVING sum(e.action = {_ERASE}) = 0 ORDER BY max(e.seq) DESC LIMIT ?",
        (limit,)).fetchall()
    return [(names.get(t, ""), pk, text_of(at), names.get(actor, ""))
            for t, pk, _seq, at, actor in rows if pk is not None]


# -- verifying --------------------------------------------------------------------------------

PROBLEMS = ("edited", "missing", "reordered", "added", "redacted")
MOVED_WINDOW = 5_000  # how far from its place a moved entry is looked for (only once broken)


@dataclass(frozen=True)
class Break:
    """The first entry where the chain does not hold."""

    seq: int
    at: str
    problem: str  # one of PROBLEMS
    detail: str = ""

    def message(self) -> str:
        texts = {
            "edited": _("mục số {seq} ({at}) đã bị sửa"),
            "missing": _("mục số {seq} ({at}) bị mất (đã bị xóa khỏi nhật ký)"),
            "reordered": _("mục số {seq} ({at}) bị đổi thứ tự"),
            "added": _("mục số {seq} ({at}) được thêm vào ngoài chương trình"),
            "redacted": _("mục số {seq} ({at}) bị bỏ giá trị mà không có lệnh xóa vĩnh viễn"),
        }
        text = _("Nhật ký không còn nguyên vẹn: ") + texts[self.problem].format(
            seq=self.seq, at=self.at.replace("T", " ") or "?")
        return f"{text} ({self.detail})" if self.detail else text

    def as_dict(self) -> dict[str, object]:
        return {"seq": self.seq, "at": self.at, "problem": self.problem, "detail": self.detail}


@dataclass(frozen=True)
class Verified:
    entries: int
    head_seq: int
    head_hash: str
    broken: Break | None

    @property
    def intact(self) -> bool:
        return self.broken is None

    def as_dict(self) -> dict[str, object]:
        return {"intact": self.intact, "entries": self.entries, "head": {
            "seq": self.head_seq, "hash": self.head_hash},
            "broken": self.broken.as_dict() if self.broken else None}


def verify(conn: dbapi.Connection, *,
           progress: Callable[[int, int], None] | None = None) -> Verified:
    """Walk the log in order and recompute every digest and hash; the first break, if any."""
    accounts.require(conn, "audit")
    total = head(conn)[0]
    keyed = _keyed_for(get_meta(conn, KEY_META) or "00")
    empty = keyed.empty
    names = _all_names(conn)
    name = names.get
    expected, chain, last_at, count, reported = 1, _ZERO, "", 0, 0
    # Redactions wait for their erase entry: {erase seq: [(seq, at, tbl, rec)]}.
    waiting: dict[int, list[tuple[int, str, object, object]]] = {}
    cursor = conn.cursor()
    cursor.row_factory = None  # tuples: the walk over a province's log is the hot loop
    for row in cursor.execute(f"SELECT e.seq, e.at, e.hlc, e.site, e.actor, e.action, e.tbl, "
                              f"e.rec, {_pk_sql(conn)}, e.field, e.old, e.new, e.hash, "
                              f"e.redacted, e.digest FROM audit_entry e ORDER BY e.seq"):
        (seq, at, stamp, site, actor, action, tbl, rec, pk, field, old, new, stored, redacted,
         digest) = row
        if seq != expected:
            return Verified(count, seq - 1, chain.hex(), Break(
                expected, last_at or text_of(at), "missing",
                _("sau mục {a}, trước mục {b}").format(a=expected - 1, b=seq)))
        if redacted is not None:
            if not isinstance(redacted, int) or redacted <= seq:
                return Verified(count, seq, chain.hex(), Break(seq, text_of(at), "redacted"))
            waiting.setdefault(redacted, []).append((seq, text_of(at), tbl, rec))
        span = 1
        if isinstance(rec, bytes):  # a batch (format 3): its digest covers its records' ids
            try:
                hlc_span, runs = decode_batch(rec)
            except ValueError:
                return Verified(count, seq, chain.hex(), Break(seq, text_of(at), "edited"))
            span = sum(length for _start, length in runs)
            d = keyed.of_batch(stamp + hlc_span, batch_ids(conn, name(tbl, ""), runs))
        # A redacted entry's values are gone: its digest stands for them (see above).
        elif redacted is not None and old is None and new is None:
            if not isinstance(digest, bytes):  # values dropped, and nothing in their place
                return Verified(count, seq, chain.hex(), Break(seq, text_of(at), "redacted"))
            d = digest
        else:
            d = empty if old is None and new is None else keyed.digest(old, new)
        fields = (name(site, "\0"), name(actor, "\0"), name(action, "\0"),
                  None if tbl is None else name(tbl, "\0"), pk,
                  None if field is None else name(field, "\0"))
        content = content_of(d, seq, at, stamp, *fields)
        if not isinstance(stored, bytes) or content[:8] != stored[:8]:
            return Verified(count, seq, chain.hex(), _edited_or_moved(
                seq, at, stored, d, stamp, fields))
        chain = chain_of(chain, content)
        if chain[:8] != stored[8:16]:
            if seq == 1:
                return Verified(count, seq, chain.hex(), Break(seq, text_of(at), "edited"))
            return Verified(count, seq, chain.hex(), Break(
                seq - 1, last_at, "edited", _("mục sau không còn nối với nó")))
        for r_seq, r_at, r_tbl, r_rec in waiting.pop(seq, ()):
            if action != _ERASE or (r_tbl, r_rec) != (tbl, rec):
                return Verified(count, seq, chain.hex(), Break(r_seq, r_at, "redacted"))
        expected, last_at = seq + span, text_of(at)
        count += span
        if progress is not None and count >= reported + 50_000:
            reported = count
            progress(count, total)
    last = expected - 1
    if waiting:
        r_seq, r_at, _t, _r = min(x for v in waiting.values() for x in v)
        return Verified(count, last, chain.hex(), Break(r_seq, r_at, "redacted"))
    kept = get_meta(conn, HEAD_META)
    if kept is not None:
        k_seq, _sep, k_hash = kept.partition(" ")
        if k_seq.isdigit() and int(k_seq) > last:
            return Verified(count, last, chain.hex(), Break(
                last + 1, "", "missing",
                _("nhật ký dừng ở mục {a}, đã ghi đến mục {b}").format(a=last, b=k_seq)))
        if k_seq.isdigit() and int(k_seq) == last and k_hash != chain.hex() and last:
            return Verified(count, last, chain.hex(), Break(last, last_at, "edited"))
        if k_seq.isdigit() and int(k_seq) < last:
            return Verified(count, last, chain.hex(), Break(int(k_seq) + 1, "", "added"))
    return Verified(count, last, chain.hex(), None)


def _edited_or_moved(seq: int, at: int, stored: object, digest: bytes, stamp: int,
                     fields: tuple) -> Break:
    """An entry whose content hash does not match: moved from another place (it matches at
    the seq it was written with, which its content covers), or edited."""
    if isinstance(stored, bytes):
        for d in range(1, MOVED_WINDOW):
            for n in (seq - d, seq + d):
                if n > 0 and content_of(digest, n, at, stamp, *fields)[:8] == stored[:8]:
                    return Break(seq, text_of(at), "reordered",
                                 _("vốn là mục số {n}").format(n=n))
    return Break(seq, text_of(at), "edited")


# -- redaction (Xóa vĩnh viễn) ----------------------------------------------------------------

def redact(conn: dbapi.Connection, tbl: str, pk: str, erase_seq: int) -> int:
    """Drop the readable values of every entry about one record before ``erase_seq`` (inside
    the erasure's transaction), keeping their digest; returns how many lost their values."""
    t = conn.execute("SELECT n FROM audit_name WHERE kind = 'table' AND name = ?",
                     (tbl,)).fetchone()
    if t is None:
        return 0
    key = audit_key(conn)
    keys: list[object] = [pk]
    rowid = rowids(conn, tbl, [pk]).get(pk)
    if rowid is not None:
        keys.append(rowid)
    done = []
    for rec in keys:
        for seq, old, new in conn.execute(
                f"SELECT seq, old, new FROM audit_entry WHERE tbl = ? AND rec = ? AND "
                f"{_RECORD_TERMS} AND seq < ? AND redacted IS NULL AND "
                f"(old IS NOT NULL OR new IS NOT NULL)", (t[0], rec, erase_seq)).fetchall():
            done.append((erase_seq, digest_of(key, old, new), seq))
    conn.executemany("UPDATE audit_entry SET old = NULL, new = NULL, redacted = ?, digest = ? "
                     "WHERE seq = ?", done)
    return len(done)


# -- the heads of other sites (bundles) -------------------------------------------------------

class PeerHead(NamedTuple):
    seq: int
    hash: str
    format: int


def parse_head(value: object, audit_format: object = None) -> PeerHead | None:
    """A bundle manifest's ``audit_head`` and ``audit_format`` (from outside: checked
    strictly); None if absent, or in a format newer than this program's (it cannot be judged:
    as a bundle without a head). Raises ValueError when malformed. No format: format 1."""
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) != {"seq", "hash"}:
        raise ValueError("audit_head")
    seq, h = value["seq"], value["hash"]
    if type(seq) is not int or not 0 <= seq < 2 ** 53:
        raise ValueError("audit_head.seq")
    if not isinstance(h, str) or len(h) != 64 or h.strip("0123456789abcdef"):
        raise ValueError("audit_head.hash")
    if audit_format is None:
        audit_format = 1
    if type(audit_format) is not int or audit_format < 1:
        raise ValueError("audit_format")
    return None if audit_format > FORMAT else PeerHead(seq, h, audit_format)


def head_for_bundle(conn: dbapi.Connection) -> dict[str, object]:
    """The head for a manifest (``audit_head``); its format goes beside it (:data:`FORMAT`)."""
    seq, h = head(conn)
    return {"seq": seq, "hash": h}


def observe_peer_head(conn: dbapi.Connection, site_id: str, name: str,
                      seen: tuple[int, str] | tuple[int, str, int]) -> str | None:
    """Remember the head a sender's bundle showed (inside the import's transaction); a warning
    when it shows less than, or other than, what an earlier bundle showed in the same format.

    ``seen``: (seq, hash[, format]); without a format, format 1. A newer format than the one
    remembered is a new baseline (the sender upgraded, which re-chained every entry: the old
    hash cannot be compared); an older one (a bundle written before the upgrade, imported
    late) is not compared. A format never goes back, so only a real upgrade resets it."""
    seq, h = seen[0], seen[1]
    fmt = seen[2] if len(seen) > 2 else 1  # type: ignore[misc]
    now = now_local()
    row = conn.execute("SELECT seq, hash, format FROM audit_peer_head WHERE site_id = ?",
                       (site_id,)).fetchone()
    if row is None:
        conn.execute("INSERT INTO audit_peer_head (site_id, seq, hash, seen_local_time, format) "
                     "VALUES (?, ?, ?, ?, ?)", (site_id, seq, h, now, fmt))
        return None
    old_seq, old_hash, old_fmt = int(row[0]), str(row[1]), int(row[2])
    if fmt != old_fmt:
        if fmt > old_fmt:
            conn.execute("UPDATE audit_peer_head SET seq = ?, hash = ?, format = ?, "
                         "seen_local_time = ? WHERE site_id = ?", (seq, h, fmt, now, site_id))
        return None
    if seq < old_seq or (seq == old_seq and h != old_hash):
        if seq < old_seq:
            warning = _("Nhật ký của {n} đã bị viết lại? Gói này có nhật ký đến mục {s}, một gói "
                        "trước đã có đến mục {o}").format(n=name, s=seq, o=old_seq)
        else:
            warning = _("Nhật ký của {n} đã bị viết lại? Mục {s} khác với mục {s} của một gói "
                        "trước").format(n=name, s=seq)
        conn.execute("UPDATE audit_peer_head SET warning = ?, warned_local_time = ? "
                     "WHERE site_id = ?", (warning, now, site_id))
        return warning
    if seq > old_seq:
        conn.execute("UPDATE audit_peer_head SET seq = ?, hash = ?, seen_local_time = ? "
                     "WHERE site_id = ?", (seq, h, now, site_id))
    return None


def peer_warnings(conn: dbapi.Connection) -> dict[str, str]:
    """{site id: the last warning} for the senders whose log looked rewritten."""
    return {r[0]: r[1] for r in conn.execute(
        "SELECT site_id, warning FROM audit_peer_head WHERE warning IS NOT NULL")}


# -- the readable view and the schema ---------------------------------------------------------

def view_sql(conn: dbapi.Connection) -> str:
    """``audit_log``: the entries as text (names, times, record ids, ``hmac:`` values), for
    whoever reads the database with SQL. Only this module writes; the view is not written."""
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    whens = " ".join(f"WHEN '{t}' THEN (SELECT id FROM {t} WHERE _rowid = e.rec)"
                     for t in sorted(_RECORD_TABLES & tables))
    # A batch's records are read with expand() (antq audit show): its pk shows as NULL.
    pk = (f"CASE typeof(e.rec) WHEN 'integer' THEN CASE (SELECT name FROM audit_name "
          f"WHERE n = e.tbl) {whens} END WHEN 'blob' THEN NULL ELSE e.rec END" if whens
          else "CASE typeof(e.rec) WHEN 'blob' THEN NULL ELSE e.rec END")

    def name(col: str) -> str:
        return f"(SELECT name FROM audit_name WHERE n = e.{col}) AS {col}"

    def value(col: str) -> str:
        return (f"CASE WHEN typeof(e.{col}) = 'blob' THEN '{HMAC_PREFIX}' || lower(hex(e.{col})) "
                f"ELSE e.{col} END AS {col}")

    return (f"CREATE VIEW audit_log AS SELECT e.seq AS seq, "
            f"strftime('%Y-%m-%dT%H:%M:%S', e.at, 'unixepoch') AS at, e.hlc AS hlc, "
            f"{name('site')}, {name('actor')}, {name('action')}, "
            f"(SELECT name FROM audit_name WHERE n = e.tbl) AS tbl, {pk} AS pk, "
            f"{name('field')}, {value('old')}, {value('new')}, e.redacted AS redacted "
            f"FROM audit_entry e")


def ensure_view(conn: dbapi.Connection) -> None:
    """(Re)make the view when the record tables changed (after every migration)."""
    row = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'view' AND "
                       "name = 'audit_log'").fetchone()
    if row is None and conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
                                    "name = 'audit_entry'").fetchone() is None:
        return  # not yet in this format
    wanted = view_sql(conn)
    if row is None or row[0] != wanted:
        conn.execute("DROP VIEW IF EXISTS audit_log")
        conn.execute(wanted)


def create_schema(conn: dbapi.Connection) -> None:
    """Format 2's tables and indexes, and the fixed ordinals (migration 13)."""
    for stmt in SCHEMA.split(";"):
        if stmt.strip():
            conn.execute(stmt)
    conn.executemany("INSERT INTO audit_name (n, kind, name) VALUES (?, 'action', ?)",
                     list(enumerate(FIXED_ACTIONS, start=1)))


# -- migration 25: a write's creates as one entry (format 2 → 3) ------------------------------

_RUN_SQL = f"""SELECT EXISTS (SELECT 1 FROM audit_entry a JOIN audit_entry b ON b.seq = a.seq + 1
    WHERE a.action = {_CREATE} AND b.action = {_CREATE} AND a.new IS NULL AND b.new IS NULL
    AND a.field IS NULL AND b.field IS NULL AND a.redacted IS NULL AND b.redacted IS NULL
    AND typeof(a.rec) = 'integer' AND typeof(b.rec) = 'integer' AND a.at = b.at
    AND a.tbl = b.tbl AND a.site = b.site AND a.actor = b.actor AND a.hlc < b.hlc)"""


_MAX_GROUP = 100_000  # records a converted batch holds at most (they are held while grouped)


def group_creates(conn: dbapi.Connection, *, chunk: int = 5_000) -> None:
    """Migration 25: runs of format-2 creates that one write made (consecutive seqs, one
    table, time, site and actor, growing HLCs, no values) become batch entries; every entry
    keeps its seq (a batch takes those of its records), content and values, and the log is
    chained anew. The old chain is checked first and what it showed is recorded in an
    ``audit-upgrade`` entry, as migration 13 did, so an upgrade cannot launder an earlier
    edit; a deleted entry's place stays empty. Nothing to group: nothing changes."""
    if not ready(conn) or not conn.execute(_RUN_SQL).fetchone()[0]:
        return
    checked = verify(conn)
    broken = checked.broken
    old_head = head(conn)
    conn.execute("DROP VIEW IF EXISTS audit_log")
    for index in ("audit_entry_at", "audit_entry_record", "audit_entry_deleted"):
        conn.execute(f"DROP INDEX IF EXISTS {index}")
    conn.execute("ALTER TABLE audit_entry RENAME TO audit_entry_v2")
    for stmt in SCHEMA.split(";"):
        if stmt.strip() and "audit_name" not in stmt.split("(")[0]:
            conn.execute(stmt)
    out = Appender(conn)
    out.seq, out.chain = 0, _ZERO
    names = _all_names(conn)
    name = names.get
    group: list[tuple] = []
    batches = grouped = 0

    def put(group: list[tuple]) -> None:
        nonlocal batches, grouped
        if len(group) == 1:
            write(group[0])
            return
        r0, last = group[0], group[-1]
        out.add_batch(r0[1], r0[2], last[2], name(r0[3], ""), name(r0[4], ""),
                      name(r0[6], ""), [g[7] for g in group], [g[8] for g in group],
                      seq=r0[0])
        batches, grouped = batches + 1, grouped + len(group)
        if len(out.rows) >= 100:
            out.flush()

    def write(r: tuple) -> None:
        (seq, at, stamp, site, actor, action, tbl, rec, pk, field, old, new, _h, redacted,
         digest) = r
        gone = redacted is not None and old is None and new is None
        out.add(at, stamp, name(site, ""), name(actor, ""), name(action, ""),
                None if tbl is None else name(tbl, ""), rec, pk,
                None if field is None else name(field, ""), old, new, seq=seq,
                digest=digest if gone and isinstance(digest, bytes) else None,
                redacted=redacted)

    def groupable(r: tuple) -> bool:
        return (r[5] == _CREATE and r[9] is None and r[10] is None and r[11] is None
                and r[13] is None and type(r[7]) is int and r[8] is not None)

    def follows(r: tuple) -> bool:
        g = group[-1]
        return (r[0] == g[0] + 1 and r[1] == g[1] and r[3:5] == g[3:5] and r[6] == g[6]
                and r[2] > g[2] and len(group) < _MAX_GROUP)

    cursor = conn.cursor()
    cursor.row_factory = None
    for r in cursor.execute(f"SELECT e.seq, e.at, e.hlc, e.site, e.actor, e.action, e.tbl, "
                            f"e.rec, {_pk_sql(conn)}, e.field, e.old, e.new, e.hash, "
                            f"e.redacted, e.digest FROM audit_entry_v2 e ORDER BY e.seq"):
        if groupable(r):
            if group and not follows(r):
                put(group)
                group = []
            group.append(r)
            continue
        if group:
            put(group)
            group = []
        write(r)
        if len(out.rows) >= chunk:
            out.flush()
    if group:
        put(group)
    out.flush()
    conn.execute("DROP TABLE audit_entry_v2")
    set_meta(conn, HEAD_META, f"{out.seq} {out.chain.hex()}")
    ensure_view(conn)
    record_event(conn, None, "audit-upgrade", {
        "format": FORMAT, "entries": checked.entries, "batches": batches, "records": grouped,
        "old_head": {"seq": old_head[0], "hash": old_head[1]},
        "old_chain": "intact" if broken is None else f"seq {broken.seq}: {broken.problem}"})
