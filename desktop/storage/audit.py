"""The audit log: who did what, when — append-only and hash-chained, so that an entry edited,
deleted or moved with raw SQL shows (issue #11, DOMAIN.md §4.6.5). This module is the one place
that writes ``audit_log`` and the one that reads it as a whole (``history.recently_deleted``
only asks it which records were deleted).

Entries
-------
One row per entry:

``seq``
    its place in the log: 1, 2, 3 … without gaps (the table's INTEGER PRIMARY KEY).
``id, at, hlc, site, actor, action, tbl, pk, field``
    what happened to which record, when (local time and HLC stamp), where (site id) and by
    whom (``Store.actor``: the account). Writes are ``create``, ``update``, ``delete``,
    ``restore``, ``resolve`` (one entry per changed field, one per created record); events
    (:func:`record_event`: ``export``, ``print``, ``bundle-export``, ``bundle-import``,
    ``backup``, ``db-restore``, ``erase``, and the logins and role changes of the accounts)
    leave ``field`` NULL and ``tbl``/``pk`` NULL unless they concern one record.
``old, new``
    the readable values: an update's value before and after (text); a create's ``new`` is JSON
    of every value it set; an event's ``new`` is JSON of its detail. Sensitive values (fields
    marked ``sensitive`` in ``desktop.domain.kinds``: CCCD, the old CMND number, ethnicity, and
    what later kinds mark) are written as ``hmac:<64 hex>``, HMAC-SHA256 of the value's text
    under the audit key: 32 random bytes in ``site_meta`` (``audit_key``, made on first use,
    inside the encrypted database). Keyed, not a plain hash: the 10^12 possible CCCDs are tried
    against a plain SHA-256 in minutes; with the key one can still tell whether a given CCCD
    was entered and when.
``digest``
    SHA-256 of the canonical encoding of ``[old, new]``.
``prev``
    the ``hash`` of entry ``seq - 1`` (64 zeros before the first).
``hash``
    SHA-256 of the canonical encoding of
    ``[seq, prev, id, at, hlc, site, actor, action, tbl, pk, field, digest]``: every field of
    the entry, the values through their digest. Canonical encoding: JSON of the list, UTF-8,
    no spaces, no ASCII escapes (only strings, integers and nulls occur).
``redacted``
    NULL, or the ``seq`` of the *Xóa vĩnh viễn* entry that dropped ``old`` and ``new``.

Why the chain covers a digest of the values and not the values: *Xóa vĩnh viễn* must take a
person's old values out of the readable log, and the log must still verify afterwards. An
erasure sets ``old`` and ``new`` to NULL and ``redacted`` to the erase entry's seq and keeps
``digest``; the chain is unchanged, since every hash covers the digest and a redacted entry's
digest is not recomputed, while anyone changing that entry's digest, time, actor or action
still breaks it. A redaction must name a later ``erase`` entry of the same record, so values
dropped without an erasure show as well.

The head (the last entry's seq and hash) is also kept in ``site_meta`` (``audit_head``), so
entries cut off the end show, and it travels in every sync bundle (manifest ``audit_head``):
the province remembers the head each sender showed (``audit_peer_head``) and warns when a
later bundle shows a shorter or a different history (:func:`observe_peer_head`).

Limits: whoever can write the database file can rebuild the whole chain from any entry on;
locally the chain cannot show that. What the province saw of the head is the check against it,
from the moment the province saw it.

Speed: appending reads the head and the key once per batch (one query; a Store write is one
batch however many rows it adds), hashes in memory and inserts with one ``executemany``.
:func:`verify` streams the log in seq order with a cursor and never holds it in memory.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import json.encoder
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from desktop.domain import hlc
from desktop.domain.ids import new_id
from desktop.domain.kinds import KINDS, KINDS_BY_TABLE, Kind
from desktop.i18n import _
from desktop.storage import accounts, dbapi
from desktop.storage.site import get_meta, set_meta

KEY_META = "audit_key"
HEAD_META = "audit_head"
GENESIS = "0" * 64
HMAC_PREFIX = "hmac:"

COLUMNS = ("seq", "id", "at", "hlc", "site", "actor", "action", "tbl", "pk", "field", "old",
           "new", "digest", "prev", "hash", "redacted")
# The migration that made the log a chain (migrations.py): before it, nothing here works.
CHAIN_VERSION = 9

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
_SENSITIVE: frozenset[tuple[str, str]] = frozenset(
    (k.table, f.name) for k in KINDS.values() for f in k.fields if f.sensitive)
_SENSITIVE_TABLES = frozenset(t for t, _f in _SENSITIVE)
WRITE_ACTIONS = frozenset({"create", "update", "delete", "restore", "resolve"})


# -- the canonical hashes -------------------------------------------------------------------
# The canonical encoding is JSON of the list with no spaces and no ASCII escapes, i.e.
# json.dumps(list, ensure_ascii=False, separators=(",", ":")); written out field by field
# with the json module's own string encoder because it is twice as fast as json.dumps, and
# verify spends its time here (a test keeps the two equal).

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


# -- the key and sensitive values -------------------------------------------------------------

def audit_key(conn: dbapi.Connection) -> bytes:
    """The site's audit key, made (32 random bytes) on first use."""
    value = get_meta(conn, KEY_META)
    if value is None:
        value = secrets.token_hex(32)
        set_meta(conn, KEY_META, value)
    return bytes.fromhex(value)


