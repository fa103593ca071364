"""``antq audit list|verify`` (the audit log, desktop/storage/audit.py) and ``antq erase person
ID`` (Xóa vĩnh viễn, desktop/storage/erasure.py)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Callable

from desktop.domain.errors import UserError
from desktop.i18n import _

COMMANDS = ("audit", "erase")
EXIT_BROKEN = 2


def register(cmd: Callable[[str, str], argparse.ArgumentParser]) -> None:
    p = cmd("audit", _("nhật ký thao tác: antq audit list [--since NGÀY] [--actor TÊN] | "
                       "show SỐ (một mục; một lần thêm nhiều bản ghi: từng bản ghi) | "
                       "verify (kiểm tra nhật ký có bị sửa, xóa, đổi thứ tự)"))
    p.add_argument("action", choices=("list", "show", "verify"))
    p.add_argument("seq", nargs="?", type=int, metavar="SỐ", help=_("show: số của mục"))
    p.add_argument("--since", metavar="dd/mm/yyyy", help=_("list: chỉ từ ngày này"))
    # Not --user: that option names the account that logs in (every command has it).
    p.add_argument("--actor", metavar="TÊN", help=_("list: chỉ thao tác của tài khoản này"))
    p.add_argument("--limit", type=int, default=None,
                   help=_("list, show: nhiều nhất bấy nhiêu mục"))
    p = cmd("erase", _("xóa vĩnh viễn dữ liệu cá nhân của một người đã xóa (ở «Đã xóa gần "
                       "đây»): antq erase person ID"))
    p.add_argument("kind", choices=("person",))
    p.add_argument("id")


def run(args: argparse.Namespace) -> int:
    from desktop.cli_support import open_db

    conn = open_db(args)
    try:
        if args.command == "erase":
            return _erase(args, conn)
        if args.action == "verify":
            return _verify(args, conn)
        if args.action == "show":
            return _show(args, conn)
        return _list(args, conn)
    finally:
        conn.close()


def _since(text: str | None) -> dt.date | None:
    from desktop.domain.dates import parse_date

    if text is None:
        return None
    try:
        return parse_date(text).earliest()
    except UserError as e:
        raise UserError(_("--since: {e}").format(e=e)) from None


def _list(args: argparse.Namespace, conn) -> int:  # type: ignore[no-untyped-def]
    from itertools import islice

    from desktop.storage import audit

    entries = audit.iter_entries(conn, since=_since(args.since), user=args.actor)
    if args.limit is not None:
        entries = islice(entries, max(args.limit, 0))
    as_json = getattr(args, "json", False)
    out = sys.stdout
    # Streamed as read: a province's log does not fit in a list.
    if as_json:
        out.write("[")
        for n, e in enumerate(entries):
            item = e.as_dict()
            if e.is_batch:  # the records it made, in order (one seq number each)
                item["ids"] = audit.record_ids(conn, e.seq)
            out.write(("\n " if n == 0 else ",\n ") + json.dumps(item, ensure_ascii=False))
        out.write("\n]\n")
        return 0
    empty = True
    for e in entries:
        empty = False
        print("\t".join((str(e.seq), e.at.replace("T", " "), e.actor,
                         audit.action_label(e.action), audit.subject(e), _values(e))))
    if empty:
        print(_("Nhật ký không có mục nào khớp."))
    return 0


def _values(e) -> str:  # type: ignore[no-untyped-def]
    from desktop.storage import audit

    if e.is_batch:
        return _("{s} (từng bản ghi: antq audit show {seq})").format(
            s=audit.batch_summary(e), seq=e.seq)
    if e.redacted is not None:
        return _("(giá trị đã xóa vĩnh viễn)")
    if e.field is not None:
        return f"{e.old or ''} → {e.new or ''}"
    return e.new or ""


def _show(args: argparse.Namespace, conn) -> int:  # type: ignore[no-untyped-def]
    """One entry; a batch record by record (each with the values it was made with)."""
    from desktop.storage import audit

    if args.seq is None:
        raise UserError(_("show: thiếu số của mục (antq audit show SỐ)"))
    entry = audit.entry_at(conn, args.seq)
    if entry is None:
        raise UserError(_("show: nhật ký không có mục số {s}").format(s=args.seq))
    records: list = [entry]
    if entry.is_batch:
        records = []
        limit = None if args.limit is None else max(args.limit, 0)
        offset = 0
        while limit is None or len(records) < limit:
            page = audit.expand(conn, entry.seq, offset=offset, limit=2_000 if limit is None
                                else min(2_000, limit - len(records)))
            if not page:
                break
            records += page
            offset += len(page)
    if getattr(args, "json", False):
        json.dump({**entry.as_dict(), "entries": [r.as_dict() for r in records]}, sys.stdout,
                  ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return 0
    if entry.is_batch:
        print("\t".join((f"{entry.seq}–{entry.last_seq}", entry.at.replace("T", " "),
                         entry.actor, audit.action_label(entry.action), audit.subject(entry),
                         audit.batch_summary(entry))))
    for e in records:
        print("\t".join((str(e.seq), e.at.replace("T", " "), e.actor,
                         audit.action_label(e.action), audit.subject(e), e.pk or "",
                         _values(e))))
    return 0


def _verify(args: argparse.Namespace, conn) -> int:  # type: ignore[no-untyped-def]
    from desktop.cli_support import emit
    from desktop.storage import audit

    result = audit.verify(conn)
    if result.broken is not None:
        if getattr(args, "json", False):
            emit(args, result.as_dict(), [])
        else:
            print(result.broken.message(), file=sys.stderr)
        return EXIT_BROKEN
    emit(args, result.as_dict(),
         [_("Nhật ký nguyên vẹn: {n} mục, mục cuối số {s}").format(n=result.entries,
                                                                  s=result.head_seq)])
    return 0


def _erase(args: argparse.Namespace, conn) -> int:  # type: ignore[no-untyped-def]
    from desktop.cli_support import emit
    from desktop.domain import formatting
    from desktop.storage.erasure import erase_person
    from desktop.storage.writer import Store

    result = erase_person(Store(conn), args.id)
    lines = [_("Đã xóa vĩnh viễn dữ liệu cá nhân của {id}: {f} trường được làm trống, {r} mục "
               "nhật ký được bỏ giá trị").format(id=args.id, f=len(result.fields),
                                                 r=result.redacted)]
    if result.backups:
        lines.append(_("Các bản sao lưu sau vẫn còn dữ liệu cũ cho đến khi bị thay bằng bản "
                       "mới hơn:"))
        lines += [f"  {formatting.date_time(b.created)}\t{b.path}" for b in result.backups]
    emit(args, result.as_dict(), lines)
    return 0
