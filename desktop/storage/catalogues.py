"""Catalogue items for pickers, and the rules some catalogue items carry (Tổ bảo vệ ANTT)."""

from __future__ import annotations

import json
from dataclasses import dataclass

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
    return warnings
