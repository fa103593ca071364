"""The `antq` subcommands for sync bundles, keys and conflicts."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.domain.errors import UserError
from desktop.i18n import _

if TYPE_CHECKING:
    from desktop.storage import dbapi
    from desktop.sync.conflicts import Conflict

COMMANDS: set[str] = {"keys", "enrol", "sites", "export-bundle", "import-bundle", "conflicts"}


def register(cmd: Callable[[str, str], argparse.ArgumentParser]) -> None:
    """Add this group's subcommands; ``cmd(name, help)`` returns a parser with --db/--json."""
    p = cmd("keys", _("khóa đồng bộ của điểm này: antq keys init | show | rotate"))
    p.add_argument("action", choices=("init", "show", "rotate"))
    p = cmd("enrol", _("đăng ký qua USB: antq enrol request --out TỆP (xã) | accept TỆP "
                       "--out TỆP (tỉnh) | install TỆP (xã)"))
    p.add_argument("action", choices=("request", "accept", "install"))
    p.add_argument("file", nargs="?", type=Path)
    p.add_argument("--out", type=Path)
    p.add_argument("--fingerprint",
                   help=_("vân tay bên kia đọc qua điện thoại (accept: của xã; install: của "
                          "tỉnh); không có thì hỏi tại dấu nhắc"))
    p.add_argument("--replace", action="store_true",
                   help=_("accept: thay hẳn điểm đã đăng ký cùng mã xã (điểm cũ bị thu hồi)"))
    p = cmd("sites", _("các điểm đã đăng ký: antq sites list | revoke SITE"))
    p.add_argument("action", choices=("list", "revoke"))
    p.add_argument("site", nargs="?")
    p = cmd("export-bundle", _("ghi gói đồng bộ cho từng điểm nhận vào một thư mục (USB)"))
    p.add_argument("--to", type=Path, required=True, metavar="DIR")
    p.add_argument("--for", dest="for_sites", action="append", metavar="SITE",
                   help=_("chỉ cho điểm này (mã site, mã đơn vị hoặc vân tay); lặp lại được"))
    p = cmd("import-bundle", _("nhập các gói đồng bộ (tệp .vsb hoặc thư mục)"))
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument("--dry-run", action="store_true", help=_("chỉ kiểm tra và tóm tắt"))
    p = cmd("conflicts", _("xung đột cần xem xét: antq conflicts list | resolve ID --keep "
                           "mine|theirs|GIÁ_TRỊ"))
    p.add_argument("action", choices=("list", "resolve"))
    p.add_argument("id", nargs="?")
    p.add_argument("--keep", metavar="mine|theirs|VALUE")
    p.add_argument("--all", action="store_true", help=_("cả các xung đột đã giải quyết"))


