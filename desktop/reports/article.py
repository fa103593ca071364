"""The figures the source article cites ("Hiệu quả phong trào «Toàn dân bảo vệ an ninh Tổ
quốc»", Báo Điện Biên Phủ, 09/07/2023, the article the program was built from), computed for
a unit and a period and written as the article writes them: models replicated,
organizations and their model types, citizen cameras, the share of agencies/enterprises/schools
An toàn and rated khá or better each year, valuable tips and the social-order cases they
solved, the year-on-year change of social-order crime, drug cases and offenders.
``antq report --article --json`` and its PDF (``antq print report --article``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

from reportlab.platypus import Flowable

from desktop.domain.results import MIN_YEAR
from desktop.i18n import _
from desktop.reports import fmt, page, periods
from desktop.reports.letterhead import blank_number, in_sentence, police_of
from desktop.reports.periods import Period
from desktop.reports.results_annexes import ESTABLISHMENTS, safety_year
from desktop.storage import accounts, dbapi, printouts, results
from desktop.storage.records import SUBTREE_SQL

# Tip categories the province marked as not social-order crime (catalogue attrs).
_SOCIAL_ORDER = ("coalesce((SELECT json_extract(c.attrs, '$.social_order') FROM catalogue_item c"
                 " WHERE c.catalogue = 'tip_category' AND c.code = t.category "
                 "AND c._deleted = 0), 1) != 0")


def _one(conn: dbapi.Connection, sql: str, args: dict[str, object]) -> int:
    return int(conn.execute(sql, args).fetchone()[0] or 0)


def _crime_steps(conn: dbapi.Connection, unit_id: str, period: Period) -> list[dict[str, object]]:
    """Each whole year of the period against the year before it, then the part of the last
    year the period holds against cùng kỳ ("quý I/2023 giảm 37,2% so với cùng kỳ 2022")."""
    steps: list[dict[str, object]] = []

    def cases(start: dt.date, end: dt.date) -> int:
        return int(results.crime_figures(conn, unit_id, start, end)["social_cases"])  # type: ignore

    first_whole = period.start.year + (period.start != dt.date(period.start.year, 1, 1))
    last_whole = period.end.year - (period.end != dt.date(period.end.year, 12, 31))
    for y in range(first_whole + 1, last_whole + 1):
        cur, old = cases(dt.date(y, 1, 1), dt.date(y, 12, 31)), cases(dt.date(y - 1, 1, 1),
                                                                      dt.date(y - 1, 12, 31))
        steps.append({"label": _("năm {y}").format(y=y), "against": _("năm {y}").format(y=y - 1),
                      "current": cur, "previous": old, **fmt.change(cur, old)})
    if last_whole < period.end.year:
        y = period.end.year
        part = Period(dt.date(y, 1, 1), period.end, "")
        before = part.previous_year()
        cur, old = cases(part.start, part.end), cases(before.start, before.end)
        q = (period.end.month - 1) // 3 + 1
        quarter_end = periods.quarter(y, q).end == period.end
        label = (_("quý {q}/{y}").format(q=periods.ROMAN_QUARTERS[q - 1], y=y)
                 if quarter_end and q == 1 else
                 _("từ đầu năm {y} đến {d}").format(y=y, d=fmt.date(period.end)))
        steps.append({"label": label, "against": _("cùng kỳ {y}").format(y=y - 1),
                      "current": cur, "previous": old, **fmt.change(cur, old)})
    return steps


def _safety_years(conn: dbapi.Connection, unit_id: str, period: Period) -> list[dict[str, object]]:
    """Per evaluation year ended in the period: agencies, enterprises and schools liable to
    the evaluation, and those certified An toàn and rated khá or better."""
    out = []
    for year in range(max(period.start.year, MIN_YEAR), safety_year(period) + 1):
        rows = [r for r in results.safety_figures(conn, unit_id, year)
                if r["kind"] in ESTABLISHMENTS]
        total = sum(int(r["total"]) for r in rows)  # type: ignore[call-overload]
        good = _one(conn, "SELECT count(*) FROM safety_evaluation WHERE _deleted = 0 AND "
                    "year = :y AND result = 'passed' AND movement_rating IN ('excellent', "
                    f"'good') AND establishment_id IS NOT NULL AND unit_id IN ({SUBTREE_SQL})",
                    {"u": unit_id, "y": year})
        if total:
            out.append({"year": year, "total": total, "passed_good": good,
                        "percent": float(Decimal(good) * 100 / Decimal(total)),
                        "percent_text": fmt.percent(good, total)})
    return out


def article_data(conn: dbapi.Connection, unit_id: str, period: Period) -> dict[str, object]:
    unit = printouts.unit(conn, unit_id)
    args = {"u": unit_id, "start": period.start.isoformat(), "end": period.end.isoformat(),
            "end_next": (period.end + dt.timedelta(days=1)).isoformat()}
    organizations = _one(conn, "SELECT count(*) FROM organization WHERE _deleted = 0 AND "
                         "coalesce(status, 'active') != 'dissolved' AND coalesce(founded_date, "
                         f"'') <= :end AND unit_id IN ({SUBTREE_SQL})", args)
    model_types = _one(conn, "SELECT count(DISTINCT model_type) FROM model WHERE _deleted = 0 "
                       "AND coalesce(status, 'active') = 'active' AND coalesce(started_date, '')"
                       f" <= :end AND unit_id IN ({SUBTREE_SQL})", args)
    replicated = _one(conn, "SELECT count(DISTINCT model_id) FROM replication WHERE "
                      f"_deleted = 0 AND replicated_date <= :end AND unit_id IN ({SUBTREE_SQL})",
                      args)
    cams = results.camera_totals(conn, unit_id, until=period.end)
    by_commune = conn.execute(
        "SELECT coalesce(c.id, u.id) AS id, coalesce(c.name, u.name) AS name, count(*) AS n "
        "FROM camera k JOIN unit u ON u.id = k.unit_id LEFT JOIN unit c ON c.id = u.parent_id "
        "AND u.level = 'village' WHERE k._deleted = 0 AND coalesce(k.status, 'active') = "
        f"'active' AND coalesce(k.installed_date, '') <= :end AND k.unit_id IN ({SUBTREE_SQL})"
        " GROUP BY 1 ORDER BY n DESC, name LIMIT 1", args).fetchone()
    tip_where = (f"FROM tip t WHERE t._deleted = 0 AND t.unit_id IN ({SUBTREE_SQL}) AND "
                 "t.received_at >= :start AND t.received_at < :end_next")
    valuable = _one(conn, f"SELECT count(*) {tip_where} AND t.valuable = 1", args)
    solved = _one(conn, f"SELECT count(*) {tip_where} AND t.case_solved = 1 AND {_SOCIAL_ORDER}",
                  args)
    serious = _one(conn, f"SELECT count(*) {tip_where} AND t.case_solved = 1 AND "
                   f"t.case_serious = 1 AND {_SOCIAL_ORDER}", args)
    crime = results.crime_figures(conn, unit_id, period.start, period.end)
    safety = _safety_years(conn, unit_id, period)
    data: dict[str, object] = {
        "unit": {"id": unit["id"], "name": unit["name"], "level": unit["level"],
                 "code": unit["code"]},
        "period": period.as_dict(),
        "models_replicated": replicated, "organizations": organizations,
        "model_types": model_types,
        "cameras": cams["systems"], "camera_eyes": cams["cameras"],
        "cameras_connected": cams["connected"],
        "camera_top": ({"id": by_commune["id"], "name": by_commune["name"],
                        "systems": int(by_commune["n"])} if by_commune is not None else None),
        "safety_years": safety,
        "safety_min_percent": min((float(s["percent"]) for s in safety), default=None),
        "valuable_tips": valuable, "cases_solved": solved, "serious_solved": serious,
        "crime_steps": _crime_steps(conn, unit_id, period),
        "drug_cases": crime["drug_cases"], "drug_offenders": crime["drug_offenders"],
    }
    data["sentences"] = sentences(data)
    return data


def sentences(d: dict) -> list[str]:
    """The article's sentences with the data's figures in them."""
    where = in_sentence(str(d["unit"]["name"]))
    whole = _("toàn tỉnh") if d["unit"]["level"] == "province" else _("toàn xã")
    out = [_("Đến nay {w} đã nhân rộng {r} mô hình điển hình và tiếp tục củng cố, duy trì có "
             "hiệu quả {o} tổ chức quần chúng bảo vệ an ninh trật tự ở cơ sở với {t} loại mô "
             "hình.").format(w=whole, r=fmt.number(d["models_replicated"]),
                             o=fmt.number(d["organizations"]), t=fmt.number(d["model_types"]))]
    top = d["camera_top"]
    if top:
        out.append(_("Người dân trên địa bàn {c} lắp {n} hệ thống camera an ninh giám sát; trên "
                     "địa bàn {u} có {t} hệ thống ({k} kết nối, chia sẻ với Công an xã).").format(
            c=in_sentence(str(top["name"])), n=fmt.number(top["systems"]), u=where,
            t=fmt.number(d["cameras"]), k=fmt.number(d["cameras_connected"])))
    if d["safety_years"]:
        years = "; ".join(_("năm {y}: {p}").format(y=s["year"], p=s["percent_text"])
                          for s in d["safety_years"])
        out.append(_("Hằng năm ít nhất {p} cơ quan, doanh nghiệp, cơ sở giáo dục đạt tiêu "
                     "chuẩn «An toàn về ANTT» và được đánh giá, phân loại đạt khá trở lên "
                     "({y}).").format(p=min(d["safety_years"], key=lambda s: s["percent"])
                                      ["percent_text"], y=years))
    out.append(_("Từ {s} đến {e}, quần chúng Nhân dân đã cung cấp cho lực lượng công an {v} "
                 "nguồn tin có giá trị, giúp lực lượng công an điều tra khám phá, làm rõ {c} vụ "
                 "phạm tội về trật tự xã hội, trong đó điều tra làm rõ {g} vụ tội phạm rất "
                 "nghiêm trọng và đặc biệt nghiêm trọng.").format(
        s=fmt.date(dt.date.fromisoformat(d["period"]["start"])),
        e=fmt.date(dt.date.fromisoformat(d["period"]["end"])), v=fmt.number(d["valuable_tips"]),
        c=fmt.number(d["cases_solved"]), g=fmt.number(d["serious_solved"])))
    if d["crime_steps"]:
        steps = "; ".join(_("{a} {c} so với {b}").format(
            a=s["label"], b=s["against"],
            c=s["percent_text"] if s["percent"] is not None else s["diff_text"])
            for s in d["crime_steps"])
        out.append(_("Tội phạm trật tự xã hội: {s}.").format(s=steps))
    out.append(_("Đã phát hiện, bắt giữ {c} vụ với {o} đối tượng phạm tội về ma túy.").format(
        c=fmt.number(d["drug_cases"]), o=fmt.number(d["drug_offenders"])))
    return out


def render_article(conn: dbapi.Connection, unit_id: str, period: Period, *,
                   today: dt.date | None = None) -> bytes:
    """The figures as a short report after Nghị định 30/2020: letterhead, title, one
    paragraph a sentence of the article."""
    accounts.require(conn, "print")
    data = article_data(conn, unit_id, period)
    head = police_of(conn, unit_id, date=today or dt.date.today())
    head = replace(head, number=blank_number("BC", head.issuer))
    st = page.styles()
    width = page.frame_width(False)
    story: list[Flowable] = [page.LetterheadFlowable(head, width)]
    story += page.title_block(_("Báo cáo"), _(
        "Hiệu quả phong trào Toàn dân bảo vệ an ninh Tổ quốc trên địa bàn {u} {p}").format(
        u=in_sentence(str(data["unit"]["name"])), p=period.label))  # type: ignore[index]
    for sentence in data["sentences"]:  # type: ignore[attr-defined]
        story.append(page.para(sentence, st["body"]))
    from desktop.reports.movement import _abbr_title  # the report's own signer

    story.append(page.signature_blocks(width, None, (_abbr_title(head.issuer), None),
                                       right_note=_("(Ký, ghi rõ họ tên, đóng dấu)")))
    return page.build(story, is_landscape=False, title=_("Hiệu quả phong trào"))
