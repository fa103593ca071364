"""The movement report of a unit for a period, compared with "cùng kỳ" (DOMAIN.md §6):
:func:`report_data` gives the figures as plain dicts (``antq report --json``), and
:func:`render_report` prints them: a summary with a bar chart, then the annexes Biểu 1, 2 and
6 (organizations, models, tips, crime, An toàn, good deeds), each "kèm theo" the report by
its number and date."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    LongTable,
    NextPageTemplate,
    PageBreak,
    Spacer,
    TableStyle,
)

from desktop.i18n import _
from desktop.reports import fmt, page, profiles
from desktop.reports.fonts import BOLD, REGULAR, printable
from desktop.reports.letterhead import blank_number, in_sentence, issuer_abbreviation, police_of
from desktop.reports.periods import Period
from desktop.storage import accounts, dbapi, printouts, statistics

B1_KEYS = ("organizations", "members", "women", "minority", "founded", "joined", "left")
B2_KEYS = ("models", "points", "running_orgs", "built", "replicated", "effective",
           "not_effective")

SUMMARY = (  # key, label, short label for the chart (whole words, a line break allowed)
    ("organizations", _("Tổ chức quần chúng bảo vệ ANTT"), _("Tổ chức")),
    ("members", _("Thành viên"), _("Thành viên")),
    ("joined", _("Thành viên mới tham gia trong kỳ"), _("Thành viên\nmới")),
    ("left", _("Thành viên thôi tham gia trong kỳ"), _("Thành viên\nthôi tham gia")),
    ("models", _("Mô hình đang duy trì"), _("Mô hình")),
    ("built", _("Mô hình xây dựng mới trong kỳ"), _("Mô hình\nmới")),
    ("replicated", _("Lượt nhân rộng mô hình trong kỳ"), _("Nhân rộng\nmô hình")),
    ("deeds", _("Người tốt, việc tốt"), _("Người tốt,\nviệc tốt")),
    ("commended", _("Được khen thưởng"), _("Khen\nthưởng")),
)


def _totals(rows: list[dict[str, object]], keys: tuple[str, ...]) -> dict[str, int]:
    return {k: sum(int(r[k] or 0) for r in rows) for k in keys}  # type: ignore[call-overload]


def _named_classified(conn: dbapi.Connection, deeds: list[dict[str, object]]) -> bool:
    """Whether a person or organization Biểu 6 names is classified Mật (the counts of the
    other tables name no record)."""
    import json

    if not deeds:
        return False
    row = conn.execute(
        "SELECT 1 FROM deed d LEFT JOIN person p ON p.id = d.person_id "
        "LEFT JOIN organization o ON o.id = d.organization_id "
        "WHERE d.id IN (SELECT value FROM json_each(?)) "
        "AND (p.classification = ? OR o.classification = ?) LIMIT 1",
        (json.dumps([str(d["id"]) for d in deeds]), profiles.CLASSIFIED,
         profiles.CLASSIFIED)).fetchone()
    return row is not None


def _figures(conn: dbapi.Connection, area: str, period: Period) -> dict[str, object]:
    b1 = statistics.organizations(conn, area, period.start, period.end)
    b2 = statistics.models(conn, area, period.start, period.end)
    b6 = statistics.deeds(conn, area, period.start, period.end)
    return {"b1": b1, "b2": b2, "b6": b6, "t1": _totals(b1, B1_KEYS), "t2": _totals(b2, B2_KEYS),
            "deeds": len(b6), "commended": sum(1 for d in b6 if d["form"])}


def report_data(conn: dbapi.Connection, unit_id: str, period: Period) -> dict[str, object]:
    """The report's figures for ``unit_id`` (a province or commune, and everything under it)
    in ``period`` and in the same window a year earlier."""
    unit = printouts.unit(conn, unit_id)
    previous = period.previous_year()
    now, then = _figures(conn, unit_id, period), _figures(conn, unit_id, previous)

    def merged(cur: list[dict], old: list[dict], key: str, keys: tuple[str, ...]) -> list[dict]:
        old_by = {r[key]: r for r in old}
        out = []
        for r in cur:
            before = old_by[r[key]]
            if any(r[k] for k in keys) or any(before[k] for k in keys):
                out.append({**r, "previous": {k: before[k] for k in keys},
                            "change": {k: fmt.change(int(r[k]), int(before[k])) for k in keys}})
        return out

    t1, t2 = now["t1"], now["t2"]  # type: ignore[var-annotated]
    p1, p2 = then["t1"], then["t2"]  # type: ignore[var-annotated]
    current_values = {**t1, **t2, "deeds": now["deeds"], "commended": now["commended"]}
    previous_values = {**p1, **p2, "deeds": then["deeds"], "commended": then["commended"]}
    summary = []
    for key, label, short in SUMMARY:
        cur, old = int(current_values[key]), int(previous_values[key])
        summary.append({"key": key, "label": label, "short": short, "current": cur,
                        "previous": old, **fmt.change(cur, old)})
    deeds = [{
        "name": d["person"] or d["organization"] or "",
        "collective": d["person"] is None and d["organization"] is not None,
        "description": d["description"], "date": d["deed_date"], "form": d["form"] or "",
        "level": d["level"] or "",
        "decision": ", ".join(x for x in (d["decision_number"] or "", _iso_to_vn(
            d["decision_date"])) if x),
    } for d in now["b6"]]  # type: ignore[attr-defined]
    from desktop.reports import results_annexes  # Biểu 3-5: tips, crime, An toàn
    from desktop.sync import overview  # the province's communes that sent nothing for it

    not_sent = overview.not_sent(conn, unit_id, period.start)
    return {
        **results_annexes.report_data(conn, unit_id, period),
        **({} if not_sent is None else {"not_sent": not_sent}),
        "unit": {"id": unit["id"], "name": unit["name"], "level": unit["level"],
                 "code": unit["code"]},
        "period": period.as_dict(), "previous": previous.as_dict(),
        "summary": summary,
        "classified": _named_classified(conn, now["b6"]),  # type: ignore[arg-type]
        "bieu1": {"rows": merged(now["b1"], then["b1"], "org_type", B1_KEYS),  # type: ignore
                  "total": t1, "previous": p1},
        "bieu2": {"rows": merged(now["b2"], then["b2"], "model_type", B2_KEYS),  # type: ignore
                  "total": t2, "previous": p2},
        "bieu6": {"rows": deeds, "count": now["deeds"], "commended": now["commended"],
                  "individual": sum(1 for d in deeds if not d["collective"]),
                  "collective": sum(1 for d in deeds if d["collective"]),
                  "previous": {"count": then["deeds"], "commended": then["commended"]}},
    }


def _iso_to_vn(value: object) -> str:
    if not value:
        return ""
    from desktop.domain.dates import PartialDate

    return PartialDate.from_iso(str(value)).display()


# ---------------------------------------------------------------------------------------------
# PDF


def _table(rows: list[list[object]], widths: list[float], *, header_rows: int = 1,
           total_row: bool = False, align_from: int = 2) -> LongTable:
    st = page.styles()
    cells = []
    for r, row in enumerate(rows):
        if r < header_rows:
            cells.append([page.para(v, st["cell_head"]) for v in row])
            continue
        style = st["cell_bold"] if total_row and r == len(rows) - 1 else st["cell"]
        cells.append([page.para(v, style) if isinstance(v, str) and len(v) > 10
                      else printable(v) for v in row])
    t = LongTable(cells, colWidths=widths, repeatRows=header_rows)
    commands = [
        ("FONT", (0, 0), (-1, -1), REGULAR, 11.5, 13.5),
        ("FONT", (0, 0), (-1, header_rows - 1), BOLD, 11.5, 13.5),
        ("GRID", (0, 0), (-1, -1), 0.5, page.GRID),
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), page.HEADER_FILL),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (0, 0), (-1, header_rows - 1), "CENTER"),
        ("ALIGN", (align_from, header_rows), (-1, -1), "CENTER"),
        ("ALIGN", (0, 0), (0, -1), "CENTER"),
    ]
    if total_row:
        commands.append(("FONT", (0, -1), (-1, -1), BOLD, 11.5, 13.5))
    t.setStyle(TableStyle(commands))
    return t


def _chart(summary: list[dict[str, object]], width: float, period: str,
           previous: str, height: float = 54 * mm) -> Drawing:
    d = Drawing(width, height)
    d.initialFontName = REGULAR  # not reportlab's unembedded Helvetica (pdffonts: "emb yes")
    chart = VerticalBarChart()
    chart.x, chart.y = 30, 48
    chart.width, chart.height = width - 60, height - 72
    chart.data = [[int(s["current"]) for s in summary], [int(s["previous"]) for s in summary]]
    chart.categoryAxis.categoryNames = [printable(s["short"]) for s in summary]
    chart.categoryAxis.labels.fontName = REGULAR
    chart.categoryAxis.labels.fontSize = 8.5
    chart.categoryAxis.labels.angle = 0
    chart.categoryAxis.labels.leading = 10
    chart.categoryAxis.labels.textAnchor = "middle"
    chart.valueAxis.labels.fontName = REGULAR
    chart.valueAxis.labels.fontSize = 9
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = max(4, *(max(row) for row in chart.data)) * 1.2
    chart.valueAxis.labelTextFormat = lambda v: fmt.number(int(v))
    chart.bars[0].fillColor = colors.Color(0.25, 0.25, 0.25)
    chart.bars[1].fillColor = colors.Color(0.75, 0.75, 0.75)
    chart.barLabelFormat = lambda v: fmt.number(int(v))
    chart.barLabels.fontName = REGULAR
    chart.barLabels.fontSize = 7.5
    chart.barLabels.angle = 90
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.nudge = 3
    chart.groupSpacing = 8
    d.add(chart)
    legend = Legend()
    legend.fontName = REGULAR
    legend.fontSize = 10
    legend.x, legend.y = 30, 12
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.deltax = 150
    legend.colorNamePairs = [(chart.bars[0].fillColor, printable(_("Kỳ này ({p})").format(
        p=period))), (chart.bars[1].fillColor, printable(_("Cùng kỳ ({p})").format(p=previous)))]
    d.add(legend)
    d.add(String(width / 2, height - 10, printable(_("Biểu đồ so sánh với cùng kỳ")),
                 fontName=BOLD, fontSize=11, textAnchor="middle"))
    return d


def render_report(conn: dbapi.Connection, unit_id: str, period: Period, *,
                  today: dt.date | None = None, data: dict[str, object] | None = None,
                  signer_title: str | None = None, signer: str | None = None) -> bytes:
    """The report as a PDF: portrait summary and chart, then the tables on landscape pages."""
    accounts.require(conn, "print")
    data = data or report_data(conn, unit_id, period)
    unit = data["unit"]  # type: ignore[index]
    st = page.styles()
    head = police_of(conn, unit_id, date=today or dt.date.today())
    head = replace(head, number=blank_number("BC", head.issuer))
    width = page.frame_width(False)
    p, prev = data["period"], data["previous"]  # type: ignore[index]
    story: list[Flowable] = [page.LetterheadFlowable(head, width)]
    story += page.title_block(_("Báo cáo"), _(
        "Kết quả phong trào Toàn dân bảo vệ an ninh Tổ quốc {p} trên địa bàn {u}").format(
        p=p["label"], u=in_sentence(str(unit["name"]))))  # type: ignore[index]
    story.append(page.para(_(
        "Kỳ báo cáo từ ngày {s} đến ngày {e}; so sánh với cùng kỳ từ ngày {ps} đến ngày {pe}. "
        "Số liệu chi tiết tại các biểu kèm theo (Biểu 1 đến Biểu {n}).").format(
        s=_iso_to_vn(p["start"]), e=_iso_to_vn(p["end"]), ps=_iso_to_vn(prev["start"]),
        pe=_iso_to_vn(prev["end"]), n=len(ANNEXES)), st["body"]))
    story.append(page.para(_("I. Tổng hợp các chỉ tiêu"), st["heading"]))
    rows: list[list[object]] = [[_("STT"), _("Chỉ tiêu"), _("Kỳ này"), _("Cùng kỳ"),
                                 _("Tăng/giảm (số)"), _("Tăng/giảm (%)")]]
    for i, s in enumerate(data["summary"], start=1):  # type: ignore[arg-type]
        # "không đổi" once, in the number column; the percent column then says 0%.
        percent = (fmt.percent(0, 1) if s["diff"] == 0 and s["previous"] else
                   s["percent_text"])
        rows.append([str(i), s["label"], fmt.number(s["current"]), fmt.number(s["previous"]),
                     s["diff_text"], percent])
    w = width / 100
    story.append(_table(rows, [8 * w, 40 * w, 12 * w, 12 * w, 14 * w, 14 * w]))
    chart_height = 54 * mm
    if "not_sent" in data:  # the province's report: the communes it has nothing from
        from desktop.sync.overview import not_sent_text

        line = page.para(not_sent_text(data["not_sent"]), st["body"])  # type: ignore[arg-type]
        story += [Spacer(1, 4), line]
        # The chart gives up the line's room (up to three lines) so that it and the
        # signature still fit under the figures; a longer list sends them over together.
        chart_height -= min(line.wrap(width, 10**4)[1] + 4, 16 * mm)
    story.append(Spacer(1, 8))
    recipients = [page.para(_("Nơi nhận:"), st["recipients_title"]),
                  page.para(_("- Như trên;"), st["recipients"]),
                  page.para(_("- Lưu: VT."), st["recipients"])]
    # The signature never stands alone on a page: the chart goes over with it.
    story.append(KeepTogether([
        _chart(data["summary"], width, p["label"], prev["label"],  # type: ignore[arg-type]
               chart_height),
        Spacer(1, 6),
        page.signature_blocks(width, None, (signer_title or _abbr_title(head.issuer), signer),
                              right_note=_("(Ký, ghi rõ họ tên, đóng dấu)"),
                              left_extra=recipients)]))
    # The annexes (Biểu 1 to 6), on landscape pages, each saying which report it belongs to.
    lw = page.frame_width(True) / 100
    story += [NextPageTemplate("landscape"), PageBreak()]
    attached = _("(Kèm theo Báo cáo số {n} ngày {d} của {i})").format(
        n=head.number.replace(" ", "\u00a0") if head.number else "",
        d=fmt.date(head.date), i=head.issuer)  # type: ignore[arg-type]
    story += _annex_heading(1, p["label"], attached)
    b1 = data["bieu1"]  # type: ignore[index]
    rows = [[_("STT"), _("Loại tổ chức"), _("Số tổ/đội"), _("Số thành viên"), _("Trong đó: nữ"),
             _("Dân tộc thiểu số"), _("Thành lập mới trong kỳ"), _("Thành viên mới trong kỳ"),
             _("Thôi tham gia trong kỳ"), _("Thành viên so với cùng kỳ")]]
    for i, r in enumerate(b1["rows"], start=1):
        rows.append([str(i), r["name"], *(fmt.number(r[k]) for k in B1_KEYS),
                     _with_pct(r["change"]["members"])])
    tot = b1["total"]
    rows.append(["", _("Tổng cộng"), *(fmt.number(tot[k]) for k in B1_KEYS),
                 _with_pct(fmt.change(tot["members"], b1["previous"]["members"]))])
    story.append(_table(rows, [5 * lw, 27 * lw, 7 * lw, 8 * lw, 8 * lw, 8 * lw, 9 * lw, 9 * lw,
                               8 * lw, 11 * lw], total_row=True))
    story.append(Spacer(1, 10))
    story += _annex_heading(2, p["label"], attached)
    b2 = data["bieu2"]  # type: ignore[index]
    rows = [[_("STT"), _("Loại mô hình"), _("Lĩnh vực"), _("Số mô hình"), _("Số điểm mô hình"),
             _("Số tổ thực hiện"), _("Xây dựng mới trong kỳ"), _("Nhân rộng trong kỳ"),
             _("Xếp loại hiệu quả"), _("Chưa hiệu quả")]]
    for i, r in enumerate(b2["rows"], start=1):
        rows.append([str(i), r["name"], r["field"] or "", *(fmt.number(r[k]) for k in B2_KEYS)])
    tot = b2["total"]
    rows.append(["", _("Tổng cộng"), "", *(fmt.number(tot[k]) for k in B2_KEYS)])
    story.append(_table(rows, [5 * lw, 28 * lw, 17 * lw, 7 * lw, 7 * lw, 7 * lw, 8 * lw,
                               7 * lw, 7 * lw, 7 * lw], total_row=True, align_from=3))
    story.append(Spacer(1, 10))
    from desktop.reports import results_annexes

    for number, table in results_annexes.tables(data, lw, _table):  # Biểu 3, 4, 5
        story += _annex_heading(number, p["label"], attached)
        story += table
        story.append(Spacer(1, 10))
    b6 = data["bieu6"]  # type: ignore[index]
    story += _annex_heading(6, p["label"], attached)
    story.append(page.para(_("{n} trường hợp ({i} cá nhân, {c} tập thể), {k} được khen "
                             "thưởng; cùng kỳ {pn} trường hợp, {pk} được khen thưởng.").format(
        n=b6["count"], i=b6["individual"], c=b6["collective"], k=b6["commended"],
        pn=b6["previous"]["count"], pk=b6["previous"]["commended"]), st["body_left"]))
    rows = [[_("STT"), _("Họ tên / tập thể"), _("Thành tích"), _("Hình thức khen"),
             _("Cấp khen"), _("Số, ngày QĐ")]]
    for i, r in enumerate(b6["rows"], start=1):
        rows.append([str(i), r["name"], r["description"], r["form"], r["level"], r["decision"]])
    if not b6["rows"]:
        rows.append(["", _("Không có trong kỳ"), "", "", "", ""])
    story.append(_table(rows, [5 * lw, 18 * lw, 37 * lw, 12 * lw, 14 * lw, 14 * lw],
                        align_from=6))
    return page.build(story, is_landscape=False, title=f"{_('Báo cáo')} {p['label']}",
                      with_landscape=True,
                      mark=profiles.mark() if data.get("classified") else None)


# The annexes in the order printed, the six tables of DOMAIN.md §6.2.
ANNEXES = (_("Tổ chức quần chúng bảo vệ ANTT ở cơ sở"), _("Mô hình, điển hình tiên tiến"),
           _("Nguồn tin, tố giác tội phạm từ quần chúng"), _("Tình hình tội phạm, vi phạm"),
           _("Kết quả xây dựng «An toàn về an ninh, trật tự»"),
           _("Người tốt, việc tốt, khen thưởng"))


def _annex_heading(number: int, period: str, attached: str) -> list[Flowable]:
    """"Biểu 2", its title and "(Kèm theo Báo cáo số …)", kept with the table below."""
    st = page.styles()
    out = [page.para(_("Biểu {n}").format(n=number), st["annex_number"]),
           page.para(f"{ANNEXES[number - 1]} ({period})", st["annex_title"]),
           page.para_markup(page.markup(attached).replace("\u00a0", "&nbsp;"),
                            st["annex_note"])]
    return out


def _with_pct(change: dict[str, object]) -> str:
    return str(change["text"])


def _abbr_title(issuer: str) -> str:
    return _("Trưởng Công an xã") if issuer_abbreviation(issuer) == "CAX" else _("Giám đốc")
