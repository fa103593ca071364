"""Backups of a database and restoring one: consistent copies made with SQLite's backup API.

A file copy of a live WAL database can miss the pages still in the ``-wal`` file or catch a
write half-way; the backup API copies a consistent snapshot through SQLite itself. Copies go
into ``<name>-backups/`` beside the database: one automatic copy a day at most (the window
makes it in the background after its first paint, :func:`automatic_backup`), one before
every migration and every restore, and one whenever the officer asks (``antq backup``). A
bundle import is protected by its undo journal instead (desktop/storage/undo.py): a whole
copy of a province database took half the import's time.

What is kept is decided by age, as in restic's ``forget``: the newest copy of each of the
last 7 days, 4 weeks and 12 months that have one, every copy of the last 24 hours, within a
disk budget (2 GB unless the officer sets another) that drops the oldest first but never the
newest copy. The policy is a small JSON file in the backups folder, so ``antq backup list``
and ``prune`` need no login.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from desktop.domain.errors import UserError
from desktop.domain.ids import new_id
from desktop.i18n import _
from desktop.storage import db, dbapi, schema_check
from desktop.storage.durable import fsync_dir, fsync_file
from desktop.storage.paths import backups_dir

SUFFIX = ".db"
AUTOMATIC = "daily"  # the reason of the automatic copy ("start" in earlier versions)
GB = 1024 ** 3
MB = 1024 ** 2
POLICY_FILE = "policy.json"
STEP_PAGES = 2048  # pages copied between two progress reports (8 MB at 4 KB a page)
STALE_PART_SECONDS = 3600  # a .part untouched this long is what a crash left
_NAME = re.compile(r"^(?P<stem>.+)-(?P<when>\d{8}-\d{6}-\d{6})-(?P<reason>[a-z0-9-]+)\.db$")

Progress = Callable[[int, int], None]  # (pages copied, pages in all)


@dataclass(frozen=True)
class Backup:
    path: Path
    created: dt.datetime
    reason: str
    size: int


@dataclass(frozen=True)
class Policy:
    """How many copies are kept by age, and the disk budget of all of them (bytes)."""

    daily: int = 7
    weekly: int = 4
    monthly: int = 12
    budget: int = 2 * GB


class BackupCancelled(UserError):
    """The copy was stopped (the window closed); nothing was left behind."""


def _reason_slug(reason: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", reason.lower()).strip("-")
    return slug[:40] or "manual"


def backup_now(conn: dbapi.Connection, db_path: Path | str, reason: str, *,
               now: dt.datetime | None = None, progress: Progress | None = None,
               cancel: Callable[[], bool] | None = None) -> Path:
    """Copy the database behind ``conn`` to the backups folder of ``db_path``, then prune by
    the policy (:func:`prune`).

    ``reason`` says why ("daily", "before-migration-v3", "before-restore", "manual"); it is
    part of the file name, so the officer choosing a backup to restore can read it. The copy
    is made in steps, reporting ``progress``; ``cancel`` returning True stops it (raising
    :class:`BackupCancelled`, nothing left behind). One read transaction on ``conn`` spans
    all steps, so the copy is one snapshot however the database is written meanwhile.
    """
    db_path = Path(db_path)
    folder = backups_dir(db_path)
    folder.mkdir(parents=True, exist_ok=True)
    now = now or dt.datetime.now()
    target = folder / f"{db_path.stem}-{now:%Y%m%d-%H%M%S-%f}-{_reason_slug(reason)}{SUFFIX}"
    part = target.with_name(target.name + ".part")
    _copy(conn, part, db.known_key(db_path), progress, cancel)
    os.replace(part, target)  # a crash mid-copy leaves a .part, never a half backup
    prune(db_path, now=now)
    _record(conn, "backup", {"file": target.name, "reason": reason})
    return target


def _copy(conn: dbapi.Connection, part: Path, key: bytes | None, progress: Progress | None,
          cancel: Callable[[], bool] | None) -> None:
    def step(_status: int, remaining: int, total: int) -> None:
        if cancel is not None and cancel():
            raise BackupCancelled(_("Đã dừng sao lưu; không để lại tệp dở dang"))
        if progress is not None:
            progress(total - remaining, total)

    own = not conn.in_transaction
    if own:  # a snapshot: writes by other connections meanwhile do not restart the copy
        conn.execute("BEGIN")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    # Encrypted under the database's own key: a backup reveals no more than the database.
    dest = db.open_file(part, key)
    try:
        conn.backup(dest, pages=STEP_PAGES, progress=step)
        # A backup is one self-contained file: no -wal beside it.
        dest.execute("PRAGMA journal_mode = DELETE")
    except BaseException:
        dest.close()
        part.unlink(missing_ok=True)
        raise
    finally:
        if own and conn.in_transaction:
            conn.execute("ROLLBACK")
    dest.close()


def _record(conn: dbapi.Connection, action: str, detail: dict[str, object],
            actor: str | None = None) -> None:
    """Backups and restores are in the audit log (not a database still to be migrated)."""
    from desktop.storage import audit

    if audit.ready(conn):
        audit.record_event(conn, actor, action, detail)


# -- the daily copy --------------------------------------------------------------------------

def automatic_due(db_path: Path | str, now: dt.datetime | None = None) -> bool:
    """Whether today has no copy yet (of any kind: one made before a migration, or by hand,
    is as good): the automatic copy is made at most once a day."""
    today = (now or dt.datetime.now()).date()
    return not any(b.created.date() == today for b in list_backups(db_path))


def automatic_backup(db_path: Path | str, *, now: dt.datetime | None = None,
                     progress: Progress | None = None,
                     cancel: Callable[[], bool] | None = None) -> Path | None:
    """The daily copy, if due (:func:`automatic_due`); None if not. Opens its own connection
    (the key and the account this process unlocked the database with), so it runs on a worker
    thread while the window goes on."""
    path = Path(db_path)
    if not automatic_due(path, now):
        return None
    conn = db.connect(path)
    try:
        return backup_now(conn, path, AUTOMATIC, now=now, progress=progress, cancel=cancel)
    finally:
        conn.close()


# -- what is kept ------------------------------------------------------------------------------

def list_backups(db_path: Path | str) -> list[Backup]:
    """The backups of ``db_path``, newest first."""
    folder = backups_dir(Path(db_path))
    out = []
    for p in folder.glob(f"*{SUFFIX}") if folder.is_dir() else ():
        m = _NAME.match(p.name)
        if m is None:
            continue
        try:
            created = dt.datetime.strptime(m["when"], "%Y%m%d-%H%M%S-%f")
            size = p.stat().st_size
        except (ValueError, OSError):  # a name that is not a date, a file gone meanwhile
            continue
        out.append(Backup(p, created, m["reason"], size))
    return sorted(out, key=lambda b: b.created, reverse=True)


def load_policy(db_path: Path | str) -> Policy:
    """The policy saved beside the backups; the default one if none (or unreadable)."""
    f = backups_dir(Path(db_path)) / POLICY_FILE
    try:
        saved = json.loads(f.read_text(encoding="utf-8"))
        policy = Policy(**{k: int(v) for k, v in saved.items() if k in Policy.__dataclass_fields__})
    except (OSError, ValueError, TypeError):
        return Policy()
    return policy if _valid(policy) else Policy()


MIN_BUDGET = 100 * MB


def _valid(policy: Policy) -> bool:
    return (min(policy.daily, policy.weekly, policy.monthly) >= 0
            and policy.budget >= MIN_BUDGET)


def check_policy(policy: Policy) -> None:
    if not _valid(policy):
        raise UserError(_("Hạn mức dung lượng sao lưu phải từ {m} trở lên, số bản giữ không "
                          "âm").format(m=size_text(MIN_BUDGET)))


def save_policy(db_path: Path | str, policy: Policy) -> None:
    check_policy(policy)
    folder = backups_dir(Path(db_path))
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / (POLICY_FILE + ".tmp")
    tmp.write_text(json.dumps(asdict(policy), indent=1), encoding="utf-8")
    os.replace(tmp, folder / POLICY_FILE)


@dataclass(frozen=True)
class Kept:
    backup: Backup
    why: str  # newest | recent | daily | weekly | monthly


@dataclass(frozen=True)
class Plan:
    """What :func:`prune` keeps and deletes, and why: shown before it is done."""

    policy: Policy
    kept: list[Kept] = field(default_factory=list)
    by_age: list[Backup] = field(default_factory=list)  # no slot of the policy left
    by_budget: list[Backup] = field(default_factory=list)  # kept by age, over the budget

    @property
    def used(self) -> int:
        return self.kept_size + sum(b.size for b in self.dropped)

    @property
    def kept_size(self) -> int:
        return sum(k.backup.size for k in self.kept)

    @property
    def dropped(self) -> list[Backup]:
        return sorted(self.by_age + self.by_budget, key=lambda b: b.created, reverse=True)

    def why(self, b: Backup) -> str | None:
        return next((k.why for k in self.kept if k.backup.path == b.path), None)


def plan(backups: Sequence[Backup], policy: Policy, now: dt.datetime | None = None) -> Plan:
    """Which copies the policy keeps (newest first) and which it deletes."""
    now = now or dt.datetime.now()
    items = sorted(backups, key=lambda b: b.created, reverse=True)
    why: dict[Path, str] = {}
    if items:
        why[items[0].path] = "newest"
    for b in items:
        if now - b.created < dt.timedelta(days=1):
            why.setdefault(b.path, "recent")
    slots: tuple[tuple[str, int, Callable[[dt.datetime], object]], ...] = (
        ("daily", policy.daily, lambda t: t.date()),
        ("weekly", policy.weekly, lambda t: t.isocalendar()[:2]),
        ("monthly", policy.monthly, lambda t: (t.year, t.month)))
    for label, count, bucket in slots:
        seen: set[object] = set()
        for b in items:  # the newest copy of each of the last ``count`` buckets with one
            key = bucket(b.created)
            if key in seen:
                continue
            if len(seen) >= count:
                break
            seen.add(key)
            why.setdefault(b.path, label)
    out = Plan(policy)
    total = 0
    for b in items:
        if b.path not in why:
            out.by_age.append(b)
        elif not out.kept or total + b.size <= policy.budget:  # the oldest go first
            out.kept.append(Kept(b, why[b.path]))
            total += b.size
        else:
            out.by_budget.append(b)
    return out


def prune(db_path: Path | str, *, now: dt.datetime | None = None,
          policy: Policy | None = None) -> Plan:
    """Delete the copies the policy no longer keeps (and ``.part`` files a crash left);
    returns the plan carried out."""
    db_path = Path(db_path)
    done = plan(list_backups(db_path), policy or load_policy(db_path), now)
    for b in done.dropped:
        b.path.unlink(missing_ok=True)
    folder = backups_dir(db_path)
    for p in folder.glob("*.part") if folder.is_dir() else ():
        with contextlib.suppress(OSError):  # one being written now is touched at every step
            if time.time() - p.stat().st_mtime > STALE_PART_SECONDS:
                p.unlink()
    return done


def size_text(n: int) -> str:
    """A size as the officer reads it: "640 MB", "1,5 GB"."""
    from desktop.domain import formatting  # babel: not for the worker's every copy

    if n >= GB:
        return f"{formatting.decimal(n / GB)} GB"
    return f"{formatting.count(max(1, round(n / MB)) if n else 0)} MB"


def parse_size(text: str) -> int:
    """"2GB", "500 MB", "1,5G" → bytes (binary units); UserError naming the value."""
    m = re.fullmatch(r"\s*(\d+(?:[.,]\d+)?)\s*([gGmM])?[bB]?\s*", text or "")
    if m is None:
        raise UserError(_("«{t}» không phải dung lượng (ví dụ 2GB, 500MB)").format(t=text))
    value = float(m[1].replace(",", "."))
    return int(value * (MB if (m[2] or "g").lower() == "m" else GB))


def check_backup(backup_file: Path | str, key: bytes | None) -> None:
    """Refuse what is not a readable, intact ANTQ database this program understands (under
    ``key``, the database's key)."""
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
        schema_check.refuse_newer(src, db.SCHEMA_VERSION, db.MIGRATION_VERSIONS)
    except dbapi.DatabaseError as e:
        raise UserError(_("Không đọc được bản sao lưu {p} ({e})").format(p=p, e=e)) from e
    finally:
        src.close()


def check_restore_rights(conn: dbapi.Connection, password: str) -> None:
    """Who may replace the database with a backup, asked the same way by the window and by
    ``antq restore``: the account logged in on ``conn`` (with ``password``) must be allowed
    to restore (the chief), and a site that still has the administrator password of an
    earlier version needs that password. Raises a one-line UserError."""
    from desktop.storage import accounts, site

    accounts.require(conn, "restore")
    if site.has_admin_password(conn) and not site.check_admin_password(conn, password):
        raise UserError(_("Sai mật khẩu quản trị: không khôi phục"))


@dataclass(frozen=True)
class Restored:
    db_path: Path
    safety_copy: Path | None  # the database as it was just before, itself a backup
    site_id: str | None
    previous_site_id: str | None


def restore(backup_file: Path | str, db_path: Path | str, *,
            actor: str | None = None) -> Restored:
    """Replace the database at ``db_path`` with ``backup_file``; the caller closes its
    connections first. The current database is first saved as a backup ("before-restore").

    Atomic: the copy is made beside the database (``<name>.restoring``) with the backup API,
    checked with ``integrity_check``, given its new sync identity and the audit entry in one
    transaction there, written to disk, and only then renamed over the database. A crash at
    any point leaves either the old database or the re-identified copy, never the copy
    under the old site id (which would hand out its sequence numbers again).
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
            safety = backup_now(current, db_path, "before-restore")
        finally:
            current.close()
    db_path.parent.mkdir(parents=True, exist_ok=True)
    staged = staging_path(db_path)
    _remove_with_sidecars(staged)  # what a crash during an earlier restore left
    try:
        _copy_into(backup_file, staged, key)
        site_id, previous = _new_site_identity(staged, key, detail={
            "file": str(backup_file), "safety_copy": str(safety or "")}, actor=actor)
        fsync_file(staged)
        _quiesce(db_path, key)
        os.replace(staged, db_path)  # the one step that makes the copy live
    except BaseException:
        _remove_with_sidecars(staged)
        raise
    fsync_dir(db_path.parent)
    return Restored(db_path, safety, site_id, previous)


def staging_path(db_path: Path) -> Path:
    """Where a restore prepares its copy, beside the database (the rename stays on one disk)."""
    return db_path.with_name(db_path.name + ".restoring")


def _remove_with_sidecars(path: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _copy_into(source: Path, target: Path, key: bytes | None) -> None:
    src = db.open_file(source, key, readonly=True)
    dst = db.open_file(target, key)
    try:
        src.backup(dst)
        if dst.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise UserError(_("Cơ sở dữ liệu khôi phục không qua được kiểm tra toàn vẹn"))
        # One self-contained file (no -wal beside it) to rename; opening it turns WAL on.
        dst.execute("PRAGMA journal_mode = DELETE")
        dst.execute("PRAGMA synchronous = FULL")
    finally:
        dst.close()
        src.close()


def _quiesce(db_path: Path, key: bytes | None) -> None:
    """Fold the live database's WAL into it and leave WAL mode, so that no ``-wal`` of the
    old database stays beside the renamed copy (SQLite would replay it onto the copy). A
    database still open elsewhere refuses, and the restore stops before anything changed."""
    if not db_path.exists() or db_path.stat().st_size == 0:
        return
    conn = db.open_file(db_path, key)
    try:
        busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        mode = conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
    except dbapi.OperationalError:
        busy, mode = 1, "wal"
    finally:
        conn.close()
    if busy or str(mode).lower() != "delete":
        raise UserError(_("{p} đang được mở ở nơi khác (cửa sổ hoặc lệnh antq khác); hãy đóng "
                          "rồi khôi phục lại. Chưa thay đổi gì").format(p=db_path))
    for suffix in ("-wal", "-shm"):
        if Path(f"{db_path}{suffix}").exists():
            raise UserError(_("{p} đang được mở ở nơi khác (cửa sổ hoặc lệnh antq khác); hãy "
                              "đóng rồi khôi phục lại. Chưa thay đổi gì").format(p=db_path))


def _new_site_identity(db_path: Path, key: bytes | None, *,
                       detail: dict[str, object] | None = None,
                       actor: str | None = None) -> tuple[str | None, str | None]:
    """Give the restored copy a new sync identity, and write the audit log's entry of the
    restore, in one transaction.

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
        new: str | None = None
        if old is not None:  # a database without a site: nothing synced from it yet
            new = new_id()
            updates = {"site_id": new, "db_instance_id": new_id(), "previous_site_id": old,
                       "restored_at": dt.datetime.now().isoformat(timespec="seconds")}
            if "sync_certificate" in meta:
                updates["previous_sync_certificate"] = meta["sync_certificate"]
                conn.execute("DELETE FROM site_meta WHERE key = 'sync_certificate'")
            conn.executemany("INSERT INTO site_meta(key, value) VALUES (?, ?) "
                             "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                             list(updates.items()))
        # The restored log goes on from the backup's head: the restore is its next entry.
        _record(conn, "db-restore", {**(detail or {}), "site_id": new}, actor)
        conn.execute("COMMIT")
        return new, old
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.close()
