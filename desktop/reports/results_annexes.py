"""Biểu 3, 4 and 5 of the movement report (DOMAIN.md §6.2): tips from the public, crime and
order compared with "cùng kỳ", and the "An toàn về an ninh, trật tự" results by kind. Counts
only: no source code, no informant, no record named. :func:`report_data` adds their figures
to the report's data (``antq report --json``); :func:`tables` prints them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from reportlab.platypus import Flowable, Spacer

from desktop.i18n import _
from desktop.reports import fmt, page
from desktop.reports.periods import Period
from desktop.storage import dbapi, results, tips

TIP_KEYS = ("received", "valuable", "transferred", "in_time", "solved", "serious", "arrested",
            "weapons")
B5_KEYS = ("total", "registered", "passed", "excellent", "good", "average", "weak")
ESTABLISHMENTS = ("agency", "enterprise", "school")


def safety_year(period: Period) -> int:
    """The An toàn year the report shows: the last whose window (to 15/11) has ended by the
    period's last day."""
    end = period.end
    return end.year if end >= dt.date(end.year, 11, 15) else end.year - 1


def _change_text(change: dict[str, object], unit: str) -> str:
    """"giảm 22,5%", "tăng 3 vụ" where the earlier figure is 0, "không đổi"."""
    if change["percent"] is not None and change["diff"]:
        return str(change["percent_text"])
    if change["diff"]:
        return f"{change['diff_text']} {unit}"
    return str(change["diff_text"])


def report_data(conn: dbapi.Connection, unit_id: str, period: Period) -> dict[str, object]:
    previous = period.previous_year()
    t_now = tips.figures(conn, unit_id, period.start, period.end).as_dict()
    t_then = tips.figures(conn, unit_id, previous.start, previous.end).as_dict()
    c_now = results.crime_figures(conn, unit_id, period.start, period.end)
    c_then = results.crime_figures(conn, unit_id, previous.start, previous.end)
    rows4 = []
    for key, label, unit in results.CRIME_ROWS:
        cur, old = int(c_now[key]), int(c_then[key])  # type: ignore[call-overload]
        change = fmt.change(cur, old)
        rows4.append({"key": key, "label": label, "unit": unit, "current": cur, "previous": old,
                      **change, "change_text": _change_text(change, unit)})
    year = safety_year(period)
    rows5 = results.safety_figures(conn, unit_id, year)
    for r in rows5:
        r["percent_text"] = fmt.percent(int(r["passed"]), int(r["total"]))  # type: ignore
    est = {k: sum(int(r[k]) for r in rows5 if r["kind"] in ESTABLISHMENTS)  # type: ignore
           for k in (*B5_KEYS, "good_or_better")}
    by_village = results.cameras_by_village(conn, unit_id, until=period.end)
    cameras = {k: sum(int(r[k] or 0) for r in by_village)  # type: ignore[call-overload]
               for k in ("systems", "cameras", "connected")}
    return {
        "bieu3": {"current": t_now, "previous": t_then,
                  "change": {k: fmt.change(int(t_now[k]), int(t_then[k])) for k in TIP_KEYS}},
        "bieu4": {"rows": rows4, "days": c_now["days"], "window_days": c_now["window_days"],
                  "units": c_now["units"], "previous_days": c_then["days"]},
        "bieu5": {"year": year, "rows": rows5, "establishments": {
            **est, "percent_text": fmt.percent(est["passed"], est["total"]),
            "good_or_better_text": fmt.percent(est["good_or_better"], est["total"])}},
        "cameras": {**cameras, "by_village": by_village},
    }


TableMaker = Callable[..., Flowable]