def keyed_hash(key: bytes, value: object) -> str:
    """What the log keeps of a sensitive value: ``hmac:`` and 64 hex digits."""
    return HMAC_PREFIX + hmac.new(key, str(value).encode("utf-8"), hashlib.sha256).hexdigest()


def is_sensitive(tbl: str | None, field: str | None) -> bool:
    return (tbl, field) in _SENSITIVE


def value_text(key: bytes, tbl: str, field: str, value: object) -> str | None:
    """An updated field's value as the log keeps it."""
    if value is None:
        return None
    return keyed_hash(key, value) if (tbl, field) in _SENSITIVE else str(value)


def values_text(key: bytes, tbl: str, values: Mapping[str, object]) -> str:
    """A created record's values as the log keeps them (JSON)."""
    return json.dumps({n: keyed_hash(key, v) if (tbl, n) in _SENSITIVE and v is not None else v
                       for n, v in values.items()}, ensure_ascii=False)


# -- appending --------------------------------------------------------------------------------

class _Appender:
    """Chains entries onto the head read once, then writes them with one executemany."""

    def __init__(self, conn: dbapi.Connection) -> None:
        self.conn = conn
        meta = dict(conn.execute("SELECT key, value FROM site_meta WHERE key IN (?, ?)",
                                 (KEY_META, HEAD_META)).fetchall())
        key = meta.get(KEY_META)
        self.key = bytes.fromhex(key) if key is not None else audit_key(conn)
        head = meta.get(HEAD_META)
        if head is not None:
            seq, _sep, last = head.partition(" ")
            self.seq, self.hash = int(seq), last
        else:  # a log made before the head was kept: its last entry
            row = conn.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC "
                               "LIMIT 1").fetchone()
            self.seq, self.hash = (row[0], row[1]) if row else (0, GENESIS)
        self.rows: list[tuple[object, ...]] = []

    def add(self, entry_id: str, at: str, stamp: int, site: str, actor: str, action: str,
            tbl: str | None, pk: str | None, field: str | None, old: str | None,
            new: str | None) -> int:
        seq = self.seq + 1
        digest = digest_of(old, new)
        h = hash_of(seq, self.hash, entry_id, at, stamp, site, actor, action, tbl, pk, field,
                    digest)
        self.rows.append((seq, entry_id, at, stamp, site, actor, action, tbl, pk, field, old,
                          new, digest, self.hash, h))
        self.seq, self.hash = seq, h
        return seq

    def flush(self) -> None:
        if self.rows:
            self.conn.executemany(_INSERT, self.rows)
            set_meta(self.conn, HEAD_META, f"{self.seq} {self.hash}")
            self.rows = []


def append_changes(conn: dbapi.Connection, kind: Kind,
                   rows: Sequence[tuple[object, ...]]) -> None:
    """The entries of one write of the Store (inside its transaction). Each row is
    ``(id, at, hlc, site, actor, action, tbl, pk, field, old, new)`` with the values as they
    are: for a create ``field`` is None and ``new`` the mapping of the values it set."""
    if not rows:
        return
    out = _Appender(conn)
    key, table = out.key, kind.table
    for entry_id, at, stamp, site, actor, action, tbl, pk, field, old, new in rows:
        if field is None and isinstance(new, Mapping):
            old_text, new_text = None, values_text(key, table, new)
        else:
            old_text = value_text(key, table, str(field), old)
            new_text = value_text(key, table, str(field), new)
        out.add(str(entry_id), str(at), int(stamp), str(site),  # type: ignore[call-overload]
                str(actor), str(action), str(tbl), str(pk),
                None if field is None else str(field), old_text, new_text)
    out.flush()


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
        out = _Appender(conn)
        text = None if detail is None else json.dumps(dict(detail), ensure_ascii=False,
                                                      sort_keys=True, default=str)
        seq = out.add(new_id(), now_local(), hlc.pack(hlc.wall_ms_now(), 0),
                      get_meta(conn, "site_id") or "", actor or default_actor(conn), action, tbl,
                      pk, None, None, text)
        out.flush()
        if own:
            conn.execute("COMMIT")
    except BaseException:
        if own and conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return seq


