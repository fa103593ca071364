"""``antq backup`` and ``antq restore FILE``: the backups of ``desktop/storage/backup.py`` from
the command line (``antq restore KIND ID``, restoring a deleted record, stays in cli.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

from desktop.i18n import _

COMMANDS = ("backup",)


def register(cmd) -> None:
    p = cmd("backup", _("sao lưu cơ sở dữ liệu ngay (giữ {n} bản mới nhất)").format(n=10))
    p.add_argument("--list", action="store_true", help=_("chỉ liệt kê các bản sao lưu đã có"))


def run(args: argparse.Namespace) -> int:
    from desktop.cli import db_path, emit, open_db
    from desktop.domain import formatting  # babel: not for every start of the program
    from desktop.storage import backup

    path = db_path(args)
    if args.list:
        items = backup.list_backups(path)
        emit(args, [{"file": str(b.path), "created": b.created.isoformat(timespec="seconds"),
                     "reason": b.reason, "size": b.size} for b in items],
             [f"{formatting.date_time(b.created)}\t{b.reason}\t{b.path}" for b in items]
             or [_("Chưa có bản sao lưu nào.")])
        return 0
    conn = open_db(args)
    try:
        made = backup.backup_now(conn, path, "manual")
    finally:
        conn.close()
    emit(args, {"file": str(made)}, [_("Đã sao lưu vào {p}").format(p=made)])
    return 0


def restore_file(args: argparse.Namespace) -> int:
    """``antq restore FILE``: replace the database with a backup. As in the window, the
    administrator's password is asked first (a prompt, or ``ANTQ_PASSWORD`` in a script):
    the account logs in and must be allowed to restore (the chief)."""
    import sys

    from desktop.cli import db_path, emit
    from desktop.storage import accounts, backup

    path = db_path(args)
    name, password = accounts.credentials(getattr(args, "user", None))
    conn, account, notes = accounts.login(path, name, password)
    try:
        backup.check_restore_rights(conn, password)
    finally:
        conn.close()
    for note in notes:
        print(note, file=sys.stderr)
    result = backup.restore(Path(args.kind), path, actor=account.name)
    lines = [_("Đã khôi phục {db} từ {f}").format(db=result.db_path, f=args.kind)]
    if result.safety_copy is not None:
        lines.append(_("Cơ sở dữ liệu trước khi khôi phục được giữ ở {p}").format(
            p=result.safety_copy))
    if result.site_id is not None:
        lines.append(_("Điểm đồng bộ nhận mã mới {new} (mã cũ {old}); hãy đăng ký lại với tỉnh "
                       "trước khi đồng bộ.").format(new=result.site_id,
                                                   old=result.previous_site_id))
    emit(args, {"db": str(result.db_path), "safety_copy": str(result.safety_copy or ""),
                "site_id": result.site_id, "previous_site_id": result.previous_site_id}, lines)
    return 0
