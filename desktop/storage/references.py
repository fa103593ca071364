"""Checks that need the database: catalogue codes, references to other records, partitions."""

from __future__ import annotations

from collections.abc import Mapping

from desktop.domain import text
from desktop.domain.errors import ValidationError
from desktop.domain.kinds import KINDS, Field, Kind
from desktop.i18n import _
from desktop.storage import dbapi
from desktop.storage.site import Site


def resolve_code(conn: dbapi.Connection, f: Field, value: str) -> str:
    """The catalogue code for what a user typed: the code itself, the name or an alias."""
    exact = conn.execute("SELECT code FROM catalogue_item WHERE catalogue = ? AND code = ? "
                         "AND _deleted = 0", (f.catalogue, value)).fetchone()
    if exact is not None:
        return str(exact[0])
    rows = conn.execute("SELECT code, name, aliases FROM catalogue_item WHERE catalogue = ? "
                        "AND _deleted = 0 ORDER BY sort_order", (f.catalogue,)).fetchall()
    key = text.fold(value)
    for row in rows:
        names = [row["name"], *(row["aliases"] or "").split(";")]
        if any(key == text.fold(n) for n in names if n.strip()):
            return str(row["code"])
    sample = ", ".join(r["name"] for r in rows[:8])
    raise ValidationError(f.name, _("«{v}» không có trong danh mục {c} (ví dụ: {s}…)").format(
        v=value, c=f.catalogue, s=sample))


def resolve_ref(conn: dbapi.Connection, f: Field, value: str) -> str:
    """The id of the referenced record; a unit may also be given by its official code."""
    assert f.ref is not None
    target = KINDS[f.ref]
    row = conn.execute(f"SELECT id, _deleted FROM {target.table} WHERE id = ?",
                       (value,)).fetchone()
    if row is None and target.name == "unit" and value.isdigit():
        row = conn.execute("SELECT id, _deleted FROM unit WHERE code = ? AND valid_to IS NULL "
                           "AND level IN ('province', 'commune')",
                           (value.zfill(5 if len(value) > 2 else 2),)).fetchone()
    if row is None:
        raise ValidationError(f.name, _("không có {label} với id «{v}»").format(
            label=target.label.lower(), v=value))
    if row["_deleted"]:
        raise ValidationError(f.name, _("{label} «{v}» đã bị xóa").format(
            label=target.label, v=value))
    return str(row["id"])


def partition_of(conn: dbapi.Connection, kind: Kind, record: Mapping[str, object],
                 site: Site) -> str:
    """A record lives in the partition of the unit (or record) it belongs to."""
    if kind.name == "catalogue":
        return "ref"
    for name in kind.partition_via:
        ref_id = record.get(name)
        if ref_id:
            target = KINDS[kind.field(name).ref or ""]
            row = conn.execute(f"SELECT _part FROM {target.table} WHERE id = ?",
                               (ref_id,)).fetchone()
            if row is not None:
                return str(row[0])
    return site.home_part


def check_record(conn: dbapi.Connection, kind: Kind, record: Mapping[str, object],
                 record_id: str | None) -> list[str]:
    """Cross-record rules; returns warnings."""
    warnings: list[str] = []
    if kind.name == "unit" and record_id is None and record.get("level") != "village":
        raise ValidationError("level", _("chỉ thêm được thôn/bản/tổ dân phố (level=village); "
                                         "tỉnh và xã có sẵn theo danh mục chính thức"))
    if kind.name == "unit" and record.get("level") == "village":
        parent = record.get("parent_id")
        row = conn.execute("SELECT level FROM unit WHERE id = ?", (parent,)).fetchone()
        if row is None or row["level"] != "commune":
            raise ValidationError("parent_id", _("thôn/bản/tổ dân phố phải thuộc một xã, "
                                                 "phường hoặc đặc khu"))
    if kind.name == "person" and record.get("citizen_id"):
        row = conn.execute("SELECT id, full_name FROM person WHERE citizen_id = ? AND "
                           "_deleted = 0 AND id IS NOT ?",
                           (record["citizen_id"], record_id)).fetchone()
        if row is not None:
            warnings.append(_("citizen_id: trùng số định danh với {n} ({id})").format(
                n=row["full_name"], id=row["id"]))
    return warnings
