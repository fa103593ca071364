"""The list of citizen camera systems ("Danh sách hệ thống camera an ninh của người dân"):
landscape A4, one row a system, grouped by village in the order of the tree, each village's
totals under it. The coordinates are sensitive: only the internal copy prints them; the public
copy (niêm yết công khai) leaves the column out (profiles.WITHHELD)."""

from __future__ import annotations

import datetime as dt

from reportlab.platypus import Flowable, KeepTogether, LongTable, Spacer, TableStyle

from desktop.domain.kinds import KINDS
from desktop.i18n import _
from desktop.reports import fmt, fonts, page, profiles
from desktop.reports.fonts import BOLD, REGULAR, printable
from desktop.reports.letterhead import blank_number, police_of
from desktop.reports.profiles import Profile
from desktop.reports.roster import CELL_LEADING, CELL_SIZE, PAD, _wrap
from desktop.storage import accounts, dbapi, records
from desktop.storage.present import Presenter

CAMERA = KINDS["camera"]

# (key, heading, relative width, alignment)
COLUMNS = (
    ("n", _("STT"), 4, "CENTER"),
    ("owner_name", _("Chủ sở hữu"), 16, "LEFT"),
    ("unit_id", _("Thôn/bản"), 10, "LEFT"),
    ("address", _("Địa chỉ"), 14, "LEFT"),
    ("camera_count", _("Số mắt"), 5, "CENTER"),
    ("facing", _("Hướng quan sát"), 13, "LEFT"),
    ("retention_days", _("Lưu (ngày)"), 5, "CENTER"),
    ("connected", _("Kết nối CAX"), 6, "CENTER"),
    ("consent", _("Đồng ý trích xuất"), 7, "CENTER"),
    ("notice_sign", _("Biển thông báo"), 6, "CENTER"),
    ("installed_date", _("Lắp đặt"), 7, "CENTER"),
    ("status", _("Tình trạng"), 8, "LEFT"),
    ("coordinates", _("Tọa độ"), 10, "LEFT"),
)


def camera_rows(conn: dbapi.Connection, unit_id: str,
                profile: Profile = Profile.INTERNAL) -> list[dict[str, str]]:
    """The systems of a unit and the units under it, by village then owner, as printed."""
    rows = conn.execute(
        f"SELECT t.* FROM camera t JOIN unit u ON u.id = t.unit_id WHERE t._deleted = 0 AND "
        f"t.unit_id IN ({records.SUBTREE_SQL}) ORDER BY u.name_key, t.owner_name, t.id",
        {"u": unit_id}).fetchall()
    presenter = Presenter(conn)
    out = []
    for n, row in enumerate(rows, start=1):
        rec = records.to_record(CAMERA, row)
        shown = {k: str(v) for k, v in presenter.record(CAMERA, rec).items()}
        for flag in ("connected", "consent", "notice_sign"):
            shown[flag] = "x" if rec[flag] else ""
        shown["n"] = str(n)
        out.append(profiles.redact(profile, {c[0]: shown.get(c[0], "") for c in COLUMNS}))
    return out


def render_camera_list(conn: dbapi.Connection, unit_id: str, *,
                       profile: Profile = Profile.INTERNAL,
                       today: dt.date | None = None) -> bytes:
    accounts.require(conn, "print")
    fonts.register()  # the cells are measured before the document is built
    rows = camera_rows(conn, unit_id, profile)
    columns = [c for c in COLUMNS if profiles.keeps(profile, c[0])]
    head = police_of(conn, unit_id, date=today or dt.date.today())
    head = page.Letterhead(parent=head.parent, issuer=head.issuer,
                           number=blank_number("DS", head.issuer), place=head.place,
                           date=head.date)
    width = page.frame_width(True)
    total = sum(c[2] for c in columns)
    widths = [width * c[2] / total for c in columns]
    inner = [w - 2 * PAD for w in widths]
    cells = [[_wrap(printable(c[1]), BOLD, w) for c, w in zip(columns, inner, strict=True)]]
    cells += [[_wrap(printable(r.get(c[0], "")), REGULAR, w)
               for c, w in zip(columns, inner, strict=True)] for r in rows]
    style: list[tuple] = [
        ("FONT", (0, 0), (-1, -1), REGULAR, CELL_SIZE, CELL_LEADING),
        ("FONT", (0, 0), (-1, 0), BOLD, CELL_SIZE, CELL_LEADING),
        ("GRID", (0, 0), (-1, -1), 0.5, page.GRID),
        ("BACKGROUND", (0, 0), (-1, 0), page.HEADER_FILL),
        ("ALIGN", (0, 0), (-1, 0), "CENTER"), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), PAD), ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
    style += [("ALIGN", (i, 1), (i, -1), c[3]) for i, c in enumerate(columns) if c[3] != "LEFT"]
    table = LongTable(cells, colWidths=widths, repeatRows=1, splitByRow=1)
    table.setStyle(TableStyle(style))
    title = _("Danh sách hệ thống camera an ninh của người dân")
    story: list[Flowable] = [page.LetterheadFlowable(head, width)]
    story += page.title_block(title, profile.label if profile is Profile.PUBLIC else None)
    story.append(table)
    cameras = sum(int(r["camera_count"] or 0) for r in rows if r.get("camera_count"))
    st = page.styles()
    story.append(Spacer(1, 4))
    story.append(KeepTogether([
        page.para(_("Danh sách có {n} hệ thống, {c} mắt camera; {k} hệ thống kết nối, chia sẻ "
                    "với Công an xã.").format(
            n=fmt.number(len(rows)), c=fmt.number(cameras),
            k=fmt.number(sum(1 for r in rows if r.get("connected")))), st["body_left"]),
        page.signature_blocks(width, (_("Người lập danh sách"), None),
                              (_("Trưởng Công an xã"), None))]))
    return page.build(story, is_landscape=True, title=title)
