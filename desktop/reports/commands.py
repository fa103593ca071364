"""The `antq` subcommands for printing and spreadsheets: print roster|minutes|report, report,
import-roster, roster-template, export."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from desktop.i18n import _, ngettext

COMMANDS: set[str] = {"print", "report", "import-roster", "roster-template", "export"}


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", type=Path, default=argparse.SUPPRESS,
                   help=_("tệp cơ sở dữ liệu (mặc định: thư mục dữ liệu của người dùng)"))
    p.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                   help=_("in kết quả dạng JSON"))


def _period_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--unit", required=True, metavar="ID|CODE",
                   help=_("tỉnh hoặc xã (id hoặc mã: 11, 03160)"))
    p.add_argument("--period", metavar="2026|2026-Q3|2026-06|2026-H1")
    p.add_argument("--from", dest="date_from", metavar="dd/mm/yyyy")
    p.add_argument("--to", dest="date_to", metavar="dd/mm/yyyy")


def _article_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--article", action="store_true",
                   help=_("các số liệu bài «Hiệu quả phong trào Toàn dân bảo vệ ANTQ» nêu "
                          "(mô hình, camera, An toàn, nguồn tin, tội phạm, ma túy)"))


def _roster_scope_args(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--org", metavar="ID", help=_("thành viên một tổ chức"))
    g.add_argument("--commune", metavar="CODE|ID",
                   help=_("thành viên mọi Tổ bảo vệ ANTT của một xã"))
    g.add_argument("--unit", metavar="ID|CODE", help=_("người cư trú tại một xã/thôn"))
    p.add_argument("--org-type", default="to_bao_ve_antt",
                   help=_("loại tổ chức khi dùng --commune"))
    p.add_argument("--search", metavar="TEXT", help=_("lọc theo tên, số định danh…"))
    _profile_args(p)


def _profile_args(p: argparse.ArgumentParser) -> None:
    """--profile noi-bo|cong-khai (with or without accents), and --public for cong-khai."""
    g = p.add_mutually_exclusive_group()
    g.add_argument("--profile", metavar="noi-bo|cong-khai",
                   help=_("nội bộ (đầy đủ, mặc định) hoặc niêm yết công khai (không có số "
                          "định danh, dân tộc, tôn giáo; điện thoại che bớt; chỉ năm sinh)"))
    g.add_argument("--public", action="store_true",
                   help=_("như --profile cong-khai"))


def _profile(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """The profile asked for; a misspelt one is a UserError (one line, exit 2)."""
    from desktop.reports.profiles import Profile, parse

    if getattr(args, "public", False):
        return Profile.PUBLIC
    value = getattr(args, "profile", None)
    return parse(value) if value else Profile.INTERNAL


def register(cmd: Callable[[str, str], argparse.ArgumentParser]) -> None:
    """Add this group's subcommands; ``cmd(name, help)`` returns a parser with --db/--json."""
    p = cmd("print", _("in ra PDF theo thể thức Nghị định 30/2020: danh sách, biên bản, báo cáo"))
    sub = p.add_subparsers(dest="what", metavar="roster|minutes|report", required=True)
    r = sub.add_parser("roster", help=_("danh sách thành viên (khổ ngang)"))
    _common(r)
    _roster_scope_args(r)
    r.add_argument("--number", help=_("số văn bản sau «Số:» (không có: in «Số:      /DS-…» "
                                      "để điền tay)"))
    r.add_argument("--out", type=Path, required=True, metavar="FILE.pdf")
    m = sub.add_parser("minutes", help=_("biên bản họp (Mẫu 1.9)"))
    _common(m)
    m.add_argument("id", help=_("id của biên bản họp"))
    m.add_argument("--date-line", action="store_true", help=_("thêm dòng địa danh, ngày tháng"))
    m.add_argument("--out", type=Path, required=True, metavar="FILE.pdf")
    rp = sub.add_parser("report", help=_("báo cáo kết quả phong trào, so sánh cùng kỳ"))
    _common(rp)
    _period_args(rp)
    _article_arg(rp)
    rp.add_argument("--out", type=Path, required=True, metavar="FILE.pdf")
    tp = sub.add_parser("tips", help=_("danh sách nguồn tin, tố giác tội phạm (chỉ mã nguồn "
                                       "tin, không có danh tính)"))
    _common(tp)
    tp.add_argument("--unit", required=True, metavar="ID|CODE",
                    help=_("tỉnh hoặc xã (id hoặc mã: 11, 03160)"))
    tp.add_argument("--period", metavar="2026|2026-Q3|2026-06|2026-H1")
    tp.add_argument("--out", type=Path, required=True, metavar="FILE.pdf")
    cp = sub.add_parser("cameras", help=_("danh sách hệ thống camera an ninh của người dân "
                                          "(bản công khai không in tọa độ)"))
    _common(cp)
    cp.add_argument("--unit", required=True, metavar="ID|CODE",
                    help=_("tỉnh, xã hoặc thôn/bản (id hoặc mã)"))
    _profile_args(cp)
    cp.add_argument("--out", type=Path, required=True, metavar="FILE.pdf")

    p = cmd("report", _("số liệu báo cáo phong trào của một đơn vị trong một kỳ (--json)"))
    _period_args(p)
    _article_arg(p)

    p = cmd("import-roster", _("nhập danh sách thành viên từ tệp .xlsx hoặc .csv"))
    p.add_argument("file", type=Path)
    p.add_argument("--org", required=True, metavar="ID")
    p.add_argument("--dry-run", action="store_true", help=_("chỉ kiểm tra, không ghi gì"))
    p.add_argument("--valid-only", action="store_true",
                   help=_("nhập các dòng hợp lệ, bỏ qua các dòng lỗi"))
    p.add_argument("--map", action="append", default=[], metavar="CỘT=field",
                   help=_("sửa ánh xạ cột: tiêu đề hoặc chữ cột = tên trường (rỗng: bỏ qua)"))
    p.add_argument("--joined", metavar="dd/mm/yyyy",
                   help=_("ngày tham gia của các dòng không ghi ngày (mặc định: hôm nay)"))

    p = cmd("roster-template", _("ghi mẫu Excel trống để điền danh sách rồi nhập lại"))
    p.add_argument("--out", type=Path, required=True, metavar="FILE.xlsx")
    p.add_argument("--org", metavar="ID", help=_("tổ chức: tên và chức danh của nó trong mẫu"))

    p = cmd("export", _("xuất một loại bản ghi hoặc một danh sách ra .xlsx hoặc .csv"))
    p.add_argument("kind", help=_("person, organization, … hoặc roster"))
    p.add_argument("--out", type=Path, required=True, metavar="FILE.xlsx|FILE.csv")
    p.add_argument("--filter", action="append", default=[], metavar="field=value")
    p.add_argument("--org", metavar="ID", help=_("với roster: một tổ chức"))
    p.add_argument("--commune", metavar="CODE|ID", help=_("với roster: các Tổ của một xã"))
    _profile_args(p)


