"""``antq publish-reference`` / ``apply-reference`` / ``references``: the province's versioned
reference data going down to its communes (desktop/sync/reference_release.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

from desktop.i18n import _

COMMANDS = ("publish-reference", "apply-reference", "references")


def register(cmd) -> None:
    p = cmd("publish-reference", _("tỉnh phát hành bản mới của danh mục dùng chung, tiêu chí An "
                                   "toàn và danh sách xã vùng sâu, vùng xa (một tệp có chữ ký "
                                   "cho mọi xã): antq publish-reference --out THƯ_MỤC"))
    p.add_argument("--out", type=Path, required=True, metavar="THƯ_MỤC",
                   help=_("thư mục ghi tệp (USB, thư mục đồng bộ)"))
    p = cmd("apply-reference", _("xã/phường áp dụng bản danh mục mới của tỉnh và xem những gì "
                                 "thay đổi: antq apply-reference TỆP [--dry-run]"))
    p.add_argument("file", type=Path, metavar="TỆP")
    p.add_argument("--dry-run", action="store_true",
                   help=_("chỉ xem những gì sẽ thay đổi, không áp dụng"))
    cmd("references", _("các bản danh mục đã phát hành hoặc đã áp dụng ở máy này, và những gì "
                        "mỗi bản thay đổi"))


def run(args: argparse.Namespace) -> int:
    from desktop.cli_support import emit, open_db
    from desktop.storage import accounts, reference_releases
    from desktop.sync import reference_release
    from desktop.sync.commands import _unlock

    conn = open_db(args)
    try:
        if args.command == "references":
            items = reference_releases.history(conn)
            lines = []
            for h in items:
                role = _("đã phát hành") if h["role"] == "published" else _("đã áp dụng")
                lines.append(_("Bản {v} ({r} {d})").format(v=h["version"], r=role,
                                                             d=h["recorded_at"]))
                lines += [f"  {c}" for c in h["changes"]]
            emit(args, items, lines or [_("Chưa phát hành hoặc áp dụng bản danh mục nào")])
            return 0
        if args.command == "publish-reference":
            keys = _unlock(conn, "sync")
            path, release = reference_release.publish(conn, keys, args.out)
            emit(args, {"version": release.version, "file": str(path), "digest": release.digest},
                 [_("Đã phát hành danh mục bản {v}: {p}").format(v=release.version, p=path)])
            return 0
        accounts.require(conn, "sync")
        result = reference_release.apply(conn, args.file, dry_run=args.dry_run)
        head = (_("Danh mục bản {v} sẽ thay đổi (chưa áp dụng):") if result.dry_run
                else _("Đã áp dụng danh mục bản {v}:")).format(v=result.version)
        lines = [head, *(f"  {c.line()}" for c in result.changes)]
        if not result.changes:
            lines.append("  " + _("không có gì khác với danh mục đang dùng"))
        emit(args, result.as_dict(), lines)
        return 0
    finally:
        conn.close()
