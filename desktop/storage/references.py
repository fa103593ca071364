"""Checks that need the database: catalogue codes, references to other records, partitions."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Container, Mapping

from desktop.domain import dates, text
from desktop.domain.errors import ValidationError
from desktop.domain.kinds import KINDS, Field, Kind
from desktop.i18n import _
from desktop.storage import catalogues, dbapi
from desktop.storage.site import Site, get_meta


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
    raise ValidationError(f.name, _("«{v}» không có trong danh mục (ví dụ: {s}…)").format(
        v=value, s=sample), label=f.label)


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
            label=text.lower_first(target.label), v=value), label=f.label)
    if row["_deleted"] and target.name == "person":
        from desktop.storage.alias_chain import resolve  # a merged person: its survivor

        survivor = resolve(conn, str(row["id"]))
        if survivor != row["id"]:
            return resolve_ref(conn, f, survivor)
    if row["_deleted"]:
        raise ValidationError(f.name, _("{label} «{v}» đã bị xóa").format(
            label=target.label, v=value), label=f.label)
    return str(row["id"])


# -- partitions -------------------------------------------------------------------------------
# A record's partition is computed from its data, the same way on every replica: the partition
# of the record (or unit) named by the first of its ``partition_via`` fields that is set and
# known here; a village's is its commune's. Only a record linked to nothing (a person with no
# residence) takes the partition of the site that makes it. A commune writes only its own
# partitions: anything else would never be sent anywhere.

REF_PART = "ref"  # the partition of province reference data


def partition_fields(kind: Kind) -> tuple[str, ...]:
    """The fields whose values decide ``kind``'s partition."""
    return ("level", "parent_id") if kind.name == "unit" else kind.partition_via


def data_partition(conn: dbapi.Connection, kind: Kind, record: Mapping[str, object],
                   cache: dict[tuple[str, str], str | None] | None = None,
                   ) -> tuple[str | None, str | None]:
    """(partition, the field that decided it) from the record's values; (None, None) when
    nothing in the record links it to a unit known here. ``cache`` keeps the partitions of
    records looked up (for many records at once)."""
    if kind.name == "catalogue":
        return REF_PART, None
    via: tuple[tuple[str, str], ...] = tuple(
        (name, kind.field(name).ref or "") for name in kind.partition_via)
    if kind.name == "unit":
        # Provinces and communes are shipped, each in its own partition; a village added
        # later lives in its commune's.
        via = (("parent_id", "unit"),) if record.get("level") == "village" else ()
    for name, target in via:
        ref_id = record.get(name)
        if not ref_id:
            continue
        key = (target, str(ref_id))
        if cache is not None and key in cache:
            part = cache[key]
        else:
            row = conn.execute(f"SELECT _part FROM {KINDS[target].table} WHERE id = ?",
                               (ref_id,)).fetchone()
            part = None if row is None else str(row[0])
            if cache is not None:
                cache[key] = part
        if part is not None:
            return part, name
    return None, None


def partition_of(conn: dbapi.Connection, kind: Kind, record: Mapping[str, object],
                 site: Site, cache: dict[tuple[str, str], str | None] | None = None) -> str:
    """A record lives in the partition of the unit (or record) it belongs to."""
    return data_partition(conn, kind, record, cache)[0] or site.home_part


def own_partitions(conn: dbapi.Connection, site: Site) -> tuple[str, ...] | None:
    """The partitions a commune writes (those of its certificate, once enrolled; its own
    commune's before); None for the province, which writes anywhere."""
    if site.site_kind == "province":
        return None
    cert = get_meta(conn, "sync_certificate")
    if cert:
        return tuple(json.loads(json.loads(cert)["body"])["partitions"])
    return (site.unit_code,)


def placed_partition(conn: dbapi.Connection, kind: Kind, record: Mapping[str, object],
                     site: Site, cache: dict[tuple[str, str], str | None] | None = None,
                     own: Callable[[], tuple[str, ...] | None] | None = None) -> str:
    """The partition of a new record made here; a commune may not make a record that belongs
    to another commune (it would never be sent: not to the province, not to that commune).
    ``cache`` and ``own`` (:func:`own_partitions`, remembered) serve many records at once."""
    part, via = data_partition(conn, kind, record, cache)
    if part is None:
        return site.home_part
    own = own() if own is not None else own_partitions(conn, site)
    if via is not None and own is not None and part not in own:
        raise ValidationError(via, _outside_message(conn, kind, via, own),
                              label=kind.field(via).label)
    return part


