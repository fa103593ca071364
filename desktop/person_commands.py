"""``antq merge-person``: two records of one person made one from the command line, as the
window's «Là cùng một người» does (desktop/storage/same_person.py)."""

from __future__ import annotations

import argparse

from desktop.i18n import _

COMMANDS = ("merge-person",)


def register(cmd) -> None:  # type: ignore[no-untyped-def]
    p = cmd("merge-person", _("gộp hai hồ sơ của cùng một người: antq merge-person GIỮ BỎ "
                              "(tổ chức, cuộc họp, khen thưởng của hồ sơ BỎ chuyển sang GIỮ; "
                              "hồ sơ BỎ bị xóa, khôi phục được)"))
    p.add_argument("keep", metavar="GIỮ", help=_("id của hồ sơ được giữ lại"))
    p.add_argument("drop", metavar="BỎ", help=_("id của hồ sơ gộp vào rồi xóa"))


def run(args: argparse.Namespace) -> int:
    from desktop.cli_support import emit, open_db
    from desktop.storage import printouts
    from desktop.storage.same_person import merge_people
    from desktop.storage.writer import Store

    conn = open_db(args)
    try:
        kept = merge_people(Store(conn), args.keep, drop_id=args.drop)
        emit(args, {"id": kept}, [_("Đã gộp vào hồ sơ của {n} ({id})").format(
            n=printouts.person_name(conn, kept), id=kept)])
        return 0
    finally:
        conn.close()