def run(args: argparse.Namespace) -> int:
    from desktop.cli_support import db_path, emit, open_db
    from desktop.storage import accounts
    from desktop.sync import conflicts, enrol, exchange, keys

    command = args.command
    if command == "import-bundle":
        # The database itself given as a bundle: refused before anything, even the login
        # (which the audit log records), touches it.
        exchange.refuse_own_files(exchange.expand(args.files), db_path(args))
    conn = open_db(args)
    if command == "keys":
        from desktop.storage.site import require_site

        site = require_site(conn)
        if args.action == "init":
            public = keys.init_keys(conn)
        elif args.action == "rotate":
            accounts.require(conn, "enrol")  # before the old passphrase is asked
            old, public = keys.rotate_keys(conn, legacy_passphrase=_legacy_passphrase(conn))
            old_fp = keys.fingerprint(site.site_id, old)
            fp = keys.fingerprint(site.site_id, public)
            emit(args, {"site_id": site.site_id, "fingerprint": fp, "old_fingerprint": old_fp,
                        "sign_pub": public.sign_pub, "recv_pub": public.recv_pub},
                 [_("Đã thay khóa của {n}: vân tay mới {f} (cũ {o})").format(
                     n=site.name, f=fp, o=old_fp),
                  _("Gói tiếp theo mang khóa mới, ký bằng khóa cũ; không cần đăng ký lại.")])
            return 0
        else:
            public = keys.public_keys(conn)
        fp = keys.fingerprint(site.site_id, public)
        emit(args, {"site_id": site.site_id, "fingerprint": fp, "sign_pub": public.sign_pub,
                    "recv_pub": public.recv_pub},
             [_("Khóa của {n}: vân tay {f}").format(n=site.name, f=fp)])
        return 0
    if command == "enrol":
        return _enrol(args, conn, enrol, keys)
    if command == "sites":
        if args.action == "revoke":
            if not args.site:
                raise UserError(_("sites revoke: cần mã điểm"))
            peer = enrol.revoke_site(conn, args.site)
            emit(args, peer.as_dict(), [_("Đã thu hồi {n}").format(n=peer.name)])
            return 0
        from desktop.storage import audit

        sites = enrol.list_sites(conn)
        rewritten = audit.peer_warnings(conn)  # a sender whose audit log looked rewritten
        emit(args, [{**s.as_dict(), "audit_warning": rewritten.get(s.site_id)} for s in sites],
             ["\t".join((s.site_id, s.site_kind, s.unit_code, s.name, s.fingerprint, s.status,
                         *([rewritten[s.site_id]] if s.site_id in rewritten else [])))
              for s in sites] or [_("Chưa có điểm nào đã đăng ký.")])
        return 0
    if command == "export-bundle":
        unlocked = _unlock(conn, "sync")

        def written(results: list[exchange.ExportResult]) -> list[str]:
            return [_("{p}: cho {n}, {c} thay đổi, {b} byte").format(
                p=r.path, n=r.recipient_name, c=r.changes, b=r.bytes) for r in results]

        try:
            results = exchange.export_to_folder(conn, unlocked, args.to,
                                                for_sites=args.for_sites)
        except exchange.ExportFailed as e:
            # The bundles already on the stick are whole: say which, then the error (exit 2).
            if e.written:
                emit(args, [r.as_dict() for r in e.written],
                     [_("Đã ghi xong trước khi lỗi:"), *written(e.written)])
            raise
        emit(args, [r.as_dict() for r in results], written(results))
        return 0
    if command == "import-bundle":
        from desktop.domain.kinds import KINDS_BY_TABLE

        unlocked = _unlock(conn, "sync")
        if not args.dry_run and any(p.is_dir() for p in args.files):
            # A folder or a stick: in order, one line per sender and a total (issue 15).
            from desktop.sync import folder_import

            done = folder_import.import_folder(conn, unlocked, args.files)
            emit(args, done.as_dict(), done.lines())
            return done.exit_status
        results = exchange.import_files(conn, unlocked, args.files, dry_run=args.dry_run)
        lines = []
        for r in results:
            lines.append(r.message)
            lines += [_("  cảnh báo: {w}").format(w=w) for w in r.warnings]
            if r.counts:  # per kind, in the officer's words
                lines.append("  " + ", ".join(
                    f"{KINDS_BY_TABLE[k].label if k in KINDS_BY_TABLE else k}: {v}"
                    for k, v in sorted(r.counts.items())))
            if r.quarantined_to:
                lines.append(_("  bản sao để xem xét: {q} (tệp gốc để nguyên)").format(
                    q=r.quarantined_to))
        emit(args, [r.as_dict() for r in results], lines or [_("Không có tệp nào.")])
        # Bundles for other sites are normal on a shared stick: not an error.
        return 2 if any(r.status in ("refused", "failed", "not-bundle") for r in results) else 0
    if command == "conflicts":
        if args.action == "resolve":
            from desktop.storage.writer import Store

            if not args.id or args.keep is None:
                raise UserError(_("conflicts resolve: cần ID và --keep mine|theirs|GIÁ_TRỊ"))
            c = conflicts.resolve_conflict(Store(conn), args.id, args.keep)
            emit(args, c.as_dict(), [_("Đã giải quyết {i} ({s})").format(i=c.id, s=c.status)])
            return 0
        items = conflicts.list_conflicts(conn, include_closed=args.all)
        emit(args, [c.as_dict() for c in items],
             [_conflict_line(c) for c in items] or [_("Không có xung đột.")])
        return 0
    raise NotImplementedError(command)  # pragma: no cover


def _conflict_line(c: Conflict) -> str:
    # A record an import left breaking a rule has no value that lost: the rule's words there.
    said = (_("sai quy tắc: {f}: {m}").format(f=c.field_label, m=c.message) if c.kind == "rule"
            else _("bị thay: {v}").format(v=c.loser_value))
    return "\t".join((c.id[:12], c.severity, c.kind_name, c.pk, c.field, said,
                      _("đang dùng: {v}").format(v=c.winner_value), c.status))


