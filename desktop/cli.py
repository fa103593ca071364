"""The ``antq`` command: the window when run alone, headless commands otherwise.

Every command takes ``--db PATH`` and ``--json``. A user error prints one line naming the
field or value and exits with status 2; nothing is half-saved because each write is one
transaction.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING

from desktop import __version__
from desktop.domain.errors import UserError
from desktop.i18n import _, localize_argparse

# argparse, the commands' helpers and the database driver are imported where a command or
# an error needs them: a window's start reads its few options without them (the driver
# loads while the password is typed, desktop/ui/shell/preload.py; issue 12).
if TYPE_CHECKING:
    import argparse

# Columns of the plain-text tables of `antq list`, per kind (all fields in --json).
LIST_COLUMNS = {
    "person": ("full_name", "birth_date", "gender", "ethnicity", "citizen_id",
               "residence_unit_id"),
    "organization": ("name", "org_type", "unit_id", "founded_date", "status"),
    "membership": ("person_id", "organization_id", "role", "joined_date", "left_date"),
    "meeting": ("number", "title", "started_at", "organization_id"),
    "model": ("name", "model_type", "unit_id", "started_date", "status"),
    "replication": ("model_id", "unit_id", "replicated_date"),
    "deed": ("deed_date", "person_id", "organization_id", "commendation_form", "description"),
    "unit": ("name", "level", "code", "code_version"),
    "catalogue": ("catalogue", "code", "name"),
    "tip": ("source_code", "received_at", "channel", "category", "unit_id", "transferred_at"),
    "camera": ("owner_name", "unit_id", "address", "camera_count", "connected", "status"),
    "establishment": ("name", "establishment_type", "unit_id", "exemption"),
    "safety_evaluation": ("year", "subject_kind", "unit_id", "establishment_id", "result",
                          "movement_rating"),
    "crime_stat": ("period", "unit_id", "social_cases", "social_solved", "drug_cases",
                   "drug_offenders"),
}


def _common() -> argparse.ArgumentParser:
    import argparse

    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--db", type=Path, default=argparse.SUPPRESS,
                   help=_("tệp cơ sở dữ liệu (mặc định: thư mục dữ liệu của người dùng)"))
    p.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                   help=_("in kết quả dạng JSON"))
    p.add_argument("--user", default=argparse.SUPPRESS, metavar="TÊN",
                   help=_("tài khoản (mặc định: ANTQ_USER, hoặc «admin» do antq init tạo); mật "
                          "khẩu hỏi tại dấu nhắc hoặc lấy từ ANTQ_PASSWORD"))
    return p


def build_parser() -> argparse.ArgumentParser:
    import argparse

    localize_argparse()
    common = _common()
    parser = argparse.ArgumentParser(
        prog="antq", parents=[common],
        description=_("ANTQ Desk: hồ sơ phong trào Toàn dân bảo vệ an ninh Tổ quốc. "
                      "Chạy không có lệnh để mở cửa sổ chương trình."))
    parser.add_argument("--version", action="version", version=f"ANTQ Desk {__version__}",
                        help=_("in số phiên bản rồi thoát"))
    # Hidden: open the window (or the first-run wizard), quit after its first paint; the
    # installer test runs it in the frozen program.
    parser.add_argument("--self-test", action="store_true", help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def cmd(name: str, help_text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, parents=[common], help=help_text, description=help_text)

    p = cmd("init", _("khởi tạo cơ sở dữ liệu cho một xã/phường hoặc cho tỉnh"))
    p.add_argument("--site-name", required=True)
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--commune-code")
    group.add_argument("--province-code")

    p = cmd("demo", _("tạo cơ sở dữ liệu mẫu (một tỉnh, nhiều xã, thôn, tổ chức, người…)"))
    p.add_argument("--communes", type=int, default=None,
                   help=_("số xã (mặc định 6; với --scale province: cả 45 xã)"))
    p.add_argument("--people-per-village", type=int, default=45)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--replace", action="store_true",
                   help=_("xóa tệp đã có trước khi tạo"))
    p.add_argument("--article", action="store_true",
                   help=_("tỉnh mẫu có số liệu đúng như bài báo (antq report --article --unit 11 "
                          "--period 2020..2023-Q1)"))

    p.add_argument("--scale", choices=("province",),
                   help=_("province: tỉnh đã đăng ký với các xã, mỗi xã một cơ sở dữ liệu "
                          "riêng và USB chứa gói đầu tiên của từng xã (thư mục …-xa bên cạnh)"))

    cmd("open-demo", _("mở cửa sổ trên cơ sở dữ liệu mẫu (tạo nếu chưa có)"))

    p = cmd("add", _("thêm một bản ghi: antq add KIND field=value …"))
    p.add_argument("kind")
    p.add_argument("values", nargs="*", metavar="field=value")
    p = cmd("edit", _("sửa một bản ghi: antq edit KIND ID field=value …"))
    p.add_argument("kind")
    p.add_argument("id")
    p.add_argument("values", nargs="+", metavar="field=value")
    for name, help_text in (("delete", _("xóa một bản ghi (có thể khôi phục)")),
                            ("show", _("xem một bản ghi"))):
        p = cmd(name, help_text)
        p.add_argument("kind")
        p.add_argument("id")
    # Two uses: `restore KIND ID` (a deleted record), `restore FILE` (a database backup).
    p = cmd("restore", _("khôi phục một bản ghi đã xóa (KIND ID) hoặc cơ sở dữ liệu từ một "
                         "bản sao lưu (FILE)"))
    p.add_argument("kind", metavar="KIND|FILE")
    p.add_argument("id", nargs="?")
    p = cmd("list", _("liệt kê bản ghi của một loại"))
    p.add_argument("kind")
    p.add_argument("--filter", action="append", default=[], metavar="field=value")
    p.add_argument("--search", metavar="TEXT")
    p.add_argument("--deleted", action="store_true", help=_("chỉ các bản ghi đã xóa"))
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--offset", type=int, default=0)
    p = cmd("attach", _("đính kèm một tệp (bản chụp biên bản, ảnh) vào một bản ghi"))
    p.add_argument("kind")
    p.add_argument("id")
    p.add_argument("file", type=Path)
    p = cmd("export-attachment", _("ghi một tệp đính kèm ra ngoài (bản rõ, đúng từng byte) vào "
                                   "một thư mục hoặc tệp"))
    p.add_argument("id")
    p.add_argument("target", type=Path)
    p = cmd("search", _("tìm người, tổ chức, biên bản… không cần gõ dấu"))
    p.add_argument("text")
    p.add_argument("--limit", type=int, default=50)
    for module in _command_modules():
        module.register(cmd)
    return parser


# Command groups that live beside their code: each module has register(cmd) adding its
# subcommands, COMMANDS naming them, and run(args) -> exit status.
COMMAND_MODULES = ("desktop.sync.commands", "desktop.sync.province_commands",
                   "desktop.reports.commands",
                   "desktop.backup_commands", "desktop.audit_commands",
                   "desktop.account_commands", "desktop.village_commands",
                   "desktop.vault_commands", "desktop.tip_commands",
                   "desktop.person_commands", "desktop.duplicate_commands",
                   "desktop.period_commands", "desktop.reference_commands")


def _command_modules() -> list:
    import importlib

    return [importlib.import_module(name) for name in COMMAND_MODULES]


def run(args: argparse.Namespace) -> int:
    from desktop.cli_support import db_path, emit, open_db, parse_assignments, warn
    from desktop.storage import records, search, site
    from desktop.storage.present import Presenter
    from desktop.storage.writer import Store, kind_named

    command = args.command
    if command == "restore" and args.id is None:
        from desktop import backup_commands

        return backup_commands.restore_file(args)
    for module in _command_modules():
        if command in module.COMMANDS:
            return int(module.run(args))
    if command == "init":
        from desktop.storage import accounts

        conn = open_db(args, must_exist=False)
        if not accounts.list_accounts(conn):  # a new database: its chief's account first
            name = getattr(args, "user", None) or accounts.DEFAULT_ACCOUNT
            accounts.create_first(conn, name, accounts.new_password(login_env_too=True))
        s = site.init_site(conn, name=args.site_name, commune_code=args.commune_code,
                           province_code=args.province_code)
        from desktop.storage.references import part_name

        emit(args, {"site_id": s.site_id, "site_kind": s.site_kind, "unit_code": s.unit_code,
                     "site_name": s.name},
              [_("Đã khởi tạo {u} (mã {c}) cho «{n}»; mã điểm đồng bộ: {i}").format(
                  u=part_name(conn, s.unit_code), n=s.name, c=s.unit_code, i=s.site_id)])
        return 0
    if command == "demo":
        from desktop.storage import demo

        path = db_path(args) if getattr(args, "db", None) else _demo_path()
        if args.scale == "province":  # issue 15: the province office's stick
            from desktop.sync import demo_province

            made = demo_province.create(path, communes=args.communes or 45,
                                        people_per_village=args.people_per_village,
                                        seed=args.seed, replace=args.replace)
            emit(args, {"db": str(path), **made},
                 [_("Đã tạo tỉnh mẫu {p}, {n} xã trong {f}").format(
                     p=path, n=made["communes"], f=made["folder"]),
                  _("USB với gói của từng xã: {s} (antq import-bundle {s} --db {p})").format(
                      s=made["stick"], p=path)])
            return 0
        summary = demo.create_demo_database(path, communes=args.communes or 6,
                                            people_per_village=args.people_per_village,
                                            seed=args.seed, replace=args.replace,
                                            article=args.article)
        emit(args, {"db": str(path), **summary},
              [_("Đã tạo cơ sở dữ liệu mẫu {p}").format(p=path)]
              + [f"  {k}: {v}" for k, v in summary.items()])
        return 0

    if command in ("add", "show", "edit") and args.kind == "informant":
        from desktop import vault_commands  # the vault, not a record kind

        return vault_commands.informant(args)
    conn = open_db(args)
    store = Store(conn)
    if command == "add":
        values = parse_assignments(args.values)
        if args.kind == "catalogue" and not values.get("code") and values.get("name"):
            # The code made from the name, as the window's Danh mục editor does.
            from desktop.storage import catalogues

            values["code"] = catalogues.new_code(conn, str(values.get("catalogue") or ""),
                                                 str(values["name"]))
        result = store.add(kind_named(args.kind).name, values)
        warn(args, result.warnings)
        emit(args, {"id": result.id, "warnings": result.warnings}, [result.id])
    elif command == "edit":
        if args.kind == "unit" and args.id.isdigit():  # a commune by its code: remote=có
            from desktop.storage import printouts

            args.id = str(printouts.find_unit(conn, args.id)["id"])
        values = parse_assignments(args.values)
        if args.kind == "person" and "moved_date" in values:  # moved to another commune
            from desktop.storage import moves

            moved = moves.record_from_edit(store, args.id, values)
            assert moved is not None
            emit(args, moved.as_dict(), [moves.summary(conn, moved)])
            return 0
        result = store.edit(args.kind, args.id, values)
        warn(args, result.warnings)
        emit(args, {"id": result.id, "warnings": result.warnings},
              [_("Đã lưu {id}").format(id=result.id)])
    elif command in ("delete", "restore"):
        getattr(store, command)(args.kind, args.id)
        done = _("Đã xóa {id}") if command == "delete" else _("Đã khôi phục {id}")
        emit(args, {"id": args.id, command: True}, [done.format(id=args.id)])
    elif command == "show":
        kind = kind_named(args.kind)
        rec = records.get(conn, kind, args.id)
        merged: list[str] = []
        if kind.name == "person" and rec.get("merged_into"):  # an alias: the survivor
            from desktop.storage.aliases import shown_instead

            rec, merged = shown_instead(conn, rec)
        shown = Presenter(conn).record(kind, rec)
        # The officer's words, and the field's name to type in «antq edit».
        lines = merged + [_("Mã: {i}").format(i=rec["id"])] + [
            f"{f.label} ({f.name}): {shown[f.name]}" for f in kind.fields if shown[f.name]]
        if rec["deleted"]:
            lines.append(_("(đã xóa)"))
        if kind.name == "person":  # the moves recorded here (issue 15)
            from desktop.storage import moves

            lines += moves.history_lines(conn, str(rec["id"]))
        emit(args, rec, lines)
    elif command == "list":
        kind = kind_named(args.kind)
        q = records.Query(filters=parse_assignments(args.filter), search=args.search,
                          only_deleted=args.deleted)
        rows = records.page(conn, kind, q, offset=args.offset, limit=args.limit or -1)
        presenter = Presenter(conn)
        cols = LIST_COLUMNS.get(kind.name, tuple(f.name for f in kind.fields[:5]))
        lines = ["\t".join((_("Mã"), *(kind.by_name[c].label if c in kind.by_name else c
                                        for c in cols)))]
        for rec in rows:
            shown = presenter.record(kind, rec)
            lines.append("\t".join((str(rec["id"]), *(shown[c] for c in cols))))
        emit(args, rows, lines)
    elif command == "attach":
        from desktop.storage import attachments

        result = attachments.attach(store, args.kind, args.id, args.file)
        emit(args, {"id": result.id}, [result.id])
    elif command == "export-attachment":
        from desktop.storage import attachments

        rec = records.get(conn, kind_named("attachment"), args.id)
        out = attachments.export_attachment(conn, rec, args.target, actor=store.actor)
        emit(args, {"id": args.id, "file": str(out)}, [_("Đã ghi {p}").format(p=out)])
    elif command == "search":
        hits = search.search(conn, args.text, limit=args.limit)
        emit(args, [h.as_dict() for h in hits],
              [f"{h.kind}\t{h.id}\t{h.title}" for h in hits] or [_("Không tìm thấy.")])
    return 0


def _demo_path() -> Path:
    from desktop.storage.paths import demo_database_path

    return demo_database_path()


def open_window(db: Path | None, *, demo: bool = False, self_test: bool = False) -> int:
    from desktop import gc_hold

    gc_hold.hold()  # before PySide's import: released at the window's first rows
    from desktop.ui.shell.app import run_app

    if demo:
        from desktop.storage import demo as demo_data

        db = _demo_path()
        if not db.exists():
            print(_("Đang tạo cơ sở dữ liệu mẫu {p}…").format(p=db))
            demo_data.create_demo_database(db)
    return run_app(db, self_test=self_test)


def window_args(argv: Sequence[str] | None = None) -> SimpleNamespace | None:
    """The arguments of a window start (``antq``, ``antq --db PATH``, ``--self-test``), read
    by hand, without argparse or any parser (the commands' parsers were a third of the
    window's own start-up work before its frame; argparse's own, with its lookups of its
    catalog, a few ms more; issue 12). The options are ``_common()``'s and ``--self-test``,
    as the full parser reads them; None for anything else (a command, a stray word, help,
    an option it cannot read plainly), which the full parser reads — and explains, help and
    errors included. tests/test_cli_window_start.py holds both to the same result."""
    words = list(sys.argv[1:] if argv is None else argv)
    found: dict[str, object] = {"self_test": False, "command": None}
    i = 0
    while i < len(words):
        name, eq, value = words[i].partition("=")
        if name in ("--db", "--user"):
            if not eq:
                i += 1
                if i == len(words) or words[i].startswith("-"):
                    return None  # no value, or one argparse may read as an option
                value = words[i]
            found[name[2:]] = Path(value) if name == "--db" else value
        elif words[i] in ("--json", "--self-test"):
            found[words[i][2:].replace("-", "_")] = True
        else:
            return None
        i += 1
    return SimpleNamespace(**found)


def main(argv: Sequence[str] | None = None) -> int:
    # Police data about citizens: whatever this process creates (the database and its -wal,
    # backups, key file, quarantine, attachments, settings) is readable by this user only —
    # folders 0700, files 0600. On Windows the per-user data folder is private by its ACL.
    os.umask(0o077)
    args = window_args(argv) or build_parser().parse_args(argv)
    try:
        if args.command is None:
            return open_window(getattr(args, "db", None), self_test=args.self_test)
        if args.command == "open-demo":
            return open_window(None, demo=True)
        return run(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `antq list … | head`: the reader has all it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as e:
        return _failed(args, e)


def _failed(args, e: Exception) -> int:
    """One line for the officer: a user error, the database's; anything else is a bug, its
    details in the log."""
    from desktop.cli_support import EXIT_USER_ERROR
    from desktop.storage import dbapi

    if isinstance(e, UserError):
        print(_("Lỗi: {e}").format(e=e), file=sys.stderr)
        return EXIT_USER_ERROR
    if isinstance(e, dbapi.OperationalError):
        if "locked" in str(e):
            print(_("Lỗi: cơ sở dữ liệu đang bận (một chương trình khác đang ghi); "
                    "hãy thử lại"), file=sys.stderr)
        else:
            print(_("Lỗi cơ sở dữ liệu: {e}").format(e=e), file=sys.stderr)
        return EXIT_USER_ERROR
    if isinstance(e, dbapi.DatabaseError):
        print(_("Lỗi: tệp không đọc được như cơ sở dữ liệu ({e})").format(e=e), file=sys.stderr)
        return EXIT_USER_ERROR
    # a bug: one line for the officer, the details in the log (sys.exc_info: the
    # exception being handled, this is called from its except clause)
    from desktop import errorlog

    incident = errorlog.record(*sys.exc_info(), where=f"antq {args.command or ''}")
    print(_("Lỗi không mong đợi: {e} (#{c}; chi tiết kỹ thuật trong {p}, hoặc đặt "
            "ANTQ_DEBUG=1 để xem tại đây)").format(e=e, c=incident.code,
                                                  p=incident.log_file), file=sys.stderr)
    if os.environ.get("ANTQ_DEBUG"):
        import traceback  # here: a window's start does not pay for it (issue 12)

        traceback.print_exc()
    return 1


if __name__ == "__main__":
    sys.exit(main())
