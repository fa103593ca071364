"""The list of tips received ("Danh sách nguồn tin, tố giác tội phạm tiếp nhận"): landscape A4,
one row a tip with its source code — never the informant, who is only in the vault — the
transfer to the investigating agency and its deadline, the outcome; marked «MẬT» when a
classified tip is in it. Also the rows, for the window's list and tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from reportlab.platypus import Flowable, KeepTogether, LongTable, Spacer, TableStyle

from desktop.domain import tips as rules
from desktop.domain.kinds import KINDS
from desktop.i18n import _
from desktop.reports import page, profiles
from desktop.reports.fonts import BOLD, REGULAR, printable
from desktop.reports.letterhead import blank_number, police_of
from desktop.reports.periods import Period
from desktop.storage import accounts, dbapi, records, tips
from desktop.storage.present import Presenter

TIP = KINDS["tip"]

# (key, heading, relative width, alignment)
COLUMNS = (
    ("n", _("STT"), 4, "CENTER"),
    ("source_code", _("Mã nguồn tin"), 11, "LEFT"),
    ("received_at", _("Tiếp nhận lúc"), 10, "CENTER"),
    ("channel", _("Hình thức"), 10, "LEFT"),
    ("category", _("Loại"), 10, "LEFT"),
    ("unit_id", _("Địa bàn"), 10, "LEFT"),
    ("summary", _("Nội dung tóm tắt"), 26, "LEFT"),
    ("transfer", _("Chuyển Cơ quan điều tra"), 14, "LEFT"),
    ("valuable", _("Có giá trị"), 6, "CENTER"),
    ("outcome", _("Kết quả"), 13, "LEFT"),
)


@dataclass
class TipList:
    unit_id: str
    title: str
    subtitle: str
    rows: list[dict[str, str]] = field(default_factory=list)
    classified: bool = False


def _in_period(period: Period | None) -> tuple[str, dict[str, object]]:
    if period is None:
        return "", {}
    return (" AND t.received_at >= :start AND t.received_at < :end",
            {"start": period.start.isoformat(),
             "end": (period.end + dt.timedelta(days=1)).isoformat()})


def tip_list(conn: dbapi.Connection, unit_id: str, period: Period | None = None, *,
             now: dt.datetime | None = None) -> TipList:
    """The tips of a unit (and the units under it), oldest first, as printed."""
    where, args = _in_period(period)
    rows = conn.execute(f"SELECT t.* FROM tip t WHERE t._deleted = 0 AND t.unit_id IN "
                        f"({records.SUBTREE_SQL}){where} ORDER BY t.received_at, t.id",
                        {"u": unit_id, **args}).fetchall()
    presenter = Presenter(conn)
    late = tips.overdue_ids(conn, now=now)
    out = TipList(unit_id, _("Danh sách nguồn tin, tố giác tội phạm tiếp nhận"),
                  period.label if period is not None else "")
    for n, row in enumerate(rows, start=1):
        rec = records.to_record(TIP, row)
        shown = presenter.record(TIP, rec)
        remote = tips.is_remote(conn, str(rec["unit_id"]))
        if rec["transferred_at"]:
            transfer = f"{shown['transferred_at']} {shown['transferred_to']}".strip()
            if rules.transferred_late(rec, remote):
                transfer += " " + _("(quá hạn)")
        elif rec["id"] in late:
            transfer = _("Chưa chuyển — quá hạn")
        else:
            transfer = _("Chưa chuyển")
        outcome = []
        if rec["case_solved"]:
            outcome.append(_("Đã khám phá"))
            if rec["case_reference"]:
                outcome.append(str(shown["case_reference"]))
            if rec["arrested"]:
                outcome.append(_("bắt {n} đối tượng").format(n=rec["arrested"]))
        if rec["weapons"]:
            outcome.append(_("{n} vũ khí, VLN").format(n=rec["weapons"]))
        out.rows.append({
            "n": str(n), "source_code": shown["source_code"],
            "received_at": shown["received_at"], "channel": shown["channel"],
            "category": shown["category"], "unit_id": shown["unit_id"],
            "summary": shown["summary"], "transfer": transfer,
            "valuable": "x" if rec["valuable"] else "", "outcome": "; ".join(outcome)})
        out.classified = out.classified or rec["classification"] == profiles.CLASSIFIED
    return out


def _table(data: TipList, width: float) -> LongTable:
    total = sum(c[2] for c in COLUMNS)
    widths = [width * c[2] / total for c in COLUMNS]
    inner = [w - 2 * page.CELL_PAD for w in widths]
    rows = [[page.wrap_cell(printable(c[1]), BOLD, w)
             for c, w in zip(COLUMNS, inner, strict=True)]]
    for row in data.rows:
        rows.append([page.wrap_cell(printable(row[c[0]]), REGULAR, w)
                     for c, w in zip(COLUMNS, inner, strict=True)])
    table = LongTable(rows, colWidths=widths, repeatRows=1, splitByRow=1)
    table.setStyle(TableStyle(page.table_style([c[3] for c in COLUMNS])))
    return table


def render_tip_list(conn: dbapi.Connection, unit_id: str, period: Period | None = None, *,
                    today: dt.date | None = None, now: dt.datetime | None = None) -> bytes:
    """The list as a PDF (reads only ``conn``: safe off the UI thread with its own)."""
    accounts.require(conn, "print")
    data = tip_list(conn, unit_id, period, now=now)
    today = today or dt.date.today()
    head = police_of(conn, unit_id, date=today)
    head = page.Letterhead(parent=head.parent, issuer=head.issuer,
                           number=blank_number("DS", head.issuer), place=head.place,
                           date=head.date)
    width = page.frame_width(True)
    story: list[Flowable] = [page.LetterheadFlowable(head, width)]
    story += page.title_block(data.title, data.subtitle or None)
    story.append(_table(data, width))
    st = page.styles()
    story.append(Spacer(1, 4))
    story.append(KeepTogether([
        page.para(_("Danh sách có {n} nguồn tin.").format(n=len(data.rows)), st["body_left"]),
        page.signature_blocks(width, (_("Người lập danh sách"), None),
                              (_("Trưởng Công an xã"), None))]))
    return page.build(story, is_landscape=True, title=f"{data.title} {data.subtitle}",
                      mark=profiles.mark() if data.classified else None)
