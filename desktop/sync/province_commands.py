"""`antq communes` (the province's overview of its communes) and `antq sync-folder` (the
folder bundles go through when a connection is available), issue 15."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from desktop.domain.errors import UserError
from desktop.i18n import _

COMMANDS: set[str] = {"communes", "sync-folder"}


def register(cmd: Callable[[str, str], argparse.ArgumentParser]) -> None:
    p = cmd("communes", _("tổng hợp các xã/phường (ở tỉnh): gói nhận và gửi gần nhất, số liệu, "
                          "xung đột, cảnh báo đồng hồ, hạn thay khóa, tháng không gửi"))
    p.add_argument("--late-after", metavar="NGÀY",
                   help=_("đặt ngưỡng: quá bấy nhiêu ngày không có gói mới là trễ (lưu lại)"))
    p = cmd("sync-folder", _("thư mục đồng bộ (thư mục mạng hoặc thư mục được đồng bộ): "
                             "antq sync-folder set ĐƯỜNG_DẪN | show | run | clear"))
    p.add_argument("action", choices=("set", "show", "run", "clear"))
    p.add_argument("path", nargs="?")


def run(args: argparse.Namespace) -> int:
    from desktop.cli_support import emit, open_db

    conn = open_db(args)
    if args.command == "communes":
        from desktop.sync import overview

        if args.late_after is not None:
            overview.set_late_after(conn, args.late_after)
        view = overview.overview(conn)
        emit(args, view.as_dict(), view.lines())
        return 0
    from desktop.sync import sync_folder

    if args.action == "set":
        if not args.path:
            raise UserError(_("sync-folder set: cần ĐƯỜNG_DẪN"))
        chosen = sync_folder.set_folder(conn, args.path)
        lines = [_("Thư mục đồng bộ: {p}").format(p=chosen)]
        if chosen is not None and not sync_folder.reachable(chosen):
            lines.append(_("(hiện chưa tới được; sẽ dùng khi tới được)"))
        emit(args, {"folder": str(chosen)}, lines)
        return 0
    if args.action == "clear":
        sync_folder.set_folder(conn, None)
        emit(args, {"folder": None}, [_("Đã bỏ thư mục đồng bộ")])
        return 0
    if args.action == "show":
        where, last = sync_folder.folder(conn), sync_folder.last_run(conn)
        lines = [_("Thư mục đồng bộ: {p}").format(p=where) if where
                 else _("Chưa đặt thư mục đồng bộ")]
        if where is not None:
            lines.append(_("Tới được: {y}").format(
                y=_("có") if sync_folder.reachable(where) else _("không")))
        if last is not None:
            lines.append(last.status_line())
        emit(args, {"folder": str(where) if where else None,
                    "reachable": sync_folder.reachable(where) if where else None,
                    "last_run": last.as_dict() if last else None}, lines)
        return 0
    from desktop.sync.commands import _unlock

    keys = _unlock(conn, "sync")
    result = sync_folder.run(conn, keys)
    emit(args, result.as_dict(), result.lines())
    # Unreachable is not a failure (the next run tries again); a refusal or a fault is.
    return 0 if result.ok or not result.reachable else 2
