"""Read-only figures of the movement report (DOMAIN.md §6.2) for a unit and a date window.

Biểu 1: grassroots organizations by type and their members; Biểu 2: models built and
replicated; Biểu 6: good deeds and commendations. A unit covers itself and every unit below it
(a province's communes and their villages). Partial dates count from their first day
("2026" is 01/01/2026, "03/2026" is 01/03/2026). Dissolved organizations and stopped models
are left out of the standing counts, which therefore describe the current status.
"""

from __future__ import annotations

import datetime as dt

from desktop.storage import dbapi
from desktop.storage.printouts import AREA_CTE


def _first(col: str) -> str:
    return (f"(CASE length({col}) WHEN 4 THEN {col} || '-01-01' WHEN 7 THEN {col} || '-01' "
            f"ELSE {col} END)")


def organizations(conn: dbapi.Connection, area_id: str, start: dt.date,
                  end: dt.date) -> list[dict[str, object]]:
    """Biểu 1, one row per organization type that has anything to show, catalogue order."""
    s, e = start.isoformat(), end.isoformat()
    founded, joined, left = _first("o.founded_date"), _first("m.joined_date"), _first(
        "m.left_date")
    standing_org = (f"coalesce(o.status, 'active') != 'dissolved' AND "
                    f"(o.founded_date IS NULL OR {founded} <= :e)")
    member_now = (f"(m.joined_date IS NULL OR {joined} <= :e) AND "
                  f"(m.left_date IS NULL OR {left} > :e)")
    # One pass over the area's organizations and one over their memberships, grouped by
    # type: each figure a sum of a condition. Counted instead with a subquery per figure and
    # type, the members were joined to their people again for each (35 subqueries, 165-300
    # ms at 3,000 organizations, twice for the home page: this period and cùng kỳ).
    sql = AREA_CTE.replace("?", ":area") + f"""
    , orgs AS MATERIALIZED (SELECT o.id, o.org_type, {standing_org} AS standing,
                            {founded} BETWEEN :s AND :e AS new
               FROM organization o WHERE o._deleted = 0
               AND o.unit_id IN (SELECT id FROM area))
    , by_org AS (SELECT org_type, sum(standing) AS organizations, sum(new) AS founded
                 FROM orgs GROUP BY org_type)
    , by_mem AS (SELECT o.org_type,
        sum(o.standing AND {member_now}) AS members,
        sum(o.standing AND {member_now} AND p.gender = 'female') AS women,
        sum(o.standing AND {member_now} AND p.ethnicity IS NOT NULL
            AND p.ethnicity != 'kinh') AS minority,
        sum({joined} BETWEEN :s AND :e) AS joined,
        sum({left} BETWEEN :s AND :e) AS left
      FROM membership m JOIN orgs o ON o.id = m.organization_id
      JOIN person p ON p.id = m.person_id AND p._deleted = 0
      WHERE m._deleted = 0 GROUP BY o.org_type)
    SELECT c.code AS org_type, c.name AS name, c.sort_order,
      coalesce(g.organizations, 0) AS organizations, coalesce(b.members, 0) AS members,
      coalesce(b.women, 0) AS women, coalesce(b.minority, 0) AS minority,
      coalesce(g.founded, 0) AS founded, coalesce(b.joined, 0) AS joined,
      coalesce(b.left, 0) AS left
    FROM catalogue_item c LEFT JOIN by_org g ON g.org_type = c.code
    LEFT JOIN by_mem b ON b.org_type = c.code
    WHERE c.catalogue = 'org_type' AND c._deleted = 0
    ORDER BY c.sort_order, c.code"""
    rows = conn.execute(sql, {"area": area_id, "s": s, "e": e}).fetchall()
    return [_plain(r, drop=("sort_order",)) for r in rows]


