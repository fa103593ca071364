"""``antq approve`` / ``unapprove`` / ``unlock-period`` / ``approvals``: the province's approval
of a commune's figures for a period, and a chief's unlock (desktop/storage/periods.py)."""

from __future__ import annotations

import argparse

from desktop.i18n import _

COMMANDS = ("approve", "unapprove", "unlock-period", "approvals")


def register(cmd) -> None:
    for name, text in (
            ("approve", _("tỉnh phê duyệt số liệu một kỳ của xã/phường (khóa các bản ghi trong "
                          "kỳ): antq approve --unit MÃ_XÃ --period 2026-Q3")),
            ("unapprove", _("tỉnh hủy phê duyệt số liệu một kỳ: antq unapprove --unit MÃ_XÃ "
                            "--period 2026-Q3")),
            ("unlock-period", _("chỉ huy mở khóa một kỳ đã phê duyệt (ghi nhật ký, đồng bộ): "
                                "antq unlock-period --unit MÃ_XÃ --period 2026-Q3 --reason "
                                "LÝ_DO"))):
        p = cmd(name, text)
        p.add_argument("--unit", required=True, metavar="MÃ_XÃ",
                       help=_("mã xã, phường, đặc khu"))
        p.add_argument("--period", required=True, metavar="KỲ",
                       help=_("quý 2026-Q3, tháng 2026-11 hoặc năm 2026"))
        if name == "unlock-period":
            p.add_argument("--reason", required=True, metavar="LÝ_DO",
                           help=_("vì sao cần sửa số liệu đã phê duyệt"))
    p = cmd("approvals", _("các kỳ số liệu đã phê duyệt, đã mở khóa"))
    p.add_argument("--unit", metavar="MÃ_XÃ", help=_("chỉ của một xã, phường"))


def run(args: argparse.Namespace) -> int:
    from desktop.cli_support import emit, open_db
    from desktop.storage import periods, references
    from desktop.storage.writer import Store

    conn = open_db(args)
    try:
        store = Store(conn)
        if args.command == "approvals":
            part = periods._commune(conn, args.unit)[1] if args.unit else None
            items = periods.approvals(conn, part)
            emit(args, [a.as_dict() for a in items],
                 [_line(conn, a) for a in items] or [_("Chưa có kỳ nào được phê duyệt")])
            return 0
        if args.command == "approve":
            a = periods.approve(store, args.unit, args.period)
            done = _("Đã phê duyệt số liệu kỳ {p} của {c}; các bản ghi trong kỳ bị khóa ở cả "
                     "tỉnh và xã (gửi xuống với gói đồng bộ tiếp theo)")
        elif args.command == "unapprove":
            a = periods.withdraw(store, args.unit, args.period)
            done = _("Đã hủy phê duyệt số liệu kỳ {p} của {c}")
        else:
            a = periods.unlock(store, args.unit, args.period, args.reason)
            done = _("Đã mở khóa kỳ {p} của {c} (đã ghi nhật ký; đồng bộ với gói tiếp theo)")
        emit(args, a.as_dict(), [done.format(p=a.period, c=references.part_name(conn, a.part))])
        return 0
    finally:
        conn.close()


def _line(conn, a) -> str:
    from desktop.storage import references

    state = (_("đã mở khóa ({n}: {r})").format(n=a.unlocked_by, r=a.unlock_reason)
             if a.status == "approved" and a.unlocked else
             _("khóa") if a.status == "approved" else _("đã hủy phê duyệt"))
    return f"{references.part_name(conn, a.part)}\t{a.period}\t{state}\t{a.decided_by or ''}"