def tables(data: dict, lw: float, table: TableMaker) -> list[tuple[int, list[Flowable]]]:
    """(number, flowables) of Biểu 3, 4, 5; ``table`` is the report's own table maker."""
    st = page.styles()
    p, prev = data["period"], data["previous"]
    b3 = data["bieu3"]
    head3 = [_("Kỳ"), _("Số tin tiếp nhận"), _("Tin có giá trị"), _("Chuyển Cơ quan điều tra"),
             _("Trong đó đúng hạn (24 giờ/48 giờ)"), _("Số vụ khám phá nhờ tin"),
             _("Trong đó rất nghiêm trọng, đặc biệt nghiêm trọng"), _("Số đối tượng bắt giữ"),
             _("Vũ khí, vật liệu nổ thu giữ, giao nộp")]
    rows3: list[list[object]] = [head3,
                                 [_("Kỳ này"), *(fmt.number(b3["current"][k]) for k in TIP_KEYS)],
                                 [_("Cùng kỳ"), *(fmt.number(b3["previous"][k])
                                                  for k in TIP_KEYS)],
                                 [_("Tăng/giảm"), *(_change_text(b3["change"][k], "")
                                                    .strip() for k in TIP_KEYS)]]
    t3 = table(rows3, [16 * lw, *([84 * lw / 8] * 8)], align_from=1)
    note3 = page.para(_("Kỳ này {p}; cùng kỳ {q}. Chỉ có số lượng: không có mã nguồn tin, không "
                        "có danh tính người cung cấp tin.").format(p=p["label"], q=prev["label"]),
                      st["body_left"])

    b4 = data["bieu4"]
    rows4: list[list[object]] = [[_("STT"), _("Nhóm"), _("Đơn vị tính"), _("Kỳ này"),
                                  _("Cùng kỳ"), _("Tăng/giảm (số)"), _("Tăng/giảm (%)")]]
    for i, r in enumerate(b4["rows"], start=1):
        number = (f"{r['diff_text']} {r['unit']}" if r["diff"] else r["diff_text"])
        percent = (fmt.percent(0, 1) if r["diff"] == 0 and r["previous"] else r["percent_text"])
        rows4.append([str(i), r["label"], r["unit"], fmt.number(r["current"]),
                      fmt.number(r["previous"]), number, percent])
    t4 = table(rows4, [5 * lw, 41 * lw, 10 * lw, 10 * lw, 10 * lw, 12 * lw, 12 * lw])
    flow4: list[Flowable] = [t4]
    if b4["days"] < b4["window_days"]:
        flow4.append(Spacer(1, 3))
        flow4.append(page.para(_("Số liệu đã nhập phủ {d}/{w} ngày của kỳ.").format(
            d=b4["days"], w=b4["window_days"]), st["body_left"]))

    b5 = data["bieu5"]
    rows5: list[list[object]] = [[_("STT"), _("Loại"), _("Tổng số"), _("Đăng ký"),
                                  _("Được công nhận"), _("Tỷ lệ %"), _("Xuất sắc"), _("Khá"),
                                  _("Trung bình"), _("Yếu")]]
    for i, r in enumerate(b5["rows"], start=1):
        rows5.append([str(i), r["label"], fmt.number(r["total"]), fmt.number(r["registered"]),
                      fmt.number(r["passed"]), r["percent_text"],
                      *(fmt.number(r[k]) for k in results.RATING_KEYS)])
    e = b5["establishments"]
    rows5.append(["", _("Cộng cơ quan, doanh nghiệp, cơ sở giáo dục"), fmt.number(e["total"]),
                  fmt.number(e["registered"]), fmt.number(e["passed"]), e["percent_text"],
                  *(fmt.number(e[k]) for k in results.RATING_KEYS)])
    t5 = table(rows5, [5 * lw, 31 * lw, 8 * lw, 8 * lw, 10 * lw, 8 * lw, 7.5 * lw, 7.5 * lw,
                       7.5 * lw, 7.5 * lw], total_row=True)
    note5 = page.para(_("Năm đánh giá {y} (Thông tư 124/2021/TT-BCA: khu dân cư từ 01/11/{y0} "
                        "đến 31/10/{y}; xã, cơ quan, doanh nghiệp, cơ sở giáo dục từ 16/11/{y0} "
                        "đến 15/11/{y}). Không tính đơn vị không thuộc diện đánh giá.").format(
        y=b5["year"], y0=b5["year"] - 1), st["body_left"])
    return [(3, [t3, Spacer(1, 3), note3]), (4, flow4), (5, [t5, Spacer(1, 3), note5])]


def home_lines(data: dict) -> tuple[str, str]:
    """The home page's line on the movement's results (tips, crime against cùng kỳ, An toàn,
    cameras) and, for its tooltip, the cameras per village."""
    t = data["bieu3"]["current"]
    crime = next(r for r in data["bieu4"]["rows"] if r["key"] == "social_cases")
    est = data["bieu5"]["establishments"]
    cams = data["cameras"]
    crime_text = (_("Tội phạm về TTXH: {n} vụ ({c} so với cùng kỳ)").format(
        n=fmt.number(crime["current"]), c=crime["change_text"]) if data["bieu4"]["days"]
        else _("Tội phạm về TTXH: chưa nhập số liệu của kỳ"))
    safety_text = (_("An toàn về ANTT năm {y}: {p} cơ quan, doanh nghiệp, cơ sở giáo dục "
                     "đạt").format(y=data["bieu5"]["year"], p=est["percent_text"])
                   if est["total"] else
                   _("An toàn về ANTT năm {y}: chưa có cơ quan, doanh nghiệp, cơ sở giáo dục "
                     "được đánh giá").format(y=data["bieu5"]["year"]))
    parts = [
        _("Nguồn tin: {n} tiếp nhận, {v} có giá trị, {s} vụ khám phá nhờ tin").format(
            n=fmt.number(t["received"]), v=fmt.number(t["valuable"]), s=fmt.number(t["solved"])),
        crime_text, safety_text,
        _("Camera: {s} hệ thống, {c} mắt, {k} kết nối với Công an xã").format(
            s=fmt.number(cams["systems"]), c=fmt.number(cams["cameras"]),
            k=fmt.number(cams["connected"])),
    ]
    villages = "\n".join(_("{u}: {s} hệ thống camera, {c} mắt, {k} kết nối").format(
        u=r["name"], s=fmt.number(r["systems"]), c=fmt.number(r["cameras"]),
        k=fmt.number(r["connected"])) for r in cams["by_village"])
    return "; ".join(parts) + ".", villages
