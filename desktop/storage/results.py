"""The movement's results in the database (issue 13): the checks that need other records
(an establishment's exemption, one evaluation a subject and year, the criteria catalogue, a
quarter equal to its months), and the figures of the movement report (cameras per village,
Biểu 4 crime, Biểu 5 "An toàn về ANTT"). Rules on one record alone: desktop/domain/results.py."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping

from desktop.domain import results as rules
from desktop.domain.errors import ValidationError
from desktop.domain.kinds import EXEMPTIONS, SAFETY_SUBJECTS
from desktop.i18n import _
from desktop.storage import dbapi

RESULT_KINDS = ("camera", "establishment", "safety_evaluation", "crime_stat")


# -- on every write (called by derived.fill_defaults and references.check_record) ----------

def fill_defaults(conn: dbapi.Connection, kind_name: str, record: dict[str, object]) -> None:
    if kind_name == "crime_stat" and record.get("period"):
        spec, start, end = rules.parse_stat_period(str(record["period"]))
        record.update(period=spec, period_start=start.isoformat(), period_end=end.isoformat())
    elif kind_name == "safety_evaluation":
        est = record.get("establishment_id")
        if est:  # an establishment's evaluation is of its kind and at its place
            row = conn.execute("SELECT establishment_type, unit_id FROM establishment "
                               "WHERE id = ?", (est,)).fetchone()
            if row is not None:
                record["subject_kind"] = record.get("subject_kind") or row["establishment_type"]
                record["unit_id"] = record.get("unit_id") or row["unit_id"]
        if record.get("registered_date") and record.get("registered") is None:
            record["registered"] = 1


def check_record(conn: dbapi.Connection, kind_name: str, record: Mapping[str, object],
                 record_id: str | None) -> list[str]:
    if kind_name == "safety_evaluation":
        return _check_evaluation(conn, record, record_id)
    if kind_name == "crime_stat":
        return _check_crime_stat(conn, record, record_id)
    if kind_name == "establishment" and record_id is not None and record.get("exemption"):
        used = conn.execute("SELECT count(*) FROM safety_evaluation WHERE establishment_id = ? "
                            "AND _deleted = 0", (record_id,)).fetchone()[0]
        if used:
            return [_("Đơn vị đã có {n} lần đánh giá An toàn về ANTT trước khi ghi lý do "
                      "miễn").format(n=used)]
    return []


def _unit_level(conn: dbapi.Connection, unit_id: object) -> str | None:
    row = conn.execute("SELECT level FROM unit WHERE id = ?", (unit_id,)).fetchone()
    return str(row[0]) if row is not None else None


def _check_evaluation(conn: dbapi.Connection, r: Mapping[str, object],
                      record_id: str | None) -> list[str]:
    kind, est = r.get("subject_kind"), r.get("establishment_id")
    if est:
        row = conn.execute("SELECT name, establishment_type, unit_id, exemption "
                           "FROM establishment WHERE id = ?", (est,)).fetchone()
        if row is None:
            raise ValidationError("establishment_id", _("không có «{v}»").format(v=est))
        if row["exemption"]:
            raise ValidationError("establishment_id", f"{row['name']}: "
                                  + rules.exemption_message(row["exemption"]))
        if kind != row["establishment_type"]:
            raise ValidationError("subject_kind", _("«{n}» là {t}").format(
                n=row["name"], t=dict(SAFETY_SUBJECTS)[row["establishment_type"]].lower()))
        if r.get("unit_id") != row["unit_id"]:
            raise ValidationError("unit_id", _("khác địa bàn của «{n}»").format(n=row["name"]))
    level = _unit_level(conn, r.get("unit_id"))
    if kind == "residential" and level != "village":
        raise ValidationError("unit_id", _("khu dân cư là một thôn/bản/tổ dân phố"))
    if kind == "commune" and level != "commune":
        raise ValidationError("unit_id", _("cần một xã, phường, đặc khu"))
    subject = ("establishment_id = :s" if est else
               "unit_id = :s AND subject_kind = :k AND establishment_id IS NULL")
    clash = conn.execute(f"SELECT id FROM safety_evaluation WHERE {subject} AND year = :y "
                         "AND _deleted = 0 AND id IS NOT :id",
                         {"s": est or r.get("unit_id"), "k": kind, "y": r.get("year"),
                          "id": record_id}).fetchone()
    if clash is not None:
        raise ValidationError("year", _("đã có kết quả đánh giá năm {y} của đơn vị này").format(
            y=r.get("year")))
    codes = rules.criteria_codes(r.get("criteria_met"))
    if (codes or r.get("result") == "passed") and not _judged_already(conn, r, record_id):
        _check_criteria(conn, str(kind), codes, r.get("result") == "passed")
    return []


def _judged_already(conn: dbapi.Connection, r: Mapping[str, object],
                    record_id: str | None) -> bool:
    """An evaluation edited without touching its criteria or result keeps them as judged
    under the criteria then in force: a newer reference release (which may retire or add
    criteria, desktop/sync/reference_release.py) does not make an old record invalid."""
    if record_id is None:
        return False
    row = conn.execute("SELECT criteria_met, result FROM safety_evaluation WHERE id = ?",
                       (record_id,)).fetchone()
    return row is not None and row["result"] == r.get("result") and \
        rules.criteria_codes(row["criteria_met"]) == rules.criteria_codes(r.get("criteria_met"))


def criteria(conn: dbapi.Connection, subject_kind: str) -> list[tuple[str, str]]:
    """(code, name) of the criteria in force for a kind of subject (the catalogue the
    province keeps: attrs.applies)."""
    rows = conn.execute("SELECT code, name, attrs FROM catalogue_item WHERE catalogue = "
                        "'safety_criterion' AND _deleted = 0 AND coalesce(active, 1) = 1 "
                        "ORDER BY sort_order, code").fetchall()
    out = []
    for row in rows:
        try:
            applies = json.loads(row["attrs"] or "{}").get("applies", [])
        except (ValueError, AttributeError):
            applies = []
        if subject_kind in applies:
            out.append((str(row["code"]), str(row["name"])))
    return out


def _criterion_named(conn: dbapi.Connection, code: str) -> str:
    """A criterion's name with its code, for a refusal; the code alone if the catalogue has
    no such criterion."""
    row = conn.execute("SELECT name FROM catalogue_item WHERE catalogue = 'safety_criterion' "
                       "AND code = ?", (code,)).fetchone()
    return f"{row['name']} ({code})" if row is not None else code


def _check_criteria(conn: dbapi.Connection, kind: str, codes: list[str],
                    passed: bool) -> None:
    known = dict(criteria(conn, kind))
    unknown = [c for c in codes if c not in known]
    if unknown:  # named as the officer ticked them (the window shows names), codes beside
        raise ValidationError("criteria_met", _("«{c}» không phải tiêu chí áp dụng cho {k} "
                                                "(có: {a})").format(
            c="», «".join(_criterion_named(conn, c) for c in unknown),
            k=dict(SAFETY_SUBJECTS)[kind].lower(), a=", ".join(known)))
    missing = [known[c] for c in known if c not in codes]
    if passed and codes and missing:
        raise ValidationError("result", _("«Đạt» cần đủ các tiêu chí; chưa đạt: {m}").format(
            m="; ".join(missing)))


def _check_crime_stat(conn: dbapi.Connection, r: Mapping[str, object],
                      record_id: str | None) -> list[str]:
    if _unit_level(conn, r.get("unit_id")) not in ("commune", "province"):
        raise ValidationError("unit_id", _("số liệu tội phạm ghi cho xã, phường hoặc tỉnh"))
    period = str(r.get("period"))
    clash = conn.execute("SELECT id FROM crime_stat WHERE unit_id = ? AND period = ? "
                         "AND _deleted = 0 AND id IS NOT ?",
                         (r.get("unit_id"), period, record_id)).fetchone()
    if clash is not None:
        raise ValidationError("period", _("đơn vị đã có số liệu kỳ {p}").format(p=period))
    quarter = rules.quarter_of(period) or (period if rules.quarter_months(period) else None)
    if quarter is None:
        return []
    months = rules.quarter_months(quarter) or []
    rows = {row["period"]: dict(row) for row in conn.execute(
        f"SELECT * FROM crime_stat WHERE unit_id = ? AND _deleted = 0 AND id IS NOT ? "
        f"AND period IN ({', '.join('?' * 4)})",
        (r.get("unit_id"), record_id, quarter, *months)).fetchall()}
    rows[period] = dict(r)
    if quarter not in rows or not all(m in rows for m in months):
        return []
    for name in rules.STAT_FIELDS:
        whole = rows[quarter].get(name)
        parts = [rows[m].get(name) for m in months]
        if whole is None or any(p is None for p in parts):
            continue
        total = sum(int(p) for p in parts)  # type: ignore[arg-type]
        if int(whole) != total:  # type: ignore[arg-type]
            raise ValidationError(name, _("quý {q} ghi {w}, cộng ba tháng {m} là {t}").format(
                q=quarter, w=whole, m=", ".join(months), t=total))
    return []


# -- figures -------------------------------------------------------------------------------

def _subtree(conn: dbapi.Connection, unit_id: str) -> list[dict[str, object]]:
    from desktop.storage.records import SUBTREE_SQL

    return [dict(r) for r in conn.execute(
        f"SELECT id, name, level, parent_id FROM unit WHERE id IN ({SUBTREE_SQL}) "
        "AND _deleted = 0", {"u": unit_id}).fetchall()]


def cameras_by_village(conn: dbapi.Connection, unit_id: str, *,
                       until: dt.date | None = None) -> list[dict[str, object]]:
    """Camera systems in use per village (or commune, for those placed on the commune
    itself): systems, cameras, systems connected to the commune police. Counts only."""
    from desktop.storage.records import SUBTREE_SQL

    cut = (until or dt.date.max).isoformat()
    rows = conn.execute(
        f"SELECT u.id, u.name, count(*) AS systems, sum(coalesce(c.camera_count, 0)) AS cameras,"
        f" sum(coalesce(c.connected, 0)) AS connected FROM camera c JOIN unit u ON u.id = "
        f"c.unit_id WHERE c._deleted = 0 AND coalesce(c.status, 'active') = 'active' "
        f"AND c.unit_id IN ({SUBTREE_SQL}) AND coalesce(c.installed_date, '') <= :cut "
        "GROUP BY u.id ORDER BY u.name", {"u": unit_id, "cut": cut}).fetchall()
    return [dict(r) for r in rows]


def camera_totals(conn: dbapi.Connection, unit_id: str, *,
                  until: dt.date | None = None) -> dict[str, int]:
    rows = cameras_by_village(conn, unit_id, until=until)
    return {k: sum(int(r[k] or 0) for r in rows)  # type: ignore[call-overload]
            for k in ("systems", "cameras", "connected")}


def site_camera_totals(conn: dbapi.Connection) -> dict[str, int]:
    """Every camera system this site holds in use, whatever its place (no place chosen)."""
    row = conn.execute(
        "SELECT count(*), coalesce(sum(camera_count), 0), coalesce(sum(connected), 0) "
        "FROM camera WHERE _deleted = 0 AND coalesce(status, 'active') = 'active'").fetchone()
    return dict(zip(("systems", "cameras", "connected"), (int(v) for v in row), strict=True))


def _picked(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """Records that tile a window without overlapping: the longest first (a year typed
    whole wins over its months, whose sum would be the same)."""
    rows = sorted(rows, key=lambda r: (str(r["period_start"]) > str(r["period_end"]),
                                       -(dt.date.fromisoformat(str(r["period_end"]))
                                         - dt.date.fromisoformat(str(r["period_start"]))).days))
    chosen: list[dict[str, object]] = []
    for r in rows:
        if all(str(r["period_end"]) < str(c["period_start"])
               or str(r["period_start"]) > str(c["period_end"]) for c in chosen):
            chosen.append(r)
    return chosen


def crime_figures(conn: dbapi.Connection, unit_id: str, start: dt.date,
                  end: dt.date) -> dict[str, object]:
    """The crime figures of a unit for a window: its own records that lie inside the window
    where it has any, else the sum of the units under it (a province sums its communes).
    ``days`` says how many days of the window the figures cover; ``units`` how many units
    sent them."""
    units = _subtree(conn, unit_id)
    children: dict[object, list[str]] = {}
    for u in units:
        children.setdefault(u["parent_id"], []).append(str(u["id"]))
    rows: dict[str, list[dict[str, object]]] = {}
    for row in conn.execute(
            "SELECT * FROM crime_stat WHERE _deleted = 0 AND unit_id IN "
            "(SELECT value FROM json_each(?))", (json.dumps([u["id"] for u in units]),)):
        # The dates are read from the period itself: a bundle's values are checked field by
        # field, so stored dates that disagree with the period must not move its figures.
        try:
            _spec, first, last = rules.parse_stat_period(str(row["period"]))
        except ValidationError:
            continue
        if start <= first and last <= end:
            rows.setdefault(str(row["unit_id"]), []).append(
                {**dict(row), "period_start": first.isoformat(), "period_end": last.isoformat()})

    def of(uid: str) -> tuple[dict[str, int], int, int]:
        own = _picked(rows.get(uid, []))
        if own:
            sums = {k: sum(int(r[k] or 0) for r in own) for k in rules.STAT_FIELDS}
            days = sum((dt.date.fromisoformat(str(r["period_end"]))
                        - dt.date.fromisoformat(str(r["period_start"]))).days + 1 for r in own)
            return sums, days, 1
        total = dict.fromkeys(rules.STAT_FIELDS, 0)
        days, sent = 0, 0
        for child in children.get(uid, []):
            s, d, n = of(child)
            for k in total:
                total[k] += s[k]
            days, sent = max(days, d), sent + n
        return total, days, sent

    sums, days, sent = of(unit_id)
    return {**sums, "days": days, "window_days": (end - start).days + 1, "units": sent}


CRIME_ROWS = (  # Biểu 4: key, label, unit
    ("social_cases", _("Tội phạm về trật tự xã hội"), _("vụ")),
    ("social_serious", _("Trong đó: rất nghiêm trọng, đặc biệt nghiêm trọng"), _("vụ")),
    ("social_solved", _("Điều tra, khám phá"), _("vụ")),
    ("social_offenders", _("Đối tượng phạm tội về trật tự xã hội"), _("đối tượng")),
    ("drug_cases", _("Ma túy: phát hiện, bắt giữ"), _("vụ")),
    ("drug_offenders", _("Ma túy: đối tượng"), _("đối tượng")),
    ("drug_users", _("Người sử dụng trái phép chất ma túy"), _("người")),
    ("gambling_cases", _("Đánh bạc"), _("vụ")),
    ("gambling_offenders", _("Đánh bạc: đối tượng"), _("đối tượng")),
    ("admin_cases", _("Xử lý hành chính"), _("vụ")),
    ("admin_people", _("Xử lý hành chính: đối tượng"), _("đối tượng")),
)

RATING_KEYS = ("excellent", "good", "average", "weak")


def safety_figures(conn: dbapi.Connection, unit_id: str, year: int) -> list[dict[str, object]]:
    """Biểu 5 for an evaluation year: per kind of subject, how many there are, registered,
    certified (đạt), the share certified and the movement's classification counts.
    Establishments exempt under TT 124 are not counted."""
    from desktop.storage.records import SUBTREE_SQL

    args = {"u": unit_id, "y": year}
    totals = {
        "residential": conn.execute(f"SELECT count(*) FROM unit WHERE id IN ({SUBTREE_SQL}) AND "
                                    "level = 'village' AND _deleted = 0 AND valid_to IS NULL",
                                    args).fetchone()[0],
        "commune": conn.execute(f"SELECT count(*) FROM unit WHERE id IN ({SUBTREE_SQL}) AND "
                                "level = 'commune' AND _deleted = 0 AND valid_to IS NULL",
                                args).fetchone()[0],
    }
    for t, n in conn.execute(f"SELECT establishment_type, count(*) FROM establishment WHERE "
                             f"_deleted = 0 AND exemption IS NULL AND unit_id IN ({SUBTREE_SQL})"
                             " GROUP BY establishment_type", args):
        totals[t] = n
    evals: dict[str, dict[str, int]] = {}
    for row in conn.execute(
            f"SELECT subject_kind, registered, result, movement_rating FROM safety_evaluation "
            f"WHERE _deleted = 0 AND year = :y AND unit_id IN ({SUBTREE_SQL})", args):
        e = evals.setdefault(row["subject_kind"], dict.fromkeys(
            ("evaluated", "registered", "passed", *RATING_KEYS), 0))
        e["evaluated"] += 1
        e["registered"] += bool(row["registered"]) or row["result"] == "passed"
        e["passed"] += row["result"] == "passed"
        if row["movement_rating"] in RATING_KEYS:
            e[row["movement_rating"]] += 1
    out = []
    for kind, label in SAFETY_SUBJECTS:
        e = evals.get(kind, dict.fromkeys(("evaluated", "registered", "passed", *RATING_KEYS),
                                          0))
        total = max(int(totals.get(kind, 0)), e["evaluated"])
        out.append({"kind": kind, "label": label, "total": total, **e,
                    "good_or_better": e["excellent"] + e["good"]})
    return out


def exemption_label(reason: str) -> str:
    return dict(EXEMPTIONS).get(reason, reason)