def ready(conn: dbapi.Connection) -> bool:
    """Whether this database's log is a chain yet (a backup made before migrating is not)."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0]) >= CHAIN_VERSION


def now_local() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


def head(conn: dbapi.Connection) -> tuple[int, str]:
    """The last entry's (seq, hash); (0, 64 zeros) for an empty log."""
    row = conn.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    return (int(row[0]), str(row[1])) if row else (0, GENESIS)


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
                "old": self.old, "new": self.new, "redacted": self.redacted is not None}


_ENTRY_COLUMNS = "seq, at, site, actor, action, tbl, pk, field, old, new, redacted"


def _where(since: dt.date | None, user: str | None, before: int | None
           ) -> tuple[str, list[object]]:
    clauses, params = [], []
    if before is not None:
        clauses.append("seq < ?")
        params.append(before)
    if since is not None:
        clauses.append("at >= ?")
        params.append(since.isoformat())
    if user:
        clauses.append("actor = ?")
        params.append(user)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def entries(conn: dbapi.Connection, *, since: dt.date | None = None, user: str | None = None,
            before: int | None = None, limit: int = 100) -> list[Entry]:
    """A page of the log, newest first: the entries before seq ``before`` (keyset paging)."""
    accounts.require(conn, "audit")
    where, params = _where(since, user, before)
    rows = conn.execute(f"SELECT {_ENTRY_COLUMNS} FROM audit_log{where} ORDER BY seq DESC "
                        "LIMIT ?", (*params, limit)).fetchall()
    return [Entry(*r) for r in rows]


def iter_entries(conn: dbapi.Connection, *, since: dt.date | None = None,
                 user: str | None = None) -> Iterator[Entry]:
    """Every matching entry, newest first, read as it goes (the whole log of a province)."""
    accounts.require(conn, "audit")  # here, not when the first entry is asked for
    where, params = _where(since, user, None)
    rows = conn.execute(f"SELECT {_ENTRY_COLUMNS} FROM audit_log{where} ORDER BY seq DESC",
                        params)
    return (Entry(*r) for r in rows)


def actors(conn: dbapi.Connection) -> list[str]:
    """Everyone named in the log, for the page's filter."""
    accounts.require(conn, "audit")
    return [r[0] for r in conn.execute("SELECT DISTINCT actor FROM audit_log ORDER BY actor")]


ACTIONS = {
    "create": _("Thêm"), "update": _("Sửa"), "delete": _("Xóa"), "restore": _("Khôi phục"),
    "resolve": _("Giải quyết xung đột"), "erase": _("Xóa vĩnh viễn"),
    "export": _("Xuất tệp"), "print": _("In"), "bundle-export": _("Ghi gói đồng bộ"),
    "bundle-import": _("Nhập gói đồng bộ"), "backup": _("Sao lưu"),
    "db-restore": _("Khôi phục từ bản sao lưu"), "login": _("Đăng nhập"),
    "login-failed": _("Đăng nhập sai"), "account-add": _("Thêm tài khoản"),
    "account-disable": _("Khóa tài khoản"), "password-change": _("Đổi mật khẩu"),
}


def action_label(action: str) -> str:
    return ACTIONS.get(action, action)


def subject(entry: Entry) -> str:
    """What an entry is about, in words: the record's kind and field, or the event."""
    kind = KINDS_BY_TABLE.get(entry.tbl or "")
    if kind is None:
        return entry.tbl or ""
    if entry.field and entry.field in kind.by_name:
        return f"{kind.label}: {kind.field(entry.field).label}"
    return kind.label


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


_VERIFY_SQL = ("SELECT seq, id, at, hlc, site, actor, action, tbl, pk, field, old, new, digest, "
               "prev, hash, redacted FROM audit_log ORDER BY seq")