def _period(args: argparse.Namespace):
    from desktop.reports import periods

    return periods.parse(args.period, start=args.date_from, end=args.date_to)


def _scope(conn, args: argparse.Namespace):
    from desktop.domain.errors import UserError
    from desktop.reports.roster import CommuneOrgs
    from desktop.storage import printouts, rosters

    if getattr(args, "org", None):
        printouts.organization(conn, args.org)
        return rosters.Scope("organization", args.org)
    if getattr(args, "commune", None):
        unit = printouts.find_unit(conn, args.commune)
        if unit["level"] != "commune":
            raise UserError(_("--commune: «{v}» không phải xã/phường/đặc khu").format(
                v=args.commune))
        return CommuneOrgs(str(unit["id"]), getattr(args, "org_type", "to_bao_ve_antt"))
    if getattr(args, "unit", None):
        return rosters.Scope("unit", str(printouts.find_unit(conn, args.unit)["id"]))
    raise UserError(_("Cần --org, --commune hoặc --unit"))


def _write(path: Path, data: bytes) -> None:
    from desktop.domain.errors import UserError

    try:
        path.write_bytes(data)
    except OSError as e:
        raise UserError(_("Không ghi được {p}: {e}").format(p=path, e=e.strerror)) from None


def _exported(conn, fmt: str, path: Path, **detail: object) -> None:  # type: ignore[no-untyped-def]
    """A plain file left this program: the audit log says which, by whom (issue 11)."""
    from desktop.storage import audit

    audit.record_event(conn, None, "export", {"format": fmt, "file": str(path), **detail})


