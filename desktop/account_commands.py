"""``antq user``: the local accounts of ``desktop/storage/accounts.py`` from the command line
(the same functions as *Tệp → Người dùng…*; roles checked there, not here)."""

from __future__ import annotations

import argparse

from desktop.domain.errors import UserError
from desktop.i18n import _

COMMANDS = ("user",)


def register(cmd) -> None:
    p = cmd("user", _("tài khoản: antq user list | add TÊN --role VAI_TRÒ | passwd TÊN | "
                      "disable TÊN"))
    p.add_argument("action", choices=("list", "add", "passwd", "disable"))
    p.add_argument("name", nargs="?", metavar="TÊN")
    p.add_argument("--role", help=_("chỉ huy, cán bộ, xem hoặc tổng hợp tỉnh (gõ không dấu "
                                    "cũng được)"))
    p.add_argument("--full-name", help=_("họ tên người dùng tài khoản"))


def run(args: argparse.Namespace) -> int:
    from desktop.cli_support import emit, open_db
    from desktop.storage import accounts

    conn = open_db(args)
    try:
        if args.action == "list":
            items = accounts.list_accounts(conn)
            emit(args, [a.as_dict() for a in items],
                 ["\t".join((a.name, a.role_name, a.full_name or "",
                             _("đã khóa") if a.disabled else "")).rstrip()
                  for a in items])
            return 0
        if not args.name:
            raise UserError(_("user {a}: cần TÊN tài khoản").format(a=args.action))
        if args.action == "add":
            if not args.role:
                raise UserError(_("user add: cần --role (chỉ huy, cán bộ, xem, tổng hợp tỉnh)"))
            role = accounts.parse_role(args.role)
            accounts.require(conn, "accounts")  # before asking for a password
            account = accounts.add(conn, args.name, role, accounts.new_password(),
                                   full_name=args.full_name)
            emit(args, account.as_dict(), [_("Đã tạo tài khoản «{n}» ({r})").format(
                n=account.name, r=account.role_name)])
        elif args.action == "passwd":
            accounts.change_password(conn, args.name, accounts.new_password())
            emit(args, {"name": args.name}, [_("Đã đổi mật khẩu của «{n}»").format(
                n=args.name)])
        else:
            accounts.disable(conn, args.name)
            emit(args, {"name": args.name}, [_("Đã khóa tài khoản «{n}»: nó không mở được cơ "
                                               "sở dữ liệu nữa").format(n=args.name)])
        return 0
    finally:
        conn.close()
