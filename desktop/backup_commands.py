"""``antq backup [list | prune]``, ``antq restore FILE`` and ``antq undo-import``: the backups
of ``desktop/storage/backup.py`` and the import journals of ``desktop/storage/undo.py`` from
the command line (``antq restore KIND ID``, restoring a deleted record, stays in cli.py)."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from desktop.i18n import N_, _

COMMANDS = ("backup", "undo-import")

WHY = {"newest": N_("bản mới nhất"), "recent": N_("trong 24 giờ qua"),
       "daily": N_("bản của ngày"), "weekly": N_("bản của tuần"),
       "monthly": N_("bản của tháng")}


def register(cmd) -> None:
    p = cmd("backup", _("sao lưu cơ sở dữ liệu ngay; antq backup list: các bản đang giữ và "
                        "dung lượng; antq backup prune: xóa các bản quá hạn giữ"))
    p.add_argument("action", nargs="?", choices=("list", "prune"))
    p.add_argument("--list", action="store_true", help=_("chỉ liệt kê các bản sao lưu đã có"))
    p.add_argument("--budget", metavar="SIZE",
                   help=_("prune: hạn mức dung lượng của mọi bản sao lưu (ví dụ 2GB, 500MB); "
                          "được ghi nhớ"))
    for flag, help_text in (("--daily", _("prune: số ngày gần nhất giữ một bản (mặc định 7)")),
                            ("--weekly", _("prune: số tuần gần nhất giữ một bản (mặc định 4)")),
                            ("--monthly",
                             _("prune: số tháng gần nhất giữ một bản (mặc định 12)"))):
        p.add_argument(flag, type=int, metavar="N", help=help_text)
    p.add_argument("--dry-run", action="store_true",
                   help=_("prune: chỉ nói sẽ xóa gì, không xóa, không ghi nhớ"))
    p = cmd("undo-import", _("hoàn tác lần nhập gói gần nhất (hoặc các gói BUNDLE_ID, mới nhất "
                             "trước); --list: các lần nhập còn hoàn tác được"))
    p.add_argument("bundles", nargs="*", metavar="BUNDLE_ID")
    p.add_argument("--list", action="store_true", help=_("chỉ liệt kê các lần nhập đã ghi nhật "
                                                         "ký hoàn tác"))


def run(args: argparse.Namespace) -> int:
    if args.command == "undo-import":
        return _undo_import(args)
    from desktop.cli_support import db_path, emit, open_db
    from desktop.storage import backup

    path = db_path(args)
    if args.list and args.action is None:  # the form of earlier versions
        from desktop.domain import formatting  # babel: not for every start of the program

        items = backup.list_backups(path)
        emit(args, [{"file": str(b.path), "created": b.created.isoformat(timespec="seconds"),
                     "reason": b.reason, "size": b.size} for b in items],
             [f"{formatting.date_time(b.created)}\t{b.reason}\t{b.path}" for b in items]
             or [_("Chưa có bản sao lưu nào.")])
        return 0
    if args.action == "list":
        return _list(args, path)
    if args.action == "prune":
        return _prune(args, path)
    conn = open_db(args)
    try:
        made = backup.backup_now(conn, path, "manual")
    finally:
        conn.close()
    emit(args, {"file": str(made)}, [_("Đã sao lưu vào {p}").format(p=made)])
    return 0


def why_text(why: str | None) -> str:
    return _(WHY[why]) if why in WHY else _("sẽ xóa")


def _list(args: argparse.Namespace, path: Path) -> int:
    from desktop.cli_support import emit
    from desktop.domain import formatting
    from desktop.storage import backup

    policy = backup.load_policy(path)
    plan = backup.plan(backup.list_backups(path), policy)
    rows = sorted([(k.backup, k.why) for k in plan.kept] + [(b, None) for b in plan.dropped],
                  key=lambda x: x[0].created, reverse=True)
    lines = [f"{formatting.date_time(b.created)}\t{b.reason}\t{backup.size_text(b.size)}\t"
             f"{why_text(why)}\t{b.path}" for b, why in rows] or [_("Chưa có bản sao lưu nào.")]
    lines.append(usage_line(plan))
    emit(args, {"backups": [{"file": str(b.path), "created": b.created.isoformat(
                    timespec="seconds"), "reason": b.reason, "size": b.size, "keep": why}
                            for b, why in rows],
                "used": plan.used, "kept": plan.kept_size, "budget": policy.budget,
                "policy": dataclasses.asdict(policy)}, lines)
    return 0


def usage_line(plan) -> str:
    from desktop.storage import backup

    return _("Tổng: {n} bản, {used}; hạn mức {budget} (giữ: {d} ngày, {w} tuần, {m} tháng gần "
             "nhất)").format(n=len(plan.kept) + len(plan.dropped), used=backup.size_text(
                 plan.used), budget=backup.size_text(plan.policy.budget), d=plan.policy.daily,
                 w=plan.policy.weekly, m=plan.policy.monthly)


def _prune(args: argparse.Namespace, path: Path) -> int:
    from desktop.cli_support import emit
    from desktop.domain import formatting
    from desktop.storage import backup

    policy = backup.load_policy(path)
    changes: dict[str, int] = {k: v for k, v in (("daily", args.daily), ("weekly", args.weekly),
                                                 ("monthly", args.monthly)) if v is not None}
    if args.budget is not None:
        changes["budget"] = backup.parse_size(args.budget)
    policy = dataclasses.replace(policy, **changes)
    backup.check_policy(policy)
    if args.dry_run:
        plan = backup.plan(backup.list_backups(path), policy)
        lines = [_("Sẽ xóa {f} ({d}, {s})").format(f=b.path.name, d=formatting.date_time(
            b.created), s=backup.size_text(b.size)) for b in plan.dropped] or [
            _("Không có bản nào phải xóa.")]
    else:
        if changes:
            backup.save_policy(path, policy)
        plan = backup.prune(path, policy=policy)
        freed = sum(b.size for b in plan.dropped)
        lines = [_("Đã xóa {n} bản sao lưu (giải phóng {s}).").format(
            n=len(plan.dropped), s=backup.size_text(freed))]
    lines.append(_("Giữ {n} bản, {s}; hạn mức {b}.").format(
        n=len(plan.kept), s=backup.size_text(plan.kept_size),
        b=backup.size_text(policy.budget)))
    emit(args, {"dropped": [str(b.path) for b in plan.dropped],
                "kept": [str(k.backup.path) for k in plan.kept], "kept_size": plan.kept_size,
                "budget": policy.budget, "dry_run": bool(args.dry_run)}, lines)
    return 0


def _undo_import(args: argparse.Namespace) -> int:
    from desktop.cli_support import emit, open_db
    from desktop.storage import undo

    conn = open_db(args)
    try:
        if args.list:
            kept = undo.journals(conn)
            why = undo.refusal(conn) if kept else None
            lines = [f"{j.imported_local_time.replace('T', ' ')}\t{j.bundle_id}\t"
                     f"{j.sender_name}\t{j.records}\t{j.file}" for j in kept] or [
                _("Không có lần nhập nào để hoàn tác.")]
            if kept:
                lines.append(why or _("Lần nhập mới nhất hoàn tác được: antq undo-import"))
            emit(args, {"imports": [j.as_dict() for j in kept], "undoable": kept != []
                        and why is None, "why_not": why}, lines)
            return 0
        done = undo.undo(conn, args.bundles or None)
    finally:
        conn.close()
    emit(args, {"undone": [j.as_dict() for j in done.journals]},
         [_("Đã hoàn tác lần nhập gói {b} của {s} ({n} bản ghi trở lại như trước khi "
            "nhập)").format(b=j.bundle_id, s=j.sender_name, n=j.records)
          for j in done.journals])
    return 0


def restore_file(args: argparse.Namespace) -> int:
    """``antq restore FILE``: replace the database with a backup. As in the window, the
    administrator's password is asked first (a prompt, or ``ANTQ_PASSWORD`` in a script):
    the account logs in and must be allowed to restore (the chief)."""
    import sys

    from desktop.cli_support import db_path, emit
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