def run(args: argparse.Namespace) -> int:
    from desktop.cli_support import emit, open_db, parse_assignments, warn  # noqa: F401
    from desktop.storage import printouts

    conn = open_db(args)
    if args.command == "print":
        if args.what == "roster":
            from desktop.reports.roster import render_roster, roster_data

            scope = _scope(conn, args)
            data = roster_data(conn, scope, profile=_profile(args), search=args.search)
            warn(args, data.warnings())
            pdf = render_roster(conn, scope, profile=_profile(args), search=args.search,
                                number=args.number, data=data)
        elif args.what == "minutes":
            from desktop.reports.minutes import render_minutes

            pdf = render_minutes(conn, args.id, with_date_line=args.date_line)
        elif args.what == "tips":
            from desktop.reports import periods
            from desktop.reports.tips import render_tip_list

            unit = printouts.find_unit(conn, args.unit)
            pdf = render_tip_list(conn, str(unit["id"]),
                                  periods.parse(args.period) if args.period else None)
        elif args.what == "cameras":
            from desktop.reports.cameras import render_camera_list

            unit = printouts.find_unit(conn, args.unit)
            pdf = render_camera_list(conn, str(unit["id"]), profile=_profile(args))
        elif args.article:
            from desktop.reports.article import render_article

            unit = printouts.find_unit(conn, args.unit)
            pdf = render_article(conn, str(unit["id"]), _period(args))
        else:
            from desktop.reports.movement import render_report

            unit = printouts.find_unit(conn, args.unit)
            pdf = render_report(conn, str(unit["id"]), _period(args))
        _write(args.out, pdf)
        _exported(conn, "pdf", args.out, what=args.what,
                  **({"profile": _profile(args).value} if args.what in ("roster", "cameras")
                     else {}))
        result: dict[str, object] = {"out": str(args.out), "bytes": len(pdf)}
        if args.what == "roster":
            result["warnings"] = data.warnings()
        emit(args, result, [_("Đã ghi {p}").format(p=args.out)])
        return 0
    if args.command == "report" and args.article:
        from desktop.reports.article import article_data

        unit = printouts.find_unit(conn, args.unit)
        data = article_data(conn, str(unit["id"]), _period(args))
        emit(args, data, list(data["sentences"]))  # type: ignore[call-overload]
        return 0
    if args.command == "report":
        from desktop.reports import fmt
        from desktop.reports.movement import report_data

        unit = printouts.find_unit(conn, args.unit)
        data = report_data(conn, str(unit["id"]), _period(args))
        lines = [_("{u} — {p} (cùng kỳ: {q})").format(
            u=data["unit"]["name"], p=data["period"]["label"],  # type: ignore[index]
            q=data["previous"]["label"])]  # type: ignore[index]
        for s in data["summary"]:  # type: ignore[attr-defined]
            lines.append(f"{s['label']}: {fmt.number(s['current'])}; {_('cùng kỳ')} "
                         f"{fmt.number(s['previous'])}; {s['text']}")
        from desktop.reports.results_annexes import home_lines  # Biểu 3-5, in a line each

        lines += home_lines(data)[0].rstrip(".").split("; ")
        if "not_sent" in data:  # the province's report: the communes it has nothing from
            from desktop.sync.overview import not_sent_text

            lines.append(not_sent_text(data["not_sent"]))  # type: ignore[arg-type]
        emit(args, data, lines)
        return 0
    if args.command == "import-roster":
        from desktop.reports.roster_import import import_roster, preview_roster
        from desktop.storage.writer import Store

        mapping = parse_assignments(args.map) if args.map else None
        joined = None
        if args.joined:
            from desktop.domain.dates import parse_date

            joined = parse_date(args.joined).earliest()
        preview = preview_roster(conn, args.file, args.org, mapping=mapping, joined_date=joined)
        messages = preview.messages()
        counts = preview.counts()
        summary = _("{rows} dòng: {new} người mới, {link} người đã có được thêm vào tổ, "
                    "{skip} đã là thành viên, {error} dòng lỗi").format(**counts)
        if args.dry_run:
            left_out = [_("Dòng {n}: bỏ qua ({why})").format(n=n, why=why)
                        for n, why in preview.skipped]
            emit(args, preview.as_dict(), [*left_out, *messages, summary,
                                           _("(chạy thử: chưa ghi gì)")])
            return 0 if not preview.errors else 2
        warn(args, [m for m in messages if "(lưu ý)" in m])
        if preview.errors and not args.valid_only:
            import sys

            if not getattr(args, "json", False):
                for m in messages:
                    if "(lưu ý)" not in m:
                        print(m, file=sys.stderr)
        result = import_roster(Store(conn), preview, valid_only=args.valid_only)
        emit(args, {**preview.as_dict(), "result": result.as_dict()},
             [summary, _("Đã nhập: {a} người mới, {m} thành viên; bỏ qua {s} dòng đã có, "
                         "{r} dòng lỗi").format(a=result.people_added,
                                                m=result.memberships_added,
                                                s=result.skipped, r=result.refused)])
        return 0
    if args.command == "roster-template":
        from desktop.reports.roster_import import write_template

        out = write_template(conn, args.out, args.org)
        emit(args, {"out": str(out)}, [_("Đã ghi mẫu {p}").format(p=out)])
        return 0
    if args.command == "export":
        from desktop.reports.export import export_kind, export_roster

        if args.kind == "roster":
            n = export_roster(conn, _scope(conn, args), args.out, profile=_profile(args))
        else:
            n = export_kind(conn, args.kind, args.out, parse_assignments(args.filter),
                            profile=_profile(args))
        _exported(conn, args.out.suffix.lower().lstrip("."), args.out, what=args.kind, rows=n,
                  profile=_profile(args).value)
        emit(args, {"out": str(args.out), "rows": n},
             [ngettext("Đã xuất {n} dòng ra {p}", "Đã xuất {n} dòng ra {p}", n).format(
                 n=n, p=args.out)])
        return 0
    raise NotImplementedError(args.command)