def models(conn: dbapi.Connection, area_id: str, start: dt.date,
           end: dt.date) -> list[dict[str, object]]:
    """Biểu 2, one row per model type: standing models, điểm mô hình, organizations running
    them, built and replicated in the window, and the latest rating up to its end."""
    s, e = start.isoformat(), end.isoformat()
    started, replicated, evaluated = (_first("m.started_date"), _first("r.replicated_date"),
                                      _first("v.evaluated_date"))
    standing = (f"coalesce(m.status, 'active') != 'stopped' AND "
                f"(m.started_date IS NULL OR {started} <= :e)")
    latest = (f"(SELECT v.rating FROM evaluation v WHERE v.model_id = m.id AND v._deleted = 0 "
              f"AND {evaluated} <= :e ORDER BY {evaluated} DESC, v.id DESC LIMIT 1)")
    sql = AREA_CTE.replace("?", ":area") + f"""
    , mods AS (SELECT m.* FROM model m WHERE m._deleted = 0
               AND m.unit_id IN (SELECT id FROM area))
    SELECT c.code AS model_type, c.name AS name, json_extract(c.attrs, '$.field') AS field,
      (SELECT count(*) FROM mods m WHERE m.model_type = c.code AND {standing}) AS models,
      (SELECT count(*) FROM mods m WHERE m.model_type = c.code AND {standing}
        AND m.is_point = 1) AS points,
      (SELECT count(DISTINCT mo.organization_id) FROM model_org mo
        JOIN mods m ON m.id = mo.model_id WHERE mo._deleted = 0 AND m.model_type = c.code
        AND {standing}) AS running_orgs,
      (SELECT count(*) FROM mods m WHERE m.model_type = c.code
        AND {started} BETWEEN :s AND :e) AS built,
      (SELECT count(*) FROM replication r JOIN model m ON m.id = r.model_id
        WHERE r._deleted = 0 AND m.model_type = c.code
        AND r.unit_id IN (SELECT id FROM area)
        AND {replicated} BETWEEN :s AND :e) AS replicated,
      (SELECT count(*) FROM mods m WHERE m.model_type = c.code AND {standing}
        AND {latest} = 'hieu_qua') AS effective,
      (SELECT count(*) FROM mods m WHERE m.model_type = c.code AND {standing}
        AND {latest} = 'chua_hieu_qua') AS not_effective
    FROM catalogue_item c WHERE c.catalogue = 'model_type' AND c._deleted = 0
    ORDER BY c.sort_order, c.code"""
    rows = conn.execute(sql, {"area": area_id, "s": s, "e": e}).fetchall()
    return [_plain(r) for r in rows]


def deeds(conn: dbapi.Connection, area_id: str, start: dt.date,
          end: dt.date) -> list[dict[str, object]]:
    """Biểu 6: good deeds dated in the window, of residents of the area or of organizations
    in it, in date order."""
    day = _first("d.deed_date")
    sql = AREA_CTE + f"""
    SELECT d.id, d.deed_date, d.description, d.decision_number, d.decision_date,
      p.full_name AS person, o.name AS organization,
      f.name AS form, l.name AS level
    FROM deed d
    LEFT JOIN person p ON p.id = d.person_id
    LEFT JOIN organization o ON o.id = d.organization_id
    LEFT JOIN catalogue_item f ON f.catalogue = 'commendation_form'
      AND f.code = d.commendation_form
    LEFT JOIN catalogue_item l ON l.catalogue = 'commendation_level'
      AND l.code = d.commendation_level
    WHERE d._deleted = 0 AND {day} BETWEEN ? AND ?
      AND (p.residence_unit_id IN (SELECT id FROM area) OR o.unit_id IN (SELECT id FROM area))
    ORDER BY d.deed_date, d.id"""
    rows = conn.execute(sql, (area_id, start.isoformat(), end.isoformat())).fetchall()
    return [_plain(r) for r in rows]


def _plain(row: dbapi.Row, drop: tuple[str, ...] = ()) -> dict[str, object]:
    return {k: row[k] for k in row.keys() if k not in drop}  # noqa: SIM118 - Row iterates values