def verify(conn: dbapi.Connection, *,
           progress: Callable[[int, int], None] | None = None) -> Verified:
    """Walk the log in order and recompute every digest and hash; the first break, if any."""
    accounts.require(conn, "audit")
    total = head(conn)[0]
    expected, last_hash, last_at, count = 1, GENESIS, "", 0
    # Redactions wait for their erase entry: {erase seq: [(seq, at, tbl, pk)]}.
    waiting: dict[int, list[tuple[int, str, object, object]]] = {}
    cursor = conn.cursor()
    cursor.row_factory = None  # tuples: the walk over a province's log is the hot loop
    for row in cursor.execute(_VERIFY_SQL):
        (seq, entry_id, at, stamp, site, actor, action, tbl, pk, field, old, new, digest,
         prev, stored, redacted) = row
        if seq != expected:
            return _done(count, seq - 1, last_hash,
                         Break(expected, last_at or at, "missing",
                               _("sau mục {a}, trước mục {b}").format(a=expected - 1, b=seq)))
        # A redacted entry's values are gone: its digest stands for them (see above).
        checked = redacted is None or old is not None or new is not None
        if checked and digest_of(old, new) != digest:
            return _done(count, seq, stored, Break(seq, at, "edited",
                                                   _("giá trị khác với lúc ghi")))
        if redacted is not None:
            if not isinstance(redacted, int) or redacted <= seq:
                return _done(count, seq, stored, Break(seq, at, "redacted"))
            waiting.setdefault(redacted, []).append((seq, at, tbl, pk))
        computed = hash_of(seq, prev, entry_id, at, stamp, site, actor, action, tbl, pk, field,
                           digest)
        if computed != stored:
            return _done(count, seq, stored, _edited_or_moved(conn, row))
        if prev != last_hash:
            moved = _position_of(conn, prev)
            if moved is not None and moved != seq - 1:
                return _done(count, seq, stored, Break(
                    seq, at, "reordered", _("vốn đứng sau mục {p}").format(p=moved)))
            return _done(count, seq, stored, Break(
                seq - 1, last_at, "edited", _("mục sau không còn nối với nó")))
        for r_seq, r_at, r_tbl, r_pk in waiting.pop(seq, ()):
            if action != "erase" or (r_tbl, r_pk) != (tbl, pk):
                return _done(count, seq, stored, Break(r_seq, r_at, "redacted"))
        expected, last_hash, last_at = seq + 1, stored, at
        count += 1
        if progress is not None and count % 50_000 == 0:
            progress(count, total)
    if waiting:
        r_seq, r_at, _t, _p = min(x for v in waiting.values() for x in v)
        return _done(count, expected - 1, last_hash, Break(r_seq, r_at, "redacted"))
    kept = get_meta(conn, HEAD_META)
    if kept is not None:
        k_seq, _sep, k_hash = kept.partition(" ")
        if k_seq.isdigit() and int(k_seq) > expected - 1:
            return _done(count, expected - 1, last_hash, Break(
                expected, "", "missing",
                _("nhật ký dừng ở mục {a}, đã ghi đến mục {b}").format(a=expected - 1, b=k_seq)))
        if k_seq.isdigit() and int(k_seq) == expected - 1 and k_hash != last_hash:
            return _done(count, expected - 1, last_hash, Break(expected - 1, last_at, "edited"))
        if k_seq.isdigit() and int(k_seq) < expected - 1:
            return _done(count, expected - 1, last_hash, Break(int(k_seq) + 1, "", "added"))
    return _done(count, expected - 1, last_hash, None)


def _done(count: int, seq: int, h: str, broken: Break | None) -> Verified:
    return Verified(count, seq, h, broken)


def _position_of(conn: dbapi.Connection, entry_hash: str) -> int | None:
    """The seq of the entry whose hash this is (a full scan: only once something broke)."""
    row = conn.execute("SELECT seq FROM audit_log WHERE hash = ?", (entry_hash,)).fetchone()
    return None if row is None else int(row[0])


