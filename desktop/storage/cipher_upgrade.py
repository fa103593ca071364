"""The program's SQLCipher settings, and a database of the earlier ones rewritten once.

Files made before CIPHER_SETTINGS (SQLCipher 4's defaults: each page's HMAC with SHA-512)
still open; the first ``db.open_database`` of one rewrites it (issue 11): a backup
first, as before a migration; then ``sqlcipher_export`` into a new file beside it, under the
same key with the current settings (every table, index, trigger and the full-text index,
compacted as a VACUUM would); the new file's schema and the rows of every table checked
against the old file's, and only then renamed over it. The key, the key file and the
attachments (their key derives from the database key) do not change. A database open
elsewhere at that moment (another connection of this process or another, reading or idle:
in WAL mode each holds the file, so it cannot leave WAL mode) is left as it is: it opens in
its old settings, and a later open rewrites it (tested for both). So is one whose copy fails
for want of room or a failing disk: the officer works on, in the old settings.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from desktop.domain.errors import UserError
from desktop.i18n import _
from desktop.storage import dbapi
from desktop.storage.durable import fsync_dir, fsync_file

# SQLCipher 4's settings but one: each page's HMAC is HMAC-SHA256 rather than its default
# HMAC-SHA512. A page read from disk is decrypted and its HMAC checked; processors with the
# SHA extensions (this machine's EPYC, recent Intel and AMD) hash SHA-256 in hardware but not
# SHA-512: 12.7 µs a page beyond the plain read instead of 21.5 here (issue 11). Every page is
# still authenticated under a 256-bit key and encrypted with AES-256-CBC; the key stays a raw
# key (no PBKDF2 at each open).
CIPHER_SETTINGS = (("cipher_hmac_algorithm", "HMAC_SHA256"),)

# The backup's reason: the backups dialog shows it as before an upgrade of the database.
REASON = "before-migration-cipher"

# db.open_file: a bare connection in the file's own settings (passed in: db imports this).
OpenFile = Callable[..., dbapi.Connection]


def cipher_settings(conn: dbapi.Connection, schema: str = "main") -> None:
    """CIPHER_SETTINGS on ``schema`` (an attached encrypted database: right after ATTACH)."""
    for name, value in CIPHER_SETTINGS:
        conn.execute(f"PRAGMA {schema}.{name} = {value}")


def staging_path(path: Path) -> Path:
    """Where the rewritten copy is made, beside the database (the rename stays on one disk)."""
    return path.with_name(path.name + ".rewriting")


def rewrite(conn: dbapi.Connection, path: Path, key: bytes,
            open_file: OpenFile) -> dbapi.Connection:
    """``conn``: the database at ``path`` just opened in the earlier settings (no pragmas
    yet). Returns a connection to it rewritten in the current ones; ``conn`` itself if it is
    open elsewhere. ``conn`` is closed whenever another connection is returned or on error."""
    from desktop.storage import backup, migrations  # late: once a database

    staged = staging_path(path)
    try:
        migrations.check_not_newer(conn)  # a newer program's file is refused, not rewritten
        if not _alone(conn):
            return conn
        _remove_with_sidecars(staged)  # what a crash during an earlier rewrite left
        backup.backup_now(conn, path, REASON)
        export(conn, staged, key)
        _check_same(conn, open_file(staged, key, readonly=True), path)
        fsync_file(staged)
    except (OSError, dbapi.OperationalError):
        # The disk full or failing under the copy: the file is as it was and reads in its old
        # settings, so the officer works on; a later open tries again.
        conn.close()
        _remove_with_sidecars(staged)
        return open_file(path, key)
    except BaseException:
        conn.close()
        _remove_with_sidecars(staged)
        raise
    conn.close()  # its lock held other writers off until now; Windows renames no open file
    try:
        os.replace(staged, path)
    except OSError:  # opened meanwhile (Windows): as it is, rewritten at a later open
        _remove_with_sidecars(staged)
        return open_file(path, key)
    fsync_dir(path.parent)
    return open_file(path, key)


def _alone(conn: dbapi.Connection) -> bool:
    """Fold the WAL into the file and leave WAL mode (which only the one connection to a
    database may do), then hold the file's lock until the rewritten copy replaces it: no
    other writer can commit to the old file meanwhile. False: open elsewhere."""
    try:
        busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        mode = conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
    except dbapi.OperationalError:
        return False
    if busy or str(mode).lower() != "delete":
        return False
    conn.execute("PRAGMA main.locking_mode = EXCLUSIVE")
    conn.execute("BEGIN IMMEDIATE")  # the write lock, kept after COMMIT in this mode
    conn.execute("COMMIT")
    return True


def export(conn: dbapi.Connection, target: Path, key: bytes) -> None:
    """The database of ``conn`` copied into a new file ``target`` under ``key`` in the current
    settings (sqlcipher_export: packed as a VACUUM packs it), with its version and auto-vacuum."""
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    auto_vacuum = int(conn.execute("PRAGMA auto_vacuum").fetchone()[0])
    conn.execute(f"ATTACH DATABASE ? AS rewritten KEY \"x'{key.hex()}'\"", (str(target),))
    try:
        cipher_settings(conn, "rewritten")
        # Before the first table, or it would take a VACUUM (sqlcipher_export leaves it).
        conn.execute(f"PRAGMA rewritten.auto_vacuum = {auto_vacuum:d}")
        # No journal, no sync at each table's commit: rewrite() syncs the copy once, whole,
        # and a copy a crash cut short is removed by the next try, never opened.
        conn.execute("PRAGMA rewritten.journal_mode = OFF")
        conn.execute("PRAGMA rewritten.synchronous = OFF")
        conn.execute("SELECT sqlcipher_export('rewritten')")
        conn.execute(f"PRAGMA rewritten.user_version = {version:d}")
    finally:
        conn.execute("DETACH DATABASE rewritten")


def _shape(conn: dbapi.Connection) -> tuple[object, ...]:
    """What must come through the rewrite: the version, auto-vacuum, the schema, and the
    number of rows of every table (virtual tables through their own shadow tables)."""
    schema = sorted(tuple(r) for r in conn.execute(
        "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master"))
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND rootpage > 0 ORDER BY name")]
    rows = [(t, conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in tables]
    return (conn.execute("PRAGMA user_version").fetchone()[0],
            conn.execute("PRAGMA auto_vacuum").fetchone()[0], schema, rows)


def _check_same(conn: dbapi.Connection, copy: dbapi.Connection, path: Path) -> None:
    try:
        same = not copy.cipher_legacy and _shape(copy) == _shape(conn)  # type: ignore[attr-defined]
    finally:
        copy.close()
    if not same:
        raise UserError(_("Không nâng cấp được mã hóa của {p}: bản chép lại không khớp với cơ "
                          "sở dữ liệu; chưa thay đổi gì").format(p=path))


def _remove_with_sidecars(path: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