def _enrol(args: argparse.Namespace, conn, enrol, keys) -> int:  # type: ignore[no-untyped-def]
    from desktop.cli_support import emit

    if args.action == "request":
        if args.out is None:
            raise UserError(_("enrol request: cần --out TỆP"))
        unlocked = _unlock(conn, "enrol")
        fp = enrol.make_request(conn, unlocked, args.out)
        emit(args, {"file": str(args.out), "fingerprint": fp},
             [_("Đã ghi yêu cầu {p}").format(p=args.out),
              _("Vân tay của điểm này: {f} (đọc cho tỉnh qua điện thoại)").format(f=fp)])
        return 0
    if args.file is None:
        raise UserError(_("enrol {a}: cần TỆP").format(a=args.action))
    if args.action == "accept":
        if args.out is None:
            raise UserError(_("enrol accept: cần --out TỆP"))
        info = enrol.describe_request(conn, args.file)
        typed = args.fingerprint or _ask_fingerprint(
            [_("Yêu cầu của {n} (mã {c}), vân tay trong tệp: {f}").format(
                n=info.peer.name, c=info.peer.unit_code, f=info.peer.fingerprint)]
            + ([_("Mã này đã có điểm «{n}» (vân tay {f}); --replace sẽ thu hồi điểm đó").format(
                n=info.replaces.name, f=info.replaces.fingerprint)] if info.replaces else []),
            _("Vân tay xã đọc qua điện thoại: "))
        unlocked = _unlock(conn, "enrol")
        peer = enrol.accept_request(conn, unlocked, args.file, args.out,
                                    confirmed_fingerprint=typed, replace=args.replace)
        own = keys.fingerprint(unlocked.site.site_id, unlocked.public)
        lines = [_("Đã đăng ký {n} ({c}); vân tay {f} khớp với vân tay xã đọc").format(
                     n=peer.name, c=peer.unit_code, f=peer.fingerprint),
                 _("Đã ghi trả lời {p}; vân tay của tỉnh (đọc cho xã): {f}").format(
                     p=args.out, f=own)]
        if info.replaces is not None:
            lines.append(_("Đã thu hồi điểm cũ {n} ({f})").format(
                n=info.replaces.name, f=info.replaces.fingerprint))
        emit(args, {**peer.as_dict(), "province_fingerprint": own, "file": str(args.out),
                    "revoked": info.replaces.site_id if info.replaces else None}, lines)
        return 0
    info = enrol.describe_response(conn, args.file)
    typed = args.fingerprint or _ask_fingerprint(
        [_("Trả lời của tỉnh «{n}», vân tay trong tệp: {f}").format(
            n=info.province.name, f=info.province.fingerprint)],
        _("Vân tay tỉnh đọc qua điện thoại: "))
    peer = enrol.install_response(conn, args.file, typed)
    emit(args, peer.as_dict(),
         [_("Đã cài chứng nhận; tỉnh «{n}», vân tay {f} khớp với vân tay tỉnh đọc")
          .format(n=peer.name, f=peer.fingerprint)])
    return 0


def _legacy_passphrase(conn: dbapi.Connection) -> str | None:
    """Keys made by an earlier version are still sealed under their own passphrase: asked
    this once (``ANTQ_PASSPHRASE`` or a prompt), then they open with the login alone."""
    from desktop.sync import keys

    return keys.ask_legacy_passphrase() if keys.needs_passphrase(conn) else None


def _unlock(conn: dbapi.Connection, action: str):  # -> keys.SiteKeys
    """The site's private keys for ``action``; a forbidden account is refused first (one
    line), before anything is unlocked or asked."""
    from desktop.storage import accounts
    from desktop.sync import keys

    accounts.require(conn, action)
    return keys.unlock(conn, legacy_passphrase=_legacy_passphrase(conn))


def _ask_fingerprint(context: list[str], prompt: str) -> str:
    """The fingerprint the other side reads out, typed at a terminal; with no terminal (a
    script) and no --fingerprint, nothing is enrolled."""
    if not sys.stdin.isatty():
        raise UserError(_("Cần --fingerprint (vân tay bên kia đọc qua điện thoại): không có "
                          "dấu nhắc để hỏi, không ghi gì"))
    for line in context:
        print(line, file=sys.stderr)
    try:
        return input(prompt)
    except EOFError:
        raise UserError(_("Chưa nhập vân tay: không ghi gì")) from None
