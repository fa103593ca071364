"""Opening a database: the key, pragmas, the schema check and migrations.

Every database is SQLCipher-encrypted under a random key (``desktop/storage/keyfile.py`` keeps
it wrapped per account). Once an account has unlocked a database, its key is remembered for
this process only (:func:`remember_key`), so the window's workers, backups and the command line
open further connections without asking again; nothing is written to disk in clear.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from desktop import platform_os
from desktop.domain.errors import UserError
from desktop.i18n import _
from desktop.storage import cipher_upgrade, dbapi
from desktop.storage.cipher_upgrade import cipher_settings

# The schema version this program writes: ``migrations.latest_version()``, kept here too so
# that opening an up-to-date database does not import the migrations (and every record kind
# with them) before the window can show (a test keeps the two equal).
SCHEMA_VERSION = 37
# Every migration this program has, ``migrations.MIGRATIONS``' numbers (a test keeps them
# equal). Numbers are handed out to work done side by side, so one may land after databases
# of a higher version were made (11 and 13 came after 14 and 17; 15, 18 and 21 after 22): an
# up-to-date version alone does not say they ran. An open takes the fast path only when
# ``schema_migrations`` holds exactly these; otherwise migrations.missing runs what is
# missing, and a number this program does not know (a newer program's) is refused.
MIGRATION_VERSIONS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17, 18, 19, 20, 21, 22,
                      23, 24, 25, 26, 27, 28, 30, 31, 32, 34, 37)


PLAIN_HEADER = b"SQLite format 3\x00"

# The cipher settings (cipher_upgrade.CIPHER_SETTINGS, HMAC-SHA256 pages) are set on every
# keyed connection; files written before them (SQLCipher 4's defaults) still open, and the
# next open_database rewrites them (cipher_upgrade.rewrite).
_SQLITE_NOTADB = 26

_KEYS: dict[str, bytes] = {}  # database path -> its key, unlocked in this process


def _norm(path: Path | str) -> str:
    return os.path.realpath(os.fspath(path))


def remember_key(path: Path | str, key: bytes) -> None:
    _KEYS[_norm(path)] = key


def forget_key(path: Path | str) -> None:
    _KEYS.pop(_norm(path), None)
    _ACCOUNTS.pop(_norm(path), None)
    _ACCOUNT_KEYS.pop(_norm(path), None)


# The private vault key of the account logged in on a database (desktop/storage/vault.py):
# unsealed at login with the password, held like the database key, forgotten with it and
# while the window is locked.
_ACCOUNT_KEYS: dict[str, tuple[str, bytes]] = {}


def remember_account_key(path: Path | str, account: str, private: bytes) -> None:
    _ACCOUNT_KEYS[_norm(path)] = (account, private)


def account_key(path: Path | str, account: str) -> bytes | None:
    held = _ACCOUNT_KEYS.get(_norm(path))
    return held[1] if held is not None and held[0] == account else None


def forget_account_key(path: Path | str) -> None:
    _ACCOUNT_KEYS.pop(_norm(path), None)


# The account logged in on a database in this process: every further connection to it (the
# window's workers, backups) carries it too, so the role checks hold off the UI thread.
_ACCOUNTS: dict[str, object] = {}


def remember_account(path: Path | str, account: object) -> None:
    _ACCOUNTS[_norm(path)] = account


def _with_account(conn: dbapi.Connection, path: Path | str) -> dbapi.Connection:
    if str(path) != ":memory:":
        conn.account = _ACCOUNTS.get(_norm(path))
    return conn


def known_key(path: Path | str) -> bytes | None:
    return _KEYS.get(_norm(path))


class LockedError(UserError):
    """The database is encrypted and no account has unlocked it in this process."""


class PlainDatabaseError(UserError):
    """A database from before encryption: it is encrypted when an account logs in."""


def is_plain(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(16) == PLAIN_HEADER
    except OSError:
        return False


def make_private(p: Path) -> None:
    """A database an earlier version left readable by others becomes this user's only (the
    database and the files SQLite keeps beside it; new files follow the process umask)."""
    for f in (p, Path(f"{p}-wal"), Path(f"{p}-shm")):
        platform_os.make_private(f)  # absent or not ours: left alone (SQLite will say)


# A file's pages set aside what its cipher settings take when its first page is written,
# from the settings in force when the key was given: a keyed connection starts from the
# process's defaults (HMAC-SHA512: 80 bytes a page), and CIPHER_SETTINGS' HMAC-SHA256 takes
# 48 (with the IV). So the default is HMAC-SHA256 while the key is given, and new files keep
# 32 bytes more of each page for their b-trees (0.8 %: 1.4 MB of a 300,000-person commune,
# issue 12); files made before keep their 80 and read as before. Set and put back under a
# lock: a key given meanwhile on another thread (a legacy file's) must see SQLCipher's own.
_DEFAULTS = threading.Lock()


def set_key(conn: dbapi.Connection, key: bytes, *, legacy: bool = False) -> None:
    """Must be the first statement on a connection (SQLCipher's raw-key form); ``legacy``:
    the settings of files written before CIPHER_SETTINGS (SQLCipher 4's defaults)."""
    conn.execute("PRAGMA cipher_log_level = NONE")  # a wrong key is reported by us, once
    with _DEFAULTS:
        if not legacy:
            conn.execute("PRAGMA cipher_default_hmac_algorithm = HMAC_SHA256")
        try:
            conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        finally:
            if not legacy:
                conn.execute("PRAGMA cipher_default_hmac_algorithm = HMAC_SHA512")
    if not legacy:
        cipher_settings(conn)


def connect(path: Path | str, key: bytes | None = None) -> dbapi.Connection:
    """A connection with the pragmas every part of the program relies on.

    ``isolation_level=None``: transactions are begun explicitly (``BEGIN IMMEDIATE``) by the
    write path, so a read never holds a write lock and a write never starts implicitly.
    """
    conn = _raw_connect(path, key if key is not None else key_for(Path(path)))
    configure(conn, path)
    return _with_account(conn, path)


def _raw_connect(path: Path | str, key: bytes | None, *, readonly: bool = False,
                 legacy: bool | None = None) -> dbapi.Connection:
    """A keyed connection in the file's cipher settings: CIPHER_SETTINGS, or the earlier
    ones if only they read it (``legacy`` None: found out; ``conn.cipher_legacy`` says)."""
    conn = _keyed(path, key, readonly, bool(legacy))
    if key is None or legacy is not None or not _has_pages(path) or _reads(conn):
        return conn
    old = _keyed(path, key, readonly, True)
    if _reads(old):
        conn.close()
        return old
    old.close()
    return conn  # neither reads it: a wrong key, or not a database (the caller says so)


# Prepared statements a connection keeps (the driver's default: 100). Once its cache is full
# the driver evicts the newest entry, so a loop's statements that first come then are parsed
# again every time round: a bundle import on a fresh connection (the window's and the
# command line's) runs about 140 (its undo journal's among them), after which the duplicates
# scan parsed its 2,000-parameter lookups again for every 500 people (+60 ms of a 1.0 s import
# of 10,000 people, issue 12). 512, as the window's connection runs more than 256: every page,
# sort, filter, the places' tree and searches as typed ran 153 texts (100k commune, every page
# visited under Xvfb), and a folder import of a province's stick after it 152-181 more, so
# with 256 each bundle's own statements were parsed again at every bundle (about 2,000 parses
# more for 45 bundles, by the driver's rule replayed on the texts the two ran). Their texts
# no longer grow with the data (dbapi.padded), so the cache holds what the connection runs:
# 10-20 KB a statement, 0.4-1.5 MB more than 256 for such a session.
CACHED_STATEMENTS = 512


def _keyed(path: Path | str, key: bytes | None, readonly: bool,
           legacy: bool) -> dbapi.Connection:
    target = f"file:{path}?mode=ro" if readonly else str(path)
    conn = dbapi.connect(target, isolation_level=None, timeout=10.0,
                         check_same_thread=False, uri=readonly, factory=dbapi.Connection,
                         cached_statements=CACHED_STATEMENTS)
    if key is not None:
        set_key(conn, key, legacy=legacy)
    conn.cipher_legacy = key is not None and legacy  # type: ignore[attr-defined]
    conn.row_factory = dbapi.Row
    return conn


def _has_pages(path: Path | str) -> bool:
    try:
        return str(path) != ":memory:" and os.path.getsize(path) > 0
    except OSError:
        return False


def _reads(conn: dbapi.Connection) -> bool:
    """Whether the key and cipher settings read the file's first page (any other error,
    a lock say, is left for the caller's first statement to meet)."""
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except dbapi.DatabaseError as e:
        return getattr(e, "sqlite_errorcode", None) != _SQLITE_NOTADB
    return True


def _all_ran(conn: dbapi.Connection) -> bool:
    """Exactly this program's migrations ran: none missing, none from a newer program."""
    ran = {r[0] for r in conn.execute("SELECT version FROM schema_migrations")}
    return ran == set(MIGRATION_VERSIONS)


def open_file(path: Path | str, key: bytes | None, *, readonly: bool = False
              ) -> dbapi.Connection:
    """A bare connection to a database file under ``key`` (backups, restore): no pragmas
    beyond the key and the file's cipher settings, no migrations."""
    return _raw_connect(path, key, readonly=readonly)


def key_opens(path: Path, key: bytes) -> bool:
    for legacy in (False, True):
        conn = dbapi.connect(str(path))
        try:
            set_key(conn, key, legacy=legacy)
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return True
        except dbapi.DatabaseError:
            pass
        finally:
            conn.close()
    return False


def key_for(p: Path) -> bytes | None:
    """The remembered key of an existing database (a copy of an unlocked database opens
    with its original's key); raises if none opens it."""
    if str(p) == ":memory:":
        return None
    if not p.exists() or p.stat().st_size == 0:
        key = known_key(p)
        if key is None:  # a new database gets a new key
            key = os.urandom(32)
            remember_key(p, key)
        return key
    if is_plain(p):
        raise PlainDatabaseError(_("{p} là cơ sở dữ liệu chưa mã hóa của phiên bản trước; hãy "
                                   "đăng nhập để mã hóa nó").format(p=p))
    key = known_key(p)
    if key is not None and key_opens(p, key):
        return key
    for other in list(dict.fromkeys(_KEYS.values())):
        if other != key and key_opens(p, other):
            remember_key(p, other)
            return other
    from desktop.storage import keyfile

    if not keyfile.exists(p):
        raise UserError(_("{p} không phải cơ sở dữ liệu của ANTQ Desk, hoặc thiếu tệp khóa {k} "
                          "bên cạnh nó").format(p=p, k=keyfile.keyfile_path(p).name))
    raise LockedError(_("{p} đã được mã hóa: cần đăng nhập (tài khoản và mật khẩu; trong "
                        "tập lệnh: ANTQ_USER và ANTQ_PASSWORD)").format(p=p))


# Free pages go back to the file system when asked (give_back_free_pages), not at every
# commit (FULL would move pages at each one): new databases, and older ones at migration 30.
AUTO_VACUUM = "INCREMENTAL"
# Fewer free pages than this (128 KB) stay for the next writes to reuse; more are given back
# (a 10k commune's queue left 0.3 MB free, 3 % of its file).
FREE_PAGES_KEPT = 32


def give_back_free_pages(conn: dbapi.Connection, *, kept: int | None = None) -> int:
    """Shrink the file by its free pages when more than ``kept`` (issue 12): a work queue
    emptied, such as the duplicates' after a bulk import (2.7 MB at 100,000 people), would
    otherwise stay in the file until written over. The last pages move into the free ones;
    a few milliseconds a megabyte. Outside a transaction; the pages freed (0: none, or a
    database without incremental auto-vacuum, made before migration 30 and not migrated)."""
    if conn.in_transaction:
        return 0
    free = int(conn.execute("PRAGMA freelist_count").fetchone()[0])
    if free <= (FREE_PAGES_KEPT if kept is None else kept):
        return 0
    if int(conn.execute("PRAGMA auto_vacuum").fetchone()[0]) != 2:
        return 0
    conn.execute("PRAGMA incremental_vacuum").fetchall()  # one row per page: run to the end
    return free


def configure(conn: dbapi.Connection, path: Path | str) -> None:
    conn.execute("PRAGMA busy_timeout = 10000")
    conn.execute("PRAGMA foreign_keys = ON")
    if str(path) != ":memory:":
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode.lower() != "wal":
            raise UserError(_("Không bật được chế độ WAL cho {p}").format(p=path))
    conn.execute("PRAGMA synchronous = NORMAL")
    # The default 2 MB page cache thrashes once a database holds 100,000 people (measured:
    # bulk writes fall from 6,200 to 2,800 rows/s); 64 MB is a fraction of the memory budget.
    conn.execute("PRAGMA cache_size = -65536")


def open_database(path: Path | str, *, migrate: bool = True,
                  key: bytes | None = None) -> dbapi.Connection:
    """Open (creating if needed, encrypted) and bring the schema up to date.

    The key is ``key``, else the one remembered for this database (see :func:`remember_key`);
    a new database gets a new random key. A database written by a newer program is refused
    before anything is changed.
    """
    p = Path(path) if str(path) != ":memory:" else None
    if p is not None:
        if p.exists() and p.is_dir():
            raise UserError(_("{p} là một thư mục, không phải tệp cơ sở dữ liệu").format(p=p))
        p.parent.mkdir(parents=True, exist_ok=True)
        if key is None:
            key = key_for(p)
        else:
            remember_key(p, key)
    conn = _raw_connect(path, key)
    try:
        objects = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    except dbapi.DatabaseError:
        conn.close()
        raise UserError(_("{p} không phải cơ sở dữ liệu của ANTQ Desk, hoặc khóa không "
                          "đúng").format(p=path)) from None
    if p is not None and key is not None and migrate and conn.cipher_legacy:
        conn = cipher_upgrade.rewrite(conn, p, key, open_file)
    if p is not None:
        make_private(p)
    if objects == 0:  # a new file: before WAL and the first table, or it takes a VACUUM
        conn.execute(f"PRAGMA auto_vacuum = {AUTO_VACUUM}")
    try:
        if conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION and _all_ran(
                conn):
            configure(conn, path)
        else:
            from desktop.storage import migrations

            migrations.check_not_newer(conn)  # before any pragma writes to the file
            configure(conn, path)
            if migrate:
                migrations.apply(conn, backup_to=p)
    except BaseException:
        conn.close()
        raise
    return _with_account(conn, path)
