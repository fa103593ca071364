"""Catalogue items for pickers, and the rules some catalogue items carry (Tổ bảo vệ ANTT)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass

from desktop.domain.org_rules import Findings, TypeRules, check_member
from desktop.i18n import _
from desktop.storage import dbapi


@dataclass(frozen=True)
class Item:
    code: str
    name: str
    attrs: dict[str, object]


def items(conn: dbapi.Connection, catalogue: str) -> list[Item]:
    rows = conn.execute("SELECT code, name, attrs FROM catalogue_item WHERE catalogue = ? AND "
                        "_deleted = 0 AND coalesce(active, 1) = 1 ORDER BY sort_order, name",
                        (catalogue,))
    return [Item(r["code"], r["name"], json.loads(r["attrs"]) if r["attrs"] else {})
            for r in rows]


def item(conn: dbapi.Connection, catalogue: str, code: str) -> Item | None:
    row = conn.execute("SELECT code, name, attrs FROM catalogue_item WHERE catalogue = ? AND "
                       "code = ?", (catalogue, code)).fetchone()
    if row is None:
        return None
    return Item(row["code"], row["name"], json.loads(row["attrs"]) if row["attrs"] else {})


def roles_of_organization(conn: dbapi.Connection, organization_id: str) -> list[Item]:
    """The roles of an organization's type in its own order, the plain member's last ("Đội
    trưởng, Đội phó, Đội viên" for a Đội dân phòng); every role when its type names none."""
    every = items(conn, "role")
    row = conn.execute("SELECT org_type FROM organization WHERE id = ?",
                       (organization_id,)).fetchone()
    found = item(conn, "org_type", str(row[0])) if row and row[0] else None
    codes = found.attrs.get("roles") if found else None
    if not isinstance(codes, list) or not codes:
        return every
    by_code = {i.code: i for i in every}
    return [by_code[c] for c in codes if c in by_code] or every


CODE_LENGTH = 60  # as the kind's field allows (desktop/domain/kinds.py)


def new_code(conn: dbapi.Connection, catalogue: str, name: str) -> str:
    """The code of a new item of ``catalogue``, made from its name as the seeded ones are
    ("Lao động xuất sắc" → ``lao_dong_xuat_sac``): folded, words joined by "_", and unique in
    the catalogue, deleted items included (a record may still name one); a second
    "Lao động xuất sắc" gets ``lao_dong_xuat_sac_2``. The officer is never asked for it."""
    from desktop.domain.text import search_words

    base = "_".join(search_words(name))[:CODE_LENGTH].strip("_") or "muc"
    taken = {str(r[0]) for r in conn.execute(  # a catalogue holds hundreds at most
        "SELECT code FROM catalogue_item WHERE catalogue = ?", (catalogue,))}
    code, n = base, 1
    while code in taken:
        n += 1
        suffix = f"_{n}"
        code = base[:CODE_LENGTH - len(suffix)] + suffix
    return code


def organization_warnings(conn: dbapi.Connection, organization_id: str) -> list[str]:
    """The rules of the organization's type that its current members break (Luật 30/2023:
    a Tổ bảo vệ ANTT has a Tổ trưởng and at least three members), as warnings."""
    org = conn.execute("SELECT org_type FROM organization WHERE id = ?",
                       (organization_id,)).fetchone()
    if org is None:
        return []
    rules = item(conn, "org_type", org["org_type"])
    if rules is None:
        return []
    roles = [r[0] for r in conn.execute(
        "SELECT role FROM membership WHERE organization_id = ? AND _deleted = 0 "
        "AND left_date IS NULL", (organization_id,))]
    warnings = []
    for role in rules.attrs.get("required_roles", []) or []:
        if role not in roles:
            named = item(conn, "role", str(role))
            warnings.append(_("Chưa có {r}").format(r=named.name if named else role))
    minimum = rules.attrs.get("min_members")
    if isinstance(minimum, int) and len(roles) < minimum:
        warnings.append(_("Mới có {n} thành viên; {t} cần ít nhất {m}").format(
            n=len(roles), t=rules.name, m=minimum))
    for role in type_rules(conn, org["org_type"]).single_roles:
        if roles.count(role) > 1:
            named = item(conn, "role", str(role))
            warnings.append(_("Có {n} {r}; mỗi {t} chỉ có một {r}").format(
                n=roles.count(role), r=named.name if named else role, t=rules.name))
    return warnings


def type_rules(conn: dbapi.Connection, org_type: str) -> TypeRules:
    """The member rules of an organization type (none when its catalogue item has none)."""
    found = item(conn, "org_type", org_type)
    return TypeRules.from_attrs(found.name, found.attrs) if found else TypeRules(org_type)


def membership_findings(conn: dbapi.Connection, record: Mapping[str, object],
                        record_id: str | None, today: dt.date) -> Findings:
    """The rules of the organization's type on a membership being written: checked when it
    is made, or when its person, organization, role or joined date changes, and only while
    it lasts (an old membership is never refused for the ages of its time)."""
    none = Findings([], [])
    if record.get("left_date") or not record.get("organization_id"):
        return none
    keys = ("person_id", "organization_id", "role", "joined_date")
    if record_id is not None:
        before = conn.execute("SELECT person_id, organization_id, role, joined_date FROM "
                              "membership WHERE id = ?", (record_id,)).fetchone()
        if before is not None and all(before[k] == record.get(k) for k in keys):
            return none
    # The organization and its type's rules in one read, the person only when there are
    # rules (most types have none): an import writes thousands of memberships in a row.
    org = conn.execute("SELECT o.org_type, o.unit_id, u.level, u.name AS unit_name, "
                       "c.name AS type_name, c.attrs FROM organization o "
                       "LEFT JOIN unit u ON u.id = o.unit_id LEFT JOIN catalogue_item c "
                       "ON c.catalogue = 'org_type' AND c.code = o.org_type WHERE o.id = ?",
                       (record["organization_id"],)).fetchone()
    if org is None:
        return none
    rules = TypeRules.from_attrs(org["type_name"], json.loads(org["attrs"])) \
        if org["type_name"] is not None and org["attrs"] else TypeRules(org["org_type"])
    if not rules.any:
        return none
    person = conn.execute("SELECT p.full_name, p.birth_date, p.residence_unit_id, "
                          "u.name AS home FROM person p LEFT JOIN unit u "
                          "ON u.id = p.residence_unit_id WHERE p.id = ?",
                          (record.get("person_id"),)).fetchone()
    if person is None:
        return none
    role = str(record["role"]) if record.get("role") else None
    holders: list[str] = []
    if role in rules.single_roles:
        holders = [r[0] for r in conn.execute(
            "SELECT p.full_name FROM membership m JOIN person p ON p.id = m.person_id "
            "WHERE m.organization_id = ? AND m.role = ? AND m._deleted = 0 AND "
            "m.left_date IS NULL AND m.id IS NOT ? AND m.person_id IS NOT ?",
            (record["organization_id"], role, record_id, record.get("person_id")))]
    named = item(conn, "role", role) if role else None
    joined = record.get("joined_date")
    on = dt.date.fromisoformat(str(joined)) if joined and len(str(joined)) == 10 else today
    village = org["unit_id"] if org["level"] == "village" else None
    return check_member(rules, name=str(person["full_name"]), birth_date=person["birth_date"],
                        on=on, role=role, role_name=named.name if named else "",
                        other_holders=holders, residence=person["residence_unit_id"],
                        residence_name=str(person["home"] or ""), area=village,
                        area_name=str(org["unit_name"] or ""))
