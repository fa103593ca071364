"""``antq vault`` and the informant identities from the command line: the same functions as
the window's *Nguồn tin* page and *Người dùng…* (desktop/storage/vault.py checks the roles).

- ``antq add informant source_code=NT-… full_name=… citizen_id=… phone=… address=… notes=…``
- ``antq show informant NT-…`` and ``antq edit informant NT-… field=value …``
- ``antq vault grant NAME`` / ``antq vault revoke NAME`` / ``antq vault list``
"""

from __future__ import annotations

import argparse

from desktop.domain.errors import UserError
from desktop.i18n import _

COMMANDS = ("vault",)
KIND = "informant"  # as typed after add/show/edit


def register(cmd) -> None:
    p = cmd("vault", _("kho danh tính người cung cấp tin: antq vault list | grant TÊN | "
                       "revoke TÊN (chỉ huy)"))
    p.add_argument("action", choices=("list", "grant", "revoke"))
    p.add_argument("name", nargs="?", metavar="TÊN")


def run(args: argparse.Namespace) -> int:
    from desktop.cli_support import emit, open_db
    from desktop.storage import vault

    conn = open_db(args)
    try:
        if args.action == "list":
            items = vault.grants(conn)
            emit(args, [g.as_dict() for g in items],
                 [f"{g.name}\t{g.granted_by}\t{g.granted_local.replace('T', ' ')}"
                  for g in items] or [_("Chưa ai giữ khóa kho danh tính")])
            return 0
        if not args.name:
            raise UserError(_("vault {a}: cần TÊN tài khoản").format(a=args.action))
        if args.action == "grant":
            vault.grant(conn, args.name)
            emit(args, {"name": args.name, "granted": True},
                 [_("«{n}» được mở kho danh tính người cung cấp tin").format(n=args.name)])
        else:
            vault.revoke(conn, args.name)
            emit(args, {"name": args.name, "granted": False},
                 [_("Đã thu hồi quyền mở kho danh tính của «{n}»").format(n=args.name)])
        return 0
    finally:
        conn.close()


def informant(args: argparse.Namespace) -> int:
    """``antq add|show|edit informant …``."""
    from desktop.cli_support import emit, open_db, parse_assignments
    from desktop.storage import vault

    conn = open_db(args)
    try:
        if args.command == "add":
            values = parse_assignments(args.values)
            code = values.pop("source_code", "")
            if not code:
                raise UserError(_("source_code: cần mã nguồn tin (NT-…) của nguồn tin"))
            vault.add(conn, code, values)
            emit(args, {"source_code": code.upper()},
                 [_("Đã cất danh tính của nguồn tin {c} vào kho").format(c=code.upper())])
        elif args.command == "edit":
            vault.edit(conn, args.id, parse_assignments(args.values))
            emit(args, {"source_code": args.id.upper()},
                 [_("Đã lưu {id}").format(id=args.id.upper())])
        else:
            identity = vault.open_identity(conn, args.id)
            emit(args, {"source_code": args.id.upper(), **identity},
                 [f"source_code: {args.id.upper()}"]
                 + [f"{f.name}: {identity[f.name]}" for f in vault.FIELDS if identity[f.name]])
        return 0
    finally:
        conn.close()
