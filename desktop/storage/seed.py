"""Reference data shipped with the program: version 0 of the catalogues and official units.

These rows are identical at every site (same deterministic ids, same values, taken from the
shipped files), so they carry no versions: they are the common starting point. Any later
edit of them goes through the write path and is versioned and synced like any other change.
This module is the only code that writes synced tables outside :mod:`writer`, and only from
migrations.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping

from vietnam_provinces import Province, VietNamDivisionType, Ward

from desktop.domain import text
from desktop.domain.kinds import KINDS
from desktop.resources import resource_path
from desktop.storage import dbapi, derived

# Namespace of the deterministic ids of shipped reference rows (uuid5 of a stable name).
REFERENCE_NAMESPACE = uuid.UUID("6f1d6a52-3c1e-4a53-9a3e-0b9f3c2d7e11")
CODE_VERSION_2025 = "GSO-2025-07-01"
REFORM_DATE = "2025-07-01"
LAST_DAY_BEFORE_REFORM = "2025-06-30"

_PROVINCE_PREFIX = {
    VietNamDivisionType.TINH: "Tỉnh",
    VietNamDivisionType.THANH_PHO_TRUNG_UONG: "Thành phố",
}


def reference_id(name: str) -> str:
    return str(uuid.uuid5(REFERENCE_NAMESPACE, name))


def unit_id(code: str, code_version: str) -> str:
    return reference_id(f"unit:{code_version}:{code}")


def _insert(conn: dbapi.Connection, kind_name: str,
            rows: Iterable[tuple[str, str, Mapping[str, object]]]) -> int:
    kind = KINDS[kind_name]
    # Only the columns the table has yet: a field added by a later migration (unit.remote)
    # does not exist when migration 2 seeds.
    have = {r[1] for r in conn.execute(f"PRAGMA table_info({kind.table})")}
    names = [f.name for f in kind.fields if f.name in have]
    cols = ["id", "_part", *names, *derived.column_names(kind)]
    marks = ", ".join("?" * len(cols))
    data = [(rid, part, *(rec.get(n) for n in names), *derived.columns(kind, rec))
            for rid, part, rec in rows]
    # OR IGNORE: running a seed twice (e.g. after a restore) must not duplicate or fail.
    conn.executemany(f"INSERT OR IGNORE INTO {kind.table} ({', '.join(cols)}) VALUES ({marks})",
                     data)
    return len(data)


def load_catalogues(conn: dbapi.Connection, *, only: Iterable[str] | None = None) -> int:
    """The shipped catalogues (``only``: those named, for a migration that adds them)."""
    data = json.loads(resource_path("catalogues", "catalogues.json").read_text("utf-8"))
    wanted = None if only is None else set(only)
    rows = []
    for catalogue, items in data["catalogues"].items():
        if wanted is not None and catalogue not in wanted:
            continue
        for order, item in enumerate(items, start=1):
            rec = {
                "catalogue": catalogue,
                "code": item["code"],
                "name": text.clean_text(item["name"]),
                "aliases": "; ".join(text.clean_text(a) for a in item.get("aliases", [])) or None,
                "attrs": json.dumps(item["attrs"], ensure_ascii=False) if item.get("attrs")
                else None,
                "sort_order": order,
                "active": 1,
            }
            rows.append((reference_id(f"catalogue:{catalogue}:{item['code']}"), "ref", rec))
    return _insert(conn, "catalogue", rows)


def refresh_catalogue_attrs(conn: dbapi.Connection) -> int:
    """The shipped rules (``attrs``: single_roles, min_age, residents_only …) on catalogue
    rows seeded before they were shipped; returns how many rows changed.

    Only rows whose ``attrs`` nobody edited (no field version: still the seed's value) take
    the shipped one, so every site computes the same value for them and nothing needs to
    sync. An edited row keeps the edit: it is versioned, and a site that set its own
    thresholds meant them. Items shipped since the database was made are added.
    """
    from desktop.storage import versions

    load_catalogues(conn)
    data = json.loads(resource_path("catalogues", "catalogues.json").read_text("utf-8"))
    shipped = {reference_id(f"catalogue:{catalogue}:{item['code']}"):
               json.dumps(item["attrs"], ensure_ascii=False) if item.get("attrs") else None
               for catalogue, items in data["catalogues"].items() for item in items}
    stored = {r[0]: r[1] for r in conn.execute("SELECT id, attrs FROM catalogue_item")}

    def parsed(attrs: str | None) -> object:
        return json.loads(attrs) if attrs else None

    stale = [pk for pk, attrs in shipped.items()
             if pk in stored and parsed(stored[pk]) != parsed(attrs)]
    edited = versions.read(conn, "catalogue_item", stale)
    changed = [(shipped[pk], pk) for pk in stale if "attrs" not in edited.get(pk, {})]
    conn.executemany("UPDATE catalogue_item SET attrs = ? WHERE id = ?", changed)
    return len(changed)


def _province_code(p: Province) -> str:
    return f"{int(p.code):02d}"


def load_units_2025(conn: dbapi.Connection) -> int:
    """The 34 provinces and 3,321 xã/phường/đặc khu of the two-level government."""
    rows = []
    for p in Province.iter_all():
        pcode = _province_code(p)
        pid = unit_id(pcode, CODE_VERSION_2025)
        prefix = _PROVINCE_PREFIX.get(p.division_type, "Tỉnh")
        # Cities come named "Thành phố Hà Nội" already; provinces bare ("Điện Biên").
        name = p.name if p.name.startswith(prefix) else f"{prefix} {p.name}"
        rows.append((pid, pcode, {
            "name": text.clean_text(name), "level": "province",
            "division_type": p.division_type.value, "code": pcode,
            "code_version": CODE_VERSION_2025, "valid_from": REFORM_DATE}))
        for w in Ward.iter_by_province(p.code):
            wcode = f"{int(w.code):05d}"
            rows.append((unit_id(wcode, CODE_VERSION_2025), wcode, {
                "name": text.clean_text(w.name), "level": "commune",
                "division_type": w.division_type.value, "code": wcode,
                "code_version": CODE_VERSION_2025, "parent_id": pid,
                "valid_from": REFORM_DATE}))
    return _insert(conn, "unit", rows)


def load_legacy_units(conn: dbapi.Connection) -> int:
    """Districts and communes before 01/07/2025, for old records and year-on-year figures.

    Codes were reused with another meaning after the reform, so these rows carry their own
    code version and are never joined to new ones on the code alone.
    """
    data = json.loads(resource_path("units", "legacy_11.json").read_text("utf-8"))
    version = data["code_version"]
    province = data["province"]
    part = province["code"]
    pid = unit_id(province["code"], version)
    rows = [(pid, part, {
        "name": province["name"], "level": "province", "code": province["code"],
        "code_version": version, "valid_to": LAST_DAY_BEFORE_REFORM,
        "successor_id": unit_id(province["code"], CODE_VERSION_2025)})]
    for d in data["districts"]:
        rows.append((unit_id(d["code"], version), part, {
            "name": d["name"], "level": "district", "division_type": d.get("division_type"),
            "code": d["code"], "code_version": version, "parent_id": pid,
            "valid_to": LAST_DAY_BEFORE_REFORM}))
    for c in data["communes"]:
        rows.append((unit_id(c["code"], version), part, {
            "name": c["name"], "level": "commune", "division_type": c.get("division_type"),
            "code": c["code"], "code_version": version,
            "parent_id": unit_id(c["district_code"], version),
            "valid_to": LAST_DAY_BEFORE_REFORM}))
    return _insert(conn, "unit", rows)
