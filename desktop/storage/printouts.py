"""Read-only queries the printouts need: the unit chain above a record, the organizations of
a type in a commune, a meeting with its attendance, and finding a unit by id or code."""

from __future__ import annotations

from desktop.domain.errors import NotFoundError
from desktop.domain.kinds import MEETING, ORGANIZATION
from desktop.i18n import _
from desktop.storage import dbapi, records

# The unit itself and every unit below it (communes of a province, villages of a commune).
AREA_CTE = ("WITH RECURSIVE area(id) AS (SELECT ? UNION SELECT u.id FROM unit u "
            "JOIN area a ON u.parent_id = a.id WHERE u._deleted = 0) ")


def unit(conn: dbapi.Connection, unit_id: str) -> dict[str, object]:
    row = conn.execute("SELECT id, name, level, code, division_type, parent_id FROM unit "
                       "WHERE id = ?", (unit_id,)).fetchone()
    if row is None:
        raise NotFoundError(_("Không có đơn vị hành chính với id «{id}»").format(id=unit_id))
    return dict(row)


def unit_chain(conn: dbapi.Connection, unit_id: str) -> list[dict[str, object]]:
    """The unit, its parent, … up to the province (at most four steps)."""
    chain = [unit(conn, unit_id)]
    while chain[-1]["parent_id"] and len(chain) < 5:
        chain.append(unit(conn, str(chain[-1]["parent_id"])))
    return chain


def find_unit(conn: dbapi.Connection, id_or_code: str) -> dict[str, object]:
    """A current province or commune by official code ("11", "03160", "3160"), or any unit
    by id."""
    value = id_or_code.strip()
    row = conn.execute("SELECT id FROM unit WHERE id = ?", (value,)).fetchone()
    if row is None and value.isdigit():
        code = value.zfill(5 if len(value) > 2 else 2)
        row = conn.execute("SELECT id FROM unit WHERE code = ? AND valid_to IS NULL AND "
                           "level IN ('province', 'commune') AND _deleted = 0",
                           (code,)).fetchone()
    if row is None:
        raise NotFoundError(_("Không có đơn vị hành chính «{v}» (cần id hoặc mã tỉnh/xã)")
                            .format(v=value))
    return unit(conn, str(row[0]))


def organization(conn: dbapi.Connection, org_id: str) -> records.Record:
    return records.get(conn, ORGANIZATION, org_id)


def organizations_of_type(conn: dbapi.Connection, area_id: str,
                          org_type: str) -> list[dict[str, object]]:
    """Organizations of one type in a unit and below, in Vietnamese name order."""
    rows = conn.execute(
        AREA_CTE + "SELECT o.id, o.name, o.unit_id FROM organization o WHERE o._deleted = 0 "
        "AND o.org_type = ? AND o.unit_id IN (SELECT id FROM area) "
        "AND coalesce(o.status, 'active') != 'dissolved' ORDER BY o.name_key, o.id",
        (area_id, org_type))
    return [dict(r) for r in rows]


def villages_of(conn: dbapi.Connection, commune_id: str) -> list[dict[str, object]]:
    rows = conn.execute("SELECT id, name FROM unit WHERE parent_id = ? AND level = 'village' "
                        "AND _deleted = 0 AND valid_to IS NULL ORDER BY name_key", (commune_id,))
    return [dict(r) for r in rows]


def meeting(conn: dbapi.Connection, meeting_id: str) -> records.Record:
    return records.get(conn, MEETING, meeting_id)


def attendance(conn: dbapi.Connection, meeting_id: str) -> list[dict[str, object]]:
    """Who was there and who was not (with the reason), with their role in the organization,
    role rank first, then Vietnamese name order."""
    rows = conn.execute(
        "SELECT p.id AS person_id, p.full_name, a.present, a.absence_reason, "
        "(SELECT c.name FROM membership m JOIN catalogue_item c ON c.catalogue = 'role' "
        " AND c.code = m.role WHERE m.person_id = p.id AND m.organization_id = mt.organization_id"
        " AND m._deleted = 0 ORDER BY m.left_date IS NOT NULL LIMIT 1) AS role, "
        "(SELECT json_extract(c.attrs, '$.rank') FROM membership m JOIN catalogue_item c "
        " ON c.catalogue = 'role' AND c.code = m.role WHERE m.person_id = p.id "
        " AND m.organization_id = mt.organization_id AND m._deleted = 0 LIMIT 1) AS rank "
        "FROM attendance a JOIN person p ON p.id = a.person_id "
        "JOIN meeting mt ON mt.id = a.meeting_id "
        "WHERE a.meeting_id = ? AND a._deleted = 0 "
        "ORDER BY coalesce(rank, 99), p.name_key, p.id", (meeting_id,))
    return [dict(r) for r in rows]


def person_name(conn: dbapi.Connection, person_id: str | None) -> str:
    if not person_id:
        return ""
    row = conn.execute("SELECT full_name FROM person WHERE id = ?", (person_id,)).fetchone()
    return "" if row is None else str(row[0])