def check_kept_partition(conn: dbapi.Connection, kind: Kind, record: Mapping[str, object],
                         current: str) -> None:
    """An edit may not move a record to another unit's partition (the record would vanish from
    one site and never reach the other); a person moves by :func:`moves.move_person`."""
    part, via = data_partition(conn, kind, record)
    if part is not None and via is not None and part != current:
        if kind.name == "person":  # a move: desktop/storage/moves.py
            raise ValidationError(via, _("«{label}» mới thuộc {new}, còn người này đang ở "
                                         "{old}: đây là chuyển đi, hãy ghi bằng «Chuyển nơi "
                                         "cư trú sang xã khác…» (hoặc moved_date=dd/mm/yyyy "
                                         "trên dòng lệnh)").format(
                label=kind.field(via).label, new=part_name(conn, part),
                old=part_name(conn, current)), label=kind.field(via).label)
        raise ValidationError(via, _("«{label}» mới thuộc {new}, còn bản ghi thuộc {old}; "
                                     "chưa chuyển được bản ghi sang xã/phường khác (hãy chọn "
                                     "nơi trong {old})").format(
            label=kind.field(via).label, new=part_name(conn, part),
            old=part_name(conn, current)), label=kind.field(via).label)


def part_name(conn: dbapi.Connection, part: str) -> str:
    """A partition as the officer knows it: the name of its commune (or province)."""
    row = conn.execute("SELECT name FROM unit WHERE code = ? AND valid_to IS NULL AND level IN "
                       "('commune', 'province') ORDER BY level", (part,)).fetchone()
    return str(row[0]) if row is not None else part


def _outside_message(conn: dbapi.Connection, kind: Kind, via: str,
                     own: tuple[str, ...]) -> str:
    names = ", ".join(part_name(conn, p) for p in own)
    return _("«{label}» phải thuộc {own}: bản ghi của xã/phường khác không bao giờ được gửi lên "
             "tỉnh (việc đó do Công an tỉnh hoặc xã/phường kia nhập)").format(
        label=kind.field(via).label, own=names)


def check_record(conn: dbapi.Connection, kind: Kind, record: Mapping[str, object],
                 record_id: str | None, free_ids: Container[str] = ()) -> list[str]:
    """Cross-record rules; returns warnings. An error names the field by its label, as the
    officer knows it. ``free_ids``: citizen ids known to be no stored person's (looked up
    together for many new records), not asked again."""
    try:
        return _check_record(conn, kind, record, record_id, free_ids)
    except ValidationError as e:
        if e.label is None and e.field in kind.by_name:
            e.label = kind.by_name[e.field].label
        raise


def _check_record(conn: dbapi.Connection, kind: Kind, record: Mapping[str, object],
                  record_id: str | None, free_ids: Container[str] = ()) -> list[str]:
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
    if kind.name == "tip":
        from desktop.storage import tips  # imports this module

        warnings += tips.check_record(conn, dict(record), record_id)
    if kind.name in ("establishment", "safety_evaluation", "crime_stat"):
        from desktop.storage import results  # imports this module

        warnings += results.check_record(conn, kind.name, record, record_id)
    if (kind.name == "person" and record.get("citizen_id")
            and record["citizen_id"] not in free_ids):
        row = conn.execute("SELECT id, full_name, birth_date FROM person WHERE citizen_id = ? "
                           "AND _deleted = 0 AND id IS NOT ?",
                           (record["citizen_id"], record_id)).fetchone()
        if row is not None:
            raise DuplicatePerson(kind.field("citizen_id"), str(record["citizen_id"]),
                                  str(row["id"]), str(row["full_name"]), row["birth_date"])
    if kind.name == "membership":
        found = catalogues.membership_findings(conn, record, record_id, dt.date.today())
        if found.errors:
            raise ValidationError("person_id", "; ".join(found.errors),
                                  label=kind.field("person_id").label)
        warnings += found.warnings
    return warnings


class DuplicatePerson(ValidationError):
    """Two people cannot share one citizen ID (Luật Căn cước 2023, Điều 12: unique, never
    reused). The officer either corrects the number or says the two are one person, and the
    records are merged (:func:`desktop.storage.same_person.merge_people`)."""

    def __init__(self, f: Field, number: str, other_id: str, other_name: str,
                 other_birth: object) -> None:
        born = (_(", sinh {d}").format(d=dates.PartialDate.from_iso(str(other_birth)).display())
                if other_birth else "")
        super().__init__(f.name, _("số {c} đã là số của {n}{b}; hai người không thể có cùng "
                                   "một số định danh. Nếu đây là cùng một người, hãy gộp vào "
                                   "hồ sơ đã có.").format(c=number, n=other_name, b=born),
                         label=f.label)
        self.other_id = other_id
        self.other_name = other_name
