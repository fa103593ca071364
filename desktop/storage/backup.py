"""Backups of a database and restoring one: consistent copies made with SQLite's backup API.

A file copy of a live WAL database can miss the pages still in the ``-wal`` file or catch a
write half-way; the backup API copies a consistent snapshot through SQLite itself. Backups
are made when the window starts, before every migration and before every bundle import, into
``<name>-backups/`` beside the database; the newest ``KEEP`` are kept.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

from desktop.domain.errors import UserError
from desktop.domain.ids import new_id
from desktop.i18n import _
from desktop.storage import db, dbapi
from desktop.storage.paths import backups_dir

KEEP = 10
SUFFIX = ".db"
_NAME = re.compile(r"^(?P<stem>.+)-(?P<when>\d{8}-\d{6}-\d{6})-(?P<reason>[a-z0-9-]+)\.db$")


@dataclass(frozen=True)
class Backup:
    path: Path
    created: dt.datetime
    reason: str
    size: int


def _reason_slug(reason: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", reason.lower()).strip("-")
    return slug[:40] or "manual"


def backup_now(conn: dbapi.Connection, db_path: Path | str, reason: str, *,
               keep: int = KEEP) -> Path:
    """Copy the database behind ``conn`` to the backups folder of ``db_path``; prune old ones.

    ``reason`` says why ("start", "before-import", "before-migration-v3", "manual"); it is
    part of the file name, so the officer choosing a backup to restore can read it.
    """
    db_path = Path(db_path)
    folder = backups_dir(db_path)
    folder.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now()
    target = folder / f"{db_path.stem}-{now:%Y%m%d-%H%M%S-%f}-{_reason_slug(reason)}{SUFFIX}"
    part = target.with_name(target.name + ".part")
    # Encrypted under the database's own key: a backup reveals no more than the database.
    dest = db.open_file(part, db.known_key(db_path))
    try:
        conn.backup(dest)
        # A backup is one self-contained file: no -wal beside it.
        dest.execute("PRAGMA journal_mode = DELETE")
    finally:
        dest.close()
    os.replace(part, target)  # a crash mid-copy leaves a .part, never a half backup
    prune(db_path, keep=keep)
    _record(conn, "backup", {"file": target.name, "reason": reason})
    return target


def _record(conn: dbapi.Connection, action: str, detail: dict[str, object],
            actor: str | None = None) -> None:
    """Backups and restores are in the audit log (not a database still to be migrated)."""
    from desktop.storage import audit

    if audit.ready(conn):
        audit.record_event(conn, actor, action, detail)


def list_backups(db_path: Path | str) -> list[Backup]:
    """The backups of ``db_path``, newest first."""
    folder = backups_dir(Path(db_path))
    out = []
    for p in folder.glob(f"*{SUFFIX}") if folder.is_dir() else ():
        m = _NAME.match(p.name)
        if m is None:
            continue
        created = dt.datetime.strptime(m["when"], "%Y%m%d-%H%M%S-%f")
        out.append(Backup(p, created, m["reason"], p.stat().st_size))
    return sorted(out, key=lambda b: b.created, reverse=True)


def prune(db_path: Path | str, *, keep: int = KEEP) -> list[Path]:
    """Delete all but the newest ``keep`` backups (and leftover ``.part`` files)."""
    removed = []
    for b in list_backups(db_path)[keep:]:
        b.path.unlink(missing_ok=True)
        removed.append(b.path)
    folder = backups_dir(Path(db_path))
    for p in folder.glob("*.part") if folder.is_dir() else ():
        p.unlink(missing_ok=True)
    return removed


def check_backup(backup_file: Path | str, key: bytes | None) -> None:
    """Refuse what is not a readable, intact ANTQ database this program understands (under
    ``key``, the database's key)."""
    from desktop.storage import migrations

    p = Path(backup_file)
    if not p.is_file():
        raise UserError(_("Không có tệp sao lưu {p}").format(p=p))
    if db.is_plain(p) or key is None or not db.key_opens(p, key):
        raise UserError(_("{p} không phải bản sao lưu của cơ sở dữ liệu này (hoặc không mở "
                          "được bằng khóa của nó)").format(p=p))
    src = db.open_file(p, key, readonly=True)
    try:
        if src.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise UserError(_("Bản sao lưu {p} bị hỏng (kiểm tra toàn vẹn thất bại)").format(p=p))
        tables = {r[0] for r in src.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "site_meta" not in tables:
            raise UserError(_("{p} không phải bản sao lưu của ANTQ Desk").format(p=p))
        migrations.check_not_newer(src)
    except dbapi.DatabaseError as e:
        raise UserError(_("Không đọc được bản sao lưu {p} ({e})").format(p=p, e=e)) from e
    finally:
        src.close()


@dataclass(frozen=True)
class Restored:
    db_path: Path
    safety_copy: Path | None  # the database as it was just before, itself a backup
    site_id: str | None
    previous_site_id: str | None


def restore(backup_file: Path | str, db_path: Path | str, *,
            actor: str | None = None) -> Restored:
    """Replace the database at ``db_path`` with ``backup_file``; the caller closes its
    connections first. The current database is first saved as a backup ("before-restore"),
    the copy is made with the backup API and checked with ``integrity_check``; on any failure
    the database is put back as it was.
    """
    backup_file, db_path = Path(backup_file), Path(db_path)
    key = db.known_key(db_path)
    check_backup(backup_file, key)
    if backup_file.resolve() == db_path.resolve():
        raise UserError(_("Không thể khôi phục một cơ sở dữ liệu từ chính nó"))
    safety: Path | None = None
    if db_path.exists() and db_path.stat().st_size > 0:
        current = db.open_file(db_path, key)
        try:
            safety = backup_now(current, db_path, "before-restore", keep=KEEP + 1)
        finally:
            current.close()
    db_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        _copy_into(backup_file, db_path, key)
        site_id, previous = _new_site_identity(db_path, key)
        restored = db.open_file(db_path, key)
        try:  # the restored log goes on from the backup's head: the restore is its next entry
            _record(restored, "db-restore", {"file": str(backup_file), "site_id": site_id,
                                             "safety_copy": str(safety or "")}, actor)
        finally:
            restored.close()
    except BaseException:
        if safety is not None:
            _copy_into(safety, db_path, key)
        raise
    return Restored(db_path, safety, site_id, previous)


def _copy_into(source: Path, db_path: Path, key: bytes | None) -> None:
    src = db.open_file(source, key, readonly=True)
    dst = db.open_file(db_path, key)
    try:
        src.backup(dst)  # page by page through SQLite: other connections see old or new
        if dst.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise UserError(_("Cơ sở dữ liệu khôi phục không qua được kiểm tra toàn vẹn"))
        dst.execute("PRAGMA journal_mode = WAL")
    finally:
        dst.close()
        src.close()


def _new_site_identity(db_path: Path, key: bytes | None) -> tuple[str | None, str | None]:
    """Give the restored database a new sync identity.

    Why: the backup is older than the database it replaces. The sites this one synced with
    already hold versions stamped with its site id and sequence numbers up to the lost ones;
    carrying on under the same id would hand out those (origin, sequence) numbers again for
    different changes, and peers that think they already have them would silently drop them
    (SYNC.md §3.14, "Restored or cloned DB reuses counters": Morango regenerates its id).
    A new site id starts fresh counters no one has seen. The old id is kept as
    ``previous_site_id``, and the enrolment certificate issued to it is set aside
    (``previous_sync_certificate``): the site enrols again with the province.
    """
    conn = db.open_file(db_path, key)
    try:
        conn.execute("BEGIN IMMEDIATE")
        meta = dict(conn.execute("SELECT key, value FROM site_meta").fetchall())
        old = meta.get("site_id")
        if old is None:  # a database without a site: nothing synced from it yet
            conn.execute("COMMIT")
            return None, None
        new = new_id()
        updates = {"site_id": new, "db_instance_id": new_id(), "previous_site_id": old,
                   "restored_at": dt.datetime.now().isoformat(timespec="seconds")}
        if "sync_certificate" in meta:
            updates["previous_sync_certificate"] = meta["sync_certificate"]
            conn.execute("DELETE FROM site_meta WHERE key = 'sync_certificate'")
        conn.executemany("INSERT INTO site_meta(key, value) VALUES (?, ?) ON CONFLICT(key) "
                         "DO UPDATE SET value = excluded.value", list(updates.items()))
        conn.execute("COMMIT")
        return new, old
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.close()
