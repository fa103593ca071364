"""``antq duplicates``: the queue of people recorded twice, from the command line (the same
functions as the window's *Trùng lặp* page, desktop/storage/duplicates.py)."""

from __future__ import annotations

import argparse

from desktop.domain.errors import UserError
from desktop.i18n import _

COMMANDS = ("duplicates",)
ACTIONS = ("list", "scan", "merge", "dismiss", "reopen", "unmerge")


def register(cmd) -> None:  # type: ignore[no-untyped-def]
    p = cmd("duplicates", _("người được ghi hai lần: antq duplicates list | scan | merge CẶP "
                            "--keep ID | dismiss CẶP | reopen CẶP | unmerge CẶP"))
    p.add_argument("action", choices=ACTIONS)
    p.add_argument("candidate", nargs="?", metavar="CẶP",
                   help=_("số của cặp trùng lặp (cột đầu của antq duplicates list)"))
    p.add_argument("--keep", metavar="ID", help=_("merge: id của hồ sơ được giữ lại"))
    p.add_argument("--status", choices=("open", "not_same", "merged", "all"), default="open",
                   help=_("list: các cặp ở trạng thái này (mặc định: open, đang chờ)"))
    p.add_argument("--all", action="store_true",
                   help=_("scan: xét lại mọi người, không chỉ người mới ghi"))


def run(args: argparse.Namespace) -> int:
    from desktop.cli_support import emit, open_db
    from desktop.storage import duplicates
    from desktop.storage.writer import Store

    conn = open_db(args)
    try:
        store = Store(conn)
        action = args.action
        if action in ("merge", "dismiss", "reopen", "unmerge") and not args.candidate:
            raise UserError(_("duplicates {a}: cần số của cặp (antq duplicates list)").format(
                a=action))
        if action == "list":
            found = duplicates.candidates(conn, None if args.status == "all" else args.status)
            emit(args, [c.as_dict() for c in found], _lines(found))
        elif action == "scan":
            r = duplicates.scan(conn, everyone=args.all)
            emit(args, {"checked": r.checked, "found": r.found, "dropped": r.dropped},
                 [_("Đã xét {n} người: {f} cặp mới, {d} cặp không còn khớp; {o} cặp đang "
                    "chờ").format(n=r.checked, f=r.found, d=r.dropped,
                                  o=duplicates.count_open(conn))])
        elif action == "merge":
            if not args.keep:
                raise UserError(_("duplicates merge: cần --keep ID (hồ sơ được giữ lại)"))
            c = duplicates.merge(store, args.candidate, args.keep)
            drop = c.b if c.kept == c.a else c.a
            emit(args, c.as_dict(), [_("Đã gộp {d} vào {k}; {d} nay là tên khác của {k} "
                                       "(bỏ gộp: antq duplicates unmerge {n})").format(
                d=drop, k=c.kept, n=c.id)])
        elif action == "dismiss":
            c = duplicates.dismiss(store, args.candidate)
            emit(args, c.as_dict(), [_("Cặp số {n}: không phải một người").format(n=c.id)])
        elif action == "reopen":
            c = duplicates.reopen(store, args.candidate)
            emit(args, c.as_dict(), [_("Cặp số {n}: đang chờ xem xét lại").format(n=c.id)])
        else:
            c = duplicates.unmerge(store, args.candidate)
            lines = [_("Đã bỏ gộp cặp số {n}: {a} và {b} lại là hai hồ sơ").format(
                n=c.id, a=c.a, b=c.b)]
            if c.partial:
                lines.append(_("Việc gộp được làm ở nơi khác: các tổ chức, cuộc họp, khen "
                               "thưởng đã chuyển vẫn ở hồ sơ được giữ"))
            emit(args, {**c.as_dict(), "partial": c.partial}, lines)
        return 0
    finally:
        conn.close()


def _lines(found) -> list[str]:  # type: ignore[no-untyped-def]
    from desktop.storage.duplicates import STATUSES

    if not found:
        return [_("Không có cặp nào.")]
    lines = ["\t".join((_("Cặp"), _("Điểm"), _("Trạng thái"), _("Hồ sơ 1"), _("Hồ sơ 2"),
                        _("Lý do")))]
    for c in found:
        people = [_person(p) for p in c.people]
        lines.append("\t".join((str(c.id), str(c.score), str(STATUSES.get(c.status, c.status)),
                                *people, c.reasons_text())))
    return lines


def _person(p: dict) -> str:
    from desktop.domain.dates import PartialDate

    born = p.get("birth_date")
    parts = [str(p.get("full_name") or "?")]
    if born:
        parts.append(PartialDate.from_iso(str(born)).display())
    if p.get("citizen_id"):
        parts.append(str(p["citizen_id"]))
    return f"{' · '.join(parts)} [{p['id']}]"
