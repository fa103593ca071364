"""``antq village``: a commune's thôn, bản, tổ dân phố from the command line (the same
functions as the window's *Địa bàn* page, desktop/storage/villages.py)."""

from __future__ import annotations

import argparse

from desktop.domain.errors import UserError, ValidationError
from desktop.i18n import _

COMMANDS = ("village",)
ACTIONS = ("list", "add", "rename", "merge", "retire")


def register(cmd) -> None:
    p = cmd("village", _("thôn, bản, tổ dân phố của xã: antq village list | add TÊN… | "
                         "rename THÔN TÊN_MỚI | merge THÔN… --into THÔN | retire THÔN"))
    p.add_argument("action", choices=ACTIONS)
    p.add_argument("names", nargs="*", metavar="THÔN",
                   help=_("tên (gõ không dấu cũng được) hoặc id của thôn, bản"))
    p.add_argument("--commune", metavar="MÃ",
                   help=_("mã xã, phường (mặc định: xã của máy này)"))
    p.add_argument("--into", metavar="THÔN", help=_("merge: thôn, bản được giữ lại"))
    p.add_argument("--date", metavar="NGÀY",
                   help=_("ngày có hiệu lực, dd/mm/yyyy (mặc định: hôm nay)"))
    p.add_argument("--correction", action="store_true",
                   help=_("rename: chỉ sửa lỗi chính tả, không giữ tên cũ"))
    p.add_argument("--all", action="store_true",
                   help=_("list: cả thôn, bản đã thôi (tên cũ)"))


def run(args: argparse.Namespace) -> int:
    from desktop.cli_support import emit, open_db
    from desktop.storage import site, villages
    from desktop.storage.writer import Store

    conn = open_db(args)
    try:
        store = Store(conn)
        if args.commune:
            commune = villages.find_commune(conn, args.commune)
        else:
            commune = villages.commune_of_site(conn, site.load_site(conn))
            if commune is None:
                raise UserError(_("village: máy của tỉnh cần --commune MÃ_XÃ"))
        try:
            _run(args, store, commune, emit)
        except ValidationError as e:  # the message alone: field names are the program's
            raise UserError(_("village {a}: {m}").format(a=args.action, m=e.message)) from None
        return 0
    finally:
        conn.close()


def _run(args, store, commune: str, emit) -> None:
    from desktop.domain import dates
    from desktop.storage import villages

    conn = store.conn
    on = None
    if args.date:
        on = dates.parse_date(args.date, allow_partial=False).to_date()
    names = list(args.names)
    if args.action == "list":
        rows = villages.villages(conn, commune, include_retired=args.all)
        emit(args, [v.as_dict() for v in rows], [_line(v) for v in rows]
             or [_("Xã chưa có thôn, bản, tổ dân phố (thêm: antq village add TÊN)")])
    elif args.action == "add":
        ids = villages.add(store, commune, names, valid_from=on)
        emit(args, [{"id": i, "name": n} for i, n in zip(ids, names, strict=False)],
             [_("Đã thêm {n}: {id}").format(n=v.name, id=v.id)
              for v in (villages.get(conn, i) for i in ids)])
    elif args.action == "rename":
        if len(names) != 2:
            raise UserError(_("village rename: cần THÔN và TÊN_MỚI"))
        village = villages.find(conn, commune, names[0])
        moved = villages.rename(store, village.id, names[1], on=on, correction=args.correction)
        emit(args, _moved_dict(moved), [_("Đã đổi tên «{a}» thành «{b}»").format(
            a=village.name, b=villages.get(conn, moved.successor_id).name), *_moved_lines(moved)])
    elif args.action == "merge":
        if not names or not args.into:
            raise UserError(_("village merge: cần THÔN… và --into THÔN"))
        merged = [villages.find(conn, commune, n) for n in names]
        target = villages.find(conn, commune, args.into)
        moved = villages.merge(store, [v.id for v in merged], target.id, on=on)
        emit(args, _moved_dict(moved), [_("Đã sáp nhập {a} vào «{b}»").format(
            a=", ".join(f"«{v.name}»" for v in merged), b=target.name), *_moved_lines(moved)])
    else:
        if len(names) != 1:
            raise UserError(_("village retire: cần đúng một THÔN"))
        village = villages.find(conn, commune, names[0])
        villages.retire(store, village.id, on=on)
        emit(args, {"id": village.id}, [_("«{n}» đã thôi; tên được giữ trong lịch sử")
                                        .format(n=village.name)])


def _line(v) -> str:
    from desktop.domain import formatting

    people = formatting.count(v.residents)
    line = _("{n}\t{p} người, {o} tổ chức\t{id}").format(n=v.name, p=people,
                                                       o=v.organizations, id=v.id)
    if not v.current:
        until = "/".join(reversed(v.valid_to.split("-")))
        line += "\t" + (_("thôi sau {d}, nay là «{s}»").format(d=until, s=v.successor_name)
                        if v.successor_name else _("thôi sau {d}").format(d=until))
    return line


def _moved_dict(moved) -> dict[str, object]:
    return {"id": moved.successor_id, "people": moved.people,
            "organizations": moved.organizations, "models": moved.models}


def _moved_lines(moved) -> list[str]:
    if not (moved.people or moved.organizations or moved.models):
        return []
    return [_("Đã chuyển {p} người, {o} tổ chức, {m} mô hình sang nơi mới").format(
        p=moved.people, o=moved.organizations, m=moved.models)]
