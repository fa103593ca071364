"""Opening a database: pragmas, the schema check and migrations."""

from __future__ import annotations

from pathlib import Path

from desktop.domain.errors import UserError
from desktop.i18n import _
from desktop.storage import dbapi

# The schema version this program writes: ``migrations.latest_version()``, kept here too so
# that opening an up-to-date database does not import the migrations (and every record kind
# with them) before the window can show (a test keeps the two equal).
SCHEMA_VERSION = 7


def connect(path: Path | str) -> dbapi.Connection:
    """A connection with the pragmas every part of the program relies on.

    ``isolation_level=None``: transactions are begun explicitly (``BEGIN IMMEDIATE``) by the
    write path, so a read never holds a write lock and a write never starts implicitly.
    """
    conn = _raw_connect(path)
    configure(conn, path)
    return conn


def _raw_connect(path: Path | str) -> dbapi.Connection:
    conn = dbapi.connect(str(path), isolation_level=None, timeout=10.0,
                           check_same_thread=False)
    conn.row_factory = dbapi.Row
    return conn


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


def open_database(path: Path | str, *, migrate: bool = True) -> dbapi.Connection:
    """Open (creating if needed) and bring the schema up to date.

    A database written by a newer program is refused before anything is changed.
    """
    p = Path(path) if str(path) != ":memory:" else None
    if p is not None:
        if p.exists() and p.is_dir():
            raise UserError(_("{p} là một thư mục, không phải tệp cơ sở dữ liệu").format(p=p))
        p.parent.mkdir(parents=True, exist_ok=True)
        _check_is_sqlite(p)
    conn = _raw_connect(path)
    try:
        if conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
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
    return conn


def _check_is_sqlite(p: Path) -> None:
    if not p.exists() or p.stat().st_size == 0:
        return
    with p.open("rb") as f:
        header = f.read(16)
    if header != b"SQLite format 3\x00":
        raise UserError(_("{p} không phải cơ sở dữ liệu của ANTQ Desk").format(p=p))