def _edited_or_moved(conn: dbapi.Connection, row: tuple) -> Break:
    """An entry whose hash does not match: moved from another place (its hash still holds at
    the seq it was written with), or edited."""
    (seq, entry_id, at, stamp, site, actor, action, tbl, pk, field, _old, _new, digest, prev,
     stored, _redacted) = row
    before = 0 if prev == GENESIS else _position_of(conn, prev)
    candidates = [] if before is None else [before + 1]
    # Where the previous entry now stands need not be where it stood: try the places around.
    candidates += [n for d in range(1, MOVED_WINDOW) for n in (seq - d, seq + d) if n > 0]
    for n in candidates:
        if n != seq and hash_of(n, prev, entry_id, at, stamp, site, actor, action, tbl, pk,
                                field, digest) == stored:
            return Break(seq, at, "reordered", _("vốn là mục số {n}").format(n=n))
    return Break(seq, at, "edited")


# -- redaction (Xóa vĩnh viễn) ----------------------------------------------------------------

def redact(conn: dbapi.Connection, tbl: str, pk: str, erase_seq: int) -> int:
    """Drop the readable values of every entry about one record before ``erase_seq`` (inside
    the erasure's transaction); returns how many entries lost their values."""
    cur = conn.execute("UPDATE audit_log SET old = NULL, new = NULL, redacted = ? "
                       "WHERE tbl = ? AND pk = ? AND seq < ? AND redacted IS NULL "
                       "AND (old IS NOT NULL OR new IS NOT NULL)", (erase_seq, tbl, pk, erase_seq))
    return int(cur.rowcount)


# -- the heads of other sites (bundles) -------------------------------------------------------

def parse_head(value: object) -> tuple[int, str] | None:
    """A bundle manifest's ``audit_head`` (from outside: checked strictly); None if absent.
    Raises ValueError when it is malformed."""
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) != {"seq", "hash"}:
        raise ValueError("audit_head")
    seq, h = value["seq"], value["hash"]
    if type(seq) is not int or not 0 <= seq < 2 ** 53:
        raise ValueError("audit_head.seq")
    if not isinstance(h, str) or len(h) != 64 or h.strip("0123456789abcdef"):
        raise ValueError("audit_head.hash")
    return seq, h


def head_for_bundle(conn: dbapi.Connection) -> dict[str, object]:
    seq, h = head(conn)
    return {"seq": seq, "hash": h}


def observe_peer_head(conn: dbapi.Connection, site_id: str, name: str,
                      seen: tuple[int, str]) -> str | None:
    """Remember the head a sender's bundle showed (inside the import's transaction); a warning
    when it shows less than, or other than, what an earlier bundle showed."""
    seq, h = seen
    now = now_local()
    row = conn.execute("SELECT seq, hash FROM audit_peer_head WHERE site_id = ?",
                       (site_id,)).fetchone()
    if row is None:
        conn.execute("INSERT INTO audit_peer_head (site_id, seq, hash, seen_local_time) "
                     "VALUES (?, ?, ?, ?)", (site_id, seq, h, now))
        return None
    old_seq, old_hash = int(row[0]), str(row[1])
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


# -- the migration that made the log a chain ------------------------------------------------

def chain_existing(conn: dbapi.Connection, *, chunk: int = 5_000) -> None:
    """Migration 9: rebuild ``audit_log`` as a chain of the entries already there, in their
    order, with sensitive plain values (a CCCD in a create's JSON, an edited ethnicity)
    replaced by their keyed hashes; start the table of other sites' heads."""
    key = audit_key(conn)
    conn.execute("ALTER TABLE audit_log RENAME TO audit_log_plain")
    conn.execute("DROP INDEX IF EXISTS audit_record")
    conn.execute("DROP INDEX IF EXISTS audit_at")
    conn.execute(TABLE_SQL)
    out = _Appender(conn)
    read = conn.cursor()
    read.row_factory = None
    for (entry_id, at, stamp, site, actor, action, tbl, pk, field, old,
         new) in read.execute("SELECT id, at, hlc, site, actor, action, tbl, pk, field, old, "
                              "new FROM audit_log_plain ORDER BY rowid"):
        if field is None and new is not None and tbl in _SENSITIVE_TABLES:
            new = _hash_sensitive_json(key, tbl, new)
        elif (tbl, field) in _SENSITIVE:
            old = value_text(key, tbl, field, old)
            new = value_text(key, tbl, field, new)
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
    seq, h = head(conn)
    set_meta(conn, HEAD_META, f"{seq} {h}")


def _hash_sensitive_json(key: bytes, tbl: str, text: str) -> str:
    try:
        values = json.loads(text)
    except ValueError:
        return text
    if not isinstance(values, dict) or not any((tbl, n) in _SENSITIVE and v is not None
                                               for n, v in values.items()):
        return text
    return values_text(key, tbl, values)
